"""How many index cells the handout marks: chance alone against the real spread between practices.

    .venv/bin/python bench/flags.py [PARAMS ...] [--year 2024] [--spread]

For every group (default: every ``params/*.yaml``, the demo groups) it counts the index cells of
the data year that carry a mark (▲/▼ or ▲▲/▼▼): with the Poisson/Byar marks (100 outside the
practice's own 95% / 99.8% interval: chance alone) and with the overdispersion-adjusted marks
that the handout uses by default (outside funnel limits that add the spread between practices,
Spiegelhalter 2005 as FunnelPlotR computes it). Cells with fewer than 10 events count as cells
without a mark. ``--spread`` also prints phi and tau per indicator, estimated from the data
folder of the first group.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spiegelkit.analysis.compare import between_practice_spread, compare_group  # noqa: E402
from spiegelkit.inputs.group import open_group  # noqa: E402

MARKED = {"higher_95", "lower_95", "higher_998", "lower_998"}


def flag_counts(params_files: list[Path], year: int | None = None) -> pd.DataFrame:
    """Per group: index cells of the data year, and how many each method marks."""
    rows = []
    for path in params_files:
        group = open_group(path)
        table = compare_group(group.data, group.params.model_copy(
            update={"options": group.params.options.model_copy(update={"significance": "overdispersion"})}))
        current = table[(table["year"] == (year or group.params.data_year)) & table["index"].notna()]
        rows.append(dict(
            group=group.params.group_id, cells=len(current),
            poisson=int(current["significance_poisson"].isin(MARKED).sum()),
            poisson_998=int(current["significance_poisson"].isin({"higher_998", "lower_998"}).sum()),
            adjusted=int(current["significance"].isin(MARKED).sum()),
            adjusted_998=int(current["significance"].isin({"higher_998", "lower_998"}).sum()),
            methods=", ".join(f"{m} {n}" for m, n in current["significance_method"].value_counts().items()),
        ))
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", nargs="*", type=Path, help="params files (default: params/*.yaml)")
    parser.add_argument("--year", type=int, help="data year (default: each group's data_year)")
    parser.add_argument("--spread", action="store_true", help="print phi and tau per indicator")
    args = parser.parse_args(argv)
    files = args.params or sorted((ROOT / "params").glob("*.yaml"))
    counts = flag_counts(files, args.year)
    total = counts[["cells", "poisson", "poisson_998", "adjusted", "adjusted_998"]].sum()
    for r in counts.to_dict("records") + [dict(group="all groups", methods="", **total)]:
        print(f"{r['group']:32s} {r['cells']:4d} cells | Poisson/Byar {r['poisson']:4d} "
              f"({r['poisson'] / r['cells']:5.1%}; 99.8%: {r['poisson_998']:3d}) | "
              f"overdispersion-adjusted {r['adjusted']:4d} ({r['adjusted'] / r['cells']:5.1%}; "
              f"99.8%: {r['adjusted_998']:3d})  {r['methods']}")
    if args.spread:
        data = open_group(files[0]).data
        spread = between_practice_spread(data)
        year = args.year or int(spread["year"].max())
        spread = spread[spread["year"] == year].assign(tau=lambda f: np.sqrt(f["tau2"]))
        print(f"\nSpread between the {int(spread['units'].max())} practices of {data.folder.name}, {year}:")
        print(spread[["indicator", "units", "phi", "tau", "adjusted"]].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"median phi {spread['phi'].median():.1f}, median tau {spread['tau'].median():.3f}")


if __name__ == "__main__":
    main()
