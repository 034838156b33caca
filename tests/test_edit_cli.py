"""`maskgan edit`, `style-copy`, `variants`, `interpolate` and `demo` end to end, in-process and through a daemon."""

import numpy as np
import pytest
from daemon_process import DaemonProcess
from helpers import synthetic_photo
from PIL import Image
from vae_weights import write_tiny_vae_bundle

from maskgan.imageio import load_mask, load_rgb, save_mask, save_png
from maskgan.infer import Editor
from maskgan_cli.main import main
from maskgan_cli.photo_files import numbered


@pytest.fixture
def inputs(tmp_path):
    image, source, edited = synthetic_photo()
    save_png(tmp_path / "photo.png", image)
    save_mask(tmp_path / "photo.mask.png", source)
    save_mask(tmp_path / "photo.edited.png", edited, colour=False)  # label-map form works too
    return tmp_path, image, source, edited


def photo_args(folder) -> list[str]:
    """--image, --mask and --edited-mask of the photo the inputs fixture writes into ``folder``."""
    return [
        "--image",
        str(folder / "photo.png"),
        "--mask",
        str(folder / "photo.mask.png"),
        "--edited-mask",
        str(folder / "photo.edited.png"),
    ]


def test_edit_in_process_and_through_the_daemon_give_identical_pixels(inputs, tiny_weights):
    folder, image, source, edited = inputs
    common = [
        "edit",
        *photo_args(folder),
        "--weights",
        str(tiny_weights),
        "--precision",
        "fp32",
    ]
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
    args = [
        "edit",
        *photo_args(folder),
        "--weights",
        str(tiny_weights),
        "--no-blend",
        "--output",
        str(folder / "raw.png"),
        "--precision",
        "fp32",
    ]
    assert main(args) == 0
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").generate(image, source, edited)
    assert np.array_equal(load_rgb(folder / "raw.png"), expected)


def test_edit_errors_are_one_line(inputs, tiny_weights, capsys):
    folder, image, source, _ = inputs
    mask = np.zeros(source.shape + (3,), np.uint8)
    mask[:] = (128, 128, 128)
    save_png(folder / "grey.png", mask)
    save_mask(folder / "small.png", source[:-8])
    base = [
        "edit",
        "--image",
        str(folder / "photo.png"),
        "--weights",
        str(tiny_weights),
        "--output",
        str(folder / "o.png"),
    ]

    def error(*args) -> str:
        assert main(base + list(args)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("maskgan edit: error: ")
        return err

    grey = error("--mask", str(folder / "photo.mask.png"), "--edited-mask", str(folder / "grey.png"))
    assert (
        f"{folder / 'grey.png'}: the mask has 19200 pixels in 1 colour that match no class of the palette "
        "(colour tolerance 24): RGB(128, 128, 128) x19200. Paint masks only with the 19 palette colours" in grey
    )
    missing = error("--mask", str(folder / "nope.png"), "--edited-mask", str(folder / "grey.png"))
    assert missing == f"maskgan edit: error: no such file: {folder / 'nope.png'} (--mask); check the paths\n"
    small = error("--mask", str(folder / "photo.mask.png"), "--edited-mask", str(folder / "small.png"))
    assert (
        f"{folder / 'small.png'} is 160x112, but {folder / 'photo.mask.png'} is 160x120; masks must have the same size"
        in small
    )
    masks = ["--mask", str(folder / "photo.mask.png"), "--edited-mask", str(folder / "photo.mask.png")]
    lone = error(*masks, "--look-reference", str(folder / "photo.png"))
    assert "--look-reference and --look-reference-mask go together" in lone
    assert "--look: look must be an integer from 0" in error(*masks, "--look", "40")
    assert not (folder / "o.png").exists()


def test_edit_says_which_added_parts_it_drew_from_a_look(tmp_path, capsys):
    from maskgan.infer.demo_samples import load_demo_sample

    sample = load_demo_sample()
    save_png(tmp_path / "photo.png", sample.image)
    save_mask(tmp_path / "photo.mask.png", sample.source_mask)
    save_mask(tmp_path / "photo.edited.png", sample.edited_mask)
    plain_args = [
        "edit",
        "--image",
        str(tmp_path / "photo.png"),
        "--mask",
        str(tmp_path / "photo.mask.png"),
        "--edited-mask",
        str(tmp_path / "photo.edited.png"),
        "--precision",
        "fp32",
    ]
    assert main(plain_args + ["--output", str(tmp_path / "drawn.png")]) == 0
    assert "; drawn eyeglasses" in capsys.readouterr().out  # by default new glasses are drawn on the photo
    base = plain_args + ["--method", "generate"]  # the generator's looks
    assert main(base + ["--output", str(tmp_path / "auto.png")]) == 0
    assert "drew the added eyeglasses from look 1 (--look 0: in the photo's own style)" in capsys.readouterr().out
    assert main(base + ["--output", str(tmp_path / "plain.png"), "--look", "0"]) == 0
    assert "drew" not in capsys.readouterr().out
    assert not np.array_equal(load_rgb(tmp_path / "auto.png"), load_rgb(tmp_path / "plain.png"))
    assert (
        main(
            base
            + [
                "--output",
                str(tmp_path / "ref.png"),
                "--look-reference",
                str(tmp_path / "photo.png"),
                "--look-reference-mask",
                str(tmp_path / "photo.mask.png"),
            ]
        )
        == 2
    )
    assert "the reference face shows no eyeglasses, which the edit adds" in capsys.readouterr().err


def test_numbered_output_names(tmp_path):
    assert numbered(tmp_path / "v.png", 2) == [tmp_path / "v_1.png", tmp_path / "v_2.png"]
    assert numbered(tmp_path / "step{i:02d}.png", 2) == [tmp_path / "step01.png", tmp_path / "step02.png"]


def test_variants_and_interpolate_cli(inputs, tmp_path_factory, capsys):
    folder, image, source, edited = inputs
    weights = write_tiny_vae_bundle(tmp_path_factory.mktemp("vae") / "vae.safetensors")
    model = ["--weights", str(weights), "--precision", "fp32"]
    assert (
        main(
            [
                "variants",
                *photo_args(folder),
                "--n",
                "2",
                "--seed",
                "3",
                "--output",
                str(folder / "v{i}.png"),
                "--layer",
                str(folder / "v{i}.layer.png"),
            ]
            + model
        )
        == 0
    )
    expected = Editor.load(weights, device="cpu", precision="fp32").variants(image, source, edited, 2, 3)
    for i, result in enumerate(expected, 1):
        assert np.array_equal(load_rgb(folder / f"v{i}.png"), result.image)
        assert np.array_equal(np.asarray(Image.open(folder / f"v{i}.layer.png")), result.layer)
    assert (
        main(
            [
                "interpolate",
                "--mask-a",
                str(folder / "photo.mask.png"),
                "--mask-b",
                str(folder / "photo.edited.png"),
                "--steps",
                "3",
                "--output",
                str(folder / "m.png"),
            ]
            + model
        )
        == 0
    )
    masks = Editor.load(weights, device="cpu", precision="fp32").interpolate(source, edited, 3)
    for i, mask in enumerate(masks, 1):
        assert Image.open(folder / f"m_{i}.png").mode == "RGB"  # colour masks, in the official palette
        assert np.array_equal(load_mask(folder / f"m_{i}.png"), mask)
    capsys.readouterr()


def test_variants_need_a_mask_vae(inputs, tiny_weights, capsys):
    folder = inputs[0]
    assert (
        main(
            [
                "variants",
                *photo_args(folder),
                "--weights",
                str(tiny_weights),
                "--output",
                str(folder / "v.png"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        "maskgan variants: error: variants needs weights with a MaskVAE; the loaded model (tiny random) has none\n"
    )


def test_style_copy_cli(inputs, tiny_weights):
    folder, image, source, edited = inputs
    assert (
        main(
            [
                "style-copy",
                "--mask",
                str(folder / "photo.edited.png"),
                "--reference-image",
                str(folder / "photo.png"),
                "--reference-mask",
                str(folder / "photo.mask.png"),
                "--weights",
                str(tiny_weights),
                "--precision",
                "fp32",
                "--output",
                str(folder / "style.png"),
            ]
        )
        == 0
    )
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").style_copy(edited, image, source)
    assert np.array_equal(load_rgb(folder / "style.png"), expected)


def test_committed_demo_sample_is_the_synthetic_one():
    from maskgan.infer.demo_samples import demo_sample, load_demo_sample

    built, committed = demo_sample(), load_demo_sample()
    for field in ("image", "source_mask", "edited_mask", "ground_truth"):
        assert np.array_equal(getattr(built, field), getattr(committed, field)), field
    assert built.image.shape == (352, 288, 3) and (built.source_mask != built.edited_mask).any()


def test_demo_runs_the_main_job_through_a_daemon(tmp_path, tiny_weights, capsys):
    from maskgan.infer.demo_samples import load_demo_sample

    assert main(["demo", "--weights", str(tiny_weights), "--output", str(tmp_path / "out")]) == 0
    sample = load_demo_sample()
    layer = np.asarray(Image.open(tmp_path / "out" / "layer.png"))
    result = load_rgb(tmp_path / "out" / "result.png")
    untouched = layer[..., 3] == 0
    assert layer.shape == sample.image.shape[:2] + (4,)
    assert np.array_equal(result[untouched], sample.image[untouched])
    assert (layer[sample.source_mask != sample.edited_mask, 3] == 255).all()
    assert (tmp_path / "out" / "before_after.png").exists()
    assert "pixels changed (drawn eyeglasses)" in capsys.readouterr().out  # new glasses drawn on the photo


def test_demo_stops_the_daemon_when_the_edit_fails(tmp_path, tiny_weights, monkeypatch, capsys):
    from maskgan_cli.commands import demo
    from maskgan_client import Client, DaemonError

    daemon_commands = []

    def recording(command, env, run=demo._daemon):
        daemon_commands.append((command[0], run(command, env)))
        return daemon_commands[-1][1]

    def failing_call(self, op, *args, call=Client.call, **kwargs):
        if op == "edit":
            raise DaemonError("failed", "RuntimeError: out of memory")
        return call(self, op, *args, **kwargs)

    monkeypatch.setattr(demo, "_daemon", recording)
    monkeypatch.setattr(Client, "call", failing_call)
    assert main(["demo", "--weights", str(tiny_weights), "--output", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == "maskgan demo: error: RuntimeError: out of memory\n"
    assert [name for name, _ in daemon_commands] == ["start", "stop"]
    assert daemon_commands[1][1].returncode == 0  # it was running, and it stopped
    assert not (tmp_path / "out").exists()


def test_demo_without_weights_says_how_to_get_them(tmp_path, monkeypatch, capsys):
    from maskgan.infer import weights_path

    monkeypatch.setattr(weights_path, "DEFAULT_WEIGHTS", tmp_path / "demo.safetensors")
    assert main(["demo", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"maskgan demo: error: the embedded default weights are missing ({tmp_path / 'demo.safetensors'}). "
        "Pass --weights with a bundle"
    )
    assert "`maskgan train --config cpu_demo --run runs/demo`" in err


def test_method_photo_refuses_an_edit_only_the_generator_can_draw(tmp_path, capsys):
    from maskgan.infer.demo_samples import load_demo_sample
    from maskgan.labels import class_index

    sample = load_demo_sample()
    edited = sample.source_mask.copy()  # a necklace: the demo photo wears none
    neck = sample.source_mask == class_index("neck")
    top = np.nonzero(neck.any(1))[0].min()
    edited[neck & (np.abs(np.arange(neck.shape[0])[:, None] - top - 12) < 3)] = class_index("neck_l")
    save_png(tmp_path / "photo.png", sample.image)
    save_mask(tmp_path / "photo.mask.png", sample.source_mask)
    save_mask(tmp_path / "hat.png", edited)
    args = [
        "edit",
        "--image",
        str(tmp_path / "photo.png"),
        "--mask",
        str(tmp_path / "photo.mask.png"),
        "--edited-mask",
        str(tmp_path / "hat.png"),
        "--output",
        str(tmp_path / "out.png"),
    ]
    assert main(args + ["--method", "photo"]) == 2
    assert "the photo shows no necklace near the edit to take it from" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()
    assert main(args) == 0 and "generated necklace" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option,value,message",
    [
        ("--feather", "100000", "argument --feather: must be between 0 and 256, got 100000"),
        ("--feather", "-1", "argument --feather: must be between 0 and 256, got -1"),
    ],
)
def test_edit_takes_the_feather_the_daemon_takes(inputs, tiny_weights, capsys, option, value, message):
    """Issue 22, defect 7: --feather 100000 tried to allocate 149 GiB; now a usage error before any work."""
    folder = inputs[0]
    with pytest.raises(SystemExit) as info:
        main(
            [
                "edit",
                *photo_args(folder),
                "--output",
                str(folder / "o.png"),
                option,
                value,
            ]
        )
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_an_output_that_is_a_folder_or_unwritable_is_one_line(inputs, tiny_weights, capsys):
    folder = inputs[0]
    common = [
        "edit",
        *photo_args(folder),
        "--weights",
        str(tiny_weights),
    ]
    assert main(common + ["--output", str(folder)]) == 2
    assert f"{folder} is a folder; give a file name, such as {folder / 'edited.png'}" in capsys.readouterr().err
    blocked = folder / "photo.png" / "o.png"  # under a file: no one can write there, root included
    assert main(common + ["--output", str(blocked)]) == 2
    assert f"cannot write {blocked}: File exists" in capsys.readouterr().err


def test_a_16_bit_grey_png_loads_as_its_greys(tmp_path):
    """Issue 22, defect 7: PIL's convert('RGB') clipped 16-bit grey to white."""
    ramp = np.arange(256, dtype=np.uint16).reshape(16, 16) * 257  # 0..65535, each 8-bit level once
    Image.fromarray(ramp).save(tmp_path / "grey16.png")
    assert Image.open(tmp_path / "grey16.png").mode.startswith("I")
    loaded = load_rgb(tmp_path / "grey16.png")
    assert loaded.shape == (16, 16, 3) and loaded.dtype == np.uint8
    assert np.array_equal(loaded[..., 0], np.arange(256, dtype=np.uint8).reshape(16, 16))
    assert np.array_equal(loaded[..., 0], loaded[..., 2])


def test_every_missing_input_is_named_with_its_option_in_one_message(inputs, tmp_path, capsys):
    folder = inputs[0]
    gone = tmp_path / "gone"
    edit = ["--image", str(gone / "photo.png"), "--mask", str(gone / "mask.png")]
    edit += ["--edited-mask", str(folder / "photo.edited.png"), "--output", str(tmp_path / "o.png")]
    assert main(["edit", *edit]) == 2
    assert capsys.readouterr().err == (
        f"maskgan edit: error: no such files: {gone / 'photo.png'} (--image), {gone / 'mask.png'} (--mask); "
        "check the paths\n"
    )
    look = ["--look-reference", str(folder / "photo.png"), "--look-reference-mask", str(gone / "ref.png")]
    assert main(["variants", *edit, *look]) == 2
    assert capsys.readouterr().err == (
        f"maskgan variants: error: no such files: {gone / 'photo.png'} (--image), {gone / 'mask.png'} (--mask), "
        f"{gone / 'ref.png'} (--look-reference-mask); check the paths\n"
    )
    style = ["--mask", str(folder / "photo.mask.png"), "--reference-image", str(gone / "ref.png")]
    assert main(["style-copy", *style, "--reference-mask", str(gone), "--output", str(tmp_path / "s.png")]) == 2
    assert capsys.readouterr().err == (
        f"maskgan style-copy: error: no such files: {gone / 'ref.png'} (--reference-image), {gone} "
        "(--reference-mask); check the paths\n"
    )
    assert (
        main(
            [
                "interpolate",
                "--mask-a",
                str(gone / "a.png"),
                "--mask-b",
                str(folder / "photo.mask.png"),
                "--output",
                str(tmp_path / "m.png"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        f"maskgan interpolate: error: no such file: {gone / 'a.png'} (--mask-a); check the paths\n"
    )
