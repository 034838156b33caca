"""What the docker says about a daemon's result (pure: no Krita, no Qt)."""

from __future__ import annotations

from . import naming
from .vendor_path import labels


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
    unseen = [table.CLASS_NAMES[table.CLASS_KEYS.index(key)] for key in result.get("unseen", ()) if key in table.CLASS_KEYS]
    if unseen:
        text += (f" It never marks {', '.join(unseen)}: where the photo shows them, paint them on both masks "
                 f"(unlock “{naming.SOURCE_MASK}”) before you edit.")
    else:
        text += f" Paint your edit on “{naming.EDITED_MASK}”, then Apply edit."
    notes = [str(note) for note in result.get("notes", ()) if note]
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    return text
