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
                              (:func:`significance_band`; its Dutch words in
                              :func:`spiegelkit.dutch.significance_wording`)
funnel plot limits            exact binomial/Poisson with Spiegelhalter's interpolation, or the
                              normal approximation (:func:`funnel_limits`); random-effects
                              overdispersion (:func:`overdispersion_adjusted_limits`)
within the group              each practice against the rest, exact conditional binomial test
                              (:func:`differs_from_rest_of_group`; the talking points add the
                              spread between practices to it)
============================  =================================================================

Counts below :data:`SMALL_NUMBERS_THRESHOLD` (10) are flagged as small numbers and get no
verdict. Significance wording is neutral Dutch ("hoger dan verwacht"); words that judge
("gunstiger") appear only when asked for, and never words like "slecht".
"""

from spiegelkit.stats._common import (COST_CV_DEFAULT, DSR_METHOD, MIN_UNITS_FOR_OVERDISPERSION,
                                      OUTER_CONFIDENCE, POISSON_METHODS, POLARITIES,
                                      SIGNIFICANCE_CODES, SMALL_NUMBERS_THRESHOLD, WILSON_METHOD)
from spiegelkit.stats.funnels import FUNNEL_METHODS, funnel_limits
from spiegelkit.stats.overdispersion import (overdispersed_funnel, overdispersed_ratio_limits,
                                             overdispersion)
from spiegelkit.stats.group import differs_from_rest_of_group
from spiegelkit.stats.intervals import poisson_interval, wilson_interval
from spiegelkit.stats.ratios import (directly_standardised_rate, indirectly_standardised_expected,
                                     standardised_cost_ratio, standardised_ratio)
from spiegelkit.stats.significance import significance_band, significance_judgement

__all__ = [
    "COST_CV_DEFAULT", "DSR_METHOD", "FUNNEL_METHODS", "MIN_UNITS_FOR_OVERDISPERSION",
    "OUTER_CONFIDENCE", "POISSON_METHODS", "POLARITIES", "SIGNIFICANCE_CODES",
    "SMALL_NUMBERS_THRESHOLD", "WILSON_METHOD",
    "differs_from_rest_of_group", "directly_standardised_rate",
    "funnel_limits", "indirectly_standardised_expected",
    "overdispersed_funnel", "overdispersed_ratio_limits", "overdispersion", "poisson_interval",
    "significance_band", "significance_judgement", "standardised_cost_ratio",
    "standardised_ratio", "wilson_interval",
]
