"""Standardised ratios and rates: indirect (SR, cost ratio) and direct (Dobson DSR)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from spiegelkit.stats._common import _vectorise, _reject, _z, _choose, SMALL_NUMBERS_THRESHOLD, COST_CV_DEFAULT
from spiegelkit.stats.intervals import _POISSON_LIMITS, _byar_limits, _poisson_limits



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


def indirectly_standardised_expected(population: pd.DataFrame, rates: pd.DataFrame, by: list[str],
                                     strata: list[str], persons: str = "patients",
                                     missing: str = "raise") -> pd.DataFrame:
    """Expected events (or euros) by indirect standardisation: per unit, the sum over the
    strata of its persons in the stratum times the reference rate of that stratum.

    Parameters
    ----------
    population : DataFrame with the unit's keys, the `strata` columns and `persons`.
    rates : DataFrame with the `strata` columns, ``rate``, and any further key (e.g. the
        indicator) that the result is also split by.
    by : the columns of a unit in the result, e.g. ``["agb", "year", "indicator"]``.
    strata : the columns joined on, e.g. ``["year", "age_band", "sex"]``: by key, never by
        row order.

    Returns
    -------
    DataFrame with `by`, ``expected`` and `persons` (summed). A stratum of the population
    without a rate raises ValueError naming it (``missing="raise"``) or is left out
    (``missing="drop"``: e.g. years for which the source gives the expected value itself).
    """
    _choose("missing", missing, ("raise", "drop"))
    joined = population.merge(rates, on=strata, how="left" if missing == "raise" else "inner")
    absent = joined.loc[joined["rate"].isna(), strata].drop_duplicates()
    if len(absent):
        raise ValueError("the reference rates lack " + ", ".join(
            " ".join(row) for row in absent.astype(str).itertuples(index=False)))
    joined["expected"] = joined[persons].astype(float) * joined["rate"].astype(float)
    return joined.groupby(by, as_index=False).agg(
        expected=("expected", "sum"), **{persons: (persons, "sum")})
