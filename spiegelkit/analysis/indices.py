"""Each practice's figure against its expected value: index, intervals and significance.

The one table the group's comparison is made of; the methods themselves live in
:mod:`spiegelkit.stats`, their Dutch words in :mod:`spiegelkit.dutch`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiegelkit.dutch import significance_wording
from spiegelkit.stats._common import (COST_CV_DEFAULT, COST_METHOD, OUTER_CONFIDENCE, POISSON_METHODS,
                                      POLARITIES, SMALL_NUMBERS_THRESHOLD, _choose, _reject, _vectorise,
                                      _z)
from spiegelkit.stats.intervals import _poisson_methods
from spiegelkit.stats.overdispersion import overdispersed_ratio_limits
from spiegelkit.stats.ratios import standardised_cost_ratio, standardised_ratio
from spiegelkit.stats.significance import significance_band, significance_judgement


_STATISTICS = ("proportion", "rate", "cost")


def compare_with_expected(observed, expected, statistic, denominator=None,
                          polarity="no_judgement", confidence=0.95,
                          cost_cv: float | None = None) -> pd.DataFrame:
    """Each practice's figure against its expected value: index, intervals, significance.

    Parameters
    ----------
    observed : scalar, array or Series
        ``statistic="proportion"``: patients with at least one event; ``"rate"``: events;
        ``"cost"``: euros.
    expected : scalar, array or Series
        Expected value from indirect standardisation, same unit as ``observed``, ``> 0``.
    statistic : {"proportion", "rate", "cost"}
        Counts (proportion, rate) get :func:`standardised_ratio` with the ``"auto"`` method
        (exact Poisson below 10 events, Byar's from 10); costs get
        :func:`standardised_cost_ratio` with ``persons=denominator``.
    denominator : scalar, array or Series, optional
        Registered patients (or persons). Required for ``"cost"``; for ``"proportion"`` it is
        used to check that ``observed <= denominator``.
    polarity : {"high_is_good", "low_is_good", "no_judgement"}, default "no_judgement"
        Fills the ``judgement`` column; the Dutch text stays neutral.
    confidence : float, default 0.95
        Level of ``lower``/``upper``; the 99.8% interval is always added.
    cost_cv : float, optional
        Coefficient of variation of the annual cost per person, for ``"cost"`` only (the
        catalogue's ``cost_cv`` of the indicator); ``None`` means :data:`COST_CV_DEFAULT`.
        The ``method`` column names the value used.

    Returns
    -------
    DataFrame, one row per input element (Series index kept)
        ``index`` (ratio x 100; 100 = as expected), ``lower``, ``upper`` (at ``confidence``,
        x 100), ``lower_998``, ``upper_998`` (x 100), ``significance`` (code of
        :func:`significance_band` against 100), ``significance_nl`` (neutral Dutch text),
        ``small_numbers`` (observed count below 10; always False for costs), ``method``
        (e.g. ``"exact Poisson (Garwood)"``, ``"Byar"``, ``"normal approximation, CV 1.5"``),
        ``confidence``, and ``judgement`` (:func:`significance_judgement` for ``polarity``).
        Rows with missing observed or expected values get ``not_calculated``.
    """
    _choose("statistic", statistic, _STATISTICS)
    _choose("polarity", polarity, tuple(POLARITIES))
    _z(confidence)
    if statistic == "cost" and denominator is None:
        raise ValueError("statistic 'cost' needs the denominator (number of persons)")
    given = dict(observed=observed, expected=expected)
    if denominator is not None:
        given["denominator"] = denominator
    a, shape = _vectorise(**given)
    o, e = np.atleast_1d(a["observed"]), np.atleast_1d(a["expected"])
    if statistic == "proportion" and denominator is not None:
        d = np.atleast_1d(a["denominator"])
        _reject(o > d, "observed must not exceed the denominator for a proportion",
                "{:g} > {:g}", shape, o, d)

    if statistic == "cost":
        d = np.atleast_1d(a["denominator"])
        cv = COST_CV_DEFAULT if cost_cv is None else cost_cv
        ratio, lower, upper = standardised_cost_ratio(o, e, d, confidence, cv)
        _, lower_998, upper_998 = standardised_cost_ratio(o, e, d, OUTER_CONFIDENCE, cv)
        small = np.zeros(o.shape, dtype=bool)
        method = np.full(o.shape, COST_METHOD.format(cv=float(cv)), dtype=object)
    else:
        ratio, lower, upper = standardised_ratio(o, e, confidence)
        _, lower_998, upper_998 = standardised_ratio(o, e, OUTER_CONFIDENCE)
        small = o < SMALL_NUMBERS_THRESHOLD
        names = _poisson_methods(o, "auto")
        method = np.array([POISSON_METHODS[n] for n in names], dtype=object)
    missing = np.isnan(o) | np.isnan(e)
    method[missing] = None

    codes = significance_band(lower, upper, 1.0, confidence, lower_998=lower_998,
                              upper_998=upper_998, small_numbers=small & ~missing)
    index = shape.index if shape.index is not None else pd.RangeIndex(o.size)
    return pd.DataFrame({
        "index": ratio * 100, "lower": lower * 100, "upper": upper * 100,
        "lower_998": lower_998 * 100, "upper_998": upper_998 * 100,
        "significance": codes, "significance_nl": significance_wording(codes),
        "small_numbers": small & ~missing, "method": method, "confidence": confidence,
        "judgement": significance_judgement(codes, polarity),
    }, index=index)


def equivalent_count(statistic, expected, denominator, cost_cv=None):
    """The count whose Poisson variation equals the chance variation of a practice's index.

    For counts (proportion, rate) the expected count itself; for costs ``persons / cv^2``,
    since a total of ``n`` per-person costs with coefficient of variation ``cv`` has a
    relative variance of ``cv^2 / n``, as a Poisson count ``E`` has ``1 / E``. On this scale
    z = sqrt(E) log(index / 100) is the practice's z-score for every statistic, so that the
    between-practice spread of counts and costs is estimated and applied alike.
    """
    expected = np.asarray(expected, dtype=float)
    if statistic != "cost":
        return expected
    cv = np.asarray(COST_CV_DEFAULT if cost_cv is None else cost_cv, dtype=float)
    cv = np.where(np.isnan(cv), COST_CV_DEFAULT, cv)
    return np.asarray(denominator, dtype=float) / cv ** 2


def significance_against_spread(index, count, tau2, confidence=0.95, small_numbers=None):
    """Marks against funnel limits that allow for the real spread between practices.

    A practice is higher (lower) than expected when its index lies above (below) the
    overdispersion-adjusted limits around 100 at its size, ``100 exp(-/+ z sqrt(1/E + tau2))``
    (:func:`spiegelkit.stats.overdispersed_ratio_limits`, FunnelPlotR's log/SHMI method;
    ``E`` from :func:`equivalent_count`). Codes as :func:`significance_band`: at 99.8% too
    gives ``_998``; exactly on a limit is within.

    Returns
    -------
    DataFrame with ``significance`` and the limits in index units: ``limit_lower``,
    ``limit_upper`` (at ``confidence``), ``limit_lower_998``, ``limit_upper_998``.
    """
    index = np.asarray(index, dtype=float)
    count = np.asarray(count, dtype=float)
    tau2 = np.broadcast_to(np.asarray(tau2, dtype=float), index.shape)
    usable = (count > 0) & np.isfinite(tau2) & np.isfinite(index)
    safe_count = np.where(usable, count, 1.0)
    safe_tau2 = np.where(usable, tau2, 0.0)
    lower, upper = overdispersed_ratio_limits(safe_count, safe_tau2, confidence)
    lower_998, upper_998 = overdispersed_ratio_limits(safe_count, safe_tau2, OUTER_CONFIDENCE)
    limits = {name: np.where(usable, np.asarray(v) * 100, np.nan) for name, v in (
        ("limit_lower", lower), ("limit_upper", upper),
        ("limit_lower_998", lower_998), ("limit_upper_998", upper_998))}
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = significance_band(index / limits["limit_upper"], index / limits["limit_lower"], 1.0,
                                  confidence, lower_998=index / limits["limit_upper_998"],
                                  upper_998=index / limits["limit_lower_998"],
                                  small_numbers=small_numbers)
    return pd.DataFrame({"significance": codes, **limits})
