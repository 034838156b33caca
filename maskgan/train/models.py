"""The networks of a run with their optimisers and learning-rate schedules, as one checkpointable unit."""

from __future__ import annotations

from dataclasses import asdict

import torch
from torch import nn

from maskgan.networks.blender import AlphaBlender
from maskgan.networks.discriminator import MultiscaleDiscriminator
from maskgan.networks.generator import Generator
from maskgan.networks.mask_vae import MaskVAE
from maskgan.train.config import ConfigError, TrainConfig
from maskgan.train.distributed import DistContext, average_gradients, broadcast_weights
from maskgan.train.schedule import lr_factor


def build_networks(config: TrainConfig) -> dict[str, nn.Module]:
    """Freshly initialised networks, the same on every process for the same seed."""
    torch.manual_seed(config.run.seed)
    model = config.model
    return {
        "mask_vae": MaskVAE(model.mask_vae),
        "generator": Generator(model.generator),
        "discriminator": MultiscaleDiscriminator(model.discriminator),
        "blender": AlphaBlender(model.blender),
    }


def load_initial_weights(networks: dict[str, nn.Module], path: str, need_mask_vae: bool = False) -> None:
    """Copy every network a bundle holds into the run's networks (run.init_weights; a fresh run only, since
    a resumed run's checkpoint holds them). The discriminator is never in a bundle and stays fresh.

    The bundle's network configs must equal the run's: fine-tuning changes weights, not shapes.
    """
    from maskgan.weights import WeightsError, load_bundle

    try:
        bundle = load_bundle(path)
    except (WeightsError, FileNotFoundError) as error:
        raise ConfigError(f"run.init_weights: {error}") from None
    if need_mask_vae and bundle.mask_vae is None:
        raise ConfigError(
            f"run.init_weights {path} has no MaskVAE, and this run trains none before EBST "
            "(schedule.mask_vae_steps = 0); train one or use a bundle with a MaskVAE"
        )
    for name, source in (("generator", bundle.generator), ("mask_vae", bundle.mask_vae), ("blender", bundle.blender)):
        if source is None:
            continue
        ours, theirs = asdict(networks[name].config), asdict(source.config)
        if ours != theirs:
            differing = ", ".join(
                f"{key} {theirs[key]} (run: {ours[key]})" for key in ours if ours[key] != theirs.get(key)
            )
            raise ConfigError(
                f"run.init_weights {path}: its {name} differs from the run's model.{name}: {differing}; "
                f"set model.{name} to match the bundle"
            )
        networks[name].load_state_dict(source.state_dict())


class TrainingModels:
    """Networks, Adam optimisers and LambdaLR schedules, keyed by network name."""

    def __init__(self, config: TrainConfig, context: DistContext):
        self.context = context
        self.networks = {name: net.to(context.device).train() for name, net in build_networks(config).items()}
        broadcast_weights(self.networks.values(), context)
        betas = (config.optim.beta1, config.optim.beta2)
        # fused: one kernel per step instead of a dozen passes over every tensor (CPU and CUDA)
        self.optimizers = {
            name: torch.optim.Adam(
                net.parameters(),
                lr=config.optim.mask_vae_lr if name == "mask_vae" else config.optim.lr,
                betas=betas,
                fused=True,
            )
            for name, net in self.networks.items()
        }
        self.schedulers = {
            name: torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(config.schedule, name))
            for name, optimizer in self.optimizers.items()
        }

    def zero_grad(self) -> None:
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=True)

    def step(self, names: list[str]) -> None:
        """Average these networks' gradients over the replicas, then step their optimisers and schedules."""
        for name in names:
            average_gradients(self.networks[name].parameters(), self.context)
            self.optimizers[name].step()
            self.schedulers[name].step()

    def learning_rates(self, names: list[str]) -> dict[str, float]:
        return {f"lr_{name}": self.schedulers[name].get_last_lr()[0] for name in names}

    def state_dict(self) -> dict:
        return {
            "networks": {name: net.state_dict() for name, net in self.networks.items()},
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
            "schedulers": {name: sched.state_dict() for name, sched in self.schedulers.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        for name, net in self.networks.items():
            net.load_state_dict(state["networks"][name])
            self.optimizers[name].load_state_dict(state["optimizers"][name])
            self.schedulers[name].load_state_dict(state["schedulers"][name])
