"""MaskVAE operations through a real daemon: variants, interpolation, cancelling a running request."""

import time

import numpy as np
import pytest
from daemon_process import DaemonProcess
from helpers import synthetic_photo
from vae_weights import write_tiny_vae_bundle

from maskgan.imageio import load_rgb, save_mask, save_png
from maskgan.infer import Editor
from maskgan_cli.main import main
from maskgan_client import Client, DaemonError


@pytest.fixture(scope="module")
def vae_weights(tmp_path_factory):
    return write_tiny_vae_bundle(tmp_path_factory.mktemp("vae") / "vae.safetensors")


@pytest.fixture(scope="module")
def daemon(vae_weights, tmp_path_factory):
    process = DaemonProcess(tmp_path_factory.mktemp("vae-daemon"), vae_weights).start()
    yield process
    process.stop()


def test_variants_and_interpolation_equal_in_process(daemon, vae_weights):
    image, source, edited = synthetic_photo()
    editor = Editor.load(vae_weights, device="cpu", precision="fp32")
    with Client(daemon.endpoint, timeout=60) as client:
        reply = client.call(
            "variants",
            {"n": 3, "seed": 5, "feather": 4},
            {"image": image, "source_mask": source, "edited_mask": edited},
        )
        masks = client.call("interpolate", {"steps": 4}, {"mask_a": source, "mask_b": edited}).arrays["masks"]
    expected = editor.variants(image, source, edited, 3, 5, feather=4)
    assert reply.arrays["layers"].shape == (3,) + image.shape[:2] + (4,)
    for i, result in enumerate(expected):
        assert np.array_equal(reply.arrays["images"][i], result.image)
        assert np.array_equal(reply.arrays["layers"][i], result.layer)
    assert reply.result["changed"] == [r.changed for r in expected]
    assert np.array_equal(masks, np.stack(editor.interpolate(source, edited, 4)))


def test_cancel_stops_a_running_variants_request(daemon):
    image = np.full((3000, 3000, 3), 80, np.uint8)  # a large face: each variant takes a while to paste back
    source = np.zeros((3000, 3000), np.uint8)
    source[200:2800, 200:2800] = 1
    edited = source.copy()
    edited[1000:1400, 900:1500] = 13
    with Client(daemon.endpoint, timeout=60) as client:
        request = client.submit(
            "variants",
            {"n": 12, "seed": 1},  # the most a client accepts at 9 MP
            {"image": image, "source_mask": source, "edited_mask": edited},
        )
        progress, final = [], None
        deadline = time.monotonic() + 120
        while final is None and time.monotonic() < deadline:
            for event in client.poll(200):
                if event.request_id != request:
                    continue
                if event.type == "progress":
                    progress.append(event.header["done"])
                    if len(progress) == 2:
                        client.cancel(request)
                else:
                    final = event.header
    assert final is not None and final["type"] == "error" and final["code"] == "cancelled"
    assert max(progress) < 12  # it stopped before rendering every variant


def test_variants_cli_through_the_daemon_equals_in_process(daemon, vae_weights, tmp_path):
    image, source, edited = synthetic_photo()
    save_png(tmp_path / "p.png", image)
    save_mask(tmp_path / "p.mask.png", source)
    save_mask(tmp_path / "p.edited.png", edited)
    common = [
        "variants",
        "--image",
        str(tmp_path / "p.png"),
        "--mask",
        str(tmp_path / "p.mask.png"),
        "--edited-mask",
        str(tmp_path / "p.edited.png"),
        "--n",
        "2",
        "--seed",
        "3",
        "--weights",
        str(vae_weights),
        "--precision",
        "fp32",
    ]
    assert main(common + ["--output", str(tmp_path / "local_{i}.png")]) == 0
    assert main(common + ["--output", str(tmp_path / "remote_{i}.png"), "--daemon", daemon.endpoint]) == 0
    for i in (1, 2):  # variants are numbered from 1
        assert np.array_equal(load_rgb(tmp_path / f"local_{i}.png"), load_rgb(tmp_path / f"remote_{i}.png"))


def test_weights_without_a_mask_vae_say_so(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    try:
        image, source, edited = synthetic_photo()
        with (
            Client(process.endpoint, timeout=30) as client,
            pytest.raises(DaemonError, match="needs weights with a MaskVAE"),
        ):
            client.call("variants", {}, {"image": image, "source_mask": source, "edited_mask": edited})
    finally:
        process.stop()
