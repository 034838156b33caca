"""The Krita plug-in's bgra.py outside Krita: Krita's BGRA pixel bytes."""

import numpy as np
import pytest

from maskgan_krita import bgra


def test_bgra_round_trip_swaps_channels():
    rgba = np.array([[[1, 2, 3, 4], [5, 6, 7, 8]]], np.uint8)
    data = bgra.rgba_to_bgra(rgba)
    assert data == bytes([3, 2, 1, 4, 7, 6, 5, 8])
    assert np.array_equal(bgra.bgra_to_rgba(data, 2, 1), rgba)
    with pytest.raises(ValueError, match="expected 8 bytes of 8-bit RGBA pixels for 2x1, got 7"):
        bgra.bgra_to_rgba(data[:7], 2, 1)
