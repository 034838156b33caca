"""The run folder of `maskgan train`: exact resume, checkpoints, NaN stop, samples, metrics, export."""

import json

import pytest
import torch

from maskgan.data.sources import SyntheticFaceDataset
from maskgan.train.checkpoint import latest_checkpoint
from maskgan.train.config import config_from_toml, load_config
from maskgan.train.export import export_run
from maskgan.train.trainer import Trainer, TrainingError
from maskgan.weights import load_bundle
from maskgan_cli.main import main

TOTAL = 6  # tiny.toml: 2 steps of each stage


@pytest.fixture(autouse=True)
def restore_torch_settings():
    """The trainer sets process-wide torch options (threads, deterministic algorithms); give them back."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def tiny(*overrides):
    return load_config("tiny", list(overrides))


def train(run, stop=None, resume=False, dataset=None, *overrides):
    trainer = Trainer(tiny(*overrides), run, dataset=dataset)
    if resume:
        trainer.resume()
    trainer.fit(stop)
    return trainer


def losses_by_step(run):
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if not k.startswith("seconds")} for r in lines}


def assert_same_state(a: Trainer, b: Trainer):
    state_a, state_b = a.models.state_dict(), b.models.state_dict()
    for name, net in state_a["networks"].items():
        for key, tensor in net.items():
            assert torch.equal(tensor, state_b["networks"][name][key]), f"{name}.{key} differs"
    for name, opt in state_a["optimizers"].items():
        for index, slots in opt["state"].items():
            for slot, tensor in slots.items():
                assert torch.equal(tensor, state_b["optimizers"][name]["state"][index][slot]), (
                    f"{name} Adam {slot} differs"
                )
    assert state_a["schedulers"] == state_b["schedulers"]
    assert torch.equal(a.rng.get_state(), b.rng.get_state())


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("full") / "run"
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    trainer = train(run)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    return run, trainer


@pytest.mark.parametrize("workers", [0, 1])
def test_resume_is_bit_identical_to_an_uninterrupted_run(full_run, tmp_path, workers):
    run, uninterrupted = full_run  # trained without worker processes: the data must not depend on them
    first = train(tmp_path / "split", 3, False, None, f"data.num_workers={workers}")  # stops mid-stage dmn
    assert first.step == 3
    resumed = train(tmp_path / "split", None, True, None, f"data.num_workers={workers}")
    assert resumed.step == TOTAL
    assert_same_state(uninterrupted, resumed)
    assert losses_by_step(tmp_path / "split") == losses_by_step(run)


def test_run_folder_layout(full_run):
    run, trainer = full_run
    assert load_config(run / "config.toml") == trainer.config
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["latest", "step_000004.pt", "step_000006.pt"]
    assert latest_checkpoint(run / "checkpoints").name == "step_000006.pt"
    state = torch.load(run / "checkpoints" / "step_000006.pt", weights_only=True)
    assert state["step"] == TOTAL and set(state["networks"]) == {"mask_vae", "generator", "discriminator", "blender"}
    metrics = losses_by_step(run)
    assert sorted(metrics) == list(range(1, TOTAL + 1))
    assert [metrics[s]["stage"] for s in sorted(metrics)] == ["mask_vae"] * 2 + ["dmn"] * 2 + ["ebst"] * 2
    assert {"mask_ce", "mask_kl", "lr_mask_vae"} <= set(metrics[1])
    assert {
        "l1",
        "perceptual",
        "adversarial",
        "feature_matching",
        "edit_l1",
        "edit_perceptual",
        "d_fake",
        "d_real",
    } <= set(metrics[3])
    assert {"ebst_l1", "ebst_perceptual", "ebst_adversarial", "ebst_feature_matching", "lr_blender"} <= set(metrics[5])
    # lr decays linearly to 0 over the last half of each network's steps: G trains 4 steps
    assert [metrics[s]["lr_generator"] for s in (3, 4, 5, 6)] == pytest.approx([2e-4, 2e-4, 2e-4, 1e-4])
    from PIL import Image

    # mask_vae grid: 2 columns of 32 px; ebst grid: image, mask, target, generated, truth, inter, outer, blend
    assert Image.open(run / "samples" / "step_000002.png").size == (2 * 32, 2 * 32)
    assert Image.open(run / "samples" / "step_000006.png").size == (8 * 32, 2 * 32)


def test_fresh_run_refuses_a_folder_with_checkpoints(full_run, capsys):
    run, _ = full_run
    assert main(["train", "--config", "tiny", "--run", str(run)]) == 2
    assert "already holds a training run; pass --resume" in capsys.readouterr().err


class PoisonedImages(SyntheticFaceDataset):
    """Synthetic faces whose photos are NaN: stage 1a (masks only) trains, stage 1b's first step cannot."""

    def __getitem__(self, index):
        item = super().__getitem__(index)
        item["image"] = torch.full_like(item["image"], float("nan"))
        return item


def test_nan_loss_stops_with_the_term_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    run = tmp_path / "run"
    dataset = PoisonedImages(1000, 32)
    with pytest.raises(TrainingError, match=r"loss term 'l1' is nan at step 3 \(stage dmn\).*step_000002\.pt") as error:
        train(run, None, False, dataset, "log.checkpoint_every=1")
    trainer_state = torch.load(latest_checkpoint(run / "checkpoints"), weights_only=True)
    assert trainer_state["step"] == 2
    assert sorted(p.name for p in (run / "checkpoints").glob("*.pt")) == ["step_000001.pt", "step_000002.pt"]
    assert "resume" in str(error.value)


def test_export_writes_a_loadable_bundle_with_a_model_card(full_run, tmp_path, capsys):
    run, trainer = full_run
    out = tmp_path / "model.safetensors"
    assert main(["train", "export", str(run), str(out)]) == 0
    bundle = load_bundle(out)
    for name in ("generator", "mask_vae", "blender"):
        for key, tensor in getattr(bundle, name).state_dict().items():
            assert torch.equal(tensor, trainer.networks[name].state_dict()[key])
    card = bundle.card
    assert card["steps"] == TOTAL and card["resolution"] == 32 and card["training_data"] == "synthetic"
    assert card["network_steps"] == {"generator": 4, "mask_vae": 2, "blender": 2}
    assert set(card["metrics"]) == {"mask_vae", "dmn", "ebst"} and card["metrics"]["ebst"]["step"] == TOTAL
    assert config_from_toml(card["train_config"], "the card") == load_config(run / "config.toml")
    assert "--steps 6" in card["reproduce"]


def test_export_refuses_a_run_without_a_trained_generator(tmp_path):
    run = tmp_path / "run"
    train(run, 2)  # the MaskVAE stage only
    with pytest.raises(ValueError, match="before the generator's first training step"):
        export_run(run, tmp_path / "out.safetensors")


def test_items_without_an_edit_ground_truth_train_without_edit_terms(tmp_path):
    """CelebAMask-HQ items carry no edit: stage 1b then has no edit_* terms, everything else runs."""
    train(tmp_path / "run", 4, False, SyntheticFaceDataset(1000, 32, with_edit=False))
    metrics = losses_by_step(tmp_path / "run")
    assert {"l1", "perceptual", "adversarial", "feature_matching"} <= set(metrics[3])
    assert not any(key.startswith("edit_") for key in metrics[3])


def test_the_edit_region_term_is_logged_only_when_weighted(full_run, tmp_path):
    assert "edit_region_l1" not in losses_by_step(full_run[0])[3]  # weight 0 by default: not computed
    train(tmp_path / "run", 3, False, None, "loss.edit_region_l1=10")
    assert losses_by_step(tmp_path / "run")[3]["edit_region_l1"] > 0


def test_init_weights_starts_a_fresh_run_from_the_bundle(full_run, tmp_path):
    from maskgan.train.config import ConfigError
    from maskgan.train.models import build_networks

    run, trainer = full_run
    bundle_path = tmp_path / "start.safetensors"
    export_run(run, bundle_path)
    config = tiny(f"run.init_weights={bundle_path}", "run.seed=7", "schedule.mask_vae_steps=0")
    fine_tuning = Trainer(config, tmp_path / "ft")
    fine_tuning.start_from_weights(str(bundle_path))
    for name in ("generator", "mask_vae", "blender"):
        for key, tensor in fine_tuning.networks[name].state_dict().items():
            assert torch.equal(tensor, trainer.networks[name].state_dict()[key]), f"{name}.{key} not loaded"
    fresh = build_networks(tiny("run.seed=7"))["discriminator"].state_dict()
    assert all(torch.equal(t, fresh[k]) for k, t in fine_tuning.networks["discriminator"].state_dict().items())

    with pytest.raises(ConfigError, match=r"its generator differs from the run's model.generator: ngf 4 \(run: 8\)"):
        Trainer(tiny("model.generator.ngf=8"), tmp_path / "x").start_from_weights(str(bundle_path))
    with pytest.raises(ConfigError, match="run.init_weights: no weights file at"):
        fine_tuning.start_from_weights(str(tmp_path / "missing.safetensors"))


def train_from(start, run, *schedule):
    """Train ``schedule`` in the folder ``run``, starting from the bundle ``start`` (a fine-tuning)."""
    trainer = Trainer(tiny(f"run.init_weights={start}", *schedule), run)
    trainer.start_from_weights(str(start))
    trainer.fit()


def fine_tune(full_run, folder, *schedule):
    """Export the full run as a start bundle, train ``schedule`` from it in ``folder/run``; (start path, its card, run)."""
    start = folder / "start.safetensors"
    start_card = export_run(full_run[0], start)
    run = folder / "run"
    train_from(start, run, *schedule)
    return start, start_card, run


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(tensor, b.state_dict()[key]) for key, tensor in a.state_dict().items())


def test_export_of_a_fine_tuned_generator_keeps_the_networks_it_started_from(full_run, tmp_path):
    from maskgan.train.export import ExportError

    start, start_card, run = fine_tune(
        full_run, tmp_path, "schedule.mask_vae_steps=0", "schedule.dmn_steps=2", "schedule.ebst_steps=0"
    )
    card = export_run(run, tmp_path / "ft.safetensors")
    assert set(card["networks"]) == {"generator", "mask_vae", "blender"}
    assert card["network_steps"] == {"generator": 2}
    assert card["init_weights"] == {"path": str(start), "tensors_sha256": start_card["tensors_sha256"]}
    before, after = load_bundle(start), load_bundle(tmp_path / "ft.safetensors")
    for name in ("mask_vae", "blender"):  # not trained in the fine-tuning: exactly the start bundle's
        assert same_weights(getattr(after, name), getattr(before, name)), name
    assert not same_weights(after.generator, before.generator)

    start.unlink()
    with pytest.raises(
        ExportError, match=r"started from run.init_weights .*start.safetensors, which cannot be read now"
    ):
        export_run(run, tmp_path / "again.safetensors")


def test_a_fine_tuned_card_holds_the_commands_of_every_bundle_it_descends_from(full_run, tmp_path):
    one_dmn_step = ("schedule.mask_vae_steps=0", "schedule.dmn_steps=1", "schedule.ebst_steps=0")
    start, start_card, run = fine_tune(full_run, tmp_path, *one_dmn_step)
    (run / "commands.txt").write_text(
        "maskgan train --config tiny --run middle\n"
    )  # the CLI writes it; Trainer does not
    middle = tmp_path / "middle.safetensors"
    middle_card = export_run(run, middle)
    train_from(middle, tmp_path / "second", *one_dmn_step)
    card = export_run(tmp_path / "second", tmp_path / "second.safetensors")

    assert [entry["path"] for entry in card["lineage"]] == [str(start), str(middle)]
    assert card["lineage"][1]["command"] == ["maskgan train --config tiny --run middle"]
    for entry, ancestor in zip(card["lineage"], (start_card, middle_card)):
        for field in ("command", "reproduce", "train_config", "train_seconds", "steps", "tensors_sha256"):
            assert entry[field] == ancestor[field], field
    assert "lineage" not in start_card  # trained from random weights: nothing before it
    assert "lineage" not in card["lineage"][1]  # each ancestor appears once, flat


def test_export_of_a_mask_vae_fine_tuning_keeps_the_generator_it_started_from(full_run, tmp_path):
    start, _, run = fine_tune(
        full_run, tmp_path, "schedule.mask_vae_steps=2", "schedule.dmn_steps=0", "schedule.ebst_steps=0"
    )
    card = export_run(run, tmp_path / "vae.safetensors")
    assert card["network_steps"] == {"mask_vae": 2}
    before, after = load_bundle(start), load_bundle(tmp_path / "vae.safetensors")
    assert same_weights(after.generator, before.generator)
    assert not same_weights(after.mask_vae, before.mask_vae)


def test_export_records_the_framing_of_the_training_faces(full_run, tmp_path):
    from maskgan.core.framing import measure_framing
    from maskgan.data.synthetic import sample

    run, _ = full_run
    card = export_run(run, tmp_path / "m.safetensors")
    assert card["framing"] == measure_framing(sample(seed, 32).label for seed in range(256)).as_dict()
    assert 0.3 < card["framing"]["face_side"] < 0.6  # the synthetic world's faces fill about 40% of the image
