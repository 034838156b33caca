"""Test-only Krita extension: runs a scenario script inside real Krita, then quits.

The scenario file (env MASKGAN_KRITA_SCENARIO) defines ``checks``: a list of
functions taking a ``Context``; it may import modules beside it (its folder goes
on sys.path). Each runs after the main window exists; its outcome
(pass, or the traceback) goes to the JSON file named by MASKGAN_KRITA_RESULT.
A check may be a generator: each ``yield N`` returns control to Krita's event loop
for N milliseconds (so that asynchronous work such as daemon replies can arrive)
before the check continues. Any exception escaping a Qt callback is recorded and
ends the run instead of opening Krita's modal error dialog.
"""

import importlib.util
import json
import os
import sys
import time
import traceback

from krita import Extension, Krita
from PyQt5.QtCore import QTimer


class Context:
    """What a check gets: Krita, a place for artefacts, and values to report."""

    def __init__(self, artefacts: str):
        self.krita = Krita.instance()
        self.artefacts = artefacts
        self.values = {}


class Runner:
    def __init__(self):
        self.results = {"checks": {}, "errors": []}
        self.result_path = os.environ["MASKGAN_KRITA_RESULT"]
        self.checks = []
        self.context = None
        self.finished = False

    def start(self):
        sys.excepthook = self.on_uncaught
        try:
            path = os.environ["MASKGAN_KRITA_SCENARIO"]
            sys.path.insert(0, os.path.dirname(path))
            spec = importlib.util.spec_from_file_location("scenario", path)
            scenario = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(scenario)
            self.checks = list(scenario.checks)
            self.context = Context(os.environ.get("MASKGAN_KRITA_ARTEFACTS", os.path.dirname(self.result_path)))
        except Exception:
            self.results["errors"].append("loading the scenario failed:\n" + traceback.format_exc())
            self.finish()
            return
        self.next_check()

    def next_check(self):
        if not self.checks:
            self.finish()
            return
        check = self.checks.pop(0)
        self.current = check.__name__
        self.started = time.monotonic()
        try:
            outcome = check(self.context)
        except Exception:
            self.fail(traceback.format_exc())
            return
        if hasattr(outcome, "send"):
            self.step(outcome)
        else:
            self.passed()

    def step(self, generator):
        try:
            delay = next(generator)
        except StopIteration:
            self.passed()
            return
        except Exception:
            self.fail(traceback.format_exc())
            return
        QTimer.singleShot(int(delay or 0), lambda: self.step(generator))

    def passed(self):
        self.record({"ok": True})

    def fail(self, text):
        self.record({"ok": False, "error": text})

    def record(self, outcome):
        outcome["seconds"] = round(time.monotonic() - self.started, 3)
        self.results["checks"][self.current] = outcome
        self.write()
        QTimer.singleShot(0, self.next_check)

    def on_uncaught(self, kind, value, tb):
        self.results["errors"].append("".join(traceback.format_exception(kind, value, tb)))
        self.finish()

    def write(self):
        self.results["values"] = self.context.values if self.context else {}
        tmp = self.result_path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(self.results, handle, indent=1, default=str)
        os.replace(tmp, self.result_path)

    def finish(self):
        if self.finished:
            return
        self.finished = True
        self.write()
        app = Krita.instance()
        for document in app.documents():
            document.setModified(False)
            document.close()
        app.action("file_quit").trigger()


class HarnessExtension(Extension):
    def setup(self):
        self.runner = Runner()
        Krita.instance().notifier().windowCreated.connect(lambda: QTimer.singleShot(300, self.runner.start))

    def createActions(self, window):
        pass


Krita.instance().addExtension(HarnessExtension(Krita.instance()))
