"""Edits that send only the face's window and get only the changed box back (maskgan_client.regions, the
`reply` argument of `edit` and `variants`): pasted back, bit for bit the whole-photo edit."""

import numpy as np
import pytest
from daemon_process import DaemonProcess
from PIL import Image
from vae_weights import write_tiny_vae_bundle

from maskgan.imageio import load_rgb, save_mask, save_png
from maskgan.infer.demo_samples import load_demo_sample
from maskgan_cli.batch_runner import load_request, read_manifest
from maskgan_cli.main import main
from maskgan_client import Client, DaemonError
from maskgan_client.regions import (
    changed_box,
    crop_edit_arrays,
    face_window,
    grow_to_face_window,
    label_bounds,
    paste_box,
    whole_photo_arrays,
)

CANVAS = (900, 1000)  # height, width
AT = (500, 80)  # where the demo photo's top-left corner lies: its window is cut by the left and bottom edges
FILES = {"image": "", "mask": ".mask", "edited-mask": ".edited"}  # the CLI's options and the batch folder's names


def demo_on_canvas() -> dict:
    """The demo sample (352x288, a face with glasses painted on) pasted into a larger grey photo."""
    sample = load_demo_sample()
    (height, width), (y, x) = sample.source_mask.shape, AT
    arrays = {"image": np.full(CANVAS + (3,), 90, np.uint8)}
    arrays["image"][y : y + height, x : x + width] = sample.image
    for name in ("source_mask", "edited_mask"):
        arrays[name] = np.zeros(CANVAS, np.uint8)
        arrays[name][y : y + height, x : x + width] = getattr(sample, name)
    return arrays


@pytest.fixture(scope="module")
def demo_daemon(tmp_path_factory):
    process = DaemonProcess(tmp_path_factory.mktemp("region-daemon"), None).start()  # the embedded demo weights
    yield process
    process.stop()


# --- the helpers -----------------------------------------------------------------------------------------


def test_the_face_window_grows_the_masks_bounds_by_three_quarters_and_stays_in_the_photo():
    assert grow_to_face_window((1000, 800, 1400, 1000), 4000, 3000) == (700, 500, 1700, 1300)
    assert grow_to_face_window((10, 20, 410, 220), 4000, 3000) == (0, 0, 710, 520)  # clipped at the corner
    assert grow_to_face_window(None, 64, 48) == (0, 0, 64, 48)  # all background: all of it
    source, edited = np.zeros((100, 200), np.uint8), np.zeros((100, 200), np.uint8)
    source[40:50, 100:104] = 1
    edited[40:42, 96:98] = 13  # either mask's pixels count
    assert face_window(source, edited) == (96 - 8, 40 - 8, 104 + 8, 50 + 8)  # ceil(0.75 x 10) each side


def test_a_request_is_cut_to_the_window_but_its_reference_face_goes_whole():
    arrays = demo_on_canvas()
    reference = {"reference_image": np.zeros((40, 30, 3), np.uint8), "reference_mask": np.ones((40, 30), np.uint8)}
    window = face_window(arrays["source_mask"], arrays["edited_mask"])
    sample = load_demo_sample()
    x0, y0, x1, y1 = label_bounds(sample.source_mask, sample.edited_mask)  # in the sample
    grow = int(np.ceil(max(x1 - x0, y1 - y0) * 0.75))
    top, right = AT[0] + y0 - grow, AT[1] + x1 + grow
    assert window == (0, top, right, CANVAS[0])  # cut by the left and bottom edges only
    cut = crop_edit_arrays({**arrays, **reference}, window)
    assert cut["image"].shape == (CANVAS[0] - top, right, 3)
    assert np.array_equal(cut["edited_mask"], arrays["edited_mask"][top:, :right])
    assert cut["reference_image"] is reference["reference_image"]


def test_the_changed_box_holds_every_pixel_a_layer_covers_and_a_pasted_box_lands_at_its_offset():
    layers = np.zeros((2, 20, 30, 4), np.uint8)
    assert changed_box(layers) is None
    layers[0, 3, 4, 3] = 255  # a pixel of the first variant
    layers[1, 10, 20, 3] = 1  # a faint pixel of the second
    assert changed_box(layers) == (4, 3, 21, 11)
    photo = np.zeros((20, 30, 3), np.uint8)
    part = np.full((2, 3, 3), 9, np.uint8)
    pasted = paste_box(photo, part, (5, 6))
    assert (pasted[6:8, 5:8] == 9).all() and pasted.sum() == 9 * part.size and photo.sum() == 0
    assert np.array_equal(paste_box(photo, None, (5, 6)), photo)


# --- through the daemon --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "generate"])
def test_the_face_window_and_the_box_reply_pasted_back_equal_the_whole_photos_edit(demo_daemon, method):
    arrays = demo_on_canvas()
    window = face_window(arrays["source_mask"], arrays["edited_mask"])
    with Client(demo_daemon.endpoint, timeout=120) as client:
        full = client.call("edit", {"method": method}, arrays)  # reply "full", the default
        box = client.call("edit", {"method": method, "reply": "box"}, crop_edit_arrays(arrays, window))
    assert full.arrays["image"].shape == CANVAS + (3,) and full.arrays["layer"].shape == CANVAS + (4,)
    assert full.result["changed"] and "offset" not in full.result
    differs = (full.arrays["image"] != arrays["image"]).any(axis=2) | (full.arrays["layer"][..., 3] > 0)
    (x0, y0, x1, y1), (x, y) = label_bounds(differs), box.result["offset"]
    assert (x + window[0], y + window[1]) == (x0, y0)  # the box's offset, in the window sent
    assert box.arrays["layer"].shape == (y1 - y0, x1 - x0, 4) and box.arrays["image"].shape == (y1 - y0, x1 - x0, 3)
    assert (y1 - y0) * (x1 - x0) < 0.1 * CANVAS[0] * CANVAS[1]  # the glasses' box, not the photo
    pasted = whole_photo_arrays(arrays["image"], box.result, box.arrays, window)
    assert np.array_equal(pasted["image"], full.arrays["image"])
    assert np.array_equal(pasted["layer"], full.arrays["layer"])
    assert {k: v for k, v in box.result.items() if k not in ("box", "offset")} == {
        k: v for k, v in full.result.items() if k != "box"
    }


def test_a_box_reply_to_an_edit_that_changed_nothing_has_no_arrays(demo_daemon):
    arrays = demo_on_canvas()
    arrays["edited_mask"] = arrays["source_mask"]
    with Client(demo_daemon.endpoint, timeout=120) as client:
        reply = client.call("edit", {"reply": "box"}, arrays)
    assert reply.arrays == {} and reply.result["offset"] == [0, 0] and reply.result["changed"] is False
    pasted = whole_photo_arrays(arrays["image"], reply.result, reply.arrays)
    assert np.array_equal(pasted["image"], arrays["image"]) and not pasted["layer"].any()


def test_an_unknown_reply_is_refused_naming_the_choices(demo_daemon):
    with Client(demo_daemon.endpoint, timeout=30) as client:
        with pytest.raises(DaemonError) as refused:
            client.call("edit", {"reply": "crop"}, demo_on_canvas())
    assert refused.value.code == "bad_args"
    assert refused.value.message == "edit: 'reply' must be one of full, box, got 'crop'"


def test_variants_box_reply_pasted_back_equals_the_full_reply(tmp_path):
    weights = write_tiny_vae_bundle(tmp_path / "vae.safetensors")
    arrays = demo_on_canvas()
    window = face_window(arrays["source_mask"], arrays["edited_mask"])
    args = {"n": 3, "seed": 5, "feather": 4}
    daemon = DaemonProcess(tmp_path / "daemon", weights).start()
    try:
        with Client(daemon.endpoint, timeout=120) as client:
            full = client.call("variants", args, arrays)
            box = client.call("variants", {**args, "reply": "box"}, crop_edit_arrays(arrays, window))
    finally:
        daemon.stop()
    height, width = box.arrays["layers"].shape[1:3]
    assert box.arrays["images"].shape == (3, height, width, 3) and height * width < CANVAS[0] * CANVAS[1] / 2
    pasted = whole_photo_arrays(arrays["image"], box.result, box.arrays, window)
    assert np.array_equal(pasted["images"], full.arrays["images"])
    assert np.array_equal(pasted["layers"], full.arrays["layers"])
    assert box.result["changed"] == full.result["changed"] == [True, True, True]


def test_batch_and_the_cli_send_the_window_and_write_the_whole_photos_edit(demo_daemon, tmp_path):
    arrays = demo_on_canvas()
    save_png(tmp_path / "face.png", arrays["image"])
    save_mask(tmp_path / "face.mask.png", arrays["source_mask"])
    save_mask(tmp_path / "face.edited.png", arrays["edited_mask"])
    x0, y0, x1, y1 = face_window(arrays["source_mask"], arrays["edited_mask"])
    request = load_request(read_manifest(tmp_path, tmp_path / "out")[0], 8)
    assert request.args["reply"] == "box" and request.arrays["image"].shape == (y1 - y0, x1 - x0, 3)
    assert main(["batch", str(tmp_path), "--output", str(tmp_path / "out"), "--endpoint", demo_daemon.endpoint]) == 0
    files = [f"--{name}={tmp_path / f'face{suffix}.png'}" for name, suffix in FILES.items()]
    cli = ["edit", *files, f"--output={tmp_path / 'cli.png'}", f"--layer={tmp_path / 'cli.layer.png'}"]
    assert main([*cli, "--daemon", demo_daemon.endpoint]) == 0
    with Client(demo_daemon.endpoint, timeout=120) as client:
        full = client.call("edit", {}, arrays)
    assert np.array_equal(load_rgb(tmp_path / "out" / "face.png"), full.arrays["image"])
    assert np.array_equal(load_rgb(tmp_path / "cli.png"), full.arrays["image"])
    assert np.array_equal(np.asarray(Image.open(tmp_path / "cli.layer.png")), full.arrays["layer"])
