"""`maskgan train-parser`: a seconds-long run, exact resume, metrics, validation, the exported card, CLI errors."""

import json
import re
from dataclasses import asdict, fields

import pytest
import torch

from maskgan.train.checkpoint import latest_checkpoint, load_checkpoint
from maskgan.train.parser_training import (
    NORM_ITEMS,
    MultiSizeDataset,
    ParserTrainConfig,
    ParserTrainer,
    class_frequencies,
    sqrt_inverse_weights,
)
from maskgan.weights import load_parser_bundle
from maskgan_cli.commands.train_parser import OPTIONS
from maskgan_cli.main import main

TINY = [
    "--sizes",
    "32,48",
    "--base-channels",
    "4",
    "--batch-size",
    "2",
    "--steps",
    "6",
    "--log-every",
    "2",
    "--checkpoint-every",
    "3",
    "--val-images",
    "4",
    "--num-workers",
    "0",
    "--threads",
    "1",
]


@pytest.fixture(autouse=True)
def restore_threads():
    """The trainer sets torch's thread count for the whole process; give it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def metrics(run) -> list[dict]:
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in line.items() if not k.startswith("seconds")} for line in lines]


def final_state(run) -> dict:
    return load_checkpoint(latest_checkpoint(run / "checkpoints"))


def test_stopped_and_resumed_run_equals_an_uninterrupted_one(tmp_path, capsys):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert main(["train-parser", "--run", str(whole), *TINY, "--class-weighting", "sqrt_inverse"]) == 0
    assert "val mIoU at 32 px" in capsys.readouterr().out
    # stopped at an odd step, so that the resumed run must also continue the 32/48 px size cycle where it was
    assert (
        main(["train-parser", "--run", str(split), *TINY, "--class-weighting", "sqrt_inverse", "--stop-at", "3"]) == 0
    )
    assert "stopped at step 3 of 6; `--resume` goes on" in capsys.readouterr().out
    assert final_state(split)["step"] == 3
    assert main(["train-parser", "--run", str(split), "--resume", "--num-workers", "1"]) == 0

    a, b = final_state(whole), final_state(split)
    assert a["step"] == b["step"] == 6
    for key, tensor in a["network"].items():
        assert torch.equal(tensor, b["network"][key]), key
    for index, moments in a["optimizer"]["state"].items():
        assert torch.equal(moments["exp_avg_sq"], b["optimizer"]["state"][index]["exp_avg_sq"]), index
    assert a["scheduler"]["last_epoch"] == b["scheduler"]["last_epoch"] == 6
    assert [line["step"] for line in metrics(whole)] == [2, 4, 6]
    assert [line["step"] for line in metrics(split)] == [2, 3, 4, 6]  # a line at the stop, none twice
    assert metrics(whole)[-1] == metrics(split)[-1]  # steps 5 and 6: the same losses
    assert len((split / "commands.txt").read_text().splitlines()) == 2
    assert json.loads((split / "config.json").read_text())["num_workers"] == 1  # a run setting may change
    val = json.loads((whole / "val.json").read_text())
    assert set(val) == {"32", "48"} and val["32"]["images"] == 4 and 0 <= val["48"]["miou"] <= 1


def test_training_lowers_the_loss_and_export_writes_the_card(tmp_path, capsys):
    run, out = tmp_path / "run", tmp_path / "parser.safetensors"
    options = [*TINY, "--steps", "30", "--lr", "0.01", "--sizes", "32", "--log-every", "5", "--class-weighting", "none"]
    assert main(["train-parser", "--run", str(run), *options, "--output", str(out)]) == 0
    lines = metrics(run)
    assert lines[-1]["loss"] < 0.8 * lines[0]["loss"]
    bundle = load_parser_bundle(out)
    card = bundle.card
    assert card["steps"] == 30 and card["training_data"] == "synthetic" and card["resolution"] == 32
    assert "native_sizes" not in card  # one size: photos are resized to it
    assert card["validation"] == json.loads((run / "val.json").read_text())
    assert card["train_config"] == json.loads((run / "config.json").read_text())
    assert card["command"] == (run / "commands.txt").read_text().splitlines()
    trained = final_state(run)["network"]
    for key, tensor in bundle.parser.state_dict().items():
        if "running_" not in key and "num_batches" not in key:
            assert torch.equal(trained[key], tensor), key
    # batch-norm statistics measured afresh: the first norm's mean is the mean of the first conv's batch means
    dataset = MultiSizeDataset("synthetic", [32], "train")
    first_conv, first_norm = bundle.parser.conv1.conv1[0], bundle.parser.conv1.conv1[1]
    with torch.no_grad():
        means = [
            first_conv(torch.stack([dataset[32, i]["image"] for i in range(j, j + 2)])).mean((0, 2, 3))
            for j in range(0, NORM_ITEMS, 2)
        ]
    assert torch.allclose(first_norm.running_mean, torch.stack(means).mean(0), atol=1e-5)
    assert not torch.allclose(first_norm.running_mean, trained["conv1.conv1.1.running_mean"], atol=1e-3)
    # the reproducing command names every setting, so it trains the same weights whatever the defaults become
    reproduce = card["reproduce"]
    for field in fields(ParserTrainConfig):
        assert f"--{field.name.replace('_', '-')} " in reproduce
    assert "--sizes 32 " in reproduce and "--lr 0.01 " in reproduce and reproduce.endswith(f"--output {out}")
    assert f"wrote {out}" in capsys.readouterr().out


def test_several_sizes_make_a_native_size_parser(tmp_path):
    out = tmp_path / "p.safetensors"
    assert main(["train-parser", "--run", str(tmp_path / "run"), *TINY, "--steps", "2", "--output", str(out)]) == 0
    bundle = load_parser_bundle(out)
    assert bundle.card["native_sizes"] == [32, 48] and bundle.card["resolution"] == 48
    assert bundle.card["networks"]["parser"]["config"]["norm_sizes"] == [32, 48]
    norm = bundle.parser.conv1.conv1[1]  # one set of statistics per training size
    assert not torch.allclose(norm.running_mean_32, norm.running_mean_48)


def test_every_setting_is_an_option_and_the_help_states_its_default():
    defaults = asdict(ParserTrainConfig())
    assert list(OPTIONS) == list(defaults)
    for name, (_, text) in OPTIONS.items():
        stated = re.search(r"\(default ([^)]*)\)", text).group(1)
        value = defaults[name]
        expected = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        assert stated == expected or float(stated) == value, name


def test_class_weights_lift_thin_classes(tmp_path):
    trainer = ParserTrainer(ParserTrainConfig(sizes=[64], base_channels=4, num_workers=0), tmp_path)
    frequencies = class_frequencies(trainer.dataset, 64, items=8)
    weights = sqrt_inverse_weights(frequencies)
    assert abs(frequencies.sum() - 1) < 1e-9
    assert weights[0] < 1 < weights[6]  # background down, brows up
    assert weights.max() <= 10
    assert weights[frequencies == 0].eq(1).all()


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([], "--run DIR is required"),
        (["--run", "{run}", "--sizes", "40"], "every size must be a multiple of 16, got 40"),
        (["--run", "{run}", "--sizes", "9x"], "sizes are whole pixel counts separated by commas"),
        (["--run", "{run}", "--batch-size", "0"], "batch_size must be >= 1, got 0"),
        (["--run", "{run}", "--lr", "0"], "lr must be > 0, got 0.0"),
        (["--run", "{run}", "--output", "p.pt"], "--output must end in .safetensors, got p.pt"),
        (["--run", "{run}", "--resume"], "nothing to resume: {run}/config.json does not exist"),
        (
            ["--run", "{run}", "--data", "celebamask:{run}/absent"],
            "Prepare CelebAMask-HQ first with `maskgan data prepare-celebamask",
        ),
    ],
)
def test_bad_options_get_clear_errors(tmp_path, capsys, arguments, message):
    run = tmp_path / "run"
    try:
        code = main(["train-parser", *(argument.format(run=run) for argument in arguments)])
    except SystemExit as error:  # argparse refuses option values it cannot convert
        code = error.code
    assert code == 2
    assert message.format(run=run) in capsys.readouterr().err


def test_resume_refuses_new_training_settings_and_fresh_runs_refuse_old_folders(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train-parser", "--run", str(run), *TINY, "--stop-at", "3"]) == 0
    capsys.readouterr()
    assert main(["train-parser", "--run", str(run), "--resume", "--lr", "0.1", "--sizes", "64"]) == 2
    assert "--resume continues with the run's own config.json; drop --sizes, --lr" in capsys.readouterr().err
    assert main(["train-parser", "--run", str(run), *TINY]) == 2
    assert f"{run} already holds a training run; pass --resume" in capsys.readouterr().err


def test_photo_only_items_are_the_bytes_of_full_samples():
    """The parser trains on SyntheticFaceDataset(with_edit=False), which skips the edit: same image and label."""
    from maskgan.data.sources import SyntheticFaceDataset

    full, photo_only = SyntheticFaceDataset(3, 48), SyntheticFaceDataset(3, 48, with_edit=False)
    for index in range(3):
        assert torch.equal(full[index]["image"], photo_only[index]["image"])
        assert torch.equal(full[index]["label"], photo_only[index]["label"])
    with pytest.raises(IndexError, match="item 3 is outside this dataset of 3 synthetic faces"):
        photo_only[3]


def test_a_loss_that_is_not_finite_stops_before_any_weight_changes(tmp_path):
    from maskgan.train.trainer import TrainingError

    config = ParserTrainConfig(
        sizes=[32], base_channels=4, batch_size=2, steps=4, num_workers=0, threads=1, class_weighting="none"
    )
    trainer = ParserTrainer(config, tmp_path / "run")
    before = {key: tensor.clone() for key, tensor in trainer.network.state_dict().items()}

    class Poisoned(MultiSizeDataset):
        def __getitem__(self, key):
            item = super().__getitem__(key)
            return {"image": item["image"] * float("nan"), "label": item["label"]}

    trainer.dataset.__class__ = Poisoned
    with pytest.raises(
        TrainingError,
        match="the loss is nan at step 1; training stopped before updating the weights "
        "with it, and no checkpoint had been written yet",
    ):
        trainer.fit()
    assert trainer.step == 0
    for key, tensor in trainer.network.state_dict().items():
        if "running_" not in key and "num_batches" not in key:  # the forward updated the norms' moving statistics
            assert torch.equal(tensor, before[key]), key
    assert latest_checkpoint(tmp_path / "run" / "checkpoints") is None
