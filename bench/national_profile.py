"""Where a national round's time goes, in the engine itself: a sampling profile of the kernels.

    .venv/bin/python bench/national_profile.py [--groups 64] [--rate 100]

Runs the first `--groups` groups of the national demo set (64: one region, as a national
run deals them) with every practice version, 2 workers, under py-spy (``--subprocesses``),
and splits the kernels' samples into parts: per group handout (the notebook's run in the
kernel, ``run_for_papermill``) and per practice version (``write_versions``), in
milliseconds of kernel time per handout. The parts are the handout's sections
(``Handout.<section>``), reading the group and its region, the year's obligations over the
params folder, and what is paid around the sections: running cells in IPython, the HTML
export, writing files, the kernel reset (a group's own reset is a request of its own, not
counted). ``bench/handout_profile.py`` profiles the sections
in one plain process; this profile also shows what only the engine pays.

py-spy samples the wall time of busy threads, so absolute figures are a little above the CPU
time of an unprofiled run; the shares are what to compare between runs. Writes the table to
bench/results/national-profile-<stamp>.txt and py-spy's raw stacks beside it.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batch as groupbench  # noqa: E402  bench/batch.py: the national demo set
import national  # noqa: E402  bench/national.py: the engine run

RESULTS = groupbench.RESULTS
ROOTS = {"run_for_papermill": "group handout", "write_versions": "practice version"}
NOT_SECTIONS = ("Handout.from_notebook", "Handout.build")
AROUND = [  # (frame, part) outside the sections: the first in this list found in a sample wins
    ("Handout.build", "the group's analysis (comparison, talking points)"),
    ("Handout.from_notebook", "reading the group and its region"),
    ("handout_html", "HTML export (nbconvert)"),
    ("write_embedded_downloads", "writing files"),
    ("write_text", "writing files"),
    ("restore", "kernel reset"),
    ("prepared_notebook", "preparing the notebook (papermill)"),
    ("load_notebook_node", "preparing the notebook (papermill)"),
    ("run_cell", "running cells (IPython; a kernel's imports)"),
]


def part_of(frames: list[str]) -> str:
    """The part a kernel sample (its frames' function names, outermost first) belongs to."""
    if "load_groups" in frames:
        return "obligations: the params folder's groups"
    section = next((f for f in frames if f.startswith("Handout.") and f not in NOT_SECTIONS
                    and not f.startswith("Handout._")), None)
    if section is not None:
        return section.replace("Handout.", "section ")
    if any(f.startswith("Handout._") for f in frames):
        return "other"  # a torn stack (py-spy does not pause the kernel): inside some section
    return next((part for frame, part in AROUND if frame in frames), "other")


def split(raw: Path) -> dict[str, collections.Counter]:
    """Samples per part, per root (group handout, practice version), from py-spy's raw file."""
    parts = {root: collections.Counter() for root in ROOTS.values()}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame.split(" (")[0] for frame in stack.split(";")]
        root = next((ROOTS[f] for f in frames if f in ROOTS), None)
        if root is not None:
            parts[root][part_of(frames)] += int(count)
    return parts


def table(parts: dict[str, collections.Counter], handouts: dict[str, int], rate: int) -> list[str]:
    lines = [f"{'':52}{'group handout':>15}{'practice version':>18}   (ms of kernel time each)"]
    names = sorted({p for counter in parts.values() for p in counter},
                   key=lambda p: -sum(c[p] / max(handouts[r], 1) for r, c in parts.items()))
    for name in names + ["total"]:
        cells = []
        for root, counter in parts.items():
            samples = sum(counter.values()) if name == "total" else counter[name]
            cells.append(samples / rate * 1000 / max(handouts[root], 1))
        lines.append(f"{name:52}{cells[0]:15.1f}{cells[1]:18.1f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=64, help="groups to run (default 64)")
    parser.add_argument("--rate", type=int, default=100, help="samples per second (default 100)")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)  # the profiled run
    args = parser.parse_args()
    paths = groupbench.national_params()[:args.groups]
    out = RESULTS / "national-profile-run"
    if args.run:
        run = national.engine_run(paths, out, 2, "all")
        print(f"{run['groups']} groups, {run['handouts']} handouts in {run['seconds']:.1f} s, "
              f"{len(run['failures'])} failed", flush=True)
        return

    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("py-spy is missing: make env installs it (the bench extra of pyproject.toml)")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    raw = RESULTS / f"national-profile-{stamp}.raw.txt"
    RESULTS.mkdir(parents=True, exist_ok=True)
    before = national.uptime()
    # --nonblocking: a paused kernel at every sample took 2.5 times as long (1.6 s a group)
    done = subprocess.run([spy, "record", "--subprocesses", "--nonblocking", "--format", "raw",
                           "--rate", str(args.rate), "--output", str(raw), "--", sys.executable,
                           __file__, "--run", "--groups", str(args.groups)],
                          capture_output=True, text=True)
    if done.returncode != 0 or not raw.exists():
        sys.exit(f"py-spy failed ({done.returncode}): {done.stderr.strip()[-800:]}\n"
                 "py-spy reads other processes' memory: it needs ptrace (as root, or in a "
                 "container started with --cap-add SYS_PTRACE)")
    groups = len(list(out.glob("*/handout.html")))
    handouts = {"group handout": groups,
                "practice version": len(list(out.glob("*/practice-*.html")))}
    lines = [f"{groups} national demo groups with every version, 2 workers, under py-spy "
             f"({args.rate} samples per second)",
             *(line for line in done.stdout.splitlines() if not line.startswith("py-spy>")),
             f"load before: {before}", f"load after:  {national.uptime()}", "",
             *table(split(raw), handouts, args.rate),
             "", "Paid once per region or kernel, so their share falls as a run gets longer: "
             "reading the region, the params folder's groups, a new kernel's imports."]
    text = "\n".join(lines) + "\n"
    print(text)
    report = RESULTS / f"national-profile-{stamp}.txt"
    report.write_text(text, encoding="utf-8")
    print(f"written to {report} (py-spy's stacks: {raw.name})")


if __name__ == "__main__":
    main()
