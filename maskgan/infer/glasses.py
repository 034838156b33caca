"""New eyeglasses drawn on the photo itself: a crisp frame of exactly the painted shape at the photo's
resolution, shaded as a rounded rim lit from above, tinted lenses over the photo's own eyes,
and the frame's soft shadow on the skin.

A painted glasses mask (class eye_g, as in CelebAMask-HQ) is either solid lenses
(the dataset's convention: the lens area is eye_g, the eyes are drawn on top) with
thin bridge and temples, or rings drawn around the eyes. Solid lenses get a rim
of FRAME_SHARE of their height; painted rings are the frame as painted. Nothing of
the photo is regenerated: the eyes behind the lenses stay the photo's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from maskgan.core.tensors import image_to_levels, levels_to_image
from maskgan.infer.field_ops import gaussian_blur
from maskgan.labels import class_index

EYE_G = class_index("eye_g")
EYES = (class_index("l_eye"), class_index("r_eye"))
SKIN_LIKE = tuple(class_index(k) for k in ("skin", "nose", "l_ear", "r_ear", "l_brow", "r_brow"))
FRAME_SHARE = 0.06  # rim thickness of solid lenses, as a share of the lens height
RING_SHARE = 0.2  # painted rings: the holes (other than the eyes) are at least this share of the glasses' area
LIGHT = np.array([-0.35, -0.75, 0.56])  # from the upper left (x right, y down, z toward the viewer)
FILL_SIDE = 256  # hole filling runs on a grid no longer than this


@dataclass(frozen=True)
class GlassesLook:
    """Colours of the frame and lenses (uint8 RGB), and how strongly the lenses tint."""

    frame: tuple[int, int, int] = (38, 31, 28)
    tint: tuple[int, int, int] = (150, 168, 186)
    tint_strength: float = 0.12


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every region it encloses set (reconstruction of the outside from the border)."""
    height, width = mask.shape
    scale = min(1.0, FILL_SIDE / max(height, width))
    small_h, small_w = max(1, round(height * scale)), max(1, round(width * scale))
    wall = F.interpolate(torch.from_numpy(mask).float()[None, None], size=(small_h, small_w), mode="area")[0, 0] > 0.5
    outside = torch.zeros_like(wall)
    outside[0, :], outside[-1, :], outside[:, 0], outside[:, -1] = ~wall[0, :], ~wall[-1, :], ~wall[:, 0], ~wall[:, -1]
    while True:
        grown = F.max_pool2d(outside.float()[None, None], 3, 1, 1)[0, 0].bool() & ~wall
        if torch.equal(grown, outside):
            break
        outside = grown
    enclosed = F.interpolate((~outside).float()[None, None], size=(height, width), mode="nearest")[0, 0].bool().numpy()
    return mask | enclosed


CROSS = ((1, 0), (-1, 0), (0, 1), (0, -1))
SQUARE = CROSS + ((1, 1), (1, -1), (-1, 1), (-1, -1))


def _dilate_round(mask: np.ndarray, radius: int) -> np.ndarray:
    """Dilation by an octagon of ``radius`` (alternating cross and square steps): rims of even width on round lenses."""
    out = mask
    height, width = mask.shape
    for step in range(radius):
        grown = out.copy()
        for dy, dx in SQUARE if step % 2 else CROSS:
            grown[max(0, dy) : height + min(0, dy), max(0, dx) : width + min(0, dx)] |= out[
                max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)
            ]
        out = grown
    return out


def _erode_round(mask: np.ndarray, radius: int) -> np.ndarray:
    return ~_dilate_round(~mask, radius)


def _depth(mask: np.ndarray) -> int:
    """Largest radius an octagon erosion of ``mask`` survives (half its thickness, in pixels)."""
    radius, current = 0, mask
    while current.any():
        current = _erode_round(current, 1)
        radius += 1
    return radius


def glasses_parts(glasses: np.ndarray, eyes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frame, lenses) boolean masks of a painted glasses mask (and the eyes it surrounds)."""
    filled = _fill_holes(glasses)
    holes = filled & ~glasses
    if np.count_nonzero(holes & ~eyes) > RING_SHARE * np.count_nonzero(filled):
        return glasses, holes  # rings drawn around the eyes: the frame is what was painted
    half = _depth(filled)
    opening = max(1, half // 2)
    lenses = _dilate_round(_erode_round(filled, opening), opening) & filled  # bridge and temples are thinner: gone
    rim = lenses & ~_erode_round(lenses, max(1, round(FRAME_SHARE * 2 * half)))
    return (filled & ~lenses) | rim, lenses & ~rim


def draw_glasses(
    image: np.ndarray, labels: np.ndarray, glasses: np.ndarray, look: GlassesLook = GlassesLook()
) -> np.ndarray:
    """uint8 HxWx3: ``image`` (a window of the photo, with ``labels``) wearing the painted ``glasses``."""
    frame, lenses = glasses_parts(glasses, np.isin(labels, EYES))
    thickness = max(1.0, float(_depth(frame)))
    x = image_to_levels(image)
    frame_t = torch.from_numpy(frame).float()
    lenses_t = torch.from_numpy(lenses).float()
    # the frame's shadow on the skin: the frame moved down-right by its thickness, blurred
    shadow = gaussian_blur(torch.roll(frame_t, (round(thickness), round(thickness / 2)), (0, 1))[None], thickness)[0]
    skin = torch.from_numpy(np.isin(labels, SKIN_LIKE) & ~frame).float()
    x = x * (1 - 0.35 * shadow * skin)
    # lenses: a light tint, brighter toward the upper left as glass reflects the light above
    height, width = lenses.shape
    ys, xs = torch.meshgrid(torch.linspace(0, 1, height), torch.linspace(0, 1, width), indexing="ij")
    glare = (1 - (xs + ys) / 2).clamp(0, 1) ** 2 * 0.08
    coverage = gaussian_blur(lenses_t[None], 0.6)[0] * look.tint_strength
    tint = torch.tensor(look.tint, dtype=torch.float32).view(3, 1, 1)
    x = x * (1 - coverage) + tint * coverage + 255 * glare * lenses_t
    # the frame: a rounded rim (its blurred mask as a height), diffuse and specular light
    height_map = gaussian_blur(frame_t[None], 0.8 * thickness)[0]
    gy, gx = torch.gradient(height_map)
    normal = torch.stack([-gx * 2 * thickness, -gy * 2 * thickness, torch.ones_like(gx)])
    normal = normal / normal.norm(dim=0, keepdim=True)
    light = torch.tensor(LIGHT / np.linalg.norm(LIGHT), dtype=torch.float32).view(3, 1, 1)
    half_vector = light + torch.tensor([0.0, 0.0, 1.0]).view(3, 1, 1)
    half_vector = half_vector / half_vector.norm()
    diffuse = (normal * light).sum(0).clamp_min(0)
    specular = (normal * half_vector).sum(0).clamp_min(0) ** 24
    colour = torch.tensor(look.frame, dtype=torch.float32).view(3, 1, 1)
    shaded = colour * (0.45 + 0.8 * diffuse) + 190 * specular
    # opaque on the painted frame, a faint half-covered pixel outside it against stair-stepping
    alpha = (
        torch.maximum(frame_t, 0.5 * gaussian_blur(frame_t[None], 0.5)[0])
        * torch.from_numpy(_dilate_round(frame, 1)).float()
    )
    x = x * (1 - alpha) + shaded * alpha
    return levels_to_image(x)
