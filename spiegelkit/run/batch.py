"""Batch runs: every group's notebook executed, its handout made, a manifest kept.

``run_groups`` is a loop over :func:`run_group` that keeps going when a group fails and
reports every outcome at the end. Per group, in ``outputs/<group id>/``:

- success: ``group_mirror.ipynb`` (executed, with its parameters) and ``handout.html``;
- failure: ``group_mirror.failed.ipynb`` (executed up to the error, with papermill's error
  banner) and ``FAILED.txt``; any older notebook or handout of the group is removed, so
  nothing stale can be taken for this run's result.

Every file is written under a temporary name and moved into place; temporary files that a
killed run left behind are removed when the group runs again. ``outputs/manifest.json``
(:mod:`spiegelkit.run.manifest`) records each group's inputs and outcome, and a group whose
inputs are unchanged since its last successful run is skipped unless ``force``.

Where a notebook runs is the engine (``ENGINES``):

- ``pool`` (default): in a long-lived kernel of the worker, reset between groups
  (:mod:`spiegelkit.run.engine`); the handout is made with the worker's one exporter.
- ``papermill``: a new kernel for every group and a new exporter for every handout, as
  plain papermill does: the isolated reference.

With more than one job, the workers are processes, so that what a worker does around its
kernel (reading the group, papermill's bookkeeping, the export) runs beside the others', not
under one interpreter lock; the groups of one data folder go to one worker, so that each
region is read and compared once; with one job the groups run in this process.

Both give the same handout. With ``scheduler``, the address of a Dask distributed
scheduler, chunks of groups go to the cluster's workers instead, each worker thread with
its own kernel; the workers must see the params, data and outputs at the same paths.
"""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import logging
import math
import multiprocessing.util
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import papermill
from tqdm import tqdm

from spiegelkit.run.engine import (GROUP_TIMEOUT, KERNEL_ARGUMENTS, KernelCodeFailed, NotebookTimeout,
                                   shutdown_kernels, thread_kernel)
from spiegelkit.render.downloads import write_embedded_downloads
from spiegelkit.run.export import handout_html, notebook_to_html, with_stable_cell_ids
from spiegelkit.run.reports import write_reports
from spiegelkit.render.handout import variant_stem
from spiegelkit.run.manifest import Manifest, group_inputs, one_run_at_a_time, run_inputs
from spiegelkit.run.pdf import check_pdf_engine, write_pdfs
from spiegelkit.inputs.group import Group, load_group
from spiegelkit.outputs import atomic_path, remove, write_text
from spiegelkit.paths import GROUP_NOTEBOOK

DASK_CHUNK = 8  # at most this many groups per task sent to a Dask worker
# Which handouts a group gets: "all" = the group handout and one version per practice (its
# own practice highlighted); "group" = the group handout only, e.g. for a national batch.
VERSIONS = ("all", "group")


@dataclass(frozen=True)
class GroupResult:
    """The outcome of one group's run."""

    group_id: str
    params: Path
    status: str  # "ok", "unchanged" (skipped), "invalid" (params or data rejected), "failed"
    seconds: float
    error: str = ""
    handout: Path | None = None

    @property
    def has_handout(self) -> bool:
        return self.status in ("ok", "unchanged")


def execute_in_warm_kernel(notebook: Path, output: Path | None, parameters: dict, cwd: Path,
                           timeout: float) -> nbformat.NotebookNode:
    """Run the notebook in this thread's long-lived kernel; `timeout` for the whole notebook.
    `output` None: the executed notebook is only returned, not written."""
    return thread_kernel().run_notebook(notebook, output, parameters, cwd, timeout)


def execute_with_papermill(notebook: Path, output: Path | None, parameters: dict, cwd: Path,
                           timeout: float) -> nbformat.NotebookNode:
    """Run the notebook in a kernel of its own, as plain papermill does; `timeout` per cell."""
    return papermill.execute_notebook(
        str(notebook), output and str(output), parameters=parameters, kernel_name="python3",
        progress_bar=False, cwd=str(cwd), execution_timeout=timeout,
        extra_arguments=KERNEL_ARGUMENTS)


def versions_in_warm_kernel(notebook: Path, parameters: list[dict], targets: list[Path],
                            title: str, cwd: Path, timeout: float) -> None:
    """Make the versions in the kernel that just ran the group notebook: its cells run there
    again, without a papermill run each (:mod:`spiegelkit.run.versions`)."""
    thread_kernel().make_versions(notebook, parameters, targets, title, cwd, timeout)


def versions_with_papermill(notebook: Path, parameters: list[dict], targets: list[Path],
                            title: str, cwd: Path, timeout: float) -> None:
    """Each version a papermill run in a kernel of its own and an nbconvert export, as the
    plain way does."""
    for values, target in zip(parameters, targets):
        done = execute_with_papermill(notebook, None, values, cwd, timeout)
        handout = notebook_to_html(with_stable_cell_ids(done), title)
        write_embedded_downloads(handout, target.parent)
        write_text(target, handout)


@dataclass(frozen=True)
class Engine:
    """How a group's notebook is executed, its handout made and its versions."""

    execute: Callable[[Path, Path, dict, Path, float], nbformat.NotebookNode]
    to_html: Callable[[nbformat.NotebookNode, str], str]
    versions: Callable[[Path, list[dict], list[Path], str, Path, float], None]


ENGINES = {
    "pool": Engine(execute_in_warm_kernel, handout_html, versions_in_warm_kernel),
    "papermill": Engine(execute_with_papermill, notebook_to_html, versions_with_papermill),
}


def output_files(out_root: Path, group_id: str) -> dict[str, Path]:
    folder = Path(out_root) / group_id
    return {name: folder / file for name, file in {
        "notebook": "group_mirror.ipynb", "handout": "handout.html",
        "failed_notebook": "group_mirror.failed.ipynb", "failed": "FAILED.txt"}.items()}


def notebook_parameters(group: Group, focus_agb: str | None = None) -> dict:
    """What the group notebook is given: where the group's params file is (its data and
    meeting records are found from there) and which practice's version to make."""
    return {"params_file": str(group.path.resolve()), "focus_agb": focus_agb}


def run_group(params_path: Path, out_root: Path = Path("outputs"),
              notebook: Path = GROUP_NOTEBOOK, engine: str = "pool",
              timeout: float = GROUP_TIMEOUT, versions: str = "all",
              group: Group | None = None, pdf: bool = False) -> GroupResult:
    """Check one group, execute its notebook and make its handout (and, with `versions`
    "all", one version per practice; with `pdf`, a PDF beside each HTML). `group` is the
    group as already loaded, if it is."""
    started = time.perf_counter()
    params_path = Path(params_path)
    checked = group or load_group(params_path)
    files = output_files(out_root, checked.group_id)
    remove_partial_files(files["handout"].parent)

    def failed(status: str, error: str) -> GroupResult:
        return group_failed(out_root, checked.group_id, params_path, status, error,
                            time.perf_counter() - started)

    if not checked.ok:
        return failed("invalid", "\n".join(str(p) for p in checked.problems if p.is_error))
    params = checked.params
    run = ENGINES[engine]
    try:
        with atomic_path(files["notebook"]) as executed:
            try:
                done = run.execute(Path(notebook), executed,
                                   notebook_parameters(checked),
                                   Path(notebook).parent, timeout)
            except Exception:
                if executed.exists() and executed.stat().st_size:
                    executed.replace(files["failed_notebook"])
                raise
            title = f"Spiegelbijeenkomst {params.group_name}"
            handout = run.to_html(with_stable_cell_ids(done), title)
            write_embedded_downloads(handout, files["handout"].parent)
            write_text(files["handout"], handout)
        pages = []  # the per-practice versions written
        if versions == "group":  # no per-practice versions: none from an earlier run either
            remove(*files["handout"].parent.glob("practice-*.*"))
        else:  # what an analyst adds to the notebook is in every version: its cells run again
            agbs = [practice.agb for practice in params.practices]
            pages = [files["handout"].parent / f"{variant_stem(agb)}.html" for agb in agbs]
            run.versions(Path(notebook), [notebook_parameters(checked, agb) for agb in agbs],
                         pages, title, Path(notebook).parent, timeout)
        reports = write_reports(checked, out_root)  # a verslag per recorded meeting
        if pdf:
            write_pdfs([files["handout"], *pages, *reports])
    except Exception as exc:  # one broken group never stops the others
        detail = str(exc) if isinstance(exc, (papermill.PapermillExecutionError, NotebookTimeout,
                                              KernelCodeFailed)) \
            else traceback.format_exc(limit=3)
        return failed("failed", detail)
    remove(files["failed_notebook"], files["failed"])
    return GroupResult(params.group_id, params_path, "ok", time.perf_counter() - started,
                       handout=files["handout"])


def group_failed(out_root: Path, group_id: str, params_path: Path, status: str, error: str,
                 seconds: float = 0.0) -> GroupResult:
    """A failed group's outcome: its notebook and handouts removed (nothing stale can be
    taken for this run's result), ``FAILED.txt`` saying why."""
    files = output_files(out_root, group_id)
    remove_partial_files(files["handout"].parent)  # of a worker that died writing them
    remove(files["notebook"], *products(files["handout"].parent))
    write_text(files["failed"], f"{status}: {params_path}\n\n{error}\n")
    return GroupResult(group_id, params_path, status, seconds, error)


def products(folder: Path) -> list[Path]:
    """Every handout version and download of a group folder (removed when the group fails)."""
    return [p for pattern in ("handout.*", "practice-*.*", "verslag-*.*")
            for p in Path(folder).glob(pattern)]


def run_chunk(params_paths: list[Path], out_root: Path, notebook: Path = GROUP_NOTEBOOK,
              engine: str = "pool", timeout: float = GROUP_TIMEOUT,
              versions: str = "all", pdf: bool = False) -> list[GroupResult]:
    """Run several groups one after the other (one task for a Dask worker)."""
    return [run_group(path, out_root, notebook, engine, timeout, versions, pdf=pdf)
            for path in params_paths]


def remove_partial_files(folder: Path) -> None:
    """Remove temporary files that a killed run left (see outputs.atomic_path)."""
    for path in Path(folder).glob(".*.partial*"):
        path.unlink(missing_ok=True)


def default_jobs() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@one_run_at_a_time  # a second run on the same outputs waits, then redoes nothing finished
def run_groups(params_paths: list[Path], out_root: Path = Path("outputs"), jobs: int | None = None,
               notebook: Path = GROUP_NOTEBOOK, progress: bool = True, engine: str = "pool",
               force: bool = False, scheduler: str | None = None,
               timeout: float = GROUP_TIMEOUT, versions: str = "all",
               pdf: bool = False) -> list[GroupResult]:
    """Run every group whose outputs are missing or out of date (every group with `force`);
    a failing group is reported, never stops the others. `jobs` defaults to one worker per
    core; with `scheduler` the groups go to that Dask cluster instead. With `pdf`, every
    handout and verslag also becomes a PDF (:mod:`spiegelkit.run.pdf`); without a Chromium
    to print with, :class:`~spiegelkit.run.pdf.PdfEngineMissing` says how to get one."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if versions not in VERSIONS:
        raise ValueError(f"unknown versions {versions!r}: use one of {', '.join(VERSIONS)}")
    if pdf:
        check_pdf_engine()
    logging.getLogger("papermill").setLevel(logging.WARNING)
    paths = [Path(p) for p in params_paths]
    manifest = Manifest.load(out_root)
    shared = {**run_inputs(Path(notebook)), "handouts": versions, **({"pdf": True} if pdf else {})}
    # the params and records of each group, for the manifest; each worker then reads and
    # checks its group's data itself, side by side (a national run: 40 region folders)
    groups = {path: load_group(path, with_data=False) for path in paths}
    group_ids, inputs, results, todo = {}, {}, [], []
    for path in paths:
        group_id, inputs[path] = groups[path].group_id, group_inputs(groups[path], shared)
        group_ids[path] = group_id
        files = output_files(out_root, group_id)
        if not force and manifest.is_current(group_id, inputs[path], [files["handout"], files["notebook"]]):
            results.append(GroupResult(group_id, path, "unchanged", 0.0, handout=files["handout"]))
        else:
            todo.append(path)

    run = functools.partial(run_group, out_root=Path(out_root).resolve(),
                            notebook=Path(notebook).resolve(), engine=engine, timeout=timeout,
                            versions=versions, pdf=pdf)
    if scheduler:
        done = _on_dask(todo, run, scheduler, group_ids)
    else:
        folders = {path: group.params.data_path(group.folder).resolve()
                   for path, group in groups.items() if group.params is not None}
        done = _on_this_machine(todo, run, min(jobs or default_jobs(), len(todo)), group_ids,
                                folders)
    bar = tqdm(total=len(todo), desc="handouts", unit="groep", disable=not progress)
    try:
        for result in done:
            manifest.record(group_ids[result.params], result.params, result.status,
                            result.seconds, result.error, inputs[result.params])
            results.append(result)
            bar.set_postfix_str(result.group_id)
            bar.update()
    finally:
        done.close()  # on Ctrl-C: no new groups start; those running finish first
        bar.close()
        if engine == "pool" and not scheduler:
            shutdown_kernels()
    order = {p: i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[r.params])


def _on_this_machine(paths: list[Path], run: functools.partial, jobs: int,
                     group_ids: dict[Path, str],
                     folders: dict[Path, object] | None = None) -> Iterator[GroupResult]:
    """Every group's result, as its run ends; with more than one job, in worker processes
    (:func:`_worker`), one group at a time each, dealt by data folder (:class:`_Deal`: a
    worker reads and compares a region once, not every worker every region). A worker
    process that dies (killed for its memory, say) is replaced: the group it had not started
    goes to its successor, the one it was running is run again at the end, alone, and fails
    if it kills its worker then too. One broken group never stops the others."""
    if jobs <= 1:
        yield from (run(path) for path in paths)
        return
    deal = _Deal(paths, folders or {}, jobs)
    # each worker notes a group here as it starts it: one short write to a pipe is whole
    # even from several processes, and the driver reads it as results come in
    notes, note = multiprocessing.Pipe(duplex=False)
    started: set[Path] = set()

    def read_notes():
        while notes.poll():
            started.add(Path(notes.recv_bytes().decode()))

    def new_worker():
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=1, initializer=_worker, initargs=(os.getpid(), note))

    workers = [new_worker() for _ in range(jobs)]
    fresh = [True] * jobs  # a worker that has not finished a group yet
    running: dict[concurrent.futures.Future, tuple[int, Path]] = {}
    alone = []  # running when their worker died: tried again at the end, by themselves

    def start(slot: int) -> None:
        path = deal.next(slot)
        if path is not None:
            running[workers[slot].submit(_run_in_worker, run, path)] = (slot, path)
    try:
        for slot in range(jobs):
            start(slot)
        while running:
            finished, _ = concurrent.futures.wait(running, return_when="FIRST_COMPLETED")
            read_notes()
            for future in finished:
                slot, path = running.pop(future)
                try:
                    result = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    if path in started:
                        alone.append(path)
                    elif fresh[slot]:
                        raise RuntimeError("a worker process of this run died before it "
                                           "started a group") from None
                    else:
                        deal.give_back(slot, path)
                    workers[slot].shutdown(wait=True)
                    workers[slot], fresh[slot] = new_worker(), True
                    start(slot)
                    continue
                fresh[slot] = False
                start(slot)  # the worker goes on while the driver records this result
                yield result
        for path in alone:  # one at a time, with no other worker beside it
            for worker in workers:
                worker.shutdown(wait=True)
            workers[:] = [new_worker()]
            try:
                yield workers[0].submit(_run_in_worker, run, path).result()
            except concurrent.futures.process.BrokenProcessPool:
                yield group_failed(run.keywords["out_root"], group_ids[path], path, "failed",
                                   "the worker process running this group died (killed, or "
                                   "out of memory?); the other groups went on")
    finally:  # on Ctrl-C too: the running groups finish, then the workers and the pipe go
        for worker in workers:
            worker.shutdown(wait=True, cancel_futures=True)
        notes.close()
        note.close()


class _Deal:
    """Which group each worker runs next. The groups of one data folder go to one worker,
    in params order, and the next folder to whichever worker is free first: each worker
    reads, checks and compares a region once, in its own process and its kernel, where
    groups dealt one by one made every worker pay every region (some 5 s each, a fifth of a
    national run). A worker with no folder left takes the back half of the largest share of
    another, so that a run on one data folder still uses every worker."""

    def __init__(self, paths: list[Path], folders: dict[Path, object], jobs: int):
        by_folder: dict[object, collections.deque] = {}
        for path in paths:
            by_folder.setdefault(folders.get(path, path), collections.deque()).append(path)
        self.waiting = collections.deque(by_folder.values())
        self.shares = [collections.deque() for _ in range(jobs)]

    def next(self, slot: int) -> Path | None:
        share = self.shares[slot]
        if not share and self.waiting:
            share = self.shares[slot] = self.waiting.popleft()
        elif not share:
            largest = max(self.shares, key=len)
            taken = [largest.pop() for _ in range(len(largest) // 2)]
            share = self.shares[slot] = collections.deque(reversed(taken))
        return share.popleft() if share else None

    def give_back(self, slot: int, path: Path) -> None:
        """A group dealt to `slot` that its worker did not start: next in line there."""
        self.shares[slot].appendleft(path)


_note = None  # in a worker process: where it notes each group it starts


def _worker(driver: int, note) -> None:
    """Set up a worker process: Ctrl-C is for the driver (which lets running groups finish),
    a warm kernel stops when the worker does, and the worker stops when the driver is gone
    (killed: what it was writing is left as temporary files, removed by the next run)."""
    global _note
    _note = note
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    multiprocessing.util.Finalize(None, shutdown_kernels, exitpriority=10)

    def watch():
        while os.getppid() == driver:
            time.sleep(0.5)
        shutdown_kernels()
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="spiegelkit-driver-watch").start()


def _run_in_worker(run: Callable[[Path], GroupResult], path: Path) -> GroupResult:
    _note.send_bytes(str(path).encode())
    return run(path)


def _on_dask(paths: list[Path], run: functools.partial, scheduler: str,
             group_ids: dict[Path, str]) -> Iterator[GroupResult]:
    from distributed import Client, as_completed

    task = functools.partial(run_chunk, **run.keywords)
    with Client(scheduler) as client:
        threads = sum(client.nthreads().values()) or 1
        size = max(1, min(DASK_CHUNK, math.ceil(len(paths) / (4 * threads))))
        chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
        futures = {client.submit(task, [p.resolve() for p in chunk], pure=False): chunk
                   for chunk in chunks}
        try:
            for future in as_completed(futures):
                chunk = futures[future]
                try:
                    results = future.result()
                except Exception as exc:  # the worker died or was lost: the chunk failed
                    results = [GroupResult(group_ids[p], p, "failed", 0.0,
                                           f"{type(exc).__name__}: {exc}") for p in chunk]
                # report each group under the params path this run was given
                yield from (replace(r, params=p) for r, p in zip(results, chunk))
        finally:
            client.cancel(list(futures))
