"""Which stage a step belongs to, which networks train in it, and their learning-rate decay.

Stages run one after the other, counted in global steps:
  mask_vae  stage 1a: the MaskVAE learns the space of masks
  dmn       stage 1b: generator + style encoder against the multi-scale discriminator
  ebst      stage 2:  Editing Behavior Simulated Training (frozen MaskVAE); the dmn
            losses keep running, the blender joins the generator's optimiser step
Each network's learning rate is constant, then falls linearly to zero over the last
``decay_fraction`` of the steps it is trained in (pix2pixHD's schedule).
"""

from __future__ import annotations

from collections.abc import Callable

from maskgan.train.config import ScheduleConfig

STAGES = ("mask_vae", "dmn", "ebst")
# network -> the stages in which it is trained
TRAINED_IN = {
    "mask_vae": ("mask_vae",),
    "generator": ("dmn", "ebst"),
    "discriminator": ("dmn", "ebst"),
    "blender": ("ebst",),
}


def stage_lengths(schedule: ScheduleConfig) -> dict[str, int]:
    return {"mask_vae": schedule.mask_vae_steps, "dmn": schedule.dmn_steps, "ebst": schedule.ebst_steps}


def stage_at(schedule: ScheduleConfig, step: int) -> str:
    """The stage of the step that follows ``step`` completed steps."""
    end = 0
    for stage, length in stage_lengths(schedule).items():
        end += length
        if step < end:
            return stage
    raise ValueError(f"step {step} is past the schedule's {schedule.total_steps} steps")


def network_steps(schedule: ScheduleConfig, network: str, step: int | None = None) -> int:
    """Steps ``network`` is trained in the whole schedule, or in its first ``step`` global steps."""
    done, start = 0, 0
    for stage, length in stage_lengths(schedule).items():
        if stage in TRAINED_IN[network]:
            done += length if step is None else min(max(step - start, 0), length)
        start += length
    return done


def lr_factor(schedule: ScheduleConfig, network: str) -> Callable[[int], float]:
    """For LambdaLR: the lr multiplier after ``k`` optimiser steps of ``network``."""
    total = network_steps(schedule, network)
    start = total * (1.0 - schedule.decay_fraction)

    def factor(k: int) -> float:
        if k < start or start >= total:
            return 1.0
        return max(total - k, 0) / (total - start)

    return factor
