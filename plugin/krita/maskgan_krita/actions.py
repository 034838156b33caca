"""What the single buttons and shortcuts do: read the document, send one request, add its result.

Each action checks what it can at once (a PluginError names what is missing), reads the
document in steps through Tasks.prepare and submits; the result is added layer by layer
when it arrives. ``why_not`` says why a docker button cannot work now. The batch buttons
are batch_actions.py; the requests, Cancel and the daemon's state are tasks.py,
batches.py and daemon_link.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from maskgan_plugin_common import mask_colours, messages, naming, pixels
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.label_table import labels

from . import document_io, photo_source
from .document_io import title

NOTHING_CHANGED = np.zeros((1, 1, 4), np.uint8)  # the layer of a box reply without arrays: no pixel changed


def box_origin(rect, result: dict) -> tuple[int, int]:
    """Where in the document a reply's layers go: the region ``rect`` sent, moved by the box reply's ``offset``."""
    x, y = result.get("offset", (0, 0))
    return rect.x + x, rect.y + y


class Actions:
    def __init__(self, krita, settings, board, link, tasks, batches, photos):
        self.krita, self.settings, self.board = krita, settings, board
        self.link, self.tasks, self.batches, self.photos = link, tasks, batches, photos
        self.face = 0  # which face Parse face asks for: 0 = the largest

    # --- the document ------------------------------------------------------------------------
    def document(self):
        doc = self.krita.activeDocument()
        if doc is None:
            raise PluginError("open a photo first")
        return doc

    def is_open(self, doc) -> bool:
        return any(doc == d for d in self.krita.documents())

    def photo_line(self) -> str:
        """What the docker shows about the photo of the active document ("" without a document)."""
        return self.photos.line(self.krita.activeDocument())

    def import_mask(self, path: str) -> None:
        """Make the MaskGAN group of the active document from a colour mask file (official palette), in steps: the
        file is decoded on a thread, its colours read and the group written band by band."""
        doc = self.document()
        document_io.check_rgba8(doc)
        photo = self.photos.photo(doc)
        tolerance = self.settings.colour_tolerance

        def steps():
            rgba = yield from document_io.read_image_file_steps(path)
            label = yield from mask_colours.read_label_steps(rgba, tolerance, f"“{Path(path).name}”")
            del rgba
            record, kept = yield from self._make_mask_group_steps(doc, label, photo)
            self.board.say(
                f"Imported the mask: paint on “{naming.EDITED_MASK}” with the palette colours, then Apply edit." + kept
            )
            self.tasks.prepare("Import mask", doc, fingerprint(record), quiet=True)

        def fingerprint(record):  # of the photo as it is now, to notice later changes
            _, record.fingerprint = yield from photo.read_steps(doc, document_io.whole(doc), fingerprint=True)

        self.tasks.prepare("Import mask", doc, steps())

    def _make_mask_group_steps(self, doc, label, photo, fingerprint=None):
        """Generator: make the MaskGAN group of ``label`` layer by layer and remember the photo it belongs to;
        returns (that record, a note naming where the previous group was kept, if any)."""
        previous = document_io.find_group(doc)
        group = yield from document_io.create_mask_group_steps(doc, label, self.settings.mask_mode)
        record = self.photos.remember(doc, group, photo, fingerprint)
        return record, f" The previous masks are kept, hidden, as “{previous.name()}”." if previous is not None else ""

    def set_mask_mode(self, mode: str) -> None:
        """Remember the mode; convert the active document's editable mask when it has one (in steps; a mask with
        colours off the palette is refused: the conversion would lose them)."""
        self.settings.mask_mode = mode
        doc = self.krita.activeDocument()
        if doc is None or document_io.find_group(doc) is None or document_io.edited_mode(doc) == mode:
            self.board.changed()
            return

        def steps():
            yield from document_io.convert_edited_steps(doc, mode, self.settings.colour_tolerance)
            self.board.say(
                "The editable mask is now " + ("one layer per class" if mode == "classes" else "one colour layer")
            )

        self.tasks.prepare("Converting the editable mask", doc, steps())

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
            self.board.say(
                f"Painting {name}: parse the face or import a mask first, then paint on “{naming.EDITED_MASK}”"
            )
            return
        layer = document_io.class_layer(doc, index) or document_io.child(group, naming.EDITED_MASK)
        if layer is None:  # per-class mode, background: erase on the class layers
            self.board.say(f"Painting {name}: in per-class mode, erase the classes' layers to paint background")
            return
        doc.setActiveNode(layer)
        self.board.say(f"Painting {name} on “{layer.name()}”")

    def edit_steps(self, doc, layer=None, masks=None):
        """Generator: (the layer results go above, the region read, arrays, a note on the photo) of an edit of
        ``doc``, reading only the face's region of the document (document_io.edit_region), band by band.
        ``masks``: (region, source, edited) already read, else the document's are read now. PluginError says
        what is missing or wrong."""
        photo = self.photos.photo(doc, layer)
        tolerance = self.settings.colour_tolerance
        if masks is None:
            rect = document_io.edit_region(doc)
            source = yield from document_io.read_source_mask_steps(doc, tolerance, rect)
            edited = yield from document_io.read_edited_mask_steps(doc, tolerance, rect)
        else:
            rect, source, edited = masks
        if layer is None:  # with its fingerprint, to notice a photo changed since its masks were made
            image, sums = yield from photo.read_steps(doc, rect, fingerprint=True)
            note = self.photos.change_note(doc, photo, sums)
        else:
            image, note = (yield from photo.read_steps(doc, rect)), ""
        return photo.anchor, rect, {"image": image, "source_mask": source, "edited_mask": edited}, note

    def _result_spot(self, doc, anchor):
        """Where a new result goes, as the "Results go" setting says (read when the result arrives)."""
        return document_io.result_spot(doc, anchor, self.settings.result_place)

    # --- single actions -----------------------------------------------------------------------------
    def parse_face(self) -> None:
        """Parse the photo into the MaskGAN group; ``self.face`` says which face (0 = the largest)."""
        self.link.require()
        doc = self.document()
        photo = self.photos.photo(doc)

        def steps():
            image, fingerprint = yield from photo.read_steps(doc, document_io.whole(doc), fingerprint=True)
            self.tasks.submit(
                "Parse face",
                "parse",
                {"face": self.face},
                {"image": image},
                lambda result, out: self.add_parse_steps(doc, photo, result, out, fingerprint),
                doc=doc,
            )

        self.tasks.prepare("Parse face", doc, steps())

    def add_parse_steps(self, doc, photo, result: dict, arrays: dict, fingerprint=None):
        """Generator: the MaskGAN group of a parse, layer by layer; returns the message."""
        _, kept = yield from self._make_mask_group_steps(doc, arrays["label"], photo, fingerprint)
        return messages.parsed(result) + kept

    def apply_edit(self, style_document=None) -> None:
        """Edit the active document; ``style_document``: the “Style from” choice (added parts may come from it).
        An edited mask equal to the source mask is not sent: the edit would change nothing."""
        self.link.require()
        doc = self.document()
        reference = self.look_reference(style_document)
        self.photos.photo(doc)  # before reading: a missing photo layer or mask is said at once
        document_io.mask_nodes(doc)

        def steps():
            anchor, rect, arrays, note = yield from self.edit_steps(doc)
            look_arrays = yield from self.look_arrays_steps(reference)
            if np.array_equal(arrays["source_mask"], arrays["edited_mask"]):
                raise PluginError(
                    messages.masks_equal(
                        title(doc),
                        f"Click a palette swatch (it selects “{naming.EDITED_MASK}”) and paint the change there.",
                    )
                    + note
                )
            self.tasks.submit(
                "Apply edit",
                "edit",
                self.edit_args(),
                {**arrays, **look_arrays},
                lambda result, out: self.add_edit_steps(doc, anchor, rect, result, out, note),
                doc=doc,
            )

        self.tasks.prepare("Apply edit", doc, steps())

    def add_edit_steps(self, doc, anchor, rect, result: dict, arrays: dict, note: str = ""):
        """Generator: the edit's layer, added band by band; returns the message."""
        added = []
        try:
            node = yield from document_io.add_result_layer_steps(
                doc,
                self._result_spot(doc, anchor),
                arrays.get("layer", NOTHING_CHANGED),
                naming.EDIT_PREFIX,
                box_origin(rect, result),
                added,
            )
            yield  # a Cancel that came while the layer was added takes it away
        except GeneratorExit:
            for node in added:
                node.remove()
            raise
        return (
            f"Added “{node.name()}”"
            + ("" if result.get("changed", True) else ": the edit changed no pixel")
            + messages.routes_taken(result.get("routes") or {})
            + messages.drawn_looks(result.get("looks") or {})
            + note
        )

    def edit_args(self) -> dict:
        """The settings of an edit or variants; the reply carries only the box the edit changed (box_origin)."""
        return {
            "feather": self.settings.feather,
            "look": self.settings.look,
            "method": self.settings.method,
            "reply": "box",
        }

    def look_reference(self, style_document):
        """The “Style from” document added parts are drawn from, when the setting says so (else None); PluginError
        when none is chosen or it cannot be read."""
        if not self.settings.looks_from_style:
            return None
        if style_document is None:
            raise PluginError(
                "“Added parts from Style from” is on, but no document is chosen under “Style from”: open "
                "a photo of a face that wears the parts, parse or import its mask, and choose it there"
            )
        self._check_reference(style_document)
        return style_document

    def look_arrays_steps(self, reference):
        """Generator: the reference arrays that draw the added parts from ``reference`` (look_reference; None: no
        arrays), read band by band."""
        if reference is None:
            return {}
        photo, mask = yield from self._reference_face_steps(reference)
        return {"reference_image": photo, "reference_mask": mask}

    def _check_reference(self, reference) -> None:
        """PluginError when a reference document closed or cannot be read."""
        if not self.is_open(reference):
            raise PluginError("the chosen style reference is no longer open; pick another under “Style from”")
        document_io.check_rgba8(reference)
        document_io.mask_group(reference)

    def _reference_face_steps(self, reference):
        """Generator: (photo, source mask) of a reference document, read band by band."""
        self._check_reference(reference)
        layer = self.photos.mask_photo(reference)[1] or document_io.photo_layer(reference)
        photo = yield from photo_source.of_layer(layer).read_steps(reference, document_io.whole(reference))
        mask = yield from document_io.read_mask_steps(reference, self.settings.colour_tolerance, "source")
        return photo, mask

    def variants(self, style_document=None) -> None:
        """A group of variants; a fresh seed per click, named in the message so that a result can be redone."""
        self.link.require()
        doc = self.document()
        reference = self.look_reference(style_document)
        self.photos.photo(doc)
        document_io.mask_nodes(doc)

        def steps():
            anchor, rect, arrays, note = yield from self.edit_steps(doc)
            look_arrays = yield from self.look_arrays_steps(reference)
            seed = random.randrange(2**31)
            args = {"n": self.settings.variants, "seed": seed, **self.edit_args()}
            self.tasks.submit(
                "Variants",
                "variants",
                args,
                {**arrays, **look_arrays},
                lambda result, out: self._add_variants_steps(doc, anchor, rect, seed, result, out, note),
                doc=doc,
            )

        self.tasks.prepare("Variants", doc, steps())

    def _add_variants_steps(self, doc, anchor, rect, seed: int, result: dict, arrays: dict, note: str = ""):
        """Generator: the variants' group, a layer per step; returns the message."""
        added = []
        layers = list(arrays["layers"]) if "layers" in arrays else [NOTHING_CHANGED] * len(result["changed"])
        try:
            group = yield from document_io.add_result_group_steps(
                doc, self._result_spot(doc, anchor), layers, box_origin(rect, result), added
            )
            yield  # a Cancel that came while the last variant was added takes the group away
        except GeneratorExit:
            for node in added:
                node.remove()
            raise
        return messages.variants_added(group.name(), seed, len(layers)) + note

    def style_references(self) -> list:
        """The documents Style copy can take the style from: the other open ones with MaskGAN masks."""
        return document_io.style_references(self.krita.documents(), self.krita.activeDocument())

    def style_copy(self, reference=None) -> None:
        """Render the active document's edited mask in the style of ``reference`` (a document with MaskGAN masks)."""
        self.link.require()
        doc = self.document()
        document_io.check_rgba8(doc)
        if reference is None:
            raise PluginError(
                "Style copy needs a reference: open a second photo, parse or import its mask, "
                "and pick it under “Style from”"
            )
        self._check_reference(reference)
        document_io.mask_nodes(doc)
        anchor = self.photos.anchor(doc)

        def steps():
            target = yield from document_io.read_mask_steps(doc, self.settings.colour_tolerance, "edited")
            reference_photo, reference_mask = yield from self._reference_face_steps(reference)
            arrays = {"target_mask": target, "reference_image": reference_photo, "reference_mask": reference_mask}
            self.tasks.submit(
                "Style copy",
                "style_copy",
                {},
                arrays,
                lambda result, out: self._add_style_steps(doc, anchor, title(reference), out),
                doc=doc,
            )

        self.tasks.prepare("Style copy", doc, steps())

    def _add_style_steps(self, doc, anchor, reference_name: str, arrays: dict):
        """Generator: the style copy's opaque layer, converted and added band by band; returns the message."""
        node = yield from document_io.taken_back_if_closed(
            lambda added: document_io.add_layer_steps(
                doc, self._result_spot(doc, anchor), naming.STYLE_PREFIX, arrays["image"], pixels.opaque, added
            )
        )
        return messages.style_copied(node.name(), reference_name)

    # --- what the buttons can do now -----------------------------------------------------------------
    def why_not(self, action: str) -> str | None:
        """Why the docker's ``action`` button cannot work now (None: it can): no daemon, no document, no masks."""
        if action == "cancel":
            return None if self.batches.busy else "nothing is running"
        if action != "import" and self.link.daemon is None:
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
