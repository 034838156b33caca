"""Random portrait label maps: ``sample_layout(rng, size) -> uint8 (size, size)``, classes 0..18.

The head lives in a face frame (u = +-1 at the cheeks, v = -1 / +1 at the top of the
forehead / the chin) that is shifted, scaled and rolled; the body in a frame that
rolls less. Parts are painted back to front, as they would be seen: hair that
falls behind the shoulders, neck, clothes, necklace, face, nose, glasses, eyes,
brows, lips, front hair, ears, earrings, hat. Left and right are the person's, as
in CelebAMask-HQ: ``l_*`` parts are drawn on the image's right.
"""

from __future__ import annotations

import numpy as np

from maskgan.data.synthetic_draw import (
    Canvas,
    Frame,
    Part,
    Shape,
    draw_glasses,
    draw_hat,
    draw_mouth,
    ellipse,
    sample_glasses,
    sample_hat,
    sample_mouth,
)

FACE_SHAPES = {  # height / width ratio of the face, and how much the jaw narrows towards the chin
    "round": ((1.1, 1.22), (0.1, 0.2)),
    "oval": ((1.24, 1.36), (0.22, 0.34)),
    "long": ((1.36, 1.5), (0.22, 0.32)),
    "heart": ((1.22, 1.34), (0.38, 0.48)),
}
HAIR_STYLES = ("short", "fringe", "long", "bob", "bun", "bald")
HAIR_STYLE_P = (0.25, 0.15, 0.27, 0.15, 0.08, 0.10)


def sample_layout(rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """A random portrait: uint8 label map (size, size) in the class order of maskgan.labels."""
    if size < 32:
        raise ValueError(f"synthetic faces need at least 32x32 pixels, got size {size}")
    canvas = Canvas(np.zeros((size, size), np.uint8))
    a = size * rng.uniform(0.165, 0.205)  # face half-width in pixels
    shape_name = str(rng.choice(list(FACE_SHAPES)))
    ratio_range, taper_range = FACE_SHAPES[shape_name]
    b = a * rng.uniform(*ratio_range)
    roll = float(np.clip(rng.normal(0.0, 0.1), -0.3, 0.3))
    face = Frame(size * (0.5 + rng.normal(0.0, 0.035)), size * rng.uniform(0.43, 0.5), a, b, roll)
    body = Frame(face.cx, face.cy, a, b, 0.3 * roll)
    canvas.anchor(face)
    canvas.anchor(body)
    yaw = rng.triangular(-0.3, 0.0, 0.3)  # features slide sideways and the far side shrinks
    hair = str(rng.choice(HAIR_STYLES, p=HAIR_STYLE_P))
    volume = rng.uniform(0.05, 0.22)
    curl = rng.uniform(0.0, 0.07) if rng.random() < 0.3 else 0.0

    long_hair = hair in ("long", "bob")
    over_shoulders = long_hair and rng.random() < 0.5
    if long_hair and not over_shoulders:
        canvas.paint(face, _back_hair(rng, hair, volume, curl, gap=0.0), Part.HAIR)
    neck_w = rng.uniform(0.48, 0.62)
    canvas.paint(body, _neck(neck_w), Part.NECK)
    shoulder_v = rng.uniform(1.25, 1.5)
    _draw_clothes(canvas, body, rng, neck_w, shoulder_v)
    if rng.random() < 0.35:
        _draw_necklace(canvas, body, rng, shoulder_v)
    if over_shoulders:
        canvas.paint(face, _back_hair(rng, hair, volume, curl, gap=rng.uniform(0.55, 0.75)), Part.HAIR)

    canvas.paint(face, _face_oval(rng.uniform(2.0, 2.5), rng.uniform(*taper_range)), Part.SKIN)
    eye_v = rng.uniform(-0.1, 0.0)
    eye_u = rng.uniform(0.36, 0.44)
    eye_w = rng.uniform(0.17, 0.23)
    eye_h = rng.uniform(0.075, 0.11) if rng.random() > 0.12 else rng.uniform(0.015, 0.03)
    eye_h = max(eye_h, 0.8 / b)  # closed eyes stay a visible slit at small sizes
    shift = 0.16 * yaw
    nose_top = eye_v + rng.uniform(-0.02, 0.06)
    nose_tip = rng.uniform(0.3, 0.4)
    canvas.paint(
        face,
        _nose(0.28 * yaw, nose_top, nose_tip, rng.uniform(0.06, 0.09), rng.uniform(0.17, 0.24), rng.uniform(0.06, 0.1)),
        Part.NOSE,
        over=(Part.SKIN,),
    )

    if rng.random() < 0.25:
        glasses_frame = Frame(*face.to_image(shift, eye_v), eye_u * a, eye_u * a, roll)
        glasses = sample_glasses(rng, reach=1.0 / eye_u)
        draw_glasses(canvas, glasses_frame, glasses, over=(Part.BACKGROUND, Part.SKIN, Part.NOSE))

    brow_v = eye_v - rng.uniform(0.17, 0.25)
    brow_args = (
        rng.uniform(1.15, 1.4) * eye_w,
        max(rng.uniform(0.03, 0.06), 1.5 / b),
        rng.uniform(0.02, 0.07),
        rng.uniform(-0.04, 0.04),
    )
    brow_du = rng.uniform(-0.02, 0.04)
    eye_tilt = rng.uniform(-0.03, 0.06)
    eye_low = rng.uniform(0.55, 0.8)
    for side, eye_cls, brow_cls in ((-1, Part.R_EYE, Part.R_BROW), (1, Part.L_EYE, Part.L_BROW)):
        near = 1.0 - 0.3 * yaw * side  # the eye turned away looks narrower
        cu = side * eye_u + shift
        canvas.paint(
            face, _eye(cu, eye_v, eye_w * near, eye_h, eye_low, side * eye_tilt), eye_cls, over=(Part.SKIN, Part.EYE_G)
        )
        canvas.paint(
            face, _brow(cu + side * brow_du, brow_v, side, near, *brow_args), brow_cls, over=(Part.SKIN, Part.EYE_G)
        )

    mouth_v = max(rng.uniform(0.55, 0.66), nose_tip + 0.16)
    mouth_half = rng.uniform(0.28, 0.4) * a
    mouth, _ = sample_mouth(rng)
    draw_mouth(canvas, Frame(*face.to_image(shift, mouth_v), mouth_half, mouth_half, roll), mouth, over=(Part.SKIN,))

    eye_top = eye_v - eye_h - 0.04
    if hair != "bald" or rng.random() < 0.6:
        canvas.paint(face, _front_hair(rng, hair, volume, curl, eye_top), Part.HAIR)
    if hair == "bun":
        canvas.paint(
            face,
            ellipse(rng.uniform(-0.1, 0.1), -1.15 - volume, rng.uniform(0.3, 0.42), rng.uniform(0.22, 0.3)),
            Part.HAIR,
        )

    _draw_ears(canvas, face, rng, hair, yaw)
    if rng.random() < 0.15:
        draw_hat(canvas, face, sample_hat(rng))
    return canvas.label


def _draw_ears(canvas: Canvas, face: Frame, rng: np.random.Generator, hair: str, yaw: float) -> None:
    """Ears at the sides of the head (hidden by long hair unless tucked behind them), maybe earrings."""
    ears_show = hair in ("short", "fringe", "bun", "bald") or rng.random() < 0.5
    ear_over = (Part.BACKGROUND, Part.HAIR) if ears_show else (Part.BACKGROUND,)
    ear_v, ear_ru, ear_rv = rng.uniform(0.02, 0.12), rng.uniform(0.12, 0.17), rng.uniform(0.22, 0.3)
    earrings = rng.random() < 0.4
    radius_u, drop = rng.uniform(0.04, 0.07), rng.uniform(0.05, 0.16)
    for side, ear_cls in ((-1, Part.R_EAR), (1, Part.L_EAR)):
        near = float(np.clip(1.0 - 1.2 * yaw * side, 0.25, 1.4))  # the far ear hides behind the cheek
        ear_u = side * (0.97 - 0.1 * (1 - near))
        canvas.paint(face, ellipse(ear_u, ear_v, ear_ru * near, ear_rv), ear_cls, over=ear_over)
        lobe = face.to_image(ear_u, ear_v + 0.8 * ear_rv)
        if earrings and _is_class(canvas.label, lobe, ear_cls):
            canvas.paint(
                face,
                ellipse(ear_u, ear_v + ear_rv + drop * 0.6, radius_u, drop),
                Part.EAR_R,
                over=(Part.BACKGROUND, Part.HAIR, ear_cls, Part.NECK, Part.CLOTH, Part.SKIN),
            )


def _is_class(label: np.ndarray, xy: tuple[float, float], cls: int) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    return 0 <= y < label.shape[0] and 0 <= x < label.shape[1] and label[y, x] == cls


def _face_oval(power: float, taper: float) -> Shape:
    def inside(u, v):
        width = 1.0 - taper * np.maximum(v, 0.0) ** 2  # the jaw narrows towards the chin
        return np.abs(u / width) ** power + v * v <= 1.0

    return Shape((-1.0, 1.0, -1.0, 1.0), inside)


def _nose(cu: float, top: float, tip: float, top_w: float, wing_w: float, round_h: float) -> Shape:
    """Bridge widening into the wings, rounded at the bottom."""

    def inside(u, v):
        s = np.clip((v - top) / (tip - top), 0.0, 1.0)
        du = u - cu * (0.4 + 0.6 * s)  # the tip turns with the head more than the bridge
        half = top_w + (wing_w - top_w) * s**2.2
        body = (v >= top) & (v <= tip - round_h) & (np.abs(du) <= half)
        bottom = (v > tip - round_h) & ((du / wing_w) ** 2 + ((v - tip + round_h) / round_h) ** 2 <= 1.0)
        return body | bottom

    return Shape((cu - wing_w - 0.05, cu + wing_w + 0.05, top, tip), inside)


def _eye(cu: float, cv: float, half_w: float, half_h: float, lower: float, tilt: float) -> Shape:
    """Almond: an arched upper lid and a flatter lower lid meeting at pointed corners."""

    def inside(u, v):
        t = (u - cu) / half_w
        rest = np.clip(1.0 - t * t, 0.0, None)
        dv = v - cv + tilt * t
        return (np.abs(t) < 1.0) & (-dv <= half_h * rest**0.75) & (dv <= half_h * lower * rest**0.9)

    reach = half_h + abs(tilt)
    return Shape((cu - half_w, cu + half_w, cv - reach, cv + reach), inside)


def _brow(cu: float, cv: float, side: int, near: float, half_w: float, thick: float, arch: float, tilt: float) -> Shape:
    """An arched bar, thinning towards the temple."""
    half_w *= near

    def inside(u, v):
        t = (u - cu) / half_w
        centre = cv - arch * (1.0 - t * t) + side * tilt * t
        outward = np.clip((side * t + 1.0) / 2.0, 0.0, 1.0)
        half = 0.5 * thick * (1.0 - 0.55 * outward**2)
        return (np.abs(t) <= 1.0) & (np.abs(v - centre) <= half)

    reach = thick + arch + abs(tilt)
    return Shape((cu - half_w, cu + half_w, cv - reach, cv + reach), inside)


def _wavy(du, dv, curl):
    return 1.0 + curl * np.sin(13.0 * du) * np.sin(11.0 * dv) if curl else 1.0


def _back_hair(rng: np.random.Generator, style: str, volume: float, curl: float, gap: float) -> Shape:
    """Hair behind the head down to the shoulders (long) or the jaw (bob); ``gap`` leaves the
    neck free when the hair falls in front of the shoulders."""
    end = rng.uniform(1.8, 3.5) if style == "long" else rng.uniform(0.75, 1.15)
    ru, rv = 1.16 + volume, 1.1 + volume
    phase = rng.uniform(0, 2 * np.pi)

    def inside(u, v):
        dome = (u / ru) ** 2 + ((v + 0.08) / rv) ** 2 <= _wavy(u, v, curl)
        fall = (np.abs(u) <= ru + 0.15 * np.maximum(v, 0.0)) & (v >= -0.1)
        bottom = end + 0.07 * np.sin(11.0 * u + phase)
        region = (dome | fall) & (v <= bottom)
        if gap:
            region &= ~((np.abs(u) < gap) & (v > 0.7))
        return region

    reach = ru + 0.15 * end + 0.1
    return Shape((-reach, reach, -0.08 - rv - 0.1, end + 0.1), inside)


def _front_hair(rng: np.random.Generator, style: str, volume: float, curl: float, eye_top: float) -> Shape:
    """Hair on the head: a cap down to a hairline, sideburns, a fringe; a horseshoe when bald."""
    ru, rv = 1.08 + volume, 1.05 + volume
    hairline = rng.uniform(-0.72, -0.5)
    side_end = rng.uniform(-0.05, 0.12) if style in ("short", "fringe", "bun", "bald") else rng.uniform(0.2, 0.5)
    temple = (side_end + 0.1 - hairline) / 0.6  # hairline reaches the sideburns near |u| = 0.88
    fringe = style == "fringe" or (style in ("long", "bob") and rng.random() < 0.3)
    fringe_v, fringe_tilt, phase = rng.uniform(-0.42, -0.22), rng.uniform(-0.12, 0.12), rng.uniform(0, 2 * np.pi)

    def inside(u, v):
        line = hairline + temple * u**4
        if fringe:
            locks = fringe_v + fringe_tilt * u + 0.03 * np.sin(25.0 * u + phase)
            line = np.where(np.abs(u) < 0.9, np.maximum(line, np.minimum(locks, eye_top)), line)
        cap = (u / ru) ** 2 + ((v + 0.08) / rv) ** 2 <= _wavy(u, v, curl)
        region = cap & (v < line) & (v < side_end)
        if style == "bald":
            region &= (np.abs(u) > 0.8) & (v > -0.55)
        return region

    return Shape((-ru - 0.1, ru + 0.1, -0.08 - rv - 0.1, side_end), inside)


def _neck(half_w: float) -> Shape:
    """Neck widening into the chest at the shoulders."""

    def inside(u, v):
        flare = np.maximum(v - 1.05, 0.0)
        return (v >= 0.35) & (np.abs(u) <= half_w + 1.2 * flare * flare)

    return Shape((-4.0, 4.0, 0.35, 6.0), inside)


def _draw_clothes(canvas: Canvas, body: Frame, rng: np.random.Generator, neck_w: float, shoulder_v: float) -> None:
    width, drop = rng.uniform(2.0, 2.6), rng.uniform(0.7, 1.2)
    neckline = str(rng.choice(["crew", "v", "scoop", "turtleneck"], p=[0.35, 0.25, 0.25, 0.15]))
    cut_w, cut_h = neck_w * rng.uniform(1.1, 1.5), rng.uniform(0.15, 0.4)
    v_depth, scoop = rng.uniform(0.4, 0.9), (rng.uniform(0.8, 1.2), rng.uniform(0.4, 0.7))
    centre = shoulder_v + drop

    def inside(u, v):
        across = np.abs(u / width)
        shoulders = (across * across * across + ((v - centre) / drop) ** 2 <= 1.0) | (
            (v >= centre) & (np.abs(u) <= width + 0.3 * (v - centre))
        )
        if neckline == "crew":
            cut = (u / cut_w) ** 2 + ((v - shoulder_v) / cut_h) ** 2 <= 1.0
        elif neckline == "v":
            cut = (v < shoulder_v + v_depth) & (np.abs(u) < cut_w * (shoulder_v + v_depth - v) / v_depth)
        elif neckline == "scoop":
            cut = (u / scoop[0]) ** 2 + ((v - shoulder_v) / scoop[1]) ** 2 <= 1.0
        else:
            cut = np.zeros_like(shoulders)
        return shoulders & ~cut

    canvas.paint(body, Shape((-5.0, 5.0, shoulder_v, 6.0), inside), Part.CLOTH)
    if neckline == "turtleneck":
        collar_top = rng.uniform(1.08, 1.2)
        collar = Shape(
            (-neck_w - 0.1, neck_w + 0.1, collar_top, shoulder_v + 0.1),
            lambda u, v: (np.abs(u) <= neck_w * 1.08) & (v >= collar_top),
        )
        canvas.paint(body, collar, Part.CLOTH)


def _draw_necklace(canvas: Canvas, body: Frame, rng: np.random.Generator, shoulder_v: float) -> None:
    top, sag = rng.uniform(0.95, shoulder_v + 0.15), rng.uniform(0.15, 0.5)
    half, thick = rng.uniform(0.5, 0.8), rng.uniform(0.025, 0.05)
    chain = Shape(
        (-half, half, top - thick, top + sag + thick),
        lambda u, v: (np.abs(u) <= half) & (np.abs(v - top - sag * u * u) <= thick),
    )
    over = (Part.NECK, Part.CLOTH) if rng.random() < 0.3 else (Part.NECK,)
    canvas.paint(body, chain, Part.NECK_L, over)
    if rng.random() < 0.5:
        canvas.paint(body, ellipse(0.0, top + thick + 0.05, 0.05, 0.07), Part.NECK_L, over)
