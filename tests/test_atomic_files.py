"""The one atomic file writer: a whole file with an ordinary file's mode, or nothing, whatever fails."""

import os
import stat

import pytest

from maskgan.core.atomic_files import write_atomically


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the previous one back."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_file_gets_the_mode_the_umask_gives_new_files(tmp_path, umask):
    for mask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        umask(mask)
        target = tmp_path / "deep" / f"out{mask:o}.json"  # its folder is made
        write_atomically(target, lambda tmp: tmp.write_text("{}"))
        assert target.read_text() == "{}" and stat.S_IMODE(target.stat().st_mode) == mode
    assert leftovers(tmp_path / "deep") == []


def test_a_failing_writer_leaves_no_temporary_and_the_old_file_as_it_was(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_a_failing_move_leaves_no_temporary(tmp_path):
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)  # a non-empty folder under the name: the rename fails
    with pytest.raises(OSError):
        write_atomically(target, lambda tmp: tmp.write_text("new"))
    assert leftovers(tmp_path) == [] and (target / "inside").is_dir()


def test_an_interrupted_writer_leaves_no_temporary(tmp_path):
    def interrupted(tmp):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.png", interrupted)
    assert list(tmp_path.iterdir()) == []
