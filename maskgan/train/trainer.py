"""The training loop of the Dense Mapping Network on (image, mask[, edit, ground truth]) items.

Per step: the generator reconstructs the image from its own mask and style
(G(M, M, I) ~ I), and, where the data carries an exact ground truth of an edit
(the synthetic world), renders the edited mask in the source's style
(G(M', M, I) ~ I'). A multi-scale discriminator conditioned on the mask gives the
adversarial and feature-matching terms.

Run folder: config.toml, metrics.jsonl, samples/step_XXXXXX.png,
checkpoints/step_XXXXXX.pt (+ latest.txt). A checkpoint holds models, optimizers,
the RNG state and the step; data is a pure function of the step, so a resumed run
continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from maskgan.data.items import tensor_to_image
from maskgan.data.sources import open_dataset
from maskgan.labels import label_to_color, one_hot
from maskgan.networks.discriminator import MultiscaleDiscriminator
from maskgan.networks.generator import Generator
from maskgan.networks.losses import GANLoss, feature_matching_loss, multiscale_l1
from maskgan.progress import Progress
from maskgan.train.config import TrainConfig, to_toml


class TrainingError(RuntimeError):
    pass


class Trainer:
    def __init__(self, config: TrainConfig, run_dir: Path):
        self.config = config
        self.run_dir = Path(run_dir)
        if config.run.threads:
            torch.set_num_threads(config.run.threads)
        torch.manual_seed(config.run.seed)
        self.generator = Generator(config.model.generator)
        self.discriminator = MultiscaleDiscriminator(config.model.discriminator)
        betas = (config.optim.beta1, config.optim.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.optim.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.optim.lr, betas=betas)
        self.gan = GANLoss(config.loss.gan_mode)
        self.step = 0
        self.dataset = open_dataset(config.data.spec, config.data.size, "train")

    # --- checkpoints -----------------------------------------------------------
    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def save_checkpoint(self) -> Path:
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        path = self.checkpoint_dir / f"step_{self.step:06d}.pt"
        state = {
            "step": self.step,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "torch_rng": torch.get_rng_state(),
        }
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(path)
        (self.checkpoint_dir / "latest.txt").write_text(path.name)
        for old in sorted(self.checkpoint_dir.glob("step_*.pt"))[: -self.config.log.keep]:
            old.unlink()
        return path

    def load_checkpoint(self, path: Path | None = None) -> None:
        if path is None:
            latest = self.checkpoint_dir / "latest.txt"
            if not latest.exists():
                raise TrainingError(f"nothing to resume in {self.run_dir}: no checkpoints/latest.txt")
            path = self.checkpoint_dir / latest.read_text().strip()
        state = torch.load(path, map_location="cpu", weights_only=True)
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        torch.set_rng_state(state["torch_rng"])
        self.step = state["step"]

    # --- one step ----------------------------------------------------------------
    def _batches(self, start_step: int, end_step: int):
        """Batches of the steps start..end; step s always gets items s*B .. s*B+B-1."""
        b = self.config.data.batch_size
        indices = range(start_step * b, end_step * b)
        loader = DataLoader(
            Subset(self.dataset, indices), batch_size=b, shuffle=False,
            num_workers=self.config.data.num_workers, persistent_workers=False,
        )
        yield from loader

    def train_step(self, batch: dict) -> dict[str, float]:
        c = self.config.loss
        image, label = batch["image"], batch["label"]
        src = one_hot(label)
        targets = [(src, image)]
        if "edited_label" in batch and c.edit_l1 > 0:
            targets.append((one_hot(batch["edited_label"]), batch["edited_image"]))
        target_masks = torch.cat([t[0] for t in targets])
        target_images = torch.cat([t[1] for t in targets])
        repeat = len(targets)
        style = self.generator.style_params(src, image).repeat(repeat, 1)
        fake = self.generator.render(target_masks, style)

        # discriminator
        self.opt_d.zero_grad(set_to_none=True)
        d_fake = self.discriminator(torch.cat([target_masks, fake.detach()], 1))
        d_real = self.discriminator(torch.cat([target_masks, target_images], 1))
        loss_d = 0.5 * (self.gan(d_fake, False) + self.gan(d_real, True))
        loss_d.backward()
        self.opt_d.step()

        # generator
        self.opt_g.zero_grad(set_to_none=True)
        d_fake = self.discriminator(torch.cat([target_masks, fake], 1))
        with torch.no_grad():
            d_real = self.discriminator(torch.cat([target_masks, target_images], 1))
        n = image.shape[0]
        terms = {
            "g_adv": c.adversarial * self.gan(d_fake, True, for_discriminator=False),
            "g_fm": c.feature_matching * feature_matching_loss(d_fake, d_real),
            "g_rec": c.reconstruction_l1 * multiscale_l1(fake[:n], image),
        }
        if repeat > 1:
            terms["g_edit"] = c.edit_l1 * multiscale_l1(fake[n:], target_images[n:])
        loss_g = sum(terms.values())
        for name, value in {**terms, "d": loss_d}.items():
            if not math.isfinite(float(value.detach())):
                raise TrainingError(f"loss term {name} became {float(value.detach())} at step {self.step + 1}; "
                                    f"the last good checkpoint is in {self.checkpoint_dir}")
        loss_g.backward()
        self.opt_g.step()
        self._last = (batch, fake.detach())
        return {"d": float(loss_d.detach()), **{k: float(v.detach()) for k, v in terms.items()}}

    # --- loop --------------------------------------------------------------------
    def write_samples(self) -> Path:
        batch, fake = self._last
        n = min(4, batch["image"].shape[0])
        has_edit = fake.shape[0] > batch["image"].shape[0]
        rows = []
        for i in range(n):
            row = [tensor_to_image(batch["image"][i]), label_to_color(batch["label"][i].numpy())]
            if has_edit:
                row += [label_to_color(batch["edited_label"][i].numpy()),
                        tensor_to_image(fake[batch["image"].shape[0] + i]), tensor_to_image(batch["edited_image"][i])]
            else:
                row += [tensor_to_image(fake[i])]
            rows.append(np.concatenate(row, 1))
        from maskgan.imageio import save_png

        path = self.run_dir / "samples" / f"step_{self.step:06d}.png"
        save_png(path, np.concatenate(rows, 0))
        return path

    def fit(self, steps: int | None = None) -> None:
        total = steps if steps is not None else self.config.run.steps
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.toml").write_text(to_toml(self.config))
        if self.step >= total:
            return
        self.generator.train()
        self.discriminator.train()
        progress = Progress(total, "train", start=self.step)
        log = self.config.log
        started = time.monotonic()
        with open(self.run_dir / "metrics.jsonl", "a") as metrics:
            for batch in self._batches(self.step, total):
                losses = self.train_step(batch)
                self.step += 1
                progress.update(1, **losses)
                if self.step % log.every == 0 or self.step == total:
                    record = {"step": self.step, "seconds": round(time.monotonic() - started, 2), **losses}
                    metrics.write(json.dumps(record) + "\n")
                    metrics.flush()
                if self.step % log.sample_every == 0 or self.step == total:
                    self.write_samples()
                if self.step % log.checkpoint_every == 0 or self.step == total:
                    self.save_checkpoint()
        progress.close()
