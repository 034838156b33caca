"""The Krita plug-in's regions.py outside Krita: the face's region and the photo's fingerprint."""

import numpy as np


def test_the_face_region_grows_the_masks_bounds_and_stays_in_the_document():
    from maskgan_krita.regions import face_region
    from maskgan_plugin_common.bands import Rect

    assert face_region(Rect(1000, 800, 400, 200), 4000, 3000) == Rect(700, 500, 1000, 800)  # 0.75 x 400 each side
    assert face_region(Rect(10, 20, 400, 200), 4000, 3000) == Rect(0, 0, 710, 520)  # clipped at the corner
    assert face_region(Rect(0, 0, 0, 0), 64, 48) == Rect(0, 0, 64, 48)  # no masks' bounds: all of it
    bands = list(Rect(5, 7, 100, 250).bands(pixels=1000, rows_multiple=4))
    assert sum(b.height for b in bands) == 250 and all(b.height % 4 == 0 for b in bands[:-1])
    assert all(b.x == 5 and b.width == 100 for b in bands)


def test_a_stroke_on_the_photo_changes_its_fingerprint_where_it_landed():
    from maskgan_krita.regions import block_sums, changed_blocks

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)
    before = block_sums(photo)
    assert before[1].shape == (4, 7, 3)  # whole 64 px blocks of the document grid
    part = (130, 100)  # x, y of a region read later (an edit's face region)
    assert changed_blocks(before, block_sums(photo[100:290, 130:450], part)) == 0
    stroked = photo.copy()
    stroked[200:203, 330:370] = 0  # inside one 64 px block
    assert changed_blocks(before, block_sums(stroked[100:290, 130:450], part)) == 1
