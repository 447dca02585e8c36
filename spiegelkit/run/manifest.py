"""``outputs/manifest.json``: what each group's outputs were made from, and how that went.

Per group: its status, how long it took, the error if any, when it finished, and its
inputs: digests of the params file, the data tables, the notebook and the spiegelkit
package (its version and the digest of its source files), and the versions of the
libraries that shape a handout. A later run skips a group whose last run succeeded, whose
inputs are all the same and whose handout and notebook are still there.

The file is rewritten after every group, atomically, so a run stopped at any moment
(Ctrl-C, ``kill -9``) leaves the record of every finished group; the next run redoes
only what is missing or changed. One group per line, so it can be read with grep.

One run at a time writes an outputs folder: :func:`outputs_lock` holds a lock on
``outputs/.spiegelkit-run.lock`` (released by the system when the run ends, also on
``kill -9``); a second run says whom it waits for and then starts from the first one's
manifest, so it redoes nothing the first finished. Should another writer change the file
anyway (a second machine on a share without locks), :meth:`Manifest.save` keeps its
entries for the groups this run did not record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from spiegelkit.outputs import write_text
from spiegelkit.inputs.group import Group
from spiegelkit.inputs.problems import display_path
from spiegelkit.paths import PACKAGE

FILE_NAME = "manifest.json"
LOCK_NAME = ".spiegelkit-run.lock"
FORMAT = 1
# Libraries whose version can change a handout: a new version redoes every group.
LIBRARIES = ["pandas", "numpy", "scipy", "matplotlib", "seaborn", "jinja2", "nbconvert",
             "nbclient", "papermill", "ipykernel"]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits); remembered per size and mtime."""
    stat = Path(path).stat()
    return _digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8192)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:16]


def combined_digest(files: dict[str, Path]) -> str:
    """One digest of several files, by name: a renamed, added or changed file changes it."""
    sha = hashlib.sha256()
    for name, path in sorted(files.items()):
        sha.update(f"{name}\0{file_digest(path)}\n".encode())
    return sha.hexdigest()[:16]


def package_source_digest() -> str:
    """Digest of every file of the spiegelkit package (code, templates, bundled data)."""
    files = {str(p.relative_to(PACKAGE)): p for p in PACKAGE.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    return combined_digest(files)


def run_inputs(notebook: Path) -> dict:
    """The inputs shared by every group of a run: notebook, package and library versions."""
    return {
        "notebook": file_digest(notebook),
        "package": f"{metadata.version('spiegelkit')}+{package_source_digest()}",
        "versions": {"python": platform.python_version(),
                     **{name: metadata.version(name) for name in LIBRARIES}},
    }


def group_inputs(group: Group, shared: dict) -> dict:
    """A group's inputs: the digest of every file it is made from (params, data tables,
    catalogue, meeting records) and what every group of the run shares."""
    files = group.input_files()
    params = files.pop("params")
    return {"params": file_digest(params), "data": combined_digest(files) if files else "",
            **shared}


@dataclass
class Manifest:
    """The records of one outputs folder, by group id."""

    path: Path
    groups: dict[str, dict] = field(default_factory=dict)
    _lines: dict[str, str] = field(default_factory=dict, repr=False)  # each group's JSON, kept
    _mine: set[str] = field(default_factory=set, repr=False)  # groups this run recorded
    _seen: tuple | None = field(default=None, repr=False)  # the file's state as last read/written

    @classmethod
    def load(cls, out_root: Path) -> "Manifest":
        """Read ``out_root/manifest.json``; a missing or unreadable one is empty."""
        path = Path(out_root) / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return cls(path)
        groups = data.get("groups", {})
        return cls(path, dict(groups) if isinstance(groups, dict) else {},
                   _seen=_state(path))

    def is_current(self, group_id: str, inputs: dict, products: list[Path]) -> bool:
        """Whether the group's last run succeeded with these inputs and its products exist."""
        entry = self.groups.get(group_id, {})
        return (entry.get("status") == "ok" and entry.get("inputs") == inputs
                and all(Path(p).exists() for p in products))

    def record(self, group_id: str, params_path: Path, status: str, seconds: float,
               error: str, inputs: dict) -> None:
        """Note one group's outcome and save the manifest (atomically)."""
        lines = error.strip().splitlines()
        self.groups[group_id] = {
            "status": status,
            "seconds": round(seconds, 2),
            "error": lines[-1][:500] if lines else "",
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "params": display_path(params_path),
            "inputs": inputs,
        }
        self._lines.pop(group_id, None)
        self._mine.add(group_id)
        self.save()

    def save(self) -> None:
        """Write the manifest atomically (after every group: only changed lines are encoded).
        Entries that another writer saved meanwhile are kept, for groups this run did not
        record."""
        if _state(self.path) != self._seen:
            for group_id, entry in Manifest.load(self.path.parent).groups.items():
                if group_id not in self._mine:
                    self.groups[group_id] = entry
                    self._lines.pop(group_id, None)
        for group_id, entry in self.groups.items():
            if group_id not in self._lines:
                self._lines[group_id] = (f"  {json.dumps(group_id)}: "
                                         f"{json.dumps(entry, sort_keys=True, ensure_ascii=False)}")
        body = ",\n".join(self._lines[group_id] for group_id in sorted(self.groups))
        write_text(self.path, f'{{\n "format": {FORMAT},\n "groups": {{\n{body}\n }}\n}}\n')
        self._seen = _state(self.path)


def _state(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@contextlib.contextmanager
def outputs_lock(out_root: Path, say=None):
    """Hold the outputs folder for one run; wait, saying so, while another run holds it."""
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            say(f"another spiegelkit run is writing {display_path(out_root)} ({holder}); "
                "waiting until it has finished ...")
            started = dt.datetime.now()
            fcntl.flock(fd, fcntl.LOCK_EX)
            say(f"... it has finished after {(dt.datetime.now() - started).seconds} s; "
                "this run continues with what it made")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()}, started "
                      f"{dt.datetime.now().isoformat(timespec='seconds')}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


def one_run_at_a_time(run_groups):
    """Decorate a batch runner ``f(params_paths, out_root, ...)`` so that it holds
    :func:`outputs_lock` of its outputs folder while it runs."""
    @functools.wraps(run_groups)
    def locked(params_paths, out_root: Path = Path("outputs"), *args, **kwargs):
        with outputs_lock(Path(out_root)):
            return run_groups(params_paths, out_root, *args, **kwargs)
    return locked
