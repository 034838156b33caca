"""Inside Krita: which canvas draws the active window's views (the OpenGL one or the QPainter one)."""

from PyQt5.QtWidgets import QOpenGLWidget


def canvas_kind(ctx) -> str:
    """The canvas of the active window, "opengl" or "qpainter": Krita's OpenGL canvas is a QOpenGLWidget (call
    once a view is open)."""
    return "opengl" if ctx.krita.activeWindow().qwindow().findChildren(QOpenGLWidget) else "qpainter"
