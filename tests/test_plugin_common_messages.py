"""The shared plug-in package's messages.py: the texts both plug-ins show."""


def test_parse_message_names_the_parser_the_face_and_what_to_paint():
    from maskgan_plugin_common import messages

    result = {
        "parser": "landmark parser",
        "faces": [[0, 0, 9, 9], [20, 0, 25, 5]],
        "face": 1,
        "unseen": ["eye_g", "hat", "not_a_class"],
        "notes": ["2 faces found"],
    }
    assert messages.parsed(result) == (
        "Parsed face 2 of 2 with the landmark parser. It never marks Eyeglasses, Hat: where the photo shows them, "
        "paint them on both masks (unlock “Source mask (locked)”) before you edit. Note: 2 faces found."
    )
    learned = {"parser": "learned parser (synthetic)", "faces": [[0, 0, 96, 96]], "face": 0, "unseen": [], "notes": []}
    assert messages.parsed(learned) == (
        "Parsed face 1 of 1 with the learned parser (synthetic). Paint your edit on “Edited mask”, then Apply edit."
    )


def test_the_connection_line_names_the_precision():
    from maskgan_plugin_common import messages

    hello = {"version": "0.1.0", "device": "cpu", "precision": "fp32", "model": {"name": "demo"}}
    assert messages.connected(hello) == "Connected: MaskGAN 0.1.0 on cpu (fp32), demo"
    assert messages.connected({"version": "0.0.9", "device": "cuda", "model": {}}) == (
        "Connected: MaskGAN 0.0.9 on cuda, unnamed model"
    )  # a daemon that does not report its precision


def test_the_edit_message_says_which_added_parts_came_from_a_look():
    from maskgan_plugin_common import messages

    assert messages.drawn_looks({}) == ""
    assert messages.drawn_looks({"eye_g": "look 2", "hat": "look 2"}) == (
        "; drew the added eyeglasses from look 2, hat from look 2 (Look of added parts: 0 for the photo's own style)"
    )
    assert messages.drawn_looks({"eye_g": "look 1", "wings": "look 1"}) == (  # a newer daemon's class: left out
        "; drew the added eyeglasses from look 1 (Look of added parts: 0 for the photo's own style)"
    )
    assert messages.drawn_looks({"hat": "the reference face"}) == "; drew the added hat from the reference face"


def test_the_edit_message_says_how_each_region_was_made():
    from maskgan_plugin_common import messages

    assert messages.routes_taken({}) == ""
    assert messages.routes_taken({"transferred": {"u_lip": 117}, "moved": {"u_lip": 64, "l_lip": 186}}) == (
        "; moved lower lip, upper lip; transferred upper lip"
    )  # in the daemon's order, largest part first
    assert (
        messages.routes_taken({"drawn": {"eye_g": 984, "wings": 3}}) == "; drawn eyeglasses"
    )  # a newer class: left out
