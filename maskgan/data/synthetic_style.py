"""Appearance codes of the synthetic world: ``sample_style(rng) -> Style``.

A Style is everything ``render`` needs besides the label map: colours per class
(RGB floats 0..255), texture amplitudes, the cloth pattern, the light and the
background, and the seed of the noise fields (textures are functions of that seed
and the pixel position only, never of the layout).
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

from maskgan.data.synthetic_draw import Part
from maskgan.labels import NUM_CLASSES

# Texture channels, in the order of Style.texture's columns.
TEXTURE_CHANNELS = ("broad", "fine", "grain", "strands", "backdrop")
CLOTH_PATTERNS = ("plain", "stripes", "checks", "dots")
BACKGROUND_PATTERNS = ("plain", "bokeh", "stripes")

SKIN_TONES = np.array(  # from very light to very dark; a face's tone is a blend of two neighbours
    [(255, 226, 206), (241, 196, 164), (226, 172, 130), (198, 136, 96), (160, 106, 72), (118, 78, 54), (80, 54, 40)],
    np.float32,
)
HAIR_COLOURS = np.array(
    [
        (24, 20, 18),
        (58, 40, 30),
        (105, 68, 42),
        (150, 108, 70),
        (214, 178, 120),
        (236, 222, 190),
        (140, 58, 30),
        (196, 100, 48),
        (150, 148, 146),
        (222, 222, 220),
    ],
    np.float32,
)
HAIR_P = np.array([0.22, 0.2, 0.15, 0.1, 0.1, 0.04, 0.05, 0.04, 0.05, 0.05])
IRIS_COLOURS = np.array(
    [(70, 42, 24), (40, 26, 18), (70, 110, 160), (80, 120, 80), (120, 96, 50), (110, 120, 130)], np.float32
)
METALS = np.array([(215, 176, 70), (205, 205, 215), (240, 234, 222), (180, 110, 70)], np.float32)
FRAME_COLOURS = np.array(
    [(20, 20, 22), (90, 55, 30), (200, 170, 90), (180, 180, 190), (150, 30, 40), (30, 50, 120)], np.float32
)


@dataclass(frozen=True, eq=False)
class Style:
    """Appearance of a synthetic face (arrays are float32)."""

    seed: int  # seed of the noise fields
    colors: np.ndarray  # (19, 3) base RGB per class, 0..255
    backdrop_ramp: np.ndarray  # (3,) RGB added to the background across the image, along ``ramp_angle``
    ramp_angle: float
    texture: np.ndarray  # (19, 5) amplitude of each TEXTURE_CHANNELS noise per class (fraction of brightness)
    iris: np.ndarray  # (3,)
    teeth: np.ndarray  # (3,)
    frame: np.ndarray  # (3,) colour of glasses frames
    cloth_pattern: str  # one of CLOTH_PATTERNS
    pattern_color: np.ndarray  # (3,)
    pattern_period: float  # fraction of the image size
    pattern_angle: float
    background_pattern: str  # one of BACKGROUND_PATTERNS
    light: tuple[float, float]  # image-plane direction towards the light (unit vector, y down)
    relief: float  # strength of the shading from the pseudo-normal
    gloss: float  # strength of specular highlights
    grain: float  # film grain amplitude, in 0..255 units


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), np.float32) * 255


def _fabric(rng: np.random.Generator) -> np.ndarray:
    """A garment or hat colour: mostly muted, sometimes vivid, sometimes near black or white."""
    kind = rng.random()
    if kind < 0.15:
        return _hsv(rng.random(), rng.uniform(0, 0.15), rng.uniform(0.08, 0.2))
    if kind < 0.25:
        return _hsv(rng.random(), rng.uniform(0, 0.1), rng.uniform(0.85, 0.97))
    return _hsv(rng.random(), rng.uniform(0.2, 0.85), rng.uniform(0.3, 0.9))


def sample_style(rng: np.random.Generator) -> Style:
    """A random appearance: skin tone, hair, make-up, clothes, jewellery, light and background."""
    colors = np.zeros((NUM_CLASSES, 3), np.float32)
    t = rng.uniform(0, len(SKIN_TONES) - 1)
    i = min(int(t), len(SKIN_TONES) - 2)
    skin = SKIN_TONES[i] * (1 - (t - i)) + SKIN_TONES[i + 1] * (t - i)
    skin = skin * rng.normal(1.0, 0.03, 3).astype(np.float32)
    colors[Part.SKIN] = skin
    colors[Part.NOSE] = skin * (1.03, 0.97, 0.95)
    colors[[Part.L_EAR, Part.R_EAR]] = skin * (1.0, 0.92, 0.88)
    colors[Part.NECK] = skin * 0.92

    hair = HAIR_COLOURS[rng.choice(len(HAIR_COLOURS), p=HAIR_P)] * rng.normal(1.0, 0.06, 3).astype(np.float32)
    if rng.random() < 0.05:  # dyed
        hair = _hsv(rng.random(), rng.uniform(0.5, 0.9), rng.uniform(0.4, 0.9))
    colors[Part.HAIR] = hair
    brow = hair * 0.65 if hair.mean() < 150 else hair * 0.55 + skin * 0.1
    colors[[Part.L_BROW, Part.R_BROW]] = brow

    if rng.random() < 0.3:  # lipstick
        lips = _hsv(rng.uniform(-0.08, 0.03), rng.uniform(0.5, 0.85), rng.uniform(0.45, 0.85))
    else:
        lips = skin * np.array((0.9, 0.62, 0.62), np.float32) * rng.uniform(0.85, 1.0)
    colors[Part.U_LIP] = lips * 0.9
    colors[Part.L_LIP] = lips
    colors[Part.MOUTH] = np.array((90, 28, 34), np.float32) * rng.uniform(0.6, 1.1)
    colors[[Part.L_EYE, Part.R_EYE]] = np.array((236, 232, 226), np.float32) * rng.uniform(0.82, 1.0)

    sunglasses = rng.random() < 0.3
    tint, opacity = ((30, 32, 40), rng.uniform(0.7, 0.9)) if sunglasses else ((225, 235, 245), rng.uniform(0.1, 0.3))
    colors[Part.EYE_G] = skin * (1 - opacity) + np.array(tint, np.float32) * opacity
    colors[Part.HAT] = _fabric(rng)
    colors[Part.EAR_R] = METALS[rng.integers(len(METALS))] if rng.random() < 0.8 else _hsv(rng.random(), 0.8, 0.8)
    colors[Part.NECK_L] = METALS[rng.integers(len(METALS))] if rng.random() < 0.8 else _hsv(rng.random(), 0.6, 0.5)
    colors[Part.CLOTH] = _fabric(rng)

    backdrop = _fabric(rng) * rng.uniform(0.6, 1.1)
    colors[Part.BACKGROUND] = backdrop
    ramp = (_fabric(rng) - backdrop) * rng.uniform(0.3, 1.0)

    texture = np.zeros((NUM_CLASSES, len(TEXTURE_CHANNELS)), np.float32)
    texture[:] = (0.04, 0.03, 0.02, 0.0, 0.0)
    texture[Part.SKIN] = (0.06, 0.04, 0.03, 0.0, 0.0)
    texture[Part.HAIR] = (0.12, 0.06, 0.05, rng.uniform(0.15, 0.35), 0.0)
    texture[[Part.L_BROW, Part.R_BROW]] = (0.05, 0.05, 0.08, 0.3, 0.0)
    texture[Part.CLOTH] = (0.08, rng.uniform(0.03, 0.1), rng.uniform(0.02, 0.08), 0.0, 0.0)
    texture[Part.HAT] = (0.06, 0.06, rng.uniform(0.02, 0.1), 0.0, 0.0)
    texture[Part.BACKGROUND] = (rng.uniform(0.03, 0.2), rng.uniform(0.0, 0.08), 0.02, 0.0, rng.uniform(0.05, 0.25))
    texture[[Part.L_EYE, Part.R_EYE, Part.EAR_R, Part.NECK_L]] = (0.02, 0.02, 0.01, 0.0, 0.0)
    texture *= rng.uniform(0.7, 1.3)

    light_angle = rng.uniform(-np.pi, 0)  # from anywhere above the horizon (y points down)
    return Style(
        seed=int(rng.integers(2**31)),
        colors=np.clip(colors, 0, 255).astype(np.float32),
        backdrop_ramp=ramp.astype(np.float32),
        ramp_angle=float(rng.uniform(0, 2 * np.pi)),
        texture=texture,
        iris=IRIS_COLOURS[rng.integers(len(IRIS_COLOURS))] * rng.uniform(0.8, 1.2),
        teeth=np.array((232, 224, 206), np.float32) * rng.uniform(0.8, 1.0),
        frame=FRAME_COLOURS[rng.integers(len(FRAME_COLOURS))],
        cloth_pattern=str(rng.choice(CLOTH_PATTERNS, p=[0.4, 0.3, 0.15, 0.15])),
        pattern_color=_fabric(rng),
        pattern_period=float(rng.uniform(0.02, 0.07)),
        pattern_angle=float(rng.uniform(0, np.pi)),
        background_pattern=str(rng.choice(BACKGROUND_PATTERNS, p=[0.5, 0.3, 0.2])),
        light=(float(np.cos(light_angle)), float(np.sin(light_angle))),
        relief=float(rng.uniform(0.5, 1.0)),
        gloss=float(rng.uniform(0.3, 1.0)),
        grain=float(rng.uniform(0.0, 5.0)),
    )
