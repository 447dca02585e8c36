"""A national round, measured: every demo group with every practice version, for real.

    .venv/bin/python bench/national.py                   # a sample of 30 groups (default)
    .venv/bin/python bench/national.py --groups all      # all ~1,280 national groups, for real
    .venv/bin/python bench/national.py --groups all --dask   # and once more on a local Dask cluster
    .venv/bin/python bench/national.py --groups all --dask --dask-groups 200   # Dask on a part

One run, one report (printed and written to bench/results/national-<stamp>.{json,txt}):

1. the plain command-line loop (``papermill`` + ``jupyter nbconvert`` per group) on a few
   groups (``--plain``, default 3): the reference throughput;
2. the in-process floor on the first groups (``--floor``, default 24): the notebook's cells
   in one plain Python process, imports paid once (``bench/batch.py``'s baseline);
3. the engine with group handouts only (``versions="group"``) on ``--sample`` groups
   (default 12, at least the floor's; with ``--groups all`` all of them, for real):
   throughput against the plain loop, per-handout time against the floor on the same
   groups, and the national time (projected from a sample, measured with all groups);
4. the engine with every version (``versions="all"``) on ``--groups`` groups, with
   ``--workers`` workers (default 2): wall time, handouts per second, peak memory of every
   worker (its kernel) and how it moved over the run (flat or growing), the failures; with
   ``--groups all`` this is the real national round, else it is projected from the sample;
5. with ``--dask``: run 4 again (or its first ``--dask-groups``) on a LocalCluster of
   ``--workers`` worker processes (one thread each), and compare every output file with
   run 4's, byte for byte.

The national demo set is made once in bench/results/national/ (``write_national_demo``).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import batch as groupbench  # noqa: E402  bench/batch.py: plain loop, floor, peak memory

ROOT = groupbench.ROOT
RESULTS = groupbench.RESULTS
MIB = groupbench.MIB


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def worker_memory(memory: groupbench.PeakMemory) -> list[dict]:
    """Per kernel, pool worker and Dask worker: its peak, and the median resident memory of
    the first, the middle (sixth) and the last tenth of its run. A worker is dealt whole data
    folders and keeps up to DATA_KEPT of them, so it fills during its first few folders
    (about a fifth of a national run); from the middle on it should stay flat."""
    out = []
    for pid, series in memory.series.items():
        kind, peak = memory.peaks[pid]
        if kind not in ("kernel", "pool worker", "dask worker"):
            continue
        tenth = max(1, len(series) // 10)
        middle = series[5 * len(series) // 10:][:tenth] or series[-tenth:]
        out.append({"pid": pid, "kind": kind, "peak_mib": peak / MIB, "samples": len(series),
                    "first_tenth_mib": statistics.median(r for _, r in series[:tenth]) / MIB,
                    "middle_tenth_mib": statistics.median(r for _, r in middle) / MIB,
                    "last_tenth_mib": statistics.median(r for _, r in series[-tenth:]) / MIB})
    return sorted(out, key=lambda w: (w["kind"], -w["peak_mib"]))


def handout_files(out: Path) -> list[Path]:
    return sorted(p for pattern in ("*/handout.html", "*/practice-*.html") for p in out.glob(pattern))


def engine_run(paths: list[Path], out: Path, workers: int, versions: str,
               scheduler: str | None = None) -> dict:
    """run_groups on `paths` into a fresh `out`; seconds, handouts, failures, memory."""
    from spiegelkit.run.batch import run_groups

    shutil.rmtree(out, ignore_errors=True)
    with groupbench.PeakMemory(interval=2.0) as memory:
        started, wall_start = time.perf_counter(), time.time()
        results = run_groups(paths, out, jobs=workers, progress=False, force=True,
                             versions=versions, scheduler=scheduler)
        seconds = time.perf_counter() - started
    failed = [{"group": r.group_id, "status": r.status, "error": r.error[-500:]}
              for r in results if r.status != "ok"]
    handouts = len(handout_files(out))
    # When each group was done (its last file written), seconds after the start: the first
    # `workers` groups carry the kernels' start (each worker's first group); the steady
    # state and the warm groups' seconds are measured without them.
    finished = sorted((max(f.stat().st_mtime for f in (out / r.group_id).iterdir()) - wall_start,
                       r.group_id) for r in results if r.status == "ok")
    done = [seconds_done for seconds_done, _ in finished]
    starters = {group_id for _, group_id in finished[:workers]}
    warm = {r.group_id: r.seconds for r in results if r.status == "ok" and r.group_id not in starters}
    steady = (len(done) - workers) / (done[-1] - done[workers - 1]) \
        if len(done) > workers + 1 and done[-1] > done[workers - 1] else None
    return {"groups": len(paths), "versions": versions, "workers": workers, "seconds": seconds,
            "handouts": handouts, "handouts_per_second": handouts / seconds if seconds else 0,
            "seconds_per_group": seconds / len(paths),
            "steady_seconds_per_group": 1 / steady if steady else seconds / len(paths),
            "first_groups_done_after": done[:workers],
            "group_latency": statistics.median(warm.values() or [r.seconds for r in results]),
            "warm_seconds": warm,
            "failures": failed, "memory": worker_memory(memory),
            "driver_peak_mib": groupbench.peak_bytes(os.getpid()) / MIB}


def same_outputs(a: Path, b: Path) -> tuple[int, list[str]]:
    """Every file of `a` (manifest and executed notebooks aside) against the same file in `b`,
    byte for byte: (files compared, files differing or missing in `b`)."""
    compared, differing = 0, []
    for path in sorted(a.rglob("*")):
        if path.is_dir() or path.name == "manifest.json" or path.suffix == ".ipynb" \
                or path.name.startswith("."):  # the run lock, temporary files
            continue
        other = b / path.relative_to(a)
        compared += 1
        if not other.exists() or not filecmp.cmp(path, other, shallow=False):
            differing.append(str(path.relative_to(a)))
    return compared, differing


def floor(paths: list[Path]) -> list[float]:
    """bench/batch.py's in-process baseline, in a process of its own: seconds per group, in
    the order of `paths` (the first pays the imports)."""
    subprocess.run([sys.executable, str(Path(groupbench.__file__)), "--in-process", *map(str, paths)],
                   check=True, capture_output=True)
    return json.loads((RESULTS / "in-process" / "seconds.json").read_text())


def peak_mib(run: dict, kind: str) -> float:
    return max((w["peak_mib"] for w in run["memory"] if w["kind"] == kind), default=0.0)


def growth_mib(run: dict, kind: str, since: str = "first_tenth_mib") -> float:
    return max((w["last_tenth_mib"] - w[since] for w in run["memory"]
                if w["kind"] == kind), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", default="30",
                        help="groups for the run with every version: a number or 'all' (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="engine workers (default 2)")
    parser.add_argument("--plain", type=int, default=3, help="groups for the plain loop (default 3)")
    parser.add_argument("--floor", type=int, default=24,
                        help="groups for the in-process floor, the first of the run (default 24)")
    parser.add_argument("--sample", type=int, default=None,
                        help="groups for the engine with group handouts only (default 12; all "
                             "of them with --groups all)")
    parser.add_argument("--dask", action="store_true",
                        help="also run on a LocalCluster of --workers processes and compare outputs")
    parser.add_argument("--dask-groups", type=int, default=None, metavar="N",
                        help="with --dask: only the first N of the groups (default: all of them)")
    args = parser.parse_args()

    everything = groupbench.national_params()
    real = args.groups == "all" or int(args.groups) >= len(everything)
    chosen = everything if real else everything[:int(args.groups)]  # region by region, as for real
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / "national-run"
    report = {"national_groups": len(everything), "cores": os.cpu_count(),
              "python": platform.python_version(), "uptime_before": uptime()}
    print(f"{len(everything)} national demo groups; {report['uptime_before']}", flush=True)

    with groupbench.PeakMemory() as memory:
        plain = groupbench.plain_loop(chosen[:args.plain], RESULTS / "plain")
    report["plain"] = {"groups": args.plain, "per_group": plain / args.plain,
                       "peak_kernel_mib": max(memory.by_kind("kernel"), default=0) / MIB}
    print(f"plain loop      {plain / args.plain:6.2f} s per group handout ({args.plain} groups)", flush=True)

    seconds = floor(chosen[:args.floor])
    report["floor"] = {"groups": args.floor, "first_group": seconds[0],
                       "per_group": statistics.median(seconds[1:] or seconds),
                       "seconds": {path.stem: s for path, s in zip(chosen, seconds)}}
    print(f"in-process      {report['floor']['per_group']:6.2f} s per group handout "
          f"({args.floor} groups; the first, with imports: {seconds[0]:.1f} s)", flush=True)

    sample = max(args.sample or (len(chosen) if real else 12), args.floor)
    group_only = engine_run(chosen[:sample], RESULTS / "national-groups", args.workers, "group")
    report["engine_group"] = group_only
    real_groups = sample >= len(everything)
    print(f"engine, groups  {group_only['steady_seconds_per_group']:6.2f} s per group handout, steady "
          f"({sample} groups, {args.workers} workers; one group takes "
          f"{group_only['group_latency']:.2f} s in its worker)"
          + (f"; all groups in {group_only['seconds'] / 60:.1f} min" if real_groups else ""), flush=True)

    every = engine_run(chosen, out, args.workers, "all")
    report["engine_all"] = every
    print(f"engine, all     {every['seconds']:6.0f} s for {every['groups']} groups, "
          f"{every['handouts']} handouts ({every['handouts_per_second']:.2f} per second), "
          f"{len(every['failures'])} failed", flush=True)

    if args.dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, worker_dashboard_address=None) as cluster:
            dask = engine_run(chosen[:args.dask_groups], RESULTS / "national-dask", args.workers,
                              "all", scheduler=cluster.scheduler_address)
        compared, differing = same_outputs(RESULTS / "national-dask", out)
        dask.update(files_compared=compared, files_differing=differing[:20],
                    files_differing_count=len(differing))
        report["dask"] = dask
        print(f"dask, all       {dask['seconds']:6.0f} s, {dask['handouts']} handouts, "
              f"{len(dask['failures'])} failed; {compared} files compared with the local run, "
              f"{len(differing)} differ", flush=True)

    report["uptime_after"] = uptime()
    per_plain = report["plain"]["per_group"]
    per_group = group_only["steady_seconds_per_group"]  # wall time per group, kernels warm
    per_handout_all = every["steady_seconds_per_group"] * every["groups"] / max(1, every["handouts"])
    handouts_per_group = every["handouts"] / max(1, every["groups"])

    def projected(run: dict) -> float:
        """Start-up (until the first groups are done) + the other groups at the steady rate."""
        start = run["first_groups_done_after"][-1] if run["first_groups_done_after"] else 0.0
        return start + (len(everything) - run["workers"]) * run["steady_seconds_per_group"]
    national_group, national_all = projected(group_only), projected(every)
    # per handout against the floor on the same groups (the floor's first pays its imports;
    # the engine's groups that started a kernel are left out): groups differ in size, and the
    # first of a region also reads the region's data, so other groups would not compare
    same = [g for g in list(report["floor"]["seconds"])[1:] if g in group_only["warm_seconds"]]
    if same:
        latency_same = statistics.median(group_only["warm_seconds"][g] for g in same)
        floor_same = statistics.median(report["floor"]["seconds"][g] for g in same)
    else:  # a floor of one or two groups: the medians of what there is
        latency_same, floor_same = group_only["group_latency"], report["floor"]["per_group"]
    report["floor"].update(compared_groups=len(same), engine_latency_same_groups=latency_same,
                           floor_same_groups=floor_same)
    plain_national = per_plain * len(everything)
    report.update(
        throughput_vs_plain=per_plain / per_group,
        latency_vs_floor=latency_same / floor_same,
        projected_national_group_seconds=national_group,
        projected_national_all_seconds=national_all,
        measured_national_all_seconds=every["seconds"] if real else None,
        measured_national_group_seconds=group_only["seconds"] if real_groups else None,
        plain_national_group_seconds=plain_national,
    )
    kernel_peak = max(peak_mib(every, "kernel"), peak_mib(group_only, "kernel"))
    kernel_growth = max(growth_mib(every, "kernel"), growth_mib(group_only, "kernel"))
    kernel_late_growth = max(growth_mib(every, "kernel", "middle_tenth_mib"),
                             growth_mib(group_only, "kernel", "middle_tenth_mib"))
    worker_peak = max(peak_mib(every, "pool worker"), peak_mib(group_only, "pool worker"))
    worker_growth = max(growth_mib(every, "pool worker"), growth_mib(group_only, "pool worker"))
    lines = [
        "",
        f"throughput, group handouts: {report['throughput_vs_plain']:.1f}x the plain loop "
        f"({per_plain:.2f} s vs {per_group:.2f} s per group, steady state at {args.workers} workers; "
        f"target >= 30x)",
        f"per handout: {latency_same:.2f} s in a warm kernel vs {floor_same:.2f} s in-process on "
        f"the same {len(same)} groups (medians) = {report['latency_vs_floor']:.2f}x the floor "
        f"(target <= 1.5x; over all {sample} groups {group_only['group_latency']:.2f} s); with every "
        f"version {per_handout_all:.2f} s of wall time per handout, steady "
        f"({handouts_per_group:.1f} handouts per group)",
        f"national, {len(everything)} groups: group handouts "
        + (f"measured {group_only['seconds'] / 60:.1f} min ({group_only['handouts']} handouts, "
           f"{len(group_only['failures'])} failed)" if real_groups else f"projected {national_group / 60:.1f} min")
        + "; "
        f"every version projected {national_all / 60:.1f} min"
        + (f", measured {every['seconds'] / 60:.1f} min ({every['handouts']} handouts, "
           f"1/{plain_national / every['seconds']:.0f} of the plain loop's group handouts)" if real else
           f" (from {every['groups']} groups; measure with --groups all)")
        + f"; the plain loop, group handouts only: {plain_national / 60:.0f} min "
        f"(target: every version in <= 1/40 of it = {plain_national / 40 / 60:.1f} min)",
        f"peak memory per worker (kernel): {kernel_peak:.0f} MiB, grown {kernel_growth:+.0f} MiB from the "
        f"first to the last tenth of a run, {kernel_late_growth:+.0f} MiB from the middle one (target "
        f"< 1024 MiB, flat); the worker process around it "
        f"{worker_peak:.0f} MiB ({worker_growth:+.0f} MiB); driver {every['driver_peak_mib']:.0f} MiB",
        f"failures: {len(every['failures'])}"
        + (f", e.g. {every['failures'][0]['group']}: {every['failures'][0]['error'][:200]}"
           if every["failures"] else ""),
    ]
    if args.dask:
        d = report["dask"]
        lines.append(f"dask LocalCluster, {args.workers} worker processes, {d['groups']} groups: "
                     f"{d['seconds'] / 60:.1f} min, "
                     f"{d['handouts']} handouts, {len(d['failures'])} failed, kernel peak "
                     f"{peak_mib(d, 'kernel'):.0f} MiB; {d['files_compared']} output files compared, "
                     f"{d['files_differing_count']} differ")
    lines.append(f"load before: {report['uptime_before']}")
    lines.append(f"load after:  {report['uptime_after']}")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"national-{stamp}.json").write_text(json.dumps(report, indent=2))
    (RESULTS / f"national-{stamp}.txt").write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {(RESULTS / f'national-{stamp}.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
