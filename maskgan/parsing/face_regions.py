"""One face's label map from its landmark mesh, a person mask and the photo's colours (numpy, PIL, scipy).

Everything happens in a window of the photo around the face: its RGB pixels, the
segmenter's person probability, and the mesh landmarks (x, y) in window pixels.
``MeshParts`` says which landmarks outline which part.

What comes from where:
  landmark outlines   skin (face oval), l_eye, r_eye, l_brow, r_brow, nose, u_lip, l_lip, mouth
  person mask+colour  hair (not skin-coloured, above the mouth: crown, sides, a fringe
                      over the forehead), skin beyond the oval (forehead up to the
                      hairline, temples), ears (skin-coloured, beside the face at eye to
                      nose height), neck (skin-coloured, under the jaw)
  never               eye_g, hat, ear_r, neck_l, cloth: glasses, hats and jewellery
                      have no landmarks and no colour of their own; clothes and the
                      rest of the body come out as background. A hat is labelled hair.

Left and right are the person's, as in CelebAMask-HQ: ``l_eye`` is the person's left
eye, on the image's right in a photo that is not mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from scipy.spatial import ConvexHull

from maskgan.labels import class_index

# A pixel is skin-coloured within this Mahalanobis distance (squared) of the face's
# colour; 16 is about the 99.9th percentile of a 3-D Gaussian, so shading on the
# face itself still counts while hair, clothes and the background do not.
SKIN_DISTANCE2 = 16.0
# The crown (above the oval's top by this many face heights) shows the hair's colour, or a bald head's skin.
CROWN_V = 1.1
MIN_CROWN_PIXELS = 30
# A crown whose mean colour is this close to the skin's (squared Mahalanobis) is a bald head. Blond hair on
# the astronaut photo is at 6.5: hair differs from skin mostly in brightness, which shading also changes.
BALD_DISTANCE2 = 3.0
# The neck is usually in the jaw's shadow: a looser colour test there, where the alternative is clothes.
NECK_DISTANCE2 = 40.0
# Hair, neck and ear patches smaller than this fraction of the face oval are noise.
MIN_PATCH = 0.004
# Where hair and the head's skin may be (u in face half-widths from the midline, v in
# face heights from the chin): an ellipse around the head, generous for big hair.
HEAD_CENTRE_V, HEAD_RADIUS_U, HEAD_RADIUS_V = 0.55, 2.2, 1.2
# Ears: beside the oval, out to this many half-widths, from brow height down to a little below the nose
# (the lobes), in face heights.
EAR_REACH_U = 1.4
EAR_BELOW_NOSE_V = 0.05
# Neck: under the jaw, this wide (half-widths) and down to this far below the chin.
NECK_HALF_WIDTH_U, NECK_DEPTH_V = 0.85, 0.7


IndexPath = tuple[int, ...]  # landmark indices along an outline


@dataclass(frozen=True)
class MeshParts:
    """Landmark index paths outlining each part; a part's paths join end to end into one closed outline."""

    face_oval: tuple[IndexPath, ...]
    l_eye: tuple[IndexPath, ...]  # the person's left eye
    r_eye: tuple[IndexPath, ...]
    l_brow: tuple[IndexPath, ...]  # the brow's upper and lower edge
    r_brow: tuple[IndexPath, ...]
    lips: tuple[IndexPath, IndexPath]  # two rings, the outer and the inner edge of the lips, in either order
    nose: IndexPath  # points; the nose is their convex hull


def outline(points: np.ndarray, paths: tuple[IndexPath, ...]) -> np.ndarray:
    """N x 2 points of one closed outline: the paths joined, each turned to start near the previous one's end."""
    joined = [points[list(paths[0])]]
    for path in paths[1:]:
        xy = points[list(path)]
        end = joined[-1][-1]
        joined.append(xy if np.linalg.norm(xy[0] - end) <= np.linalg.norm(xy[-1] - end) else xy[::-1])
    return np.concatenate(joined)


def _area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


@dataclass(frozen=True)
class FaceFrame:
    """Face-aligned coordinates: u across (half-widths from the midline), v up (face heights from the chin)."""

    chin: np.ndarray  # (x, y) of the lowest oval point
    up: np.ndarray  # unit vector from the mouth towards the eyes
    right: np.ndarray  # unit vector across the face, towards the image's right when upright
    height: float  # chin to the top of the oval, pixels
    mid_u: float  # the midline, in pixels along ``right`` from the chin
    half_width: float  # pixels

    @classmethod
    def of(cls, oval: np.ndarray, eyes: np.ndarray, mouth: np.ndarray) -> "FaceFrame":
        """The frame of a face from its oval, and the centres of its eyes and mouth."""
        up = (eyes - mouth) / max(float(np.linalg.norm(eyes - mouth)), 1e-6)
        right = np.array([-up[1], up[0]])
        along_up, across = oval @ up, oval @ right
        chin = oval[int(along_up.argmin())]
        height = float(along_up.max() - along_up.min())
        chin_u = float(chin @ right)
        mid = (float(across.max()) + float(across.min())) / 2 - chin_u
        return cls(chin, up, right, max(height, 1.0), mid, max(float(across.max() - across.min()) / 2, 1.0))

    def uv(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = x - self.chin[0], y - self.chin[1]
        u = (dx * self.right[0] + dy * self.right[1] - self.mid_u) / self.half_width
        v = (dx * self.up[0] + dy * self.up[1]) / self.height
        return u, v

    def v_of(self, points: np.ndarray) -> float:
        return float(self.uv(points[:, 0], points[:, 1])[1].mean())


def polygon_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """bool HxW: the filled polygon (outline included) through ``points`` (N x 2, x y)."""
    canvas = Image.new("L", (shape[1], shape[0]), 0)
    ImageDraw.Draw(canvas).polygon([(float(x), float(y)) for x, y in points], fill=1, outline=1)
    return np.asarray(canvas, bool)


def _lip_halves(xy: np.ndarray, frame: FaceFrame) -> tuple[np.ndarray, np.ndarray]:
    """The (upper, lower) halves of a lip ring, each running corner to corner."""
    u, v = frame.uv(xy[:, 0], xy[:, 1])
    a, b = sorted((int(u.argmin()), int(u.argmax())))
    first, second = xy[a : b + 1], np.concatenate([xy[b:], xy[: a + 1]])
    first_v = frame.v_of(first[1:-1]) if len(first) > 2 else -np.inf
    second_v = frame.v_of(second[1:-1]) if len(second) > 2 else -np.inf
    return (first, second) if first_v >= second_v else (second, first)


def _lip_masks(outer: np.ndarray, inner: np.ndarray, frame: FaceFrame, shape) -> dict[str, np.ndarray]:
    """u_lip, l_lip (between the outer and inner rings) and mouth (inside the inner ring)."""
    outer_up, outer_low = _lip_halves(outer, frame)
    inner_up, inner_low = _lip_halves(inner, frame)

    def same_direction(path, like):  # both halves start at the same mouth corner
        return path if np.linalg.norm(path[0] - like[0]) <= np.linalg.norm(path[-1] - like[0]) else path[::-1]

    inner_up, inner_low = same_direction(inner_up, outer_up), same_direction(inner_low, outer_low)
    mouth = polygon_mask(np.concatenate([inner_up, inner_low[::-1]]), shape)
    upper = polygon_mask(np.concatenate([outer_up, inner_up[::-1]]), shape) & ~mouth
    lower = polygon_mask(np.concatenate([outer_low, inner_low[::-1]]), shape) & ~mouth & ~upper
    return {"u_lip": upper, "l_lip": lower, "mouth": mouth}


@dataclass(frozen=True)
class ColourModel:
    """A Gaussian over YCbCr colours, fitted to sample pixels (trimmed: highlights and strays pull the mean otherwise)."""

    mean: np.ndarray
    inverse: np.ndarray
    log_det: float

    @classmethod
    def fit(cls, ycc: np.ndarray) -> "ColourModel":
        values = ycc
        for _ in range(2):  # refit on the closest 90%
            mean = values.mean(0)
            cov = np.cov(values, rowvar=False) + np.diag(
                [16.0, 4.0, 4.0]
            )  # floor: flat synthetic colours have no spread
            model = cls(mean, np.linalg.inv(cov), float(np.linalg.slogdet(cov)[1]))
            distance = model.distance2(values)
            values = values[distance <= np.quantile(distance, 0.9)]
        return model

    def distance2(self, ycc: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of each colour (..., 3)."""
        centred = ycc - self.mean
        return np.einsum("...i,ij,...j->...", centred, self.inverse, centred)

    def cost(self, ycc: np.ndarray) -> np.ndarray:
        """Negative log-likelihood up to a shared constant: comparable between two models."""
        return self.distance2(ycc) + self.log_det


def _skin_colours(ycc: np.ndarray, skin_sample: np.ndarray, crown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance2 to the skin's colour, skin beats hair) per pixel; the second is all True on a bald crown."""
    skin = ColourModel.fit(ycc[skin_sample])
    distance = skin.distance2(ycc)
    if crown.sum() >= MIN_CROWN_PIXELS:
        hair = ColourModel.fit(ycc[crown])
        if skin.distance2(hair.mean) > BALD_DISTANCE2:  # hair on the crown: a pixel is skin only if more like skin
            return distance, skin.cost(ycc) < hair.cost(ycc)
    return distance, np.ones(distance.shape, bool)


def _ycbcr(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    return np.stack(
        [
            0.299 * r + 0.587 * g + 0.114 * b,
            -0.168736 * r - 0.331264 * g + 0.5 * b,
            0.5 * r - 0.418688 * g - 0.081312 * b,
        ],
        axis=-1,
    )


def _touching(mask: np.ndarray, anchor: np.ndarray, min_size: int) -> np.ndarray:
    """The connected parts of ``mask`` that overlap ``anchor`` and have at least ``min_size`` pixels."""
    components, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    anchored = np.bincount(components[anchor].ravel(), minlength=count + 1) > 0
    keep = anchored & (sizes >= min_size)
    keep[0] = False
    return keep[components]


def face_labels(pixels: np.ndarray, person: np.ndarray, points: np.ndarray, parts: MeshParts) -> np.ndarray:
    """uint8 HxW label map of the window: ``pixels`` HxWx3 uint8, ``person`` HxW probability, ``points`` N x 2 (x, y)."""
    shape = pixels.shape[:2]
    rings = {key: outline(points, getattr(parts, key)) for key in ("face_oval", "l_eye", "r_eye", "l_brow", "r_brow")}
    inner, outer = sorted((outline(points, (ring,)) for ring in parts.lips), key=_area)
    frame = FaceFrame.of(rings["face_oval"], np.concatenate([rings["l_eye"], rings["r_eye"]]).mean(0), outer.mean(0))
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    u, v = frame.uv(xs.astype(np.float64), ys.astype(np.float64))

    face = polygon_mask(rings["face_oval"], shape)
    features = {key: polygon_mask(rings[key], shape) for key in ("l_eye", "r_eye", "l_brow", "r_brow")}
    nose_points = points[list(parts.nose)]
    features["nose"] = polygon_mask(nose_points[ConvexHull(nose_points).vertices], shape)
    features.update(_lip_masks(outer, inner, frame, shape))

    brow_v = min(frame.v_of(rings["l_brow"]), frame.v_of(rings["r_brow"]))
    mouth_v = frame.v_of(outer)
    nose_v = float(frame.uv(nose_points[:, 0], nose_points[:, 1])[1].min())

    any_feature = np.logical_or.reduce(list(features.values()))
    head = (u / HEAD_RADIUS_U) ** 2 + ((v - HEAD_CENTRE_V) / HEAD_RADIUS_V) ** 2 <= 1.0
    # the person nearest the face: the segmenter may also find other people in the window
    body = _touching(person >= 0.5, face, 1)
    beside_head = body & head & ~face & (v >= mouth_v)
    ycc = _ycbcr(pixels)
    cheeks = face & ~any_feature & (v < brow_v)  # below the brows: no fringe can fall there
    skin_distance, not_hair = _skin_colours(
        ycc, cheeks if cheeks.sum() >= 20 else face, beside_head & (v > CROWN_V) & (np.abs(u) < 1)
    )
    skin_like = (skin_distance <= SKIN_DISTANCE2) & not_hair

    min_patch = max(4, int(MIN_PATCH * face.sum()))
    ear_zone = beside_head & (np.abs(u) <= EAR_REACH_U) & (v >= nose_v - EAR_BELOW_NOSE_V) & (v <= brow_v)
    under_jaw = (np.abs(u) <= NECK_HALF_WIDTH_U) & (v < mouth_v) & (v >= -NECK_DEPTH_V)
    neck = body & ~face & under_jaw & (skin_distance <= NECK_DISTANCE2)
    skin = _touching(face | (beside_head & skin_like & ~ear_zone), face, 1)
    # skin-coloured patches apart from the face's skin (highlights in blond hair) are hair too
    hair_candidates = ((beside_head & ~skin) | (face & (v > brow_v) & ~skin_like)) & ~any_feature
    hair = _touching(hair_candidates, beside_head & ~skin_like, min_patch)  # a fringe continues hair outside the oval

    labels = np.zeros(shape, np.uint8)
    labels[skin] = class_index("skin")
    labels[hair] = class_index("hair")
    beside_skin = ndimage.binary_dilation(skin, iterations=2)  # ears and neck adjoin the face's skin
    labels[_touching(neck, beside_skin, min_patch)] = class_index("neck")
    left_eye = rings["l_eye"].mean(0)
    left_sign = 1.0 if frame.uv(left_eye[:1], left_eye[1:])[0][0] > 0 else -1.0  # u's sign on the person's left
    for key, sign in (("l_ear", left_sign), ("r_ear", -left_sign)):
        labels[_touching(ear_zone & skin_like & (sign * u > 0), beside_skin, min_patch)] = class_index(key)
    for key in ("nose", "l_eye", "r_eye", "l_brow", "r_brow", "u_lip", "l_lip", "mouth"):
        labels[features[key]] = class_index(key)
    return labels
