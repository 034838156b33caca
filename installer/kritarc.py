"""Reading and changing one key of kritarc's ``[python]`` group, leaving every other line as it was.

kritarc is a Qt INI file that Krita rewrites itself; a full INI parser would
reorder or re-escape the user's other settings, so this edits the one line only.
"""

from __future__ import annotations

from pathlib import Path

GROUP = "[python]"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _group_span(lines: list[str]) -> tuple[int, int] | None:
    """Index of the [python] header and of the line after the group's end."""
    for start, line in enumerate(lines):
        if line.strip() == GROUP:
            end = start + 1
            while end < len(lines) and not lines[end].lstrip().startswith("["):
                end += 1
            return start, end
    return None


def read_python_setting(path: Path, key: str) -> str | None:
    lines = _lines(path)
    span = _group_span(lines)
    if span is None:
        return None
    for line in lines[span[0] + 1 : span[1]]:
        if _key_of(line) == key:
            return line.partition("=")[2].strip()
    return None


def write_python_setting(path: Path, key: str, value: str | None) -> None:
    """Set ``key=value`` in [python] (creating file and group as needed); None removes the key."""
    lines = _lines(path)
    span = _group_span(lines)
    if span is None:
        if value is None:
            return
        if lines and lines[-1].strip():
            lines.append("")
        lines += [GROUP, f"{key}={value}"]
    else:
        start, end = span
        keyed = [i for i in range(start + 1, end) if _key_of(lines[i]) == key]
        if value is not None and keyed:
            lines[keyed[0]] = f"{key}={value}"
            del lines[keyed[0] + 1 : keyed[-1] + 1]  # drop duplicates of the key, if any
        elif value is not None:
            lines.insert(end, f"{key}={value}")
        else:
            for i in reversed(keyed):
                del lines[i]
            _drop_group_if_empty(lines, start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _key_of(line: str) -> str | None:
    name, sep, _ = line.partition("=")
    return name.strip() if sep else None


def _drop_group_if_empty(lines: list[str], start: int) -> None:
    """An emptied [python] group (and the blank line written before it) carries nothing: remove it."""
    end = start + 1
    while end < len(lines) and not lines[end].lstrip().startswith("["):
        if lines[end].strip():
            return
        end += 1
    first = start - 1 if start > 0 and not lines[start - 1].strip() else start
    del lines[first:end]
