"""Inference: load weights once, edit photos of any size (see editor.py)."""

from maskgan.infer.editor import Cancelled, Editor, EditRequest, EditResult
from maskgan.infer.routes import Method

__all__ = ["Cancelled", "Editor", "EditRequest", "EditResult", "Method"]
