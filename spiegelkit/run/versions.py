"""A group's per-practice versions, made inside the warm kernel that just ran its notebook.

The group notebook stays the single definition of every handout: a version runs the same
cells, with the version's ``focus_agb``, so whatever an analyst adds to the notebook is in
every version. What a version does not need is a notebook run of its own through a client:
papermill's steps prepare the notebook (as ``prepare_only`` does: parameters injected,
metadata as in the group's run; the notebook read once per group), and the kernel runs its
cells itself, in a namespace reset as for a new notebook (:mod:`spiegelkit.run.kernel_state`),
keeps each cell's displays, result, printed text and warnings as the cell's outputs, and
writes the version's HTML and downloads beside the group handout. No output travels over a
socket, no notebook file is written; the group's analysis, computed for the group handout, is
shared (``render.handout.group_analysis``).

``spiegelkit.run.engine.WarmKernel.make_versions`` calls :func:`write_versions` in the
kernel; a cell that fails stops the group with :class:`VersionFailed`, which names the
practice and the cell.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from IPython import get_ipython
from papermill.execute import prepare_notebook_metadata, remove_error_markers
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from spiegelkit.errors import SpiegelkitError
from spiegelkit.inputs.group import folders_held
from spiegelkit.outputs import write_text
from spiegelkit.render.downloads import write_embedded_downloads
from spiegelkit.run.cells import may_fail, run_cell, will_run
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
    loaded = load_notebook_node(notebook)
    with folders_held():
        for values, target in zip(parameters, targets):
            _write_version(prepared_notebook(loaded, notebook, values), values, target, title,
                           cwd)


def prepared_notebook(loaded: nbformat.NotebookNode, path: str,
                      values: dict) -> nbformat.NotebookNode:
    """What ``papermill.execute_notebook(path, None, values, prepare_only=True)`` gives, made
    from `loaded` (papermill's ``load_notebook_node`` of `path`, read once for a group's
    versions) with the same papermill steps: parameters injected, metadata and error
    markers as in a papermill run. Reading, checking and writing the notebook for each
    version was a twentieth of its time."""
    prepared = parameterize_notebook(copy.deepcopy(loaded), values, kernel_name="python3")
    return remove_error_markers(prepare_notebook_metadata(prepared, path, None))


def _write_version(prepared: nbformat.NotebookNode, values: dict, target: str, title: str,
                   cwd: str) -> None:
    restore(cwd, collect_cycles=False)  # the group's next notebook collects
    run_cells(prepared, f"practice {values.get('focus_agb')}")
    prepared.metadata["language_info"] = get_ipython().kernel.language_info
    html = handout_html(with_stable_cell_ids(prepared), title)
    write_embedded_downloads(html, Path(target).parent)
    write_text(Path(target), html)


def run_cells(notebook: nbformat.NotebookNode, what: str) -> None:
    """Run the notebook's code cells in this kernel's shell, one after the other, each
    cell's outputs as a kernel client records them (:mod:`spiegelkit.run.cells`)."""
    for number, cell in enumerate(notebook.cells, start=1):
        if not will_run(cell):
            continue
        run = run_cell(cell.source)
        cell.outputs, cell.execution_count = run.outputs, run.execution_count
        if run.error is not None and not may_fail(cell):
            first = cell.source.strip().splitlines()[0][:60]
            raise VersionFailed(f"{what}: cell {number} of the notebook ({first}) failed: "
                                f"{type(run.error).__name__}: {run.error}") from run.error
