"""The generator's fast path: bf16 weights cast once, the layout-keeping instance norm, the photo style cache."""

import numpy as np
import torch
import torch.nn.functional as F
from helpers import synthetic_photo, tiny_generator

from maskgan.infer import Editor
from maskgan.infer.style_cache import StyleCache, style_key
from maskgan.labels import NUM_CLASSES, one_hot
from maskgan.networks.blocks import instance_norm
from maskgan.weights import Bundle


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = ((a - b) / 2).pow(2).mean().item()  # images span 2 in [-1, 1]
    return 10 * np.log10(1.0 / mse)


def _editor(precision: str, seed: int = 5) -> Editor:
    generator = tiny_generator(seed=seed, ngf=16, n_downsample=3, n_blocks=2)
    return Editor(Bundle(generator, None, None, {"name": "tiny", "resolution": 64}), "cpu", precision)


def _inputs(size: int = 64, batch: int = 1):
    seeded = torch.Generator().manual_seed(0)
    labels = one_hot(torch.randint(0, NUM_CLASSES, (batch, size, size), generator=seeded))
    sources = one_hot(torch.randint(0, NUM_CLASSES, (batch, size, size), generator=seeded))
    return labels, sources, torch.rand(batch, 3, size, size, generator=seeded) * 2 - 1


def test_bf16_editor_holds_only_bf16_channels_last_weights_and_stays_within_40_db():
    labels, sources, photos = _inputs()
    fp32, bf16 = _editor("fp32"), _editor("bf16")
    assert {p.dtype for p in fp32.generator.parameters()} == {torch.float32}
    assert {p.dtype for p in bf16.generator.parameters()} == {torch.bfloat16}  # no fp32 copy kept beside them
    assert bf16.generator.input_conv.conv.weight.is_contiguous(memory_format=torch.channels_last)
    reference, fast = fp32.run_generator(labels, sources, photos), bf16.run_generator(labels, sources, photos)
    assert fast.dtype == torch.float32 and fast.shape == reference.shape
    assert 40 <= _psnr(reference, fast) < 200  # close, and bf16 really ran


def test_instance_norm_matches_torch_in_either_layout_and_keeps_channels_last():
    x = torch.randn(3, 8, 10, 12)
    gamma, beta = torch.randn(3, 8), torch.randn(3, 8)
    expected = F.instance_norm(x, eps=1e-5) * gamma[:, :, None, None] + beta[:, :, None, None]
    for layout in (torch.contiguous_format, torch.channels_last):
        for batch in (1, 3):
            got = instance_norm(x[:batch].to(memory_format=layout), gamma[:batch], beta[:batch])
            assert torch.allclose(got, expected[:batch], atol=1e-5)
            assert got.is_contiguous(memory_format=layout)
            assert got.stride() == x[:batch].to(memory_format=layout).stride()  # a reflection pad takes it as it is
    assert torch.allclose(instance_norm(x), F.instance_norm(x, eps=1e-5), atol=1e-5)


def test_style_cache_gives_the_uncached_output_and_encodes_each_photo_once(monkeypatch):
    image, source, edited = synthetic_photo()
    cached, plain = _editor("fp32"), _editor("fp32")
    encodings = []
    encode = cached.encode_style
    monkeypatch.setattr(cached, "encode_style", lambda *a: encodings.append(1) or encode(*a))
    monkeypatch.setattr(plain.photo_styles, "styles", lambda s, i, encode: encode(list(range(len(s)))))
    for _ in range(2):  # a second edit of the same photo takes the kept style
        result = cached.edit(image, source, edited, method="generate")
        assert np.array_equal(result.image, plain.edit(image, source, edited, method="generate").image)
    assert len(encodings) == 1 and len(cached.photo_styles) == 1


def test_style_cache_encodes_again_when_the_photo_or_its_source_mask_changes(monkeypatch):
    image, source, edited = synthetic_photo()
    editor = _editor("fp32")
    encodings = []
    encode = editor.encode_style
    monkeypatch.setattr(editor, "encode_style", lambda *a: encodings.append(1) or encode(*a))
    first = editor.edit(image, source, edited, method="generate")
    brighter = np.clip(image.astype(int) + 40, 0, 255).astype(np.uint8)
    second = editor.edit(brighter, source, edited, method="generate")
    source_changed = source.copy()
    source_changed[source == source[60, 80]] = 0  # the source mask loses a class the edit keeps
    editor.edit(image, source_changed, edited, method="generate")
    assert len(encodings) == 3 and len(editor.photo_styles) == 3
    assert not np.array_equal(first.image, second.image)  # the new photo's style, not the kept one


def test_style_cache_keeps_the_last_few_and_encodes_a_repeated_pair_once():
    cache = StyleCache(kept=2)
    crops = [(np.full((4, 4), k, np.uint8), np.zeros((4, 4, 3), np.uint8)) for k in range(3)]
    asked = []

    def encode(indices):
        asked.append(indices)
        return torch.tensor([[float(sources[i][0, 0])] for i in indices])

    sources, images = [crops[0][0], crops[1][0], crops[0][0]], [crops[0][1], crops[1][1], crops[0][1]]
    assert cache.styles(sources, images, encode).flatten().tolist() == [0, 1, 0]
    assert asked == [[0, 1]]
    sources, images = [crops[2][0]], [crops[2][1]]
    assert cache.styles(sources, images, encode).flatten().tolist() == [2]
    assert len(cache) == 2  # the least recently used pair (1; 0 was used after it) dropped
    assert style_key(*crops[1]) not in cache._styles and style_key(*crops[0]) in cache._styles
    assert style_key(crops[0][0], crops[0][1]) != style_key(crops[0][0].reshape(2, 8), crops[0][1])
