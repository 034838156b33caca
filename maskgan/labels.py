"""The 19 CelebAMask-HQ classes and every conversion between their representations.

Representations:
  label map     uint8 HxW, values 0..18 (the class index).
  colour mask   uint8 HxWx3 (or x4, alpha ignored) in the official demo palette.
  one-hot       float (B,19,H,W); channel c is (label == c), exactly as the official
                ``zeros(B,19,H,W).scatter_(1, label.long(), 1.0)``.
  class layers  one boolean HxW mask per class (the editors' per-class paint layers).

Overlap rule (``layers_to_label``): where several class layers cover a pixel, the
later class in the official order wins, as in the dataset's merge of part files.

This module needs only numpy (torch only when given a tensor), so that editor
plug-ins can vendor it next to the protocol client.
"""

from __future__ import annotations

import numpy as np

NUM_CLASSES = 19

# Official index order; these are also the part-file suffixes of CelebAMask-HQ.
CLASS_KEYS = (
    "background",
    "skin",
    "nose",
    "eye_g",
    "l_eye",
    "r_eye",
    "l_brow",
    "r_brow",
    "l_ear",
    "r_ear",
    "mouth",
    "u_lip",
    "l_lip",
    "hair",
    "hat",
    "ear_r",
    "neck_l",
    "neck",
    "cloth",
)

CLASS_NAMES = (
    "Background",
    "Skin",
    "Nose",
    "Eyeglasses",
    "Left eye",
    "Right eye",
    "Left eyebrow",
    "Right eyebrow",
    "Left ear",
    "Right ear",
    "Mouth (inside)",
    "Upper lip",
    "Lower lip",
    "Hair",
    "Hat",
    "Earring",
    "Necklace",
    "Neck",
    "Cloth",
)

# The official demo palette, index i is the colour of class i.
PALETTE = np.array(
    [
        (0, 0, 0),
        (204, 0, 0),
        (76, 153, 0),
        (204, 204, 0),
        (51, 51, 255),
        (204, 0, 204),
        (0, 255, 255),
        (51, 255, 255),
        (102, 51, 0),
        (255, 0, 0),
        (102, 204, 0),
        (255, 255, 0),
        (0, 0, 153),
        (0, 0, 204),
        (255, 51, 153),
        (0, 204, 204),
        (0, 51, 0),
        (255, 153, 51),
        (0, 204, 0),
    ],
    dtype=np.uint8,
)

# Default for ``color_to_label``: Euclidean RGB distance a painted colour may be from
# a palette colour (or from the blend line between two palette colours) and still
# count as that class. Covers JPEG noise (a few units per channel) and 8-bit
# rounding, and is below half the distance of the two closest palette colours
# (class 6 and 7 are 51 apart), so no colour is ambiguous between classes.
DEFAULT_COLOR_TOLERANCE = 24.0


def class_index(name: str) -> int:
    """Index of a class given its key ('l_eye') or display name ('Left eye')."""
    lowered = name.strip().lower()
    for i, (key, display) in enumerate(zip(CLASS_KEYS, CLASS_NAMES)):
        if lowered in (key, display.lower()):
            return i
    raise ValueError(f"unknown class {name!r}; known classes: {', '.join(CLASS_KEYS)}")


def check_label_map(label: np.ndarray) -> np.ndarray:
    """Return ``label`` as a uint8 HxW array, or raise naming what is wrong with it."""
    label = np.asarray(label)
    if label.ndim != 2:
        raise ValueError(f"a label map must be 2-D (HxW), got shape {label.shape}")
    if label.dtype.kind not in "ui":
        raise ValueError(f"a label map must hold integers 0..18, got dtype {label.dtype}")
    if label.size and (label.min() < 0 or label.max() >= NUM_CLASSES):
        bad = np.unique(label[(label < 0) | (label >= NUM_CLASSES)])
        raise ValueError(f"a label map must hold class indices 0..18; found {bad[:8].tolist()}")
    return label.astype(np.uint8, copy=False)


def label_to_color(label: np.ndarray) -> np.ndarray:
    """Colour mask (HxWx3 uint8) of a label map, in the official palette."""
    return PALETTE[check_label_map(label)]


class MaskColorError(ValueError):
    """A colour mask holds colours that are no class of the palette."""

    def __init__(self, offending: list[tuple[tuple[int, int, int], int]], total: int, tolerance: float):
        self.offending = offending  # [(rgb, pixel count)], most frequent first
        self.total = total
        self.tolerance = tolerance
        shown = ", ".join(f"RGB{rgb} x{count}" for rgb, count in offending[:6])
        more = f" and {len(offending) - 6} more" if len(offending) > 6 else ""
        colours = "colour" if len(offending) == 1 else "colours"
        super().__init__(
            f"the mask has {total} pixels in {len(offending)} {colours} that match no "
            f"class of the palette (colour tolerance {tolerance:g}): {shown}{more}. Paint masks "
            f"only with the 19 palette colours (hard brushes are safest; soft edges between "
            f"two painted classes are accepted)."
        )


def nearest_palette(colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest class and its distance for each colour (N,3)."""
    dist = np.linalg.norm(colors[:, None, :] - PALETTE.astype(np.float64)[None], axis=2)
    best = dist.argmin(1)
    return best, dist[np.arange(len(colors)), best]


def _nearest_blend(colors: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearer endpoint and distance of the closest blend a*(1-t) + b*t of two of ``classes``.

    A pixel on the anti-aliased edge between two painted classes is such a mix; it
    belongs to the class it is closer to.
    """
    if len(classes) < 2:
        return np.zeros(len(colors), np.int64), np.full(len(colors), np.inf)
    i, j = np.triu_indices(len(classes), k=1)
    a_idx, b_idx = classes[i], classes[j]
    a, b = PALETTE[a_idx].astype(np.float64), PALETTE[b_idx].astype(np.float64)
    ab = b - a
    c = colors[:, None, :]
    t = (((c - a[None]) * ab[None]).sum(2) / (ab * ab).sum(1)[None]).clip(0.0, 1.0)
    dist = np.linalg.norm(c - (a[None] + t[..., None] * ab[None]), axis=2)
    best = dist.argmin(1)
    rows = np.arange(len(colors))
    label = np.where(t[rows, best] < 0.5, a_idx[best], b_idx[best])
    return label, dist[rows, best]


def color_to_label(mask: np.ndarray, tolerance: float = DEFAULT_COLOR_TOLERANCE) -> np.ndarray:
    """Label map of a colour mask painted by a person.

    Each colour goes to the nearest palette colour when within ``tolerance``, else
    to the nearer end of the nearest blend of two palette colours present in the
    mask (anti-aliased and soft-brush edges) when within ``tolerance``; otherwise
    ``MaskColorError`` names the colours and their pixel counts.
    """
    mask = np.asarray(mask)
    if mask.ndim != 3 or mask.shape[2] not in (3, 4) or mask.dtype != np.uint8:
        raise ValueError(f"a colour mask must be uint8 HxWx3 (or x4), got {mask.dtype} {mask.shape}")
    rgb = mask[..., :3]
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    uniq, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    colors = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    colors = colors.astype(np.float64)
    label, distance = nearest_palette(colors)
    direct = distance <= tolerance
    # Blends only of classes that are painted in this mask, so that an arbitrary
    # colour is not excused as the mix of two classes that appear nowhere.
    present = np.unique(label[direct])
    blend_label, blend_distance = _nearest_blend(colors[~direct], present)
    label[~direct] = blend_label
    distance[~direct] = blend_distance
    far = distance > tolerance
    if far.any():
        order = np.argsort(-counts[far], kind="stable")
        offending = [(tuple(int(v) for v in colors[far][i]), int(counts[far][i])) for i in order]
        raise MaskColorError(offending, int(counts[far].sum()), tolerance)
    return label.astype(np.uint8)[inverse].reshape(packed.shape)


def one_hot(label):
    """One-hot of a label map batch, identical to the official ``scatter_`` one-hot.

    numpy (H,W) or (B,H,W) -> float32 (19,H,W) / (B,19,H,W); torch (B,1,H,W) or
    (B,H,W) of integers or integer-valued floats -> float32 (B,19,H,W).
    """
    if isinstance(label, np.ndarray):
        label = check_label_map(label) if label.ndim == 2 else label
        classes = np.arange(NUM_CLASSES).reshape(NUM_CLASSES, 1, 1)
        return (classes == label[..., None, :, :]).astype(np.float32)
    import torch

    if label.dim() == 3:
        label = label.unsqueeze(1)
    if label.dim() != 4 or label.shape[1] != 1:
        raise ValueError(f"expected labels of shape (B,1,H,W) or (B,H,W), got {tuple(label.shape)}")
    b, _, h, w = label.shape
    out = torch.zeros(b, NUM_CLASSES, h, w, dtype=torch.float32, device=label.device)
    return out.scatter_(1, label.long(), 1.0)


def label_to_layers(label: np.ndarray) -> list[np.ndarray]:
    """One boolean HxW mask per class (index = class), from a label map."""
    label = check_label_map(label)
    return [label == c for c in range(NUM_CLASSES)]


def layers_to_label(layers) -> np.ndarray:
    """Label map from per-class masks; where several cover a pixel the later class wins.

    ``layers`` maps class index (or key/name) to an HxW mask: bool, or an alpha
    channel (uint8, covered where >= 128). Classes not given are absent; pixels no
    layer covers are background.
    """
    items = layers.items() if isinstance(layers, dict) else enumerate(layers)
    resolved = []
    for key, layer in items:
        index = class_index(key) if isinstance(key, str) else int(key)
        if not 0 <= index < NUM_CLASSES:
            raise ValueError(f"class index {index} out of range 0..18")
        layer = np.asarray(layer)
        if layer.ndim != 2:
            raise ValueError(f"layer for class {CLASS_KEYS[index]} must be HxW, got {layer.shape}")
        resolved.append((index, layer if layer.dtype == bool else layer >= 128))
    if not resolved:
        raise ValueError("no class layers given")
    shapes = {layer.shape for _, layer in resolved}
    if len(shapes) != 1:
        raise ValueError(f"class layers differ in size: {sorted(shapes)}")
    label = np.zeros(shapes.pop(), dtype=np.uint8)
    for index, layer in sorted(resolved, key=lambda item: item[0]):
        label[layer] = index
    return label
