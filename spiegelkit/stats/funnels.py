"""Funnel plot limits: exact with Spiegelhalter's interpolation, or normal (overdispersed: see
:mod:`spiegelkit.stats.overdispersion`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from spiegelkit.stats._common import _choose, _reject, _vectorise, _z


def _interpolated_quantile(distribution, p):
    """Spiegelhalter's continuous quantile of a discrete distribution: r_p - alpha."""
    r = distribution.ppf(p)
    at_r, below_r = distribution.cdf(r), distribution.cdf(r - 1)
    return r - (at_r - p) / (at_r - below_r)


def _exact_proportion_limits(size, target, tail):
    distribution = stats.binom(size, target)
    limits = [_interpolated_quantile(distribution, p) / size for p in (tail, 1 - tail)]
    return [np.clip(limit, 0, 1) for limit in limits]


def _normal_proportion_limits(size, target, tail):
    margin = stats.norm.ppf(1 - tail) * np.sqrt(target * (1 - target) / size)
    return np.clip(target - margin, 0, 1), np.clip(target + margin, 0, 1)


def _exact_ratio_limits(size, target, tail):
    distribution = stats.poisson(target * size)
    return [np.maximum(_interpolated_quantile(distribution, p) / size, 0)
            for p in (tail, 1 - tail)]


def _normal_ratio_limits(size, target, tail):
    margin = stats.norm.ppf(1 - tail) * np.sqrt(target / size)
    return np.maximum(target - margin, 0), target + margin


class _FunnelMethod(NamedTuple):
    limits: object
    description: str


FUNNEL_METHODS = {
    "proportion": {
        "exact": _FunnelMethod(_exact_proportion_limits,
                               "exact binomial, Spiegelhalter (2005) interpolation"),
        "normal": _FunnelMethod(_normal_proportion_limits,
                                "normal approximation (as PHE Fingertips)"),
    },
    "ratio": {
        "exact": _FunnelMethod(_exact_ratio_limits,
                               "exact Poisson, Spiegelhalter (2005) interpolation"),
        "normal": _FunnelMethod(_normal_ratio_limits, "normal approximation"),
    },
}
"""Funnel limit methods by statistic and method name, each with its description."""


def _funnel_inputs(size, target, statistic):
    a, shape = _vectorise(size=size, target=target)
    n, t = a["size"], a["target"]
    _reject(n <= 0, "size must be greater than zero", "{:g}", shape, n)
    if statistic == "proportion":
        _reject((t < 0) | (t > 1), "a target proportion must lie between 0 and 1", "{:g}",
                shape, t)
    else:
        _reject(t <= 0, "a target ratio must be greater than zero", "{:g}", shape, t)
    return n, t, shape


def _funnel_frame(shape, columns: dict) -> pd.DataFrame:
    index = shape.index if shape.index is not None else pd.RangeIndex(np.size(columns["size"]))
    return pd.DataFrame({k: np.ravel(np.broadcast_to(v, np.shape(columns["size"])))
                         for k, v in columns.items()}, index=index)


def funnel_limits(size, target, confidence: float = 0.95, statistic: str = "proportion",
                  method: str = "exact") -> pd.DataFrame:
    """Control limits of a funnel plot around a target, for units of the given sizes.

    Parameters
    ----------
    size : scalar, array or Series
        For ``statistic="proportion"`` the denominator (number of patients, whole numbers
        for the exact method); for ``statistic="ratio"`` the expected number of events.
    target : float (or array)
        The target proportion (for example the national proportion), or the target ratio
        (usually 1).
    confidence : float, default 0.95
        Two-sided level of the limits; draw 0.95 and 0.998 for the usual two funnels.
    statistic : {"proportion", "ratio"}, default "proportion"
    method : {"exact", "normal"}, default "exact"
        ``"exact"``: the ``p = (1 - confidence)/2`` and ``1 - p`` quantiles of the binomial
        (``size``, ``target``) or Poisson (``target * size``) distribution, made continuous
        by Spiegelhalter's interpolation: with ``r`` the smallest count whose cumulative
        probability ``F(r) >= p``, the limit count is ``r - (F(r) - p) / (F(r) - F(r-1))``,
        divided by ``size``. ``"normal"``: ``target -/+ z sqrt(V(target) / size)`` with
        ``V(p) = p(1-p)`` for proportions and ``V(t) = t`` for ratios; for proportions this
        equals the limits of PHE Fingertips / PHEindicatormethods (the proportions whose
        Wilson score interval just reaches the target).

    Returns
    -------
    DataFrame
        Columns ``size, target, lower, upper, confidence, statistic, method`` (method is a
        description from :data:`FUNNEL_METHODS`), one row per size, with the Series index if
        a Series was given. Limits are clipped to [0, 1] for proportions and at 0 for ratios.

    Notes
    -----
    The limits assume every unit has the target as its true value: they show how far units
    scatter by chance alone. Real institutions usually scatter more (overdispersion), see
    :func:`spiegelkit.stats.overdispersed_funnel`. With a very small size the discreteness of
    counts can put an exact limit on the wrong side of the target; no unit can be judged
    there.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202 (appendix: exact limits and their interpolation).
    """
    _z(confidence)
    _choose("statistic", statistic, tuple(FUNNEL_METHODS))
    _choose("method", method, tuple(FUNNEL_METHODS[statistic]))
    n, t, shape = _funnel_inputs(size, target, statistic)
    if statistic == "proportion" and method == "exact":
        _reject(n != np.round(n), "size must be whole numbers of patients for exact binomial "
                "limits", "{:g}", shape, n)
    chosen = FUNNEL_METHODS[statistic][method]
    lower, upper = chosen.limits(n, t, (1 - confidence) / 2)
    return _funnel_frame(shape, dict(size=n, target=t, lower=lower, upper=upper,
                                     confidence=confidence, statistic=statistic,
                                     method=chosen.description))
