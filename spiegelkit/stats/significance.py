"""Significance against the national value (Fingertips bands), and polarity."""

from __future__ import annotations


import numpy as np
import pandas as pd

from spiegelkit.stats._common import _vectorise, _z, _choose, _level_tag, POLARITIES



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


def _map_codes(codes, translate, name):
    if isinstance(codes, str):
        return translate(codes)
    if isinstance(codes, pd.Series):
        return codes.map(translate).rename(name)
    return np.array([translate(c) for c in np.ravel(codes)], dtype=object).reshape(np.shape(codes))
