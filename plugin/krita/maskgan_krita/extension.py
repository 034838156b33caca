"""Registers the plug-in with Krita: the shared Controller, the shortcuts' actions, the docker factory."""

from __future__ import annotations

from krita import DockWidgetFactory, DockWidgetFactoryBase, Extension, Krita

from .controller import Controller
from .docker import MaskGANDocker
from .guard import guarded

_controller: Controller | None = None


def controller() -> Controller:
    """The one Controller of this Krita session (created on first use)."""
    global _controller
    if _controller is None:
        _controller = Controller(Krita.instance())
        _controller.connect_daemon()
    return _controller


class MaskGANExtension(Extension):
    ACTIONS = {  # names in maskgan_krita.action -> Controller methods
        "maskgan_parse_face": "parse_face",
        "maskgan_apply_edit": "apply_edit",
        "maskgan_variants": "variants",
        "maskgan_cancel": "cancel",
    }

    def setup(self) -> None:
        pass

    def createActions(self, window) -> None:
        for name, method in self.ACTIONS.items():
            text = name.replace("maskgan_", "MaskGAN: ").replace("_", " ")
            action = window.createAction(name, text, "tools/scripts")
            action.triggered.connect(guarded(lambda text: controller().say(text))(
                lambda _=False, m=method: getattr(controller(), m)()))


def register() -> None:
    app = Krita.instance()
    app.addExtension(MaskGANExtension(app))
    app.addDockWidgetFactory(DockWidgetFactory("maskgan_docker", DockWidgetFactoryBase.DockRight,
                                               lambda: MaskGANDocker(controller())))
