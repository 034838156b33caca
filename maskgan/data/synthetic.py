"""A procedural world of stylised portraits with exact ground truth for mask edits.

  sample_layout(rng, size)        -> uint8 (size,size) label map using the 19 classes
  sample_style(rng)               -> Style (appearance code)
  render(label, style)            -> uint8 (H,W,3), a pure function of (label, style)
  simulate_user_edit(label, rng)  -> (edited label map, edit kind)
  sample(seed, size)              -> SyntheticSample with all of the above

Rendering uses only per-pixel quantities that depend on the style and on the
pixel's position, class, and a small neighbourhood (the shading blur), so editing
a layout and re-rendering it with the same style changes pixels only near the
edit: that re-render is the exact ground truth of the edit.

Geometry is in normalised coordinates (the image spans [-1, 1] on both axes) so
layouts look the same at every size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from maskgan.labels import NUM_CLASSES, class_index

C = {key: class_index(key) for key in (
    "background", "skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear",
    "mouth", "u_lip", "l_lip", "hair", "hat", "ear_r", "neck_l", "neck", "cloth",
)}

EDIT_KINDS = (
    "grow_part", "shrink_part", "move_part", "mouth_shape", "toggle_glasses", "toggle_hat",
    "hair_outline", "brush_stroke",
)


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [-1, 1] (x to the right, y downwards)."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    return np.meshgrid(t, t)


class Canvas:
    """A label map being painted, with coordinates rotated/scaled into the head's frame."""

    def __init__(self, size: int, cx: float, cy: float, scale: float, roll: float):
        x, y = _grid(size)
        cos, sin = np.cos(roll), np.sin(roll)
        dx, dy = x - cx, y - cy
        self.u = (cos * dx + sin * dy) / scale  # head frame: u right, v down, head radius ~ 1
        self.v = (-sin * dx + cos * dy) / scale
        self.x, self.y = x, y
        self.label = np.zeros((size, size), np.uint8)

    def ellipse(self, cu, cv, ru, rv, angle=0.0) -> np.ndarray:
        cos, sin = np.cos(angle), np.sin(angle)
        du, dv = self.u - cu, self.v - cv
        a = (cos * du + sin * dv) / ru
        b = (-sin * du + cos * dv) / rv
        return a * a + b * b <= 1.0

    def paint(self, region: np.ndarray, cls: int) -> None:
        self.label[region] = cls


@dataclass
class Layout:
    """The random choices behind a label map (kept for edits that redraw a part)."""

    cx: float
    cy: float
    scale: float
    roll: float
    face_w: float
    face_h: float
    hair: str
    hair_len: float
    eyes_open: bool
    mouth: str
    glasses: bool
    hat: bool
    earrings: bool
    necklace: bool
    ears: bool
    jitter: np.ndarray = field(repr=False)


def _choose_layout(rng: np.random.Generator) -> Layout:
    return Layout(
        cx=rng.uniform(-0.12, 0.12), cy=rng.uniform(-0.1, 0.08), scale=rng.uniform(0.42, 0.56),
        roll=rng.uniform(-0.18, 0.18), face_w=rng.uniform(0.74, 0.92), face_h=rng.uniform(0.98, 1.2),
        hair=rng.choice(["short", "long", "fringe", "bald", "bob"], p=[0.3, 0.3, 0.2, 0.07, 0.13]),
        hair_len=rng.uniform(0.0, 1.0), eyes_open=rng.random() > 0.15,
        mouth=rng.choice(["closed", "open", "smile"], p=[0.45, 0.25, 0.3]),
        glasses=rng.random() < 0.3, hat=rng.random() < 0.15, earrings=rng.random() < 0.3,
        necklace=rng.random() < 0.3, ears=rng.random() < 0.85, jitter=rng.uniform(-1, 1, 16).astype(np.float32),
    )


def _draw(layout: Layout, size: int) -> np.ndarray:
    L, j = layout, layout.jitter
    cv = Canvas(size, L.cx, L.cy, L.scale, L.roll)
    fw, fh = L.face_w, L.face_h

    # cloth and neck sit below the head; hair behind the head is drawn first
    shoulders = (cv.v > 1.25 + 0.1 * j[0]) & (np.abs(cv.u) < 1.6 + 0.9 * (cv.v - 1.25))
    cv.paint(shoulders, C["cloth"])
    neck = (np.abs(cv.u) < 0.42 * fw + 0.04 * j[1]) & (cv.v > 0.5) & (cv.v < 1.45)
    cv.paint(neck & ~(shoulders & (cv.v > 1.33 + 0.05 * j[2])), C["neck"])
    if L.necklace:
        ring = cv.ellipse(0, 1.05, 0.5 * fw, 0.32) & ~cv.ellipse(0, 1.05, 0.44 * fw, 0.26) & (cv.v > 1.05)
        cv.paint(ring, C["neck_l"])
    if L.hair in ("long", "bob"):
        bottom = 1.9 + 0.6 * L.hair_len if L.hair == "long" else 0.9 + 0.3 * L.hair_len
        back = (cv.ellipse(0, 0.1, fw * 1.28, fh * 1.25) | ((np.abs(cv.u) < fw * 1.2) & (cv.v > 0))) & (cv.v < bottom)
        cv.paint(back, C["hair"])

    if L.ears:
        for side, cls in ((-1, C["r_ear"]), (1, C["l_ear"])):  # image left is the person's right
            cv.paint(cv.ellipse(side * fw * 0.97, 0.05 + 0.04 * j[3], 0.16, 0.27), cls)
    face = cv.ellipse(0, 0, fw, fh)
    cv.paint(face, C["skin"])
    if L.earrings and L.ears:
        for side in (-1, 1):
            cv.paint(cv.ellipse(side * fw * 1.0, 0.36, 0.07, 0.09), C["ear_r"])

    # hair on top of the head
    if L.hair != "bald":
        top = cv.ellipse(0, -0.12, fw * 1.1, fh * 1.02) & (cv.v < -0.45 + 0.1 * j[4])
        if L.hair == "fringe":
            top |= cv.ellipse(0.15 * j[5], -0.5, fw * 0.95, 0.42) & face
        if L.hair in ("long", "bob"):
            top |= cv.ellipse(0, -0.1, fw * 1.15, fh * 1.05) & ~cv.ellipse(0, 0.25, fw * 0.9, fh * 1.0) & (cv.v < 0.6)
        cv.paint(top, C["hair"])

    eye_y, eye_x = -0.08 + 0.04 * j[6], 0.36 * fw + 0.03 * j[7]
    eye_h = 0.085 if L.eyes_open else 0.025
    for side, eye_cls, brow_cls in ((-1, C["r_eye"], C["r_brow"]), (1, C["l_eye"], C["l_brow"])):
        cv.paint(cv.ellipse(side * eye_x, eye_y, 0.15, eye_h), eye_cls)
        brow = cv.ellipse(side * eye_x, eye_y - 0.2 - 0.03 * j[8], 0.2, 0.05, angle=side * 0.12 * j[9])
        cv.paint(brow, brow_cls)
    nose = cv.ellipse(0, 0.2, 0.1 + 0.02 * j[10], 0.2) | cv.ellipse(0, 0.34, 0.15, 0.07)
    cv.paint(nose, C["nose"])

    mouth_y, mouth_w = 0.58 + 0.03 * j[11], 0.3 + 0.04 * j[12]
    if L.mouth == "closed":
        cv.paint(cv.ellipse(0, mouth_y - 0.03, mouth_w, 0.055), C["u_lip"])
        cv.paint(cv.ellipse(0, mouth_y + 0.04, mouth_w * 0.9, 0.065), C["l_lip"])
    else:
        curve = 0.35 if L.mouth == "smile" else 0.0
        v_mouth = cv.v - mouth_y + curve * (cv.u / mouth_w) ** 2 * 0.25
        gap = 0.05 if L.mouth == "smile" else 0.09
        outer = (np.abs(cv.u) < mouth_w) & (np.abs(v_mouth) < gap + 0.06) & cv.ellipse(0, mouth_y, mouth_w, 0.5)
        cv.paint(outer & (v_mouth < 0), C["u_lip"])
        cv.paint(outer & (v_mouth >= 0), C["l_lip"])
        cv.paint(outer & (np.abs(v_mouth) < gap) & (np.abs(cv.u) < mouth_w * 0.85), C["mouth"])

    if L.glasses:
        frame = np.zeros_like(face)
        for side in (-1, 1):
            ring = cv.ellipse(side * eye_x, eye_y, 0.22, 0.15)
            frame |= ring & ~cv.ellipse(side * eye_x, eye_y, 0.18, 0.11)
        bridge = (np.abs(cv.u) < eye_x - 0.2) & (np.abs(cv.v - eye_y + 0.04) < 0.025)
        arms = (np.abs(cv.u) > eye_x + 0.2) & (np.abs(cv.u) < fw) & (np.abs(cv.v - eye_y + 0.05) < 0.025)
        cv.paint(frame | bridge | arms, C["eye_g"])
    if L.hat:
        crown = cv.ellipse(0, -0.78, fw * 0.95, 0.5) & (cv.v < -0.45 + 0.05 * j[13])
        brim = cv.ellipse(0, -0.5, fw * 1.45, 0.11)
        cv.paint(crown | brim, C["hat"])
    return cv.label


def sample_layout(rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """A random portrait label map (uint8, size x size)."""
    return _draw(_choose_layout(rng), size)


# --- appearance --------------------------------------------------------------

SKIN_TONES = np.array([[255, 219, 190], [236, 188, 150], [205, 150, 110], [160, 110, 75], [110, 72, 48], [75, 50, 35]], np.float32)
HAIR_COLOURS = np.array([[30, 22, 18], [70, 45, 25], [130, 85, 45], [200, 160, 90], [150, 60, 30], [180, 180, 175], [60, 60, 70]], np.float32)


@dataclass
class Style:
    """Appearance code: colours per class, texture and lighting; everything render() needs."""

    colours: np.ndarray  # (19, 3) float32 base colour per class
    texture: np.ndarray  # (19,) amplitude of per-class noise
    stripes: np.ndarray  # (3,) cloth stripe frequency, angle, amplitude
    light: np.ndarray  # (2,) light direction in the image plane
    ambient: float
    background: np.ndarray  # (2, 3) top and bottom colours of the background gradient
    noise_seed: int


def sample_style(rng: np.random.Generator) -> Style:
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.08, 3)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.85, 1.15, 3)
    colours = np.zeros((NUM_CLASSES, 3), np.float32)
    colours[C["skin"]] = skin
    colours[C["nose"]] = skin * 0.93
    colours[[C["l_ear"], C["r_ear"]]] = skin * 0.9
    colours[C["neck"]] = skin * 0.82
    lip = np.array([200, 90, 95]) * rng.uniform(0.7, 1.1) if rng.random() < 0.5 else skin * np.array([0.85, 0.55, 0.55])
    colours[C["u_lip"]] = lip * 0.9
    colours[C["l_lip"]] = lip
    colours[C["mouth"]] = np.array([90, 30, 35]) * rng.uniform(0.7, 1.1)
    iris = np.array([[70, 45, 25], [60, 100, 150], [70, 110, 70], [40, 30, 25]])[rng.integers(4)]
    colours[[C["l_eye"], C["r_eye"]]] = iris
    colours[[C["l_brow"], C["r_brow"]]] = hair * 0.8
    colours[C["hair"]] = hair
    colours[C["eye_g"]] = rng.choice([[20, 20, 20], [140, 90, 40], [180, 180, 190], [120, 20, 30]])
    colours[C["hat"]] = rng.uniform(20, 230, 3)
    colours[C["ear_r"]] = rng.choice([[230, 200, 80], [210, 210, 220], [200, 60, 80]])
    colours[C["neck_l"]] = rng.choice([[235, 205, 90], [220, 220, 230], [40, 40, 40]])
    colours[C["cloth"]] = rng.uniform(15, 235, 3)
    background = rng.uniform(40, 230, (2, 3))
    colours[C["background"]] = background.mean(0)
    texture = np.full(NUM_CLASSES, 6.0, np.float32)
    texture[C["hair"]] = rng.uniform(18, 35)
    texture[C["cloth"]] = rng.uniform(8, 20)
    texture[C["background"]] = rng.uniform(4, 14)
    angle = rng.uniform(0, 2 * np.pi)
    return Style(
        colours=np.clip(colours, 0, 255).astype(np.float32), texture=texture,
        stripes=np.array([rng.uniform(6, 20), rng.uniform(0, np.pi), rng.uniform(0, 40) * (rng.random() < 0.5)], np.float32),
        light=np.array([np.cos(angle), np.sin(angle)], np.float32) * rng.uniform(0.3, 0.7),
        ambient=float(rng.uniform(0.75, 0.95)), background=background.astype(np.float32),
        noise_seed=int(rng.integers(2**31)),
    )


@lru_cache(maxsize=16)
def _value_noise(seed: int, size: int, cells: int) -> np.ndarray:
    """Smooth noise in [-1, 1] on a (size, size) grid: bilinear interpolation of a random lattice."""
    lattice = np.random.default_rng(seed).uniform(-1, 1, (cells + 1, cells + 1)).astype(np.float32)
    t = np.linspace(0, cells, size, endpoint=False, dtype=np.float32)
    i = t.astype(np.int64)
    f = t - i
    f = f * f * (3 - 2 * f)
    rows = lattice[i] * (1 - f)[:, None] + lattice[i + 1] * f[:, None]
    return rows[:, i] * (1 - f)[None, :] + rows[:, i + 1] * f[None, :]


def _box_blur(image: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window with edge padding, via cumulative sums."""
    padded = np.pad(image, radius + 1, mode="edge").astype(np.float32)
    s = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    window = s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k]
    return window[: image.shape[0], : image.shape[1]] / (k * k)


def render(label: np.ndarray, style: Style) -> np.ndarray:
    """RGB image (uint8 HxWx3) of a label map in a style; deterministic."""
    size = label.shape[0]
    if label.shape != (size, size):
        raise ValueError(f"render expects a square label map, got {label.shape}")
    x, y = _grid(size)
    fine = _value_noise(style.noise_seed, size, max(4, size // 6))
    coarse = _value_noise(style.noise_seed + 1, size, 5)
    strands = _value_noise(style.noise_seed + 2, size, max(4, size // 3))

    colour = style.colours[label]
    amplitude = style.texture[label][..., None]
    colour = colour + amplitude * (0.6 * fine + 0.4 * coarse)[..., None]

    hair = (label == C["hair"])[..., None]
    colour = colour + hair * (style.texture[C["hair"]] * np.sin(strands * 9 + x * 30))[..., None]
    freq, angle, amp = style.stripes
    cloth = (label == C["cloth"])[..., None]
    colour = colour + cloth * (amp * np.sign(np.sin(freq * (np.cos(angle) * x + np.sin(angle) * y) * np.pi)))[..., None]
    t = (y + 1) / 2
    background = style.background[0] * (1 - t)[..., None] + style.background[1] * t[..., None]
    is_bg = (label == C["background"])[..., None]
    colour = np.where(is_bg, background + amplitude * coarse[..., None], colour)

    # Shading from a pseudo-normal: the gradient of the blurred foreground mask.
    radius = max(1, size // 32)
    height = _box_blur((label != C["background"]).astype(np.float32), radius)
    gy, gx = np.gradient(height)
    shade = style.ambient + (1 - style.ambient) * 0.6 - (gx * style.light[0] + gy * style.light[1]) * radius * 2.5
    colour = np.where(is_bg, colour, colour * np.clip(shade, 0.4, 1.3)[..., None])

    # Specular dots on the eyes and the lower lip, offset towards the light.
    eyes = (label == C["l_eye"]) | (label == C["r_eye"]) | (label == C["l_lip"])
    spec = np.clip(fine * 3 - 2.2, 0, 1) * eyes
    colour = colour + (spec * 90)[..., None]
    return np.clip(colour, 0, 255).astype(np.uint8)


# --- edits ---------------------------------------------------------------------


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    return _box_blur(mask.astype(np.float32), radius) > 1e-6


def _erode(mask: np.ndarray, radius: int) -> np.ndarray:
    return _box_blur(mask.astype(np.float32), radius) > 1 - 1e-6


def _fill_from_neighbours(label: np.ndarray, region: np.ndarray) -> np.ndarray:
    """``label`` with ``region`` removed: its pixels take the class of the nearest pixel outside it."""
    out = label.copy()
    missing = region.copy()
    while missing.any():
        grown = False
        for axis, step in ((0, 1), (0, -1), (1, 1), (1, -1)):
            source = np.roll(out, step, axis=axis)
            known = ~np.roll(missing, step, axis=axis)
            take = missing & known
            if take.any():
                out[take] = source[take]
                missing &= ~take
                grown = True
        if not grown:
            out[missing] = C["background"]
            break
    return out


PARTS = ("nose", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip", "hair", "neck", "cloth", "l_ear", "r_ear")


def _edit_once(label: np.ndarray, rng: np.random.Generator, kind: str) -> np.ndarray:
    size = label.shape[0]
    out = label.copy()
    radius = max(1, int(size * rng.uniform(0.008, 0.025)))
    part = C[rng.choice(PARTS)]
    region = label == part
    if kind == "grow_part":
        grown = _dilate(region, radius) & (label != C["background"]) if part != C["hair"] else _dilate(region, radius)
        out[grown & ~region & (label != C["eye_g"])] = part
    elif kind == "shrink_part":
        around = _dilate(region, radius) & ~region
        fill = np.bincount(label[around], minlength=NUM_CLASSES).argmax() if around.any() else C["skin"]
        out[region & ~_erode(region, radius)] = fill
    elif kind == "move_part":
        dy, dx = rng.integers(-2 * radius, 2 * radius + 1, 2)
        around = _dilate(region, radius) & ~region
        fill = np.bincount(label[around], minlength=NUM_CLASSES).argmax() if around.any() else C["skin"]
        out[region] = fill
        out[np.roll(np.roll(region, dy, 0), dx, 1)] = part
    elif kind == "mouth_shape":
        lips = np.isin(label, [C["u_lip"], C["l_lip"], C["mouth"]])
        if lips.any():
            ys, xs = np.nonzero(lips)
            cy, cx = ys.mean(), xs.mean()
            half_w = (xs.max() - xs.min()) / 2 + 1
            gap = rng.uniform(0.02, 0.06) * size
            yy, xx = np.mgrid[:size, :size]
            curve = rng.uniform(-0.4, 0.6) * ((xx - cx) / half_w) ** 2 * gap
            band = (np.abs(xx - cx) < half_w * 0.85) & (np.abs(yy - cy + curve) < gap / 2) & _dilate(lips, radius)
            out[band] = C["mouth"]
            out[_dilate(band, max(1, radius // 2)) & ~band & lips] = C["u_lip"]
    elif kind == "toggle_glasses" or kind == "toggle_hat":
        cls = C["eye_g"] if kind == "toggle_glasses" else C["hat"]
        if (label == cls).any():
            out = _fill_from_neighbours(label, label == cls)
        else:
            eyes = np.isin(label, [C["l_eye"], C["r_eye"]])
            if cls == C["eye_g"] and eyes.any():
                ring = _dilate(eyes, 3 * radius) & ~_dilate(eyes, 2 * radius)
                out[ring & (label != C["background"])] = cls
            else:
                face = label == C["skin"]
                if face.any():
                    top = np.nonzero(face.any(1))[0][0]
                    ys, xs = np.nonzero(face)
                    yy, xx = np.mgrid[:size, :size]
                    cx, w = xs.mean(), (xs.max() - xs.min()) / 2
                    crown = ((xx - cx) / (w * 1.05)) ** 2 + ((yy - top) / (0.35 * w)) ** 2 <= 1
                    out[crown & (yy < top + 0.15 * w)] = cls
    elif kind == "hair_outline":
        hair = label == C["hair"]
        if hair.any():
            if rng.random() < 0.5:
                out[_dilate(hair, 2 * radius) & np.isin(label, [C["background"], C["cloth"]])] = C["hair"]
            else:
                edge = hair & ~_erode(hair, 2 * radius) & _dilate(label == C["background"], 2 * radius + 1)
                out[edge] = C["background"]
    elif kind == "brush_stroke":
        cls = C[rng.choice(("hair", "skin", "cloth", "background", "neck", "hat"))]
        yy, xx = np.mgrid[:size, :size]
        points = rng.uniform(0.2, 0.8, (2, 2)) * size
        r = rng.uniform(0.015, 0.04) * size
        for t in np.linspace(0, 1, 12):
            px, py = points[0] * (1 - t) + points[1] * t
            out[(xx - px) ** 2 + (yy - py) ** 2 <= r * r] = cls
    else:
        raise ValueError(f"unknown edit kind {kind!r}; known: {', '.join(EDIT_KINDS)}")
    return out


def simulate_user_edit(label: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A realistic user edit of a label map; always changes something."""
    for _ in range(20):
        kind = str(rng.choice(EDIT_KINDS))
        edited = _edit_once(label, rng, kind)
        if (edited != label).sum() >= max(4, label.size // 4000):
            return edited, kind
    edited = label.copy()
    edited[label == C["skin"]] = C["hair"] if (label == C["skin"]).any() else C["skin"]
    return edited, "brush_stroke"


@dataclass
class SyntheticSample:
    image: np.ndarray
    label: np.ndarray
    edited_label: np.ndarray
    edited_image: np.ndarray
    edit_kind: str
    style: Style


def sample(seed: int, size: int = 256) -> SyntheticSample:
    """Face number ``seed``: layout, style and edit from independent streams of one seed."""
    layout_rng, style_rng, edit_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    label = sample_layout(layout_rng, size)
    style = sample_style(style_rng)
    edited, kind = simulate_user_edit(label, edit_rng)
    return SyntheticSample(render(label, style), label, edited, render(edited, style), kind, style)
