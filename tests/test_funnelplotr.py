"""Compare spiegelkit.stats.overdispersed_funnel with values computed by FunnelPlotR 0.6.0 in R.

The CSVs and the R script that made them are in DATA (see PROVENANCE.md there): real QOF
2019-20 practice registers (all 6,720 practices, a region of 317-395, and about 50) and
simulated sets without overdispersion (the phi <= 1 fallback).
Tolerances: phi and tau2 to 1e-6 relative; limits to 1e-4 absolute *or*
relative (numpy.isclose with rtol=atol=1e-4, i.e. |a-b| <= 1e-4 + 1e-4*|b|);
z-scores likewise; adjusted and flags exactly.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spiegelkit.stats import overdispersed_funnel, overdispersed_ratio_limits, overdispersion

DATA = Path(__file__).parent / "data" / "funnelplotr"

SUMMARY = pd.read_csv(DATA / "summary.csv")
LIMITS = [f"{side}_{lvl}" for lvl in ("95", "998") for side in ("lower", "upper")]
PLAIN = [f"plain_{c}" for c in LIMITS]
FLAGS = ["flag_95", "flag_998"]


def _case(name):
    row = SUMMARY.set_index("dataset").loc[name]
    path = DATA / f"{name}.csv"
    ref = pd.read_csv(path if path.exists() else DATA / f"{name}.csv.gz")
    got = overdispersed_funnel(ref["observed"], ref["size"], row["statistic"],
                               transform=row["transform"], trim=0.1)
    return row, ref, got


def test_all_datasets_covered():
    assert set(SUMMARY["dataset"]) == {
        "pr_af_all", "pr_af_50", "sr_log_chd_regA", "sr_log_chd_50",
        "sr_sqrt_chd_regA", "sim_poisson_log", "sim_poisson_sqrt", "sim_binom_pr",
        "edge_pr_grid", "edge_sqrt_tau2_unadjusted"}
    assert (SUMMARY.loc[SUMMARY.dataset == "pr_af_all", "n_units"] >= 300).all()
    assert (SUMMARY.loc[SUMMARY.dataset == "sr_log_chd_regA", "n_units"] >= 300).all()


@pytest.mark.parametrize("name", SUMMARY["dataset"].tolist())
def test_matches_funnelplotr(name):
    row, ref, got = _case(name)
    assert list(got.columns) == ["z", "phi", "tau2", "adjusted", *LIMITS, *PLAIN, *FLAGS]
    assert len(got) == len(ref)
    assert got["phi"].iloc[0] == pytest.approx(row["phi"], rel=1e-6)
    assert got["tau2"].iloc[0] == pytest.approx(row["tau2"], rel=1e-6, abs=1e-12)
    assert (got["adjusted"] == ref["adjusted"]).all()
    assert bool(got["adjusted"].iloc[0]) == bool(row["adjusted"])
    np.testing.assert_allclose(got["z"], ref["z"], rtol=1e-4, atol=1e-4)
    for col in LIMITS + PLAIN:
        np.testing.assert_allclose(got[col], ref[col], rtol=1e-4, atol=1e-4, err_msg=col)
    for col in FLAGS:
        np.testing.assert_array_equal(got[col].to_numpy(), ref[col].to_numpy(), err_msg=col)


@pytest.mark.parametrize("name", SUMMARY["dataset"].tolist())
def test_the_spread_alone_is_funnelplotrs_phi_and_tau2(name):
    row, ref, got = _case(name)
    phi, tau2 = overdispersion(ref["observed"], ref["size"], row["statistic"],
                               transform=row["transform"], trim=0.1)
    assert phi == pytest.approx(row["phi"], rel=1e-6)
    assert tau2 == pytest.approx(row["tau2"], rel=1e-6, abs=1e-12)
    assert (phi, tau2) == (got["phi"].iloc[0], got["tau2"].iloc[0])  # the funnel's, exactly


@pytest.mark.parametrize("name", ["sr_sqrt_chd_regA"])
def test_sqrt_limits_are_funnelplotr_limits_squared(name):
    """FunnelPlotR 0.6.0 leaves CQC limits on the sqrt scale (issue #33)."""
    _, ref, got = _case(name)
    for col in LIMITS:
        fpr = ref[f"fpr_od_{col}"].to_numpy()
        np.testing.assert_allclose(got[col], np.maximum(fpr, 0) ** 2, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["sim_poisson_log", "sim_poisson_sqrt", "sim_binom_pr",
                                  "edge_sqrt_tau2_unadjusted"])
def test_no_overdispersion_falls_back_to_plain_limits(name):
    row, _, got = _case(name)
    assert row["phi"] <= 1 and not got["adjusted"].any()
    for col in LIMITS:
        assert (got[col] == got[f"plain_{col}"]).all()


def test_tau2_reported_but_unused_when_phi_just_below_one():
    row, _, got = _case("edge_sqrt_tau2_unadjusted")
    n = row["n_used"]
    assert (n - 1) / n <= row["phi"] <= 1 and row["tau2"] > 0
    assert got["tau2"].iloc[0] > 0 and not got["adjusted"].any()


def test_proportion_monotonicity_fix_follows_funnelplotr_grid():
    """U19 (n = 19.1, 0 events): the arcsine-scale lower 95% limit is negative,
    but FunnelPlotR compares it only with the next grid point and keeps
    sin^2(negative angle) ~ 1e-6 > 0, so the unit is flagged low."""
    _, ref, got = _case("edge_pr_grid")
    i = ref.index[ref["id"] == "U19"][0]
    assert 0 < ref.loc[i, "lower_95"] < 1e-5 and ref.loc[i, "flag_95"] == -1
    assert got.loc[i, "lower_95"] == pytest.approx(ref.loc[i, "lower_95"], rel=1e-6)
    assert got.loc[i, "flag_95"] == -1


@pytest.mark.parametrize("name", ["sr_log_chd_regA", "sr_log_chd_50"])
def test_limits_for_a_given_tau2_are_the_log_funnel_limits(name):
    """overdispersed_ratio_limits (used with a tau2 from elsewhere) gives FunnelPlotR's
    SHMI limits when handed FunnelPlotR's own tau2."""
    row, ref, _ = _case(name)
    for level, confidence in (("95", 0.95), ("998", 0.998)):
        lower, upper = overdispersed_ratio_limits(ref["size"], row["tau2"], confidence)
        np.testing.assert_allclose(lower, ref[f"lower_{level}"], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(upper, ref[f"upper_{level}"], rtol=1e-4, atol=1e-4)


def test_input_checks_in_plain_words():
    with pytest.raises(ValueError, match="observed must not exceed the denominator"):
        overdispersed_funnel([5, 12], [10, 11], "proportion")
    with pytest.raises(ValueError, match="size must be greater than zero"):
        overdispersed_funnel([5, 12], [10, 0], "ratio")
    with pytest.raises(ValueError, match="did you mean 'ratio'"):
        overdispersed_funnel([5, 12], [10, 11], "ratios")


def test_series_keep_their_index():
    _, ref, _ = _case("sr_log_chd_50")
    got = overdispersed_funnel(ref.set_index("id")["observed"], ref.set_index("id")["size"],
                               "ratio", transform="log")
    assert list(got.index) == list(ref["id"])
