"""``outputs/manifest.json``: what each group's outputs were made from, and how that went.

Per group: its status, how long it took, the error if any, when it finished, and its
inputs: digests of the params file, the data tables, the notebook and the spiegelkit
package (its version and the digest of its source files), and the versions of the
libraries that shape a handout. A later run skips a group whose last run succeeded, whose
inputs are all the same and whose handout and notebook are still there.

The file is rewritten after every group, atomically, so a run stopped at any moment
(Ctrl-C, ``kill -9``) leaves the record of every finished group; the next run redoes
only what is missing or changed. One group per line, so it can be read with grep.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from spiegelkit.outputs import write_text
from spiegelkit.inputs.group import Group
from spiegelkit.inputs.problems import display_path
from spiegelkit.paths import PACKAGE

FILE_NAME = "manifest.json"
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
        return cls(path, dict(data.get("groups", {})))

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
        self.save()

    def save(self) -> None:
        """Write the manifest atomically (after every group: only changed lines are encoded)."""
        for group_id, entry in self.groups.items():
            if group_id not in self._lines:
                self._lines[group_id] = (f"  {json.dumps(group_id)}: "
                                         f"{json.dumps(entry, sort_keys=True, ensure_ascii=False)}")
        body = ",\n".join(self._lines[group_id] for group_id in sorted(self.groups))
        write_text(self.path, f'{{\n "format": {FORMAT},\n "groups": {{\n{body}\n }}\n}}\n')
