"""Identity score: dlib's 128-D face embedding, and the distance between two photos' faces.

The models come from the `parsing` extra: dlib (the dlib-bin wheel) runs them, and
face-recognition-models ships the weights: the ResNet face recogniser
(dlib_face_recognition_resnet_model_v1.dat) and the 5-point shape predictor that
aligns a face for it. Faces are found with dlib's HOG detector, and with its CNN
detector (mmod_human_face_detector.dat) when HOG finds none.

Distances are Euclidean between embeddings. dlib's usual rule: below
SAME_PERSON_THRESHOLD (0.6) two faces are the same person (99.38% on the LFW
benchmark); the same photo gives 0.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from pathlib import Path

import numpy as np

from maskgan.core.extras import PARSING_INSTALL
from maskgan.core.photo_checks import check_photo
from maskgan.parsing import FaceBox

SAME_PERSON_THRESHOLD = 0.6
MODEL_FILES = {
    "recogniser": "dlib_face_recognition_resnet_model_v1.dat",
    "shape": "shape_predictor_5_face_landmarks.dat",
    "cnn_detector": "mmod_human_face_detector.dat",
}


class IdentityError(ValueError):
    """No identity score for this photo (no face, models missing); the message says what to do."""


def model_folder() -> Path:
    """The folder of face-recognition-models' weights (found without importing the package: its
    ``__init__`` needs pkg_resources, which new setuptools no longer ships)."""
    spec = importlib.util.find_spec("face_recognition_models")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        models = Path(folder) / "models"
        if all((models / name).is_file() for name in MODEL_FILES.values()):
            return models
    raise IdentityError(
        f"the face embedding needs the weights of face-recognition-models "
        f"({'not installed' if not folders else 'files missing in ' + ', '.join(folders)}); "
        f"install the `parsing` extra: {PARSING_INSTALL}"
    )


class FaceEmbedder:
    def __init__(self):
        try:
            import dlib
        except ImportError as error:
            raise IdentityError(
                f"the face embedding needs dlib ({error}); install the `parsing` extra: {PARSING_INSTALL}"
            ) from error
        models = model_folder()
        self._hog = dlib.get_frontal_face_detector()
        self._cnn = dlib.cnn_face_detection_model_v1(str(models / MODEL_FILES["cnn_detector"]))
        self._shape = dlib.shape_predictor(str(models / MODEL_FILES["shape"]))
        self._recogniser = dlib.face_recognition_model_v1(str(models / MODEL_FILES["recogniser"]))
        self._rectangle = dlib.rectangle
        self._lock = threading.Lock()  # dlib's models are not documented as thread-safe

    def faces(self, image: np.ndarray) -> list[FaceBox]:
        """Faces in the photo, most confident first: HOG (upsampled once, for faces down to about 40 px), else the CNN.

        Most confident, not largest: HOG also fires weakly on face-like patterns (on the astronaut photo, the
        mission patch scores 0.12 against the face's 1.16, at the same size).
        """
        image = _checked(image)
        with self._lock:
            rectangles, scores, _ = self._hog.run(image, 1, 0.0)
            found = list(zip(rectangles, scores)) or [(d.rect, d.confidence) for d in self._cnn(image, 1)]
        boxes = [FaceBox(r.left(), r.top(), r.right() + 1, r.bottom() + 1, float(score)) for r, score in found]
        return sorted(boxes, key=lambda b: -b.score)

    def embed(self, image: np.ndarray, box: FaceBox | None = None) -> np.ndarray:
        """float64 (128,) embedding of the face in ``box`` (default: the most confident face found)."""
        image = _checked(image)
        if box is None:
            faces = self.faces(image)
            if not faces:
                raise IdentityError(
                    f"no face found in the {image.shape[1]}x{image.shape[0]} photo for the identity "
                    "score; pass the face's box if you know where it is"
                )
            box = faces[0]
        rectangle = self._rectangle(box.left, box.top, box.right - 1, box.bottom - 1)
        with self._lock:
            shape = self._shape(image, rectangle)
            return np.array(self._recogniser.compute_face_descriptor(image, shape))


def _checked(image) -> np.ndarray:
    image = np.asarray(image)
    check_photo(image)
    return np.ascontiguousarray(image)  # dlib reads the buffer directly


@functools.lru_cache(maxsize=1)
def shared_embedder() -> FaceEmbedder:
    """One embedder per process: loading the models takes about a second."""
    return FaceEmbedder()


def identity_distance(photo_a: np.ndarray, photo_b: np.ndarray) -> float:
    """L2 distance between the embeddings of the most confident face in each photo (< 0.6: the same person, by dlib's rule)."""
    embedder = shared_embedder()
    return float(np.linalg.norm(embedder.embed(photo_a) - embedder.embed(photo_b)))
