"""Writing products safely: under a temporary name in the same folder, then moved into place.

A reader of ``outputs/`` therefore sees either the previous complete file or the new
complete file, never a half-written one (``os.replace`` is atomic within a file system).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside `target`; on success it replaces `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".partial" + target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; products are shared files
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(frame, target: Path) -> Path:
    """Write a DataFrame as CSV (comma, '.' decimals, no index, '\\n' line ends), atomically."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")
    return Path(target)


def remove(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
