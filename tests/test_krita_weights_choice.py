"""The Krita plug-in's weights_choice.py outside Krita: reading what the `maskgan weights` commands print (their
real output), deciding what the daemon does after a switch, and the connection line."""

import json

import pytest
import torch

from maskgan_cli.main import main
from maskgan_krita.weights_choice import (
    ASK,
    EDITING,
    NEXT_START,
    PARSER,
    RESTART,
    after_switch,
    cli_failure,
    connection_line,
    import_arguments,
    parse_listing,
    parse_step,
    parser_named,
    switched,
)
from maskgan_plugin_common.errors import PluginError

HELLO = {"version": "0.1.0", "device": "cpu", "precision": "fp32", "model": {"name": "official MaskGAN generator"}}


@pytest.fixture
def user(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_the_real_listing_of_the_cli_reads_as_bundles_with_the_ones_in_use(user, official_reference, capsys):
    checkpoint = user / "latest_net_G.pth"
    torch.save(official_reference["state_dict"], checkpoint)
    assert main(["weights", "import-official", str(checkpoint), "--use"]) == 0
    _, stderr = capsys.readouterr()
    assert main(["weights", "list", "--json"]) == 0
    listing = parse_listing(capsys.readouterr().out)

    assert [bundle.name for bundle in listing.of_kind(EDITING)] == ["demo", "official"]
    assert [bundle.name for bundle in listing.of_kind(PARSER)] == ["landmarks"]
    assert listing.in_use(EDITING).name == "official" and listing.in_use(PARSER).name == "landmarks"
    assert listing.in_use(EDITING).title == "official MaskGAN generator (latest_net_G.pth)"
    assert listing.settings == str(user / "config" / "maskgan" / "config.toml")
    # the import's progress lines, as the CLI printed them
    steps = [parse_step(line) for line in stderr.splitlines()]
    assert [(step.done, step.total, step.message) for step in steps] == [
        (0, 4, "reading the checkpoint"),
        (1, 4, "converting its tensors"),
        (2, 4, "fingerprinting the checkpoint"),
        (3, 4, "writing the bundle"),
    ]
    assert [step.fraction for step in steps] == [0.0, 0.25, 0.5, 0.75]


def test_a_failed_import_is_told_in_the_clis_own_words(user, tmp_path, capsys):
    not_a_checkpoint = tmp_path / "latest_net_G.pth"
    not_a_checkpoint.write_bytes(b"not a checkpoint")
    code = main(import_arguments(EDITING, str(not_a_checkpoint)))
    _, stderr = capsys.readouterr()
    said = cli_failure(code, stderr.splitlines())
    assert stderr.splitlines()[0] == "step 1/4: reading the checkpoint"  # progress is no part of the error
    assert code == 2 and said.startswith(f"{not_a_checkpoint} holds Python objects other than tensors")
    assert stderr.splitlines()[1:] == ["maskgan weights: error: " + said]  # only the CLI's prefix is dropped
    assert cli_failure(None, []) == "it was stopped"
    assert cli_failure(1, ["", "step 2/4: converting its tensors"]) == "it exited with code 1 and said nothing"


def test_a_listing_that_is_not_one_says_what_to_do():
    with pytest.raises(PluginError, match=r"printed no weights listing .*update MaskGAN and the plug-in together"):
        parse_listing("usage: maskgan weights [-h] ...")
    with pytest.raises(PluginError, match="'in_use'"):
        parse_listing(json.dumps({"settings": "s", "weights": [{"name": "demo", "kind": EDITING}]}))


def test_only_a_daemon_this_docker_started_is_restarted():
    assert after_switch(connected=True, started_here=True) == RESTART
    assert after_switch(connected=True, started_here=False) == ASK
    assert after_switch(connected=False, started_here=False) == NEXT_START
    assert switched(EDITING, "official", RESTART, "ipc:///e") == (
        "The daemon's weights are now official: the daemon this docker started restarts to load it (the connection "
        "line names what it runs)."
    )
    assert switched(PARSER, "official-parser", ASK, "ipc:///e") == (
        "The daemon's face parser is now official-parser from the daemon's next start. The daemon at ipc:///e was "
        "not started by this docker: restart it (`maskgan daemon stop`, then Start daemon or `maskgan daemon "
        "start`) so that it loads official-parser."
    )
    assert switched(EDITING, "demo", NEXT_START, "ipc:///e") == (
        "The daemon's weights are now demo: the next daemon start loads demo (Start daemon)."
    )


def test_the_connection_line_names_the_model_card_and_the_parser_of_the_hello():
    learned = {"kind": "auto", "weights": "/home/u/.local/share/maskgan/weights/official-parser.safetensors"}
    assert connection_line({**HELLO, "parser": learned}) == (
        "Connected: MaskGAN 0.1.0 on cpu (fp32), official MaskGAN generator; parser official-parser"
    )
    assert parser_named({"parser": {"kind": "auto", "weights": None, "name": None, "problem": None}}) == "landmarks"
    assert parser_named({"parser": {"kind": "learned", "weights": None}}) == "the shipped learned parser"
    assert (
        parser_named({"parser": {"kind": "landmarks", "problem": "mediapipe is missing"}}) == "landmarks (unavailable)"
    )
    assert connection_line(HELLO) == "Connected: MaskGAN 0.1.0 on cpu (fp32), official MaskGAN generator"
