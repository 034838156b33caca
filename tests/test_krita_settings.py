"""The Krita plug-in's settings.py outside Krita: the plug-in's settings in kritarc."""

import pytest
from krita_fakes import FakeStore

from maskgan.labels import DEFAULT_COLOR_TOLERANCE


def test_settings_persist_as_strings_with_typed_defaults_and_bounds():
    from maskgan_krita.settings import Settings

    store = FakeStore()
    settings = Settings(store)
    assert (
        settings.endpoint,
        settings.auto_start,
        settings.feather,
        settings.variants,
        settings.mask_mode,
        settings.batch_scope,
        settings.colour_tolerance,
    ) == ("", False, 8, 4, "colour", "documents", 24)
    assert (settings.precision, settings.result_place, settings.photo_source) == ("auto", "above_photo", "layer")
    assert settings.look == -1 and settings.looks_from_style is False  # automatic, built-in looks
    assert settings.method == "auto"  # the photo's own pixels first
    assert settings.colour_tolerance == DEFAULT_COLOR_TOLERANCE
    settings.endpoint, settings.auto_start, settings.feather, settings.mask_mode = " ipc:///x ", True, 12, "classes"
    settings.batch_scope, settings.colour_tolerance, settings.look, settings.looks_from_style = "layers", 31, 3, True
    settings.precision, settings.result_place, settings.photo_source = "bf16", "results_group", "image"
    settings.method = "generate"
    again = Settings(store)
    assert again.method == "generate" and store.values[("MaskGAN", "method")] == "generate"
    with pytest.raises(ValueError, match="method must be one of"):
        settings.method = "liquify"
    assert (
        again.endpoint,
        again.auto_start,
        again.feather,
        again.mask_mode,
        again.batch_scope,
        again.colour_tolerance,
    ) == ("ipc:///x", True, 12, "classes", "layers", 31)
    assert (again.precision, again.result_place, again.photo_source) == ("bf16", "results_group", "image")
    assert (
        store.values[("MaskGAN", "precision")],
        store.values[("MaskGAN", "result_place")],
        store.values[("MaskGAN", "photo_source")],
    ) == ("bf16", "results_group", "image")
    assert store.values[("MaskGAN", "feather")] == "12" and again.look == 3 and again.looks_from_style is True
    assert store.values[("MaskGAN", "colour_tolerance")] == "31"
    store.values[("MaskGAN", "variants")] = "99"
    store.values[("MaskGAN", "feather")] = "lots"
    store.values[("MaskGAN", "colour_tolerance")] = "500"
    store.values[("MaskGAN", "batch_scope")] = "everything"
    store.values[("MaskGAN", "look")] = "40"
    assert (again.variants, again.feather, again.colour_tolerance, again.batch_scope) == (16, 8, 50, "documents")
    assert again.look == 16
    store.values[("MaskGAN", "precision")] = "fp16"  # edited by hand, or from another version: the defaults
    store.values[("MaskGAN", "result_place")] = "elsewhere"
    store.values[("MaskGAN", "photo_source")] = ""
    assert (again.precision, again.result_place, again.photo_source) == ("auto", "above_photo", "layer")
    with pytest.raises(ValueError, match="precision must be one of \\('auto', 'fp32', 'bf16'\\), got 'fp16'"):
        again.precision = "fp16"
    with pytest.raises(ValueError, match="result place must be one of"):
        again.result_place = "group"
    with pytest.raises(ValueError, match="photo source must be one of"):
        again.photo_source = "projection"
    with pytest.raises(ValueError, match="mask mode must be one of"):
        again.mask_mode = "both"
    with pytest.raises(ValueError, match="batch scope must be one of \\('documents', 'layers'\\), got 'all'"):
        again.batch_scope = "all"
