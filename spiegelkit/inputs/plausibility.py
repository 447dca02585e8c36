"""Plausibility of mirror figures: the mistakes that typing a Praktijkspiegel by hand makes.

Each check names the file, row and field and says how to fix it. They catch what a type
check cannot: an expected figure typed in the indicator's unit (18,7 for 18,7 %) beside a
count, a fraction typed for a percentage, a count that is not whole, a proportion above
100 %, and indicators present for some practices or years but not for others.

``mirror`` is the table in the counts form (``observed``, ``denominator``, ``expected``); a
printed-form table also carries ``value`` and ``expected_value`` (see
:func:`spiegelkit.inputs.dataset.to_counts`), and its messages name those fields.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from spiegelkit.inputs.problems import Problem

INDEX_RANGE = (20.0, 500.0)  # an index outside it is a typing mistake far more often than real
CORRECTED_RANGE = (50.0, 200.0)  # a likely cause must bring the index well inside the range
SMALL_EXPECTED = 10.0  # below 10 events either way, a far-off index can be chance
LISTED = 12  # the missing-indicator warning lists this many, then counts the rest


def plausibility_problems(file: str, mirror: pd.DataFrame, catalogue: pd.DataFrame,
                          form: str = "counts") -> list[Problem]:
    """Every implausible figure in a mirror table (counts form, printed figures beside)."""
    if mirror.empty:
        return []
    cat = catalogue.set_index("id")
    frame = pd.DataFrame({
        "row": [int(i) + 2 for i in mirror.index],  # as the file shows it (header = row 1)
        "indicator": mirror["indicator"].astype(str).to_numpy(),
        "agb": mirror["agb"].astype(str).to_numpy(),
        "year": mirror["year"].to_numpy(),
        "observed": mirror["observed"].astype(float).to_numpy(),
        "denominator": mirror["denominator"].astype(float).to_numpy(),
        "expected": mirror["expected"].astype(float).to_numpy(),
    })
    known = frame["indicator"].isin(cat.index)
    frame = frame[known]
    for column in ("statistic", "multiplier", "unit"):
        frame[column] = frame["indicator"].map(cat[column])
    if form == "printed":
        frame["value"] = mirror.loc[known.to_numpy(), "value"].astype(float).to_numpy()
        frame["expected_value"] = mirror.loc[known.to_numpy(), "expected_value"].astype(float).to_numpy()
    problems = _proportion_problems(file, frame, form)
    if form == "counts":
        problems += _whole_count_problems(file, frame)
    problems += _zero_expected_problems(file, frame, form)
    problems += _index_problems(file, frame, form)
    if form == "counts":
        problems += _size_pattern_problems(file, frame)
    problems += _missing_indicator_problems(file, mirror)
    return problems


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _proportion_problems(file: str, frame: pd.DataFrame, form: str) -> list[Problem]:
    """A proportion counts patients out of patients: never above 100 %."""
    problems = []
    proportion = frame[(frame["statistic"] == "proportion")
                       & ((frame["observed"] > frame["denominator"])
                          | (frame["expected"] > frame["denominator"]))]
    for r in proportion.itertuples():
        for count, printed in (("observed", "value"), ("expected", "expected_value")):
            amount = getattr(r, count)
            if not amount > r.denominator:
                continue
            if form == "printed":
                figure = getattr(r, printed)
                problems.append(Problem(
                    file, f"{printed} {_number(figure)} is more than {_number(r.multiplier)} "
                    f"({r.unit}) for {r.indicator}: more patients with it than patients",
                    row=r.row, field=printed,
                    hint=f"type the figure as printed, in {r.unit} (for example 18,7 for 18,7 %); "
                         "a count belongs in the counts form (observed), not in value"))
            else:
                problems.append(Problem(
                    file, f"{count} is larger than denominator for a proportion ({_number(amount)} "
                    f"> {_number(r.denominator)}: more patients with the event than patients)",
                    row=r.row, field=count,
                    hint=f"check both figures; for a proportion, {count} counts patients out of "
                         "denominator"))
    return problems


def _whole_count_problems(file: str, frame: pd.DataFrame) -> list[Problem]:
    """In the counts form, observed counts patients or events: a whole number."""
    counts = frame[(frame["statistic"] != "cost") & frame["observed"].notna()]
    broken = counts[(counts["observed"] - counts["observed"].round()).abs() > 1e-9]
    return [Problem(
        file, f"observed {_number(r.observed)} is not a whole number, but for {r.indicator} it "
        "counts patients or events", row=r.row, field="observed",
        hint="type the count as a whole number; if it was worked out from a printed figure "
             f"({r.unit}), give the mirror in the printed form instead (columns value, "
             "expected_value, denominator) and spiegelkit converts it")
        for r in broken.itertuples()]


def _zero_expected_problems(file: str, frame: pd.DataFrame, form: str) -> list[Problem]:
    """An expected figure of 0 leaves the index undefined (a blank one is standardised)."""
    field = "expected_value" if form == "printed" else "expected"
    return [Problem(
        file, f"the expected figure for {r.indicator} of practice {r.agb} in {r.year} is 0, so "
        "no index can be computed", row=r.row, field=field,
        hint=f"type the expected figure as the Praktijkspiegel prints it ({r.unit}), or leave it "
             "blank to have it computed from population and reference")
        for r in frame[frame["expected"] == 0].itertuples()]


def _causes(form: str, per_unit: float, multiplier: float) -> list[tuple[float, str, bool]]:
    """Ways a figure can be typed in the wrong unit: (factor on observed/expected, the cause
    in words, whether it is surely a mistake)."""
    if form == "counts":
        return [
            (per_unit, "expected looks like a figure in the indicator's unit (as printed), "
                       "observed like a count", True),
            (1 / per_unit, "observed looks like a figure in the indicator's unit (as printed), "
                           "expected like a count", True),
        ]
    causes = [
        (per_unit, "value looks like a count, expected_value like a figure in the unit", True),
        (1 / per_unit, "expected_value looks like a count, value like a figure in the unit", True),
    ]
    if multiplier > 1:
        causes += [
            (multiplier, f"expected_value looks like a fraction (0,187 for 18,7), value like a "
                         f"figure per {_number(multiplier)}", True),
            (1 / multiplier, f"value looks like a fraction (0,187 for 18,7), expected_value like "
                             f"a figure per {_number(multiplier)}", True),
        ]
    causes += [(10.0, "the two figures may be in different units (% and per 1.000)", False),
               (0.1, "the two figures may be in different units (% and per 1.000)", False)]
    return causes


def _index_problems(file: str, frame: pd.DataFrame, form: str) -> list[Problem]:
    """An index (observed / expected x 100) outside 20..500, with its likely cause."""
    rows = frame[frame["expected"].notna() & (frame["expected"] > 0) & frame["observed"].notna()]
    index = rows["observed"] / rows["expected"] * 100
    chance = (rows["statistic"] != "cost") & (rows[["observed", "expected"]].max(axis=1) < SMALL_EXPECTED)
    outside = ~index.between(*INDEX_RANGE) & ~chance
    field = "expected_value" if form == "printed" else "expected"
    problems = []
    for r, idx in zip(rows[outside].itertuples(), index[outside]):
        per_unit = r.denominator / r.multiplier
        cause = None
        for factor, words, sure in _causes(form, per_unit, r.multiplier):
            corrected = idx / factor
            if factor != 1 and CORRECTED_RANGE[0] <= corrected <= CORRECTED_RANGE[1]:
                if cause is None or abs(math.log(corrected / 100)) < abs(math.log(cause[1] / 100)):
                    cause = (words, corrected, sure)
        if form == "printed":
            figures = f"value {_number(r.value)}, expected_value {_number(r.expected_value)}"
        else:
            figures = f"observed {_number(r.observed)}, expected {_number(r.expected)}"
        message = (f"index {_number(round(idx, 1))} for {r.indicator} of practice {r.agb} in "
                   f"{r.year} is outside {INDEX_RANGE[0]:g}..{INDEX_RANGE[1]:g} ({figures})")
        if cause:
            message += f": {cause[0]}"
            hint = (f"type both figures in the same form: in the printed form both as printed "
                    f"({r.unit}); in the counts form both as counts (figure x denominator / "
                    f"{_number(r.multiplier)}); corrected, the index would be about "
                    f"{_number(round(cause[1]))}")
        else:
            hint = ("check both figures against the Praktijkspiegel; if they are right, this "
                    "practice really differs a lot")
        problems.append(Problem(file, message, row=r.row, field=field, hint=hint,
                                severity="error" if cause and cause[2] else "warning"))
    return problems


def _size_pattern_problems(file: str, frame: pd.DataFrame) -> list[Problem]:
    """Counts form, figures per 1,000: an expected typed as printed (327 per 1.000) instead of
    as a count makes each index its true value x denominator / 1,000, inside 20..500 for
    practices of 1,000 to 5,000 patients. When, for one indicator and year, every practice's
    index comes much nearer 100 once divided by that factor, the pattern is named (a warning:
    it is a likely cause, not a proof)."""
    rows = frame[(frame["statistic"] != "cost") & (frame["multiplier"] >= 1000)
                 & (frame["expected"] > 0) & frame["observed"].notna()].copy()
    if rows.empty:
        return []
    rows["raw"] = np.log(rows["observed"] / rows["expected"])
    rows["alt"] = rows["raw"] - np.log(rows["denominator"] / rows["multiplier"])
    problems = []
    for (indicator, year), part in rows.groupby(["indicator", "year"], sort=False):
        if len(part) < 2 or abs(part["raw"].median()) < np.log(1.6):
            continue
        if not (part["alt"].abs() < part["raw"].abs() / 2).all():
            continue
        first = part.iloc[0]
        listed = ", ".join(f"row {r.row} ({r.agb}: index {r.observed / r.expected * 100:.0f}, "
                           f"else {np.exp(r.alt) * 100:.0f})" for r in part.itertuples())
        problems.append(Problem(
            file, f"the indices of {indicator} in {year} grow with the practices' size as if "
            f"expected were typed as printed (per {first.multiplier:,.0f}) instead of as a count: "
            f"{listed}", row=int(first.row), field="expected", severity="warning",
            hint=f"write expected as a count (expected figure x denominator / "
                 f"{first.multiplier:,.0f}), or give the mirror in the printed form"))
    return problems


def _missing_indicator_problems(file: str, mirror: pd.DataFrame) -> list[Problem]:
    """One warning for indicators present for some practices or years and missing for others
    (among the practice-years that have a mirror)."""
    present = mirror[["agb", "year", "indicator"]]
    counts = present.groupby(["agb", "year"], observed=True).size()
    if len(counts) < 2 or (counts == present["indicator"].nunique()).all():
        return []  # every practice-year has every indicator (duplicates are reported elsewhere)
    present = present.astype({"agb": str, "indicator": str})
    pairs = present[["agb", "year"]].drop_duplicates()
    full = pairs.merge(present[["indicator"]].drop_duplicates(), how="cross")
    full = full.merge(present.drop_duplicates(), how="left", indicator="_found")
    lacking = full[full["_found"] == "left_only"]
    if lacking.empty:
        return []
    first_row = {ind: int(i) + 2 for i, ind in reversed(list(zip(present.index, present["indicator"])))}
    parts = []
    for indicator, part in lacking.groupby("indicator", sort=False):
        where = ", ".join(f"{a} in {y}" for a, y in part[["agb", "year"]].itertuples(index=False))
        parts.append((first_row[indicator], f"{indicator} (missing for {where})"))
    parts.sort()
    listed = "; ".join(text for _, text in parts[:LISTED])
    more = f"; and {len(parts) - LISTED} more indicators" if len(parts) > LISTED else ""
    return [Problem(
        file, f"{len(parts)} indicator(s) present for some practices or years and missing for "
        f"others: {listed}{more}", row=parts[0][0], field="indicator", severity="warning",
        hint="add the missing rows if the Praktijkspiegel shows them; if a practice's mirror "
             "really lacks an indicator, its handout shows that indicator without it")]
