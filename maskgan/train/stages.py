"""The loss terms of each training stage, every one weighted by the config (weight 0: not computed).

Stage 1a, ``mask_vae``: the MaskVAE reconstructs label maps (cross-entropy) with a KL
prior on its latents.

Stage 1b, ``dmn``: with style = style_params(M, I) of each item,
  rec   render(M, style) ~ I            adversarial, feature matching, perceptual, optional L1
  edit  render(M', style) ~ I'          L1 + perceptual, where the item carries an exact
                                        edit ground truth (the synthetic world); its fakes
                                        also meet the discriminator, paired with I'; optionally
                                        L1 averaged over the edit region alone (the changed
                                        pixels, dilated as maskgan.eval.metrics does)

Stage 2, ``ebst`` (Editing Behavior Simulated Training), on top of stage 1b's terms:
with the frozen MaskVAE's means z of M and z' of the next item's mask in the batch,
  M_inter = decode(z + a (z' - z)),  M_outer = decode(z - a (z' - z)),  a ~ U[alpha_min, alpha_max]
  blend(render(M_inter, style), render(M_outer, style)) ~ I   L1, perceptual, adversarial,
                                                             feature matching (dual-editing consistency)

Every rendering of one step goes through the generator in one batch (the style is
computed once), and the discriminator judges all fakes together: D(M, fake) against
D(M, real) for the pairs (M, I), (M', I') and, for the blend, (M, I).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from maskgan.eval.metrics import edit_radius
from maskgan.labels import one_hot
from maskgan.networks.losses import GANLoss, feature_matching_loss, kl_loss, mask_reconstruction_loss
from maskgan.networks.mask_vae import MaskVAE, resize_labels
from maskgan.networks.perceptual import PerceptualLoss
from maskgan.train.config import EBSTConfig, LossConfig

Features = list[list[Tensor]]


@dataclass
class StepLosses:
    """Weighted loss terms of one step; each dict sums to one optimiser's loss."""

    generator: dict[str, Tensor]  # the generator and blender (the MaskVAE in stage 1a)
    discriminator: dict[str, Tensor] = field(default_factory=dict)

    def named(self) -> dict[str, Tensor]:
        return {**self.generator, **self.discriminator}


def ebst_masks(mask_vae: MaskVAE, label: Tensor, alpha: Tensor) -> tuple[Tensor, Tensor]:
    """The (inter, outer) label maps (B,H,W) of EBST: each mask moved towards / away from the next one's."""
    size = label.shape[-1]
    with torch.no_grad():
        mu, _ = mask_vae.encode(one_hot(resize_labels(label, mask_vae.config.resolution)))
        step = alpha.to(mu.dtype).view(-1, 1) * (mu.roll(-1, 0) - mu)
        inter, outer = mask_vae.decode(torch.cat([mu + step, mu - step])).argmax(1).chunk(2)
    return resize_labels(inter, size), resize_labels(outer, size)


def edit_region_l1(fake: Tensor, real: Tensor, label: Tensor, edited_label: Tensor) -> Tensor:
    """Mean |fake - real| over the edit region of each item (its changed pixels, dilated by edit_radius),
    averaged over the items whose edit changed anything; 0 for a batch without changes.

    Unlike edit_l1, a small edit weighs as much as a large one: the product pastes back only
    that region, so it is where the generator's accuracy shows.
    """
    radius = edit_radius(label.shape[-1])
    changed = (label != edited_label).unsqueeze(1).float()
    region = F.max_pool2d(changed, 2 * radius + 1, stride=1, padding=radius)
    area = region.sum(dim=(1, 2, 3))
    error = ((fake.float() - real).abs().mean(1, keepdim=True) * region).sum(dim=(1, 2, 3))
    has_edit = area > 0
    if not has_edit.any():
        return fake.new_zeros((), dtype=torch.float32)
    return (error[has_edit] / area[has_edit]).mean()


def _rows(features: Features, start: int, stop: int) -> Features:
    return [[f[start:stop] for f in scale] for scale in features]


class StageLosses:
    """``losses(stage, batch)`` -> the StepLosses of one step of ``stage``."""

    def __init__(
        self,
        networks: dict[str, nn.Module],
        loss: LossConfig,
        ebst: EBSTConfig,
        perceptual: PerceptualLoss,
        rng: torch.Generator,
        autocast=contextlib.nullcontext,
    ):
        self.nets = networks
        self.weights = loss
        self.ebst = ebst
        self.perceptual = perceptual
        self.gan = GANLoss(loss.gan_mode)
        self.rng = rng  # every random draw of a step (VAE noise, EBST alphas) comes from here
        self.autocast = autocast

    def __call__(self, stage: str, batch: dict[str, Tensor]) -> StepLosses:
        with self.autocast():
            if stage == "mask_vae":
                return self.mask_vae(batch["label"])
            return self.dmn(batch, with_ebst=stage == "ebst")

    def mask_vae(self, label: Tensor) -> StepLosses:
        w, vae = self.weights, self.nets["mask_vae"]
        label = resize_labels(label, vae.config.resolution)
        mu, logvar = vae.encode(one_hot(label))
        logits = vae.decode(vae.reparameterize(mu, logvar, self.rng))
        return StepLosses(
            {
                "mask_ce": w.mask_ce * mask_reconstruction_loss(logits.float(), label),
                "mask_kl": w.mask_kl * kl_loss(mu.float(), logvar.float()),
            }
        )

    def _alphas(self, n: int, device: torch.device) -> Tensor:
        span = self.ebst.alpha_max - self.ebst.alpha_min
        return (self.ebst.alpha_min + span * torch.rand(n, generator=self.rng)).to(device)

    def _image_terms(self, prefix: str, l1: float, perceptual: float, fake: Tensor, real: Tensor) -> dict[str, Tensor]:
        terms = {}
        if l1:
            terms[f"{prefix}l1"] = l1 * F.l1_loss(fake.float(), real)
        if perceptual:
            terms[f"{prefix}perceptual"] = perceptual * self.perceptual(fake.float(), real)
        return terms

    def dmn(self, batch: dict[str, Tensor], with_ebst: bool) -> StepLosses:
        w, generator = self.weights, self.nets["generator"]
        image, label = batch["image"], batch["label"]
        n = image.shape[0]
        source = one_hot(label)
        targets = [source]  # masks rendered in each item's own style, in one generator batch
        has_edit = (
            "edited_label" in batch
            and "edited_image" in batch
            and bool(w.edit_l1 or w.edit_perceptual or w.edit_region_l1)
        )
        if has_edit:
            targets.append(one_hot(batch["edited_label"]))
        if with_ebst:
            inter, outer = ebst_masks(self.nets["mask_vae"], label, self._alphas(n, label.device))
            targets += [one_hot(inter), one_hot(outer)]
        style = generator.style_params(source, image)
        rendered = generator.render(torch.cat(targets), style.repeat(len(targets), 1)).chunk(len(targets))

        judged = [(source, rendered[0], image)]  # (mask, fake, real) for the discriminator
        g = self._image_terms("", w.l1, w.perceptual, rendered[0], image)
        if has_edit:
            judged.append((targets[1], rendered[1], batch["edited_image"]))
            g.update(self._image_terms("edit_", w.edit_l1, w.edit_perceptual, rendered[1], batch["edited_image"]))
            if w.edit_region_l1:
                g["edit_region_l1"] = w.edit_region_l1 * edit_region_l1(
                    rendered[1], batch["edited_image"], label, batch["edited_label"]
                )
        plain_rows = len(judged) * n
        if with_ebst:
            mask_input = source if self.nets["blender"].config.mask_channels else None
            blended, _ = self.nets["blender"](rendered[-2], rendered[-1], mask_input)
            judged.append((source, blended, image))
            g.update(self._image_terms("ebst_", w.ebst_l1, w.ebst_perceptual, blended, image))

        mask, fake, real = (torch.cat(parts) for parts in zip(*judged))
        discriminator = self.nets["discriminator"]
        d_fake = discriminator(torch.cat([mask, fake.detach()], 1))
        d_real = discriminator(torch.cat([mask, real], 1))
        d = {"d_fake": 0.5 * self.gan(d_fake, False), "d_real": 0.5 * self.gan(d_real, True)}

        g_fake = discriminator(torch.cat([mask, fake], 1))
        groups = (
            ("", w.adversarial, w.feature_matching, 0, plain_rows),
            ("ebst_", w.ebst_adversarial, w.ebst_feature_matching, plain_rows, len(judged) * n),
        )
        for prefix, adversarial, matching, start, stop in groups:
            if start == stop:
                continue
            fake_rows, real_rows = _rows(g_fake, start, stop), _rows(d_real, start, stop)
            if adversarial:
                g[f"{prefix}adversarial"] = adversarial * self.gan(fake_rows, True, for_discriminator=False)
            if matching:
                g[f"{prefix}feature_matching"] = matching * feature_matching_loss(fake_rows, real_rows)
        return StepLosses(g, d)
