"""Inference: load weights once, edit photos of any size (see editor.py)."""

from maskgan.infer.editor import Cancelled, Editor, EditResult

__all__ = ["Cancelled", "Editor", "EditResult"]
