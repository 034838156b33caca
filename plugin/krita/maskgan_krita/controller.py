"""One Controller per Krita session, shared by every window's docker: it builds the plug-in's parts and ties
them to Krita's event loop.

The parts marked (no Qt) take Krita's timers as arguments and are tested outside Krita on fakes:

* ``board`` (board.py): the message line and the progress bar the dockers show (no Qt);
* ``connection`` (connection.py): the daemon client, polled by a QTimer while requests are pending (no Qt);
* ``link`` (daemon_link.py): whether a daemon answers, the connection line, starting one (no Qt);
* ``tasks`` (tasks.py): requests, the document reading before and the result adding after each (no Qt);
* ``batches`` (batches.py): feeding a batch, waiting out busy answers, Cancel (no Qt);
* ``photos`` (mask_photos.py): which photo each document's masks were made from (no Qt);
* ``actions`` (actions.py) and ``batch_actions`` (batch_actions.py): what the buttons do;
* ``weights`` (weights_chooser.py): the Weights tab, running `maskgan weights` commands as QProcesses (no Qt).

Nothing waits on the daemon: each reply arrives as a callback on Krita's event loop, and
``changed`` tells the dockers to show the new state.
"""

from __future__ import annotations

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from . import cli_process
from .actions import Actions
from .batch_actions import BatchActions
from .batches import Batches
from .board import Board
from .connection import POLL_MS, Connection
from .daemon_link import DaemonLink
from .guard import guarded
from .mask_photos import MaskPhotos
from .settings import Settings
from .steps import Steps
from .tasks import Tasks
from .weights_chooser import WeightsChooser


class Controller(QObject):
    changed = pyqtSignal()

    def __init__(self, krita, parent=None):
        super().__init__(parent)
        self.krita = krita
        self.settings = Settings(krita)
        self.board = Board(self.changed.emit)
        poll = QTimer(self)
        poll.setInterval(POLL_MS)
        self.connection = Connection(self.settings.endpoint, poll)
        poll.timeout.connect(guarded()(self.connection.tick))
        self.link = DaemonLink(self.connection, self.settings, self.board, QTimer.singleShot, self._run_cli)
        self.photos = MaskPhotos(self.settings)
        self.tasks = Tasks(
            self.connection,
            self.board,
            self.link,
            self._run_steps,
            is_open=lambda doc: self.actions.is_open(doc),
            batch_running=lambda: self.batches.batch is not None,
        )
        self.batches = Batches(self.tasks, self.link, self.board, QTimer.singleShot)
        self.actions = Actions(krita, self.settings, self.board, self.link, self.tasks, self.batches, self.photos)
        self.batch_actions = BatchActions(krita, self.settings, self.actions, self.batches)
        self.weights = WeightsChooser(
            self.link,
            self.board,
            self._run_cli,
            QTimer.singleShot,
            busy=lambda: self.batches.busy,
        )

    def _run_cli(self, command, on_line, on_done):
        return cli_process.run(command, on_line, on_done, parent=self)

    def _run_steps(self, generator, on_done, on_error, alive):
        return Steps(generator, on_done, on_error, alive, parent=self)
