"""CelebA-HQ alignment on a real photo (scikit-image's astronaut), with landmarks from the face mesh, and `maskgan align`.

Needs the `parsing` extra: skipped without it, failed without it when MASKGAN_REQUIRE_PARSING=1.
"""

import numpy as np
import pytest
from drawn_faces import draw_face
from helpers import require_parsing_extra
from PIL import Image

from maskgan.infer import align
from maskgan.infer.face_points import MASK, MESH, FacePoints, NoFace
from maskgan_cli.main import main


@pytest.fixture(scope="module")
def points():
    require_parsing_extra()
    return FacePoints("mesh")


@pytest.fixture(scope="module")
def photo():
    require_parsing_extra()
    from maskgan.data.real_photos import load_astronaut

    return load_astronaut()


@pytest.fixture(scope="module")
def upright(points, photo):
    return align.AlignedSquare.from_landmarks(points.find(photo).points)


def test_the_astronaut_is_framed_as_celebahq_frames_faces(points, photo, upright):
    found = points.find(photo)
    assert found.source == MESH and (found.faces, found.face) == (1, 0)
    left_eye, right_eye = found.points[:2]
    assert left_eye[0] < right_eye[0]  # CelebA's order: the eye on the image's left first
    assert abs(upright.angle) < 5  # she holds her head almost level
    # her eye distance sets the side (2 * |eye_to_eye| > 1.8 * |eye_to_mouth|): a quarter of it
    assert np.hypot(*(right_eye - left_eye)) / upright.side == pytest.approx(0.25)


@pytest.mark.parametrize("angle", [-45, -20, 30, 45])
def test_a_turned_photo_gives_the_same_face_turned(points, photo, upright, angle):
    turned = np.asarray(Image.fromarray(photo).rotate(angle, Image.BICUBIC, expand=True, fillcolor=(128, 128, 128)))
    square = align.AlignedSquare.from_landmarks(points.find(turned).points)
    # PIL turns counter-clockwise on screen; the square's angle is clockwise (y points down)
    assert abs((square.angle - upright.angle + angle + 180) % 360 - 180) < 1.0
    assert square.side == pytest.approx(upright.side, rel=0.02)


def test_several_faces_in_a_photo(points, photo):
    group = np.full((900, 1300, 3), 128, np.uint8)
    group[50:562, 20:532] = photo
    group[400:784, 800:1184] = np.asarray(Image.fromarray(photo).resize((384, 384), Image.LANCZOS))
    first, second = (points.find(group, face=n) for n in (0, 1))
    assert (first.faces, second.faces, second.face) == (2, 2, 1)
    assert first.points[:, 0].max() < 532 and second.points[:, 0].min() > 800
    with pytest.raises(NoFace, match=r"face 2 asked for, but the 1300x900 photo shows 2 faces"):
        points.find(group, face=2)


def test_a_photo_without_a_face_is_a_clear_error(points):
    with pytest.raises(NoFace, match="no face found in the 300x200 photo: the face detector needs a face"):
        points.find(np.full((200, 300, 3), 128, np.uint8))


def test_a_mask_where_the_detector_finds_no_face_falls_back_to_the_mask_and_says_so(photo):
    mask = np.zeros(photo.shape[:2], np.uint8)
    draw_face(mask, 0, 0.5, (420, 420))  # a face drawn in the corner, where the photo shows none
    found = FacePoints("auto").find(photo, mask)
    assert found.source == MASK and "the face detector found no face where the mask's face is" in found.note


def test_align_command_writes_the_crop_and_its_mask(tmp_path, photo, upright, capsys):
    from maskgan.imageio import load_mask, save_mask
    from maskgan.parsing.landmarks import LandmarkParser

    Image.fromarray(photo).save(tmp_path / "photo.png")
    labels = LandmarkParser().parse(photo).labels
    save_mask(tmp_path / "mask.png", labels)
    code = main(
        [
            "align",
            "--image",
            str(tmp_path / "photo.png"),
            "--output",
            str(tmp_path / "crop.png"),
            "--size",
            "256",
            "--mask",
            str(tmp_path / "mask.png"),
            "--mask-output",
            str(tmp_path / "crop.mask.png"),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "aligned face 0 of 1, landmarks from the face mesh" in out
    crop = np.asarray(Image.open(tmp_path / "crop.png"))
    assert crop.shape == (256, 256, 3)
    assert np.array_equal(crop, align.crop_image(photo, upright, 256))
    assert np.array_equal(load_mask(tmp_path / "crop.mask.png"), align.crop_mask(labels, upright, 256))


def test_align_command_errors(tmp_path, capsys):
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(tmp_path / "blank.png")
    base = ["align", "--image", str(tmp_path / "blank.png"), "--output", str(tmp_path / "out.png")]
    assert main(base) == 2
    assert "maskgan align: error: no face found in the 64x64 photo" in capsys.readouterr().err
    assert main(base + ["--mask", str(tmp_path / "blank.png")]) == 2
    assert "--mask and --mask-output go together" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


def test_imported_official_weights_edit_an_aligned_face_and_keep_every_other_byte(tmp_path, official_reference, photo):
    """The official checkpoint's format (the shared reference's small weights), imported as `weights import-official`
    does: the Editor aligns the astronaut with the face mesh, and only the edit's region changes."""
    import torch

    from maskgan.infer import Editor
    from maskgan.labels import class_index
    from maskgan.official_import import import_official
    from maskgan.parsing.landmarks import LandmarkParser

    torch.save(official_reference["state_dict"], tmp_path / "latest_net_G.pth")
    import_official(tmp_path / "latest_net_G.pth", tmp_path / "official.safetensors")
    editor = Editor.load(tmp_path / "official.safetensors", device="cpu", precision="fp32")
    labels = LandmarkParser().parse(photo).labels
    edited = labels.copy()
    lips = np.isin(labels, [class_index("u_lip"), class_index("l_lip")])
    rows, cols = np.nonzero(lips)
    around = (slice(rows.min() - 3, rows.max() + 4), slice(cols.min() - 8, cols.max() + 9))
    edited[around][labels[around] == class_index("skin")] = class_index("u_lip")  # a wider mouth
    result = editor.edit(photo, labels, edited, method="generate")
    assert result.alignment.startswith("CelebA-HQ alignment from the face mesh")
    untouched = result.layer[..., 3] == 0
    assert 0.9 < untouched.mean() < 1 and not untouched[edited != labels].any()
    assert np.array_equal(result.image[untouched], photo[untouched])
