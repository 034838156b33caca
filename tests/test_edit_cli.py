"""`maskgan edit`, `style-copy` and `demo` end to end, in-process and through a daemon."""

import numpy as np
import pytest
from PIL import Image

from helpers import synthetic_photo
from daemon_process import DaemonProcess
from maskgan.cli import main
from maskgan.imageio import load_rgb, save_mask, save_png
from maskgan.infer import Editor


@pytest.fixture
def inputs(tmp_path):
    image, source, edited = synthetic_photo()
    save_png(tmp_path / "photo.png", image)
    save_mask(tmp_path / "photo.mask.png", source)
    save_mask(tmp_path / "photo.edited.png", edited, colour=False)  # label-map form works too
    return tmp_path, image, source, edited


def test_edit_in_process_and_through_the_daemon_give_identical_pixels(inputs, tiny_weights):
    folder, image, source, edited = inputs
    common = ["edit", "--image", str(folder / "photo.png"), "--mask", str(folder / "photo.mask.png"),
              "--edited-mask", str(folder / "photo.edited.png"), "--weights", str(tiny_weights), "--precision", "fp32"]
    assert main(common + ["--output", str(folder / "local.png"), "--layer", str(folder / "layer.png")]) == 0
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").edit(image, source, edited)
    assert np.array_equal(load_rgb(folder / "local.png"), expected.image)
    assert np.array_equal(np.asarray(Image.open(folder / "layer.png")), expected.layer)
    daemon = DaemonProcess(folder / "daemon", tiny_weights).start()
    try:
        assert main(common + ["--output", str(folder / "remote.png"), "--daemon", daemon.endpoint]) == 0
    finally:
        daemon.stop()
    assert np.array_equal(load_rgb(folder / "remote.png"), expected.image)


def test_no_blend_writes_the_raw_output_at_mask_size(inputs, tiny_weights):
    folder = inputs[0]
    image, source, edited = synthetic_photo(canvas=(128, 160))  # sizes the generator accepts as they are
    save_png(folder / "photo.png", image)
    save_mask(folder / "photo.mask.png", source)
    save_mask(folder / "photo.edited.png", edited)
    args = ["edit", "--image", str(folder / "photo.png"), "--mask", str(folder / "photo.mask.png"),
            "--edited-mask", str(folder / "photo.edited.png"), "--weights", str(tiny_weights), "--no-blend",
            "--output", str(folder / "raw.png"), "--precision", "fp32"]
    assert main(args) == 0
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").generate(image, source, edited)
    assert np.array_equal(load_rgb(folder / "raw.png"), expected)


def test_edit_errors_are_one_line(inputs, tiny_weights, capsys):
    folder, image, source, _ = inputs
    mask = np.zeros(source.shape + (3,), np.uint8)
    mask[:] = (128, 128, 128)
    save_png(folder / "grey.png", mask)
    base = ["edit", "--image", str(folder / "photo.png"), "--weights", str(tiny_weights), "--output", str(folder / "o.png")]
    assert main(base + ["--mask", str(folder / "photo.mask.png"), "--edited-mask", str(folder / "grey.png")]) == 2
    assert "match no class of the palette: RGB(128, 128, 128)" in capsys.readouterr().err
    assert main(base + ["--mask", str(folder / "nope.png"), "--edited-mask", str(folder / "grey.png")]) == 2
    assert "no such image file" in capsys.readouterr().err


def test_style_copy_cli(inputs, tiny_weights):
    folder, image, source, edited = inputs
    assert main(["style-copy", "--mask", str(folder / "photo.edited.png"), "--reference-image", str(folder / "photo.png"),
                 "--reference-mask", str(folder / "photo.mask.png"), "--weights", str(tiny_weights),
                 "--precision", "fp32", "--output", str(folder / "style.png")]) == 0
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").style_copy(edited, image, source)
    assert np.array_equal(load_rgb(folder / "style.png"), expected)


def test_demo_runs_the_main_job_through_a_daemon(tmp_path, tiny_weights, capsys):
    from maskgan.infer.samples import demo_sample

    assert main(["demo", "--weights", str(tiny_weights), "--output", str(tmp_path / "out")]) == 0
    sample = demo_sample()
    layer = np.asarray(Image.open(tmp_path / "out" / "layer.png"))
    result = load_rgb(tmp_path / "out" / "result.png")
    untouched = layer[..., 3] == 0
    assert layer.shape == sample.image.shape[:2] + (4,)
    assert np.array_equal(result[untouched], sample.image[untouched])
    assert (layer[sample.source_mask != sample.edited_mask, 3] == 255).all()
    assert (tmp_path / "out" / "before_after.png").exists()
    assert "edited through the daemon" in capsys.readouterr().out
