"""The five landmarks of CelebA (eyes, nose tip, mouth corners) of one face: from a face mesh, or from a mask.

Two sources, and the result says which one it came from:

* ``mesh``: the parsing extra's mediapipe face mesh (``LandmarkParser.five_points``):
  the eye centres are the means of the eye outlines, the mouth corners the lip
  points furthest out along the eye line, the nose tip the mesh's own;
* ``mask``: a label map alone (no extra needed): the eye centres are the centroids
  of the l_eye and r_eye classes, the mouth corners the pixels of the lips and mouth
  classes furthest out along the eye line, the nose tip the centroid of the lower
  third of the nose class.

Order and sides are CelebA's: the eye on the image's left first (the person's right
eye, r_eye, in a photo that is not mirrored), then the other, the nose, the mouth
corner on the image's left, the other. Coordinates are continuous photo
coordinates (pixel (c, r) covers [c, c+1) x [r, r+1)), as maskgan.infer.align wants.

Faces are numbered largest first, as the parsers number them. With a mask, the face
is the mask's (its face classes' connected regions, largest first); the mesh then
runs on the detected face that overlaps that region most, so the landmarks always
belong to the face the mask describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maskgan.core.framing import FACE_CLASSES
from maskgan.core.masks import mask_bounds
from maskgan.labels import class_index
from maskgan.parsing import ParserError
from maskgan.parsing.five_points import from_parts

SOURCES = ("auto", "mesh", "mask")
MESH, MASK = "face mesh (mediapipe, the parsing extra)", "mask"
L_EYE, R_EYE, NOSE = class_index("l_eye"), class_index("r_eye"), class_index("nose")
MOUTH_CLASSES = tuple(class_index(key) for key in ("u_lip", "l_lip", "mouth"))
COMPONENT_SIDE = 256  # the mask's faces are told apart on a grid at most this many cells across


class NoFace(ParserError):
    """No face to align (none found, or the face number asked for does not exist); the message says what to do."""


@dataclass(frozen=True)
class FivePoints:
    points: np.ndarray  # (5, 2) float64 x, y: left eye, right eye, nose tip, left and right mouth corner (image sides)
    source: str  # MESH or MASK
    faces: int  # how many faces the source found
    face: int  # which of them (0 = the largest)
    note: str = ""  # why the mask was used when the mesh was asked for ('' otherwise)


def _components(face: np.ndarray) -> tuple[np.ndarray, int]:
    """(labels, count): 4-connected regions of a small bool grid, numbered 1.. (0 = not set)."""
    height, width = face.shape
    big = height * width + 1
    labels = np.where(face, np.arange(1, height * width + 1).reshape(face.shape), big)
    while True:  # each set cell takes the smallest number among its set neighbours until nothing changes
        padded = np.pad(labels, 1, constant_values=big)
        smallest = np.minimum.reduce([labels, padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]])
        smallest = np.where(face, smallest, big)
        if np.array_equal(smallest, labels):
            break
        labels = smallest
    numbers, labels = np.unique(np.where(face, labels, 0), return_inverse=True)
    return labels.reshape(face.shape), len(numbers) - (numbers[0] == 0)


def mask_faces(mask: np.ndarray) -> list[np.ndarray]:
    """bool masks (the mask's size) of each face the label map shows, largest first. A face is a connected region
    of face classes (on a grid of at most COMPONENT_SIDE cells across) that holds both eyes and some mouth."""
    height, width = mask.shape
    cell = max(1, int(np.ceil(max(height, width) / COMPONENT_SIDE)))
    face = np.isin(mask, FACE_CLASSES)
    padded = np.pad(face, ((0, -height % cell), (0, -width % cell)))
    grid = padded.reshape(padded.shape[0] // cell, cell, padded.shape[1] // cell, cell).any((1, 3))
    labels, count = _components(grid)
    pixel_labels = np.repeat(np.repeat(labels, cell, 0), cell, 1)[:height, :width]
    faces = []
    for number in range(1, count + 1):
        region = (pixel_labels == number) & face
        classes = mask[region]
        if (classes == L_EYE).any() and (classes == R_EYE).any() and np.isin(classes, MOUTH_CLASSES).any():
            faces.append(region)
    return sorted(faces, key=lambda region: -int(region.sum()))


def _pixels(region: np.ndarray) -> np.ndarray:
    """(N, 2) x, y centres of a bool mask's set pixels."""
    rows, cols = np.nonzero(region)
    return np.stack([cols + 0.5, rows + 0.5], 1).astype(np.float64)


def points_from_mask(mask: np.ndarray, face: int = 0) -> FivePoints:
    """The five landmarks of face ``face`` (0 = the largest) of a label map; NoFace when there is none."""
    faces = mask_faces(mask)
    _check_face(face, len(faces), "the mask", "it needs the l_eye, r_eye and lip (or mouth) classes of a face")
    region = faces[face]
    right_eye, left_eye = _pixels(region & (mask == L_EYE)).mean(0), _pixels(region & (mask == R_EYE)).mean(0)
    if right_eye[0] < left_eye[0]:  # a mirrored photo, or classes swapped: sides are the image's
        left_eye, right_eye = right_eye, left_eye
    mouth = _pixels(region & np.isin(mask, MOUTH_CLASSES))
    nose = _pixels(region & (mask == NOSE))
    if len(nose):
        down = mouth.mean(0) - (left_eye + right_eye) / 2
        depth = nose @ down
        nose_tip = nose[depth >= np.quantile(depth, 2 / 3)].mean(0)
    else:  # the nose does not enter the square; between the eyes and the mouth is near enough
        nose_tip = ((left_eye + right_eye) / 2 + mouth.mean(0)) / 2
    return FivePoints(from_parts(left_eye, right_eye, nose_tip, mouth), MASK, len(faces), face)


def _check_face(face: int, count: int, where: str, hint: str) -> None:
    if count == 0:
        raise NoFace(f"no face found in {where}: {hint}")
    if not 0 <= face < count:
        raise NoFace(
            f"face {face} asked for, but {where} shows {count} face{'s' if count > 1 else ''} "
            f"(0 = the largest, up to {count - 1})"
        )


def _nearest(faces: list[np.ndarray], point: tuple[float, float]) -> int:
    """Index of the face whose bounds are nearest ``point`` (x, y); 0 when there is none (the caller's error)."""
    if not faces:
        return 0
    distances = []
    for region in faces:
        x0, y0, x1, y1 = mask_bounds(region)
        distances.append(np.hypot(max(x0 - point[0], 0, point[0] - x1), max(y0 - point[1], 0, point[1] - y1)))
    return int(np.argmin(distances))


def _overlap(box, region_bounds: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = region_bounds
    return max(0, min(box.right, x1) - max(box.left, x0)) * max(0, min(box.bottom, y1) - max(box.top, y0))


class FacePoints:
    """Finds five landmarks; holds the landmark parser (loaded on first use) so that repeated calls are fast.

    ``source``: "auto" (the mesh when the parsing extra is installed, else the mask),
    "mesh" (the extra is required) or "mask".
    """

    def __init__(self, source: str = "auto"):
        if source not in SOURCES:
            raise ValueError(f"unknown landmark source {source!r}; choose one of {', '.join(SOURCES)}")
        self.source = source
        self._parser = None
        self._mesh_problem: str | None = None

    def _mesh(self):
        """The landmark parser, or None (with the reason kept) when the parsing extra is missing."""
        if self._parser is None and self._mesh_problem is None:
            from maskgan.parsing.landmarks import LandmarkParser, landmarks_available

            self._mesh_problem = landmarks_available()
            if self._mesh_problem is None:
                self._parser = LandmarkParser()
        if self._parser is None and self.source == "mesh":
            raise ParserError(self._mesh_problem)
        return self._parser

    def find(
        self,
        image: np.ndarray | None,
        mask: np.ndarray | None = None,
        face: int = 0,
        near: tuple[float, float] | None = None,
    ) -> FivePoints:
        """Landmarks of face ``face`` (0 = the largest): the mask's face when a mask is given, else the photo's.
        With a mask and ``near`` (x, y), the mask's face nearest that point instead."""
        if mask is None and (self.source == "mask" or image is None):
            raise ValueError("landmarks from the mask need a mask; give one, or use the face mesh (parsing extra)")
        parser = self._mesh() if self.source != "mask" and image is not None else None
        if parser is None:
            if mask is None:
                raise ParserError(
                    f"finding a face without a mask needs the face mesh: {self._mesh_problem}; or give the face's mask"
                )
            return points_from_mask(mask, _nearest(mask_faces(mask), near) if near is not None else face)
        if mask is None:
            boxes = parser.detect(image)
            _check_face(
                face,
                len(boxes),
                f"the {image.shape[1]}x{image.shape[0]} photo",
                "the face detector needs a face seen from the front or half-profile, at least about 40 pixels wide",
            )
            chosen = face
        else:
            faces = mask_faces(mask)
            _check_face(face, len(faces), "the mask", "it needs the l_eye, r_eye and lip (or mouth) classes of a face")
            face = _nearest(faces, near) if near is not None else face
            bounds = mask_bounds(faces[face])
            boxes = parser.detect(image)
            overlaps = [_overlap(box, bounds) for box in boxes]
            if not overlaps or max(overlaps) == 0:
                return self._mask_instead(mask, face, "the face detector found no face where the mask's face is")
            chosen = int(np.argmax(overlaps))
        try:
            points = parser.five_points(image, boxes[chosen])
        except ParserError as error:
            if mask is None:
                raise
            return self._mask_instead(mask, face, str(error))
        return FivePoints(points, MESH, len(boxes), chosen)

    def _mask_instead(self, mask: np.ndarray, face: int, why: str) -> FivePoints:
        if self.source == "mesh":
            raise ParserError(f"no face mesh for the mask's face: {why}")
        found = points_from_mask(mask, face)
        return FivePoints(found.points, found.source, found.faces, found.face, note=f"{why}; used the mask")
