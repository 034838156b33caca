"""A tiny random bundle with a MaskVAE, for the variants and interpolation tests."""

from pathlib import Path

import torch
from helpers import tiny_generator


def write_tiny_vae_bundle(path: Path) -> Path:
    """Generator as conftest's tiny_weights (64 px) plus a 32 px MaskVAE whose samples differ."""
    from maskgan.networks.mask_vae import MaskVAE, MaskVAEConfig
    from maskgan.weights import save_bundle

    torch.manual_seed(2)
    vae = MaskVAE(MaskVAEConfig(resolution=32, latent_dim=16, base_channels=8, max_channels=16)).eval()
    with torch.no_grad():  # an untrained decoder all but ignores its latent; make samples differ, as trained ones do
        vae.from_latent[0].weight.mul_(30)
    save_bundle(
        path,
        {"generator": tiny_generator(seed=1, n_downsample=4), "mask_vae": vae},
        {"name": "tiny random with MaskVAE", "resolution": 64},
    )
    return path
