"""Benchmark of batch runs: the plain command-line loop against the kernel pool.

    .venv/bin/python bench/batch.py [--groups 20] [--jobs N] [--soak 500]

Takes the first N groups of the national demo set (made once in bench/results/national/,
about 1,300 groups of 5,000 fictitious practices) and makes their handouts

1. with the plain command-line loop: ``papermill`` and then ``jupyter nbconvert --to html
   --no-input`` per group, one group after the other, as subprocesses;
2. with the engine: ``spiegelkit.run.batch.run_groups`` (kernel pool, one worker per core
   unless --jobs) with ``versions="group"``: the same product as the plain loop, one
   handout per group (plus its CSV and XLSX), as ``spiegelkit run --versions group`` makes
   for a national batch; ``--versions all`` adds one version per practice;
3. in one plain Python process with imports paid once (IPython shell, no kernel, no
   papermill): the baseline of what rendering a handout costs at all.

It prints seconds per group for each, their ratio, the peak memory of every worker, and
the projected time for all national groups, and writes them to bench/results/. With
--soak N, one kernel then runs N groups (the same groups, cycled) and its memory is
reported along the way: it must not grow.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
NATIONAL = RESULTS / "national"
NOTEBOOK = ROOT / "notebooks" / "group_mirror.ipynb"
BIN = Path(sys.executable).parent
MIB = 1024 * 1024


# --- measuring -------------------------------------------------------------------------------

def peak_bytes(pid: int) -> int:
    """Peak resident memory of a process (VmHWM on Linux, else its current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return psutil.Process(pid).memory_info().rss


def kind_of(process: psutil.Process) -> str:
    if process.cmdline() == psutil.Process().cmdline():  # forked from this one: the engine's
        return "pool worker"
    line = " ".join(process.cmdline())
    for kind in ("ipykernel_launcher", "papermill", "nbconvert", "in-process"):
        if kind in line:
            return {"ipykernel_launcher": "kernel"}.get(kind, kind)
    if "multiprocessing" in line or "distributed" in line:
        return "dask worker"
    return "other"


class PeakMemory:
    """Samples every process below this one every `interval` seconds: per process its kind,
    peak memory and resident memory over time (to see whether it stays flat)."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self.series: dict[int, list[tuple[float, int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self.started = time.time()
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            for child in me.children(recursive=True):
                try:
                    kind, peak, rss = kind_of(child), peak_bytes(child.pid), child.memory_info().rss
                except (psutil.Error, OSError):
                    continue
                self.peaks[child.pid] = (kind, max(peak, self.peaks.get(child.pid, ("", 0))[1]))
                self.series.setdefault(child.pid, []).append((time.time() - self.started, rss))

    def by_kind(self, kind: str) -> list[int]:
        return sorted((peak for k, peak in self.peaks.values() if k == kind), reverse=True)


def machine_load() -> dict:
    return {"load_1min": os.getloadavg()[0], "cpu_percent": psutil.cpu_percent(interval=1.0)}


# --- the three ways ----------------------------------------------------------------------------

def plain_loop(paths: list[Path], out: Path) -> float:
    """papermill, then jupyter nbconvert, per group, as subprocesses; returns seconds."""
    from spiegelkit.inputs.params import load_params

    started = time.perf_counter()
    for path in paths:
        params, _ = load_params(path)
        folder = out / params.group_id
        folder.mkdir(parents=True, exist_ok=True)
        values = folder / "parameters.json"  # data_dir made absolute, as spiegelkit run does
        values.write_text(json.dumps(params.notebook_parameters(path.parent)))
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(folder / "group_mirror.ipynb"),
                        "-f", str(values), "--cwd", str(NOTEBOOK.parent), "-k", "python3",
                        "--no-progress-bar"], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(folder / "group_mirror.ipynb"), "--output", "handout.html"],
                       check=True, capture_output=True)
    return time.perf_counter() - started


def engine(paths: list[Path], out: Path, jobs: int | None,
           versions: str) -> tuple[float, list[float], list]:
    """spiegelkit.run.batch.run_groups; returns seconds, the moments each handout was done
    (seconds after the start) and the results."""
    from spiegelkit.run.batch import output_files, run_groups

    started = time.time()
    results = run_groups(paths, out, jobs=jobs, progress=False, force=True, versions=versions)
    seconds = time.time() - started
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} group(s) failed, e.g. {failed[0].group_id}: {failed[0].error}")
    done = sorted(output_files(out, r.group_id)["handout"].stat().st_mtime - started for r in results)
    return seconds, done, results


def in_process(paths: list[Path], out: Path) -> list[float]:
    """Every group in this one process: its notebook's cells in an IPython shell (no kernel,
    no papermill process), the handout made with one exporter; seconds per group."""
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook
    from traitlets.config import Config

    from spiegelkit.run.export import handout_html
    from spiegelkit.run.kernel_state import collect
    from spiegelkit.outputs import write_text
    from spiegelkit.inputs.params import load_params

    class ResultHook(DisplayHook):
        """A cell's result becomes a display, as in a kernel (no 'Out[n]:' on stdout)."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.display_pub.publish(format_dict, md_dict)

    class Shell(InteractiveShell):
        """An IPython shell in this process that keeps every display for the notebook."""

        display_pub_class = CapturingDisplayPublisher
        displayhook_class = ResultHook

        def enable_gui(self, gui=None):
            """Inline figures need no GUI event loop."""

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # as in the kernels
    shell = Shell.instance(config=config)
    shell.enable_matplotlib("inline")
    source = load_notebook_node(str(NOTEBOOK))  # as papermill reads it (every cell gets tags)
    os.chdir(NOTEBOOK.parent)
    seconds = []
    for path in paths:
        started = time.perf_counter()
        params, _ = load_params(path)
        notebook = parameterize_notebook(source, params.notebook_parameters(path.parent))
        shell.reset(new_session=False)
        collect()  # as a warm kernel does between notebooks (spiegelkit.run.kernel_state)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            shell.display_pub.clear_output()
            with capture_output(display=False) as captured:
                shell.run_cell(cell.source, store_history=True)  # so a trailing ; hides the result
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=captured.stdout)] \
                if captured.stdout else []
            cell.outputs += [nbformat.v4.new_output("display_data", data=o["data"],
                                                    metadata=o["metadata"] or {})
                             for o in shell.display_pub.outputs]
        write_text(out / params.group_id / "handout.html",
                   handout_html(notebook, f"Spiegelbijeenkomst {params.group_name}"))
        seconds.append(time.perf_counter() - started)
    return seconds


def soak(paths: list[Path], out: Path, groups: int, versions: str) -> list[tuple[int, int, int]]:
    """One kernel runs `groups` groups (paths cycled); (group, kernel RSS, driver RSS) in bytes
    after every 10th group."""
    from spiegelkit.run.batch import run_group
    from spiegelkit.run.engine import shutdown_kernels, thread_kernel

    samples = []
    for n in range(1, groups + 1):
        result = run_group(paths[(n - 1) % len(paths)], out, engine="pool", versions=versions)
        if result.status != "ok":
            raise SystemExit(f"soak: group {result.group_id} failed: {result.error}")
        if n % 10 == 0 or n == 1:
            samples.append((n, psutil.Process(thread_kernel().pid).memory_info().rss,
                            psutil.Process().memory_info().rss))
    if thread_kernel().starts != 1:
        raise SystemExit("soak: the kernel was restarted")
    shutdown_kernels()
    return samples


# --- the run ---------------------------------------------------------------------------------

def national_params() -> list[Path]:
    if not (NATIONAL / "params").is_dir():
        print("making the national demo set (once) ...", flush=True)
        subprocess.run([sys.executable, "-c", "from spiegelkit.tools.demo import write_national_demo; "
                        f"write_national_demo({str(NATIONAL)!r})"], check=True)
    return sorted((NATIONAL / "params").glob("*.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20, help="groups to make each way (default 20)")
    parser.add_argument("--jobs", type=int, default=None, help="engine workers (default: one per core)")
    parser.add_argument("--versions", choices=["group", "all"], default="group",
                        help="engine: group handouts only, as the plain loop (default), or also "
                             "one version per practice")
    parser.add_argument("--soak", type=int, default=0, metavar="N",
                        help="then run N groups in one kernel and report its memory")
    parser.add_argument("--in-process", nargs="*", help=argparse.SUPPRESS)  # the baseline's process
    args = parser.parse_args()
    from spiegelkit.run.batch import default_jobs

    if args.in_process is not None:
        seconds = in_process([Path(p).resolve() for p in args.in_process], RESULTS / "in-process")
        (RESULTS / "in-process" / "seconds.json").write_text(json.dumps(seconds))
        return

    everything = national_params()
    paths = everything[:args.groups]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = {"groups": len(paths), "national_groups": len(everything), "cores": os.cpu_count(),
              "engine_versions": args.versions,
              "python": platform.python_version(), "load_before": machine_load()}

    print(f"{len(paths)} groups of the national demo set; machine: {os.cpu_count()} cores, "
          f"load {report['load_before']['load_1min']:.1f}, CPU {report['load_before']['cpu_percent']:.0f}% busy "
          "before the start", flush=True)

    with PeakMemory() as memory:
        plain = plain_loop(paths, RESULTS / "plain")
    report["plain"] = {"seconds": plain, "per_group": plain / len(paths),
                       "peak_kernel_mib": max(memory.by_kind("kernel"), default=0) / MIB}
    print(f"plain loop   {plain / len(paths):6.2f} s per group  ({plain:.0f} s)", flush=True)

    with PeakMemory() as memory:
        wall, done, results = engine(paths, RESULTS / "engine", args.jobs, args.versions)
    workers = min(args.jobs or default_jobs(), len(paths))
    steady = (len(done) - workers) / (done[-1] - done[workers - 1]) if len(done) > workers + 1 else 0
    driver = peak_bytes(os.getpid())
    latency = statistics.median(r.seconds for r in results[workers:]) if len(results) > workers else 0
    report["engine"] = {
        "seconds": wall, "per_group": wall / len(paths), "workers": workers,
        "steady_per_group": 1 / steady if steady else None, "group_latency": latency,
        "first_handouts_after": done[:workers],
        "peak_kernel_mib": [p / MIB for p in memory.by_kind("kernel")], "peak_driver_mib": driver / MIB,
        "projected_national_seconds": done[workers - 1] + (len(everything) - workers) / steady if steady else None,
    }
    e = report["engine"]
    print(f"engine       {e['per_group']:6.2f} s per group  ({wall:.0f} s, {workers} workers, "
          f"versions={args.versions}; "
          f"steady state {e['steady_per_group']:.2f} s per group, one group takes "
          f"{latency:.2f} s in its worker)", flush=True)

    with PeakMemory():
        subprocess.run([sys.executable, __file__, "--in-process", *map(str, paths)],
                       check=True, capture_output=True)
    per_group = json.loads((RESULTS / "in-process" / "seconds.json").read_text())
    baseline = statistics.median(per_group[1:]) if len(per_group) > 1 else per_group[0]
    report["in_process"] = {"first_group": per_group[0], "per_group": baseline}
    print(f"in-process   {baseline:6.2f} s per group  (first group, with the imports: "
          f"{per_group[0]:.1f} s)", flush=True)

    report["load_after"] = machine_load()
    report["ratio_plain_to_engine"] = report["plain"]["per_group"] / e["per_group"]
    report["ratio_engine_latency_to_in_process"] = latency / baseline
    kernel_peak = max(e["peak_kernel_mib"])
    lines = [
        "",
        f"throughput: the engine is {report['ratio_plain_to_engine']:.1f}x the plain loop "
        f"(target >= 5x)",
        f"per group: {latency:.2f} s in a warm kernel vs {baseline:.2f} s in one plain process = "
        f"{report['ratio_engine_latency_to_in_process']:.2f}x (target <= 2x); per worker at "
        f"{workers} workers: {e['per_group'] * workers:.2f} s",
        f"all {len(everything)} national groups: projected {e['projected_national_seconds'] / 60:.1f} min "
        f"(target < 15 min); plain loop: {report['plain']['per_group'] * len(everything) / 60:.0f} min",
        f"peak memory per worker: kernel {kernel_peak:.0f} MiB + driver {driver / MIB:.0f} MiB shared by "
        f"{workers} workers (target < 1536 MiB); a plain papermill kernel: "
        f"{report['plain']['peak_kernel_mib']:.0f} MiB",
        f"machine load (1 min) before {report['load_before']['load_1min']:.1f}, after "
        f"{report['load_after']['load_1min']:.1f} on {os.cpu_count()} cores",
    ]
    if args.soak:
        samples = soak(paths, RESULTS / "soak", args.soak, args.versions)
        report["soak"] = [{"group": n, "kernel_mib": k / MIB, "driver_mib": d / MIB} for n, k, d in samples]
        settled = [s for s in samples if s[0] >= min(50, args.soak // 2)]
        growth = (settled[-1][1] - settled[0][1]) / MIB
        driver_growth = (settled[-1][2] - settled[0][2]) / MIB
        report["soak_growth_mib"] = {"kernel": growth, "driver": driver_growth,
                                     "from_group": settled[0][0], "to_group": settled[-1][0]}
        lines.append(f"soak: {args.soak} groups in one kernel; from group {settled[0][0]} to "
                     f"{settled[-1][0]} the kernel grew {growth:+.0f} MiB (to {settled[-1][1] / MIB:.0f} MiB), "
                     f"the driver {driver_growth:+.0f} MiB")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"batch-{stamp}.json").write_text(json.dumps(report, indent=2))
    (RESULTS / f"batch-{stamp}.txt").write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {(RESULTS / f'batch-{stamp}.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
