"""``render(label, style) -> uint8 HxWx3``: the synthetic world's camera, a pure function.

A pixel's colour is computed from
  * the style's colour of its class (the backdrop's ramps across the image);
  * noise fields that depend only on the style's seed and the pixel position
    (broad blotches, fine mottling, grain, hair strands, backdrop pattern), each
    with a per-class amplitude;
  * details found from a few pixels around it: irises, lashes, teeth, glasses frames;
  * shading from a pseudo-normal, the gradient of a blurred per-class height map
    (so faces look round, the neck sits in the chin's shadow), occlusion where
    neighbours stand higher, and specular highlights on glossy classes.
Nothing reaches further than ``influence_radius(size)`` pixels, so re-rendering an
edited label map in the same style changes pixels only that close to the edit.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from maskgan.data.synthetic_draw import Part
from maskgan.data.synthetic_raster import (
    block_mean,
    bounding_box,
    box_blur,
    interpolate_lattice,
    pixel_grid,
    shift,
    smooth,
    upsample_blocks,
    value_noise,
)
from maskgan.data.synthetic_style import Style
from maskgan.labels import NUM_CLASSES, check_label_map


def _per_class(default: float, **values: float) -> np.ndarray:
    table = np.full(NUM_CLASSES, default, np.float32)
    for key, value in values.items():
        table[Part[key.upper()]] = value
    return table


# Pseudo-depth of each class: the shading's normals are the slopes of its blur.
HEIGHT = _per_class(
    1.0,
    background=0.0,
    nose=1.2,
    eye_g=1.05,
    l_eye=0.85,
    r_eye=0.85,
    l_ear=0.9,
    r_ear=0.9,
    mouth=0.8,
    u_lip=1.04,
    l_lip=1.07,
    hair=1.15,
    hat=1.35,
    neck_l=0.72,
    neck=0.62,
    cloth=0.55,
)
# How much of the light-facing shading each class takes (the backdrop is a flat wall).
SHADED = _per_class(1.0, background=0.25, l_eye=0.5, r_eye=0.5)
# Specular strength of each class.
GLOSS = _per_class(
    0.12,
    background=0.0,
    nose=0.25,
    eye_g=0.9,
    l_eye=0.0,
    r_eye=0.0,
    mouth=0.0,
    u_lip=0.5,
    l_lip=0.7,
    hair=0.35,
    hat=0.2,
    ear_r=1.0,
    neck_l=1.0,
    cloth=0.05,
)


def _scales(size: int) -> tuple[int, int, int]:
    """Radius of the near relief blur; block size and radius (in blocks) of the far relief blur."""
    block = max(1, round(size / 64))
    return max(1, round(size / 128)), block, 2


def influence_radius(size: int) -> int:
    """Pixels beyond which a label change cannot alter ``render`` (the widest filter chain)."""
    _, block, far = _scales(size)
    # in blocks: the far tent blur (2 * far), its gradient (1), the linear upsampling (1) and the
    # pixel's own block (1); then one pixel of anti-aliasing. The near relief and the eye, teeth and
    # glasses details reach less far.
    return block * (2 * far + 3) + 1


def _relief(height: np.ndarray, light: tuple[float, float], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(facing, occlusion) of a height map, both HxW.

    facing, about -1..1: how much the pseudo-normal (slope of the blurred height) turns
    towards the light, from a near blur (creases at part borders) and a far one (the
    roundness of head and body). The far blur runs on block means and is upsampled,
    which costs a fraction of a full-resolution blur. occlusion, 0.46..1: darkening
    where the neighbourhood stands higher than the pixel (under the chin, the hairline).
    """
    near_r, block, far_r = _scales(size)
    h, w = height.shape
    lx, ly = light
    near = box_blur(height, near_r)
    facing = np.zeros_like(near)
    facing[:, 1:-1] = (near[:, :-2] - near[:, 2:]) * np.float32(0.4 * lx * 2 * near_r)
    facing[1:-1] += (near[:-2] - near[2:]) * np.float32(0.4 * ly * 2 * near_r)

    far_small = smooth(block_mean(height, block), far_r)
    far_facing = np.zeros_like(far_small)
    far_facing[:, 1:-1] = (far_small[:, :-2] - far_small[:, 2:]) * np.float32(0.6 * lx * far_r)
    far_facing[1:-1] += (far_small[:-2] - far_small[2:]) * np.float32(0.6 * ly * far_r)
    facing += upsample_blocks(far_facing, block, h, w)

    occlusion = upsample_blocks(far_small, block, h, w)
    occlusion -= height
    np.clip(occlusion, 0.0, 0.6, out=occlusion)
    occlusion *= -0.9
    occlusion += 1.0
    return facing, occlusion


TILE_SEED = 20240611  # the world's fixed noise tiles; a style's seed only picks where it looks


@lru_cache(maxsize=4)
def _noise_tiles(height: int, width: int) -> np.ndarray:
    """(5, 2H, 2W) float32 read-only tiles: broad, fine, grain, strands (about -1..1) and bokeh (0..1)."""
    rng = np.random.default_rng(TILE_SEED)
    th, tw, size = 2 * height, 2 * width, max(height, width)
    broad = value_noise(rng, th, tw, 8)
    fine = value_noise(rng, th, tw, max(8, size // 5))
    grain = rng.random((th, tw), dtype=np.float32) * 2 - 1
    # Hair strands: thin 1-D noise across x, bent by a slow warp so that they flow and curve.
    pad = size // 8
    cells = max(16, 2 * size // 3)
    line = interpolate_lattice(rng.uniform(-1, 1, cells + 1).astype(np.float32), tw + 2 * pad, 0)
    x, _ = pixel_grid(th, tw)
    warp = value_noise(rng, th, tw, 6) * np.float32(0.9 * pad)
    strands = line[np.clip((x + pad + warp).astype(np.int64), 0, tw + 2 * pad - 1)] * (0.75 + 0.25 * fine)
    bokeh = np.clip((value_noise(rng, th, tw, 14) - 0.3) * 3.0, 0.0, 1.0)
    tiles = np.stack([broad, fine, grain, strands, bokeh]).astype(np.float32)
    tiles.setflags(write=False)
    return tiles


def _noise_fields(seed: int, height: int, width: int, backdrop: str) -> list[np.ndarray | None]:
    """The style's noise fields (HxW views, see TEXTURE_CHANNELS; None: no backdrop pattern):
    windows of the world's tiles at offsets drawn from ``seed``, so they depend on the seed and
    the pixel position only."""
    tiles = _noise_tiles(height, width)
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, (height, width), size=(5, 2))
    fields = [tile[oy : oy + height, ox : ox + width] for tile, (oy, ox) in zip(tiles, offsets)]
    if backdrop == "stripes":
        period = max(height, width) * rng.uniform(0.06, 0.14)
        line = np.clip(np.sin(np.arange(width, dtype=np.float32) * np.float32(2 * math.pi / period)) * 3, -1, 1)
        fields[4] = np.broadcast_to(line, (height, width))
    elif backdrop == "plain":
        fields[4] = None
    return fields


def render(label: np.ndarray, style: Style) -> np.ndarray:
    """uint8 HxWx3 image of ``label`` (uint8 HxW, 0..18) in ``style``; same inputs, same bytes."""
    label = check_label_map(label)
    h, w = label.shape
    size = max(h, w)
    index = label.astype(np.intp)  # one conversion for all the per-class look-ups below
    noise = _noise_fields(style.seed, h, w, style.background_pattern)
    x, y = pixel_grid(h, w)

    # Colour planes (3, H, W): the class colour; the backdrop's colour ramps across the image.
    ramp = (x - w / 2) * np.float32(math.cos(style.ramp_angle) / size)
    ramp += (y - h / 2) * np.float32(math.sin(style.ramp_angle) / size)
    ramp += 0.5
    ramp *= label == Part.BACKGROUND
    colour = np.empty((3, h, w), np.float32)
    for c in range(3):
        np.take(style.colors[:, c], index, out=colour[c])
        colour[c] += ramp * style.backdrop_ramp[c]
    _paint_cloth_pattern(colour, label, style, x, y, size)
    eyes = _paint_eyes(colour, label, style, size)
    _paint_teeth(colour, label, style, size)
    _paint_nostrils(colour, label, size)
    _paint_glasses_frames(colour, label, style, max(1, round(size / 128)))

    brightness = np.ones((h, w), np.float32)
    for channel, field in enumerate(noise):
        amplitude = style.texture[:, channel]
        if field is not None and amplitude.any():
            brightness += np.take(amplitude, index) * field

    facing, occlusion = _relief(np.take(HEIGHT, index), style.light, size)
    shade = np.take(SHADED, index) * np.float32(style.relief)
    shade *= facing
    shade += 1.0
    brightness *= np.clip(shade, 0.35, 1.6)
    brightness *= occlusion
    colour *= brightness
    highlight = np.maximum(facing - 0.2, 0.0)
    highlight *= highlight
    highlight *= np.take(GLOSS, index) * np.float32(style.gloss * 255.0)
    colour += highlight
    if eyes is not None:
        _add_catchlights(colour, style, *eyes)

    colour = box_blur(colour, 1)  # soften the label map's staircase edges, as a lens would
    colour += noise[2] * np.float32(style.grain)
    colour += 0.5  # round, not truncate, in the cast below
    np.clip(colour, 0, 255, out=colour)
    image = np.empty((h, w, 3), np.uint8)
    for c in range(3):
        image[..., c] = colour[c]
    return image


def _paint_cloth_pattern(colour, label, style: Style, x, y, size: int) -> None:
    if style.cloth_pattern == "plain":
        return
    cloth = label == Part.CLOTH
    box = bounding_box(cloth)
    if box is None:
        return
    period = style.pattern_period * size
    cos, sin = math.cos(style.pattern_angle), math.sin(style.pattern_angle)
    along = np.sin((x[box] * cos + y[box] * sin) * np.float32(2 * math.pi / period))
    if style.cloth_pattern == "stripes":
        amount = np.clip(along * 3.0 + 0.5, 0.0, 1.0)
    else:
        across = np.sin((y[box] * cos - x[box] * sin) * np.float32(2 * math.pi / period))
        if style.cloth_pattern == "checks":
            amount = np.clip(along * across * 4.0, 0.0, 1.0)
        else:  # dots
            amount = np.clip((along * across - 0.55) * 6.0, 0.0, 1.0)
    amount *= cloth[box]
    delta = style.pattern_color - style.colors[Part.CLOTH]
    for c in range(3):
        colour[c][box] += amount * delta[c]


def _eye_box(label, size: int):
    eyes = (label == Part.L_EYE) | (label == Part.R_EYE)
    radius = max(1, round(size / 96))
    box = bounding_box(eyes, margin=3 * radius + 3)
    return None if box is None else (box, eyes[box], radius)


def _paint_eyes(colour, label, style: Style, size: int):
    """Iris and pupil where the eye is thickest; a dark lash line along the upper lid.
    Returns (box, eye mask, depth, radius) for the catchlights, or None without eyes."""
    found = _eye_box(label, size)
    if found is None:
        return None
    box, inside, radius = found
    depth = smooth(inside.astype(np.float32), radius)  # 1 deep inside an eye, falling off to its rim
    iris = inside & (depth > 0.55)
    pupil = inside & (depth > 0.8)
    lash = inside & ~shift(inside, max(1, round(size / 128)), 0)
    for c in range(3):
        plane = colour[c][box]
        plane[iris] = style.iris[c]
        plane[pupil] = style.iris[c] * 0.2
        plane[lash] *= 0.3
    return box, inside, depth, radius


def _add_catchlights(colour, style: Style, box, inside, depth, radius: int) -> None:
    """A small reflection of the light in each eye, off the pupil's centre towards the light."""
    step = radius // 2 + 1
    spot = inside & shift(depth > 0.95, round(style.light[1] * step), round(style.light[0] * step))
    for c in range(3):
        colour[c][box][spot] = 245.0


def _paint_nostrils(colour, label, size: int) -> None:
    """Darken the underside of the nose, where the nostrils are."""
    nose = label == Part.NOSE
    depth = max(1, round(size / 100))
    box = bounding_box(nose, margin=depth + 1)
    if box is None:
        return
    inside = nose[box]
    underside = inside & ~shift(inside, -depth, 0)
    for c in range(3):
        colour[c][box][underside] *= 0.78


def _paint_teeth(colour, label, style: Style, size: int) -> None:
    """Teeth in the open mouth just below the upper lip."""
    mouth = label == Part.MOUTH
    depth = max(1, round(size / 64))
    box = bounding_box(mouth, margin=depth + 1)
    if box is None:
        return
    upper = label[box] == Part.U_LIP
    below_lip = np.zeros_like(upper)
    for d in range(1, depth + 1):
        below_lip |= shift(upper, d, 0)
    teeth = mouth[box] & below_lip
    for c in range(3):
        colour[c][box][teeth] = style.teeth[c]


def _paint_glasses_frames(colour, label, style: Style, radius: int) -> None:
    """Frames along the outline of the glasses (the lens tint is the class colour itself)."""
    glasses = label == Part.EYE_G
    box = bounding_box(glasses, margin=radius + 1)
    if box is None:
        return
    sub = label[box]
    covered = (
        (sub == Part.EYE_G) | (sub == Part.L_EYE) | (sub == Part.R_EYE) | (sub == Part.L_BROW) | (sub == Part.R_BROW)
    )
    edge = glasses[box] & (box_blur(covered.astype(np.float32), radius) < 0.8)
    for c in range(3):
        colour[c][box][edge] = style.frame[c]
