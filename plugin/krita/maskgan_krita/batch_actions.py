"""What Batch apply and Batch parse do: make the batch's items and read and send each one.

Batch scope "documents": one item per open document, payload (document, None): the document's own photo
(as the Photo setting says) and MaskGAN group. Scope "layers": one item per selected layer of the active
document, payload (document, layer): each layer is the photo, whatever the Photo setting; Batch apply sends
each with the document's masks, Batch parse adds each one's mask as a layer above it. The items are fed by
batches.Batches, which reads (band by band, a band per turn of Krita's event loop) and sends each (again after a
busy answer) through ``send_edit``/``send_parse``; results are added in steps too.
"""

from __future__ import annotations

from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import SKIPPED, Batch, Item

from . import document_io
from .document_io import title


class BatchActions:
    def __init__(self, krita, settings, actions, batches):
        self.krita, self.settings, self.actions, self.batches = krita, settings, actions, batches

    def batch_apply(self, style_document=None) -> None:
        """Apply edit on each item of the batch scope."""
        actions = self.actions
        reference = actions.look_reference(style_document)  # read once: every item draws added parts from it
        if self.settings.batch_scope == "layers":
            doc, items = self._selected_layer_items()
            # every layer goes with these masks: read once, so that bad colours stop the batch before anything is sent
            rect, tolerance = document_io.edit_region(doc), self.settings.colour_tolerance

            def read_then_start():
                look_arrays = yield from actions.look_arrays_steps(reference)
                source = yield from document_io.read_source_mask_steps(doc, tolerance, rect)
                edited = yield from document_io.read_edited_mask_steps(doc, tolerance, rect)
                batch = Batch(f"Batch apply on {title(doc)}", "applied", items)
                self.batches.start(batch, lambda item: self._send_edit(item, look_arrays, (rect, source, edited)))

            actions.tasks.prepare("Batch apply", doc, read_then_start())
            return
        docs = [d for d in self.krita.documents() if document_io.find_group(d) is not None]
        if not docs:
            raise PluginError("no open document has MaskGAN masks: parse or import a mask into each photo first")
        batch = Batch("Batch apply", "applied", [Item(title(d), (d, None)) for d in docs])
        if reference is None:
            self.batches.start(batch, lambda item: self._send_edit(item, {}))
            return

        def read_reference_then_start():
            look_arrays = yield from actions.look_arrays_steps(reference)
            self.batches.start(batch, lambda item: self._send_edit(item, look_arrays))

        actions.tasks.prepare("Batch apply", reference, read_reference_then_start())

    def batch_parse(self) -> None:
        """Parse face (the largest in each photo) on each item of the batch scope; in the document scope,
        on every open document without MaskGAN masks yet."""
        if self.settings.batch_scope == "layers":
            doc, items = self._selected_layer_items()
            batch = Batch(f"Batch parse on {title(doc)}", "parsed", items)
        else:
            docs = [d for d in self.krita.documents() if document_io.find_group(d) is None]
            if not docs:
                raise PluginError(
                    "every open document has MaskGAN masks already; to parse one again, use Parse face on it"
                )
            batch = Batch("Batch parse", "parsed", [Item(title(d), (d, None)) for d in docs])
        self.batches.start(batch, self._send_parse)

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
            raise PluginError(
                f"no layer of {title(doc)} is selected: select the photo layers in the Layers docker "
                "(Ctrl+click for several), or set “Batch over” to all open documents"
            )
        items = []
        for node in nodes:
            problem = document_io.photo_problem(node)
            label = f"“{node.name()}”"
            items.append(Item(label, (doc, node)) if problem is None else Item(label, state=SKIPPED, message=problem))
        return doc, items

    def _send_edit(self, item: Item, look_arrays: dict, masks=None) -> None:
        doc, layer = item.payload
        actions = self.actions

        def steps():
            anchor, rect, arrays, _ = yield from actions.edit_steps(doc, layer, masks)
            self.batches.send_item(
                item,
                "edit",
                actions.edit_args(),
                {**arrays, **look_arrays},
                lambda result, out: actions.add_edit_steps(doc, anchor, rect, result, out),
                doc,
            )

        self.batches.read_item(item, doc, steps())

    def _send_parse(self, item: Item) -> None:
        doc, layer = item.payload
        photo = self.actions.photos.photo(doc, layer)

        def add(result, out):
            if layer is None:  # a document: its MaskGAN group
                return self.actions.add_parse_steps(doc, photo, result, out)
            # one layer of several: its own mask above it, beside the document's group
            return document_io.taken_back_if_closed(
                lambda added: document_io.add_mask_layer_steps(doc, layer, out["label"], added)
            )

        def steps():
            image = yield from photo.read_steps(doc, document_io.whole(doc))
            self.batches.send_item(item, "parse", {"face": 0}, {"image": image}, add, doc)

        self.batches.read_item(item, doc, steps())
