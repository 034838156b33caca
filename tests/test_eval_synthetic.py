"""The held-out set, the evaluation loop and `maskgan eval synthetic` end to end (maskgan.eval)."""

import json
import re

import numpy as np
import pytest
from helpers import tiny_generator
from PIL import Image

from maskgan.data.sources import EVAL_SEED_BASE, SPLIT_SPAN
from maskgan.data.synthetic import sample
from maskgan.eval.grid import MIN_TILE
from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.metrics import psnr
from maskgan.eval.synthetic import METRIC_KEYS, evaluate
from maskgan.infer import Cancelled, Editor
from maskgan.train.config import DataConfig
from maskgan.train.data import open_training_data
from maskgan.weights import read_card
from maskgan_cli.main import main

SIZE = 32
CAPTION, GAP = 14, 6  # maskgan.data.preview's layout


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """(editing bundle, parser bundle): tiny random networks at 32 px."""
    from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig
    from maskgan.weights import save_bundle

    folder = tmp_path_factory.mktemp("eval_weights")
    save_bundle(
        folder / "tiny.safetensors",
        {"generator": tiny_generator(seed=2)},
        {"name": "tiny eval model", "resolution": SIZE},
    )
    save_bundle(
        folder / "parser.safetensors",
        {"parser": ParserUNet(ParserUNetConfig(base_channels=4)).eval()},
        {"name": "tiny eval parser", "resolution": SIZE},
    )
    return folder / "tiny.safetensors", folder / "parser.safetensors"


def test_heldout_set_is_the_test_split_and_deterministic():
    heldout = HeldOutSet(SIZE, 3)
    assert heldout.seeds == range(EVAL_SEED_BASE, EVAL_SEED_BASE + 3)
    again, face = HeldOutSet(SIZE, 3)[2], sample(EVAL_SEED_BASE + 2, SIZE)
    for field in ("image", "label", "edited_label", "edited_image"):
        assert np.array_equal(getattr(heldout[2], field), getattr(face, field))
        assert np.array_equal(getattr(again, field), getattr(face, field))
    assert heldout[2].edit_kind == face.edit_kind
    assert not np.array_equal(heldout[0].image, heldout[1].image)


def test_heldout_faces_are_never_trained_or_validated_on():
    largest = HeldOutSet(SIZE, SPLIT_SPAN).seeds
    for split in ("train", "val"):
        data = open_training_data(DataConfig(spec="synthetic", size=SIZE), split)
        used = range(data.seed_base, data.seed_base + len(data))
        assert used.stop <= largest.start or largest.stop <= used.start, split


def test_heldout_set_refuses_bad_requests():
    with pytest.raises(ValueError, match="holds 1 to 10,000,000 triples .* got 0"):
        HeldOutSet(SIZE, 0)
    with pytest.raises(ValueError, match="need at least 32 px, got 16"):
        HeldOutSet(16, 4)
    with pytest.raises(IndexError, match="triple 3 is outside this held-out set of 3"):
        HeldOutSet(SIZE, 3)[3]


def test_evaluate_scores_every_candidate_against_its_own_parse(bundles):
    editor = Editor.load(bundles[0], device="cpu", precision="fp32")
    heldout = HeldOutSet(SIZE, 4)
    truths = {heldout[i].edited_image.tobytes(): heldout[i].edited_label for i in range(4)}

    def oracle(images):  # the exact edited mask for a ground-truth image, all background for anything else
        return np.stack([truths.get(image.tobytes(), np.zeros(image.shape[:2], np.uint8)) for image in images])

    report = evaluate(editor, heldout, oracle, keep=2)
    assert [row["seed"] for row in report.rows] == list(heldout.seeds)
    assert len(report.examples) == 2 and report.examples[1].face.edit_kind == heldout[1].edit_kind
    for row, index in zip(report.rows, range(4)):
        face = heldout[index]
        assert set(METRIC_KEYS) <= set(row)
        assert row["truth.miou"] == row["truth.miou_edit"] == row["truth.changed_accuracy"] == 1.0
        # an all-background parse: IoU of the background is its share of the mask, every other class 0
        present = np.unique(face.edited_label)
        assert row["photo.miou"] == pytest.approx(np.mean(face.edited_label == 0) / len(present))
        changed = face.label != face.edited_label
        assert row["photo.changed_accuracy"] == pytest.approx(np.mean(face.edited_label[changed] == 0))
        assert row["photo.psnr"] == pytest.approx(psnr(face.image, face.edited_image))
        assert row["edit_pixels"] == int((face.label != face.edited_label).sum())
    # pooled over the set: the background's IoU is its share of all pixels, over every class any edited mask has
    edited = np.stack([heldout[i].edited_label for i in range(4)])
    pooled = report.pooled_scores()
    assert pooled["truth.miou"] == pooled["truth.changed_accuracy"] == 1.0
    assert pooled["photo.miou"] == pytest.approx(np.mean(edited == 0) / len(np.unique(edited)))
    means = report.means()
    assert means["edit.psnr_edit"] == pytest.approx(np.mean([row["edit.psnr_edit"] for row in report.rows]))
    assert sum(kind["count"] for kind in report.by_kind().values()) == 4


def test_evaluate_stops_when_cancelled(bundles):
    class Cancel:
        def is_set(self):
            return True

    editor = Editor.load(bundles[0], device="cpu", precision="fp32")
    with pytest.raises(Cancelled, match="cancelled after 0 of 4 triples"):
        evaluate(editor, HeldOutSet(SIZE, 4), lambda images: images[..., 0], cancel=Cancel())


def test_eval_command_writes_metrics_and_grid(bundles, tmp_path, capsys):
    weights, parser = bundles
    out = tmp_path / "eval"
    code = main(
        [
            "eval",
            "synthetic",
            "--weights",
            str(weights),
            "--parser-weights",
            str(parser),
            "--count",
            "4",
            "--grid",
            "3",
            "--output",
            str(out),
            "--device",
            "cpu",
            "--precision",
            "fp32",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "tiny eval model on 4 held-out triples at 32 px" in printed and "PSNR, edit region (dB)" in printed
    assert "target: mask fidelity (pooled mIoU of the edit) >= 0.85" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["card"] == "tiny eval model"
    assert metrics["command"].startswith(f"maskgan eval synthetic --weights {weights} --count 4 --size 32 --grid 3")
    assert metrics["set"] == {"split": "test", "first_seed": EVAL_SEED_BASE, "count": 4, "size": SIZE, "edit_radius": 1}
    assert metrics["parser"]["name"] == "learned parser (tiny eval parser)"
    assert metrics["weights_sha256"] == read_card(weights)["tensors_sha256"]
    assert len(metrics["rows"]) == 4 and set(METRIC_KEYS) <= set(metrics["means"])
    assert metrics["targets"]["mask_fidelity_miou"]["measured"] == metrics["pooled"]["edit.miou"]
    # three rows of five tiles, each tile enlarged to at least MIN_TILE px
    tile = SIZE * -(-MIN_TILE // SIZE)
    assert Image.open(out / "grid.png").size == (5 * tile, 3 * (tile + CAPTION + GAP) - GAP)


def test_eval_command_records_the_scores_in_the_card(bundles, tmp_path, capsys):
    weights = tmp_path / "tiny.safetensors"
    weights.write_bytes(bundles[0].read_bytes())
    before = read_card(weights)
    command = [
        "eval",
        "synthetic",
        "--weights",
        str(weights),
        "--parser-weights",
        str(bundles[1]),
        "--count",
        "3",
        "--grid",
        "0",
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--output",
        str(tmp_path / "eval"),
        "--record",
    ]
    assert main(command) == 0
    assert f"recorded in the card of {weights} under evaluation.synthetic_32px" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    card = read_card(weights)
    entry = card["evaluation"]["synthetic_32px"]
    assert entry["command"] == metrics["command"] and entry["set"] == metrics["set"]
    assert entry["scores"]["edit"]["psnr_edit"] == round(metrics["means"]["edit.psnr_edit"], 4)
    assert entry["scores"]["edit"]["miou"] == round(metrics["pooled"]["edit.miou"], 4)
    assert set(entry["scores"]["truth"]) == {"miou", "miou_edit", "changed_accuracy"}
    assert entry["targets"] == metrics["targets"]
    assert {k: v for k, v in card.items() if k != "evaluation"} == before
    # a second size is added beside the first
    assert main(command[:-3] + ["--size", "40", "--record"]) == 0
    assert set(read_card(weights)["evaluation"]) == {"synthetic_32px", "synthetic_40px"}


def test_eval_command_records_only_into_a_named_bundle(capsys):
    assert main(["eval", "synthetic", "--count", "1", "--record"]) == 2
    assert "--record writes into the card of the bundle given with --weights" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--weights", "{missing}"], "cannot load the weights: no weights file at"),
        (["--weights", "{garbage}"], "is not a maskgan safetensors bundle"),
        (["--weights", "{parser}"], "is a face-parser bundle, not editing weights"),
        (["--parser-weights", "{weights}"], "cannot load the parser: .* holds editing weights"),
        (["--size", "36"], "--size 36 does not suit the bundle's generator.*multiples of 8 .* got 36x36"),
        (["--look", "2", "--record", ""], "--record keeps the card's scores comparable, under the paper's protocol"),
        (["--look", "2"], "look 2 is a face of the synthetic world, which these weights .* were not trained on"),
    ],
)
def test_eval_command_errors_say_what_is_wrong(bundles, tmp_path, capsys, args, message):
    weights, parser = bundles
    (tmp_path / "garbage.safetensors").write_bytes(b"not a bundle")
    paths = {
        "missing": tmp_path / "none.safetensors",
        "garbage": tmp_path / "garbage.safetensors",
        "parser": parser,
        "weights": weights,
    }
    defaults = {"--weights": str(weights), "--parser-weights": str(parser)}
    for flag, value in zip(args[::2], args[1::2]):
        defaults[flag] = value.format(**paths)
    command = ["eval", "synthetic", "--count", "1", "--device", "cpu"] + [x for kv in defaults.items() for x in kv if x]
    assert main(command) == 2
    assert re.search(message, capsys.readouterr().err)


def test_eval_command_refuses_a_zero_count(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "synthetic", "--count", "0"])
    assert "--count: must be at least 1, got 0" in capsys.readouterr().err
