"""Choices and ranges of the mask settings both plug-ins offer, beside the protocol table's (pure)."""

MASK_MODES = ("colour", "classes")  # one colour layer, or one paint layer per class
# Colour tolerance (RGB distance, see maskgan.labels.color_to_label). Above 50 a colour would count as a
# class although it is as far from it as two different classes are from each other (the eyebrows, 51).
TOLERANCE_RANGE = (0, 50)
