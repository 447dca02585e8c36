"""Within the group: each practice's ratio against the pooled ratio of the rest."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from spiegelkit.stats.significance import significance_band
from spiegelkit.stats._common import _vectorise, _reject, _z, SMALL_NUMBERS_THRESHOLD, REST_OF_GROUP_METHOD



def differs_from_rest_of_group(observed, expected, confidence: float = 0.95, groups=None,
                               p_values: bool = True) -> pd.DataFrame:
    """Each practice's standardised ratio against the pooled ratio of the other practices.

    Parameters
    ----------
    observed : array or Series
        Observed events per practice, whole numbers ``>= 0``.
    expected : array or Series
        Expected events per practice, ``> 0``.
    confidence : float, default 0.95
    groups : array, optional
        A label per practice: each practice is compared with the rest of its own group, so
        that many groups (a group's indicators, say) take one call. Default: one group.
    p_values : bool, default True
        False leaves out the exact test (``p_value`` missing), the slow part: the verdict
        comes from the interval and does not need it.

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
    labels = np.zeros(o.size, dtype=int) if groups is None else np.asarray(groups)
    if labels.shape != o.shape:
        raise ValueError("groups must give one label per practice")
    rest_o, rest_e = np.empty_like(o), np.empty_like(e)
    for label in dict.fromkeys(labels.tolist()):
        members = labels == label
        if members.sum() < 2:
            raise ValueError("comparing with the rest of the group needs at least 2 practices")
        rest_o[members] = o[members].sum() - o[members]
        rest_e[members] = e[members].sum() - e[members]
    total = (o + rest_o).astype(int)
    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_low = np.where(o > 0, stats.beta.ppf(tail, o, rest_o + 1), 0.0)
        pi_high = np.where(rest_o > 0, stats.beta.ppf(1 - tail, o + 1, rest_o), 1.0)
        odds = rest_e / e
        lower, upper = pi_low / (1 - pi_low) * odds, pi_high / (1 - pi_high) * odds
        ratio, rest_ratio = o / e, rest_o / rest_e
        rate_ratio = ratio / rest_ratio
    p_values = [stats.binomtest(int(k), int(m), float(p)).pvalue if m > 0 and p_values else np.nan
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
