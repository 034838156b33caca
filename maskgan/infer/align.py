"""CelebA-HQ alignment: the oriented square CelebAMask-HQ's photos were cut with, its warps, and the paste-back.

CelebAMask-HQ's images are CelebA-HQ crops (Karras et al. 2018, ``create_celebahq``
in progressive_growing_of_gans' dataset_tool.py). Each is an oriented square set by
five landmarks; with ``eye_avg`` the eyes' midpoint, ``eye_to_eye`` from the eye on
the image's left to the other, and ``eye_to_mouth`` from ``eye_avg`` to the mouth
corners' midpoint:

  centre     eye_avg + 0.1 * eye_to_mouth
  half side  max(2.0 * |eye_to_eye|, 1.8 * |eye_to_mouth|)
  x axis     eye_to_eye - rot90(eye_to_mouth), normalised (rot90 turns the image's x axis onto its y axis)

so the face is upright, the eyes at the same height, whatever the photo's tilt.
Where the square leaves the photo, the photo is reflected across its border, blurred
more the further out, and faded to its median colour (as the dataset's were).
Landmarks are in continuous photo coordinates: pixel (column c, row r) covers
[c, c+1) x [r, r+1). (The dataset tool adds 0.5 to CelebA's integer landmarks for
the same convention.)

The photo is resampled bilinearly at twice the output size, then reduced with an
antialiasing filter (the dataset tool does the same at four times); masks are
resampled with nearest neighbour, so every pixel keeps a valid class. The
generated square goes back through the inverse transform (bicubic), and only the
changed region is pasted, feathered, through ``crop.paste_rendered``: every other
pixel keeps its bytes.

The functions ``crop_image``, ``crop_mask`` and ``paste_back`` take either a
``crop.Box`` (the axis-aligned framing of weights trained elsewhere) or an
``AlignedSquare``, so the Editor calls one API for both framings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageFilter

from maskgan.core.photo_checks import check_photo
from maskgan.infer import crop

SUPERSAMPLE = 2  # the photo is warped at this many times the output size, then reduced (antialiasing)
BORDER = 0.1  # margin around the square, in sides, that the warp reads from the photo
PAD_MIN = 0.3  # where the square leaves the photo, every side is padded by at least this many sides
PAD_BLUR = 0.02  # sigma of the blur of the padding, in sides
PAD_BLUR_REACH = 3.0  # the blur reaches 1/PAD_BLUR_REACH of the padding's width into the photo


def rot90(v: np.ndarray) -> np.ndarray:
    """``v`` turned by +90 degrees in image coordinates (y down): the x axis onto the y axis."""
    return np.array([-v[1], v[0]], np.float64)


@dataclass(frozen=True)
class AlignedSquare:
    """An oriented square of the photo: its centre and its x half-axis (half the side long), in photo pixels."""

    center: tuple[float, float]
    half_axis: tuple[float, float]
    note: str = field(default="", compare=False)  # how it was found, for the user (describe)

    @classmethod
    def from_landmarks(cls, points) -> "AlignedSquare":
        """The CelebA-HQ square of five landmarks (x, y): left eye, right eye, nose, left and right mouth corner
        (left and right as seen in the image). The nose does not enter the square."""
        p = np.asarray(points, np.float64).reshape(5, 2)
        eye_avg = (p[0] + p[1]) / 2
        eye_to_eye = p[1] - p[0]
        eye_to_mouth = (p[3] + p[4]) / 2 - eye_avg
        axis = eye_to_eye - rot90(eye_to_mouth)
        length = np.hypot(*axis)
        if length == 0 or not np.isfinite(length):
            raise ValueError(
                f"the landmarks do not define a face: eyes at {p[0].tolist()} and {p[1].tolist()}, "
                f"mouth corners at {p[3].tolist()} and {p[4].tolist()}"
            )
        half = max(2.0 * np.hypot(*eye_to_eye), 1.8 * np.hypot(*eye_to_mouth))
        center = eye_avg + 0.1 * eye_to_mouth
        return cls(tuple(center.tolist()), tuple((axis / length * half).tolist()))

    @property
    def side(self) -> float:
        """The side in photo pixels."""
        return 2 * float(np.hypot(*self.half_axis))

    @property
    def angle(self) -> float:
        """Degrees the square's x axis turns from the photo's (clockwise on screen, as y points down)."""
        return float(np.degrees(np.arctan2(self.half_axis[1], self.half_axis[0])))

    def corners_xy(self) -> np.ndarray:
        """(4, 2) photo coordinates of the square's top-left, top-right, bottom-right and bottom-left corners."""
        c, x = np.array(self.center), np.array(self.half_axis)
        y = rot90(x)
        return np.stack([c - x - y, c + x - y, c + x + y, c - x + y])

    def to_square(self, xy: np.ndarray, size: int) -> np.ndarray:
        """Photo coordinates (N, 2) -> coordinates in the size x size aligned square."""
        x = np.array(self.half_axis)
        y = rot90(x)
        offset = np.asarray(xy, np.float64) - self.corners_xy()[0]
        scale = size / (2 * (x @ x))
        return np.stack([offset @ x * scale, offset @ y * scale], axis=-1)

    def to_photo(self, uv: np.ndarray, size: int) -> np.ndarray:
        """Coordinates (N, 2) in the size x size aligned square -> photo coordinates."""
        x = np.array(self.half_axis)
        uv = np.asarray(uv, np.float64) / size
        return self.corners_xy()[0] + uv[..., :1] * 2 * x + uv[..., 1:] * 2 * rot90(x)

    def bounding_box(self) -> crop.Box:
        """The photo's axis-aligned square holding this one (a turned square's bounds are square)."""
        corners = self.corners_xy()
        x0, y0 = np.floor(corners.min(0)).astype(int)
        x1, y1 = np.ceil(corners.max(0)).astype(int)
        return crop.Box(int(x0), int(y0), int(max(x1 - x0, y1 - y0)))

    def corners(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the bounding box, in photo pixels (as crop.Box.corners)."""
        return self.bounding_box().corners()

    def holding(self, mask: np.ndarray) -> "AlignedSquare":
        """This square, grown about its centre where needed to hold every set pixel of ``mask`` (same turn)."""
        rows, cols = np.nonzero(mask)
        if not rows.size:
            return self
        # each pixel's four corners, in units of the half side from the centre along the square's axes
        corners = np.concatenate([np.stack([cols + dx, rows + dy], 1) for dx in (0, 1) for dy in (0, 1)])
        reach = np.abs(self.to_square(corners, 2) - 1).max()
        if reach <= 1:
            return self
        return replace(self, half_axis=tuple((np.array(self.half_axis) * reach).tolist()))

    def describe(self) -> str:
        return (
            f"a {self.side:.0f} px square at ({self.center[0]:.0f}, {self.center[1]:.0f}) turned {self.angle:+.1f} deg"
        )


# --- photo -> square ---------------------------------------------------------------------------------


def _window(square: AlignedSquare, height: int, width: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the part of the photo the warp reads, the square's bounds grown by BORDER, in the photo."""
    border = max(int(round(BORDER * square.side)), 3)
    x0, y0, x1, y1 = square.corners()
    return max(x0 - border, 0), max(y0 - border, 0), min(x1 + border, width), min(y1 + border, height)


def _pad_fading(pixels: np.ndarray, pad: tuple[int, int, int, int], side: float) -> np.ndarray:
    """``pixels`` reflected across its borders by pad (left, top, right, bottom), blurred more the further out
    and faded to its median colour at the outer edge: the dataset's look where a face met the photo's border."""
    left, top, right, bottom = pad
    padded = np.pad(pixels.astype(np.float32), ((top, bottom), (left, right), (0, 0)), mode="reflect")
    height, width = padded.shape[:2]
    xs, ys = np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    # 1 at the outer edge, 0 at the photo's border, negative inside the photo
    inside_x = np.minimum(xs / max(left, 1), (width - 1 - xs) / max(right, 1))
    inside_y = np.minimum(ys / max(top, 1), (height - 1 - ys) / max(bottom, 1))
    outward = 1.0 - np.minimum(inside_x[None, :], inside_y[:, None])[..., None]
    blurred = np.asarray(
        Image.fromarray(np.uint8(np.clip(np.rint(padded), 0, 255))).filter(ImageFilter.GaussianBlur(PAD_BLUR * side)),
        np.float32,
    )
    padded += (blurred - padded) * np.clip(outward * PAD_BLUR_REACH + 1.0, 0.0, 1.0)
    padded += (np.median(padded, axis=(0, 1)) - padded) * np.clip(outward, 0.0, 1.0)
    return np.uint8(np.clip(np.rint(padded), 0, 255))


def _affine_from_square(
    square: AlignedSquare, size: int, origin: tuple[float, float], scale: tuple[float, float]
) -> tuple[float, ...]:
    """PIL AFFINE data taking a size x size output pixel to the source image that holds the photo's pixels
    from ``origin`` on, scaled by ``scale`` (x, y)."""
    top_left = square.corners_xy()[0]
    x = np.array(square.half_axis) * 2 / size
    y = rot90(np.array(square.half_axis)) * 2 / size
    sx, sy = scale
    return (x[0] * sx, y[0] * sx, (top_left[0] - origin[0]) * sx, x[1] * sy, y[1] * sy, (top_left[1] - origin[1]) * sy)


def _warp(array: np.ndarray, square: AlignedSquare, size: int, photo: bool) -> np.ndarray:
    """The square of a photo (photo=True: padded, supersampled, bilinear) or of a label map (nearest), size x size."""
    height, width = array.shape[:2]
    x0, y0, x1, y1 = _window(square, height, width)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"{square.describe()} lies outside the {width}x{height} photo")
    window = array[y0:y1, x0:x1]
    scale = (1.0, 1.0)
    work = size * SUPERSAMPLE if photo else size
    if photo and square.side > work:  # reduce first (antialiased) so the warp never skips photo pixels
        factor = work / square.side
        shape = (max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor)))
        window = np.asarray(Image.fromarray(window).resize(shape, Image.BICUBIC, reducing_gap=3.0))
        scale = (shape[0] / (x1 - x0), shape[1] / (y1 - y0))
    # padding where the square (with its border) leaves the photo, in the window's pixels
    border = max(int(round(BORDER * square.side)), 3)
    corners = square.corners_xy()
    reach = np.concatenate([np.floor(corners.min(0)) - border, np.ceil(corners.max(0)) + border])
    pad = [
        max(0, int(np.ceil((x0 - reach[0]) * scale[0]))),
        max(0, int(np.ceil((y0 - reach[1]) * scale[1]))),
        max(0, int(np.ceil((reach[2] - x1) * scale[0]))),
        max(0, int(np.ceil((reach[3] - y1) * scale[1]))),
    ]
    if max(pad) > border * scale[0] - 4:  # the square itself reaches the photo's border: pad (as the dataset tool)
        scaled_side = square.side * scale[0]
        if photo:
            pad = [max(p, int(round(PAD_MIN * scaled_side))) for p in pad]
            window = _pad_fading(window, tuple(pad), scaled_side)
        else:
            window = np.pad(window, ((pad[1], pad[3]), (pad[0], pad[2])), mode="reflect")
    else:
        pad = [0, 0, 0, 0]
    origin = (x0 - pad[0] / scale[0], y0 - pad[1] / scale[1])
    data = _affine_from_square(square, work, origin, scale)
    warped = Image.fromarray(window).transform(
        (work, work), Image.AFFINE, data, Image.BILINEAR if photo else Image.NEAREST
    )
    if work != size:
        warped = warped.resize((size, size), Image.LANCZOS)
    return np.asarray(warped)


# --- square -> photo ---------------------------------------------------------------------------------


def window_from_square(
    generated: np.ndarray, square: AlignedSquare, window: tuple[int, int, int, int], labels: bool = False
) -> np.ndarray:
    """The photo window (x0, y0, x1, y1) of a generated square (any size) put back through the inverse transform
    (bicubic, antialiased where the square is larger than its place in the photo; ``labels``: nearest)."""
    x0, y0, x1, y1 = window
    source = Image.fromarray(generated)
    size = generated.shape[0]
    if not labels and square.side < size:
        size = max(1, int(round(square.side)))
        source = source.resize((size, size), Image.BICUBIC, reducing_gap=3.0)
    x = np.array(square.half_axis)
    y = rot90(x)
    to_square = size / (2 * (x @ x))
    start = np.array([x0, y0], np.float64) - square.corners_xy()[0]
    data = (
        x[0] * to_square,
        x[1] * to_square,
        start @ x * to_square,
        y[0] * to_square,
        y[1] * to_square,
        start @ y * to_square,
    )
    return np.asarray(
        source.transform((x1 - x0, y1 - y0), Image.AFFINE, data, Image.NEAREST if labels else Image.BICUBIC)
    )


def inside(square: AlignedSquare, window: tuple[int, int, int, int]) -> np.ndarray:
    """bool (y1-y0, x1-x0): the window's pixels whose centres lie inside the square."""
    x0, y0, x1, y1 = window
    cols, rows = np.meshgrid(np.arange(x0, x1) + 0.5, np.arange(y0, y1) + 0.5)
    uv = square.to_square(np.stack([cols.ravel(), rows.ravel()], 1), 1)
    return ((uv >= 0) & (uv < 1)).all(1).reshape(rows.shape)


# --- one API for both framings ---------------------------------------------------------------------------


def trained_on_celebahq_crops(card: dict) -> bool:
    """Whether weights learnt from CelebAMask-HQ, whose photos are CelebA-HQ's aligned squares: their card's
    training_data is 'CelebAMask-HQ (...)' (imported official weights) or 'celebamask:FOLDER' (`maskgan train`)."""
    return str(card.get("training_data", "")).lower().startswith("celebamask")


def aligned_frame(face_points, image: np.ndarray, source_mask: np.ndarray, edited_mask: np.ndarray) -> AlignedSquare:
    """The aligned square of the face an edit is on (the source mask's face nearest the change), grown about its
    centre where the change reaches past it. ``face_points`` is a maskgan.infer.face_points.FacePoints."""
    changed = source_mask != edited_mask
    rows, cols = np.nonzero(changed)
    near = (float(cols.mean()) + 0.5, float(rows.mean()) + 0.5) if rows.size else None
    found = face_points.find(image, source_mask, near=near)
    square = AlignedSquare.from_landmarks(found.points).holding(changed)
    note = f"CelebA-HQ alignment from the {found.source}: {square.describe()}"
    return replace(square, note=note + (f" ({found.note})" if found.note else ""))


def describe(frame) -> str:
    """How the frame was found: the aligned square's note; '' for the plain crop (crop.Box)."""
    return frame.note if isinstance(frame, AlignedSquare) else ""


def crop_image(image: np.ndarray, frame, size: int) -> np.ndarray:
    """The frame's square of the photo at size x size (uint8 RGB)."""
    if isinstance(frame, AlignedSquare):
        return _warp(image, frame, size, photo=True)
    return crop.crop_image(image, frame, size)


def crop_mask(mask: np.ndarray, frame, size: int) -> np.ndarray:
    """The frame's square of a label map at size x size (nearest: every pixel keeps a valid class)."""
    if isinstance(frame, AlignedSquare):
        return _warp(mask, frame, size, photo=False)
    return crop.crop_mask(mask, frame, size)


def paste_back(
    image: np.ndarray,
    source_mask: np.ndarray,
    edited_mask: np.ndarray,
    frame,
    generated: np.ndarray,
    grow: int,
    feather: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(blended RGB, RGBA layer), photo-sized: the changed region of the generated square, feathered in;
    every other pixel keeps the photo's bytes (and is transparent in the layer)."""
    if not isinstance(frame, AlignedSquare):
        return crop.paste_back(image, source_mask, edited_mask, frame, generated, grow, feather)
    return crop.paste_rendered(
        image,
        source_mask,
        edited_mask,
        frame.bounding_box(),
        grow,
        feather,
        frame.side / generated.shape[0],
        lambda window: window_from_square(generated, frame, window),
        lambda window: inside(frame, window),
    )


# --- the public API: a photo's aligned crop, and the crop pasted back -----------------------------------


@dataclass(frozen=True)
class AlignedFace:
    square: AlignedSquare  # where the crop lies in the photo
    image: np.ndarray  # uint8 size x size x 3, the aligned crop
    mask: np.ndarray | None  # uint8 size x size label map of the crop (when a mask was given)
    source: str  # where the landmarks came from (maskgan.infer.face_points MESH or MASK)
    faces: int  # how many faces that source found
    face: int  # which one was aligned (0 = the largest)


def align_face(
    image: np.ndarray,
    mask: np.ndarray | None = None,
    size: int = 512,
    face: int = 0,
    source: str = "auto",
    face_points=None,
) -> AlignedFace:
    """The CelebA-HQ crop of face ``face`` (0 = the largest) of a photo, and of its mask when given.

    Landmarks come from the face mesh (parsing extra) or from the mask (``source``
    "auto", "mesh" or "mask"; see maskgan.infer.face_points). face_points.NoFace
    says when there is no face, or not that many.
    """
    from maskgan.infer.face_points import FacePoints
    from maskgan.labels import check_label_map

    if size < 8:
        raise ValueError(f"the crop's size must be at least 8 pixels, got {size}")
    image = np.asarray(image)
    if mask is not None:
        mask = check_label_map(mask)
        check_photo(image, mask)
    else:
        check_photo(image)
    found = (face_points or FacePoints(source)).find(image, mask, face)
    square = AlignedSquare.from_landmarks(found.points)
    square = replace(
        square,
        note=f"CelebA-HQ alignment from the {found.source}: {square.describe()}"
        + (f" ({found.note})" if found.note else ""),
    )
    return AlignedFace(
        square,
        _warp(image, square, size, photo=True),
        None if mask is None else _warp(mask, square, size, photo=False),
        found.source,
        found.faces,
        found.face,
    )


def paste_crop(
    image: np.ndarray,
    square: AlignedSquare,
    edited_crop: np.ndarray,
    changed: np.ndarray | None = None,
    grow: int = 2,
    feather: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """(blended RGB, RGBA layer), photo-sized: an aligned crop (edited by any tool) put back into the photo.

    Only ``changed`` (bool, the crop's size) is pasted, grown by ``grow`` and
    feathered over ``feather`` photo pixels; by default, every crop pixel that
    differs from the photo's own crop. Every other photo pixel keeps its bytes.
    """
    image, edited_crop = np.asarray(image), np.asarray(edited_crop)
    check_photo(image)
    size = edited_crop.shape[0]
    if edited_crop.shape != (size, size, 3) or edited_crop.dtype != np.uint8:
        raise ValueError(f"the crop must be a square uint8 RGB image, got {edited_crop.dtype} {edited_crop.shape}")
    if changed is None:
        changed = (edited_crop != _warp(image, square, size, photo=True)).any(2)
    elif changed.shape != (size, size):
        raise ValueError(f"changed must have the crop's size {size}x{size}, got {changed.shape[1]}x{changed.shape[0]}")
    height, width = image.shape[:2]
    x0, y0, x1, y1 = square.bounding_box().clipped(height, width)
    # the change as a label-map difference (0 -> 1) at photo scale, for crop's alpha, feather and composite
    edited = np.zeros((height, width), np.uint8)
    if x1 > x0 and y1 > y0:
        back = window_from_square(changed.astype(np.uint8), square, (x0, y0, x1, y1), labels=True)
        edited[y0:y1, x0:x1] = back * inside(square, (x0, y0, x1, y1))
    return paste_back(image, np.zeros_like(edited), edited, square, edited_crop, grow, feather)
