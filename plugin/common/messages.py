"""What the plug-ins say about a daemon and its results (pure: no editor); each editor adds only its own hints."""

from __future__ import annotations

from maskgan_client.protocol import describe_routes

from . import naming
from .label_table import labels


def connected(hello: dict) -> str:
    """The connection line for a daemon's hello result: version, device (precision), model."""
    model = (hello.get("model") or {}).get("name", "unnamed model")
    precision = f" ({hello['precision']})" if hello.get("precision") else ""
    return f"Connected: MaskGAN {hello.get('version')} on {hello.get('device')}{precision}, {model}"


def parsed(result: dict) -> str:
    """The message after Parse face: which parser, which face, and the classes the user has to paint.

    ``result`` is the `parse` op's result: parser, faces, face, unseen (class keys), notes.
    A parser never marks its ``unseen`` classes, so where the photo shows them they are
    missing from both masks; painting them on the edited mask alone would ask for them
    to be added, so the user paints them on both.
    """
    table = labels()
    faces = result.get("faces") or []
    face = int(result.get("face", 0))
    text = f"Parsed face {face + 1} of {len(faces)} with the {result.get('parser') or 'parser'}."
    unseen = [
        table.CLASS_NAMES[table.CLASS_KEYS.index(key)] for key in result.get("unseen", ()) if key in table.CLASS_KEYS
    ]
    if unseen:
        text += (
            f" It never marks {', '.join(unseen)}: where the photo shows them, paint them on both masks "
            f"(unlock “{naming.SOURCE_MASK}”) before you edit."
        )
    else:
        text += f" Paint your edit on “{naming.EDITED_MASK}”, then Apply edit."
    notes = [str(note) for note in result.get("notes", ()) if note]
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    return text


def routes_taken(routes: dict) -> str:
    """How an edit made its regions (the `edit` result's ``routes``), "" when none: "; moved upper lip, lower lip;
    transferred skin"."""
    table = labels()
    text = describe_routes(routes, dict(zip(table.CLASS_KEYS, table.CLASS_NAMES)))
    return f"; {text}" if text else ""


def drawn_looks(looks: dict) -> str:
    """What an edit drew from looks (the `edit` result's ``looks``: part key -> source), "" when nothing."""
    if not looks:
        return ""
    table = labels()
    parts = [
        f"{table.CLASS_NAMES[table.CLASS_KEYS.index(key)].lower()} from {source}"
        for key, source in looks.items()
        if key in table.CLASS_KEYS
    ]
    hint = (
        " (Look of added parts: 0 for the photo's own style)"
        if any(str(source).startswith("look") for source in looks.values())
        else ""
    )
    return f"; drew the added {', '.join(parts)}{hint}"


def masks_equal(where: str, hint: str) -> str:
    """Why an edit whose edited mask equals its source mask is not sent; ``hint`` says how to paint the change
    in this editor."""
    return (
        f"{where}: “{naming.EDITED_MASK}” equals the source mask, so the edit would change nothing: nothing "
        f"was sent or added. {hint}"
    )


def variants_added(group: str, seed: int, count: int) -> str:
    """The message after Variants: the group, its seed (so that a result can be redone) and how to compare."""
    return f"Added “{group}” (seed {seed}): {count} variants, the first shown; show one at a time to compare"


def style_copied(layer: str, reference: str) -> str:
    return f"Added “{layer}” in the style of {reference}"
