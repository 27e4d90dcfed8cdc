"""Atomic file writes: the one helper every workspace writer uses.

A write goes to a temporary file in the target's own folder (so the final rename never crosses
a file system), is flushed and fsynced, and then ``os.replace``\\ s the target; the folder is
fsynced too, so the rename itself survives a power cut. A reader therefore sees the old file or
the new one, never half of either, and a process killed mid-write leaves only a hidden
``.<name>.<random>.tmp`` behind (ignored by every reader).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike[str]


def fsync_dir(folder: PathLike) -> None:
    """Make a rename or a new entry in ``folder`` durable (no-op where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is already synced
    finally:
        os.close(fd)


def fsync_file(path: PathLike) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")


@contextmanager
def atomic_path(path: PathLike, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that needs a file name (Parquet,
    safetensors); when the block ends without an error the file is fsynced and moved onto
    ``path``. On an error the temporary file is removed and ``path`` is left as it was.

    The temporary file exists (empty) before the writer runs, created with ``mode`` (e.g.
    ``0o600``) when given, so a private file is never readable by others, not even briefly;
    without ``mode`` the process umask decides, as for any new file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)  # exact, whatever the umask
        finally:
            os.close(fd)
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)  # in case the writer replaced the file rather than rewriting it
        fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def atomic_write_bytes(path: PathLike, data: bytes, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_path`). Returns the path."""
    with atomic_path(path, mode=mode) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(path)


def atomic_write_text(path: PathLike, text: str, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_json(path: PathLike, data: Any, *, mode: int | None = None, **json_kwargs: Any) -> Path:
    """Replace ``path`` with ``data`` as JSON atomically; ``json_kwargs`` go to ``json.dumps``
    (default ``indent=2``)."""
    json_kwargs.setdefault("indent", 2)
    return atomic_write_text(path, json.dumps(data, **json_kwargs) + "\n", mode=mode)


def read_jsonl(path: PathLike) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file, in order; a line cut by a crash mid-write (or anything
    that is not an object) is skipped, so one bad line never hides the rest."""
    target = Path(path)
    if not target.is_file():
        return []
    rows = []
    for line in target.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def append_durably(path: PathLike, text: str) -> None:
    """Append ``text`` to ``path`` and fsync it (callers hold the file's lock)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
