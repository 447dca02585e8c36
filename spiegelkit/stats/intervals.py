"""Intervals for proportions and counts: Wilson, exact Poisson (Garwood), Byar."""

from __future__ import annotations


import numpy as np
from scipy import stats

from spiegelkit.stats._common import _vectorise, _reject, _z, _choose, SMALL_NUMBERS_THRESHOLD



def wilson_interval(events, denominator, confidence: float = 0.95):
    """Wilson score confidence interval for a proportion.

    Parameters
    ----------
    events : scalar, array or Series
        Number of cases with the characteristic (the numerator), ``0 <= events <= denominator``.
    denominator : scalar, array or Series
        Number of cases in the sample, ``> 0``.
    confidence : float, default 0.95
        Confidence level as a proportion.

    Returns
    -------
    lower, upper
        Confidence limits of the proportion ``events / denominator``, between 0 and 1, in the
        shape of the input (Series keep their index).

    Notes
    -----
    With ``z`` the two-sided standard normal quantile, ``x`` events and ``n`` cases::

        limits = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))

    The interval is the set of proportions ``p`` that a score test at this level does not
    reject; it behaves well for zero events (lower limit 0) and for ``events == denominator``
    (upper limit 1). This is the method of PHEindicatormethods ``phe_proportion`` and of
    PHE Fingertips for proportions. Method label: :data:`WILSON_METHOD`.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927;22:209-212.
    Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
    seven methods. Stat Med 1998;17:857-872.
    """
    z = _z(confidence)
    a, shape = _vectorise(events=events, denominator=denominator)
    x, n = a["events"], a["denominator"]
    _reject(x < 0, "events must not be negative", "{:g}", shape, x)
    _reject(n <= 0, "the denominator must be greater than zero", "{:g}", shape, n)
    _reject(x > n, "events must not exceed the denominator", "{:g} > {:g}", shape, x, n)
    with np.errstate(invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(np.maximum(z**2 + 4 * x * (1 - x / n), 0))
        lower = np.where(x == 0, 0.0, np.clip((centre - spread) / (2 * (n + z**2)), 0, 1))
        upper = np.where(x == n, 1.0, np.clip((centre + spread) / (2 * (n + z**2)), 0, 1))
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def _garwood_limits(x, z, confidence):
    """Exact Poisson limits: chi-square quantiles with 2x and 2x+2 degrees of freedom."""
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(tail, 2 * np.where(x > 0, x, 1)) / 2, 0.0)
        upper = stats.chi2.ppf(1 - tail, 2 * x + 2) / 2
    return np.where(np.isnan(x), np.nan, lower), upper


def _byar_limits(x, z, confidence):
    """Byar's cube-root approximation to the exact Poisson limits."""
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    lower = np.where(x > 0, np.maximum(lower, 0.0), 0.0)
    return np.where(np.isnan(x), np.nan, lower), upper


_POISSON_LIMITS = {"exact": _garwood_limits, "byar": _byar_limits}


def _poisson_methods(x, method: str) -> np.ndarray:
    """The interval method used for each count: 'exact' or 'byar'."""
    if method == "auto":
        return np.where(x < SMALL_NUMBERS_THRESHOLD, "exact", "byar")
    return np.full(np.shape(x), method)


def _poisson_limits(x, confidence, method):
    z = _z(confidence)
    chosen = _poisson_methods(x, method)
    lower, upper = np.full(np.shape(x), np.nan), np.full(np.shape(x), np.nan)
    for name, limits in _POISSON_LIMITS.items():
        use = chosen == name
        if use.any():
            lo, hi = limits(x, z, confidence)
            lower, upper = np.where(use, lo, lower), np.where(use, hi, upper)
    return lower, upper, chosen


def poisson_interval(events, confidence: float = 0.95, method: str = "auto"):
    """Confidence interval for a count of events assumed to follow a Poisson distribution.

    Parameters
    ----------
    events : scalar, array or Series
        Observed number of events, ``>= 0``.
    confidence : float, default 0.95
        Confidence level as a proportion.
    method : {"auto", "exact", "byar"}, default "auto"
        ``"exact"``: Garwood's exact limits from the chi-square distribution,
        ``chi2(a/2, 2x) / 2`` and ``chi2(1 - a/2, 2x + 2) / 2`` (lower limit 0 for 0 events).
        ``"byar"``: Byar's approximation,
        ``x (1 - 1/(9x) - z/(3 sqrt x))^3`` and
        ``(x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3``; within about 0.2% of the exact
        limits from 10 events at 95%. Where it would give a negative lower limit (very few
        events at high confidence) the limit is set to 0.
        ``"auto"``: exact below :data:`SMALL_NUMBERS_THRESHOLD` (10) events, Byar's from 10,
        as PHEindicatormethods ``calculate_ISRatio`` and Fingertips do.

    Returns
    -------
    lower, upper
        Confidence limits of the expected count. Labels of the methods:
        :data:`POISSON_METHODS`.

    References
    ----------
    Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC; 1987 (Byar's method).
    """
    _choose("method", method, ("auto", *_POISSON_LIMITS))
    a, shape = _vectorise(events=events)
    x = a["events"]
    _reject(x < 0, "events must not be negative", "{:g}", shape, x)
    lower, upper, _ = _poisson_limits(x, confidence, method)
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")
