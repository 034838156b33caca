"""The identity score (dlib's 128-D face embedding) on the astronaut photo.

Needs the `parsing` extra: skipped without it, failed without it when MASKGAN_REQUIRE_PARSING=1.
"""

import io

import numpy as np
import pytest
from helpers import require_parsing_extra
from PIL import Image


@pytest.fixture(scope="module")
def photo():
    require_parsing_extra()
    from maskgan.data.real_photos import load_astronaut

    return load_astronaut()


@pytest.fixture(scope="module")
def embedder():
    require_parsing_extra()
    from maskgan.parsing.identity import shared_embedder

    return shared_embedder()


def test_embedding_is_128_finite_numbers(embedder, photo):
    embedding = embedder.embed(photo)
    assert embedding.shape == (128,) and np.isfinite(embedding).all() and np.abs(embedding).max() > 0


def test_the_face_is_chosen_over_the_face_like_mission_patch(embedder, photo):
    faces = embedder.faces(photo)
    assert faces[0].top < 150 and 150 < faces[0].left < faces[0].right < 300
    assert all(face.score < faces[0].score for face in faces[1:])


def test_same_photo_is_distance_zero(photo):
    from maskgan.parsing.identity import identity_distance

    assert identity_distance(photo, photo) < 1e-6


def test_shifted_and_recompressed_copies_stay_close(photo):
    from maskgan.parsing.identity import identity_distance

    shifted = np.roll(photo, 12, axis=1)
    assert identity_distance(photo, shifted) < 0.15
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=85)
    assert identity_distance(photo, np.asarray(Image.open(buffer))) < 0.15


def test_a_synthetic_face_is_another_person(photo):
    from maskgan.data.synthetic import sample
    from maskgan.parsing.identity import SAME_PERSON_THRESHOLD, identity_distance

    for seed in (20_000_000, 20_000_001):  # test-split faces that dlib detects
        assert identity_distance(photo, sample(seed, 256).image) > SAME_PERSON_THRESHOLD


def test_no_face_is_a_clear_error(embedder):
    from maskgan.parsing.identity import IdentityError

    with pytest.raises(IdentityError, match="no face found in the 200x100 photo"):
        embedder.embed(np.full((100, 200, 3), 90, np.uint8))


def test_a_given_box_skips_detection(embedder, photo):
    from maskgan.parsing import FaceBox

    found = embedder.faces(photo)[0]
    box = FaceBox(found.left + 2, found.top + 2, found.right + 2, found.bottom + 2)
    assert np.linalg.norm(embedder.embed(photo, box) - embedder.embed(photo)) < 0.1


def test_missing_models_name_the_extra(monkeypatch):
    import importlib.util

    from maskgan.parsing.identity import IdentityError, model_folder

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(IdentityError, match=r"not installed.*make setup-parsing"):
        model_folder()
