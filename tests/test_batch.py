"""`maskgan batch`: manifests (CSV, JSON, folder) through a real daemon, failures per item, resume."""

import json
import os
import signal
import time

import numpy as np
import pytest
from daemon_process import DaemonProcess
from helpers import assert_equal_up_to_batching, synthetic_photo

from maskgan.imageio import load_rgb, save_mask, save_png
from maskgan.infer import Editor
from maskgan.labels import label_to_color
from maskgan_cli.batch_runner import STATE_FILE, Runner, read_manifest
from maskgan_cli.main import main

BAD_COLOUR = (250, 250, 250)  # near no palette colour nor any blend of two in the mask


@pytest.fixture(scope="module")
def daemon(tiny_weights, tmp_path_factory):
    process = DaemonProcess(tmp_path_factory.mktemp("batch-daemon"), tiny_weights).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def editor(tiny_weights):
    return Editor.load(tiny_weights, device="cpu", precision="fp32")


def write_face(folder, name, seed, mask_name="{}.mask.png", edited_name="{}.edited.png"):
    """A synthetic photo with its colour masks on disk; returns the arrays."""
    image, source, edited = synthetic_photo(seed)
    save_png(folder / f"{name}.png", image)
    save_mask(folder / mask_name.format(name), source)
    save_mask(folder / edited_name.format(name), edited)
    return image, source, edited


def write_bad_colour_mask(path, label):
    painted = label_to_color(label)
    painted[:20, :20] = BAD_COLOUR
    save_png(path, painted)


def run_batch(*argv):
    return main(["batch", *map(str, argv)])


def report_of(folder):
    return {row["name"]: row for row in json.loads((folder / "report.json").read_text())["items"]}


def mtimes(paths):
    return {p: p.stat().st_mtime_ns for p in paths}


@pytest.fixture
def csv_batch(tmp_path, editor):
    """3 good rows, one naming a missing photo, one with a bad-colour mask: (manifest, expected outputs)."""
    faces = tmp_path / "faces"
    faces.mkdir()
    expected = {}
    for name, seed in (("anna", 3), ("ben", 4), ("carl", 5)):
        image, source, edited = write_face(faces, name, seed)
        expected[name] = editor.edit(image, source, edited, feather=8).image
    _, source, edited = write_face(faces, "dora", 6)
    write_bad_colour_mask(faces / "dora.mask.png", source)
    lines = ["image,mask,edited_mask,op"]
    for name in ("anna", "ghost", "ben", "dora", "carl"):
        lines.append(f"faces/{name}.png,faces/{name}.mask.png,faces/{name}.edited.png,edit")
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest, expected


def test_csv_batch_writes_good_items_and_reports_bad_ones(daemon, csv_batch, capsys):
    manifest, expected = csv_batch
    out = manifest.parent / "out"
    assert run_batch(manifest, "--output", out, "--endpoint", daemon.endpoint, "--in-flight", 3) == 1
    assert "3 done, 2 failed, 0 skipped (already done)" in capsys.readouterr().out
    for name, pixels in expected.items():  # three in flight: the daemon may edit them in one forward
        assert_equal_up_to_batching(load_rgb(out / f"{name}.png"), pixels)
    report = report_of(out)
    statuses = [report[n]["status"] for n in ("anna", "ghost", "ben", "dora", "carl")]
    assert statuses == ["ok", "failed", "ok", "failed", "ok"]
    assert report["ghost"]["reason"] == f"no such image file: {manifest.parent / 'faces' / 'ghost.png'}"
    assert "dora.mask.png" in report["dora"]["reason"] and "match no class of the palette" in report["dora"]["reason"]
    assert "RGB(250, 250, 250) x400" in report["dora"]["reason"]
    assert not (out / "ghost.png").exists() and not (out / "dora.png").exists()


def test_rerun_skips_finished_items_and_redoes_only_a_deleted_output(daemon, csv_batch, capsys):
    manifest, expected = csv_batch
    out = manifest.parent / "out"
    outputs = [out / f"{name}.png" for name in expected]
    run_batch(manifest, "--output", out, "--endpoint", daemon.endpoint)
    before = mtimes(outputs)

    assert run_batch(manifest, "--output", out, "--endpoint", daemon.endpoint) == 1  # the 2 bad rows still fail
    assert "0 done, 2 failed, 3 skipped (already done)" in capsys.readouterr().out
    assert mtimes(outputs) == before
    assert {n: r["status"] for n, r in report_of(out).items() if n in expected} == dict.fromkeys(expected, "skipped")

    (out / "ben.png").unlink()
    run_batch(manifest, "--output", out, "--endpoint", daemon.endpoint)
    assert "1 done, 2 failed, 2 skipped (already done)" in capsys.readouterr().out
    assert report_of(out)["ben"]["status"] == "ok"
    assert np.array_equal(load_rgb(out / "ben.png"), expected["ben"])
    assert {p: t for p, t in mtimes(outputs).items() if p.name != "ben.png"} == {
        p: t for p, t in before.items() if p.name != "ben.png"
    }


def test_an_output_written_but_not_recorded_is_redone(daemon, csv_batch, capsys):
    """An interruption between writing and recording leaves a file that the state file says is being written:
    it does not count as done, and it is the batch's own to replace."""
    manifest, expected = csv_batch
    out = manifest.parent / "out"
    save_png(out / "anna.png", np.zeros((4, 4, 3), np.uint8))
    (out / STATE_FILE).write_text(json.dumps({"output": str(out / "anna.png"), "writing": True}) + "\n")
    run_batch(manifest, "--output", out, "--endpoint", daemon.endpoint)
    assert "3 done, 2 failed" in capsys.readouterr().out
    assert_equal_up_to_batching(load_rgb(out / "anna.png"), expected["anna"])


def test_json_manifest_with_style_copy_size_mismatch_and_daemon_error(daemon, editor, tmp_path, capsys):
    image, source, edited = write_face(tmp_path, "eve", 7)
    reference, reference_mask, _ = write_face(tmp_path, "ref", 8)
    save_mask(tmp_path / "small.mask.png", source[:50, :50])
    save_mask(tmp_path / "empty.mask.png", np.zeros_like(reference_mask))
    rows = [
        {"image": "eve.png", "mask": "eve.mask.png", "edited_mask": "eve.edited.png", "output": "sub/eve-edited.png"},
        {"op": "style_copy", "mask": "eve.mask.png", "reference_image": "ref.png", "reference_mask": "ref.mask.png"},
        {"image": "eve.png", "mask": "small.mask.png", "edited_mask": "eve.edited.png", "output": "mismatch.png"},
        {
            "op": "style_copy",
            "mask": "eve.mask.png",
            "reference_image": "ref.png",
            "reference_mask": "empty.mask.png",
            "output": "nostyle.png",
        },
        {"op": "variants", "image": "eve.png"},
    ]
    manifest = tmp_path / "jobs.json"
    manifest.write_text(json.dumps(rows))
    assert run_batch(manifest, "--endpoint", daemon.endpoint, "--feather", 3) == 1
    assert "2 done, 3 failed, 0 skipped" in capsys.readouterr().out
    out = tmp_path / "edited"  # the default: beside the manifest
    assert np.array_equal(load_rgb(out / "sub" / "eve-edited.png"), editor.edit(image, source, edited, feather=3).image)
    assert np.array_equal(load_rgb(out / "eve.style_copy.png"), editor.style_copy(source, reference, reference_mask))
    rows = json.loads((out / "report.json").read_text())["items"]
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed", "failed"]
    assert rows[2]["reason"] == (
        "size mismatch: image eve.png is 160x120, mask small.mask.png is 50x50, edited_mask eve.edited.png is 160x120"
    )
    assert rows[3]["reason"] == "daemon: the masks are all background: there is no face to edit [bad_input]"
    assert rows[4]["reason"] == "unknown op 'variants'; ops are edit, style_copy"


def test_each_edit_takes_its_rows_method_else_the_batchs(daemon, editor, tmp_path, capsys):
    image, source, edited = write_face(tmp_path, "eve", 7)
    edit = {"image": "eve.png", "mask": "eve.mask.png", "edited_mask": "eve.edited.png"}
    rows = [
        {**edit, "output": "default.png"},
        {**edit, "output": "generated.png", "method": "generate"},
        {**edit, "output": "liquify.png", "method": "liquify"},
        {
            "op": "style_copy",
            "mask": "eve.mask.png",
            "reference_image": "eve.png",
            "reference_mask": "eve.mask.png",
            "method": "photo",
        },
    ]
    manifest = tmp_path / "jobs.json"
    manifest.write_text(json.dumps(rows))
    assert run_batch(manifest, "--endpoint", daemon.endpoint, "--method", "photo") == 1
    out = tmp_path / "edited"
    assert np.array_equal(load_rgb(out / "default.png"), editor.edit(image, source, edited, method="photo").image)
    assert np.array_equal(load_rgb(out / "generated.png"), editor.edit(image, source, edited, method="generate").image)
    assert not np.array_equal(load_rgb(out / "default.png"), load_rgb(out / "generated.png"))
    rows = json.loads((out / "report.json").read_text())["items"]
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed"]
    assert rows[2]["reason"] == "unknown method 'liquify'; methods are auto, generate, photo"
    assert rows[3]["reason"] == "style_copy takes no method"
    capsys.readouterr()
    assert run_batch(manifest, "--endpoint", daemon.endpoint, "--method", "generate") == 1  # another default:
    assert "1 done, 2 failed, 1 skipped" in capsys.readouterr().out  # the first row is redone, the second kept


def test_folder_convention(daemon, editor, tmp_path, capsys):
    expected = {}
    for name, seed in (("a", 3), ("b", 4)):
        image, source, edited = write_face(tmp_path, name, seed)
        expected[name] = editor.edit(image, source, edited, feather=8).image
    write_face(tmp_path, "c", 5)
    (tmp_path / "c.edited.png").unlink()
    assert run_batch(tmp_path, "--endpoint", daemon.endpoint) == 1
    assert "2 done, 1 failed, 0 skipped" in capsys.readouterr().out
    for name, pixels in expected.items():
        assert_equal_up_to_batching(load_rgb(tmp_path / "edited" / f"{name}.png"), pixels)
    assert report_of(tmp_path / "edited")["c"]["reason"] == f"no such image file: {tmp_path / 'c.edited.png'}"


def test_an_output_never_overwrites_an_input(tmp_path, capsys):
    write_face(tmp_path, "a", 3)
    before = (tmp_path / "a.png").read_bytes()
    assert run_batch(tmp_path, "--output", tmp_path, "--endpoint", f"ipc://{tmp_path / 'none.sock'}") == 2
    assert f"row 1: its output {tmp_path / 'a.png'} is an input of item 1" in capsys.readouterr().err
    assert (tmp_path / "a.png").read_bytes() == before


def test_outputs_stay_inside_the_output_folder_and_off_others_files(tmp_path, capsys):
    """Issue 22, defect 5: every offending row named, and nothing run or written."""
    write_face(tmp_path, "a", 3)
    out = tmp_path / "out"
    out.mkdir()
    (out / "theirs.png").write_bytes(b"someone's work")
    (out / "link.png").symlink_to(tmp_path / "a.png")
    rows = [
        ("../escaped.png", "outside the output folder"),
        (str(tmp_path / "abs.png"), "outside the output folder"),
        ("a.mask.png", None),
        ("../a.mask.png", "outside the output folder"),
        (STATE_FILE, f"the batch's own {STATE_FILE}"),
        ("report.json", "the batch's own report.json"),
        ("theirs.png", "already exists and this batch did not write it"),
        ("link.png", "outside the output folder"),
    ]
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(
        "image,mask,edited_mask,output\n" + "".join(f"a.png,a.mask.png,a.edited.png,{o}\n" for o, _ in rows)
    )
    assert run_batch(manifest, "--output", out, "--endpoint", f"ipc://{tmp_path / 'none.sock'}") == 2
    err = capsys.readouterr().err
    assert "nothing was run: 7 output(s) would land where they must not" in err
    for number, (_output, why) in enumerate(rows, 1):
        assert (f"row {number}: its output" in err) == (why is not None), (number, err)
        assert why is None or why in err.split(f"row {number}: ")[1].split("; row")[0]
    assert (out / "theirs.png").read_bytes() == b"someone's work"
    assert sorted(p.name for p in out.iterdir()) == ["link.png", "theirs.png"]
    assert not (tmp_path / "escaped.png").exists() and not (tmp_path / "abs.png").exists()


def test_a_state_file_that_is_a_symlink_is_refused(tmp_path, capsys):
    write_face(tmp_path, "a", 3)
    out = tmp_path / "edited"
    out.mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    (out / STATE_FILE).symlink_to(target)
    assert run_batch(tmp_path, "--endpoint", f"ipc://{tmp_path / 'none.sock'}") == 2
    assert f"the batch state file {out / STATE_FILE} is not a plain file (a symbolic link?)" in capsys.readouterr().err
    assert target.read_text() == "precious"


def test_temporaries_of_a_killed_writer_are_removed_on_the_next_run(daemon, tmp_path, capsys):
    write_face(tmp_path, "a", 3)
    out = tmp_path / "edited"
    out.mkdir()
    stale, fresh = out / ".a.png.x1y2.tmp", out / ".a.png.z3w4.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half a png")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert run_batch(tmp_path, "--endpoint", daemon.endpoint) == 0
    assert not stale.exists() and fresh.exists()  # a recent one may belong to a writer still at work


def test_a_daemon_that_stops_answering_mid_batch_is_reported_by_the_liveness_ping(tiny_weights, tmp_path):
    """Issue 22, defect 9: a `status` ping unanswered for 6 s says so, instead of the 120 s silence timeout."""
    from maskgan_client import Client

    for n in range(3):
        write_face(tmp_path, f"f{n}", 3 + n)
    out = tmp_path / "edited"
    items = read_manifest(tmp_path, out)
    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    try:
        with Client(process.endpoint, timeout=30) as client:
            client.hello()
            process.process.send_signal(signal.SIGSTOP)  # alive but silent, like a hung daemon
            result = Runner(client, out, silence_timeout=600).run(items)
    finally:
        process.process.send_signal(signal.SIGCONT)
        process.stop()
    assert (
        result.aborted
        == f"no MaskGAN daemon answered at {process.endpoint} within 6s; start one with `maskgan daemon start`"
    )
    assert [o.reason for o in result.outcomes] == ["not run: the daemon stopped answering"] * 3


def test_all_good_exits_zero(daemon, tmp_path, capsys):
    write_face(tmp_path, "a", 3)
    assert run_batch(tmp_path, "--endpoint", daemon.endpoint) == 0
    assert "1 done, 0 failed, 0 skipped (already done)" in capsys.readouterr().out


def test_unknown_csv_column_is_one_clear_error(tmp_path, capsys):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("image,mask,edited-mask\na.png,a.mask.png,a.edited.png\n")
    assert run_batch(manifest, "--endpoint", f"ipc://{tmp_path / 'none.sock'}") == 2
    assert f"{manifest}: unknown column 'edited-mask'" in capsys.readouterr().err


def test_daemon_absent_is_one_clear_error(tmp_path, capsys):
    write_face(tmp_path, "a", 3)
    endpoint = f"ipc://{tmp_path / 'none.sock'}"
    assert run_batch(tmp_path, "--endpoint", endpoint) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"maskgan batch: error: no MaskGAN daemon is running at {endpoint}; "
        "start one with `maskgan daemon start --detach` (or pass --endpoint)"
    )
    assert not (tmp_path / "edited").exists()


def test_a_batch_killed_mid_run_resumes_without_redoing_or_refusing_its_own_files(daemon, tmp_path, capsys):
    """Issue 22, faults: SIGKILL of the runner mid-batch; the rerun finishes the rest and owns what the first wrote."""
    import subprocess
    import sys

    for n in range(12):
        write_face(tmp_path, f"f{n:02d}", 3 + n)
    out = tmp_path / "edited"
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "maskgan_cli",
            "batch",
            str(tmp_path),
            "--endpoint",
            daemon.endpoint,
            "--in-flight",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state = out / STATE_FILE
    while runner.poll() is None and (not state.exists() or state.read_text().count("\n") < 3):
        time.sleep(0.01)
    runner.kill()
    runner.wait()
    written = {p.name for p in out.glob("f*.png")}
    assert run_batch(tmp_path, "--endpoint", daemon.endpoint) == 0
    printed = capsys.readouterr().out
    done, skipped = int(printed.split(" done")[0].split()[-1]), int(printed.split(" skipped")[0].split()[-1])
    assert done + skipped == 12 and skipped >= 1 and done >= 1, printed
    assert sorted(p.name for p in out.glob("f*.png")) == [f"f{n:02d}.png" for n in range(12)]
    assert written <= {p.name for p in out.glob("f*.png")}


def test_the_report_is_an_ordinary_file_and_a_failed_write_leaves_no_temporary(tmp_path):
    """Issue 20: the report was left owner-only (mkstemp's 0600), and its temporary stayed behind on failure."""
    from maskgan_cli.batch_runner import BatchResult, write_report

    previous = os.umask(0o022)
    try:
        report = write_report(tmp_path / "out", BatchResult([]))
    finally:
        os.umask(previous)
    assert os.stat(report).st_mode & 0o777 == 0o644
    assert json.loads(report.read_text())["summary"] == {"done": 0, "failed": 0, "skipped": 0}
    report.unlink()
    (report / "in the way").mkdir(parents=True)  # a folder under the report's name: the move fails
    with pytest.raises(OSError):
        write_report(tmp_path / "out", BatchResult([]))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json"]
