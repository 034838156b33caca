"""Stand-ins for the Krita objects, the daemon client and the event loop the plug-in uses, for tests outside Krita."""

from types import SimpleNamespace

import numpy as np

from maskgan_krita import bgra
from maskgan_plugin_common.bands import Rect


class FakeStore:
    """Krita's readSetting/writeSetting over a dict, as kritarc stores them (strings)."""

    def __init__(self):
        self.values = {}

    def readSetting(self, group, name, default):
        return self.values.get((group, name), default)

    def writeSetting(self, group, name, value):
        self.values[(group, name)] = value


class FakeNode:
    """The Krita Node methods the plug-in uses for choosing and placing layers (children bottom to top); a node
    made by FakeDocument.createNode also holds pixels (document size), and its document logs pixel I/O and
    additions."""

    def __init__(self, name, kind="paintlayer", children=(), visible=True, document=None):
        self._name, self._kind, self._children, self._parent, self._visible = name, kind, list(children), None, visible
        self._document, self._rgba, self._opacity, self._locked = document, None, 255, False
        self._blending, self._collapsed = "normal", False
        for node in self._children:
            node._parent = self

    def name(self):
        return self._name

    def type(self):
        return self._kind

    def childNodes(self):
        return self._children

    def parentNode(self):
        return self._parent

    def visible(self):
        return self._visible

    def addChildNode(self, node, above):
        """As Krita's: right above ``above``, or on top for None."""
        self._children.insert(self._children.index(above) + 1 if above is not None else len(self._children), node)
        node._parent = self
        if self._document is not None:
            self._document.io.append(("add", node.name()))

    def setChildNodes(self, nodes):
        """As Krita's on a node without children (the only use the plug-in makes of it): ``nodes``, bottom to top."""
        assert not self._children, "Krita 5.1's setChildNodes takes away only the first of the children there"
        self._children = list(nodes)
        for node in nodes:
            node._parent = self

    def remove(self):
        self._parent._children.remove(self)
        self._parent = None

    def setName(self, name):
        self._name = name

    def setVisible(self, visible):
        self._visible = visible

    def opacity(self):
        return self._opacity

    def setOpacity(self, opacity):
        self._opacity = opacity

    def locked(self):
        return self._locked

    def collapsed(self):
        return self._collapsed

    def setCollapsed(self, collapsed):
        self._collapsed = collapsed

    def blendingMode(self):
        return self._blending

    def setBlendingMode(self, mode):
        """As Krita 5.1's: an undoable change, which draws the node's extent (recorded in its document's history)."""
        self._blending = mode
        if self._document.blending_undoable:
            self._document.history.append(("blending", self))

    def setLocked(self, locked):
        self._locked = locked

    def _pixels(self):
        if self._rgba is None:
            self._rgba = np.zeros((self._document.height(), self._document.width(), 4), np.uint8)
        return self._rgba

    def pixelData(self, x, y, width, height):
        self._document.io.append(("read", width * height))
        return bgra.rgba_to_bgra(self._pixels()[y : y + height, x : x + width])

    def setPixelData(self, data, x, y, width, height):
        self._document.io.append(("write", width * height))
        self._pixels()[y : y + height, x : x + width] = bgra.bgra_to_rgba(bytes(data), width, height)

    def bounds(self):
        """As Krita's: the bounds of the non-transparent pixels (of a group: its children's)."""
        if self._kind == "grouplayer":
            rect = Rect(0, 0, 0, 0)
            for node in self._children:
                box = node.bounds()
                rect = rect.union(Rect(box.x(), box.y(), box.width(), box.height()))
        else:
            from maskgan_krita.document_io import label_bounds

            rect = label_bounds(self._pixels()[..., 3]) if self._document is not None else Rect(0, 0, 0, 0)
        return SimpleNamespace(x=lambda: rect.x, y=lambda: rect.y, width=lambda: rect.width, height=lambda: rect.height)

    def uniqueId(self):
        """As Krita's QUuid: a value whose toString() names this node for the document's life."""
        return SimpleNamespace(toString=lambda: f"{{{id(self):x}}}")


class FakeDocument:
    """A document whose projection is ``projection`` (RGBA), read only after refreshProjection and waitForDone."""

    def __init__(self, root, active=None, projection=None):
        self._root, self._active, self._projection, self.calls = root, active, projection, []
        self.io = []  # ("read"/"write", pixels) and ("add", name) of the document's nodes, in order
        self.history, self.undone = [], []  # Krita's undo stack as FakeKrita's actions make and use it
        self.blending_undoable = True
        root._document = root._document or self

    def rootNode(self):
        return self._root

    def activeNode(self):
        return self._active

    def setActiveNode(self, node):
        self._active = node

    def name(self):
        return "portrait"

    def colorModel(self):
        return "RGBA"

    def colorDepth(self):
        return "U8"

    def createGroupLayer(self, name):
        return FakeNode(name, "grouplayer", document=self)

    def createNode(self, name, kind):
        return FakeNode(name, kind, document=self)

    def width(self):
        return self._projection.shape[1]

    def height(self):
        return self._projection.shape[0]

    def refreshProjection(self):
        self.calls.append("refreshProjection")

    def waitForDone(self):
        self.calls.append("waitForDone")

    def pixelData(self, x, y, width, height):
        assert (x, y, width, height) == (0, 0, self.width(), self.height())
        self.calls.append("pixelData")
        return bgra.rgba_to_bgra(self._projection)


class FakeKrita:
    """Krita.instance() as quiet_join uses it: the active document and, acting on it, Layer > New > Add Paint
    Layer / Add Group Layer (a new empty node right above the active node, or on top inside it when it is an
    expanded group; made active, with an undo entry) and Edit > Undo / Redo over the document's history
    (undoing an addition takes the node out)."""

    def __init__(self, active_document):
        self.active_document, self.triggered = active_document, []
        self.deferred, self.pending = False, []  # deferred: Layer > New adds at the next turn() (of the event loop)

    def turn(self):
        pending, self.pending = self.pending, []
        for add in pending:
            add()

    def activeDocument(self):
        return self.active_document

    def action(self, name):
        kinds = {"add_new_paint_layer": "paintlayer", "add_new_group_layer": "grouplayer"}
        return SimpleNamespace(trigger=lambda: self._trigger(name, kinds.get(name)))

    def _add(self, doc, kind):
        active = doc.activeNode()
        node = FakeNode(f"Layer {len(doc.history) + 1}", kind, document=doc)
        if active.type() == "grouplayer" and not active.collapsed():  # an expanded group: inside, on top
            parent, index = active, len(active.childNodes())
        else:
            parent = active.parentNode()
            index = parent.childNodes().index(active) + 1
        parent._children.insert(index, node)
        node._parent = parent
        doc.history.append(("add", node))
        doc.setActiveNode(node)

    def _trigger(self, name, kind):
        self.triggered.append(name)
        doc = self.active_document
        if kind is not None and self.deferred:
            self.pending.append(lambda: self._add(doc, kind))
        elif kind is not None:
            self._add(doc, kind)
        elif name == "edit_undo":
            entry = doc.history.pop()
            if entry[0] == "add":
                parent = entry[1].parentNode()
                entry = entry + (parent, parent.childNodes().index(entry[1]))
                entry[1].remove()
            doc.undone.append(entry)
        elif name == "edit_redo":
            entry = doc.undone.pop()
            if entry[0] == "add":
                node, parent, index = entry[1:]
                parent._children.insert(index, node)
                node._parent = parent
            doc.history.append(entry[:2])


# --- the daemon side and the event loop, for the plug-in's UI-free parts --------------------------------------


class FakeClient:
    """maskgan_client.Client as the Connection uses it, with the daemon's answers given by the test: ``answer``
    queues an event for the next poll. ``sent`` records (request id, op, args, array shapes); the arrays
    themselves are not kept, so that a test can see when the plug-in lets go of them. With ``answers_pings``
    every liveness ping (``status``) is answered at once, as a live daemon's socket thread does."""

    def __init__(self, endpoint=None, timeout=None):
        self.endpoint = endpoint or "ipc:///fake.sock"
        self.sent, self.cancelled, self.events, self.reconnects, self._count = [], [], [], 0, 0
        self.answers_pings = False

    def submit(self, op, args=None, arrays=None, request_id=None):
        if request_id is None:
            self._count += 1
            request_id = f"{op}-{self._count}"
        self.sent.append((request_id, op, args, {name: a.shape for name, a in (arrays or {}).items()}))
        if op == "status" and self.answers_pings:
            self.answer(request_id, "result", result={"queued": 0})
        return request_id

    def poll(self, timeout_ms=0):
        events, self.events = self.events, []
        return events

    def answer(self, request_id, kind, arrays=None, **header):
        from maskgan_client import Event

        self.events.append(Event(request_id, kind, {"id": request_id, "type": kind, **header}, arrays or {}))

    def cancel(self, request_id):
        self.cancelled.append(request_id)

    def reconnect(self):
        self.reconnects += 1

    def close(self):
        pass


class FakeClock:
    """time.monotonic that moves only when the test says."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class FakeTimer:
    """The Connection's poll timer: the test calls ``connection.tick()`` itself."""

    active = False

    def start(self):
        self.active = True

    def stop(self):
        self.active = False


class FakeLater:
    """QTimer.singleShot: ``run_due`` runs what was due by ``clock()``, in order."""

    def __init__(self, clock):
        self.clock, self.waiting = clock, []

    def __call__(self, ms, function):
        self.waiting.append((self.clock() + ms / 1000, function))

    def run_due(self):
        now = self.clock()
        due = sorted((entry for entry in self.waiting if entry[0] <= now), key=lambda entry: entry[0])
        self.waiting = [entry for entry in self.waiting if entry[0] > now]
        for _, function in due:
            function()


def fake_connection(clock=None):
    """(Connection on a FakeClient, that client, the clock)."""
    from maskgan_krita.connection import Connection

    clock, clients = clock or FakeClock(), []

    def client(endpoint, timeout):
        clients.append(FakeClient(endpoint, timeout))
        return clients[-1]

    connection = Connection("ipc:///fake.sock", FakeTimer(), client_factory=client, clock=clock)
    return connection, clients[-1], clock


class FakeSteps:
    """steps.Steps without Qt: the test runs the started work with ``run_all`` (each step asks ``alive``)."""

    started: list = []

    def __init__(self, generator, on_done, on_error, alive):
        self.generator, self.on_done, self.on_error, self.alive, self.over = generator, on_done, on_error, alive, False

    def start(self):
        FakeSteps.started.append(self)
        return self

    def cancel(self):
        if not self.over:
            self.over = True
            self.generator.close()

    def run(self):
        while not self.over:
            if not self.alive():
                self.over = True
                self.on_error(None)
                return
            try:
                next(self.generator)
            except StopIteration as done:
                self.over = True
                self.on_done(done.value)
            except Exception as error:  # noqa: BLE001 - handed on, as Steps does
                self.over = True
                self.on_error(error)

    @classmethod
    def run_all(cls):
        while cls.started:
            cls.started.pop(0).run()


def starts_nothing(command, on_line, on_done):
    """DaemonLink's ``run`` for rigs whose daemon is there from the start: a start would be a test's mistake."""
    raise AssertionError(f"this rig starts no daemon, yet ran {command}")


class FakeWork:
    """The plug-in's request side (Board, DaemonLink, Tasks, Batches), connected to a daemon: by default a
    FakeClient on a FakeClock; ``endpoint``: a real daemon's, with the real client and clock."""

    def __init__(self, endpoint=None):
        import time

        from maskgan_krita.batches import Batches
        from maskgan_krita.board import Board
        from maskgan_krita.connection import Connection
        from maskgan_krita.daemon_link import DaemonLink
        from maskgan_krita.settings import Settings
        from maskgan_krita.tasks import Tasks

        FakeSteps.started = []
        if endpoint is None:
            self.connection, self.daemon, self.clock = fake_connection()
        else:
            self.connection, self.daemon, self.clock = Connection(endpoint, FakeTimer()), None, time.monotonic
        self.later = FakeLater(self.clock)
        self.board = Board()
        self.link = DaemonLink(self.connection, Settings(FakeStore()), self.board, self.later, run=starts_nothing)
        self.link.daemon = {"protocol": 1}  # as after a hello
        self.closed = set()  # documents the test closed
        self.tasks = Tasks(
            self.connection,
            self.board,
            self.link,
            FakeSteps,
            lambda doc: doc not in self.closed,
            batch_running=lambda: self.batches.batch is not None,
        )
        self.batches = Batches(self.tasks, self.link, self.board, self.later, self.clock)

    def sent(self, op=None):
        """Request ids sent so far (of ``op``), in order."""
        return [request_id for request_id, sent_op, _, _ in self.daemon.sent if op in (None, sent_op)]

    def answer(self, request_id, kind, **header):
        self.daemon.answer(request_id, kind, **header)
        self.connection.tick()

    def wait(self, seconds):
        """Let ``seconds`` pass on the FakeClock's event loop: timers fire, the connection polls."""
        self.clock.now += seconds
        self.later.run_due()
        self.connection.tick()
