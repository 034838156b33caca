"""Geometry from the photo: a smooth, fold-free displacement that moves the photo's own pixels
from the source mask's shapes to the edited mask's, as a retoucher's liquify would.

The field is found by diffeomorphic demons registration of the two label maps
(Thirion's demons with Vercauteren's compositive update): the source's soft class
channels are pulled toward the edited mask's by small, smoothed steps, each
composed with the field so far. Every step moves at most a pixel of its level and is
smooth, so the composition never folds; the Jacobian determinant is checked anyway
(``min_jacobian``). The field is found on a coarse working grid (WORK_SIDE) and
enlarged to photo pixels: geometry is smooth at that scale, and the finer residue
of the shapes is left to the appearance route. It is zero on the window's border,
so nothing outside the edit's reach moves.

Coordinates are backward: the output pixel x takes the photo's pixel at
``x + displacement(x)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from maskgan.core.tensors import image_to_levels, levels_to_image
from maskgan.infer.field_ops import gaussian_blur, identity_grid, resize, sample

WORK_SIDE = 128  # the working grid's longer side
LEVELS = ((4, 30), (2, 20), (1, 12))  # (downsampling of the working grid, iterations) coarse to fine
FEATURE_SIGMA = 1.0  # soft class channels: how far (working pixels) a boundary pulls
FLUID_SIGMA = 1.0  # smoothing of each update (working pixels)
DIFFUSION_SIGMA = 1.0  # smoothing of the accumulated field (working pixels)
MAX_STEP = 1.0  # longest update per iteration, in pixels of the level
TINY = 1e-6  # displacements below this (pixels) are none
FOLD_LIMIT = 0.01  # a Jacobian determinant below this counts as a fold (0: the map tears or flips)


@dataclass
class Field:
    """A backward displacement on a window: (2, H, W) float32 (dx, dy) in window pixels."""

    displacement: torch.Tensor

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.displacement.shape[-2:])

    def scaled(self, factor: float) -> "Field":
        return Field(self.displacement * factor)

    def magnitude(self) -> torch.Tensor:
        return (self.displacement[0] ** 2 + self.displacement[1] ** 2).sqrt()

    def min_jacobian(self) -> float:
        """Smallest determinant of the map's Jacobian (1 where nothing moves; <= 0 where it folds)."""
        return float(jacobian_determinant(self.displacement).min())

    def apply(self, image: np.ndarray, mode: str = "bicubic") -> np.ndarray:
        """The window's pixels moved by the field (uint8 HxWxC); pixels the field leaves in place keep their bytes."""
        moved = levels_to_image(sample(image_to_levels(image), identity_grid(*self.shape) + self.displacement, mode))
        still = (self.magnitude() < 1e-3).numpy()
        return np.where(still[..., None], image, moved)

    def apply_labels(self, labels: np.ndarray) -> np.ndarray:
        """A label map moved by the field (nearest: every pixel keeps a valid class)."""
        x = torch.from_numpy(labels.astype(np.float32))[None]  # astype copies: writable
        moved = sample(x, identity_grid(*self.shape) + self.displacement, "nearest")[0]
        return moved.round().to(torch.uint8).numpy()


def jacobian_determinant(displacement: torch.Tensor) -> torch.Tensor:
    """(H-1, W-1) determinant of d(x + u)/dx by forward differences."""
    u, v = displacement[0], displacement[1]
    du_dx, du_dy = u[:-1, 1:] - u[:-1, :-1], u[1:, :-1] - u[:-1, :-1]
    dv_dx, dv_dy = v[:-1, 1:] - v[:-1, :-1], v[1:, :-1] - v[:-1, :-1]
    return (1 + du_dx) * (1 + dv_dy) - du_dy * dv_dx


def _channels(labels: np.ndarray, classes: list[int], height: int, width: int) -> torch.Tensor:
    """Soft one-hot channels of ``classes`` at (height, width): area averages, then a little blur."""
    hot = torch.from_numpy(np.stack([labels == c for c in classes]).astype(np.float32))
    return _flushed(gaussian_blur(resize(hot, height, width, "area"), FEATURE_SIGMA))


def _gradient(x: torch.Tensor) -> torch.Tensor:
    """(C, 2, H, W) central differences (x, y) of (C, H, W), zero on the border."""
    gx, gy = torch.zeros_like(x), torch.zeros_like(x)
    gx[:, :, 1:-1] = (x[:, :, 2:] - x[:, :, :-2]) / 2
    gy[:, 1:-1, :] = (x[:, 2:, :] - x[:, :-2, :]) / 2
    return torch.stack([gx, gy], dim=1)


def _flushed(field: torch.Tensor) -> torch.Tensor:
    """``field`` with vanishing values set to 0: far from any force they decay into denormal floats, which make
    every following convolution some fifty times slower on CPUs."""
    return field.masked_fill(field.abs() < TINY, 0.0)


def _zero_border(field: torch.Tensor) -> torch.Tensor:
    field[:, 0, :] = field[:, -1, :] = 0
    field[:, :, 0] = field[:, :, -1] = 0
    return field


def _demons(moving: torch.Tensor, fixed: torch.Tensor, displacement: torch.Tensor, iterations: int) -> torch.Tensor:
    """``iterations`` compositive demons steps pulling ``moving`` (C,H,W) toward ``fixed``; returns the new field."""
    height, width = fixed.shape[-2:]
    grid = identity_grid(height, width)
    fixed_gradient = _gradient(fixed)
    for _ in range(iterations):
        warped = sample(moving, grid + displacement)
        difference = fixed - warped  # (C, H, W)
        gradient = (_gradient(warped) + fixed_gradient) / 2  # symmetric: converges from either side of a boundary
        force = (difference[:, None] * gradient).sum(0)  # (2, H, W)
        scale = (gradient**2).sum((0, 1)) + (difference**2).sum(0) + 1e-6
        step = _flushed(gaussian_blur(_flushed(force / scale), FLUID_SIGMA))
        length = (step[0] ** 2 + step[1] ** 2).sqrt()[None]  # (torch's norm is ten times slower on these small fields)
        step = step * (MAX_STEP / length.clamp_min(MAX_STEP))
        # compose: the new map is the old one after the small step (x -> x + s(x) -> ... ), never a sum
        displacement = step + sample(displacement, grid + step)
        displacement = _zero_border(_flushed(gaussian_blur(displacement, DIFFUSION_SIGMA)))
    return displacement


def _moments(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(centroid (x, y), 2x2 covariance) of a mask's pixels; None when too few to tell a shape."""
    ys, xs = np.nonzero(mask)
    if xs.size < 6:
        return None
    points = np.stack([xs, ys]).astype(np.float64)
    return points.mean(1), np.cov(points) + np.eye(2) / 12  # + the spread of one pixel: thin parts stay invertible


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(np.sqrt(np.clip(values, 1e-9, None))) @ vectors.T


def _part_affine(source: np.ndarray, target: np.ndarray, parts: list[int]) -> torch.Tensor:
    """(2, H, W) first guess of the field: each compact part's own stretch and shift, fading around it.

    A part that grows, shrinks or moves (an eye, a lip, a brow) is moved as a whole by
    the affine map between its source and target moments (as a liquify bloat would),
    instead of only stretching its rim where the demons' forces act.
    """
    height, width = source.shape
    grid = identity_grid(height, width).numpy().reshape(2, -1)
    total, weights = np.zeros((2, height * width)), np.zeros(height * width)
    for part in parts:
        src, tgt = _moments(source == part), _moments(target == part)
        if src is None or tgt is None or np.array_equal(source == part, target == part):
            continue
        (mu_s, cov_s), (mu_t, cov_t) = src, tgt
        stretch = _sqrtm(cov_s) @ np.linalg.inv(_sqrtm(cov_t))  # target offsets -> source offsets
        displacement = stretch @ (grid - mu_t[:, None]) + mu_s[:, None] - grid
        radius = 2 * np.sqrt(np.trace(cov_t))
        region = torch.from_numpy((target == part) | (source == part)).float()[None]
        weight = (gaussian_blur(region, radius / 2)[0] * 2).clamp(0, 1).numpy().reshape(-1)
        total += weight * displacement
        weights += weight
    field = total / np.maximum(weights, 1.0)
    return torch.from_numpy(field.reshape(2, height, width).astype(np.float32))


def _nearest(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(labels).resize((width, height), Image.NEAREST))


def _resized_field(displacement: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """A field resampled to (height, width), its vectors rescaled to the new pixels."""
    old_h, old_w = displacement.shape[-2:]
    resized = resize(displacement, height, width).clone()
    resized[0] *= (width - 1) / max(old_w - 1, 1)
    resized[1] *= (height - 1) / max(old_h - 1, 1)
    return resized


def register(source: np.ndarray, target: np.ndarray, classes: list[int], parts: tuple[int, ...] = ()) -> Field:
    """The field that moves ``source``'s regions of ``classes`` onto ``target``'s (label maps of one window).

    ``parts`` are the compact classes moved as a whole first (_part_affine); the
    demons then refine what that leaves, and the two maps are composed.
    """
    height, width = source.shape
    scale = min(1.0, WORK_SIDE / max(height, width))
    work_h, work_w = max(2, round(height * scale)), max(2, round(width * scale))
    guess = _part_affine(
        _nearest(source, work_h, work_w), _nearest(target, work_h, work_w), [p for p in parts if p in classes]
    )
    refinement = None
    for factor, iterations in LEVELS:
        h, w = max(2, work_h // factor), max(2, work_w // factor)
        refinement = torch.zeros(2, h, w) if refinement is None else _resized_field(refinement, h, w)
        moved_source = sample(_channels(source, classes, h, w), identity_grid(h, w) + _resized_field(guess, h, w))
        refinement = _demons(moved_source, _channels(target, classes, h, w), refinement, iterations)
    # the output pixel x takes the guess's source pixel at x + refinement(x)
    total = refinement + sample(guess, identity_grid(work_h, work_w) + refinement)
    return Field(_zero_border(_resized_field(total, height, width)))
