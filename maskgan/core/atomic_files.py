"""The one way the library and its applications write a file: whole or not at all.

``write_atomically(path, write)`` lets ``write`` fill a temporary file beside ``path``
(``.NAME.<random>.tmp``), flushes it to disk and moves it onto ``path``: readers never
see half a file, a crash leaves only the temporary behind (``remove_stale_temporaries``
clears those on the next run), and a failing ``write`` leaves nothing at all. The file
gets an ordinary file's mode (0666 less the umask): the temporary is created with
``os.open(..., 0o666)``, which the kernel masks, not with ``mkstemp``'s owner-only 0600.
"""

from __future__ import annotations

import glob
import os
import time
import uuid
from pathlib import Path

STALE_SECONDS = 600  # a temporary file this old belongs to a writer that was killed, not to one at work


def temporary_beside(path: Path) -> Path:
    """A fresh name for ``path``'s temporary, in its folder (a rename across file systems is not atomic)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def write_atomically(path: str | os.PathLike, write) -> None:
    """Call ``write(temporary path)``, then move the written temporary onto ``path`` (its folder made if needed).

    On any failure, of ``write`` or of the move, the temporary is removed and the error raised;
    a file already at ``path`` stays as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_beside(path)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies, as to any new file
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:  # on disk before the rename, so a crash cannot leave an empty file
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path: str | os.PathLike, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove what writers of ``path`` killed mid-write left beside it (write_atomically's ``.NAME.*.tmp``)."""
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if tmp.is_file() and not tmp.is_symlink() and time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return removed
