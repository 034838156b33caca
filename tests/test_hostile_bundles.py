"""Tampered weights files: refused with a message naming the field, before any network is built (issue 22, defect 1)."""

import json
import resource

import pytest
import torch
from helpers import tiny_generator
from safetensors import safe_open
from safetensors.torch import save_file

from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig
from maskgan.weights import WeightsError, load_bundle, load_parser_bundle, read_card, save_bundle, update_card


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "w.safetensors"
    save_bundle(path, {"generator": tiny_generator(seed=2)}, {"name": "tiny", "resolution": 64})
    return path


def rewrite(path, out, card_change, tensors_change=None):
    """A copy of bundle ``path`` at ``out`` with its card (and tensors) changed by the given functions."""
    with safe_open(str(path), "pt") as handle:
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    card = read_card(path)
    card_change(card)
    if tensors_change:
        tensors_change(tensors)
    save_file(tensors, str(out), metadata={"maskgan_card": json.dumps(card)})
    return out


def set_config(network, **values):
    def change(card):
        card["networks"][network]["config"].update(values)
        card.pop("networks_sha256", None)  # a tamperer can drop the digest: the checks must not depend on it

    return change


@pytest.mark.parametrize(
    "values,message",
    [
        ({"ngf": -1}, "generator config 'ngf' must hold whole numbers from 1 to 256, got -1"),
        ({"ngf": "8"}, "generator config 'ngf' must hold whole numbers from 1 to 256, got '8'"),
        ({"ngf": 8.0}, "generator config 'ngf' must hold whole numbers from 1 to 256, got 8.0"),
        ({"n_downsample": True}, "generator config 'n_downsample' must hold whole numbers from 1 to 6, got True"),
        ({"spatial_style": 1}, "generator config 'spatial_style' must be true or false, got 1"),
        ({"n_blocks": 100000}, "generator config 'n_blocks' must hold whole numbers from 0 to 64, got 100000"),
        ({"n_blocks": [1] * 1000}, "got [1, 1, 1"),
        ({"colour": 3}, "generator config has unknown field 'colour'; known: label_nc, n_blocks"),
        # every field in range, but together far too big: counted on the meta device, never allocated
        ({"ngf": 256, "n_downsample": 6, "n_blocks": 64}, "parameters; the limit is 500,000,000"),
        # in range and small, but the file's tensors are of another shape
        ({"n_blocks": 2}, "tensors do not match the card's generator config: missing generator.res_blocks.1"),
    ],
)
def test_a_tampered_generator_config_is_refused_before_building(bundle, tmp_path, values, message):
    tampered = rewrite(bundle, tmp_path / "t.safetensors", set_config("generator", **values))
    with pytest.raises(WeightsError) as info:
        load_bundle(tampered)
    assert message in str(info.value)
    assert str(tampered) in str(info.value)
    assert len(str(info.value)) < 600  # a bounded excerpt, not the whole hostile value


def test_a_huge_card_does_not_allocate(bundle, tmp_path):
    """The issue's probe: n_blocks 100000 allocated for 65 s until a 12 GB cap; now refused under a 1 GB address-space rise."""
    tampered = rewrite(bundle, tmp_path / "t.safetensors", set_config("generator", n_blocks=64, ngf=256))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(WeightsError, match="parameters; the limit is"):
        load_bundle(tampered)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB: under 200 MB


def test_networks_sha256_covers_the_configs(bundle, tmp_path):
    card = read_card(bundle)
    assert len(card["networks_sha256"]) == 64

    def edit_count(card):
        card["networks"]["generator"]["parameters"] += 1

    tampered = rewrite(bundle, tmp_path / "t.safetensors", edit_count)
    with pytest.raises(WeightsError, match="the card's networks do not match its networks_sha256"):
        load_bundle(tampered)


def test_bundles_from_before_networks_sha256_still_load_and_get_it_on_update(bundle, tmp_path):
    legacy = rewrite(bundle, tmp_path / "legacy.safetensors", lambda card: card.pop("networks_sha256"))
    assert "networks_sha256" not in read_card(legacy)
    assert load_bundle(legacy).generator.config.n_blocks == 1
    assert update_card(legacy, {"note": "re-stamped"})["networks_sha256"] == read_card(bundle)["networks_sha256"]
    assert load_bundle(legacy).card["note"] == "re-stamped"


def test_update_card_refuses_a_card_whose_configs_do_not_fit(bundle, tmp_path):
    tampered = rewrite(bundle, tmp_path / "t.safetensors", set_config("generator", ngf=-1))
    with pytest.raises(WeightsError, match="'ngf' must hold whole numbers"):
        update_card(tampered, {"note": "x"})


@pytest.mark.parametrize(
    "card_change,message",
    [
        (lambda card: card.update(networks=[1, 2]), "the card's 'networks' must map network names to their configs"),
        (
            lambda card: card["networks"].update(generator={"config": 3}),
            "the card's entry for generator needs a 'config' map",
        ),
        (lambda card: card["networks"].update(evil={"config": {}}), "unknown network 'evil'"),
    ],
)
def test_malformed_network_maps_are_refused(bundle, tmp_path, card_change, message):
    def change(card):
        card_change(card)
        card.pop("networks_sha256", None)

    with pytest.raises(WeightsError, match=message):
        load_bundle(rewrite(bundle, tmp_path / "t.safetensors", change))


def test_a_deeply_nested_or_non_object_card_is_refused(bundle, tmp_path):
    with safe_open(str(bundle), "pt") as handle:
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    for text, message in (("[" * 100_000 + "]" * 100_000, "corrupt model card"), ("[1]", "not a JSON object")):
        save_file(tensors, str(tmp_path / "n.safetensors"), metadata={"maskgan_card": text})
        with pytest.raises(WeightsError, match=message):
            load_bundle(tmp_path / "n.safetensors")


def test_a_parser_card_with_bad_norm_sizes_is_refused(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "p.safetensors"
    save_bundle(path, {"parser": ParserUNet(ParserUNetConfig(base_channels=2, norm_sizes=[64])).eval()}, {"name": "p"})
    assert load_parser_bundle(path).parser.config.norm_sizes == [64]
    tampered = rewrite(path, tmp_path / "t.safetensors", set_config("parser", norm_sizes=[64] * 10_000))
    with pytest.raises(WeightsError, match="'norm_sizes' must be a list of at most 16 whole numbers"):
        load_parser_bundle(tampered)
