"""Data-parallel training: two gloo processes on the CPU keep identical replicas; rank 0 alone writes the run."""

import json
import os
import socket

import torch
import torch.multiprocessing as mp

WORLD = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(rank: int, port: int, run: str, out: str) -> None:
    """One torchrun-like process: the environment torchrun would give it, then the library's training."""
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        LOCAL_WORLD_SIZE=str(WORLD),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    from maskgan.train.config import load_config
    from maskgan.train.distributed import setup, teardown
    from maskgan.train.trainer import Trainer

    context = setup(load_config("tiny").run)
    try:
        trainer = Trainer(load_config("tiny"), run, context)
        initial = {name: next(iter(net.state_dict().values())).clone() for name, net in trainer.networks.items()}
        trainer.fit()
        torch.save(
            {"networks": {name: net.state_dict() for name, net in trainer.networks.items()}, "initial": initial},
            os.path.join(out, f"rank{rank}.pt"),
        )
    finally:
        teardown(context)


def test_two_gloo_replicas_stay_identical_and_only_rank0_writes(tmp_path):
    run, out = tmp_path / "run", tmp_path / "out"
    out.mkdir()
    mp.spawn(worker, args=(free_port(), str(run), str(out)), nprocs=WORLD, join=True)
    ranks = [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    for name, state in ranks[0]["networks"].items():
        first_key = next(iter(state))
        # training moved the networks away from their initial weights (not the blender: after tiny.toml's
        # two MaskVAE steps, EBST's inter and outer masks are still equal, so alpha gets no gradient)...
        assert torch.equal(state[first_key], ranks[0]["initial"][name]) == (name == "blender"), name
        # ...the same way on both replicas, although each saw other items
        for key, tensor in state.items():
            assert torch.equal(tensor, ranks[1]["networks"][name][key]), f"replicas differ in {name}.{key}"

    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == list(range(1, 7))  # one writer, no duplicate lines
    checkpoint = torch.load(run / "checkpoints" / "step_000006.pt", weights_only=True)
    assert len(checkpoint["rng"]) == WORLD  # every replica's random state, for an exact resume
    assert not torch.equal(checkpoint["rng"][0]["trainer"], checkpoint["rng"][1]["trainer"])  # per-rank streams
    assert checkpoint["sampler"]["position"] == 6 * WORLD * 2  # steps x replicas x batch_size
