"""Where a handout's time goes: each section of the group handout and of a practice version,
and a cProfile of the whole, on groups of the national demo set.

    .venv/bin/python bench/handout_profile.py [--groups 12] [--top 25]

The groups are the first of the national set (region by region, as a national run takes
them); the first group pays the imports, the reading of its region and of the national
folder's groups for the obligations, and is left out of the medians. The table is timed
without the profiler (CPU seconds of this process, ``time.process_time``, so a busy machine
changes them little); the profile is of the next `--groups` groups, whose analyses are not
cached yet. Writes both to bench/results/profile-<stamp>.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batch as groupbench  # noqa: E402  bench/batch.py: the national demo set

SECTIONS = ["cover", "lookback", "agenda", "population", "no_mirror_note", "overview",
            "talking_points", "domains", "costs", "agreements_form", "attendance", "obligations",
            "appendix"]


def handout_times(paths: list[Path]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """CPU seconds per section (and loading, analysis) of every group handout and version."""
    from spiegelkit.inputs.group import open_group
    from spiegelkit.inputs.params import load_params
    from spiegelkit.render.handout import Handout

    group, version = defaultdict(list), defaultdict(list)
    for path in paths:
        for focus in [None] + [p.agb for p in load_params(path)[0].practices]:
            times = version if focus else group
            started = time.process_time()
            loaded = open_group(path, focus)
            times["read the group"].append(time.process_time() - started)
            mark = time.process_time()
            handout = Handout.build(loaded)
            times["analysis (build)"].append(time.process_time() - mark)
            for section in SECTIONS:
                mark = time.process_time()
                getattr(handout, section)()
                times[section].append(time.process_time() - mark)
            times["total"].append(time.process_time() - started)
    return group, version


def table(group: dict[str, list[float]], version: dict[str, list[float]], first: float) -> list[str]:
    def median(values: list[float]) -> float:
        return statistics.median(values) * 1000

    lines = [f"{'':20s} {'group handout':>14s} {'version':>10s}   (median ms of CPU)"]
    for name in ["read the group", "analysis (build)", *SECTIONS, "total"]:
        lines.append(f"{name:20s} {median(group[name]):14.1f} {median(version[name]):10.1f}")
    lines.append(f"{'first group, total':20s} {first * 1000:14.0f}   (not in the medians: "
                 "imports, its region's data, the national folder's groups)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=12, help="groups to profile (default 12)")
    parser.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    args = parser.parse_args()
    paths = groupbench.national_params()[:2 * args.groups + 1]
    warm, _ = handout_times(paths[:1])  # imports, the first region, the national folder: once
    group, version = handout_times(paths[1:args.groups + 1])
    profile = cProfile.Profile()
    profile.enable()
    handout_times(paths[args.groups + 1:])
    profile.disable()
    lines = [f"{args.groups} national demo groups and their {len(version['total'])} practice versions",
             *table(group, version, warm["total"][0]), ""]
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(order).print_stats(args.top)
        lines += [f"--- cProfile of {args.groups} more groups with their versions, by {order} ---",
                  *[line for line in text.getvalue().splitlines() if line.strip()][3:]]
    print("\n".join(lines))
    groupbench.RESULTS.mkdir(parents=True, exist_ok=True)
    target = groupbench.RESULTS / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    target.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {target.relative_to(groupbench.ROOT)}")


if __name__ == "__main__":
    main()
