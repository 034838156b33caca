"""What the buttons and shortcuts do: one Controller per Krita session, shared by every window's docker.

It reads the document, sends requests through the Connection, and turns replies
into new layers. Its state (connection line, message, progress) is published by
the ``changed`` signal; dockers only display it. Nothing here waits on the
daemon: each reply arrives as a callback on Krita's event loop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from maskgan_client import PROTOCOL_VERSION, DaemonError

from . import daemon_launch, document_io, mask_colours, messages, naming, photo_source, regions
from .connection import STOPPED_ANSWERING, Connection
from .document_io import title
from .guard import PluginError, guarded, log
from .jobs import CANCELLED, DONE, FAILED, SKIPPED, Batch, Item
from .settings import Settings
from .steps import Steps
from .vendor_path import labels

START_RETRY_MS = 1000
START_TRIES = 60


@dataclass
class MaskPhoto:
    """The photo a document's masks were made from: the layer (None: the whole image as shown), and its
    fingerprint then (regions.block_sums; None until known), to notice a photo changed since."""

    layer_id: str | None
    layer_name: str
    fingerprint: tuple | None = None


def _uid(node) -> str:
    return node.uniqueId().toString()


class Controller(QObject):
    changed = pyqtSignal()

    def __init__(self, krita, parent=None):
        super().__init__(parent)
        self.krita = krita
        self.settings = Settings(krita)
        self.connection = Connection(self.settings.endpoint, self)
        self.daemon: dict | None = None  # the hello result while connected
        self.connection_text = "Not connected"
        self.connection_detail = ""  # the full reason, for the connection line's tooltip
        self.message = ""
        self.message_detail = ""
        self.progress: float | None = None  # 0..1 while something runs
        self.running: dict[str, str] = {}  # request id -> what it is, for Cancel
        self._cancelled: set[str] = set()  # running requests the user cancelled: their results are dropped
        self.batch: Batch | None = None
        self._send_item = None  # (Item) -> None: sends one item of the running batch
        self.batch_lines: list[str] = []  # one line per item of the running or last batch
        self.face = 0  # which face Parse face asks for: 0 = the largest
        self.preparing: dict[Steps, str] = {}  # photos and masks being read for a request, band by band: what for
        self._adding: dict[str, Steps] = {}  # request id -> its result being added, layer by layer
        self._photos: dict[str, MaskPhoto] = {}  # MaskGAN group's unique id -> the photo its masks belong to
        self._start_tries = 0
        self._auto_started: set[str] = set()  # endpoints auto-start already tried this session (no start loops)

    # --- state published to the dockers ------------------------------------------------
    def say(self, text: str, detail: str = "") -> None:
        """Show ``text`` on the message line; ``detail`` (a command line, say) goes to its tooltip."""
        self.message, self.message_detail = text, detail
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
        if self._start_tries:
            self.message, self.message_detail = "The daemon started.", ""
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
        self._not_connected(error.message)
        endpoint = self.connection.endpoint
        if self.settings.auto_start and error.code == "unavailable" and endpoint not in self._auto_started:
            self._auto_started.add(endpoint)
            guarded(self.say)(self.start_daemon)()

    def _not_connected(self, why: str) -> None:
        """The connection line says so briefly; why (with the endpoint) goes to its tooltip."""
        self.daemon = None
        self.connection_text = "Not connected: " + (why if why == STOPPED_ANSWERING else "no MaskGAN daemon answers")
        self.connection_detail = why
        self.changed.emit()

    def start_daemon(self) -> None:
        command = daemon_launch.start_command(self.settings.endpoint, self.settings.precision)
        daemon_launch.launch(command)
        self._start_tries = 1
        self.say("Starting the daemon…", "Started with: " + " ".join(command))
        QTimer.singleShot(START_RETRY_MS, self.connect_daemon)

    def require_daemon(self) -> None:
        if self.daemon is None:
            error = PluginError("no MaskGAN daemon is connected: press Start daemon or run `maskgan daemon start`, "
                                "then try again")
            self.connect_daemon()  # so that the next click works once a daemon answers
            raise error

    # --- the document ------------------------------------------------------------------------
    def document(self):
        doc = self.krita.activeDocument()
        if doc is None:
            raise PluginError("open a photo first")
        return doc

    def is_open(self, doc) -> bool:
        return any(doc == d for d in self.krita.documents())

    def import_mask(self, path: str) -> None:
        """Make the MaskGAN group of the active document from a colour mask file (official palette)."""
        doc = self.document()
        document_io.check_rgba8(doc)
        photo = self._photo(doc)
        label = mask_colours.read_label(document_io.read_image_file(path), self.settings.colour_tolerance,
                                        f"“{Path(path).name}”")
        kept = self._make_mask_group(doc, label, photo)
        self.say(f"Imported the mask: paint on “{naming.EDITED_MASK}” with the palette colours, then Apply edit." + kept)
        record = self._photos[_uid(document_io.find_group(doc))]

        def fingerprint():  # of the photo as it is now, to notice later changes; read in steps
            _, record.fingerprint = yield from self._photo_with_fingerprint(doc, photo)

        self._prepare("Import mask", doc, fingerprint(), quiet=True)

    @staticmethod
    def _photo_with_fingerprint(doc, photo):
        """Generator: (the whole photo, its fingerprint: regions.block_sums)."""
        return (yield from photo.read_steps(doc, document_io.whole(doc), fingerprint=True))

    def _make_mask_group(self, doc, label, photo: photo_source.Photo, fingerprint=None) -> str:
        return document_io.run_now(self._make_mask_group_steps(doc, label, photo, fingerprint))

    def _make_mask_group_steps(self, doc, label, photo: photo_source.Photo, fingerprint=None):
        """Generator: make the MaskGAN group of ``label`` layer by layer and remember the photo it belongs to;
        returns a note naming where the previous group was kept, if any."""
        previous = document_io.find_group(doc)
        group = yield from document_io.create_mask_group_steps(doc, label, self.settings.mask_mode)
        layer = photo.source if photo.source is not doc else None
        self._photos[_uid(group)] = MaskPhoto(_uid(layer) if layer is not None else None,
                                              layer.name() if layer is not None else "", fingerprint)
        return f" The previous masks are kept, hidden, as “{previous.name()}”." if previous is not None else ""

    def mask_photo(self, doc):
        """(MaskPhoto, its layer) of the masks of ``doc``, or (None, None) when not known (masks from an earlier
        session). PluginError when that layer is gone."""
        group = document_io.find_group(doc)
        record = self._photos.get(_uid(group)) if group is not None else None
        if record is None or record.layer_id is None:
            return record, None
        layer = next((node for node in document_io.walk(doc.rootNode()) if _uid(node) == record.layer_id), None)
        if layer is None:
            raise PluginError(f"{title(doc)}: the photo layer “{record.layer_name}” the masks were made from is "
                              "gone: parse the face or import the mask again")
        return record, layer

    def photo_line(self) -> str:
        """What the docker shows about the photo of the active document ("" without a document)."""
        doc = self.krita.activeDocument()
        if doc is None:
            return ""
        try:
            if self.settings.photo_source == "image":
                return "Photo: the whole image as shown"
            record, layer = self.mask_photo(doc)
            if layer is not None:
                return f"Photo: “{layer.name()}” (the masks were made from it)"
            return f"Photo: “{document_io.photo_layer(doc).name()}”"
        except PluginError as error:
            return str(error)

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
        """Palette swatch: set the foreground colour and select the layer to paint it on: the class's layer in
        per-class mode, else the Edited mask (so that strokes never land on the photo)."""
        from krita import ManagedColor
        from PyQt5.QtGui import QColor

        window = self.krita.activeWindow()
        view = window.activeView() if window is not None else None
        if view is None:
            raise PluginError("open a document to paint on")
        view.setForeGroundColor(ManagedColor.fromQColor(QColor(*map(int, labels().PALETTE[index])), view.canvas()))
        doc = view.document()
        name = labels().CLASS_NAMES[index]
        group = document_io.find_group(doc) if doc is not None else None
        if group is None:
            self.say(f"Painting {name}: parse the face or import a mask first, then paint on “{naming.EDITED_MASK}”")
            return
        layer = document_io.class_layer(doc, index) or document_io.child(group, naming.EDITED_MASK)
        if layer is None:  # per-class mode, background: erase on the class layers
            self.say(f"Painting {name}: in per-class mode, erase the classes' layers to paint background")
            return
        doc.setActiveNode(layer)
        self.say(f"Painting {name} on “{layer.name()}”")

    def _masks(self, doc):
        """(source, edited) label maps of the whole document, read with the Colour tolerance setting."""
        tolerance = self.settings.colour_tolerance
        return document_io.read_source_mask(doc, tolerance), document_io.read_edited_mask(doc, tolerance)

    def _photo(self, doc, layer=None) -> photo_source.Photo:
        """``layer`` as the photo (a batch over selected layers), or, for None, what the Photo setting says
        (with masks: the layer they were made from)."""
        document_io.check_rgba8(doc)
        if layer is not None:
            return photo_source.of_layer(layer)
        return photo_source.photo(doc, self.settings.photo_source, self.mask_photo(doc)[1])

    def _edit_steps(self, doc, layer=None, masks=None):
        """Generator: (the layer results go above, the region read, arrays, a note on the photo) of an edit of
        ``doc``, reading only the face's region of the document (document_io.edit_region), band by band.
        ``masks``: (region, source, edited) already read, else the document's are read now. PluginError says
        what is missing or wrong."""
        photo = self._photo(doc, layer)
        tolerance = self.settings.colour_tolerance
        if masks is None:
            rect = document_io.edit_region(doc)
            source = yield from document_io.read_source_mask_steps(doc, tolerance, rect)
            edited = yield from document_io.read_edited_mask_steps(doc, tolerance, rect)
        else:
            rect, source, edited = masks
        image = yield from photo.read_steps(doc, rect)
        note = self._photo_change(doc, photo, image, rect) if layer is None else ""
        return photo.anchor, rect, {"image": image, "source_mask": source, "edited_mask": edited}, note

    def _photo_change(self, doc, photo, image, rect) -> str:
        """A note when the photo layer changed since its masks were made ("" when not, or not known)."""
        record, layer = self.mask_photo(doc)
        if record is None or record.fingerprint is None or layer is None or photo.source != layer:
            return ""
        changed = regions.changed_blocks(record.fingerprint, image, (rect.x, rect.y))
        if not changed:
            return ""
        return (f" Note: the photo layer “{layer.name()}” changed since its masks were made (around the face): "
                f"if you painted on it by mistake, undo that and paint on “{naming.EDITED_MASK}”.")

    def _result_spot(self, doc, anchor):
        """Where a new result goes, as the "Results go" setting says (read when the result arrives)."""
        return document_io.result_spot(doc, anchor, self.settings.result_place)

    # --- requests -------------------------------------------------------------------------------
    def _prepare(self, what: str, doc, steps, quiet: bool = False) -> None:
        """Run ``steps`` (a generator that reads the document and ends by submitting) a band per turn of Krita's
        event loop; Cancel stops it. ``quiet``: no message while it runs (background work)."""
        def done(_value):
            self.preparing.pop(task, None)
            self.changed.emit()

        def failed(error):
            self.preparing.pop(task, None)
            self._report_steps_error(what, error, f"{label} was closed while {what} read it; nothing was sent")

        label = title(doc)
        task = Steps(steps, done, failed, alive=lambda: self.is_open(doc), parent=self)
        self.preparing[task] = "" if quiet else what
        if not quiet:
            self.progress = 0.0
            self.say(f"{what}: reading {label}…")
        task.start()

    def _submit(self, what: str, op: str, args: dict, arrays: dict, on_result, on_error=None, on_progress=None,
                doc=None) -> str:
        """Send a request; later exactly one of ``on_result(result, arrays)`` / ``on_error(DaemonError)`` runs.

        Without ``on_error``/``on_progress`` the message line reports them. A request the user
        cancelled ends in on_error('cancelled') even when its result was already on the way,
        so that nothing is added after Cancel. When ``doc`` closed meanwhile, it ends in on_error('closed').
        ``on_result`` may return a generator (it adds layer by layer and returns the message): it runs in
        steps, and Cancel stops it and takes away what it added.
        """
        # The request leaves ``running`` only after its handler is done (a generator: after its last step),
        # so that Cancel can still take its layers away and others do not see it finished early.
        label = title(doc) if doc is not None else ""

        def result(header, reply_arrays):
            if request_id in self._cancelled:
                error(DaemonError("cancelled", "cancelled; its result came after Cancel and was dropped"))
                return
            if doc is not None and not self.is_open(doc):
                error(DaemonError("closed", f"{label} was closed while {what} ran; its result was dropped"))
                return
            outcome = guarded(self.say)(on_result)(header, reply_arrays)
            if hasattr(outcome, "send"):
                self._add_in_steps(request_id, what, doc, outcome)
            else:
                self._forget(request_id)

        def error(failure):
            self._forget(request_id)
            guarded(self.say)(on_error or self._report_failure(what))(failure)
            if failure.code == "unavailable":
                self._not_connected(failure.message)

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

    def _add_in_steps(self, request_id: str, what: str, doc, steps) -> None:
        """Add a result layer by layer; its generator returns the message."""
        def done(message):
            self._adding.pop(request_id, None)
            self._forget(request_id)
            self.say(message)

        def failed(error):
            self._adding.pop(request_id, None)
            self._forget(request_id)
            self._report_steps_error(what, error, f"{title_then} was closed while {what}'s result was being added")

        title_then = title(doc) if doc is not None else "the document"
        self._adding[request_id] = Steps(steps, done, failed,
                                         alive=(lambda: self.is_open(doc)) if doc is not None else (lambda: True),
                                         parent=self).start()

    def _report_steps_error(self, what: str, error, closed: str) -> None:
        """Say why work in steps (steps.Steps) ended early: ``closed`` for a document that closed (``error`` None),
        a PluginError as it is, anything else logged and summarised."""
        if error is None:
            self.say(closed)
        elif isinstance(error, PluginError):
            self.say(str(error))
        else:
            log.error("MaskGAN: %s failed", what, exc_info=error)
            self.say(f"{what} failed: {type(error).__name__}: {error}")

    def _forget(self, request_id: str) -> None:
        self.running.pop(request_id, None)
        self._cancelled.discard(request_id)
        if not self.running and self.batch is None and not self.preparing:
            self.progress = None
        self.changed.emit()

    def _report_failure(self, what: str):
        def report(failure) -> None:
            if failure.code == "cancelled":
                self.say(f"{what} cancelled; nothing was added")
            elif failure.code == "closed":
                self.say(failure.message)
            else:
                self.say(f"{what} failed: {failure.message}")

        return report

    @property
    def busy(self) -> bool:
        """Whether anything runs: a request, a batch, or a document being read for one."""
        return bool(self.running or self.batch is not None or any(self.preparing.values()))

    def cancel(self) -> None:
        """Cancel every running request, the reading before one, the adding of results and the rest of a batch;
        results that still arrive are dropped, and layers added for a cancelled result are taken away."""
        stopped = [what for task, what in list(self.preparing.items()) if what]
        for task in [task for task, what in self.preparing.items() if what]:
            task.cancel()
            self.preparing.pop(task, None)
        if self.batch is not None:
            self.batch.stop()
            if not self.running:
                self._feed_batch()
                return
        if not self.running:
            self.progress = None
            self.say(f"{', '.join(stopped)} cancelled; nothing was sent" if stopped else "Nothing to cancel")
            return
        for request_id, what in list(self.running.items()):
            adding = self._adding.pop(request_id, None)
            if adding is not None:  # its result is being added: take away what was added
                adding.cancel()
                self._forget(request_id)
                self.say(f"{what} cancelled while its result was being added; nothing was added")
                continue
            self._cancelled.add(request_id)
            self.connection.cancel(request_id)
        if self.running:
            self.say("Cancelling…")

    # --- single actions -----------------------------------------------------------------------------
    def parse_face(self) -> None:
        """Parse the photo into the MaskGAN group; ``self.face`` says which face (0 = the largest)."""
        self.require_daemon()
        doc = self.document()
        photo = self._photo(doc)

        def steps():
            image, fingerprint = yield from self._photo_with_fingerprint(doc, photo)
            self._submit("Parse face", "parse", {"face": self.face}, {"image": image},
                         lambda result, out: self._add_parse_steps(doc, photo, result, out, fingerprint), doc=doc)

        self._prepare("Parse face", doc, steps())

    def _add_parse_steps(self, doc, photo, result: dict, arrays: dict, fingerprint=None):
        """Generator: the MaskGAN group of a parse, layer by layer; returns the message."""
        kept = yield from self._make_mask_group_steps(doc, arrays["label"], photo, fingerprint)
        return messages.parsed(result) + kept

    def apply_edit(self, style_document=None) -> None:
        """Edit the active document; ``style_document``: the “Style from” choice (added parts may come from it).
        An edited mask equal to the source mask is not sent: the edit would change nothing."""
        self.require_daemon()
        doc = self.document()
        look_arrays = self._look_arrays(style_document)
        self._photo(doc)  # before reading: a missing photo layer or mask is said at once
        document_io.mask_nodes(doc)

        def steps():
            anchor, rect, arrays, note = yield from self._edit_steps(doc)
            if np.array_equal(arrays["source_mask"], arrays["edited_mask"]):
                raise PluginError(f"{title(doc)}: “{naming.EDITED_MASK}” equals the source mask, so the edit would "
                                  "change nothing: nothing was sent or added. Click a palette swatch (it selects "
                                  f"“{naming.EDITED_MASK}”) and paint the change there." + note)
            self._submit("Apply edit", "edit", self._edit_args(), {**arrays, **look_arrays},
                         lambda result, out: self._add_edit_steps(doc, anchor, rect, result, out, note), doc=doc)

        self._prepare("Apply edit", doc, steps())

    def _add_edit_steps(self, doc, anchor, rect, result: dict, arrays: dict, note: str = ""):
        """Generator: the edit's layer, added band by band; returns the message."""
        added = []
        try:
            node = yield from document_io.add_result_layer_steps(doc, self._result_spot(doc, anchor), arrays["layer"],
                                                                 naming.EDIT_PREFIX, (rect.x, rect.y), added)
            yield  # a Cancel that came while the layer was added takes it away
        except GeneratorExit:
            for node in added:
                node.remove()
            raise
        return (f"Added “{node.name()}”" + ("" if result.get("changed", True) else ": the edit changed no pixel")
                + messages.routes_taken(result.get("routes") or {}) + messages.drawn_looks(result.get("looks") or {})
                + note)

    def _edit_args(self) -> dict:
        return {"feather": self.settings.feather, "look": self.settings.look, "method": self.settings.method}

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
        if not self.is_open(reference):
            raise PluginError("the chosen style reference is no longer open; pick another under “Style from”")
        document_io.check_rgba8(reference)
        layer = self.mask_photo(reference)[1] or document_io.photo_layer(reference)
        photo = document_io.read_photo(reference, layer)
        return photo, document_io.read_source_mask(reference, self.settings.colour_tolerance)

    def variants(self, style_document=None) -> None:
        """A group of variants; a fresh seed per click, named in the message so that a result can be redone."""
        self.require_daemon()
        doc = self.document()
        look_arrays = self._look_arrays(style_document)
        self._photo(doc)
        document_io.mask_nodes(doc)

        def steps():
            anchor, rect, arrays, note = yield from self._edit_steps(doc)
            seed = random.randrange(2**31)
            args = {"n": self.settings.variants, "seed": seed, **self._edit_args()}
            self._submit("Variants", "variants", args, {**arrays, **look_arrays},
                         lambda result, out: self._add_variants_steps(doc, anchor, rect, seed, out, note), doc=doc)

        self._prepare("Variants", doc, steps())

    def _add_variants_steps(self, doc, anchor, rect, seed: int, arrays: dict, note: str = ""):
        """Generator: the variants' group, a layer per step; returns the message."""
        added = []
        try:
            group = yield from document_io.add_result_group_steps(doc, self._result_spot(doc, anchor),
                                                                  list(arrays["layers"]), (rect.x, rect.y), added)
            yield  # a Cancel that came while the last variant was added takes the group away
        except GeneratorExit:
            for node in added:
                node.remove()
            raise
        return (f"Added “{group.name()}” (seed {seed}): {len(arrays['layers'])} variants, the first shown; "
                "show one at a time to compare" + note)

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
        anchor = photo_source.anchor(doc, self.settings.photo_source, self.mask_photo(doc)[1])
        _, target = self._masks(doc)
        reference_photo, reference_mask = self._reference_face(reference)
        arrays = {"target_mask": target, "reference_image": reference_photo, "reference_mask": reference_mask}
        self._submit("Style copy", "style_copy", {}, arrays,
                     lambda result, out: self._add_style(doc, anchor, title(reference), out), doc=doc)

    def _add_style(self, doc, anchor, reference_name: str, arrays: dict) -> None:
        image = arrays["image"]
        rgba = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        node = document_io.add_result_layer(doc, self._result_spot(doc, anchor), rgba, naming.STYLE_PREFIX)
        doc.refreshProjection()
        self.say(f"Added “{node.name()}” in the style of {reference_name}")

    # --- what the buttons can do now -----------------------------------------------------------------
    def why_not(self, action: str) -> str | None:
        """Why the docker's ``action`` button cannot work now (None: it can): no daemon, no document, no masks."""
        if action == "cancel":
            return None if self.busy else "nothing is running"
        if action != "import" and self.daemon is None:
            return "no MaskGAN daemon is connected: press Start daemon"
        doc = self.krita.activeDocument()
        if action == "batch_parse" and self.settings.batch_scope == "documents":
            return None if self.krita.documents() else "open photos first"
        if action == "batch_apply" and self.settings.batch_scope == "documents":
            if not any(document_io.find_group(d) is not None for d in self.krita.documents()):
                return "no open document has MaskGAN masks: Parse face or Import mask… first"
            return None
        if doc is None:
            return "open a photo first"
        if action in ("apply", "variants", "style", "batch_apply") and document_io.find_group(doc) is None:
            return f"{title(doc)} has no MaskGAN masks yet: Parse face or Import mask… first"
        if action == "style" and not self.style_references():
            return "Style copy needs a second open photo with MaskGAN masks to take the style from"
        return None

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
            rect, tolerance = document_io.edit_region(doc), self.settings.colour_tolerance
            masks = (rect, document_io.run_now(document_io.read_source_mask_steps(doc, tolerance, rect)),
                     document_io.run_now(document_io.read_edited_mask_steps(doc, tolerance, rect)))
            batch = Batch(f"Batch apply on {title(doc)}", "applied", items)
            self._start_batch(batch, lambda item: self._send_edit(item, look_arrays, masks))
            return
        docs = [d for d in self.krita.documents() if document_io.find_group(d) is not None]
        if not docs:
            raise PluginError("no open document has MaskGAN masks: parse or import a mask into each photo first")
        self._start_batch(Batch("Batch apply", "applied", [Item(title(d), (d, None)) for d in docs]),
                          lambda item: self._send_edit(item, look_arrays))

    def batch_parse(self) -> None:
        """Parse face (the largest in each photo) on each item of the batch scope; in the document scope,
        on every open document without MaskGAN masks yet."""
        if self.settings.batch_scope == "layers":
            doc, items = self._selected_layer_items()
            batch = Batch(f"Batch parse on {title(doc)}", "parsed", items)
        else:
            docs = [d for d in self.krita.documents() if document_io.find_group(d) is None]
            if not docs:
                raise PluginError("every open document has MaskGAN masks already; "
                                  "to parse one again, use Parse face on it")
            batch = Batch("Batch parse", "parsed", [Item(title(d), (d, None)) for d in docs])
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
            raise PluginError(f"no layer of {title(doc)} is selected: select the photo layers in the Layers docker "
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
        anchor, rect, arrays, note = document_io.run_now(self._edit_steps(doc, layer, masks))
        self._send_batch_item(item, "edit", self._edit_args(), {**arrays, **look_arrays},
                              lambda result, out: document_io.run_now(self._add_edit_steps(doc, anchor, rect, result, out)),
                              doc)

    def _send_parse(self, item: Item) -> None:
        doc, layer = item.payload

        def add(result, out):
            if layer is None:  # a document: its MaskGAN group
                document_io.run_now(self._add_parse_steps(doc, photo, result, out))
            else:  # one layer of several: its own mask above it, beside the document's group
                document_io.add_mask_layer(doc, layer, out["label"])
                doc.refreshProjection()

        photo = self._photo(doc, layer)
        image = document_io.run_now(photo.read_steps(doc, document_io.whole(doc)))
        self._send_batch_item(item, "parse", {"face": 0}, {"image": image}, add, doc)

    def _send_batch_item(self, item: Item, op: str, args: dict, arrays: dict, add, doc=None) -> None:
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

        self._submit(f"{batch.title} {item.label}", op, args, arrays, result, failed, progress, doc)
