"""What the buttons and shortcuts do: one Controller per Krita session, shared by every window's docker.

It reads the document, sends requests through the Connection, and turns replies
into new layers. Its state (connection line, message, progress) is published by
the ``changed`` signal; dockers only display it. Nothing here waits on the
daemon: each reply arrives as a callback on Krita's event loop.
"""

from __future__ import annotations

import random
from pathlib import Path

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from maskgan_client import PROTOCOL_VERSION, DaemonError

from . import daemon_launch, document_io, mask_colours, messages, naming, photo_source
from .connection import Connection
from .guard import PluginError, guarded, log
from .jobs import CANCELLED, DONE, FAILED, SKIPPED, Batch, Item
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
        self._cancelled: set[str] = set()  # running requests the user cancelled: their results are dropped
        self.batch: Batch | None = None
        self._send_item = None  # (Item) -> None: sends one item of the running batch
        self.batch_lines: list[str] = []  # one line per item of the running or last batch
        self.face = 0  # which face Parse face asks for: 0 = the largest
        self._start_tries = 0
        self._auto_started: set[str] = set()  # endpoints auto-start already tried this session (no start loops)

    # --- state published to the dockers ------------------------------------------------
    def say(self, text: str) -> None:
        self.message = text
        log.info("MaskGAN: %s", text)
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
            self.connection_text = messages.connected(result)
        self.changed.emit()

    def precision_note(self) -> str:
        """Says so when the Precision setting differs from the connected daemon's ("" otherwise)."""
        return messages.precision_note(self.settings.precision, self.daemon)

    def set_precision(self, precision: str) -> None:
        self.settings.precision = precision
        self.changed.emit()  # the dockers show whether the running daemon differs

    def _on_hello_failed(self, error) -> None:
        self.daemon = None
        if 0 < self._start_tries < START_TRIES:  # a daemon we started is still loading
            self._start_tries += 1
            QTimer.singleShot(START_RETRY_MS, self.connect_daemon)
            return
        self._start_tries = 0
        self.connection_text = f"Not connected: {error.message}"
        self.changed.emit()
        endpoint = self.connection.endpoint
        if self.settings.auto_start and error.code == "unavailable" and endpoint not in self._auto_started:
            self._auto_started.add(endpoint)
            guarded(self.say)(self.start_daemon)()

    def start_daemon(self) -> None:
        command = daemon_launch.start_command(self.settings.endpoint, self.settings.precision)
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
        label = mask_colours.read_label(document_io.read_image_file(path), self.settings.colour_tolerance,
                                        f"“{Path(path).name}”")
        kept = self._make_mask_group(doc, label)
        self.say(f"Imported the mask: paint on “{naming.EDITED_MASK}” with the palette colours, then Apply edit." + kept)

    def _make_mask_group(self, doc, label) -> str:
        """Make the MaskGAN group of ``label``; returns a note naming where the previous group was kept, if any."""
        previous = document_io.find_group(doc)
        document_io.create_mask_group(doc, label, self.settings.mask_mode)
        doc.refreshProjection()
        return f" The previous masks are kept, hidden, as “{previous.name()}”." if previous is not None else ""

    def set_mask_mode(self, mode: str) -> None:
        """Remember the mode; convert the active document's editable mask when it has one."""
        self.settings.mask_mode = mode
        doc = self.krita.activeDocument()
        if doc is not None and document_io.find_group(doc) is not None and document_io.edited_mode(doc) != mode:
            self._masks(doc)  # refuse to convert a mask with unknown colours (it would lose them)
            document_io.convert_edited(doc, mode, self.settings.colour_tolerance)
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
        """(source, edited) label maps, read with the Colour tolerance setting; PluginError says what is wrong."""
        tolerance = self.settings.colour_tolerance
        return document_io.read_source_mask(doc, tolerance), document_io.read_edited_mask(doc, tolerance)

    def _photo(self, doc, layer=None) -> photo_source.Photo:
        """``layer`` as the photo (a batch over selected layers), or, for None, what the Photo setting says."""
        document_io.check_rgba8(doc)
        if layer is not None:
            return photo_source.of_layer(doc, layer)
        return photo_source.photo(doc, self.settings.photo_source)

    def _edit_inputs(self, doc, layer=None, masks=None):
        """(the layer results go above, arrays) of an edit of ``doc``; PluginError says what is missing or wrong.
        ``masks``: (source, edited) already read, else the document's are read now."""
        photo = self._photo(doc, layer)
        source, edited = self._masks(doc) if masks is None else masks
        return photo.anchor, {"image": photo.image, "source_mask": source, "edited_mask": edited}

    def _result_spot(self, doc, anchor):
        """Where a new result goes, as the "Results go" setting says (read when the result arrives)."""
        return document_io.result_spot(doc, anchor, self.settings.result_place)

    # --- requests -------------------------------------------------------------------------------
    def _submit(self, what: str, op: str, args: dict, arrays: dict, on_result, on_error=None, on_progress=None) -> str:
        """Send a request; later exactly one of ``on_result(result, arrays)`` / ``on_error(DaemonError)`` runs.

        Without ``on_error``/``on_progress`` the message line reports them. A request the user
        cancelled ends in on_error('cancelled') even when its result was already on the way,
        so that nothing is added after Cancel.
        """
        # The request leaves ``running`` only after its handler is done: a handler may spin
        # Krita's event loop (refreshProjection), and others must not see it finished early.
        def result(header, reply_arrays):
            if request_id in self._cancelled:
                error(DaemonError("cancelled", "cancelled; its result came after Cancel and was dropped"))
                return
            guarded(self.say)(on_result)(header, reply_arrays)
            self._forget(request_id)

        def error(failure):
            self._forget(request_id)
            guarded(self.say)(on_error or self._report_failure(what))(failure)
            if failure.code == "unavailable":
                self.daemon = None
                self.connection_text = f"Not connected: {failure.message}"
                self.changed.emit()

        def progress(done, total, message):
            self.progress = done / total if total else None
            self.say(f"{what}: {message}")

        request_id = self.connection.submit(op, args, arrays, on_result=result, on_error=error,
                                            on_progress=on_progress or progress)
        self.running[request_id] = what
        if on_progress is None:
            self.progress = 0.0
            self.say(f"{what}: sent to the daemon…")
        return request_id

    def _forget(self, request_id: str) -> None:
        self.running.pop(request_id, None)
        self._cancelled.discard(request_id)
        if not self.running and self.batch is None:
            self.progress = None
        self.changed.emit()

    def _report_failure(self, what: str):
        def report(failure) -> None:
            if failure.code == "cancelled":
                self.say(f"{what} cancelled; nothing was added")
            else:
                self.say(f"{what} failed: {failure.message}")

        return report

    def cancel(self) -> None:
        """Cancel every running request and the rest of a batch; results that still arrive are dropped."""
        if self.batch is not None:
            self.batch.stop()
            if not self.running:
                self._feed_batch()
                return
        if not self.running:
            self.say("Nothing to cancel")
            return
        for request_id in self.running:
            self._cancelled.add(request_id)
            self.connection.cancel(request_id)
        self.say("Cancelling…")

    # --- single actions -----------------------------------------------------------------------------
    def parse_face(self) -> None:
        """Parse the photo into the MaskGAN group; ``self.face`` says which face (0 = the largest)."""
        self.require_daemon()
        doc = self.document()
        self._submit("Parse face", "parse", {"face": self.face}, self._parse_inputs(doc),
                     lambda result, out: self.say(self._add_parse(doc, result, out)))

    def _parse_inputs(self, doc, layer=None) -> dict:
        return {"image": self._photo(doc, layer).image}

    def _add_parse(self, doc, result: dict, arrays: dict) -> str:
        return messages.parsed(result) + self._make_mask_group(doc, arrays["label"])

    def apply_edit(self, style_document=None) -> None:
        """Edit the active document; ``style_document``: the “Style from” choice (added parts may come from it)."""
        self.require_daemon()
        doc = self.document()
        anchor, arrays = self._edit_inputs(doc)
        self._submit("Apply edit", "edit", self._edit_args(), {**arrays, **self._look_arrays(style_document)},
                     lambda result, out: self.say(self._add_edit(doc, anchor, result, out)))

    def _add_edit(self, doc, anchor, result: dict, arrays: dict) -> str:
        node = document_io.add_result_layer(doc, self._result_spot(doc, anchor), arrays["layer"])
        doc.refreshProjection()
        return (f"Added “{node.name()}”" + ("" if result.get("changed", True) else ": the edit changed no pixel")
                + messages.drawn_looks(result.get("looks") or {}))

    def _edit_args(self) -> dict:
        return {"feather": self.settings.feather, "look": self.settings.look}

    def _look_arrays(self, style_document) -> dict:
        """The reference arrays that draw the added parts from the “Style from” document, when the setting says so."""
        if not self.settings.looks_from_style:
            return {}
        if style_document is None:
            raise PluginError("“Added parts from Style from” is on, but no document is chosen under “Style from”: open "
                              "a photo of a face that wears the parts, parse or import its mask, and choose it there")
        photo, mask = self._reference_face(style_document)
        return {"reference_image": photo, "reference_mask": mask}

    def _reference_face(self, reference) -> tuple:
        """(photo, source mask) of a reference document; PluginError when it closed or cannot be read."""
        if not any(reference == d for d in self.krita.documents()):
            raise PluginError("the chosen style reference is no longer open; pick another under “Style from”")
        document_io.check_rgba8(reference)
        photo = document_io.read_photo(reference, document_io.photo_layer(reference))
        return photo, document_io.read_source_mask(reference, self.settings.colour_tolerance)

    def variants(self, style_document=None) -> None:
        """A group of variants; a fresh seed per click, named in the message so that a result can be redone."""
        self.require_daemon()
        doc = self.document()
        anchor, arrays = self._edit_inputs(doc)
        seed = random.randrange(2**31)
        args = {"n": self.settings.variants, "seed": seed, **self._edit_args()}
        self._submit("Variants", "variants", args, {**arrays, **self._look_arrays(style_document)},
                     lambda result, out: self._add_variants(doc, anchor, seed, out))

    def _add_variants(self, doc, anchor, seed: int, arrays: dict) -> None:
        group = document_io.add_result_group(doc, self._result_spot(doc, anchor), list(arrays["layers"]))
        doc.refreshProjection()
        self.say(f"Added “{group.name()}” (seed {seed}): {len(arrays['layers'])} variants, the first shown; "
                 "show one at a time to compare")

    def style_references(self) -> list:
        """The documents Style copy can take the style from: the other open ones with MaskGAN masks."""
        return document_io.style_references(self.krita.documents(), self.krita.activeDocument())

    def style_copy(self, reference=None) -> None:
        """Render the active document's edited mask in the style of ``reference`` (a document with MaskGAN masks)."""
        self.require_daemon()
        doc = self.document()
        document_io.check_rgba8(doc)
        if reference is None:
            raise PluginError("Style copy needs a reference: open a second photo, parse or import its mask, "
                              "and pick it under “Style from”")
        anchor = photo_source.anchor(doc, self.settings.photo_source)
        _, target = self._masks(doc)
        reference_photo, reference_mask = self._reference_face(reference)
        arrays = {"target_mask": target, "reference_image": reference_photo, "reference_mask": reference_mask}
        self._submit("Style copy", "style_copy", {}, arrays,
                     lambda result, out: self._add_style(doc, anchor, reference.name(), out))

    def _add_style(self, doc, anchor, reference_name: str, arrays: dict) -> None:
        import numpy as np

        image = arrays["image"]
        rgba = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        node = document_io.add_result_layer(doc, self._result_spot(doc, anchor), rgba, naming.STYLE_PREFIX)
        doc.refreshProjection()
        self.say(f"Added “{node.name()}” in the style of “{reference_name}”")

    # --- batches ---------------------------------------------------------------------------------------
    # Batch scope "documents": one item per open document, payload (document, None): the document's own photo
    # (as the Photo setting says) and MaskGAN group. Scope "layers": one item per selected layer of the active
    # document, payload (document, layer): each layer is the photo, whatever the Photo setting; Batch apply sends
    # each with the document's masks, Batch parse adds each one's mask as a layer above it.
    def batch_apply(self, style_document=None) -> None:
        """Apply edit on each item of the batch scope."""
        look_arrays = self._look_arrays(style_document)  # read once: every item draws added parts from it
        if self.settings.batch_scope == "layers":
            doc, items = self._selected_layer_items()
            # every layer goes with these masks: read once, so that bad colours stop the batch before anything is sent
            masks = self._masks(doc)
            batch = Batch(f"Batch apply on “{doc.name()}”", "applied", items)
            self._start_batch(batch, lambda item: self._send_edit(item, look_arrays, masks))
            return
        docs = [d for d in self.krita.documents() if document_io.find_group(d) is not None]
        if not docs:
            raise PluginError("no open document has MaskGAN masks: parse or import a mask into each photo first")
        self._start_batch(Batch("Batch apply", "applied", [Item(f"“{d.name()}”", (d, None)) for d in docs]),
                          lambda item: self._send_edit(item, look_arrays))

    def batch_parse(self) -> None:
        """Parse face (the largest in each photo) on each item of the batch scope; in the document scope,
        on every open document without MaskGAN masks yet."""
        if self.settings.batch_scope == "layers":
            doc, items = self._selected_layer_items()
            batch = Batch(f"Batch parse on “{doc.name()}”", "parsed", items)
        else:
            docs = [d for d in self.krita.documents() if document_io.find_group(d) is None]
            if not docs:
                raise PluginError("every open document has MaskGAN masks already; "
                                  "to parse one again, use Parse face on it")
            batch = Batch("Batch parse", "parsed", [Item(f"“{d.name()}”", (d, None)) for d in docs])
        self._start_batch(batch, self._send_parse)

    def _selected_layer_items(self):
        """(document, items) of the layers selected in the active view; layers that cannot be photos are
        items already SKIPPED, with the reason."""
        window = self.krita.activeWindow()
        view = window.activeView() if window is not None else None
        doc = view.document() if view is not None else None
        if doc is None:
            raise PluginError("open a photo first")
        document_io.check_rgba8(doc)
        nodes = view.selectedNodes()
        if not nodes:
            raise PluginError(f"no layer of “{doc.name()}” is selected: select the photo layers in the Layers docker "
                              "(Ctrl+click for several), or set “Batch over” to all open documents")
        items = []
        for node in nodes:
            problem = document_io.photo_problem(node)
            label = f"“{node.name()}”"
            items.append(Item(label, (doc, node)) if problem is None else Item(label, state=SKIPPED, message=problem))
        return doc, items

    def _start_batch(self, batch: Batch, send) -> None:
        self.require_daemon()
        if self.batch is not None:
            raise PluginError("a batch is already running; cancel it first")
        self.batch, self._send_item = batch, send
        self.progress = 0.0
        self._feed_batch()

    def _feed_batch(self) -> None:
        """Send what the batch allows now; once every item has finished, show the summary."""
        batch = self.batch
        while ready := batch.start_next():
            for item in ready:
                try:
                    self._send_item(item)
                except PluginError as error:  # the item cannot be sent; the others go on
                    batch.finish(item, FAILED, str(error))
        self.batch_lines = batch.lines()
        if batch.over:
            self.batch, self.progress = None, None
            self.say(batch.summary())
        else:
            self.progress = batch.progress()
            self.changed.emit()

    def _send_edit(self, item: Item, look_arrays: dict, masks=None) -> None:
        doc, layer = item.payload
        anchor, arrays = self._edit_inputs(doc, layer, masks)
        self._send_batch_item(item, "edit", self._edit_args(), {**arrays, **look_arrays},
                              lambda result, out: self._add_edit(doc, anchor, result, out))

    def _send_parse(self, item: Item) -> None:
        doc, layer = item.payload

        def add(result, out):
            if layer is None:  # a document: its MaskGAN group
                self._add_parse(doc, result, out)
            else:  # one layer of several: its own mask above it, beside the document's group
                document_io.add_mask_layer(doc, layer, out["label"])
                doc.refreshProjection()

        self._send_batch_item(item, "parse", {"face": 0}, self._parse_inputs(doc, layer), add)

    def _send_batch_item(self, item: Item, op: str, args: dict, arrays: dict, add) -> None:
        """One item's request: its progress shows on its line, its outcome finishes it and feeds the batch."""
        batch = self.batch

        def result(header, out):
            try:
                add(header, out)
                batch.finish(item, DONE)
            except Exception as error:  # noqa: BLE001 - one item's failure must not stop the batch
                if not isinstance(error, PluginError):
                    log.exception("MaskGAN: adding the result of %s failed", item.label)
                batch.finish(item, FAILED, str(error) if isinstance(error, PluginError) else f"{type(error).__name__}: {error}")
            finally:
                self._feed_batch()

        def failed(error):
            if error.code == "unavailable":  # the daemon is gone: items not sent yet would fail alike
                batch.stop(FAILED, error.message)
            batch.finish(item, CANCELLED if error.code == "cancelled" else FAILED, error.message)
            self._feed_batch()

        def progress(done, total, message):
            item.step, item.message = (done / total if total else item.step), message
            self.batch_lines, self.progress = batch.lines(), batch.progress()
            self.changed.emit()

        self._submit(f"{batch.title} {item.label}", op, args, arrays, result, failed, progress)
