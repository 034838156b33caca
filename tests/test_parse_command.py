"""`maskgan parse` and the daemon's `parse` op: the same labels as a direct parser call, files, and clear errors."""

import shutil

import numpy as np
import pytest
from daemon_process import DaemonProcess
from PIL import Image

from maskgan.data.synthetic import sample
from maskgan.imageio import load_mask, save_png
from maskgan.labels import CLASS_KEYS
from maskgan.parsing.learned import SHIPPED_PARSER, LearnedParser
from maskgan.weights import update_card
from maskgan_cli.main import main
from maskgan_client import Client, DaemonError


@pytest.fixture(scope="module")
def parser_weights(tmp_path_factory):
    """A copy of the shipped parser under another name: it finds the synthetic faces (a random parser finds no
    face, and says so), and the tests see that the name comes from the bundle given."""
    path = tmp_path_factory.mktemp("parser") / "parser.safetensors"
    shutil.copyfile(SHIPPED_PARSER, path)
    update_card(path, {"name": "test parser"})
    return path


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    path = tmp_path_factory.mktemp("photo") / "face.png"
    save_png(path, sample(20_000_001, 128).image)
    return path


def direct_labels(parser_weights, image):
    return LearnedParser.from_bundle(parser_weights).parse(image).labels


def test_parse_writes_the_parsers_labels_as_a_colour_mask_and_class_layers(parser_weights, photo, tmp_path, capsys):
    out, layers = tmp_path / "mask.png", tmp_path / "layers"
    assert (
        main(
            [
                "parse",
                "--image",
                str(photo),
                "--output",
                str(out),
                "--parser",
                "learned",
                "--parser-weights",
                str(parser_weights),
                "--layers",
                str(layers),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    expected = direct_labels(parser_weights, sample(20_000_001, 128).image)
    labels = load_mask(out)
    assert np.array_equal(labels, expected)
    present = [c for c in range(1, len(CLASS_KEYS)) if (expected == c).any()]
    assert sorted(p.name for p in layers.iterdir()) == sorted(f"mask_{CLASS_KEYS[c]}.png" for c in present)
    for c in present:
        layer = np.array(Image.open(layers / f"mask_{CLASS_KEYS[c]}.png"))
        assert np.array_equal(layer == 255, expected == c) and set(np.unique(layer)) <= {0, 255}
    printed = capsys.readouterr().out
    assert "parsed face 0 of 1 with the learned parser (test parser)" in printed
    assert "note: " in printed  # the learned parser says it has no face detector


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--face", "-1"], "--face must be 0 or more"),
        (["--face", "1", "--parser", "learned"], "the learned parser has no face detector"),
        (["--parser-weights", "/nonexistent.safetensors"], "no weights file at /nonexistent.safetensors"),
        (["--daemon", "--parser", "learned"], "a daemon uses the parser it was started with"),
    ],
)
def test_parse_errors_are_one_line(parser_weights, photo, tmp_path, capsys, argv, message):
    if "--parser-weights" not in argv:
        argv = argv + ["--parser-weights", str(parser_weights)] if "--daemon" not in argv else argv
    assert main(["parse", "--image", str(photo), "--output", str(tmp_path / "m.png"), "--device", "cpu", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.png").exists()


def test_parse_names_a_missing_photo(tmp_path, capsys):
    assert main(["parse", "--image", str(tmp_path / "none.png"), "--output", str(tmp_path / "m.png")]) == 2
    assert "none.png" in capsys.readouterr().err


def test_daemon_parse_answers_the_parsers_labels_and_bad_faces(tiny_weights, parser_weights, tmp_path):
    daemon = DaemonProcess(
        tmp_path / "d", tiny_weights, parser_args=("--parser", "learned", "--parser-weights", str(parser_weights))
    ).start()
    try:
        image = sample(20_000_002, 96).image
        with Client(daemon.endpoint, timeout=60) as client:
            assert client.hello()["parser"] == {
                "kind": "learned",
                "weights": str(parser_weights),
                "name": None,
                "problem": None,
            }
            reply = client.call("parse", {}, {"image": image})
            assert np.array_equal(reply.arrays["label"], direct_labels(parser_weights, image))
            assert reply.result["faces"] == [[0, 0, 96, 96]] and reply.result["face"] == 0
            assert reply.result["parser"] == "learned parser (test parser)" and reply.result["unseen"] == []
            with pytest.raises(DaemonError) as error:
                client.call("parse", {"face": 2}, {"image": image})
            assert error.value.code == "bad_input" and "no face detector" in error.value.message
            assert client.hello()["parser"]["name"] == "learned parser (test parser)"
            # the daemon keeps editing after a failed parse
            assert client.call("status").result["served"] >= 1
    finally:
        daemon.stop()


def test_parse_through_the_daemon_writes_the_same_mask(tiny_weights, parser_weights, photo, tmp_path, capsys):
    daemon = DaemonProcess(
        tmp_path / "d", tiny_weights, parser_args=("--parser", "learned", "--parser-weights", str(parser_weights))
    ).start()
    try:
        out = tmp_path / "via_daemon.png"
        assert main(["parse", "--image", str(photo), "--output", str(out), "--daemon", daemon.endpoint]) == 0
        assert np.array_equal(load_mask(out), direct_labels(parser_weights, sample(20_000_001, 128).image))
    finally:
        daemon.stop()
