"""Overdispersion-adjusted funnel limits (Spiegelhalter 2005), ported from FunnelPlotR 0.6.0.

:func:`overdispersed_funnel` estimates the between-unit spread (phi, tau2) from many units
and gives each its limits and flags, exactly as FunnelPlotR does;
:func:`overdispersed_ratio_limits` gives the log-scale (SHMI) limits at any expected count
for a tau2 estimated elsewhere (for example a national spread from the catalogue).
Tested against values computed by FunnelPlotR itself: ``tests/test_funnelplotr.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm, rankdata

from spiegelkit.stats._common import _choose, _reject, _vectorise, _z

# FunnelPlotR hard-codes the normal quantiles to 6 decimals (1.959964, 3.090232).
_Z95 = round(float(norm.ppf(0.975)), 6)
_Z998 = round(float(norm.ppf(0.999)), 6)
_LEVELS = (("95", _Z95, 0.025), ("998", _Z998, 0.001))


def overdispersed_funnel(observed, size, statistic, *, transform=None, trim=0.1) -> pd.DataFrame:
    """Funnel-plot limits with additive (random-effects) overdispersion adjustment.

    Follows Spiegelhalter DJ (2005), "Handling over-dispersion of performance
    indicators", Qual Saf Health Care 14:347-351, as implemented in the R package
    FunnelPlotR 0.6.0 (Mainey et al., nhs-r-community/FunnelPlotR, commit 9020d49).

    Parameters
    ----------
    observed : array-like
        Numerator (events, register count) or observed count per unit.
    size : array-like
        ``statistic="proportion"``: the denominator.
        ``statistic="ratio"``: the expected count E (the centre line is O/E = 1).
        FunnelPlotR rounds E to 2 decimals for its SHMI method by default
        (``SHMI_rounding``); this function does not: round E first to mimic that.
    statistic : {"proportion", "ratio"}
    transform : str, optional
        Proportions: ``"arcsine"`` (the only choice, default). y = asin(sqrt(p)),
        s = 1/(2 sqrt(n)), centre = asin(sqrt(pooled proportion)); z-scores are
        winsorised at the ``trim`` and ``1 - trim`` quantiles (R type 7).
        Ratios: ``"log"`` (default; FunnelPlotR ``sr_method="SHMI"``):
        z = sqrt(E) log(O/E), s = 1/sqrt(E), and units whose z-score falls in the
        outer groups of ``1/trim`` rank groups are dropped (truncation, which also
        lowers n); or ``"sqrt"`` (``sr_method="CQC"``): y = sqrt(O/E),
        s = 1/(2 sqrt(E)), winsorised.
    trim : float
        Fraction winsorised or truncated at each end (FunnelPlotR ``trim_by``).

    Method
    ------
    phi = mean of the squared winsorised/truncated z-scores over the n units used;
    tau2 = DerSimonian-Laird, ``(n phi - (n-1)) / (sum w - sum w^2 / sum w)``,
    w = 1/s^2 over the same units, and 0 when n phi < n - 1. Adjusted limits are
    centre -/+ z sqrt(s^2 + tau2) on the transformed scale, back-transformed
    (proportions: sin^2, clipped at 0 and 1, plus FunnelPlotR's monotonicity fix
    evaluated on its own 1000-point lookup grid; log: exp). When phi <= 1 the
    plain limits are used, as FunnelPlotR does; tau2 is still reported (it can
    be > 0 for (n-1)/n <= phi <= 1).

    Plain limits: proportions use the same formula with tau2 = 0; ratios use
    FunnelPlotR's Poisson limits, chi2 quantiles with 2E and 2(E+1) df divided
    by 2E (for both transforms).

    Deviation from FunnelPlotR: for ``transform="sqrt"`` FunnelPlotR 0.6.0
    returns 1 -/+ z sqrt(s^2 + tau2), i.e. limits still on the square-root scale
    (FunnelPlotR issue #33). Here they are squared back to the ratio scale,
    ``max(0, limit)**2``; the square root of these limits equals FunnelPlotR's
    values wherever FunnelPlotR's limit is >= 0.

    Returns
    -------
    DataFrame, one row per unit in input order (a Series' index kept): z (unadjusted z-score), phi,
    tau2, adjusted (bool), lower_95, upper_95, lower_998, upper_998 (limits in
    use, on the proportion or ratio scale), plain_lower_95 ... plain_upper_998,
    flag_95, flag_998 (-1 below, 0 within, +1 above the limits in use; a value
    exactly on a limit is within).
    """
    o, e, shape = _checked(observed, size, statistic, trim)
    z, s, centre, transform, phi, tau2 = _estimate(o, e, statistic, transform, trim)
    adjusted = phi > 1

    index = shape.index if shape.index is not None else pd.RangeIndex(o.size)
    out = pd.DataFrame({"z": z, "phi": phi, "tau2": tau2, "adjusted": adjusted}, index=index)
    rr = o / e
    for name, zq, alpha in _LEVELS:
        if statistic == "proportion":
            od = _proportion_limits(e, centre, zq, tau2)
            plain = _proportion_limits(e, centre, zq, 0.0)
        else:
            plain = (chi2.ppf(alpha, 2 * e) / (2 * e), chi2.isf(alpha, 2 * (e + 1)) / (2 * e))
            half = zq * np.sqrt(s**2 + tau2)
            if transform == "log":
                od = (np.exp(-half), np.exp(half))
            else:
                od = (np.maximum(0.0, 1 - half) ** 2, (1 + half) ** 2)
        lower, upper = od if adjusted else plain
        out[f"lower_{name}"], out[f"upper_{name}"] = lower, upper
        out[f"plain_lower_{name}"], out[f"plain_upper_{name}"] = plain
    for name, _, _ in _LEVELS:
        out[f"flag_{name}"] = np.where(rr < out[f"lower_{name}"], -1,
                                       np.where(rr > out[f"upper_{name}"], 1, 0))
    cols = ["z", "phi", "tau2", "adjusted", "lower_95", "upper_95", "lower_998", "upper_998",
            "plain_lower_95", "plain_upper_95", "plain_lower_998", "plain_upper_998",
            "flag_95", "flag_998"]
    return out[cols]


def overdispersion(observed, size, statistic, *, transform=None, trim=0.1) -> tuple[float, float]:
    """The spread between units alone: ``(phi, tau2)`` exactly as :func:`overdispersed_funnel`
    estimates them, without each unit's limits and flags (what a region's spread per
    indicator needs: 190 funnels per data folder, where the limits took most of the time).
    Parameters as for :func:`overdispersed_funnel`."""
    o, e, _ = _checked(observed, size, statistic, trim)
    *_, phi, tau2 = _estimate(o, e, statistic, transform, trim)
    return phi, tau2


def _checked(observed, size, statistic, trim):
    """Observed and size as 1-d float arrays (and their shape), or a ValueError naming the
    first bad value."""
    a, shape = _vectorise(observed=observed, size=size)
    o, e = np.atleast_1d(a["observed"]), np.atleast_1d(a["size"])
    if o.ndim != 1:
        raise ValueError("observed and size must be 1-d arrays of equal length")
    _choose("statistic", statistic, ("proportion", "ratio"))
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be a fraction from 0 to 0.5, such as 0.1 (got {trim!r})")
    _reject(np.isnan(o) | np.isnan(e), "observed and size must not be missing",
            "missing value", shape)
    _reject(o < 0, "observed must not be negative", "{:g}", shape, o)
    _reject(e <= 0, "size must be greater than zero", "{:g}", shape, e)
    if statistic == "proportion":
        _reject(o > e, "observed must not exceed the denominator for a proportion",
                "{:g} > {:g}", shape, o, e)
    return o, e, shape


def _estimate(o, e, statistic, transform, trim):
    """z-scores, their standard errors, the centre and transform used, phi and tau2."""
    if statistic == "proportion":
        transform = transform or "arcsine"
        if transform != "arcsine":
            raise ValueError("proportions support transform='arcsine' only")
        centre = np.arcsin(np.sqrt(o.sum() / e.sum()))
        y, s = np.arcsin(np.sqrt(o / e)), 1 / (2 * np.sqrt(e))
        z = (y - centre) / s
    elif statistic == "ratio":
        transform = transform or "log"
        with np.errstate(divide="ignore"):
            if transform == "log":
                centre, s = 0.0, 1 / np.sqrt(e)
                z = np.sqrt(e) * np.log(o / e)
            elif transform == "sqrt":
                centre, s = 1.0, 1 / (2 * np.sqrt(e))
                z = (np.sqrt(o / e) - centre) / s
            else:
                raise ValueError("ratios support transform='log' or 'sqrt'")
    else:
        raise ValueError("statistic must be 'proportion' or 'ratio'")

    z_used, s_used = (_truncate(z, s, trim) if transform == "log" else (_winsorise(z, trim), s))
    n = z_used.size
    phi = float(np.sum(z_used**2) / n)
    tau2 = _dersimonian_laird(n, phi, s_used)
    return z, s, centre, transform, phi, tau2


def overdispersed_ratio_limits(expected, tau2, confidence: float = 0.95):
    """Log-scale (FunnelPlotR "SHMI") funnel limits around a ratio of 1 for a given tau2.

    ``exp(-/+ z sqrt(1/E + tau2))``: the limits of :func:`overdispersed_funnel` with
    ``statistic="ratio", transform="log"`` when tau2 comes from elsewhere, such as a
    national between-practice spread (tau2 = sd^2 of the log ratio between practices).
    z is FunnelPlotR's 1.959964 at 95% and 3.090232 at 99.8%, ``norm.ppf`` otherwise.
    With ``tau2 = 0`` these are the normal approximation on the log scale, not the
    chi-square Poisson limits that :func:`overdispersed_funnel` uses when phi <= 1.

    Parameters
    ----------
    expected : scalar, array or Series
        Expected count E (> 0) at which to give the limits.
    tau2 : float (or array)
        Between-unit variance of the log ratio, >= 0.
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper) on the ratio scale, in the shape of ``expected``.
    """
    zq = {0.95: _Z95, 0.998: _Z998}.get(confidence) or _z(confidence)
    a, shape = _vectorise(expected=expected, tau2=tau2)
    e, t = a["expected"], a["tau2"]
    _reject(~(e > 0), "expected must be greater than zero", "{:g}", shape, e)
    _reject(~(t >= 0), "tau2 must not be negative", "{:g}", shape, t)
    half = zq * np.sqrt(1 / e + t)
    return shape.wrap(np.exp(-half), "lower"), shape.wrap(np.exp(half), "upper")


def _winsorise(z, trim):
    """Clamp z to its trim and 1-trim quantiles (R quantile type 7 = numpy 'linear')."""
    lo, hi = np.quantile(z, [trim, 1 - trim])
    return np.clip(z, lo, hi)


def _truncate(z, s, trim):
    """FunnelPlotR/NHS Digital SHMI truncation: keep rank groups 1 .. k-2 of k = 1/trim."""
    k = 1 / trim
    group = np.floor(rankdata(z, method="average") * k / (z.size + 1))
    keep = (group > 0) & (group < k - 1)
    return z[keep], s[keep]


def _dersimonian_laird(n, phi, s):
    if s.size == 0 or n * phi < n - 1:
        return 0.0
    w = 1 / s**2
    return max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))


def _proportion_limits(size, centre, zq, tau2):
    """sin^2(centre -/+ zq sqrt(s^2 + tau2)), with FunnelPlotR's fix for the
    non-monotonic back-transform, which compares each point with the next one
    on its lookup grid: seq(3, ceiling(max n), length 1000) merged with the sizes."""
    grid = np.unique(np.concatenate([np.linspace(3, np.ceil(size.max()), 1000), size]))
    half = zq * np.sqrt(1 / (4 * grid) + tau2)
    lower = np.clip(np.sin(centre - half) ** 2, 0, 1)
    upper = np.clip(np.sin(centre + half) ** 2, 0, 1)
    lower[:-1] = np.where(lower[:-1] > lower[1:], 0.0, lower[:-1])
    upper[:-1] = np.where(upper[:-1] < upper[1:], 1.0, upper[:-1])
    at = np.searchsorted(grid, size)
    return lower[at], upper[at]
