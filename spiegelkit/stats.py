"""Statistics a statistician can audit: intervals, standardised ratios, significance, funnels.

One function per method, named for what it computes. Every function takes scalars, numpy
arrays or pandas Series (a Series keeps its index; several Series are joined by index label,
never by position) and checks its input in plain language before computing anything.

Which method when (the defaults follow PHE Fingertips and PHEindicatormethods):

============================  =================================================================
statistic                     method
============================  =================================================================
proportion                    Wilson score interval (:func:`wilson_interval`)
count, standardised ratio     exact Poisson (Garwood, chi-square) below 10 events, Byar's
                              approximation from 10 events (:func:`poisson_interval`,
                              :func:`standardised_ratio`)
euro amounts (costs)          normal approximation of a total of independent per-person
                              costs with an assumed coefficient of variation
                              (:func:`standardised_cost_ratio`)
directly standardised rate    Dobson's method with Byar's limits (:func:`directly_standardised_rate`)
against the national value    where the target falls against the 95% and 99.8% intervals
                              (:func:`significance_band`)
funnel plot limits            exact binomial/Poisson with Spiegelhalter's interpolation, or the
                              normal approximation (:func:`funnel_limits`); random-effects
                              overdispersion (:func:`overdispersion_adjusted_limits`)
within the group              Pearson chi-square homogeneity test (:func:`group_heterogeneity`);
                              each practice against the rest, exact conditional binomial test
                              (:func:`differs_from_rest_of_group`)
============================  =================================================================

Counts below :data:`SMALL_NUMBERS_THRESHOLD` (10) are flagged as small numbers and get no
verdict. Significance wording is neutral Dutch ("hoger dan verwacht"); words that judge
("gunstiger") appear only when asked for, and never words like "slecht".
"""

from __future__ import annotations

import difflib
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "COST_CV_DEFAULT", "DSR_METHOD", "FUNNEL_METHODS", "MIN_UNITS_FOR_OVERDISPERSION",
    "OUTER_CONFIDENCE", "POISSON_METHODS", "POLARITIES", "SIGNIFICANCE_CODES",
    "SMALL_NUMBERS_THRESHOLD", "WILSON_METHOD",
    "HeterogeneityTest", "compare_with_expected", "differs_from_rest_of_group",
    "directly_standardised_rate", "funnel_limits", "group_heterogeneity",
    "overdispersion_adjusted_limits", "poisson_interval", "significance_band",
    "significance_judgement", "significance_wording", "standardised_cost_ratio",
    "standardised_ratio", "wilson_interval",
]

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
HETEROGENEITY_METHOD = "Pearson chi-square test of homogeneity of standardised ratios"
REST_OF_GROUP_METHOD = "exact conditional binomial test, Clopper-Pearson interval"
OVERDISPERSION_METHOD = ("Spiegelhalter random-effects overdispersion, "
                         "{trim:.0%} winsorised z-scores")

POLARITIES = {
    "high_is_good": {"higher": "better", "lower": "worse"},
    "low_is_good": {"higher": "worse", "lower": "better"},
    "no_judgement": {"higher": None, "lower": None},
}
"""What a significantly higher or lower value means under each polarity."""

SIGNIFICANCE_CODES = ("higher_998", "higher_95", "similar", "lower_95", "lower_998",
                      "small_numbers", "not_calculated")
"""Codes of :func:`significance_band` at the default levels (95% and 99.8%)."""

_WORDS_NL = {
    "higher": "hoger dan verwacht",
    "lower": "lager dan verwacht",
    "better": "gunstiger dan verwacht",
    "worse": "ongunstiger dan verwacht",
    "similar": "vergelijkbaar met verwacht",
    "not_judged": "verschilt van verwacht",
    "small_numbers": "te kleine aantallen voor een uitspraak",
    "not_calculated": "niet berekend",
}
_STRONGLY_NL = "duidelijk "


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


# -------------------------------------------------------------------------------------------
# 1. Intervals for proportions and counts

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


# -------------------------------------------------------------------------------------------
# 2. Standardised ratios and rates

def standardised_ratio(observed, expected, confidence: float = 0.95, method: str = "auto"):
    """Indirectly standardised ratio (observed / expected) with a Poisson interval.

    Parameters
    ----------
    observed : scalar, array or Series
        Observed number of events (or of patients with at least one event), ``>= 0``.
    expected : scalar, array or Series
        Expected number from indirect standardisation, ``> 0``.
    confidence : float, default 0.95
        Confidence level as a proportion.
    method : {"auto", "exact", "byar"}, default "auto"
        Interval for the observed count, see :func:`poisson_interval`.

    Returns
    -------
    ratio, lower, upper
        ``ratio = observed / expected`` (1.0 = as expected) and its limits
        ``poisson_interval(observed) / expected``. The expected count is treated as known
        without error (a national reference).

    Notes
    -----
    As PHEindicatormethods ``calculate_ISRatio``: exact limits below 10 observed events,
    Byar's from 10.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC; 1987.
    Armitage P, Berry G, Matthews JNS. Statistical methods in medical research, 4th ed.
    Oxford: Blackwell; 2002.
    """
    _choose("method", method, ("auto", *_POISSON_LIMITS))
    a, shape = _vectorise(observed=observed, expected=expected)
    o, e = a["observed"], a["expected"]
    _reject(o < 0, "observed must not be negative", "{:g}", shape, o)
    _reject(e <= 0, "expected must be greater than zero", "{:g}", shape, e)
    lower, upper, _ = _poisson_limits(o, confidence, method)
    return (shape.wrap(o / e, "ratio"), shape.wrap(lower / e, "lower"),
            shape.wrap(upper / e, "upper"))


def standardised_cost_ratio(observed, expected, persons, confidence: float = 0.95,
                            cost_cv: float = COST_CV_DEFAULT):
    """Standardised ratio of euro amounts (observed / expected cost) with an interval.

    Costs are not counts, so Poisson limits do not apply. The observed cost is treated as
    the total of ``persons`` independent annual costs per person whose coefficient of
    variation (standard deviation / mean) is ``cost_cv``. By the central limit theorem
    the total is approximately normal with standard error ``cost_cv * observed /
    sqrt(persons)``, so::

        ratio = observed / expected
        limits = ratio * (1 -/+ z * cost_cv / sqrt(persons)),  lower limit clipped at 0

    Parameters
    ----------
    observed : scalar, array or Series
        Observed cost in euros, ``>= 0``.
    expected : scalar, array or Series
        Expected cost in euros from indirect standardisation, ``> 0``.
    persons : scalar, array or Series
        Number of persons (or person-years) whose costs make up the total, ``> 0``.
    confidence : float, default 0.95
        Confidence level as a proportion.
    cost_cv : float, default :data:`COST_CV_DEFAULT` (3.0)
        Assumed coefficient of variation of the annual cost per person.

    Returns
    -------
    ratio, lower, upper
        The method label is ``"normal approximation, CV <cost_cv>"``.

    Notes
    -----
    The default CV of 3.0 is an assumption, not an estimate from Vektis data. Annual
    health-care costs per person are strongly right-skewed: many people have little or no
    cost, a few have very high cost. Coefficients of variation of roughly 2 to 4 are usual
    for total annual costs per insured person, lower (about 1 to 2) for GP care alone; a
    log-normal distribution with CV 3 has a log-scale standard deviation of
    ``sqrt(ln(1 + 3^2)) = 1.52``. The default sits in that range and errs towards wider
    intervals for the less skewed domains. The indicator catalogue sets a CV per cost
    indicator (``cost_cv`` in ``spiegelkit/data/indicators.yaml``, from 1.5 for GP care to 10
    for mental-health care, each with its basis). When per-person cost data are available,
    use their own standard deviation / mean.

    The interval ignores uncertainty in the expected cost and any clustering of costs
    within households. With few persons the normal approximation understates the upper
    limit of right-skewed costs; treat intervals for fewer than a few hundred persons as
    rough.

    References
    ----------
    Thompson SG, Barber JA. How should cost data in pragmatic randomised trials be analysed?
    BMJ 2000;320:1197-1200.
    Barber JA, Thompson SG. Analysis of cost data in randomized trials: an application of the
    non-parametric bootstrap. Stat Med 2000;19:3219-3236.
    """
    z = _z(confidence)
    if not (isinstance(cost_cv, (int, float)) and cost_cv > 0):
        raise ValueError(f"cost_cv must be a positive number, such as 3.0 (got {cost_cv!r})")
    a, shape = _vectorise(observed=observed, expected=expected, persons=persons)
    o, e, n = a["observed"], a["expected"], a["persons"]
    _reject(o < 0, "observed cost must not be negative", "{:g}", shape, o)
    _reject(e <= 0, "expected cost must be greater than zero", "{:g}", shape, e)
    _reject(n <= 0, "persons must be greater than zero", "{:g}", shape, n)
    ratio = o / e
    margin = z * cost_cv / np.sqrt(n)
    return (shape.wrap(ratio, "ratio"), shape.wrap(np.maximum(ratio * (1 - margin), 0), "lower"),
            shape.wrap(ratio * (1 + margin), "upper"))


def directly_standardised_rate(events, population, standard_population,
                               confidence: float = 0.95, multiplier: float = 100000):
    """Directly standardised rate of one population, with Dobson's confidence interval.

    Parameters
    ----------
    events : array or Series
        Events per stratum (for example age band x sex), ``>= 0``.
    population : array or Series
        Population per stratum, ``> 0``.
    standard_population : array or Series
        Standard population per stratum (weights), ``>= 0``. When all three are Series they
        are joined by index label (the stratum key), so row order does not matter.
    confidence : float, default 0.95
        Confidence level as a proportion.
    multiplier : float, default 100000
        Scale of the rate (100000 = per 100,000).

    Returns
    -------
    rate, lower, upper : float
        NaN for all three, with a warning, when the total number of events is below
        :data:`SMALL_NUMBERS_THRESHOLD` (10): Dobson's method is then unreliable and PHE does
        not publish the rate.

    Notes
    -----
    With weights ``w`` (standard population), events ``x`` and population ``n`` per
    stratum, and ``O`` the total events::

        rate = sum(w x / n) / sum(w)
        var  = sum(w^2 x / n^2) / sum(w)^2
        limits = rate + sqrt(var / O) * (O_limit - O)

    where ``O_limit`` are Byar's limits for ``O`` (:func:`poisson_interval`). Method label:
    :data:`DSR_METHOD`. As PHEindicatormethods ``calculate_dsr`` with independent events.

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-462.
    """
    z = _z(confidence)
    a, shape = _vectorise(events=events, population=population,
                          standard_population=standard_population)
    x, n, w = a["events"], a["population"], a["standard_population"]
    _reject(np.isnan(x) | np.isnan(n) | np.isnan(w),
            "events, population and standard_population must not be missing", "missing value",
            shape)
    _reject(x < 0, "events must not be negative", "{:g}", shape, x)
    _reject(n <= 0, "population must be greater than zero in every stratum; merge sparse "
            "strata first", "{:g}", shape, n)
    _reject(w < 0, "standard_population must not be negative", "{:g}", shape, w)
    if w.sum() <= 0:
        raise ValueError("standard_population must have a positive total")
    total = float(x.sum())
    if total < SMALL_NUMBERS_THRESHOLD:
        warnings.warn(f"directly standardised rate not calculated: {total:g} events in total, "
                      f"fewer than {SMALL_NUMBERS_THRESHOLD} (Dobson's method is unreliable)",
                      UserWarning, stacklevel=2)
        return np.nan, np.nan, np.nan
    rate = np.sum(w * x / n) / w.sum()
    variance = np.sum(w**2 * x / n**2) / w.sum() ** 2
    low_count, high_count = _byar_limits(np.array(total), z, confidence)
    scale = np.sqrt(variance / total)
    return (float(rate * multiplier), float((rate + scale * (low_count - total)) * multiplier),
            float((rate + scale * (high_count - total)) * multiplier))


# -------------------------------------------------------------------------------------------
# 3. Significance against the national value, with polarity

def significance_band(lower, upper, target: float = 1.0, confidence: float = 0.95, *,
                      lower_998=None, upper_998=None, small_numbers=None):
    """Where the target (national value) falls against a unit's confidence interval.

    The Fingertips comparison: a value is higher than the target when its whole interval
    lies above the target, lower when it lies below, similar when the interval contains the
    target. With only the interval at ``confidence`` there are 3 bands; given also the 99.8%
    interval (``lower_998``, ``upper_998``) there are 5.

    Parameters
    ----------
    lower, upper : scalar, array or Series
        Confidence limits at ``confidence``.
    target : float, default 1.0
        The value compared against (1.0 for standardised ratios, 100 for an index).
    confidence : float, default 0.95
        Level of ``lower``/``upper``; it names the codes (0.95 -> ``higher_95``).
    lower_998, upper_998 : scalar, array or Series, optional
        Limits at 99.8%; a value whose 99.8% interval excludes the target gets ``higher_998``
        or ``lower_998``.
    small_numbers : bool scalar, array or Series, optional
        True where the count is too small for a verdict: code ``small_numbers``.

    Returns
    -------
    codes
        ``higher_998``, ``higher_95``, ``similar``, ``lower_95``, ``lower_998``,
        ``small_numbers``, or ``not_calculated`` (missing limits). Neutral: they say nothing
        about good or bad; see :func:`significance_judgement` and :func:`significance_wording`.

    References
    ----------
    Public Health England. Fingertips public health technical guidance: comparisons with a
    benchmark using 95% and 99.8% confidence intervals.
    """
    _z(confidence)
    tag = _level_tag(confidence)
    given = dict(lower=lower, upper=upper, target=target)
    if (lower_998 is None) != (upper_998 is None):
        raise ValueError("give both lower_998 and upper_998, or neither")
    if lower_998 is not None:
        given.update(lower_998=lower_998, upper_998=upper_998)
    if small_numbers is not None:
        given.update(small_numbers=small_numbers)
    a, shape = _vectorise(**given)
    lo, hi, t = a["lower"], a["upper"], a["target"]
    codes = np.full(lo.shape, "similar", dtype=object)
    codes[lo > t] = f"higher_{tag}"
    codes[hi < t] = f"lower_{tag}"
    if lower_998 is not None:
        codes[a["lower_998"] > t] = "higher_998"
        codes[a["upper_998"] < t] = "lower_998"
    codes[np.isnan(lo) | np.isnan(hi) | np.isnan(t)] = "not_calculated"
    if small_numbers is not None:
        codes[a["small_numbers"] == 1] = "small_numbers"
    return shape.wrap(codes, "significance")


def _judge(code: str, polarity: str) -> str:
    direction, _, level = code.partition("_")
    if direction not in ("higher", "lower"):
        return code
    verdict = POLARITIES[polarity][direction]
    return f"{verdict}_{level}" if verdict else "not_judged"


def significance_judgement(codes, polarity: str):
    """Turn neutral significance codes into better/worse codes for an indicator's polarity.

    Parameters
    ----------
    codes : str, array or Series
        Codes from :func:`significance_band`.
    polarity : {"high_is_good", "low_is_good", "no_judgement"}
        From the indicator catalogue.

    Returns
    -------
    codes
        ``higher_95`` becomes ``better_95`` or ``worse_95`` (likewise ``_998``); under
        ``no_judgement`` a significant difference becomes ``not_judged``. ``similar``,
        ``small_numbers`` and ``not_calculated`` stay as they are.
    """
    _choose("polarity", polarity, tuple(POLARITIES))
    return _map_codes(codes, lambda c: _judge(c, polarity), "judgement")


def _words(code: str) -> str:
    direction, _, level = code.partition("_")
    if direction in ("higher", "lower", "better", "worse"):
        return (_STRONGLY_NL if level == "998" else "") + _WORDS_NL[direction]
    return _WORDS_NL[code]


def significance_wording(codes, polarity: str = "no_judgement", wording: str = "neutral"):
    """Dutch text for significance codes; neutral unless judging words are asked for.

    Parameters
    ----------
    codes : str, array or Series
        Codes from :func:`significance_band`.
    polarity : {"high_is_good", "low_is_good", "no_judgement"}, default "no_judgement"
        Only used with ``wording="judged"``.
    wording : {"neutral", "judged"}, default "neutral"
        ``"neutral"``: "hoger dan verwacht", "lager dan verwacht", "vergelijkbaar met
        verwacht", with "duidelijk" for the 99.8% level. ``"judged"`` (opt-in): "gunstiger
        dan verwacht" / "ongunstiger dan verwacht" for indicators with a polarity; indicators
        without one keep the neutral text.

    Returns
    -------
    text
        Dutch strings in the shape of ``codes``.
    """
    _choose("polarity", polarity, tuple(POLARITIES))
    _choose("wording", wording, ("neutral", "judged"))
    judged = wording == "judged" and polarity != "no_judgement"
    return _map_codes(codes, lambda c: _words(_judge(c, polarity) if judged else c),
                      "significance_nl")


def _map_codes(codes, translate, name):
    if isinstance(codes, str):
        return translate(codes)
    if isinstance(codes, pd.Series):
        return codes.map(translate).rename(name)
    return np.array([translate(c) for c in np.ravel(codes)], dtype=object).reshape(np.shape(codes))


# -------------------------------------------------------------------------------------------
# 4. Funnel plot limits

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
    :func:`overdispersion_adjusted_limits`. With a very small size the discreteness of
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


def _funnel_variance(target, statistic):
    return target * (1 - target) if statistic == "proportion" else target


def overdispersion_adjusted_limits(observed, size, target=None, confidence: float = 0.95,
                                   statistic: str = "proportion", trim: float = 0.1,
                                   at=None) -> pd.DataFrame:
    """Funnel limits widened for overdispersion between units (random-effects model).

    Real practices differ more than chance alone allows (case mix, coding, local services).
    Spiegelhalter's additive random-effects adjustment estimates that extra between-unit
    variance ``tau^2`` from the spread of all units and adds it to every unit's sampling
    variance. It needs a national distribution of practices: a group of 3 to 5 practices
    cannot estimate overdispersion, so fewer than :data:`MIN_UNITS_FOR_OVERDISPERSION` (20)
    units raise an error.

    Parameters
    ----------
    observed : array or Series
        Events (proportion: patients with the characteristic; ratio: observed events) of
        every unit in the national distribution.
    size : array or Series
        Denominators (proportion) or expected events (ratio) of the same units.
    target : float, optional
        The target; default the pooled value ``sum(observed) / sum(size)``.
    confidence : float, default 0.95
    statistic : {"proportion", "ratio"}, default "proportion"
    trim : float, default 0.1
        Fraction winsorised at each end of the z-scores before estimating the
        overdispersion (10%: z-scores beyond the 10th and 90th percentiles are set to those
        percentiles), so that outlying units do not inflate it.
    at : scalar, array or Series, optional
        Sizes at which to give the limits; default the units' own sizes.

    Returns
    -------
    DataFrame
        Columns ``size, target, lower, upper, phi, tau2, units, confidence, statistic,
        method``; ``phi`` is the overdispersion ratio (mean squared winsorised z-score) and
        ``tau2`` the between-unit variance (0 when ``units * phi <= units - 1``).

    Notes
    -----
    On the natural scale, with ``s_i = sqrt(V(target) / size_i)``, ``z_i = (y_i - target) /
    s_i`` and weights ``w_i = 1 / s_i^2``::

        phi  = mean(winsorised z^2)
        tau2 = max(0, (I phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w)))
        limits = target -/+ z_conf * sqrt(s^2 + tau2)

    Percentiles are linear interpolations between order statistics (numpy's default, R's
    type 7).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202.
    Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
    Care 2005;14:347-351.
    DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
    1986;7:177-188.
    """
    z = _z(confidence)
    _choose("statistic", statistic, tuple(FUNNEL_METHODS))
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be a fraction from 0 to 0.5, such as 0.1 (got {trim!r})")
    a, shape = _vectorise(observed=observed, size=size)
    o, n = a["observed"], a["size"]
    units = int(np.size(o))
    if units < MIN_UNITS_FOR_OVERDISPERSION:
        raise ValueError(f"overdispersion needs a national distribution of at least "
                         f"{MIN_UNITS_FOR_OVERDISPERSION} units (got {units}); a group of 3-5 "
                         f"practices cannot estimate overdispersion")
    _reject(np.isnan(o) | np.isnan(n), "observed and size must not be missing",
            "missing value", shape)
    _reject(o < 0, "observed must not be negative", "{:g}", shape, o)
    _reject(n <= 0, "size must be greater than zero", "{:g}", shape, n)
    if statistic == "proportion":
        _reject(o > n, "observed must not exceed the denominator", "{:g} > {:g}", shape, o, n)
    t = float(o.sum() / n.sum()) if target is None else float(target)
    variance = _funnel_variance(t, statistic)
    if variance <= 0:
        raise ValueError(f"the target {t:g} leaves no variation to compare (all or no events)")
    s = np.sqrt(variance / n)
    scores = (o / n - t) / s
    low, high = np.quantile(scores, [trim, 1 - trim])
    phi = float(np.mean(np.clip(scores, low, high) ** 2))
    w = 1 / s**2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))

    sizes, _, at_shape = (n, t, shape) if at is None else _funnel_inputs(at, t, statistic)
    margin = z * np.sqrt(variance / sizes + tau2)
    lower, upper = t - margin, t + margin
    upper = np.clip(upper, 0, 1) if statistic == "proportion" else upper
    return _funnel_frame(at_shape, dict(
        size=sizes, target=t, lower=np.maximum(lower, 0), upper=upper, phi=phi, tau2=tau2,
        units=units, confidence=confidence, statistic=statistic,
        method=OVERDISPERSION_METHOD.format(trim=trim)))


# -------------------------------------------------------------------------------------------
# 5. Within the group

class HeterogeneityTest(NamedTuple):
    """Result of :func:`group_heterogeneity`."""

    statistic: float
    df: int
    p_value: float
    method: str
    caveat: str


def group_heterogeneity(observed, expected) -> HeterogeneityTest:
    """Do the standardised ratios of the practices differ more than chance allows?

    Parameters
    ----------
    observed : array or Series
        Observed events per practice, ``>= 0``.
    expected : array or Series
        Expected events per practice from indirect standardisation, ``> 0``.

    Returns
    -------
    HeterogeneityTest
        ``statistic, df, p_value, method, caveat``. A small p-value says the practices'
        ratios differ more than Poisson chance would make them; it does not say which
        practice differs (see :func:`differs_from_rest_of_group`).

    Notes
    -----
    Under the hypothesis that all practices share one ratio ``R = sum(O) / sum(E)``, practice
    ``i`` expects ``R E_i`` events, and::

        X^2 = sum((O_i - R E_i)^2 / (R E_i)),  df = k - 1

    is referred to the chi-square distribution. The approximation is rough when some
    practice expects fewer than 5 events; the caveat then says so. Method label:
    ``"Pearson chi-square test of homogeneity of standardised ratios"``.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC; 1987,
    section 3.4 (test for homogeneity of SMRs).
    """
    a, shape = _vectorise(observed=observed, expected=expected)
    o, e = a["observed"], a["expected"]
    _reject(np.isnan(o) | np.isnan(e), "observed and expected must not be missing",
            "missing value", shape)
    _reject(o < 0, "observed must not be negative", "{:g}", shape, o)
    _reject(e <= 0, "expected must be greater than zero", "{:g}", shape, e)
    if np.size(o) < 2:
        raise ValueError("a heterogeneity test needs at least 2 practices")
    df = int(np.size(o)) - 1
    if o.sum() == 0:
        return HeterogeneityTest(np.nan, df, np.nan, HETEROGENEITY_METHOD,
                                 "no events in any practice: nothing to compare")
    fitted = e * o.sum() / e.sum()
    statistic = float(np.sum((o - fitted) ** 2 / fitted))
    caveats = []
    if (fitted < 5).any():
        caveats.append("some practices expect fewer than 5 events: the chi-square "
                       "approximation is rough")
    if (o < SMALL_NUMBERS_THRESHOLD).any():
        caveats.append(f"{int((o < SMALL_NUMBERS_THRESHOLD).sum())} practice(s) with fewer than "
                       f"{SMALL_NUMBERS_THRESHOLD} events")
    return HeterogeneityTest(statistic, df, float(stats.chi2.sf(statistic, df)),
                             HETEROGENEITY_METHOD, "; ".join(caveats))


def differs_from_rest_of_group(observed, expected, confidence: float = 0.95) -> pd.DataFrame:
    """Each practice's standardised ratio against the pooled ratio of the other practices.

    Parameters
    ----------
    observed : array or Series
        Observed events per practice, whole numbers ``>= 0``.
    expected : array or Series
        Expected events per practice, ``> 0``.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame, one row per practice (Series index kept)
        ``observed, expected, ratio`` (own O/E), ``rest_ratio`` (pooled O/E of the others),
        ``rate_ratio`` (ratio / rest_ratio) with ``lower, upper``, ``p_value``,
        ``small_numbers`` (observed below 10), ``significance`` (code of
        :func:`significance_band` for the rate ratio against 1), ``differs`` (True, False, or
        missing for small numbers), ``method``, ``confidence``.

    Notes
    -----
    Given the total ``N = O_i + O_rest``, the practice's count is binomial with probability
    ``pi = E_i r / (E_i r + E_rest)`` where ``r`` is the rate ratio. The p-value is the exact
    two-sided binomial test of ``pi0 = E_i / (E_i + E_rest)`` (scipy ``binomtest``, as R's
    ``poisson.test`` for two rates); the interval is the Clopper-Pearson interval for ``pi``
    turned into a rate ratio, ``r = pi / (1 - pi) * E_rest / E_i``. The verdict
    (``differs``) follows the interval; in rare borderline cases it can disagree with
    ``p_value < 1 - confidence``. Practices with fewer than 10 events get no verdict.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. IARC; 1987
    (comparison of two SMRs, conditional on their total).
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    """
    _z(confidence)
    a, shape = _vectorise(observed=observed, expected=expected)
    o, e = np.atleast_1d(a["observed"]), np.atleast_1d(a["expected"])
    _reject(np.isnan(o) | np.isnan(e), "observed and expected must not be missing",
            "missing value", shape)
    _reject(o < 0, "observed must not be negative", "{:g}", shape, o)
    _reject(o != np.round(o), "observed must be whole numbers of events", "{:g}", shape, o)
    _reject(e <= 0, "expected must be greater than zero", "{:g}", shape, e)
    if o.size < 2:
        raise ValueError("comparing with the rest of the group needs at least 2 practices")
    rest_o, rest_e = o.sum() - o, e.sum() - e
    total = (o + rest_o).astype(int)
    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_low = np.where(o > 0, stats.beta.ppf(tail, o, rest_o + 1), 0.0)
        pi_high = np.where(rest_o > 0, stats.beta.ppf(1 - tail, o + 1, rest_o), 1.0)
        odds = rest_e / e
        lower, upper = pi_low / (1 - pi_low) * odds, pi_high / (1 - pi_high) * odds
        ratio, rest_ratio = o / e, rest_o / rest_e
        rate_ratio = ratio / rest_ratio
    p_values = [stats.binomtest(int(k), int(m), float(p)).pvalue if m > 0 else np.nan
                for k, m, p in zip(o, total, e / (e + rest_e))]
    small = o < SMALL_NUMBERS_THRESHOLD
    codes = np.asarray(significance_band(lower, upper, 1.0, confidence, small_numbers=small),
                       dtype=object)
    differs = pd.array(np.where(small, None, codes != "similar"), dtype="boolean")
    index = shape.index if shape.index is not None else pd.RangeIndex(o.size)
    return pd.DataFrame({
        "observed": o, "expected": e, "ratio": ratio, "rest_ratio": rest_ratio,
        "rate_ratio": rate_ratio, "lower": lower, "upper": upper, "p_value": p_values,
        "small_numbers": small, "significance": codes, "differs": differs,
        "method": REST_OF_GROUP_METHOD, "confidence": confidence,
    }, index=index)


# -------------------------------------------------------------------------------------------
# 6. The table the group notebook calls

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
