"""Looks of added worn parts: new glasses drawn from a face that wears some, not averaged into a blur."""

import numpy as np
import pytest

from maskgan.core.masks import dilate
from maskgan.data.synthetic import sample_label, sample_photo
from maskgan.data.synthetic_looks import wearers
from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.metrics import outline_contrast
from maskgan.infer import Editor
from maskgan.infer.demo_samples import load_demo_sample
from maskgan.infer.editor import builtin_look_candidates
from maskgan.infer.looks import (
    AUTO_LOOK,
    DISTINCT_COLOUR,
    LOOK_CANDIDATES,
    LookBook,
    Reference,
    added_parts,
    distinct_first,
)
from maskgan.infer.weights_path import default_weights_path
from maskgan.labels import class_index
from maskgan.weights import load_bundle

GLASSES, HAT, BROW = class_index("eye_g"), class_index("hat"), class_index("l_brow")


@pytest.fixture(scope="module")
def editor():
    return Editor.load(device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def demo():
    return load_demo_sample()


def frame_contrast(image, mask):
    """How much new glasses stand out from the face around them (0 for a blur the colour of the skin)."""
    return outline_contrast(image, mask == GLASSES, 2)


def training_face(wears: int, lens_luminance) -> Reference:
    """The first training face with large glasses whose lenses' mean luminance passes ``lens_luminance``."""
    for seed in range(400):
        if np.count_nonzero(sample_label(seed, 192) == wears) > 150:
            image, label = sample_photo(seed, 192)
            if lens_luminance(image[label == wears].mean()):
                return Reference(image, label)
    raise AssertionError("no such face in the first 400")


def test_only_worn_parts_the_photo_lacks_take_a_look():
    source = np.zeros((32, 32), np.uint8)
    source[8:24, 8:24] = 1
    edited = source.copy()
    edited[10:12, 10:20] = GLASSES
    edited[4:8, 10:20] = HAT
    edited[14:15, 10:14] = BROW  # a new brow follows the person's colouring, which the photo holds
    assert added_parts(source, edited) == [GLASSES, HAT]
    source[20, 20:26] = GLASSES  # a parser's stray pixels, under a third of the new glasses: still added
    assert added_parts(source, edited) == [GLASSES, HAT]
    source[21, 20:26] = GLASSES  # glasses already worn: the photo's own style knows them
    assert added_parts(source, edited) == [HAT]


def test_the_default_look_draws_clearer_glasses_and_changes_nothing_else(editor, demo):
    plain = editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=0)
    looked = editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate")
    assert plain.looks == {} and looked.looks == {"eye_g": "look 1"}
    # only the glasses are redrawn (up to the enlargement's 4-pixel reach at this crop's scale)
    differs = (plain.image != looked.image).any(axis=-1)
    assert differs.any() and not (differs & ~dilate(demo.edited_mask == GLASSES, 4)).any()


def test_new_glasses_stand_out_from_the_face_with_the_default_look(editor):
    heldout = HeldOutSet(192, 200)
    faces = [heldout[i] for i in range(200) if heldout[i].edit_kind == "add_glasses"][:8]

    def contrast(look):
        return np.mean(
            [
                frame_contrast(
                    editor.edit(f.image, f.label, f.edited_label, method="generate", look=look).image, f.edited_label
                )
                for f in faces
            ]
        )

    # measured on these 8: 21.8 in the photo's own style, 42.7 with look 1, 29.3 in the exact ground truth
    assert contrast(AUTO_LOOK) > 1.5 * contrast(0)


def test_the_first_use_of_a_parts_built_in_looks_says_that_it_ranks_them(demo):
    editor = Editor.load(device="cpu", precision="fp32")  # a fresh one: nothing ranked yet

    def messages():
        events = []
        editor.edit(
            demo.image,
            demo.source_mask,
            demo.edited_mask,
            method="generate",
            progress=lambda *event: events.append(event),
        )
        return events

    ranking = (1, 3, "ranking the built-in looks of eyeglasses (once per part)")
    assert messages() == [
        (0, 3, "planning the edit"),
        (1, 3, "generating"),
        ranking,
        (2, 3, "blending"),
        (3, 3, "done"),
    ]
    assert ranking not in messages()


def test_a_reference_face_gives_its_glasses_their_tint(editor, demo):
    sunglasses = training_face(GLASSES, lambda luminance: luminance < 60)
    clear = training_face(GLASSES, lambda luminance: luminance > 150)
    plain = editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=0).image
    dark = editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", reference=sunglasses)
    light = editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", reference=clear).image
    assert dark.looks == {"eye_g": "the reference face"}
    glasses = demo.edited_mask == GLASSES
    # measured: 70 with sunglasses, 104 in the photo's own style, 120 with clear lenses
    assert dark.image[glasses].mean() < plain[glasses].mean() - 20 < light[glasses].mean() - 30


def test_a_reference_without_the_added_part_is_refused_by_name(editor, demo):
    with pytest.raises(ValueError, match="the reference face shows no eyeglasses, which the edit adds"):
        editor.edit(
            demo.image,
            demo.source_mask,
            demo.edited_mask,
            method="generate",
            reference=Reference(demo.image, demo.source_mask),
        )


def test_looks_are_numbered_and_checked(editor, demo):
    first, second = (
        editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=k).image for k in (1, 2)
    )
    assert not np.array_equal(first, second)
    assert np.array_equal(
        first, editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=1).image
    )
    for bad in (17, -2, 1.5, True):
        with pytest.raises(ValueError, match="look must be an integer from 0"):
            editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=bad)


def test_weights_not_trained_on_the_synthetic_world_have_no_built_in_looks(demo):
    bundle = load_bundle(default_weights_path())
    bundle.card["training_data"] = "ffhq"  # any photos but the synthetic world (not CelebAMask-HQ: that aligns faces)
    editor = Editor(bundle, looks=builtin_look_candidates(bundle.card))
    assert editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate").looks == {}  # automatic: none
    with pytest.raises(ValueError, match="give a reference photo that wears the added parts, or use look 0"):
        editor.edit(demo.image, demo.source_mask, demo.edited_mask, method="generate", look=1)
    wearer = training_face(GLASSES, lambda luminance: True)
    assert editor.edit(
        demo.image, demo.source_mask, demo.edited_mask, method="generate", look=1, reference=wearer
    ).looks


def test_variants_draw_added_parts_from_the_look_too(editor):
    # a hat: the MaskVAE's 64-px masks keep it, where thin new glasses vanish from variants
    heldout = HeldOutSet(192, 100)
    face = next(heldout[i] for i in range(100) if heldout[i].edit_kind == "add_hat")
    variants = editor.variants(face.image, face.label, face.edited_label, 2, seed=0, method="generate")
    assert [v.looks for v in variants] == [{"hat": "look 1"}] * 2
    plain = editor.variants(face.image, face.label, face.edited_label, 2, seed=0, method="generate", look=0)
    assert [v.looks for v in plain] == [{}, {}] and not np.array_equal(plain[0].image, variants[0].image)


def test_variants_keep_new_glasses_that_the_mask_vae_cannot_draw(editor, demo):
    # the MaskVAE decodes at 64 px, where the frame vanishes; a variant reshapes the edit, never drops a part of it
    looked = editor.variants(demo.image, demo.source_mask, demo.edited_mask, 2, seed=0, method="generate")
    plain = editor.variants(demo.image, demo.source_mask, demo.edited_mask, 2, seed=0, method="generate", look=0)
    assert [v.looks for v in looked] == [{"eye_g": "look 1"}] * 2 and [v.looks for v in plain] == [{}, {}]
    near_glasses = dilate(demo.edited_mask == GLASSES, 4)
    for a, b in zip(looked, plain):  # the same masks (same seed): the glasses, painted as they were, alone differ
        differs = (a.image != b.image).any(axis=-1)
        assert differs.any() and not (differs & ~near_glasses).any()


def test_near_duplicate_looks_follow_the_distinct_ones():
    mask = np.full((4, 4), HAT, np.uint8)
    red, dark_red, blue = (
        Reference(np.full((4, 4, 3), colour, np.uint8), mask)
        for colour in ((200, 30, 30), (190, 35, 30), (30, 30, 200))
    )
    assert distinct_first([red, dark_red, blue], HAT) == [red, blue, dark_red]


def test_the_look_book_ranks_candidates_by_clarity():
    scores = {}

    def clarity(references, part):  # a stand-in: ranks by the part's size on the face
        scores.update({id(r): np.count_nonzero(r.mask == part) for r in references})
        return [scores[id(r)] for r in references]

    book = LookBook(64, clarity, wearers)
    assert not book.ranked(HAT)
    looks = [book.look(HAT, k) for k in (1, 2, 3)]
    assert book.ranked(HAT) and not book.ranked(GLASSES)
    assert len(scores) == LOOK_CANDIDATES  # every candidate scored once, then cached
    assert np.count_nonzero(looks[0].mask == HAT) == max(scores.values())  # look 1: the best-ranked
    colours = [look.image[look.mask == HAT].astype(float).mean(0) for look in looks]
    assert all(np.linalg.norm(colours[i] - colours[j]) >= DISTINCT_COLOUR for i in range(3) for j in range(i))
    assert all(np.count_nonzero(mask == HAT) > 0 for _, mask in wearers(HAT, LOOK_CANDIDATES, 64))
    with pytest.raises(ValueError, match="built-in looks are numbered 1 to 16"):
        book.look(HAT, 0)


def test_a_look_book_ranks_the_faces_of_the_source_it_is_given():
    faces = [(np.full((4, 4, 3), grey, np.uint8), np.full((4, 4), HAT, np.uint8)) for grey in (10, 240, 120)]
    asked = []

    def source(part, count, size):
        asked.append((part, count, size))
        return faces

    book = LookBook(4, lambda references, part: [float(r.image.mean()) for r in references], source)
    assert [book.look(HAT, k).image.mean() for k in (1, 2, 3)] == [240, 120, 10]
    assert asked == [(HAT, LOOK_CANDIDATES, 4)]  # asked once, then ranked for good


def test_only_weights_trained_on_the_synthetic_world_take_its_faces_as_looks():
    assert builtin_look_candidates({"training_data": "synthetic"}) is wearers
    assert builtin_look_candidates({"training_data": "celebamask_hq"}) is None and builtin_look_candidates({}) is None
