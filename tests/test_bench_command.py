"""`maskgan bench`: the generator's speed as the editor runs it, as text or JSON, and its refusals."""

import json

import pytest

from maskgan.eval.speed import generator_for
from maskgan_cli.main import main


def test_json_names_what_was_timed(capsys):
    assert (
        main(
            [
                "bench",
                "--config",
                "demo",
                "--size",
                "32",
                "--batch",
                "2",
                "--runs",
                "2",
                "--precision",
                "fp32",
                "--json",
            ]
        )
        == 0
    )
    figures = json.loads(capsys.readouterr().out)
    assert {k: figures[k] for k in ("config", "size", "batch", "device", "precision")} == {
        "config": "demo",
        "size": 32,
        "batch": 2,
        "device": "cpu",
        "precision": "fp32",
    }
    assert len(figures["runs_s"]) == 2 and figures["median_s"] > 0 and figures["parameters"] == 951_747
    assert figures["peak_rss_mb"] > 0 and figures["threads"] >= 1


def test_the_official_configuration_is_the_official_generator_size():
    generator, name = generator_for("official")
    assert name == "official" and sum(p.numel() for p in generator.parameters()) == 89_702_595


@pytest.mark.parametrize(
    "argv, error",
    [
        (["--config", "official", "--size", "100"], "H and W must be multiples of 16 and at least 32, got 100x100"),
        (["--weights", "/nonexistent/w.safetensors"], "/nonexistent/w.safetensors"),
    ],
)
def test_bad_input_is_one_line(argv, error, capsys):
    assert main(["bench", "--runs", "1", *argv]) == 2
    assert error in capsys.readouterr().err
