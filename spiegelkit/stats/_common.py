"""Shared by every method: constants, and one shape for all inputs (Series joined by label)."""

from __future__ import annotations

import difflib
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

SMALL_NUMBERS_THRESHOLD = 10
"""Counts below this are small numbers: exact Poisson limits, no verdict (PHE practice)."""

OUTER_CONFIDENCE = 0.998
"""The second, wider interval of the Fingertips 5-band comparison (about 3 standard errors)."""

MIN_UNITS_FOR_OVERDISPERSION = 20
"""Fewest units (practices) from which overdispersion may be estimated."""

COST_CV_DEFAULT = 3.0
"""Assumed coefficient of variation of annual cost per person; see :func:`standardised_cost_ratio`."""

WILSON_METHOD = "Wilson score"
POISSON_METHODS = {"exact": "exact Poisson (Garwood)", "byar": "Byar"}
"""Interval methods for counts, by the name ``method`` takes; "auto" picks one per count."""
DSR_METHOD = "Dobson, Byar limits for the total count"
COST_METHOD = "normal approximation, CV {cv}"
REST_OF_GROUP_METHOD = "exact conditional binomial test, Clopper-Pearson interval"

POLARITIES = {
    "high_is_good": {"higher": "better", "lower": "worse"},
    "low_is_good": {"higher": "worse", "lower": "better"},
    "no_judgement": {"higher": None, "lower": None},
}
"""What a significantly higher or lower value means under each polarity."""

SIGNIFICANCE_CODES = ("higher_998", "higher_95", "similar", "lower_95", "lower_998",
                      "small_numbers", "not_calculated")
"""Codes of :func:`significance_band` at the default levels (95% and 99.8%)."""

# -------------------------------------------------------------------------------------------
# Input handling: one shape for all inputs, Series joined by index label.

class _Shape(NamedTuple):
    """How the caller's input was shaped, so results come back in the same shape."""

    index: pd.Index | None
    scalar: bool

    def wrap(self, values, name: str | None = None):
        values = np.asarray(values)
        if self.scalar:
            return values.item()
        if self.index is not None:
            return pd.Series(values, index=self.index, name=name)
        return values

    def row(self, position: int):
        return self.index[position] if self.index is not None else position


def _vectorise(**inputs) -> tuple[dict[str, np.ndarray], _Shape]:
    """Float arrays of one broadcast shape; Series are aligned on the first Series' index."""
    index = next((v.index for v in inputs.values() if isinstance(v, pd.Series)), None)
    arrays = {}
    for name, value in inputs.items():
        if isinstance(value, pd.Series):
            if not value.index.equals(index):
                if not (index.is_unique and value.index.is_unique):
                    raise ValueError(f"{name} has repeated index labels; give each row one label")
                missing, extra = index.difference(value.index), value.index.difference(index)
                if len(missing) or len(extra):
                    raise ValueError(f"{name} does not have the same index labels as the other "
                                     f"inputs (missing: {list(missing)[:5]}, "
                                     f"extra: {list(extra)[:5]})")
                value = value.reindex(index)
            value = value.to_numpy(dtype=float, na_value=np.nan)
        arrays[name] = np.asarray(value, dtype=float)
    try:
        broadcast = np.broadcast_arrays(*arrays.values())
    except ValueError:
        sizes = ", ".join(f"{n} {np.size(a)}" for n, a in arrays.items())
        raise ValueError(f"inputs must have the same length ({sizes})") from None
    scalar = all(np.ndim(v) == 0 for v in inputs.values())
    return dict(zip(arrays, broadcast)), _Shape(index, scalar)


def _reject(bad, rule: str, detail: str, shape: _Shape, *values) -> None:
    """Raise ValueError stating `rule`, naming the first row where `bad` holds."""
    bad = np.ravel(bad)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    text = detail.format(*(np.ravel(v)[first] for v in values))
    where = "" if shape.scalar else f"row {shape.row(first)}: "
    more = f"; {int(bad.sum())} rows in all" if bad.sum() > 1 else ""
    raise ValueError(f"{rule} ({where}{text}{more})")


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level given as a proportion."""
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ValueError(f"confidence must be a proportion between 0 and 1, such as 0.95 "
                         f"(got {confidence!r})")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _choose(name: str, value, options) -> None:
    """Accept only an exact option name; say which ones exist and the closest match."""
    if value in options:
        return
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{name} must be one of {', '.join(map(repr, options))} "
                     f"(got {value!r}){hint}")


def _level_tag(confidence: float) -> str:
    """0.95 -> '95', 0.998 -> '998': the level as used in significance codes."""
    return f"{confidence * 100:g}".replace(".", "")
