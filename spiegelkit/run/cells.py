"""A notebook's cells run inside this kernel, each cell's outputs recorded as a client records them.

This module runs inside a long-lived kernel of :mod:`spiegelkit.run.engine`. A notebook
client (nbclient) sends a kernel one cell at a time and gets every display, result, printed
text and error back as a message; for a handout of some 15 cells that is some 100 ms of
round trips, serialising and checking, more than a third of the group handout. Here the
kernel's own shell runs the cells one after the other and keeps what a client would have
received as the cells' outputs, as nbclient makes them: displays as ``display_data``, the
last expression as ``execute_result``, consecutive printed text as one ``stream``, an
exception as ``error`` with IPython's traceback, and execution counts from the shell.
As nbclient does, empty cells and cells tagged ``skip-execution`` are not run, and a failing
cell ends the run unless it is tagged ``raises-exception``.

Two users: :func:`run_for_papermill`, the kernel's side of the papermill engine
``spiegelkit-warm`` (:class:`spiegelkit.run.engine.WarmKernelEngine`), and the per-practice
versions (:mod:`spiegelkit.run.versions`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from IPython import get_ipython
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher

from spiegelkit.run.jupyter_internals import errors_to


@dataclass
class CellRun:
    """What running one code cell gave: its outputs and execution count, when it started and
    ended (ISO times in UTC, as nbclient writes them) and its exception, if it failed."""

    outputs: list = field(default_factory=list)
    execution_count: int | None = None
    started: str = ""
    ended: str = ""
    error: BaseException | None = None


def will_run(cell) -> bool:
    """Whether nbclient would send this cell to the kernel."""
    return cell.cell_type == "code" and bool(cell.source.strip()) \
        and "skip-execution" not in cell.metadata.get("tags", [])


def may_fail(cell) -> bool:
    """Whether the run goes on after this cell failed (nbclient's ``raises-exception`` tag)."""
    return "raises-exception" in cell.metadata.get("tags", [])


def run_cell(source: str) -> CellRun:
    """Run `source` as the next cell of this kernel's shell, its outputs kept."""
    shell = get_ipython()
    run = CellRun(started=timestamp())
    with _capturing(shell, run.outputs):
        result = shell.run_cell(source, store_history=True)
    run.ended = timestamp()
    run.execution_count = shell.execution_count - 1
    run.error = result.error_before_exec or result.error_in_exec
    return run


def run_for_papermill(cells_file: str, answer_file: str) -> None:
    """Run the code cells in `cells_file` (JSON: a list of ``{"index", "source", "tags"}``),
    one after the other until one fails (unless it may), and write to `answer_file` what
    each gave (its index, outputs, execution count, start and end), the index of the cell
    whose failure ended the run (None if none did) and this kernel's ``language_info``."""
    ran, stopped_at = [], None
    for entry in json.loads(Path(cells_file).read_text(encoding="utf-8")):
        cell = nbformat.from_dict({"cell_type": "code", "source": entry["source"],
                                   "metadata": {"tags": entry["tags"]}})
        if not will_run(cell):
            continue
        run = run_cell(cell.source)
        ran.append({"index": entry["index"], "outputs": run.outputs,
                    "execution_count": run.execution_count, "started": run.started,
                    "ended": run.ended})
        if run.error is not None and not may_fail(cell):
            stopped_at = entry["index"]
            break
    answer = {"cells": ran, "stopped_at": stopped_at,
              "language_info": get_ipython().kernel.language_info}
    Path(answer_file).write_text(json.dumps(answer), encoding="utf-8")


def timestamp() -> str:
    """Now in UTC as nbclient records a cell's times ('2026-12-02T14:25:05.123456Z')."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _output(output_type: str, **fields) -> nbformat.NotebookNode:
    """An output as nbformat's ``new_output`` makes it, without validating each one (a
    handout has some 30, and their schema check cost more than their rendering)."""
    return nbformat.from_dict({"output_type": output_type, **fields})


class _Publisher(DisplayPublisher):
    """display() calls of a cell, as display_data outputs."""

    def __init__(self, outputs: list, **kwargs):
        super().__init__(**kwargs)
        self.outputs = outputs

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        self.outputs.append(_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait=False):
        self.outputs.clear()


class _ResultHook(DisplayHook):
    """A cell's result (its last expression, unless it ends in ``;``) as an execute_result."""

    def __init__(self, outputs: list, **kwargs):
        super().__init__(**kwargs)
        self.outputs = outputs

    def start_displayhook(self):
        pass

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.outputs.append(_output("execute_result", data=format_dict, metadata=md_dict or {},
                                    execution_count=self.prompt_count))

    def finish_displayhook(self):
        pass


class _Stream:
    """Printed text and warnings of a cell, as stream outputs (consecutive text joined)."""

    def __init__(self, name: str, outputs: list):
        self.name, self.outputs = name, outputs

    def write(self, text: str) -> int:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == self.name:
            last.text += text
        elif text:
            self.outputs.append(_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _capturing:
    """Send a cell's displays, result, streams and error to `outputs` instead of the
    kernel's client.

    The publisher and the result hook are made once per kernel and lent their list for the
    cell: the shell remembers every display publisher it was given (a new one per cell kept
    each cell's outputs alive, some 6 MiB per group over a national run). The error is what
    the kernel's shell would send its client (:func:`~spiegelkit.run.jupyter_internals.errors_to`)."""

    _lent: dict = {}

    def __init__(self, shell, outputs: list):
        self.shell, self.outputs = shell, outputs
        if not self._lent:
            self._lent.update(publisher=_Publisher([], shell=shell), hook=_ResultHook([], shell=shell))

    def __enter__(self):
        publisher, hook = self._lent["publisher"], self._lent["hook"]
        publisher.outputs = hook.outputs = self.outputs
        self.saved = (self.shell.display_pub, sys.displayhook, sys.stdout, sys.stderr)
        self.shell.display_pub, sys.displayhook = publisher, hook
        sys.stdout, sys.stderr = _Stream("stdout", self.outputs), _Stream("stderr", self.outputs)
        self.errors = errors_to(self.shell, self._error)
        self.errors.__enter__()
        return self

    def _error(self, etype, evalue, stb):
        self.outputs.append(_output("error", ename=str(etype.__name__), evalue=str(evalue),
                                    traceback=stb))

    def __exit__(self, *_):
        self.errors.__exit__(None, None, None)
        self.shell.display_pub, sys.displayhook, sys.stdout, sys.stderr = self.saved
        self._lent["publisher"].outputs = self._lent["hook"].outputs = []
        return False
