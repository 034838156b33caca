"""The hostile-client probe in its short, seeded form (the full one: benchmarks/probe_daemon.py, docs/benchmarks.md)."""

import sys

from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from probe_daemon import run  # noqa: E402


def test_probe_short_form(tmp_path):
    figures = run(tmp_path, messages=300, clients=2, edits=10, seed=0)
    fuzz = figures["fuzz"]
    assert fuzz["usable"] > 150 and fuzz["answered_once"] == fuzz["usable"] and fuzz["more_than_one"] == 0
    assert fuzz["unusable_replies"] <= fuzz["messages"] - fuzz["usable"]  # at most one each
    assert figures["alive"]
    for run_figures in figures["load"] + figures["busy_storm"]:
        assert (run_figures["lost"], run_figures["duplicated"], run_figures["wrong"]) == (0, 0, 0), run_figures
    retry_at_once, backoff = figures["busy_storm"]
    assert backoff["busy"] < retry_at_once["busy"]  # the daemon's retry_after and the jitter keep clients away
