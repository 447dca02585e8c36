"""Tests of spiegelkit.stats against independent sources.

Every expected number below comes from a source outside spiegelkit, named beside it:

[PHE-VIGNETTE]  PHEindicatormethods v1.0 vignette output (phe_proportion, phe_rate), repo
                ukhsa-collaboration/PHEindicatormethods, file
                inst/doc/IntroductiontoPHEindicatormethods.html, commit
                d7dcb0a1ce3a5fb2b59f94d525bd470872778176 (rendered 2018-04-26).
[PHE-DSR]       PHEindicatormethods DSR vignette output, phe_dsr(df3, Dths, Population) with the
                default esp2013 standard population, same repo, file vignettes/DSR-vignette.html,
                commit 4800f42abf1890f3a189675b15bd293f49e3c2ac.
[PHE-FUNNEL-RATIO]  PHEindicatormethods test data, tests/testthat/testdata_funnel_ratio_outputs.csv,
                commit 8ac28e54249d9b01d586b19d1d1b39f5af3d49ac: expected events at which O observed
                events sit on the 95% ("2s") and 99.8% ("3s") funnel = the exact Poisson limits of
                O. PHE found them by bisection (R/utils.R poisson_funnel), hence rel 1e-4.
[PHE-FUNNEL-PROP]   PHEindicatormethods test data, tests/testthat/testdata_funnel_prop_outputs.csv,
                commit 63894a99103ffc9e0a3e8a15644200a3abb95669: proportion funnel limits (%) around
                the baseline 80.642448%, columns Lower2s0025limit, Upper2s0025limit,
                Lower3s0001limit, Upper3s0001limit.
[R-POISSON-TEST]    R, stats::poisson.test(c(11, 21), c(800, 3011)) (the eba1977 example of the R
                documentation): rate ratio 1.971488, 95% CI 0.8584264 4.2772659, p-value 0.07967.
[HAND]          Derived by hand from the published formula; the arithmetic is written out in the
                test (Python's math/statistics modules only, no scipy, no spiegelkit).
"""

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spiegelkit import dutch, stats
from spiegelkit.analysis.indices import compare_with_expected

Z95 = NormalDist().inv_cdf(0.975)

# [PHE-VIGNETTE] df: obs, pop of 8 area-years
VIGNETTE_OBS = [68, 86, 18, 29, 99, 74, 8, 94]
VIGNETTE_POP = [174, 189, 179, 107, 102, 102, 155, 114]


def approx(expected, rel=1e-6, abs=1e-12):
    return pytest.approx(expected, rel=rel, abs=abs)


# --------------------------------------------------------------------------------------------
# Wilson

def test_wilson_interval_matches_phe_proportion_95():
    # [PHE-VIGNETTE] phe_proportion(df, obs, pop): lowercl, uppercl
    lower, upper = stats.wilson_interval(VIGNETTE_OBS, VIGNETTE_POP)
    assert lower == approx([0.32141284, 0.38563304, 0.06455836, 0.19583556,
                            0.91706943, 0.63189437, 0.02638210, 0.74449994])
    assert upper == approx([0.46491370, 0.52621164, 0.15334331, 0.36209159,
                            0.98994755, 0.80271793, 0.09853151, 0.88346241])


def test_wilson_interval_matches_phe_proportion_998():
    # [PHE-VIGNETTE] phe_proportion(df, obs, pop, confidence=99.8)
    lower, upper = stats.wilson_interval(VIGNETTE_OBS, VIGNETTE_POP, confidence=0.998)
    assert lower == approx([0.28504658, 0.34795803, 0.05014823, 0.16118061,
                            0.86653064, 0.57419464, 0.01832319, 0.69079867])
    assert upper == approx([0.5079248, 0.5664210, 0.1914304, 0.4183973,
                            0.9940736, 0.8381782, 0.1369464, 0.9081514])


def test_wilson_interval_edges():
    # [HAND] x = 0: lower = (z^2 - z*sqrt(z^2)) / ... = 0, upper = z^2 / (n + z^2)
    lower, upper = stats.wilson_interval(0, 20)
    assert lower == 0.0
    assert upper == approx(Z95**2 / (20 + Z95**2))
    # [HAND] x = n: upper = (2n + 2z^2) / (2(n + z^2)) = 1, lower = n / (n + z^2)
    lower, upper = stats.wilson_interval(20, 20)
    assert upper == 1.0
    assert lower == approx(20 / (20 + Z95**2))
    # tiny population: one patient
    lower, upper = stats.wilson_interval(1, 1)
    assert (lower, upper) == (approx(1 / (1 + Z95**2)), 1.0)


def test_wilson_interval_keeps_series_index_and_scalars():
    events = pd.Series([5, 10], index=["01000001", "01000002"])
    denominator = pd.Series([20, 10], index=["01000002", "01000001"])  # other order: joined by key
    lower, upper = stats.wilson_interval(events, denominator)
    assert list(lower.index) == ["01000001", "01000002"]
    assert lower["01000001"] == approx(stats.wilson_interval(5, 10)[0])
    assert upper["01000002"] == approx(stats.wilson_interval(10, 20)[1])
    assert isinstance(stats.wilson_interval(5, 10)[0], float)


# --------------------------------------------------------------------------------------------
# Poisson counts and standardised ratios

# [PHE-VIGNETTE] phe_rate(df, obs, pop): per 100,000, Byar's from 10 events, exact below
RATE_95_LOWER = [30346.142, 36395.152, 5956.701, 18147.416, 78882.763, 56964.372, 2228.279, 66631.239]
RATE_95_UPPER = [49544.53, 56196.03, 15893.43, 38925.56, 118166.76, 91079.88, 10169.80, 100906.46]
# [PHE-VIGNETTE] phe_rate(df, obs, pop, type="full", confidence=99.8, multiplier=100): per 100
RATE_998_LOWER = [26.042038, 31.822578, 4.259916, 14.132552, 69.665053, 49.230487, 1.271493, 58.634753]
RATE_998_UPPER = [56.07105, 62.81142, 19.77478, 46.57906, 131.16634, 102.60273, 13.64916, 112.28780]


def test_poisson_interval_auto_matches_phe_rate():
    pop = np.array(VIGNETTE_POP, dtype=float)
    lower, upper = stats.poisson_interval(VIGNETTE_OBS)
    assert lower / pop * 1e5 == approx(RATE_95_LOWER)
    assert upper / pop * 1e5 == approx(RATE_95_UPPER)
    lower, upper = stats.poisson_interval(VIGNETTE_OBS, confidence=0.998)
    assert lower / pop * 100 == approx(RATE_998_LOWER)
    assert upper / pop * 100 == approx(RATE_998_UPPER)


def test_standardised_ratio_is_poisson_interval_over_expected():
    # a crude rate per 100,000 is a ratio with expected = population / 100,000 [PHE-VIGNETTE]
    expected = np.array(VIGNETTE_POP) / 1e5
    ratio, lower, upper = stats.standardised_ratio(VIGNETTE_OBS, expected)
    assert ratio == approx(np.array(VIGNETTE_OBS) / expected)
    assert lower == approx(RATE_95_LOWER)
    assert upper == approx(RATE_95_UPPER)


# [PHE-FUNNEL-RATIO] observed events O -> (lower_2s_exp_events, upper_2s_exp_events,
#                                          lower_3s_exp_events, upper_3s_exp_events)
# exact upper 95% = lower_2s_exp_events, exact lower 95% = upper_2s_exp_events, same for 3s.
GARWOOD = {
    1: (5.571644585, 0.025317898, 9.233410143, 0.001000547),
    2: (7.224687515, 0.242209467, 11.22886836, 0.04540199),
    5: (11.6683331, 1.623486324, 16.45474478, 0.739371928),
    9: (17.08479966, 4.11537405, 22.65737951, 2.452425215),
    10: (18.39035799, 4.795387629, 24.13397235, 2.960519925),
    33: (46.34427966, 22.71567629, 54.89565059, 18.04631223),
    100: (121.6268111, 81.36400699, 134.9243187, 71.92139974),
    249: (281.925722, 219.0300984, 301.7230493, 203.0712581),
    716: (770.4222128, 664.5083011, 802.60414, 636.1521174),
}


def test_poisson_interval_exact_matches_phe_funnel_data():
    counts = list(GARWOOD)
    upper95, lower95, upper998, lower998 = (np.array(col) for col in zip(*GARWOOD.values()))
    lower, upper = stats.poisson_interval(counts, method="exact")
    assert lower == approx(lower95, rel=1e-4)
    assert upper == approx(upper95, rel=1e-4)
    lower, upper = stats.poisson_interval(counts, confidence=0.998, method="exact")
    assert lower == approx(lower998, rel=1e-4)
    assert upper == approx(upper998, rel=1e-4)


def test_poisson_interval_zero_events():
    # [HAND] exact: lower 0; upper = chi2(0.975, 2)/2 = -ln(0.025)
    assert stats.poisson_interval(0) == (0.0, approx(-math.log(0.025)))
    assert stats.poisson_interval(0, method="byar")[0] == 0.0
    ratio, lower, upper = stats.standardised_ratio(0, 4.0)
    assert (ratio, lower) == (0.0, 0.0)
    assert upper == approx(-math.log(0.025) / 4)


def test_poisson_interval_byar_closed_form():
    # [HAND] Byar's formula (Breslow & Day 1987) for 65 events at 95%
    x = 65
    lower = x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3
    assert stats.poisson_interval(x, method="byar") == (approx(lower), approx(upper))


def test_auto_switches_to_byar_at_ten():
    assert stats.poisson_interval(9) == stats.poisson_interval(9, method="exact")
    assert stats.poisson_interval(10) == stats.poisson_interval(10, method="byar")


def test_standardised_ratio_joins_series_by_key():
    observed = pd.Series([12, 30, 7], index=["a", "b", "c"])
    expected = pd.Series([20.0, 10.0, 25.0], index=["c", "a", "b"])  # shuffled
    ratio, lower, upper = stats.standardised_ratio(observed, expected)
    assert list(ratio.index) == ["a", "b", "c"]
    assert ratio.tolist() == approx([1.2, 1.2, 0.35])
    assert lower["c"] == approx(stats.standardised_ratio(7, 20.0)[1])


# --------------------------------------------------------------------------------------------
# Costs

def test_standardised_cost_ratio_closed_form():
    # [HAND] 900 persons, CV 3: relative standard error 3/30 = 0.1
    ratio, lower, upper = stats.standardised_cost_ratio(1.1e6, 1.0e6, 900, cost_cv=3.0)
    assert ratio == approx(1.1)
    assert lower == approx(1.1 * (1 - Z95 * 0.1))
    assert upper == approx(1.1 * (1 + Z95 * 0.1))


def test_standardised_cost_ratio_lower_limit_clipped_at_zero():
    # [HAND] 4 persons, CV 3: margin z * 1.5 > 1, so the lower limit would be negative
    ratio, lower, upper = stats.standardised_cost_ratio(500.0, 400.0, 4)
    assert lower == 0.0
    assert upper == approx(1.25 * (1 + Z95 * 1.5))


def test_standardised_cost_ratio_zero_cost():
    assert stats.standardised_cost_ratio(0.0, 100.0, 50) == (0.0, 0.0, 0.0)


# --------------------------------------------------------------------------------------------
# Directly standardised rate (Dobson)

ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
           7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
AGES = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]
# [PHE-DSR] pops2 / deaths2 of the DSR vignette (no deaths at 10, 15, 20: replaced by 0)
DSR_POP = [30, 35, 35, 35, 40, 40, 45, 50, 50, 50, 60, 60, 70, 75, 70, 60, 20, 20, 15]
DSR_DEATHS = [1, 1, 0, 0, 0, 1, 1, 3, 3, 3, 3, 10, 10, 10, 10, 8, 8, 8, 8]


def test_directly_standardised_rate_matches_phe_dsr():
    # [PHE-DSR] value 8283.016, lowercl 6570.819, uppercl 10289.65
    rate, lower, upper = stats.directly_standardised_rate(DSR_DEATHS, DSR_POP, ESP2013)
    assert (rate, lower, upper) == (approx(8283.016), approx(6570.819), approx(10289.65))


def test_directly_standardised_rate_joins_strata_by_key():
    events = pd.Series(DSR_DEATHS, index=AGES)
    population = pd.Series(DSR_POP, index=AGES).sample(frac=1, random_state=3)
    standard = pd.Series(ESP2013, index=AGES).sample(frac=1, random_state=4)
    result = stats.directly_standardised_rate(events, population, standard)
    assert result == approx(stats.directly_standardised_rate(DSR_DEATHS, DSR_POP, ESP2013))


def test_directly_standardised_rate_small_numbers_give_nan_with_reason():
    with pytest.warns(UserWarning, match="9 events in total, fewer than 10"):
        result = stats.directly_standardised_rate([4, 5], [100, 200], [1, 1])
    assert all(math.isnan(v) for v in result)


def test_directly_standardised_rate_rejects_empty_stratum():
    with pytest.raises(ValueError, match=r"population must be greater than zero .*row 1: 0"):
        stats.directly_standardised_rate([10, 0], [100, 0], [1, 1])


# --------------------------------------------------------------------------------------------
# Significance against the national value

def test_significance_band_three_and_five_bands():
    lower = [1.1, 0.8, 0.5, 1.05]
    upper = [1.5, 1.2, 0.9, 1.3]
    assert list(stats.significance_band(lower, upper)) == [
        "higher_95", "similar", "lower_95", "higher_95"]
    codes = stats.significance_band(lower, upper, lower_998=[1.01, 0.7, 0.4, 0.98],
                                    upper_998=[1.6, 1.3, 0.95, 1.4])
    assert list(codes) == ["higher_998", "similar", "lower_998", "higher_95"]


def test_significance_band_boundary_touching_target_is_similar():
    assert stats.significance_band(1.0, 1.4) == "similar"
    assert stats.significance_band(0.6, 1.0) == "similar"


def test_significance_band_small_numbers_and_missing():
    codes = stats.significance_band([1.2, np.nan, 1.2], [1.5, np.nan, 1.5],
                                    small_numbers=[True, False, False])
    assert list(codes) == ["small_numbers", "not_calculated", "higher_95"]


def test_significance_band_names_other_levels():
    assert stats.significance_band(1.1, 1.3, confidence=0.9) == "higher_90"


def test_significance_judgement_follows_polarity():
    codes = ["higher_998", "higher_95", "similar", "lower_95", "lower_998", "small_numbers"]
    assert list(stats.significance_judgement(codes, "high_is_good")) == [
        "better_998", "better_95", "similar", "worse_95", "worse_998", "small_numbers"]
    assert list(stats.significance_judgement(codes, "low_is_good")) == [
        "worse_998", "worse_95", "similar", "better_95", "better_998", "small_numbers"]
    assert list(stats.significance_judgement(codes, "no_judgement")) == [
        "not_judged", "not_judged", "similar", "not_judged", "not_judged", "small_numbers"]


def test_significance_wording_is_neutral_by_default():
    codes = list(stats.SIGNIFICANCE_CODES)
    neutral = list(dutch.significance_wording(codes, polarity="low_is_good"))
    assert neutral[:5] == ["duidelijk hoger dan verwacht", "hoger dan verwacht",
                           "vergelijkbaar met verwacht", "lager dan verwacht",
                           "duidelijk lager dan verwacht"]
    judging = ("gunstig", "slecht", "goed", "beter", "slechter")
    assert not any(word in text for text in neutral for word in judging)


def test_significance_wording_judged_is_opt_in():
    text = dutch.significance_wording(["higher_95", "lower_998"], "low_is_good", wording="judged")
    assert list(text) == ["ongunstiger dan verwacht", "duidelijk gunstiger dan verwacht"]
    text = dutch.significance_wording("higher_95", "no_judgement", wording="judged")
    assert text == "hoger dan verwacht"


# --------------------------------------------------------------------------------------------
# Funnel limits

# [PHE-FUNNEL-PROP] population -> (Lower2s, Upper2s, Lower3s, Upper3s) in %, baseline 80.642448%
PHE_PROP_FUNNEL = {
    1: (3.204264, 100, 0, 100),
    3: (35.933491, 100, 10.150815, 100),
    18: (62.390093, 98.894803, 51.864359, 100),
    41: (68.548635, 92.73626, 61.574398, 99.710497),
    102: (72.974925, 88.309971, 68.553233, 92.731663),
    1008: (78.203374, 83.081521, 76.796814, 84.488082),
    9998: (79.867989, 81.416907, 79.421375, 81.863521),
    110000: (80.408963, 80.875933, 80.274317, 81.010578),
}


def test_normal_proportion_funnel_matches_phe_funnels():
    sizes = list(PHE_PROP_FUNNEL)
    lower2, upper2, lower3, upper3 = (np.array(c) / 100 for c in zip(*PHE_PROP_FUNNEL.values()))
    limits = stats.funnel_limits(sizes, 0.80642448, method="normal")
    assert limits["lower"].to_numpy() == approx(lower2)
    assert limits["upper"].to_numpy() == approx(upper2)
    limits = stats.funnel_limits(sizes, 0.80642448, confidence=0.998, method="normal")
    assert limits["lower"].to_numpy() == approx(lower3)
    assert limits["upper"].to_numpy() == approx(upper3)
    assert set(limits["method"]) == {"normal approximation (as PHE Fingertips)"}


def test_exact_proportion_funnel_binomial_10_half():
    # [HAND] Spiegelhalter (2005) appendix: r_p = smallest r with F(r) >= p,
    # limit = (r_p - (F(r_p) - p) / (F(r_p) - F(r_p - 1))) / n.
    # Binomial(10, 1/2): F(2) = 56/1024, F(1) = 11/1024 -> lower: r = 2,
    # alpha = (56/1024 - 0.025) / (45/1024) = 30.4/45, limit = (2 - 30.4/45)/10 = 59.6/450.
    # F(8) = 1013/1024, F(7) = 968/1024 -> upper: r = 8, alpha = 14.6/45, limit = 345.4/450.
    limits = stats.funnel_limits(10, 0.5)
    assert limits.loc[0, "lower"] == approx(59.6 / 450)
    assert limits.loc[0, "upper"] == approx(345.4 / 450)
    assert limits.loc[0, "method"] == "exact binomial, Spiegelhalter (2005) interpolation"


def test_exact_proportion_funnel_tiny_denominator_clips_at_zero():
    # [HAND] Binomial(4, 1/2): lower r = 0, alpha = (1/16 - 0.025)/(1/16) = 0.6 -> -0.15 -> 0;
    # upper r = 4, alpha = (1 - 0.975)/(1/16) = 0.4 -> (4 - 0.4)/4 = 0.9
    limits = stats.funnel_limits(4, 0.5)
    assert (limits.loc[0, "lower"], limits.loc[0, "upper"]) == (0.0, approx(0.9))


def _spiegelhalter_poisson(mean, p):
    """[HAND] the appendix formula with Poisson probabilities summed in plain Python."""
    k, cdf, below = 0, 0.0, 0.0
    while True:
        below, cdf = cdf, cdf + math.exp(-mean) * mean**k / math.factorial(k)
        if cdf >= p:
            return k - (cdf - p) / (cdf - below)
        k += 1


@pytest.mark.parametrize("expected", [3.0, 10.0, 42.5])
def test_exact_ratio_funnel_matches_appendix_formula(expected):
    limits = stats.funnel_limits(expected, 1.0, confidence=0.998, statistic="ratio")
    lower = max(_spiegelhalter_poisson(expected, 0.001), 0) / expected
    upper = _spiegelhalter_poisson(expected, 0.999) / expected
    assert (limits.loc[0, "lower"], limits.loc[0, "upper"]) == (approx(lower), approx(upper))


def test_normal_ratio_funnel():
    # [HAND] 1 -/+ z sqrt(1/E) at E = 25
    limits = stats.funnel_limits(pd.Series([25.0], index=["x"]), 1.0, statistic="ratio",
                                 method="normal")
    assert limits.loc["x", "lower"] == approx(1 - Z95 / 5)
    assert limits.loc["x", "upper"] == approx(1 + Z95 / 5)


# --------------------------------------------------------------------------------------------
# Within the group

def test_differs_from_rest_of_group_matches_r_poisson_test():
    # [R-POISSON-TEST] Fredericia (11 cases, 800 person-years) against the other three cities
    # (6 + 8 + 7 cases, 1083 + 1050 + 878 person-years)
    table = stats.differs_from_rest_of_group(
        pd.Series([11, 6, 8, 7], index=["A", "B", "C", "D"]),
        pd.Series([800.0, 1083.0, 1050.0, 878.0], index=["A", "B", "C", "D"]))
    first = table.loc["A"]
    assert first["rate_ratio"] == approx(1.971488)
    assert first["lower"] == approx(0.8584264)
    assert first["upper"] == approx(4.2772659)
    assert first["p_value"] == approx(0.07967, rel=1e-4)
    assert first["significance"] == "similar" and not first["differs"]
    # fewer than 10 events: flagged, no verdict
    assert table.loc["B":, "small_numbers"].all()
    assert table.loc["B":, "differs"].isna().all()
    assert set(table.loc["B":, "significance"]) == {"small_numbers"}


def test_differs_from_rest_of_group_flags_a_clear_difference():
    table = stats.differs_from_rest_of_group([90, 30, 30], [40.0, 40.0, 40.0])
    assert table.loc[0, "significance"] == "higher_95"
    assert bool(table.loc[0, "differs"])


# --------------------------------------------------------------------------------------------
# The group table

COLUMNS = ["index", "lower", "upper", "lower_998", "upper_998", "significance",
           "significance_nl", "small_numbers", "method", "confidence"]


def test_compare_with_expected_columns_and_values():
    observed = pd.Series([68, 8, 700], index=["01000001", "01000002", "01000003"])
    expected = pd.Series([50.0, 10.0, 600.0], index=observed.index)
    table = compare_with_expected(observed, expected, "rate", polarity="low_is_good")
    assert list(table.columns[:len(COLUMNS)]) == COLUMNS
    assert list(table.index) == list(observed.index)
    ratio, lower, upper = stats.standardised_ratio(observed, expected)
    assert table["index"].tolist() == approx((ratio * 100).tolist())
    assert table["lower"].tolist() == approx((lower * 100).tolist())
    assert table["method"].tolist() == ["Byar", "exact Poisson (Garwood)", "Byar"]
    assert table["small_numbers"].tolist() == [False, True, False]
    assert table.loc["01000002", "significance"] == "small_numbers"
    assert table.loc["01000003", "significance"] == "higher_998"
    assert table.loc["01000003", "significance_nl"] == "duidelijk hoger dan verwacht"
    assert table.loc["01000003", "judgement"] == "worse_998"
    assert (table["confidence"] == 0.95).all()


def test_compare_with_expected_same_result_by_key_when_shuffled():
    observed = pd.Series([68, 8, 700, 30], index=list("abcd"))
    expected = pd.Series([50.0, 10.0, 600.0, 45.0], index=list("abcd"))
    straight = compare_with_expected(observed, expected, "proportion",
                                           denominator=observed * 3)
    order = ["c", "a", "d", "b"]
    shuffled = compare_with_expected(observed[order], expected.sample(frac=1, random_state=1),
                                           "proportion", denominator=(observed * 3)[order[::-1]])
    pd.testing.assert_frame_equal(shuffled.loc[list("abcd")], straight)


def test_compare_with_expected_costs():
    table = compare_with_expected([1.1e6], [1.0e6], "cost", denominator=[900])
    assert table.loc[0, "index"] == approx(110.0)
    assert table.loc[0, "upper"] == approx(110 * (1 + Z95 * 0.1))
    assert table.loc[0, "method"] == "normal approximation, CV 3.0"
    assert not table.loc[0, "small_numbers"]


def test_compare_with_expected_costs_with_an_indicator_cv():
    # [HAND] 400 persons, CV 1.5: relative standard error 1.5 / 20 = 0.075; at 99.8% z = 3.0902
    table = compare_with_expected([1.1e6], [1.0e6], "cost", denominator=[400], cost_cv=1.5)
    assert table.loc[0, "upper"] == approx(110 * (1 + Z95 * 0.075))
    assert table.loc[0, "lower_998"] == approx(110 * (1 - NormalDist().inv_cdf(0.999) * 0.075))
    assert table.loc[0, "method"] == "normal approximation, CV 1.5"
    default = compare_with_expected([1.1e6], [1.0e6], "cost", denominator=[400], cost_cv=None)
    assert default.loc[0, "method"] == f"normal approximation, CV {stats.COST_CV_DEFAULT}"
    with pytest.raises(ValueError, match="cost_cv must be a positive number"):
        compare_with_expected([1.1e6], [1.0e6], "cost", denominator=[400], cost_cv=0)


def test_compare_with_expected_missing_values_are_not_calculated():
    table = compare_with_expected([12, np.nan], [10.0, 10.0], "rate")
    assert table.loc[1, "significance"] == "not_calculated"
    assert table.loc[1, "significance_nl"] == "niet berekend"


def test_compare_with_expected_input_checks():
    with pytest.raises(ValueError, match="needs the denominator"):
        compare_with_expected([10], [10.0], "cost")
    with pytest.raises(ValueError, match=r"must not exceed the denominator .*row 1: 12 > 10"):
        compare_with_expected([5, 12], [5.0, 5.0], "proportion", denominator=[10, 10])
    with pytest.raises(ValueError, match="did you mean 'low_is_good'"):
        compare_with_expected([5], [5.0], "rate", polarity="low_is_god")
    with pytest.raises(ValueError, match="statistic must be one of"):
        compare_with_expected([5], [5.0], "ratio")


# --------------------------------------------------------------------------------------------
# Input checks in plain language

def test_plain_language_input_checks():
    with pytest.raises(ValueError, match=r"events must not exceed the denominator \(row 3: 12 > 10\)"):
        stats.wilson_interval([1, 2, 3, 12], [10, 10, 10, 10])
    labelled = pd.Series([5, 12], index=["01001234", "01005678"])
    with pytest.raises(ValueError, match=r"row 01005678: 12 > 10"):
        stats.wilson_interval(labelled, 10)
    with pytest.raises(ValueError, match="events must not be negative"):
        stats.poisson_interval([3, -1])
    with pytest.raises(ValueError, match="expected must be greater than zero"):
        stats.standardised_ratio(3, 0)
    with pytest.raises(ValueError, match="confidence must be a proportion"):
        stats.wilson_interval(3, 10, confidence=95)
    with pytest.raises(ValueError, match="did you mean 'byar'"):
        stats.poisson_interval(5, method="byars")
    with pytest.raises(ValueError, match="same index labels"):
        stats.standardised_ratio(pd.Series([1, 2], index=["a", "b"]),
                                 pd.Series([1.0, 2.0], index=["a", "c"]))
    with pytest.raises(ValueError, match="same length"):
        stats.standardised_ratio([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="whole numbers"):
        stats.differs_from_rest_of_group([1.5, 2], [1.0, 1.0])
    with pytest.raises(ValueError, match="whole numbers of patients"):
        stats.funnel_limits(10.5, 0.3)


# --------------------------------------------------------------------------------------------
# Properties

counts = st.integers(min_value=0, max_value=5000)
sizes = st.integers(min_value=1, max_value=5000)


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_wilson_contains_the_proportion_and_nests(data):
    n = data.draw(sizes)
    x = data.draw(st.integers(min_value=0, max_value=n))
    lower, upper = stats.wilson_interval(x, n)
    lower_998, upper_998 = stats.wilson_interval(x, n, confidence=0.998)
    assert 0 <= lower_998 <= lower <= x / n <= upper <= upper_998 <= 1


@settings(deadline=None, max_examples=60)
@given(counts, st.sampled_from(["auto", "exact", "byar"]))
def test_poisson_interval_contains_the_count_and_nests(x, method):
    lower, upper = stats.poisson_interval(x, method=method)
    lower_998, upper_998 = stats.poisson_interval(x, confidence=0.998, method=method)
    assert 0 <= lower_998 <= lower <= x <= upper <= upper_998


@settings(deadline=None, max_examples=60)
@given(counts, st.floats(min_value=0.01, max_value=1e5))
def test_standardised_ratio_lies_in_its_interval(x, expected):
    ratio, lower, upper = stats.standardised_ratio(x, expected)
    assert lower <= ratio * (1 + 1e-12) and ratio <= upper * (1 + 1e-12)


@settings(deadline=None, max_examples=60)
@given(st.floats(min_value=0, max_value=1e7), st.floats(min_value=1, max_value=1e7),
       st.integers(min_value=1, max_value=100000))
def test_cost_interval_contains_ratio_and_nests(observed, expected, persons):
    ratio, lower, upper = stats.standardised_cost_ratio(observed, expected, persons)
    _, lower_998, upper_998 = stats.standardised_cost_ratio(observed, expected, persons,
                                                            confidence=0.998)
    assert 0 <= lower_998 <= lower <= ratio <= upper <= upper_998


@settings(deadline=None, max_examples=40)
@given(st.integers(min_value=20, max_value=5000), st.floats(min_value=0.05, max_value=0.95),
       st.sampled_from(["exact", "normal"]))
def test_proportion_funnels_surround_the_target_and_nest(n, target, method):
    inner = stats.funnel_limits(n, target, method=method).iloc[0]
    outer = stats.funnel_limits(n, target, confidence=0.998, method=method).iloc[0]
    assert 0 <= outer["lower"] <= inner["lower"] <= target <= inner["upper"] <= outer["upper"] <= 1


@settings(deadline=None, max_examples=40)
@given(st.floats(min_value=1, max_value=5000), st.sampled_from(["exact", "normal"]))
def test_ratio_funnels_surround_the_target_and_nest(expected, method):
    inner = stats.funnel_limits(expected, 1.0, statistic="ratio", method=method).iloc[0]
    outer = stats.funnel_limits(expected, 1.0, confidence=0.998, statistic="ratio",
                                method=method).iloc[0]
    assert 0 <= outer["lower"] <= inner["lower"] <= 1 <= inner["upper"] <= outer["upper"]


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(counts, st.floats(min_value=0.5, max_value=2000)), min_size=1,
                max_size=6))
def test_compare_with_expected_intervals_nest(rows):
    observed, expected = zip(*rows)
    table = compare_with_expected(list(observed), list(expected), "rate")
    assert (table["lower_998"] <= table["lower"]).all()
    assert (table["lower"] <= table["index"] * (1 + 1e-12)).all()
    assert (table["index"] <= table["upper"] * (1 + 1e-12)).all()
    assert (table["upper"] <= table["upper_998"]).all()
    assert set(table["significance"]) <= set(stats.SIGNIFICANCE_CODES)
