"""Group notebooks in long-lived kernels: started once per worker, reset between groups.

Starting a kernel and importing pandas, matplotlib and seaborn costs more than running a
group's notebook. A :class:`WarmKernel` therefore starts once and runs notebook after
notebook, restoring the kernel to the state of a new one before each
(:mod:`spiegelkit.run.kernel_state` says what that covers). Papermill still does everything
around the kernel: it injects the parameters, records them and each cell's times and status,
writes the executed notebook and puts its error banner on top of a failed one. Its engine
``spiegelkit-warm`` (:class:`WarmKernelEngine`) hands the cells to this kernel in one request,
not one per cell as nbclient does (:mod:`spiegelkit.run.cells`).

- **IPC sockets**: the kernel talks over Unix sockets in a private temporary folder, not
  over TCP ports, so that kernels started side by side cannot collide on a port
  (jupyter_client#487, papermill#511).
- **Time limit from outside**: a watchdog thread interrupts the kernel when a notebook
  runs past its limit and kills it when it does not stop within ``INTERRUPT_GRACE``
  seconds. A notebook that timed out or killed its kernel is run once more on a fresh
  kernel; an ordinary error in the notebook is not retried.
- **One kernel per worker thread** (:func:`thread_kernel`): each worker process of the local pool of
  :mod:`spiegelkit.run.batch` and each thread of a Dask worker keep their own.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import shutil
import signal
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import nbformat
import papermill
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.engines import Engine, papermill_engines

from spiegelkit.errors import SpiegelkitError
from spiegelkit.run.jupyter_internals import kernel_process

GROUP_TIMEOUT = 600  # seconds a group's notebook may run before it is interrupted
INTERRUPT_GRACE = 10  # seconds an interrupted kernel gets to stop before it is killed
STARTUP_TIMEOUT = 60
ALIVE_EVERY = 1.0  # seconds between looks at whether a busy kernel still lives
# Quiet kernel log (a spurious KeyboardInterrupt at shutdown only alarms users); history in
# memory, as nbclient does, so that parallel kernels never lock one history file.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:"]

logger = logging.getLogger(__name__)


class NotebookTimeout(SpiegelkitError, RuntimeError):
    """A notebook ran past its time limit and was interrupted."""


class KernelCodeFailed(SpiegelkitError, RuntimeError):
    """Code the engine ran in a kernel failed; the message is the kernel's error."""


class WarmKernel:
    """One long-lived IPython kernel, reset to a new kernel's state before each notebook."""

    interrupt_grace = INTERRUPT_GRACE

    def __init__(self, kernel_name: str = "python3"):
        self.kernel_name = kernel_name
        self.folder = Path(tempfile.mkdtemp(prefix="spiegelkit-kernel-"))  # mode 0700
        self.starts = 0  # how many kernels this worker started: 1 + restarts
        self.km: AsyncKernelManager | None = None
        self.kc = None
        try:
            self.start()
        except Exception:
            self.shutdown()
            raise

    @property
    def pid(self) -> int:
        return self.km.provisioner.pid

    def start(self) -> None:
        """Start a new kernel over IPC sockets and let it remember its fresh state."""
        self.starts += 1
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                     connection_file=str(self.folder / f"kernel-{self.starts}.json"))
        run_sync(self.km.start_kernel)(extra_arguments=KERNEL_ARGUMENTS, cwd=str(self.folder))
        self.kc = self.km.client()
        self.kc.allow_stdin = False
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=STARTUP_TIMEOUT)
            # what runs the cells is imported now, so that a notebook's time limit is its own
            self.run_code("from spiegelkit.run.kernel_state import remember; remember(); "
                          "import spiegelkit.run.cells")
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill the kernel and close its sockets (safe from any thread)."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.provisioner is not None:
            process = kernel_process(self.km)
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            self.km.cleanup_connection_file()
            self.km.cleanup_ipc_files()
        self.km = self.kc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def shutdown(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def is_alive(self) -> bool:
        process = None if self.km is None else kernel_process(self.km)
        return process is not None and process.poll() is None

    def run_code(self, code: str, timeout: float | None = STARTUP_TIMEOUT) -> None:
        """Run `code` silently in the kernel (no output, no execution count); raise
        :class:`KernelCodeFailed` with the kernel's error on failure."""
        reply = run_sync(self._execute)(code, timeout)
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelCodeFailed(f"{content.get('ename')}: {content.get('evalue')}")

    async def _execute(self, code: str, timeout: float | None) -> dict:
        """The kernel's reply to `code`; raise :class:`KernelCodeFailed` as soon as the kernel
        dies (looked at every ``ALIVE_EVERY`` seconds), as nbclient does, instead of waiting
        for a reply that never comes."""
        reply = asyncio.ensure_future(self.kc.execute_interactive(
            code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None))
        while not (await asyncio.wait({reply}, timeout=ALIVE_EVERY))[0]:
            if not self.is_alive():
                reply.cancel()
                raise KernelCodeFailed("the kernel died")
        return reply.result()

    def run_notebook(self, notebook: Path, output: Path, parameters: dict, cwd: Path,
                     timeout: float = GROUP_TIMEOUT) -> nbformat.NotebookNode:
        """Execute `notebook` with `parameters` through papermill, write it to `output`.

        A notebook error raises papermill's ``PapermillExecutionError`` (the failed notebook
        is then at `output`). A time-out or a dead kernel is retried once on a fresh kernel;
        a second one raises :class:`NotebookTimeout` or the kernel's error.
        """
        return self._retried(lambda: self._run_once(notebook, output, parameters, cwd, timeout))

    def make_versions(self, notebook: Path, parameters: list[dict], targets: list[Path],
                      title: str, cwd: Path, timeout: float = GROUP_TIMEOUT) -> None:
        """Make the handout versions of `parameters` in this kernel, without a notebook run
        through papermill each (:mod:`spiegelkit.run.versions`), and write them to `targets`.
        A failing cell raises :class:`VersionFailed` with the kernel's message; `timeout` is
        for all of them, retried as in :meth:`run_notebook`."""
        arguments = (str(notebook), parameters, [str(t) for t in targets], title, str(cwd))
        code = f"from spiegelkit.run.versions import write_versions; write_versions(*{arguments!r})"

        def once():
            with self._time_limit(timeout) as expired:
                try:
                    self.run_code(code, timeout=None)
                except Exception as exc:
                    if expired.is_set():
                        raise NotebookTimeout(f"the versions ran longer than {timeout:g} s") from exc
                    raise
        self._retried(once)

    def _retried(self, action):
        for attempt in (1, 2):
            if not self.is_alive():
                self.restart()
            try:
                return action()
            except Exception as exc:
                if self.is_alive() and not isinstance(exc, NotebookTimeout):
                    raise  # an error of the notebook itself: the kernel is fine
                logger.warning("group notebook %s (attempt %d): %s; starting a fresh kernel",
                               "timed out" if isinstance(exc, NotebookTimeout) else "killed its kernel",
                               attempt, exc)
                self.restart()
                if attempt == 2:
                    raise

    def _run_once(self, notebook, output, parameters, cwd, timeout) -> nbformat.NotebookNode:
        self.run_code(f"from spiegelkit.run.kernel_state import restore; restore({str(cwd)!r})")
        with self._time_limit(timeout) as expired:
            try:
                return papermill.execute_notebook(
                    str(notebook), output and str(output), parameters=parameters, engine_name=ENGINE_NAME,
                    kernel_name=self.kernel_name, progress_bar=False,
                    request_save_on_cell_execute=False, kernel=self)
            except Exception as exc:
                if expired.is_set():
                    raise NotebookTimeout(f"the notebook ran longer than {timeout:g} s") from exc
                raise

    @contextlib.contextmanager
    def _time_limit(self, seconds: float):
        """Interrupt the kernel after `seconds`, kill it `interrupt_grace` seconds later."""
        expired = threading.Event()
        process = kernel_process(self.km)

        def interrupt():
            expired.set()
            process.send_signal(signal.SIGINT)

        timers = [threading.Timer(seconds, interrupt),
                  threading.Timer(seconds + self.interrupt_grace, process.kill)]
        for timer in timers:
            timer.daemon = True
            timer.start()
        try:
            yield expired
        finally:
            for timer in timers:
                timer.cancel()


class WarmKernelEngine(Engine):
    """Papermill engine that runs a notebook's cells inside a given :class:`WarmKernel`, in
    one request (:func:`spiegelkit.run.cells.run_for_papermill`) instead of one per cell.

    Papermill keeps its part: it records each cell's start, end, status and failure
    (``cell_start``, ``cell_exception``, ``cell_complete``, with the times the kernel
    measured), and after this engine it puts its error banner on a failed notebook and
    writes the executed notebook. The cells' outputs are those nbclient would have
    recorded, and so is ``metadata.execution`` (the kernel's start and end of each cell)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, kernel: WarmKernel, **_):
        nb = nb_man.nb
        ask, answer = kernel.folder / "cells.json", kernel.folder / "answer.json"
        cells = [{"index": i, "source": cell.source, "tags": cell.metadata.get("tags", [])}
                 for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        ask.write_text(json.dumps(cells), encoding="utf-8")
        answer.unlink(missing_ok=True)
        kernel.run_code("from spiegelkit.run.cells import run_for_papermill; "
                        f"run_for_papermill({str(ask)!r}, {str(answer)!r})", timeout=None)
        given = json.loads(answer.read_text(encoding="utf-8"))
        ran, stop = {entry["index"]: entry for entry in given["cells"]}, given["stopped_at"]
        for index, cell in enumerate(nb.cells):
            nb_man.cell_start(cell, index)
            entry = ran.get(index)
            if entry is not None:
                cell.outputs = [nbformat.from_dict(output) for output in entry["outputs"]]
                cell.execution_count = entry["execution_count"]
                cell.metadata["execution"] = {
                    "iopub.execute_input": entry["started"], "iopub.status.busy": entry["started"],
                    "iopub.status.idle": entry["ended"], "shell.execute_reply": entry["ended"]}
            if index == stop:  # a failure that ended the run (not one the cell may raise)
                nb_man.cell_exception(cell, index)
            nb_man.cell_complete(cell, index)
            if entry is not None:  # after cell_complete, which stamps the time of this replay
                _kernel_times(cell, entry)
            if index == stop:
                break  # nothing after a failing cell ran, as with nbclient
        nb.metadata["language_info"] = given["language_info"]


def _kernel_times(cell, entry: dict) -> None:
    """Papermill's start, end and duration of `cell` as the kernel measured them."""
    started, ended = (datetime.fromisoformat(entry[key].replace("Z", "+00:00"))
                      for key in ("started", "ended"))
    cell.metadata.papermill.update(start_time=started.isoformat(), end_time=ended.isoformat(),
                                   duration=(ended - started).total_seconds())


ENGINE_NAME = "spiegelkit-warm"
papermill_engines.register(ENGINE_NAME, WarmKernelEngine)

_kernels: list[WarmKernel] = []
_local = threading.local()
_lock = threading.Lock()


def thread_kernel() -> WarmKernel:
    """This thread's warm kernel, started on first use."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None or kernel.km is None:
        kernel = _local.kernel = WarmKernel()
        with _lock:
            _kernels.append(kernel)
    return kernel


def shutdown_kernels() -> None:
    """Stop every warm kernel of this process (also run at exit)."""
    with _lock:
        kernels = list(_kernels)
        _kernels.clear()
    for kernel in kernels:
        kernel.shutdown()


atexit.register(shutdown_kernels)
