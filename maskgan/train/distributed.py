"""Process group set-up for torchrun, device and precision choice, and gradient averaging.

Under ``torchrun`` (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT in the environment)
``setup`` joins the process group: nccl when training on CUDA (one GPU per local
rank), gloo on the CPU. Without those variables it is a plain single process.

Data parallelism is done as in StyleGAN2-ADA rather than with the
DistributedDataParallel wrapper: the replicas start from rank 0's weights, and after
each backward the gradients of the networks about to step are averaged with one
all-reduce of a flat buffer. A GAN step runs the discriminator several times per
backward (fakes for each player, reals) and freezes networks by stage, which DDP's
one-forward-one-backward bookkeeping does not allow; averaging explicitly keeps every
replica's update identical with no such rules.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

from maskgan.core.precision import choose_device
from maskgan.train.config import RunConfig


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def setup(run: RunConfig) -> DistContext:
    """Join torchrun's process group if launched by it; pick the device; set threads and determinism."""
    device_type = choose_device(run.device)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world_size)))
    device = torch.device(device_type, local_rank) if device_type == "cuda" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if run.deterministic:
        # cuBLAS reads this when it starts; set before the first CUDA matmul
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = device.type == "cuda" and not run.deterministic
    threads = run.threads or max(1, (os.cpu_count() or 1) // local_world)
    torch.set_num_threads(threads)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world_size)
    return DistContext(rank, world_size, local_rank, local_world, device)


def teardown(context: DistContext) -> None:
    if context.distributed and dist.is_initialized():
        dist.destroy_process_group()


def autocast(context: DistContext, precision: str):
    """bf16 autocast where asked (precision 'bf16', or 'auto' on CUDA); a no-op context otherwise."""
    if precision == "bf16" or (precision == "auto" and context.device.type == "cuda"):
        return torch.autocast(context.device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def broadcast_weights(modules: Iterable[nn.Module], context: DistContext) -> None:
    """Give every replica rank 0's parameters and buffers."""
    if not context.distributed:
        return
    with torch.no_grad():
        for module in modules:
            for tensor in module.state_dict().values():
                dist.broadcast(tensor, 0)


def average_gradients(parameters: Iterable[nn.Parameter], context: DistContext) -> None:
    """Replace each gradient by its mean over the replicas (one all-reduce for all of them)."""
    if not context.distributed:
        return
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = _flatten_dense_tensors(grads)
    dist.all_reduce(flat)
    flat /= context.world_size
    for grad, averaged in zip(grads, _unflatten_dense_tensors(flat, grads)):
        grad.copy_(averaged)


def mean_over_replicas(values: torch.Tensor, context: DistContext) -> torch.Tensor:
    """Mean of a tensor over the replicas (a NaN on any replica makes it NaN everywhere)."""
    if context.distributed:
        values = values.clone()
        dist.all_reduce(values)
        values /= context.world_size
    return values


def gather_objects(obj, context: DistContext) -> list:
    """Every rank's ``obj``, in rank order, on every rank."""
    if not context.distributed:
        return [obj]
    gathered = [None] * context.world_size
    dist.all_gather_object(gathered, obj)
    return gathered
