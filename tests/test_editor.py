import threading

import numpy as np
import pytest
import torch

from helpers import synthetic_photo
from maskgan.infer import Cancelled, Editor
from maskgan.infer.precision import choose_precision


@pytest.fixture(scope="module")
def editor(tiny_weights):
    return Editor.load(tiny_weights, device="cpu", precision="fp32")


def test_edit_changes_only_the_feathered_edit_region(editor):
    image, source, edited = synthetic_photo()
    result = editor.edit(image, source, edited, feather=3)
    assert result.changed and result.layer.shape == (120, 160, 4) and result.image.shape == image.shape
    untouched = result.layer[..., 3] == 0
    assert np.array_equal(result.image[untouched], image[untouched])
    assert (result.layer[untouched] == 0).all()
    assert (result.layer[source != edited, 3] == 255).all()
    assert untouched.sum() > 0.5 * untouched.size


def test_identical_masks_return_the_photo_without_running_the_model(editor, monkeypatch):
    image, source, _ = synthetic_photo()
    monkeypatch.setattr(editor, "_generate_batch", lambda *a, **k: pytest.fail("the model ran"))
    result = editor.edit(image, source, source)
    assert not result.changed and np.array_equal(result.image, image) and not result.layer.any()


def test_batch_equals_one_by_one(editor):
    requests = [dict(zip(("image", "source_mask", "edited_mask"), synthetic_photo(seed))) for seed in (3, 4)]
    together = editor.edit_batch(requests)
    for request, batched in zip(requests, together):
        alone = editor.edit(**request)
        assert np.abs(alone.image.astype(int) - batched.image.astype(int)).max() <= 1  # float summation order


def test_generate_is_the_raw_output_at_mask_size(editor):
    image, source, edited = synthetic_photo(size=64, canvas=(64, 96), offset=(0, 16))
    out = editor.generate(image[:, :], source, edited)
    assert out.shape == (64, 96, 3) and out.dtype == np.uint8
    with pytest.raises(ValueError, match="multiples of 16 and at least 32, got 60x96"):
        editor.generate(image[:60], source[:60], edited[:60])


def test_progress_and_cancel(editor):
    image, source, edited = synthetic_photo()
    calls = []
    editor.edit(image, source, edited, progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls[0] == (0, 2, "cropping") and calls[-1] == (2, 2, "done")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        editor.edit(image, source, edited, cancel=cancel)


def test_style_copy_renders_the_target_in_the_reference_style(editor):
    image, source, edited = synthetic_photo()
    out = editor.style_copy(edited, image, source)
    assert out.shape == image.shape and out.dtype == np.uint8
    other = editor.style_copy(edited, 255 - image, source)
    assert not np.array_equal(out, other)


def test_bad_inputs_are_named(editor):
    image, source, edited = synthetic_photo()
    with pytest.raises(ValueError, match="masks must have the photo's size"):
        editor.edit(image, source[:-1], edited[:-1])
    with pytest.raises(ValueError, match="found \\[20\\]"):
        editor.edit(image, source, np.full_like(edited, 20))
    with pytest.raises(ValueError, match="feather must be >= 0"):
        editor.edit(image, source, edited, feather=-1)


def test_bf16_fast_path_is_close_to_fp32(official_reference, tmp_path):
    from maskgan.official_import import import_official

    torch.save(official_reference["state_dict"], tmp_path / "g.pth")
    import_official(tmp_path / "g.pth", tmp_path / "g.safetensors")
    inputs = official_reference["inputs"]
    results = {}
    for precision in ("fp32", "bf16"):
        editor = Editor.load(tmp_path / "g.safetensors", device="cpu", precision=precision)
        with torch.no_grad(), editor._autocast():
            style = editor.generator.style_params(inputs["input_label_ref_onehot"], inputs["image_ref"])
            results[precision] = editor.generator.render(inputs["input_label_onehot"], style).float()
    mse = ((results["fp32"] - results["bf16"]) / 2).pow(2).mean().item()  # images span 2 in [-1,1]
    psnr = 10 * np.log10(1.0 / mse)
    assert psnr >= 40, psnr


def test_precision_choice():
    assert choose_precision("fp32", "cuda") == "fp32"
    assert choose_precision("auto", "cuda") == "bf16"
    with pytest.raises(ValueError, match="unknown precision 'fp16'"):
        choose_precision("fp16", "cpu")
