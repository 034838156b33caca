"""Painting face parts into a label map, shared by the layout sampler and the edit simulator.

A ``Frame`` places a part: an origin in pixels, a scale per axis (pixels per unit)
and a roll angle. Shapes are predicates over frame coordinates (u to the right,
v downwards) with a bounding extent, so each is evaluated only inside its own
box: drawing a small part costs a small part of the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import IntEnum
from functools import lru_cache
from typing import Callable

import numpy as np

from maskgan.data.synthetic_raster import pixel_grid
from maskgan.labels import CLASS_KEYS, NUM_CLASSES

# Class indices by name, so that drawing code reads as parts (Part.SKIN), in labels.py's order.
Part = IntEnum("Part", [(key.upper(), index) for index, key in enumerate(CLASS_KEYS)])

Predicate = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Shape:
    """A region: ``inside(u, v)`` is True on it; it lies within u0..u1 x v0..v1."""

    extent: tuple[float, float, float, float]
    inside: Predicate


@dataclass(frozen=True)
class Frame:
    """Frame coordinates: pixel = (cx, cy) + R(angle) @ (u * ax, v * ay)."""

    cx: float
    cy: float
    ax: float
    ay: float
    angle: float = 0.0

    def to_image(self, u: float, v: float) -> tuple[float, float]:
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        du, dv = u * self.ax, v * self.ay
        return self.cx + du * cos - dv * sin, self.cy + du * sin + dv * cos

    def local(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame coordinates (u, v) of pixel coordinates, float32."""
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        u = x * np.float32(cos / self.ax)
        u += y * np.float32(sin / self.ax)
        u -= np.float32((self.cx * cos + self.cy * sin) / self.ax)
        v = y * np.float32(cos / self.ay)
        v -= x * np.float32(sin / self.ay)
        v -= np.float32((self.cy * cos - self.cx * sin) / self.ay)
        return u, v


@lru_cache(maxsize=64)
def _class_set(classes: tuple[int, ...]) -> np.ndarray:
    lut = np.zeros(NUM_CLASSES, bool)
    lut[list(classes)] = True
    return lut


class Canvas:
    """A label map being painted (in place)."""

    def __init__(self, label: np.ndarray):
        self.label = label
        self.x, self.y = pixel_grid(*label.shape)
        self._anchored: dict[Frame, tuple[np.ndarray, np.ndarray]] = {}

    def anchor(self, frame: Frame) -> None:
        """Compute ``frame``'s coordinates over the whole image once, for a frame many parts use."""
        self._anchored[frame] = frame.local(self.x, self.y)

    def coords(self, frame: Frame, extent: tuple[float, float, float, float]):
        """(box, u, v): the pixel box holding ``extent`` and frame coordinates inside it; None off-image."""
        u0, u1, v0, v1 = extent
        corners = [frame.to_image(u, v) for u in (u0, u1) for v in (v0, v1)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        h, w = self.label.shape
        x0, x1 = max(0, math.floor(min(xs))), min(w, math.ceil(max(xs)) + 1)
        y0, y1 = max(0, math.floor(min(ys))), min(h, math.ceil(max(ys)) + 1)
        if x0 >= x1 or y0 >= y1:
            return None
        box = (slice(y0, y1), slice(x0, x1))
        if frame in self._anchored:
            u, v = (coords[box] for coords in self._anchored[frame])
        else:
            u, v = frame.local(self.x[box], self.y[box])
        return box, u, v

    def fill(self, box: tuple[slice, slice], mask: np.ndarray, cls: int, over: tuple[int, ...] | None) -> None:
        """Set ``mask`` (within ``box``) to ``cls``, only on pixels of a class in ``over`` (all when None)."""
        target = self.label[box]
        if over is not None:
            mask = mask & _class_set(tuple(int(c) for c in over))[target]
        target[mask] = cls

    def paint(self, frame: Frame, shape: Shape, cls: int, over: tuple[int, ...] | None = None) -> None:
        found = self.coords(frame, shape.extent)
        if found is not None:
            box, u, v = found
            self.fill(box, shape.inside(u, v), cls, over)


def ellipse(cu: float, cv: float, ru: float, rv: float, power: float = 2.0) -> Shape:
    """Super-ellipse |du/ru|^p + |dv/rv|^p <= 1 (p = 2: an ellipse; larger: squarer)."""

    def inside(u, v):
        du, dv = np.abs((u - cu) / ru), np.abs((v - cv) / rv)
        if power == 2.0:
            return du * du + dv * dv <= 1.0
        return du**power + dv**power <= 1.0

    return Shape((cu - ru, cu + ru, cv - rv, cv + rv), inside)


def band(cu: float, cv: float, half_length: float, half_width: float) -> Shape:
    """An axis-aligned bar in frame units (temples and bridge of glasses)."""
    return Shape(
        (cu - half_length, cu + half_length, cv - half_width, cv + half_width),
        lambda u, v: (np.abs(u - cu) <= half_length) & (np.abs(v - cv) <= half_width),
    )


# --- mouth ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MouthShape:
    """A mouth in a frame whose unit is the mouth's half-width (corners at u = +-1)."""

    opening: float  # height of the open interior (0: closed)
    smile: float  # how far the corners rise (negative: droop)
    upper: float  # upper-lip thickness at the centre
    lower: float  # lower-lip thickness at the centre
    bow: float  # depth of the cupid's-bow dip, as a fraction of the upper lip


def sample_mouth(rng: np.random.Generator, state: str | None = None) -> tuple[MouthShape, str]:
    """A random mouth in ``state`` ('closed', 'open' or 'smile'; random when None)."""
    state = state or str(rng.choice(["closed", "open", "smile"], p=[0.5, 0.2, 0.3]))
    opening = {"closed": 0.0, "open": rng.uniform(0.18, 0.45), "smile": rng.uniform(0.0, 0.22)}[state]
    smile = {"closed": rng.uniform(-0.06, 0.1), "open": rng.uniform(-0.05, 0.12), "smile": rng.uniform(0.15, 0.35)}[
        state
    ]
    shape = MouthShape(opening, smile, rng.uniform(0.16, 0.28), rng.uniform(0.2, 0.36), rng.uniform(0.15, 0.45))
    return shape, state


def draw_mouth(canvas: Canvas, frame: Frame, mouth: MouthShape, over: tuple[int, ...]) -> None:
    """Upper lip, interior (when open) and lower lip (each at least a pixel thick)."""
    thinnest = 1.2 / frame.ay
    mouth = replace(mouth, upper=max(mouth.upper, thinnest), lower=max(mouth.lower, thinnest))
    v0 = min(0.0, -mouth.smile) - 0.35 * mouth.opening - mouth.upper - 0.05
    v1 = max(0.0, -mouth.smile) + 0.65 * mouth.opening + mouth.lower + 0.05
    found = canvas.coords(frame, (-1.0, 1.0, v0, v1))
    if found is None:
        return
    box, u, v = found
    t2 = np.minimum(u * u, 1.0)
    rest = 1.0 - t2
    middle = -mouth.smile * t2
    top = middle - 0.35 * mouth.opening * rest**0.7
    bottom = middle + 0.65 * mouth.opening * rest**0.7
    dip = 1.0 - mouth.bow * np.exp(-((u / 0.2) ** 2))
    within = np.abs(u) < 1.0
    canvas.fill(box, within & (v >= top - mouth.upper * rest**0.45 * dip) & (v < top), Part.U_LIP, over)
    canvas.fill(box, within & (v >= top) & (v < bottom), Part.MOUTH, over)
    canvas.fill(box, within & (v >= bottom) & (v <= bottom + mouth.lower * rest**0.55), Part.L_LIP, over)


# --- glasses -------------------------------------------------------------------------


@dataclass(frozen=True)
class GlassesShape:
    """Glasses in a frame centred between the eyes whose unit is half the eye distance."""

    lens_w: float  # lens half-width
    lens_h: float  # lens half-height
    squareness: float  # super-ellipse power of the lens outline
    lift: float  # lens centres above the eye centres
    thickness: float  # half-thickness of bridge and temples
    reach: float  # |u| where the temples end (the side of the head)


def sample_glasses(rng: np.random.Generator, reach: float) -> GlassesShape:
    return GlassesShape(
        lens_w=rng.uniform(0.5, 0.68),
        lens_h=rng.uniform(0.3, 0.46),
        squareness=rng.choice([2.0, 3.0, 4.5]),
        lift=rng.uniform(0.0, 0.1),
        thickness=rng.uniform(0.03, 0.06),
        reach=reach,
    )


def draw_glasses(canvas: Canvas, frame: Frame, glasses: GlassesShape, over: tuple[int, ...]) -> None:
    g = glasses
    for side in (-1.0, 1.0):
        canvas.paint(frame, ellipse(side, -g.lift, g.lens_w, g.lens_h, g.squareness), Part.EYE_G, over)
        inner, outer = 1.0 + 0.9 * g.lens_w, max(g.reach, 1.0 + g.lens_w)
        temple = band(side * (inner + outer) / 2, -g.lift - 0.45 * g.lens_h, (outer - inner) / 2, g.thickness)
        canvas.paint(frame, temple, Part.EYE_G, over)
    bridge_half = max(0.02, 1.0 - 0.85 * g.lens_w)
    canvas.paint(frame, band(0.0, -g.lift - 0.3 * g.lens_h, bridge_half, g.thickness), Part.EYE_G, over)


# --- hat -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HatShape:
    """A hat in the face frame (face half-width / half-height units, v = -1 at the top of the face)."""

    crown_v: float  # centre of the crown dome
    crown_w: float
    crown_h: float
    brim_v: float  # where the crown ends; centre line of the brim
    brim_w: float
    brim_h: float  # 0: no brim


def sample_hat(rng: np.random.Generator) -> HatShape:
    kind = rng.choice(["beanie", "cap", "brimmed"], p=[0.35, 0.3, 0.35])
    brim_v = rng.uniform(-0.62, -0.45)
    if kind == "brimmed":
        return HatShape(
            brim_v - rng.uniform(0.3, 0.45),
            rng.uniform(0.78, 0.95),
            rng.uniform(0.45, 0.6),
            brim_v,
            rng.uniform(1.45, 1.9),
            rng.uniform(0.08, 0.15),
        )
    crown_h = rng.uniform(0.5, 0.7)
    brim = (rng.uniform(1.1, 1.35), rng.uniform(0.07, 0.12)) if kind == "cap" else (1.12, rng.uniform(0.0, 0.08))
    return HatShape(brim_v - 0.15, rng.uniform(1.08, 1.18), crown_h, brim_v, *brim)


def draw_hat(canvas: Canvas, frame: Frame, hat: HatShape) -> None:
    dome = ellipse(0.0, hat.crown_v, hat.crown_w, hat.crown_h, 2.4)
    crown = Shape(dome.extent, lambda u, v: dome.inside(u, v) & (v <= hat.brim_v))
    over = tuple(range(Part.HAT))
    canvas.paint(frame, crown, Part.HAT, over)
    if hat.brim_h > 0:
        canvas.paint(frame, ellipse(0.0, hat.brim_v, hat.brim_w, hat.brim_h), Part.HAT, over)


# --- brush ---------------------------------------------------------------------------


def draw_stroke(canvas: Canvas, points: np.ndarray, radius: float, cls: int) -> None:
    """A round-brush stroke of ``radius`` pixels along the polyline ``points`` ((N, 2) x, y)."""
    pixels = Frame(0.0, 0.0, 1.0, 1.0)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        dx, dy = x1 - x0, y1 - y0
        length2 = max(dx * dx + dy * dy, 1e-6)

        def inside(u, v, x0=x0, y0=y0, dx=dx, dy=dy, length2=length2):
            t = np.clip(((u - x0) * dx + (v - y0) * dy) / length2, 0.0, 1.0)
            return (u - x0 - t * dx) ** 2 + (v - y0 - t * dy) ** 2 <= radius * radius

        extent = (min(x0, x1) - radius, max(x0, x1) + radius, min(y0, y1) - radius, max(y0, y1) + radius)
        canvas.paint(pixels, Shape(extent, inside), cls)
