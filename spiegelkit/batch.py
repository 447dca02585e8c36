"""Batch runs: one papermill run of the group notebook per params file, then its handout.

``run_groups`` is a loop over :func:`run_group` that keeps going when a group fails and
reports every outcome at the end. Per group, in ``outputs/<group id>/``:

- success: ``group_mirror.ipynb`` (executed, with its parameters) and ``handout.html``;
- failure: ``group_mirror.failed.ipynb`` (executed up to the error, with papermill's error
  banner) and ``FAILED.txt``; any older notebook or handout of the group is removed, so
  nothing stale can be taken for this run's result.

Every file is written under a temporary name and moved into place.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import papermill
from tqdm import tqdm

from spiegelkit.check import check_group
from spiegelkit.export import export_handout
from spiegelkit.outputs import atomic_path, remove, write_text

GROUP_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "group_mirror.ipynb"
CELL_TIMEOUT = 600  # seconds a single cell may take before the group is failed
# The kernel's own log (a TCP notice at start, a spurious KeyboardInterrupt at shutdown)
# only alarms users; cell errors still reach the notebook and a dead kernel still raises.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


@dataclass(frozen=True)
class GroupResult:
    """The outcome of one group's run."""

    group_id: str
    params: Path
    status: str  # "ok", "invalid" (params or data rejected) or "failed" (notebook error)
    seconds: float
    error: str = ""
    handout: Path | None = None


def output_files(out_root: Path, group_id: str) -> dict[str, Path]:
    folder = Path(out_root) / group_id
    return {name: folder / file for name, file in {
        "notebook": "group_mirror.ipynb", "handout": "handout.html",
        "failed_notebook": "group_mirror.failed.ipynb", "failed": "FAILED.txt"}.items()}


def run_group(params_path: Path, out_root: Path = Path("outputs"),
              notebook: Path = GROUP_NOTEBOOK) -> GroupResult:
    """Check one group, execute its notebook with papermill and export its handout."""
    started = time.perf_counter()
    params_path = Path(params_path)
    checked = check_group(params_path)
    files = output_files(out_root, checked.group_id)

    def failed(status: str, error: str) -> GroupResult:
        remove(files["notebook"], files["handout"])
        write_text(files["failed"], f"{status}: {params_path}\n\n{error}\n")
        return GroupResult(checked.group_id, params_path, status,
                           time.perf_counter() - started, error)

    if not checked.ok:
        return failed("invalid", "\n".join(str(p) for p in checked.problems if p.is_error))
    params = checked.params
    try:
        with atomic_path(files["notebook"]) as executed:
            try:
                papermill.execute_notebook(
                    str(notebook), str(executed),
                    parameters=params.notebook_parameters(params_path.parent),
                    kernel_name="python3", progress_bar=False, cwd=str(Path(notebook).parent),
                    execution_timeout=CELL_TIMEOUT, extra_arguments=KERNEL_ARGUMENTS,
                )
            except Exception:
                if executed.exists() and executed.stat().st_size:
                    executed.replace(files["failed_notebook"])
                raise
            title = f"Spiegelbijeenkomst {params.group_name}"
            export_handout(executed, files["handout"], title)
    except Exception as exc:  # one broken group never stops the others
        detail = str(exc) if isinstance(exc, papermill.PapermillExecutionError) \
            else traceback.format_exc(limit=3)
        return failed("failed", detail)
    remove(files["failed_notebook"], files["failed"])
    return GroupResult(params.group_id, params_path, "ok", time.perf_counter() - started,
                       handout=files["handout"])


def run_groups(params_paths: list[Path], out_root: Path = Path("outputs"), jobs: int = 1,
               notebook: Path = GROUP_NOTEBOOK, progress: bool = True) -> list[GroupResult]:
    """Run every group; a failing group is reported, never stops the others."""
    logging.getLogger("papermill").setLevel(logging.WARNING)
    paths = [Path(p) for p in params_paths]
    bar = tqdm(total=len(paths), desc="handouts", unit="groep", disable=not progress)
    results: list[GroupResult] = []
    if jobs <= 1:
        for path in paths:
            bar.set_postfix_str(path.stem)
            results.append(run_group(path, out_root, notebook))
            bar.update()
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_group, p, out_root, notebook) for p in paths]
            for future in concurrent.futures.as_completed(futures):
                results.append(future.result())
                bar.set_postfix_str(results[-1].group_id)
                bar.update()
    bar.close()
    order = {p: i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[r.params])
