"""The inference engine on tiny random bundles: paste-back exactness, batching, variants, interpolation."""

import threading

import numpy as np
import pytest
from helpers import synthetic_photo
from vae_weights import write_tiny_vae_bundle

from maskgan.infer import Cancelled, Editor, EditRequest, Method
from maskgan.infer.editor import GROW_MODEL_PIXELS, VARIANT_REACH


@pytest.fixture(scope="module")
def editor(tiny_weights):
    return Editor.load(tiny_weights, device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def vae_editor(tmp_path_factory):
    path = write_tiny_vae_bundle(tmp_path_factory.mktemp("vae-weights") / "tiny_vae.safetensors")
    return Editor.load(path, device="cpu", precision="fp32")


def _reach(result, editor, feather):
    """How far beyond a changed pixel the layer's alpha may be non-zero."""
    side = result.box[2] - result.box[0]
    return max(2, round(GROW_MODEL_PIXELS * side / editor.resolution)) + 2 * feather


def _chebyshev_distance_to(mask):
    """Chessboard distance of every pixel to the nearest True pixel (brute force; test images are small)."""
    ys, xs = np.nonzero(mask)
    rows, cols = np.arange(mask.shape[0])[:, None, None], np.arange(mask.shape[1])[None, :, None]
    return np.maximum(np.abs(rows - ys[None, None]), np.abs(cols - xs[None, None])).min(2)


def test_edit_changes_only_the_feathered_edit_region(editor):
    image, source, edited = synthetic_photo()
    result = editor.edit(image, source, edited, feather=3)
    assert result.changed and result.layer.shape == (120, 160, 4) and result.image.shape == image.shape
    untouched = result.layer[..., 3] == 0
    assert np.array_equal(result.image[untouched], image[untouched])
    assert (result.layer[untouched] == 0).all()
    assert (result.layer[source != edited, 3] == 255).all()
    far = _chebyshev_distance_to(source != edited) > _reach(result, editor, 3)
    assert far.any() and (result.layer[far] == 0).all() and np.array_equal(result.image[far], image[far])


def test_non_square_photo_with_the_face_at_its_border(editor):
    # 300 wide, 500 tall; the face sits in the bottom-right corner, so the crop is padded
    image, source, edited = synthetic_photo(seed=5, canvas=(500, 300), offset=(404, 204))
    result = editor.edit(image, source, edited, method="generate")
    x0, y0, x1, y1 = result.box
    assert x1 > 300 and y1 > 500 and x1 - x0 == y1 - y0  # a square reaching past the photo
    untouched = result.layer[..., 3] == 0
    assert np.array_equal(result.image[untouched], image[untouched])
    assert (result.layer[source != edited, 3] == 255).all() and result.image.shape == (500, 300, 3)


def test_identical_masks_return_the_photo_without_running_the_model(editor, monkeypatch):
    image, source, _ = synthetic_photo()
    for method in ("style_params", "render", "forward"):
        monkeypatch.setattr(editor.generator, method, lambda *a, **k: pytest.fail("the generator ran"))
    calls = []
    result = editor.edit(image, source, source, progress=lambda *event: calls.append(event))
    assert not result.changed and np.array_equal(result.image, image) and not result.layer.any()
    assert result.box == (0, 0, 0, 0) and calls == [(0, 0, "planning the edit")]


def test_batch_equals_one_by_one(editor):
    requests = [EditRequest(*synthetic_photo(seed)) for seed in (3, 4)]
    together = editor.edit_batch(requests)
    for request, batched in zip(requests, together):
        alone = editor.edit(request.image, request.source_mask, request.edited_mask)
        assert np.array_equal(alone.layer[..., 3], batched.layer[..., 3])
        # a batch of 2 sums in another order than a batch of 1 (~1e-6 apart), which can flip a rounding
        assert np.abs(alone.image.astype(int) - batched.image.astype(int)).max() <= 1


def test_generate_is_the_raw_output_at_mask_size(editor):
    image, source, edited = synthetic_photo(size=64, canvas=(64, 96), offset=(0, 16))
    out = editor.generate(image, source, edited)
    assert out.shape == (64, 96, 3) and out.dtype == np.uint8
    half = image[::2, ::2]  # a photo of another size is resized to the masks' size first
    assert editor.generate(half, source, edited).shape == (64, 96, 3)
    with pytest.raises(ValueError, match="H and W must be multiples of 16 and at least 32, got 60x96"):
        editor.generate(image[:60], source[:60], edited[:60])


def test_progress_and_cancel(editor):
    image, source, edited = synthetic_photo()
    calls = []
    editor.edit(image, source, edited, progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls == [(0, 3, "planning the edit"), (1, 3, "generating"), (2, 3, "blending"), (3, 3, "done")]
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
    with pytest.raises(ValueError, match="masks must have the photo's size 160x120, got 160x119"):
        editor.edit(image, source[:-1], edited[:-1])
    with pytest.raises(ValueError, match="found \\[20\\]"):
        editor.edit(image, source, np.full_like(edited, 20))
    with pytest.raises(ValueError, match="feather must be >= 0 pixels, got -1"):
        editor.edit(image, source, edited, feather=-1)
    with pytest.raises(
        ValueError, match="variants needs weights with a MaskVAE; the loaded model \\(tiny random\\) has none"
    ):
        editor.variants(image, source, edited, 2, 0)
    with pytest.raises(ValueError, match="interpolate needs weights with a MaskVAE"):
        editor.interpolate(source, edited, 3)


def test_variants_are_seeded_distinct_and_paste_only_near_the_edit(vae_editor):
    image, source, edited = synthetic_photo()
    first, again, (other,) = (
        vae_editor.variants(image, source, edited, n, seed=seed, feather=2, method="generate")
        for n, seed in ((3, 7), (3, 7), (1, 8))
    )
    assert len(first) == 3
    for a, b in zip(first, again):
        assert np.array_equal(a.image, b.image) and np.array_equal(a.layer, b.layer)
    images = [r.image for r in first]
    assert all(not np.array_equal(images[i], images[j]) for i in range(3) for j in range(i + 1, 3))
    assert not np.array_equal(other.image, images[0])
    distance = _chebyshev_distance_to(source != edited)
    for result in first:
        side = result.box[2] - result.box[0]
        far = distance > max(1, round(VARIANT_REACH * side)) + _reach(result, vae_editor, 2)
        untouched = result.layer[..., 3] == 0
        assert result.changed and far.any() and untouched[far].all()
        assert np.array_equal(result.image[untouched], image[untouched])


def test_variants_cancel_between_variants(vae_editor):
    image, source, edited = synthetic_photo()
    cancel, calls = threading.Event(), []

    def progress(done, total, message):
        calls.append((done, total, message))
        if done == 2:  # the first variant is rendered: cancel before the second
            cancel.set()

    with pytest.raises(Cancelled):
        vae_editor.variants(image, source, edited, 4, seed=0, progress=progress, cancel=cancel)
    assert calls == [
        (0, 5, "sampling masks near the edited mask"),
        (1, 5, "rendering variant 1 of 4"),
        (2, 5, "rendering variant 2 of 4"),
    ]


def test_interpolate_gives_steps_label_maps_of_the_mask_size(vae_editor):
    from maskgan.infer.crop import face_box

    _, source, edited = synthetic_photo()
    calls = []
    masks = vae_editor.interpolate(source, edited, 5, progress=lambda *event: calls.append(event))
    assert len(masks) == 5 and calls[-1] == (2, 2, "done")
    x0, y0, x1, y1 = face_box(source, edited).clipped(*source.shape)
    outside = np.ones(source.shape, bool)
    outside[y0:y1, x0:x1] = False
    for mask, again in zip(masks, vae_editor.interpolate(source, edited, 5)):
        assert mask.shape == source.shape and mask.dtype == np.uint8 and mask.max() <= 18
        assert not mask[outside].any()  # background outside the square around both masks' faces
        assert np.array_equal(mask, again)
    assert not np.array_equal(masks[0], masks[-1])
    with pytest.raises(ValueError, match="interpolation needs at least 2 steps \\(both ends\\), got 1"):
        vae_editor.interpolate(source, edited, 1)
    with pytest.raises(ValueError, match="mask_a and mask_b differ in size: 160x120 vs 160x119"):
        vae_editor.interpolate(source, edited[:-1], 3)


def test_variants_of_identical_masks_are_the_photo(vae_editor):
    image, source, _ = synthetic_photo()
    results = vae_editor.variants(image, source, source, 2, seed=0)
    assert len(results) == 2 and all(not r.changed and np.array_equal(r.image, image) for r in results)


def test_edit_batch_takes_typed_requests_and_says_so(editor):
    image, source, edited = synthetic_photo(3)
    with pytest.raises(TypeError, match="edit_batch takes EditRequest objects, got dict"):
        editor.edit_batch([dict(image=image, source_mask=source, edited_mask=edited)])
    by_enum = editor.edit(image, source, edited, method=Method.GENERATE)
    by_name = editor.edit(image, source, edited, method="generate")
    assert np.array_equal(by_enum.image, by_name.image)
    with pytest.raises(ValueError, match="method must be one of auto, generate, photo, got 'liquify'"):
        editor.edit_batch([EditRequest(image, source, edited, method="liquify")])


def test_warm_up_runs_at_the_model_resolution_only_within_its_time_allowance(editor, monkeypatch):
    sizes = []
    run = editor.run_generator
    monkeypatch.setattr(
        editor, "run_generator", lambda labels, *rest: sizes.append(labels.shape[-1]) or run(labels, *rest)
    )
    editor.warm_up()  # no allowance: the smallest size alone
    editor.warm_up(full_size_within=float("inf"))
    small = max(32, 2 ** (editor.generator.config.n_downsample + 1))
    assert sizes == [small, 2 * small, small, 2 * small, editor.resolution]
