"""The landmark parser on a real photo (scikit-image's astronaut), with mediapipe's own mesh as the reference.

Needs the `parsing` extra: skipped without it, failed without it when MASKGAN_REQUIRE_PARSING=1.
"""

import sys

import numpy as np
import pytest
from helpers import require_parsing_extra
from PIL import Image

from maskgan.labels import class_index
from maskgan.parsing import ParserError, load_parser


@pytest.fixture(scope="module")
def parser():
    require_parsing_extra()
    from maskgan.parsing.landmarks import LandmarkParser

    return LandmarkParser()


@pytest.fixture(scope="module")
def photo():
    require_parsing_extra()
    from maskgan.data.real_photos import load_astronaut

    return load_astronaut()


@pytest.fixture(scope="module")
def parsed(parser, photo):
    return parser.parse(photo)


@pytest.fixture(scope="module")
def mesh(photo):
    """mediapipe's 478 landmarks (x, y pixels) run directly on the whole photo: independent of the parser's window."""
    from mediapipe.python.solutions import face_mesh

    with face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True) as model:
        found = model.process(photo).multi_face_landmarks
    assert found, "mediapipe finds no face on the astronaut photo"
    return np.array([(p.x * photo.shape[1], p.y * photo.shape[0]) for p in found[0].landmark])


def _mesh_points(mesh, name):
    from mediapipe.python.solutions import face_mesh_connections

    return mesh[sorted({i for edge in getattr(face_mesh_connections, name) for i in edge})]


def _centroid(mask):
    ys, xs = np.nonzero(mask)
    assert len(xs), "the class is empty"
    return np.array([xs.mean(), ys.mean()])


def _labels(parsed, key):
    return parsed.labels == class_index(key)


def test_one_face_found_and_parsed_at_the_photos_size(parsed, photo):
    assert parsed.labels.shape == photo.shape[:2] and parsed.labels.dtype == np.uint8
    assert len(parsed.faces) == 1 and parsed.face_index == 0 and parsed.notes == []
    box = parsed.faces[0]
    assert 150 < box.left < box.right < 300 and 40 < box.top < box.bottom < 200  # the face, not the patch below


@pytest.mark.parametrize("key, mesh_name", [("l_eye", "FACEMESH_LEFT_EYE"), ("r_eye", "FACEMESH_RIGHT_EYE")])
def test_eyes_sit_on_the_mesh_eyes_inside_the_face_box(parsed, mesh, key, mesh_name):
    centre = _centroid(_labels(parsed, key))
    assert np.linalg.norm(centre - _mesh_points(mesh, mesh_name).mean(0)) < 3.0
    box = parsed.faces[0]
    assert box.left <= centre[0] < box.right and box.top <= centre[1] < box.bottom


def test_left_is_the_persons_left_as_in_celebamask_hq(parsed):
    # the astronaut faces the camera and the photo is not mirrored: her left eye is on the image's right
    assert _centroid(_labels(parsed, "l_eye"))[0] > _centroid(_labels(parsed, "r_eye"))[0] + 30
    assert _centroid(_labels(parsed, "l_brow"))[0] > _centroid(_labels(parsed, "r_brow"))[0] + 30


def test_brows_above_eyes_lips_below_nose(parsed):
    for side in ("l", "r"):
        assert _centroid(_labels(parsed, f"{side}_brow"))[1] < _centroid(_labels(parsed, f"{side}_eye"))[1] - 4
    nose, upper, mouth, lower = (_centroid(_labels(parsed, k))[1] for k in ("nose", "u_lip", "mouth", "l_lip"))
    assert nose < upper < mouth < lower


def test_skin_covers_most_of_the_face_oval(parsed, mesh):
    from scipy import ndimage

    from maskgan.parsing.face_regions import outline, polygon_mask
    from maskgan.parsing.landmarks import _mesh_parts

    # 2 px in from the outline: the parser's mesh (run on its window) and this one differ by about a pixel
    oval = ndimage.binary_erosion(
        polygon_mask(outline(mesh, _mesh_parts().face_oval), parsed.labels.shape), iterations=2
    )
    inside = parsed.labels[oval]
    assert np.mean(inside == class_index("skin")) > 0.7
    face = [class_index(k) for k in ("skin", "nose", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip")]
    assert np.isin(inside, face + [class_index("hair")]).all()  # no background or neck inside the face
    # the fringe covers the oval's top and hair its temples; below the eyes the oval is all face
    eye_y = max(_centroid(_labels(parsed, "l_eye"))[1], _centroid(_labels(parsed, "r_eye"))[1])
    below_eyes = oval.copy()
    below_eyes[: int(eye_y) + 1] = False
    assert np.isin(parsed.labels[below_eyes], face).all()


def test_hair_above_the_forehead(parsed, mesh):
    top = mesh[10]  # the oval's top, mid-forehead
    strip = parsed.labels[int(top[1]) - 30 : int(top[1]) - 8, int(top[0]) - 20 : int(top[0]) + 20]
    assert np.mean(strip == class_index("hair")) > 0.8
    assert not _labels(parsed, "hair")[300:].any()  # nothing on the spacesuit


def test_the_seen_classes_are_all_there_and_the_unseen_absent(parsed):
    present = {int(c) for c in np.unique(parsed.labels)}
    for key in (
        "background",
        "skin",
        "nose",
        "l_eye",
        "r_eye",
        "l_brow",
        "r_brow",
        "mouth",
        "u_lip",
        "l_lip",
        "hair",
        "neck",
    ):
        assert class_index(key) in present, key
    assert set(parsed.unseen) == {"eye_g", "hat", "ear_r", "neck_l", "cloth"}
    for key in parsed.unseen:
        assert class_index(key) not in present, key


def test_two_faces_largest_first_and_the_other_by_index(parser, photo):
    small = np.asarray(Image.fromarray(photo).resize((256, 256), Image.BILINEAR))
    canvas = np.full((512, 512 + 256, 3), 128, np.uint8)
    canvas[:, :512] = photo
    canvas[128:384, 512:] = small
    first = parser.parse(canvas)
    assert len(first.faces) == 2 and first.faces[0].area > 2 * first.faces[1].area
    assert first.faces[0].right <= 512 and first.faces[1].left >= 512
    assert any("2 faces" in note for note in first.notes)
    second = parser.parse(canvas, face=1)
    assert second.face_index == 1
    eyes = _labels(second, "l_eye") | _labels(second, "r_eye")
    assert eyes.any() and np.nonzero(eyes)[1].min() >= 512  # the small face's eyes, nothing on the big one
    with pytest.raises(ParserError, match="face 2 asked for, but 2 faces found"):
        parser.parse(canvas, face=2)


def test_a_blank_photo_says_no_face_was_found(parser):
    with pytest.raises(ParserError, match="no face found in the 320x240 photo"):
        parser.parse(np.full((240, 320, 3), 200, np.uint8))


def test_bad_input_is_named(parser):
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        parser.parse(np.zeros((64, 64), np.uint8))


def test_load_parser_gives_the_landmark_parser(parser):
    assert load_parser("landmarks").name == "landmarks"
    assert load_parser("auto").name == "landmarks"


def test_missing_mediapipe_names_the_install_command(monkeypatch):
    from maskgan.parsing.landmarks import landmarks_available

    for name in [n for n in sys.modules if n.split(".")[0] == "mediapipe"] + ["mediapipe"]:
        monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    problem = landmarks_available()
    assert problem and "make setup-parsing" in problem and "pip install --no-deps mediapipe==0.10.21" in problem
    with pytest.raises(ParserError, match="make setup-parsing"):
        load_parser("landmarks")


def test_missing_scikit_image_names_the_extra(monkeypatch):
    import importlib.util

    from maskgan.data.real_photos import astronaut_path

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"scikit-image is not installed.*make setup-parsing"):
        astronaut_path()


def test_mesh_edges_become_ordered_paths():
    from maskgan.parsing.landmarks import _paths

    ring = {(5, 7), (7, 9), (9, 5)}
    chains = {(1, 2), (2, 3), (10, 11)}
    assert [sorted(p) for p in _paths(ring)] == [[5, 7, 9]]
    found = _paths(chains)
    assert sorted(found, key=len) in ([(10, 11), (1, 2, 3)], [(10, 11), (3, 2, 1)])
    for path in _paths(ring) + found:  # consecutive vertices are joined by an edge
        edges = {frozenset(e) for e in ring | chains}
        assert all(frozenset(pair) in edges for pair in zip(path, path[1:]))
