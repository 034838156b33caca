# Runs inside GIMP 3's python-fu-eval (gimp_runner.run_in_gimp): drives the installed MaskGAN procedures
# through the PDB, as a script or another plug-in would, and writes what it saw to $MASKGAN_GIMP_TEST/out:
# result.json ({checks: {name: {ok, error}}, values: {...}}) and .npy arrays. The pytest side asserts.
import json
import os
import sys
import traceback
from pathlib import Path

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

WORK = Path(os.environ["MASKGAN_GIMP_TEST"])
sys.path.insert(0, os.environ["MASKGAN_GIMP_VENDOR"])  # the plug-in's numpy, built for GIMP's Python
import numpy as np  # noqa: E402

OUT = WORK / "out"
RESULT = {"checks": {}, "values": {}}
VALUES = RESULT["values"]
PDB = Gimp.get_pdb()
NAMES = ["parse-face", "apply-edit", "variants", "style-copy", "batch-edit"]


def load(name):
    return np.load(WORK / "inputs" / f"{name}.npy")


def rgba_of(array):
    if array.shape[2] == 4:
        return array
    return np.concatenate([array, np.full(array.shape[:2] + (1,), 255, np.uint8)], axis=2)


def add_layer(image, name, array, parent=None, position=0):
    rgba = rgba_of(array)
    h, w = rgba.shape[:2]
    layer = Gimp.Layer.new(image, name, w, h, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, parent, position)
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, w, h), "R'G'B'A u8", np.ascontiguousarray(rgba).tobytes())
    buffer.flush()
    return layer


def pixels(layer):
    w, h = layer.get_width(), layer.get_height()
    data = layer.get_buffer().get(Gegl.Rectangle.new(0, 0, w, h), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.NONE)
    return np.frombuffer(bytes(data), np.uint8).reshape(h, w, 4).copy()


def walk(layers):
    for layer in layers:
        if layer.is_group():
            yield from walk(layer.get_children())
        yield layer


def tree(layers):
    """Names of the layers, top first, a group as [name, its tree]."""
    return [
        [layer.get_name(), tree(layer.get_children())] if layer.is_group() else layer.get_name() for layer in layers
    ]


def snapshot(image):
    return {
        layer.get_id(): (layer.get_name(), layer.get_offsets()[1:], pixels(layer))
        for layer in walk(image.get_layers())
        if not layer.is_group()
    }


def unchanged(before, image):
    """True when every layer of ``before`` is still there with the same name, place and pixels."""
    after = snapshot(image)
    return all(
        key in after and after[key][0] == name and after[key][1] == offsets and np.array_equal(after[key][2], array)
        for key, (name, offsets, array) in before.items()
    )


def run(name, image, drawables=(), **args):
    """(status nick, message or error text) of a MaskGAN procedure run without a dialog."""
    procedure = PDB.lookup_procedure("plug-in-maskgan-" + name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    if drawables:  # an empty list makes GLib warn; left out, it is empty anyway
        config.set_core_object_array("drawables", list(drawables))
    for key, value in args.items():
        config.set_property(key.replace("_", "-"), value)
    values = procedure.run(config)
    status = values.index(0)
    text = values.index(1) if values.length() > 1 else None
    return status.value_nick, str(text)


def image_with_masks(photo, source, edited, title):
    """A photo with a MaskGAN group as Parse face makes it (the masks given, not parsed)."""
    h, w = photo.shape[:2]
    image = Gimp.Image.new(w, h, Gimp.ImageBaseType.RGB)
    image.set_file(Gio.File.new_for_path(f"/{title}.xcf"))
    add_layer(image, "Photo", photo)
    group = Gimp.GroupLayer.new(image, "MaskGAN")
    image.insert_layer(group, None, 0)
    add_layer(image, "Source mask (locked)", source, group, 0).set_visible(False)
    add_layer(image, "Edited mask", edited, group, 0)
    return image


def export(image, name, hide=()):
    """A PNG of what the image shows, with the layers named in ``hide`` hidden (on a copy)."""
    copy = image.duplicate()
    for layer in walk(copy.get_layers()):
        if layer.get_name() in hide:
            layer.set_visible(False)
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, copy, Gio.File.new_for_path(str(OUT / name)), None)
    copy.delete()


def check(function):
    try:
        function()
        RESULT["checks"][function.__name__] = {"ok": True}
    except Exception:  # noqa: BLE001 - every failure is reported to pytest, then the next check runs
        RESULT["checks"][function.__name__] = {"ok": False, "error": traceback.format_exc()}


def check_procedures_register():
    found = {name: PDB.lookup_procedure("plug-in-maskgan-" + name) for name in NAMES}
    VALUES["registered"] = [name for name, procedure in found.items() if procedure is not None]
    VALUES["menu_paths"] = {name: list(procedure.get_menu_paths()) for name, procedure in found.items() if procedure}
    VALUES["menu_labels"] = {name: procedure.get_menu_label() for name, procedure in found.items() if procedure}
    method = found["apply-edit"].find_argument("method")
    VALUES["method_choices"] = list(Gimp.param_spec_choice_get_choice(method).list_nicks())


def check_parse_face_adds_the_mask_group():
    astronaut = load("astronaut")
    image = Gimp.Image.new(astronaut.shape[1], astronaut.shape[0], Gimp.ImageBaseType.RGB)
    photo = add_layer(image, "Photo", astronaut)
    before = snapshot(image)
    VALUES["parse"] = run("parse-face", image, [photo])
    VALUES["parse_tree"] = tree(image.get_layers())
    VALUES["parse_unchanged"] = unchanged(before, image)
    group = image.get_layers()[0]
    children = {layer.get_name(): layer for layer in group.get_children()}
    source = children["Source mask (locked)"]
    VALUES["source_locked_hidden"] = [source.get_lock_content(), source.get_visible()]
    np.save(OUT / "parsed_source.npy", pixels(source))
    np.save(OUT / "parsed_edited.npy", pixels(children["Edited mask"]))
    export(image, "parse_face.png")
    VALUES["parse_classes"] = run("parse-face", image, [photo], mask_mode="classes")
    VALUES["parse_classes_tree"] = tree(image.get_layers())
    image.delete()


def check_apply_edit_adds_a_result_layer():
    image = image_with_masks(load("photo"), load("source_colour"), load("edited_colour"), "sample")
    before = snapshot(image)
    VALUES["edit"] = run("apply-edit", image, [])
    VALUES["edit_tree"] = tree(image.get_layers())
    VALUES["edit_unchanged"] = unchanged(before, image)
    result = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN edit 1")
    np.save(OUT / "edit_layer.npy", pixels(result))
    image.delete()


def check_apply_edit_on_the_astronaut():
    """Parse face, then the edited mask painted as a user paints glasses (the pytest side made it from the same
    parse), then Apply edit: the picture of docs/gimp.md."""
    astronaut = load("astronaut")
    image = Gimp.Image.new(astronaut.shape[1], astronaut.shape[0], Gimp.ImageBaseType.RGB)
    image.set_file(Gio.File.new_for_path("/astronaut.xcf"))
    photo = add_layer(image, "Photo", astronaut)
    VALUES["astronaut_parse"] = run("parse-face", image, [photo])
    edited = next(layer for layer in walk(image.get_layers()) if layer.get_name() == "Edited mask")
    painted = load("astronaut_edited_rgba")
    buffer = edited.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, painted.shape[1], painted.shape[0]), "R'G'B'A u8", painted.tobytes())
    buffer.flush()
    VALUES["astronaut_edit"] = run("apply-edit", image, [])
    VALUES["astronaut_tree"] = tree(image.get_layers())
    result = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN edit 1")
    np.save(OUT / "astronaut_edit_layer.npy", pixels(result))
    export(image, "apply_edit.png", hide=("MaskGAN",))
    image.delete()


def check_dialog_choices_as_arguments():
    """What the Apply edit dialog offers, given as a script gives it: the photo and both masks chosen where the
    names are not Parse face's, the route, look, feather and colour tolerance."""
    h, w = load("photo").shape[:2]
    image = Gimp.Image.new(w, h, Gimp.ImageBaseType.RGB)
    image.set_file(Gio.File.new_for_path("/renamed.xcf"))
    photo = add_layer(image, "Portrait", load("photo"))
    source = add_layer(image, "mask before", load("source_colour"))
    edited = add_layer(image, "mask after", load("edited_colour"))
    before = snapshot(image)
    VALUES["unnamed_masks"] = run("apply-edit", image, [])
    chosen = {"photo": photo, "source_mask": source, "edited_mask": edited}
    VALUES["chosen"] = run("apply-edit", image, [], method="generate", look=0, feather=3, colour_tolerance=30, **chosen)
    VALUES["chosen_tree"] = tree(image.get_layers())
    VALUES["chosen_unchanged"] = unchanged(before, image)
    result = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN edit 1")
    np.save(OUT / "chosen_edit_layer.npy", pixels(result))
    VALUES["result_as_mask"] = run("apply-edit", image, [], **{**chosen, "edited_mask": result})
    image.delete()


def check_deep_images_take_8_bit_results():
    """A 16-bit and a 32-bit float linear image: pixels go through GEGL's conversions both ways."""
    for precision, name in ((Gimp.Precision.U16_NON_LINEAR, "u16"), (Gimp.Precision.FLOAT_LINEAR, "float")):
        image = image_with_masks(load("photo"), load("source_colour"), load("edited_colour"), name)
        image.convert_precision(precision)
        VALUES[f"edit_{name}"] = run("apply-edit", image, [])
        result = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN edit 1")
        np.save(OUT / f"edit_layer_{name}.npy", pixels(result))
        image.delete()


def check_variants_and_style_copy():
    image = image_with_masks(load("photo"), load("source_colour"), load("edited_colour"), "sample")
    reference = image_with_masks(load("photo2"), load("source2_colour"), load("edited2_colour"), "second")
    before = snapshot(image)
    VALUES["variants"] = run("variants", image, [], n=2, seed=7)
    VALUES["style"] = run("style-copy", image, [], reference=reference)
    VALUES["style_alone"] = run("style-copy", image, [])
    VALUES["variants_style_tree"] = tree(image.get_layers())
    VALUES["variants_style_unchanged"] = unchanged(before, image)
    group = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN variants 1")
    np.save(OUT / "variant_layers.npy", np.stack([pixels(layer) for layer in group.get_children()]))
    VALUES["variant_visible"] = [layer.get_visible() for layer in group.get_children()]
    style = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN style 1")
    np.save(OUT / "style_layer.npy", pixels(style))
    image.delete()
    reference.delete()


def check_batch_over_open_images():
    first = image_with_masks(load("photo"), load("source_colour"), load("edited_colour"), "first")
    second = image_with_masks(load("photo2"), load("source2_colour"), load("edited2_colour"), "second")
    bare = Gimp.Image.new(8, 8, Gimp.ImageBaseType.RGB)
    bare.set_file(Gio.File.new_for_path("/bare.xcf"))
    add_layer(bare, "Photo", np.zeros((8, 8, 3), np.uint8))
    befores = [snapshot(image) for image in (first, second)]
    VALUES["batch"] = run("batch-edit", first, [])
    VALUES["batch_trees"] = [tree(image.get_layers()) for image in (first, second)]
    VALUES["batch_unchanged"] = [unchanged(b, image) for b, image in zip(befores, (first, second))]
    for index, image in enumerate((first, second)):
        layer = next(layer for layer in image.get_layers() if layer.get_name() == "MaskGAN edit 1")
        np.save(OUT / f"batch_layer{index + 1}.npy", pixels(layer))
    for image in (first, second, bare):
        image.delete()


def check_errors_leave_the_image_alone():
    image = image_with_masks(load("photo"), load("source_colour"), load("edited_colour"), "sample")
    before = snapshot(image)
    VALUES["daemon_down"] = run("apply-edit", image, [], endpoint=os.environ["MASKGAN_DEAD_ENDPOINT"])
    edited = next(layer for layer in walk(image.get_layers()) if layer.get_name() == "Edited mask")
    VALUES["mask_as_photo"] = run("apply-edit", image, [], photo=edited)
    buffer = edited.get_buffer()
    buffer.set(Gegl.Rectangle.new(3, 4, 2, 1), "R'G'B'A u8", bytes([1, 2, 250, 255] * 2))
    buffer.flush()
    np.save(OUT / "off_palette_edited.npy", pixels(edited))
    before_bad = snapshot(image)
    VALUES["bad_colours"] = run("apply-edit", image, [])
    VALUES["errors_tree"] = tree(image.get_layers())
    VALUES["errors_unchanged"] = unchanged(before, image) is False and unchanged(before_bad, image)
    grey = Gimp.Image.new(8, 8, Gimp.ImageBaseType.GRAY)
    layer = Gimp.Layer.new(grey, "Photo", 8, 8, Gimp.ImageType.GRAY_IMAGE, 100.0, Gimp.LayerMode.NORMAL)
    grey.insert_layer(layer, None, 0)
    VALUES["grey"] = run("parse-face", grey, [layer])


for step in (
    check_procedures_register,
    check_parse_face_adds_the_mask_group,
    check_apply_edit_adds_a_result_layer,
    check_apply_edit_on_the_astronaut,
    check_dialog_choices_as_arguments,
    check_deep_images_take_8_bit_results,
    check_variants_and_style_copy,
    check_batch_over_open_images,
    check_errors_leave_the_image_alone,
):
    check(step)
(OUT / "result.json").write_text(json.dumps(RESULT, indent=1, default=str))
