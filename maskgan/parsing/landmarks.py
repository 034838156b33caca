"""The landmark parser: real photos parsed with the models inside mediapipe 0.10.21 (the `parsing` extra).

For the chosen face (0 = the largest the face detector finds):
  1. a square window around it, WINDOW_SCALE face boxes wide (hair above, neck below),
     is shown to the models at WORK_SIDE pixels;
  2. the 478-point face mesh outlines the oval, eyes, brows, nose and lips, and the
     selfie segmenter gives the person mask;
  3. maskgan.parsing.face_regions turns those and the photo's colours into classes,
     at the photo's resolution (at most LABEL_SIDE pixels across the window).
Everything outside the window is background. What it cannot see (glasses, hats,
jewellery, clothes) is listed in ``unseen`` for the user to paint.

mediapipe's graphs are not safe to share between threads: one parser runs one
request at a time.
"""

from __future__ import annotations

import threading
from collections import defaultdict

import numpy as np
from PIL import Image

from maskgan.core.extras import PARSING_INSTALL
from maskgan.core.photo_checks import check_photo
from maskgan.parsing import FaceBox, ParserError, ParseResult
from maskgan.parsing.five_points import from_parts

MEDIAPIPE_VERSION = "0.10.21"  # the last release with the `solutions` API used here
UNSEEN = ("eye_g", "hat", "ear_r", "neck_l", "cloth")
WINDOW_SCALE = 3.0
WORK_SIDE = 512  # the models' own inputs are 128 to 256 pixels; more only costs time
DETECT_SIDE = 1024  # the detector looks at the photo scaled down to this (its input is 192 px)
LABEL_SIDE = 1536  # bounds the memory of the region step on huge photos; the editor works at <= 512 anyway
MIN_DETECTION_SCORE = 0.5
NOSE_TIP = 1  # the face mesh's landmark on the tip of the nose


def landmarks_available() -> str | None:
    """None when the landmark parser can run here, else what is missing and the command that installs it."""
    try:
        import scipy  # noqa: F401
        from mediapipe.python.solutions import face_detection, face_mesh, selfie_segmentation  # noqa: F401
    except ImportError as error:  # a missing runtime package of mediapipe also surfaces here
        return (
            f"the landmark parser needs mediapipe {MEDIAPIPE_VERSION} and the `parsing` extra "
            f"({error}); install them with: {PARSING_INSTALL}"
        )
    return None


def _paths(edges) -> tuple[tuple[int, ...], ...]:
    """The chains and rings that an undirected edge set forms, as vertex sequences (a ring does not repeat its start)."""
    neighbours = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    ends = sorted(vertex for vertex, near in neighbours.items() if len(near) == 1)
    seen, paths = set(), []
    for start in ends + sorted(neighbours):  # chains from an end, then what is left: rings
        if start in seen:
            continue
        path, current = [start], start
        seen.add(start)
        while nxt := [n for n in neighbours[current] if n not in seen]:
            current = nxt[0]
            path.append(current)
            seen.add(current)
        paths.append(tuple(path))
    return tuple(paths)


def _on(points: np.ndarray, paths) -> np.ndarray:
    """The points (N, 2) of every landmark on the paths, each once."""
    return points[sorted({i for path in paths for i in path})]


def _mesh_parts():
    """Which of mediapipe's 478 landmarks outline which class. mediapipe's LEFT is the person's left, as l_* is."""
    from mediapipe.python.solutions import face_mesh_connections as mesh

    from maskgan.parsing.face_regions import MeshParts

    lips = _paths(mesh.FACEMESH_LIPS)
    if len(lips) != 2:
        raise ParserError(
            f"this mediapipe's lip outline has {len(lips)} rings, not 2: install mediapipe=={MEDIAPIPE_VERSION}"
        )
    return MeshParts(
        face_oval=_paths(mesh.FACEMESH_FACE_OVAL),
        l_eye=_paths(mesh.FACEMESH_LEFT_EYE),
        r_eye=_paths(mesh.FACEMESH_RIGHT_EYE),
        l_brow=_paths(mesh.FACEMESH_LEFT_EYEBROW),
        r_brow=_paths(mesh.FACEMESH_RIGHT_EYEBROW),
        lips=lips,
        nose=tuple(sorted({i for edge in mesh.FACEMESH_NOSE for i in edge})),
    )


class LandmarkParser:
    name = "landmarks"
    unseen = UNSEEN

    def __init__(self):
        problem = landmarks_available()
        if problem:
            raise ParserError(problem)
        from mediapipe.python.solutions import face_detection, face_mesh, selfie_segmentation

        # full range: faces from close-ups to people a few metres away
        self._detector = face_detection.FaceDetection(model_selection=1, min_detection_confidence=MIN_DETECTION_SCORE)
        self._mesh = face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True)
        self._segmenter = selfie_segmentation.SelfieSegmentation(model_selection=0)
        self._parts = _mesh_parts()
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Every face in the photo, largest first (photo pixels)."""
        image = np.asarray(image)
        check_photo(image)
        height, width = image.shape[:2]
        scale = min(1.0, DETECT_SIDE / max(height, width))
        small = (
            image
            if scale == 1.0
            else np.asarray(
                Image.fromarray(image).resize(
                    (max(1, round(width * scale)), max(1, round(height * scale))), Image.BILINEAR
                )
            )
        )
        with self._lock:
            found = self._detector.process(np.ascontiguousarray(small)).detections or []
        boxes = []
        for detection in found:
            box = detection.location_data.relative_bounding_box
            left, top = max(0, int(box.xmin * width)), max(0, int(box.ymin * height))
            right = min(width, int(np.ceil((box.xmin + box.width) * width)))
            bottom = min(height, int(np.ceil((box.ymin + box.height) * height)))
            if right > left and bottom > top:
                boxes.append(FaceBox(left, top, right, bottom, float(detection.score[0])))
        return sorted(boxes, key=lambda b: -b.area)

    def parse(self, image: np.ndarray, face: int = 0) -> ParseResult:
        """Parse face number ``face`` (0 = the largest) of an HxWx3 uint8 RGB photo."""
        image = np.asarray(image)
        faces = self.detect(image)
        if not faces:
            raise ParserError(
                f"no face found in the {image.shape[1]}x{image.shape[0]} photo; the landmark parser needs a face "
                "seen from the front or half-profile, at least about 40 pixels wide"
            )
        if not 0 <= face < len(faces):
            raise ParserError(
                f"face {face} asked for, but {len(faces)} face{'s' if len(faces) > 1 else ''} found "
                f"(0 = the largest, up to {len(faces) - 1})"
            )
        labels = self._parse_face(image, faces[face], face)
        notes = [f"{len(faces)} faces found; parsed face {face} (0 = the largest)"] if len(faces) > 1 else []
        return ParseResult(labels, "landmark parser (mediapipe face mesh and person mask)", faces, face, UNSEEN, notes)

    @staticmethod
    def _window(image: np.ndarray, box: FaceBox) -> tuple[Image.Image, int, int, int]:
        """(window, x0, y0, side): the square around the face the models see, black where it leaves the photo."""
        side = max(8, round(WINDOW_SCALE * max(box.right - box.left, box.bottom - box.top)))
        x0 = round((box.left + box.right - side) / 2)
        y0 = round((box.top + box.bottom - side) / 2)
        return Image.fromarray(image).crop((x0, y0, x0 + side, y0 + side)), x0, y0, side

    @staticmethod
    def _no_mesh(box: FaceBox, index: int | None) -> ParserError:
        which = f"face {index}" if index is not None else "a face"
        return ParserError(
            f"{which} was found at {box.as_list()} but its landmarks were not: it may be turned too far, "
            "too small or covered. Try another face, or crop the photo around this one"
        )

    def five_points(self, image: np.ndarray, box: FaceBox) -> np.ndarray:
        """(5, 2) CelebA landmarks (maskgan.parsing.five_points) of the face in ``box``, in photo coordinates."""
        window, x0, y0, side = self._window(image, box)
        work = np.asarray(window.resize((WORK_SIDE, WORK_SIDE), Image.BILINEAR))
        with self._lock:
            meshes = self._mesh.process(work).multi_face_landmarks
        if not meshes:
            raise self._no_mesh(box, None)
        points = np.array([(p.x, p.y) for p in meshes[0].landmark]) * side + (x0, y0)
        parts = self._parts
        # mediapipe's left eye is the person's left: the eye on the image's right
        return from_parts(
            _on(points, parts.r_eye).mean(0),
            _on(points, parts.l_eye).mean(0),
            points[NOSE_TIP],
            _on(points, parts.lips),
        )

    def _parse_face(self, image: np.ndarray, box: FaceBox, index: int) -> np.ndarray:
        from maskgan.parsing.face_regions import face_labels

        height, width = image.shape[:2]
        window, x0, y0, side = self._window(image, box)
        work = np.asarray(window.resize((WORK_SIDE, WORK_SIDE), Image.BILINEAR))
        with self._lock:
            meshes = self._mesh.process(work).multi_face_landmarks
            person = self._segmenter.process(work).segmentation_mask
        if not meshes:
            raise self._no_mesh(box, index)
        label_side = min(side, LABEL_SIDE)
        points = np.array([(p.x, p.y) for p in meshes[0].landmark]) * label_side
        pixels = np.asarray(window if label_side == side else window.resize((label_side,) * 2, Image.BILINEAR))
        person = np.asarray(Image.fromarray(person.astype(np.float32)).resize((label_side,) * 2, Image.BILINEAR))
        window_labels = face_labels(pixels, person, points, self._parts)

        # back to the photo: the part of the window inside it, at the photo's resolution
        left, top, right, bottom = max(x0, 0), max(y0, 0), min(x0 + side, width), min(y0 + side, height)
        to_label = label_side / side
        inside = Image.fromarray(window_labels).resize(
            (right - left, bottom - top),
            Image.NEAREST,
            box=((left - x0) * to_label, (top - y0) * to_label, (right - x0) * to_label, (bottom - y0) * to_label),
        )
        labels = np.zeros((height, width), np.uint8)
        labels[top:bottom, left:right] = np.asarray(inside)
        return labels
