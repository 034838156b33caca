"""Names of the layers the plug-ins create, and how the mask being painted shows (pure)."""

from __future__ import annotations

import re

GROUP = "MaskGAN"
EDITED_MASK_OPACITY = 128  # of 255: the photo shows through the mask being painted
SOURCE_MASK = "Source mask (locked)"
EDITED_MASK = "Edited mask"
CLASS_LAYERS_GROUP = "Edited mask (per class)"
EDIT_PREFIX = "MaskGAN edit"
VARIANTS_PREFIX = "MaskGAN variants"
STYLE_PREFIX = "MaskGAN style"
MASK_PREFIX = "MaskGAN mask"  # the parse of one selected layer (Batch parse over selected layers)
REPLACED_PREFIX = "MaskGAN replaced"  # a MaskGAN group a new parse or import replaced, kept hidden
RESULTS_GROUP = "MaskGAN results"  # where results go when the "Results go" setting says so
RESULT_PREFIXES = (EDIT_PREFIX, VARIANTS_PREFIX, STYLE_PREFIX, MASK_PREFIX)


def next_numbered(prefix: str, existing: list[str]) -> str:
    """``prefix N`` with N one more than the highest number already used with that prefix."""
    pattern = re.compile(rf"^{re.escape(prefix)} (\d+)$")
    used = [int(m.group(1)) for m in map(pattern.match, existing) if m]
    return f"{prefix} {max(used, default=0) + 1}"


def is_mask_group_name(name: str) -> bool:
    """True for the MaskGAN group and the replaced ones kept beside it (their layers are masks, never photos)."""
    return name == GROUP or re.fullmatch(rf"{re.escape(REPLACED_PREFIX)} \d+", name) is not None


def is_result_name(name: str) -> bool:
    """True for the results group and the numbered results the plug-in adds (edits, variants, styles, masks)."""
    return name == RESULTS_GROUP or any(re.fullmatch(rf"{re.escape(prefix)} \d+", name) for prefix in RESULT_PREFIXES)


def class_layer_name(class_index: int, names) -> str:
    """Per-class layer name, e.g. '13 Hair' (the number keeps the editor's layer list in class order)."""
    return f"{class_index:02d} {names[class_index]}"


def class_of_layer(name: str, names) -> int | None:
    """Class index of a per-class layer name, or None when the name is not one."""
    match = re.match(r"^(\d{1,2}) (.+)$", name.strip())
    if not match:
        return None
    index = int(match.group(1))
    return index if index < len(names) and names[index] == match.group(2) else None
