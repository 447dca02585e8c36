"""A group's per-practice versions, made inside the warm kernel that just ran its notebook.

The group notebook stays the single definition of every handout: a version runs the same
cells, with the version's ``focus_agb``, so whatever an analyst adds to the notebook is in
every version. What a version does not need is a notebook run of its own through a client:
papermill prepares the notebook (``prepare_only``: parameters injected, metadata as in
the group's run), and the kernel runs its cells itself, in a namespace reset as for a new
notebook (:mod:`spiegelkit.run.kernel_state`), keeps each cell's displays, result, printed
text and warnings as the cell's outputs, and writes the version's HTML and downloads beside
the group handout. No output travels over a socket, no notebook file is written; the
group's analysis, computed for the group handout, is shared (``render.handout.group_analysis``).

``spiegelkit.run.engine.WarmKernel.make_versions`` calls :func:`write_versions` in the
kernel; a cell that fails stops the group with :class:`VersionFailed`, which names the
practice and the cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import papermill
from IPython import get_ipython
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher

from spiegelkit.errors import SpiegelkitError
from spiegelkit.inputs.group import folders_held
from spiegelkit.outputs import write_text
from spiegelkit.render.downloads import write_embedded_downloads
from spiegelkit.run.export import handout_html, with_stable_cell_ids
from spiegelkit.run.kernel_state import restore


class VersionFailed(SpiegelkitError, RuntimeError):
    """A cell of the group notebook failed while making a practice's version."""


def write_versions(notebook: str, parameters: list[dict], targets: list[str], title: str,
                   cwd: str) -> None:
    """For each of `parameters` (the notebook's parameters of one version), run `notebook`'s
    cells in this kernel and write the handout to the matching path of `targets`, with its
    downloads beside it. The versions count the year's obligations from one look at the
    params folder (:func:`~spiegelkit.inputs.group.folders_held`)."""
    with folders_held():
        for values, target in zip(parameters, targets):
            _write_version(notebook, values, target, title, cwd)


def _write_version(notebook: str, values: dict, target: str, title: str, cwd: str) -> None:
    prepared = papermill.execute_notebook(notebook, None, parameters=values, prepare_only=True,
                                          kernel_name="python3", progress_bar=False)
    restore(cwd)
    run_cells(prepared, f"practice {values.get('focus_agb')}")
    prepared.metadata["language_info"] = get_ipython().kernel.language_info
    html = handout_html(with_stable_cell_ids(prepared), title)
    write_embedded_downloads(html, Path(target).parent)
    write_text(Path(target), html)


def run_cells(notebook: nbformat.NotebookNode, what: str) -> None:
    """Run the notebook's code cells in this kernel's shell, one after the other, each
    cell's outputs as a kernel client records them."""
    shell = get_ipython()
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        outputs: list = []
        with _capturing(shell, outputs):
            result = shell.run_cell(cell.source, store_history=True)
        cell.outputs = outputs
        cell.execution_count = shell.execution_count - 1
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            raise VersionFailed(f"{what}: cell {number} of the notebook ({first}) failed: "
                                f"{type(error).__name__}: {error}") from error


def _output(output_type: str, **fields) -> nbformat.NotebookNode:
    """An output as nbformat's ``new_output`` makes it, without validating each one (a
    version has some 30, and their schema check cost more than their rendering)."""
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
                                    execution_count=self.shell.execution_count))

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
    """Send a cell's displays, result and streams to `outputs` instead of the kernel's client.

    The publisher and the result hook are made once per kernel and lent their list for the
    cell: the shell remembers every display publisher it was given (a new one per cell kept
    each cell's outputs alive, some 6 MiB per group over a national run)."""

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
        return self

    def __exit__(self, *_):
        self.shell.display_pub, sys.displayhook, sys.stdout, sys.stderr = self.saved
        self._lent["publisher"].outputs = self._lent["hook"].outputs = []
        return False
