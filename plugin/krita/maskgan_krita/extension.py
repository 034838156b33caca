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
        _controller.link.connect()
    return _controller


class MaskGANExtension(Extension):
    ACTIONS = {  # names in maskgan_krita.action -> what they do, of the Controller
        "maskgan_parse_face": lambda c: c.actions.parse_face(),
        "maskgan_apply_edit": lambda c: c.actions.apply_edit(),
        "maskgan_variants": lambda c: c.actions.variants(),
        "maskgan_cancel": lambda c: c.batches.cancel(),
    }

    def setup(self) -> None:
        pass

    def createActions(self, window) -> None:
        for name, run in self.ACTIONS.items():
            text = name.replace("maskgan_", "MaskGAN: ").replace("_", " ")
            action = window.createAction(name, text, "tools/scripts")
            action.triggered.connect(
                guarded(lambda text: controller().board.say(text))(lambda _=False, r=run: r(controller()))
            )


def register() -> None:
    app = Krita.instance()
    app.addExtension(MaskGANExtension(app))
    app.addDockWidgetFactory(
        DockWidgetFactory("maskgan_docker", DockWidgetFactoryBase.DockRight, lambda: MaskGANDocker(controller()))
    )
