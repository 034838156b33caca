"""What the buttons and shortcuts do: one Controller per Krita session, shared by every window's docker.

It reads the document, sends requests through the Connection, and turns replies
into new layers. Its state (connection line, message, progress) is published by
the ``changed`` signal; dockers only display it. Nothing here waits on the
daemon: each reply arrives as a callback on Krita's event loop.
"""

from __future__ import annotations

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from maskgan_client import PROTOCOL_VERSION

from . import daemon_launch, document_io, naming
from .connection import Connection
from .guard import PluginError, guarded, log
from .jobs import Batch, Item
from .settings import Settings
from .vendor_path import labels

START_RETRY_MS = 1000
START_TRIES = 60


class Controller(QObject):
    changed = pyqtSignal()

    def __init__(self, krita, parent=None):
        super().__init__(parent)
        self.krita = krita
        self.settings = Settings(krita)
        self.connection = Connection(self.settings.endpoint, self)
        self.daemon: dict | None = None  # the hello result while connected
        self.connection_text = "Not connected"
        self.message = ""
        self.progress: float | None = None  # 0..1 while something runs
        self.running: dict[str, str] = {}  # request id -> what it is, for Cancel
        self.batch: Batch | None = None
        self._start_tries = 0

    # --- state published to the dockers ------------------------------------------------
    def say(self, text: str) -> None:
        self.message = text
        log.info("MaskGAN: %s", text)
        self.changed.emit()

    def _set_progress(self, value: float | None) -> None:
        self.progress = value
        self.changed.emit()

    # --- connection ----------------------------------------------------------------------
    def connect_daemon(self) -> None:
        """Say hello; on no answer, offer (or with auto-start, do) a daemon start."""
        self.connection_text = f"Connecting to {self.connection.endpoint}…"
        self.changed.emit()
        self.connection.submit("hello", on_result=self._on_hello, on_error=self._on_hello_failed)

    def set_endpoint(self, endpoint: str) -> None:
        self.settings.endpoint = endpoint
        self.connection.set_endpoint(endpoint)
        self.daemon = None
        self.connect_daemon()

    def _on_hello(self, result: dict, arrays: dict) -> None:
        self._start_tries = 0
        if result.get("protocol") != PROTOCOL_VERSION:
            self.daemon = None
            self.connection_text = (f"Daemon speaks protocol {result.get('protocol')}, this plug-in {PROTOCOL_VERSION}: "
                                    "update the plug-in (`maskgan install krita`) or the daemon so that they match")
        else:
            self.daemon = result
            model = (result.get("model") or {}).get("name", "unnamed model")
            self.connection_text = f"Connected: MaskGAN {result.get('version')} on {result.get('device')}, {model}"
        self.changed.emit()

    def _on_hello_failed(self, error) -> None:
        self.daemon = None
        if 0 < self._start_tries < START_TRIES:  # a daemon we started is still loading
            self._start_tries += 1
            QTimer.singleShot(START_RETRY_MS, self.connect_daemon)
            return
        self._start_tries = 0
        self.connection_text = f"Not connected: {error.message}"
        self.changed.emit()
        if self.settings.auto_start and error.code == "unavailable":
            self.start_daemon()

    def start_daemon(self) -> None:
        command = daemon_launch.start_command(self.settings.endpoint)
        daemon_launch.launch(command)
        self._start_tries = 1
        self.say("Starting the daemon: " + " ".join(command))
        QTimer.singleShot(START_RETRY_MS, self.connect_daemon)

    def require_daemon(self) -> None:
        if self.daemon is None:
            error = PluginError(f"no MaskGAN daemon is connected ({self.connection_text}); "
                                "press Start daemon or run `maskgan daemon start`, then try again")
            self.connect_daemon()  # so that the next click works once a daemon answers
            raise error

    # --- the document ------------------------------------------------------------------------
    def document(self):
        doc = self.krita.activeDocument()
        if doc is None:
            raise PluginError("open a photo first")
        return doc

    def import_mask(self, path: str) -> None:
        """Make the MaskGAN group of the active document from a colour mask file (official palette)."""
        doc = self.document()
        document_io.check_rgba8(doc)
        label = self._label_of(document_io.read_image_file(path))
        document_io.create_mask_group(doc, label, self.settings.mask_mode)
        doc.refreshProjection()
        self.say(f"Imported the mask: paint on “{naming.EDITED_MASK}” with the palette colours, then Apply edit")

    @staticmethod
    def _label_of(rgba):
        from . import pixels

        try:
            return pixels.colour_layer_to_label(rgba)
        except labels().MaskColorError as error:
            raise PluginError(str(error)) from error

    def set_mask_mode(self, mode: str) -> None:
        """Remember the mode; convert the active document's editable mask when it has one."""
        self.settings.mask_mode = mode
        doc = self.krita.activeDocument()
        if doc is not None and document_io.find_group(doc) is not None and document_io.edited_mode(doc) != mode:
            self._masks(doc)  # refuse to convert a mask with unknown colours (it would lose them)
            document_io.convert_edited(doc, mode)
            doc.refreshProjection()
            self.say("The editable mask is now " + ("one layer per class" if mode == "classes" else "one colour layer"))
        else:
            self.changed.emit()

    def pick_class(self, index: int) -> None:
        """Palette swatch: set the foreground colour; in per-class mode, also select that class's layer."""
        from krita import ManagedColor
        from PyQt5.QtGui import QColor

        window = self.krita.activeWindow()
        view = window.activeView() if window is not None else None
        if view is None:
            raise PluginError("open a document to paint on")
        view.setForeGroundColor(ManagedColor.fromQColor(QColor(*map(int, labels().PALETTE[index])), view.canvas()))
        doc = view.document()
        layer = document_io.class_layer(doc, index) if doc is not None else None
        if layer is not None:
            doc.setActiveNode(layer)
        self.say(f"Painting {labels().CLASS_NAMES[index]}")

    def _masks(self, doc):
        try:
            return document_io.read_source_mask(doc), document_io.read_edited_mask(doc)
        except labels().MaskColorError as error:
            raise PluginError(f"“{doc.name()}”: {error}") from error

    def _edit_inputs(self, doc):
        """(photo layer, arrays) of an edit of ``doc``; PluginError says what is missing or wrong."""
        document_io.check_rgba8(doc)
        photo = document_io.photo_layer(doc)
        source, edited = self._masks(doc)
        return photo, {"image": document_io.read_photo(doc, photo), "source_mask": source, "edited_mask": edited}

    # --- requests -------------------------------------------------------------------------------
    def _submit(self, what: str, op: str, args: dict, arrays: dict, on_result, on_error=None) -> str:
        # The request leaves ``running`` only after its handler is done: a handler may spin
        # Krita's event loop (refreshProjection), and others must not see it finished early.
        def result(header, reply_arrays):
            self.progress = None
            guarded(self.say)(on_result)(header, reply_arrays)
            self.running.pop(request_id, None)
            self.changed.emit()

        def error(failure):
            self.progress = None
            self.running.pop(request_id, None)
            if on_error is not None:
                guarded(self.say)(on_error)(failure)
            else:
                self.say(f"{what} failed: {failure.message}")
            if failure.code == "unavailable":
                self.daemon = None
                self.connection_text = f"Not connected: {failure.message}"
                self.changed.emit()

        def progress(done, total, message):
            if self.batch is not None and total:
                self.batch.step = done / total
                self._set_progress(self.batch.progress())
            else:
                self._set_progress(done / total if total else None)
            self.say(f"{what}: {message}")

        request_id = self.connection.submit(op, args, arrays, on_result=result, on_error=error, on_progress=progress)
        self.running[request_id] = what
        self.progress = 0.0
        self.say(f"{what}: sent to the daemon…")
        return request_id

    def apply_edit(self) -> None:
        self.require_daemon()
        doc = self.document()
        photo, arrays = self._edit_inputs(doc)
        self._submit("Apply edit", "edit", {"feather": self.settings.feather}, arrays,
                     lambda result, out: self._add_edit(doc, photo, result, out))

    def _add_edit(self, doc, photo, result: dict, arrays: dict) -> None:
        node = document_io.add_result_layer(doc, photo, arrays["layer"])
        doc.refreshProjection()
        self.say(f"Added “{node.name()}”" + ("" if result.get("changed", True) else ": the edit changed no pixel"))

    def variants(self) -> None:
        self.require_daemon()
        doc = self.document()
        photo, arrays = self._edit_inputs(doc)
        args = {"n": self.settings.variants, "feather": self.settings.feather}
        self._submit("Variants", "variants", args, arrays, lambda result, out: self._add_variants(doc, photo, out))

    def _add_variants(self, doc, photo, arrays: dict) -> None:
        group = document_io.add_result_group(doc, photo, list(arrays["layers"]))
        doc.refreshProjection()
        self.say(f"Added “{group.name()}”: show one variant at a time to compare")

    def style_copy(self) -> None:
        """Render the active document's edited mask in the style of another open document's photo."""
        self.require_daemon()
        doc = self.document()
        document_io.check_rgba8(doc)
        reference = next((d for d in self.krita.documents() if d != doc and document_io.find_group(d) is not None), None)
        if reference is None:
            raise PluginError("Style copy needs a second open document with a photo and a MaskGAN mask as the reference")
        photo = document_io.photo_layer(doc)
        _, target = self._masks(doc)
        _, ref_photo_arrays = self._edit_inputs(reference)
        arrays = {"target_mask": target, "reference_image": ref_photo_arrays["image"],
                  "reference_mask": ref_photo_arrays["source_mask"]}
        self._submit("Style copy", "style_copy", {}, arrays,
                     lambda result, out: self._add_style(doc, photo, reference.name(), out))

    def _add_style(self, doc, photo, reference_name: str, arrays: dict) -> None:
        import numpy as np

        image = arrays["image"]
        rgba = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        node = document_io.add_result_layer(doc, photo, rgba, naming.STYLE_PREFIX)
        doc.refreshProjection()
        self.say(f"Added “{node.name()}” in the style of “{reference_name}”")

    # --- batch -------------------------------------------------------------------------------------
    def run_batch(self) -> None:
        """Apply edit on every open document that has MaskGAN masks, one after another."""
        self.require_daemon()
        if self.batch is not None:
            raise PluginError("a batch is already running; cancel it first")
        docs = [d for d in self.krita.documents() if document_io.find_group(d) is not None]
        if not docs:
            raise PluginError("no open document has MaskGAN masks: import a mask into each photo first")
        self.batch = Batch([Item(d.name(), d) for d in docs])
        self._next_batch_item()

    def _next_batch_item(self) -> None:
        batch = self.batch
        item = batch.next_item()
        if item is None:
            self.batch = None
            self._set_progress(None)
            self.say(batch.summary())
            return
        doc = item.payload
        what = f"Batch {batch.position()} “{item.label}”"
        try:
            photo, arrays = self._edit_inputs(doc)
        except PluginError as error:
            batch.finish(False, str(error))
            QTimer.singleShot(0, self._next_batch_item)
            return

        def done(result, out):
            self._add_edit(doc, photo, result, out)
            batch.finish(True)
            self._next_batch_item()

        def failed(error):
            batch.finish(False, error.message)
            self._next_batch_item()

        self._submit(what, "edit", {"feather": self.settings.feather}, arrays, done, failed)

    def cancel(self) -> None:
        if self.batch is not None:
            self.batch.cancel()
        if not self.running:
            self.say("Nothing to cancel")
            return
        for request_id in list(self.running):
            self.connection.cancel(request_id)
        self.say("Cancelling…")

    def parse_face(self) -> None:
        """Ask the daemon to parse the photo; today's daemons answer 'unsupported', so say so and offer import."""
        self.require_daemon()
        doc = self.document()
        document_io.check_rgba8(doc)
        photo = document_io.photo_layer(doc)
        arrays = {"image": document_io.read_photo(doc, photo)}

        def parsed(result, out):
            document_io.create_mask_group(doc, out["label"], self.settings.mask_mode)
            doc.refreshProjection()
            self.say("Parsed the face into the MaskGAN group")

        def failed(error):
            self.say(f"Parse face: {error.message}. Use Import mask… with a colour mask in the official palette.")

        self._submit("Parse face", "parse", {}, arrays, parsed, failed)
