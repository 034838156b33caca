"""The "MaskGAN" docker: shows the state of the Controller's parts (connection line, message, progress, batch
lines) and forwards clicks to them.

Layout, top to bottom: connection line (+ Start daemon), a note when the
Precision setting differs from the running daemon's, the photo the actions use,
action buttons (disabled, with the reason as tooltip, when they cannot work now),
progress bar, message line, one line per item of a batch, then the palette, the
settings and the weights on three tabs (actions and feedback first, so that they stay visible in a
short docker; the rest scrolls). Everything wraps to fit Krita's default docker
width (about 190 px). Every slot is guarded: an error becomes the message line,
never Krita's error dialog.
"""

from __future__ import annotations

from krita import DockWidget
from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QColor, QIcon, QPixmap
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from maskgan_client.protocol import FACE, FEATHER, LOOK, METHODS, VARIANTS
from maskgan_plugin_common.label_table import labels
from maskgan_plugin_common.naming import RESULTS_GROUP
from maskgan_plugin_common.options import TOLERANCE_RANGE

from .document_io import title
from .guard import guarded
from .weights_choice import EDITING, PARSER

TITLE = "MaskGAN"
# (setting value, what the docker shows) of each choice setting
MODES = [("colour", "One colour layer"), ("classes", "One layer per class")]
SCOPES = [("documents", "All open documents"), ("layers", "Selected layers of this document")]
PHOTO_SOURCES = [("layer", "Photo layer"), ("image", "Whole image (as shown)")]
METHOD_NAMES = {"auto": "Photo first (auto)", "generate": "Generator everywhere", "photo": "Photo only"}
RESULT_PLACES = [("above_photo", "Above the photo layer"), ("results_group", f"In the group “{RESULTS_GROUP}”")]
PRECISIONS = [("auto", "auto"), ("fp32", "fp32"), ("bf16", "bf16")]
NO_REFERENCE = "no other open document has MaskGAN masks"
# per kind of bundle: the Weights tab's label, its import entry, the file dialog's title
WEIGHTS_ROWS = [
    (EDITING, "Generator weights", "Import official weights…", "The official MaskGAN generator (latest_net_G.pth)"),
    (PARSER, "Face parser", "Import official parser…", "The official face-parsing UNet (model.pth)"),
]
REFRESH_MS = 1000  # the buttons follow layers and documents the user adds or removes
COMBO_CHARACTERS = 10  # a combo box asks for this much width, whatever its longest choice


def _narrow(box: QComboBox) -> QComboBox:
    """A combo box that fits a narrow docker: its width does not follow its longest entry."""
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(COMBO_CHARACTERS)
    return box


def _wrapping_label(parent) -> QLabel:
    """A label that wraps long text (a path, say) to the docker's width instead of widening it."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def _swatch_icon(rgb) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*map(int, rgb)))
    return QIcon(pixmap)


class DocumentChoice(QComboBox):
    """A choice among open documents, refilled from ``candidates()`` as documents come and go
    (on every refresh of the docker and whenever the list opens)."""

    def __init__(self, candidates, parent):
        super().__init__(parent)
        self._candidates = candidates
        self._documents: list = []
        _narrow(self)
        self._show_placeholder()

    def _show_placeholder(self) -> None:
        """Qt 5's placeholder text does not show in a combo box without entries: a disabled entry says it."""
        self.addItem(NO_REFERENCE)
        self.setEnabled(False)

    def document(self):
        index = self.currentIndex()
        return self._documents[index] if 0 <= index < len(self._documents) else None

    def refill(self) -> None:
        documents = self._candidates()
        if len(documents) == len(self._documents) and all(a == b for a, b in zip(documents, self._documents)):
            return
        chosen = self.document()
        self._documents = documents
        self.clear()
        if not documents:
            self._show_placeholder()
            return
        for doc in documents:
            self.addItem(title(doc).strip("“”"))
        self.setEnabled(True)
        self.setCurrentIndex(
            next((i for i, doc in enumerate(documents) if chosen is not None and doc == chosen), 0 if documents else -1)
        )

    def showPopup(self) -> None:
        self.refill()
        super().showPopup()


class SettingChoice(QComboBox):
    """A combo box showing a choice setting: ``choices`` are (value, text); ``read()`` gives the current value,
    a user's choice goes to ``choose(value)``."""

    def __init__(self, choices, read, choose, tooltip: str, parent):
        super().__init__(parent)
        self._values = [value for value, _ in choices]
        self._read = read
        _narrow(self)
        for value, text in choices:
            self.addItem(text, value)
        self.setToolTip(tooltip)
        self.activated.connect(lambda index: choose(self._values[index]))
        self.show_setting()

    def show_setting(self) -> None:
        self.setCurrentIndex(self._values.index(self._read()))


class WeightsChoice(QComboBox):
    """The installed bundles of one kind (``maskgan weights list``), the one in use shown, and an entry that
    imports an official checkpoint. A user's choice goes to the chooser; the box keeps showing what is in use
    until the chooser's listing says otherwise."""

    IMPORT = "import"  # the import entry's data

    def __init__(self, kind: str, import_text: str, chooser, ask_path, report, parent):
        super().__init__(parent)
        self._kind, self._import_text, self._chooser, self._ask_path = kind, import_text, chooser, ask_path
        self._shown = None  # the listing shown
        _narrow(self)
        self.addItem("reading `maskgan weights list`…")
        self.activated.connect(guarded(report)(self._activated))

    def show_listing(self, listing, again: bool = False) -> None:
        if listing is None or (listing is self._shown and not again):
            return
        self._shown = listing
        self.clear()
        for bundle in listing.of_kind(self._kind):
            self.addItem(bundle.name, bundle.name)
            self.setItemData(self.count() - 1, bundle.problem or bundle.title, Qt.ToolTipRole)
            self.model().item(self.count() - 1).setEnabled(not bundle.problem)
        self.addItem(self._import_text, self.IMPORT)
        in_use = listing.in_use(self._kind)
        self.setCurrentIndex(self.findData(in_use.name) if in_use else -1)

    def _activated(self, index: int) -> None:
        value = self.itemData(index)
        self.show_listing(self._shown, again=True)  # what is in use, until the listing changes
        if value == self.IMPORT:
            path = self._ask_path(self._kind)
            if path:
                self._chooser.import_official(self._kind, path)
        elif value is not None:
            self._chooser.choose(self._kind, value)


class MaskGANDocker(DockWidget):
    def __init__(self, controller):
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("maskgan_docker")
        self.controller = controller
        say = controller.board.say
        actions, batch_actions = controller.actions, controller.batch_actions
        root = QWidget(self)
        layout = QVBoxLayout(root)
        layout.setContentsMargins(4, 4, 4, 4)  # narrow margins: the docker is about 190 px wide

        self.connection_label = _wrapping_label(root)
        self.start_button = QPushButton("Start daemon", root)
        self.start_button.clicked.connect(guarded(say)(lambda _=False: controller.link.start()))
        layout.addWidget(self.connection_label)
        layout.addWidget(self.start_button)
        self.precision_note = _wrapping_label(root)
        layout.addWidget(self.precision_note)
        self.photo_line = _wrapping_label(root)
        layout.addWidget(self.photo_line)

        self.buttons = {}
        grid = QGridLayout()
        rows = [
            ("import", "Import mask…", self.import_mask),
            ("parse", "Parse face", actions.parse_face),
            ("apply", "Apply edit", lambda: actions.apply_edit(self.reference.document())),
            ("variants", "Variants", lambda: actions.variants(self.reference.document())),
            ("style", "Style copy", lambda: actions.style_copy(self.reference.document())),
            ("batch_apply", "Batch apply", lambda: batch_actions.batch_apply(self.reference.document())),
            ("batch_parse", "Batch parse", batch_actions.batch_parse),
            ("cancel", "Cancel", controller.batches.cancel),
        ]
        for position, (key, text, slot) in enumerate(rows):
            button = QPushButton(text, root)
            button.setMinimumWidth(1)  # two columns fit a narrow docker; the text may be cut, not the docker widened
            button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            button.clicked.connect(guarded(say)(lambda _=False, s=slot: s()))
            grid.addWidget(button, position // 2, position % 2)
            self.buttons[key] = button
        layout.addLayout(grid)

        self.progress = QProgressBar(root)
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.message = _wrapping_label(root)
        layout.addWidget(self.message)
        self.batch_items = _wrapping_label(root)
        layout.addWidget(self.batch_items)

        self.tabs = QTabWidget(root)
        layout.addWidget(self.tabs)
        palette_page = QWidget(self.tabs)
        palette = QGridLayout(palette_page)
        palette.setContentsMargins(2, 2, 2, 2)
        table = labels()
        self.swatches = []
        for index, (name, rgb) in enumerate(zip(table.CLASS_NAMES, table.PALETTE)):
            swatch = QToolButton(palette_page)
            swatch.setIcon(_swatch_icon(rgb))
            swatch.setText(f"{index} {name}")
            swatch.setToolTip(f"Paint {name} (class {index}, RGB {tuple(map(int, rgb))})")
            swatch.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            swatch.setAutoRaise(True)
            swatch.clicked.connect(guarded(say)(lambda _=False, i=index: actions.pick_class(i)))
            swatch.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            palette.addWidget(swatch, index // 2, index % 2)
            self.swatches.append(swatch)
        self.tabs.addTab(palette_page, "Palette")

        settings = controller.settings
        settings_page = QWidget(self.tabs)
        root = settings_page  # the settings' widgets live on their tab
        form = QFormLayout(settings_page)
        form.setContentsMargins(4, 4, 4, 4)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # a label goes above its field when the docker is narrow
        self.face = QSpinBox(root)
        self.face.setRange(*FACE.range)
        self.face.setSpecialValueText("largest")
        self.face.setValue(actions.face)
        self.face.setToolTip("Which face Parse face parses: 0 the largest, 1 the second largest, and so on")
        self.face.valueChanged.connect(guarded(say)(lambda v: setattr(actions, "face", v)))
        form.addRow("Face to parse", self.face)
        self.reference = DocumentChoice(actions.style_references, root)
        self.reference.setToolTip("Style copy takes the style of this document's photo and source mask")
        form.addRow("Style from", self.reference)

        def choice(label, choices, name, tooltip, choose=None):
            """A row for the choice setting ``name``; a choice is stored, or handed to ``choose``."""
            choose = choose or (lambda value: setattr(settings, name, value))
            box = SettingChoice(choices, lambda: getattr(settings, name), guarded(say)(choose), tooltip, root)
            form.addRow(label, box)
            return box

        self.mode = choice(
            "Editable mask",
            MODES,
            "mask_mode",
            "The editable mask as one colour layer, or as one paint layer per class",
            actions.set_mask_mode,
        )
        self.photo_source = choice(
            "Photo",
            PHOTO_SOURCES,
            "photo_source",
            "What Parse face, Apply edit, Variants and the batches over documents send as the photo: the active paint "
            "layer (else the bottom-most one), or the whole image as shown (hide the MaskGAN group and results first)",
        )
        self.result_place = choice(
            "Results go",
            RESULT_PLACES,
            "result_place",
            f"Where new results go: right above the photo layer, or on top inside the group “{RESULTS_GROUP}”",
        )
        self.scope = choice(
            "Batch over",
            SCOPES,
            "batch_scope",
            "What Batch apply and Batch parse run over: every open document, or the photo layers "
            "selected in the Layers docker (each sent with this document's MaskGAN masks)",
        )
        self.tolerance = QSpinBox(root)
        self.tolerance.setRange(*TOLERANCE_RANGE)
        self.tolerance.setValue(settings.colour_tolerance)
        self.tolerance.setToolTip(
            "How far (RGB distance) a mask colour may be from a class's palette colour and "
            "still count as that class; raise it for masks with slightly-off colours"
        )
        self.tolerance.valueChanged.connect(guarded(say)(lambda v: setattr(settings, "colour_tolerance", v)))
        form.addRow("Colour tolerance", self.tolerance)
        self.feather = QSpinBox(root)
        self.feather.setRange(*FEATHER.range)
        self.feather.setValue(settings.feather)
        self.feather.valueChanged.connect(guarded(say)(lambda v: setattr(settings, "feather", v)))
        form.addRow("Feather (px)", self.feather)
        self.method = choice(
            "Edit made by",
            [(m, METHOD_NAMES[m]) for m in METHODS],
            "method",
            "How Apply edit, Variants and Batch apply make each changed region. Photo first: the photo's own pixels "
            "moved (a part grown, shrunk or moved) or copied from the same part elsewhere in the photo, new glasses "
            "drawn on the photo, the generator only for the rest. Generator everywhere: the paper's behaviour. "
            "Photo only: never the generator; parts only it could draw are refused by name",
        )
        self.look = QSpinBox(root)
        self.look.setRange(*LOOK.range)
        self.look.setSpecialValueText("auto")  # shown at -1
        self.look.setValue(settings.look)
        self.look.setToolTip(
            "How the generator draws parts the edit adds and the photo lacks (a hat, earrings, a "
            "necklace, clothes; glasses too under Generator everywhere): auto (look 1 where the "
            "model has built-in looks), 0 in the photo's own style (often a faint blur), 1-16 a "
            "built-in look: a face that wears them"
        )
        self.look.valueChanged.connect(guarded(say)(lambda v: setattr(settings, "look", v)))
        form.addRow("Look of added parts", self.look)
        self.looks_from_style = QCheckBox("Parts: Style from", root)
        self.looks_from_style.setChecked(settings.looks_from_style)
        self.looks_from_style.setToolTip(
            "Draw the parts an edit adds in the style of the face chosen under “Style "
            "from” instead of a built-in look; that face must wear them"
        )
        self.looks_from_style.toggled.connect(guarded(say)(lambda on: setattr(settings, "looks_from_style", on)))
        form.addRow(self.looks_from_style)
        self.variant_count = QSpinBox(root)
        self.variant_count.setRange(*VARIANTS.range)
        self.variant_count.setValue(settings.variants)
        self.variant_count.valueChanged.connect(guarded(say)(lambda v: setattr(settings, "variants", v)))
        form.addRow("Variants", self.variant_count)
        self.endpoint = QLineEdit(settings.endpoint, root)
        self.endpoint.setPlaceholderText("default (the running daemon's announced endpoint)")
        self.endpoint.editingFinished.connect(guarded(say)(lambda: self._endpoint_edited()))
        form.addRow("Daemon", self.endpoint)
        self.precision = choice(
            "Precision",
            PRECISIONS,
            "precision",
            "The precision of a daemon the docker starts (auto: bf16 where the device runs it "
            "fast, else fp32); a running daemon keeps its own",
            controller.link.set_precision,
        )
        self.auto_start = QCheckBox("Auto-start the daemon", root)
        self.auto_start.setChecked(settings.auto_start)
        self.auto_start.setToolTip("Start the daemon when none answers")
        self.auto_start.toggled.connect(guarded(say)(lambda on: setattr(settings, "auto_start", on)))
        form.addRow(self.auto_start)
        self.tabs.addTab(settings_page, "Settings")
        self._add_weights_tab()
        root = self.tabs.parentWidget()

        layout.addStretch(1)
        scroll = QScrollArea(self)  # a docker shorter than its settings scrolls instead of squeezing the others
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(root)
        self.setWidget(scroll)

        controller.changed.connect(guarded()(self.refresh))
        self._timer = QTimer(self)
        self._timer.timeout.connect(guarded()(self.refresh))
        self._timer.start(REFRESH_MS)
        self.refresh()

    def _add_weights_tab(self) -> None:
        """The Weights tab: the daemon's generator weights and face parser, their imports' progress and Cancel."""
        chooser = self.controller.weights
        page = QWidget(self.tabs)
        form = QFormLayout(page)
        form.setContentsMargins(4, 4, 4, 4)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.weights_boxes = {}
        for kind, label, import_text, _ in WEIGHTS_ROWS:
            box = WeightsChoice(kind, import_text, chooser, self.ask_checkpoint, chooser.say, page)
            form.addRow(label, box)
            self.weights_boxes[kind] = box
        self.weights_status = _wrapping_label(page)
        form.addRow(self.weights_status)
        self.weights_progress = QProgressBar(page)
        self.weights_progress.setRange(0, 1000)
        form.addRow(self.weights_progress)
        self.weights_cancel = QPushButton("Cancel import", page)
        self.weights_cancel.clicked.connect(guarded(chooser.say)(lambda _=False: chooser.cancel()))
        form.addRow(self.weights_cancel)
        page.setToolTip(
            "What the daemon loads at its start (`maskgan weights use`, kept in the settings file that "
            "`maskgan daemon start` reads). A daemon this docker started restarts with the new choice"
        )
        self.weights_tab = self.tabs.addTab(page, "Weights")
        self.tabs.currentChanged.connect(guarded(chooser.say)(self._tab_shown))

    def _tab_shown(self, index: int) -> None:
        if index == self.weights_tab:
            self.controller.weights.refresh()  # the command line may have changed the choice

    def ask_checkpoint(self, kind: str) -> str:
        """The downloaded official checkpoint to import as ``kind`` ("" when the user cancels)."""
        title = next(title for row_kind, _, _, title in WEIGHTS_ROWS if row_kind == kind)
        path, _ = QFileDialog.getOpenFileName(self, title, "", "PyTorch checkpoints (*.pth *.pt);;All files (*)")
        return path

    def _endpoint_edited(self) -> None:
        if self.endpoint.text().strip() != self.controller.settings.endpoint:
            self.controller.link.set_endpoint(self.endpoint.text())

    def import_mask(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a colour mask (official palette)", "", "Images (*.png *.bmp *.tif *.tiff *.jpg *.jpeg)"
        )
        if path:
            self.controller.actions.import_mask(path)

    def refresh(self) -> None:
        link, board, lines = self.controller.link, self.controller.board, self.controller.batches.lines
        self.connection_label.setText(link.connection_text)
        self.connection_label.setToolTip(link.connection_detail)
        self.photo_line.setText(self.controller.actions.photo_line())
        note = link.precision_note()
        self.precision_note.setText(note)
        self.precision_note.setVisible(bool(note))
        self.start_button.setVisible(link.daemon is None and not link.restarting)
        self.message.setText(board.message)
        self.message.setToolTip(board.message_detail)
        self.batch_items.setText("\n".join(lines))
        self.batch_items.setVisible(bool(lines))
        self.reference.refill()
        self.progress.setVisible(board.progress is not None)
        self.progress.setValue(int((board.progress or 0.0) * 1000))
        for key, button in self.buttons.items():
            why = self.controller.actions.why_not(key)
            button.setEnabled(why is None)
            button.setToolTip(why or "")
        for box in (self.mode, self.photo_source, self.result_place, self.scope, self.precision):
            box.show_setting()  # another window's docker may have changed it
        self._refresh_weights()

    def _refresh_weights(self) -> None:
        chooser = self.controller.weights
        why = chooser.why_not()
        for box in self.weights_boxes.values():
            box.show_listing(chooser.listing)
            box.setEnabled(chooser.listing is not None and why is None)
            box.setToolTip(why or "")
        self.weights_status.setText(chooser.status)
        self.weights_status.setVisible(bool(chooser.status))
        self.weights_progress.setVisible(chooser.progress is not None)
        self.weights_progress.setValue(int((chooser.progress or 0.0) * 1000))
        self.weights_cancel.setVisible(chooser.progress is not None)  # an import runs

    def canvasChanged(self, canvas) -> None:
        guarded(self.controller.board.say)(self.reference.refill)()  # the active document changed: so do the choices
