"""Indirect standardisation and the group comparison, against values worked out by hand.

The mini data (tests/data/mini/) gives each practice patients in two strata only, so the
expected values can be computed on paper:
  antibiotica rates: men 20-24 0.15, women 70-74 0.25
  De Linde: 600 x 0.15 + 400 x 0.25 = 190;  Zuid: 300 x 0.15 + 700 x 0.25 = 220;
  Klein: 50 x 0.15 + 30 x 0.25 = 15
  kosten_farmacie rates: men 20-24 EUR 100, women 70-74 EUR 500
  De Linde: 600 x 100 + 400 x 500 = 260,000; Zuid: given by the source, 400,000;
  Klein: 50 x 100 + 30 x 500 = 20,000
"""

import gc
import math
import shutil

import pandas as pd
import pytest

from conftest import DATA, ROOT
from spiegelkit.inputs.catalogue import load_catalogue
from spiegelkit.inputs.dataset import DATA_KEPT, MirrorData, load_data
from spiegelkit.run.check import check_group
from spiegelkit.analysis.compare import (between_practice_spread, compare_group, compare_practices,
                                         compare_region, expected_by_indirect_standardisation,
                                         population_summary)


@pytest.fixture(scope="module")
def mini():
    checked = check_group(DATA / "mini-group.yaml")
    return checked.params, checked.data


def test_expected_values_by_hand(mini):
    params, data = mini
    table = compare_group(data, params).set_index(["agb", "indicator"])
    expected = {("01000001", "antibiotica"): 190, ("01000002", "antibiotica"): 220,
                ("01000003", "antibiotica"): 15, ("01000001", "kosten_farmacie"): 260_000,
                ("01000002", "kosten_farmacie"): 400_000, ("01000003", "kosten_farmacie"): 20_000}
    for key, value in expected.items():
        assert table.at[key, "expected"] == pytest.approx(value, rel=1e-12)
    assert table.at[("01000002", "kosten_farmacie"), "expected_source"] == "bron"
    assert table.at[("01000001", "antibiotica"), "index"] == pytest.approx(228 / 190 * 100)
    assert table.at[("01000001", "antibiotica"), "value"] == pytest.approx(22.8)  # % patients


def test_standardisation_joins_by_key_not_row_order(mini):
    _, data = mini
    straight = expected_by_indirect_standardisation(data.population, data.reference)
    shuffled = expected_by_indirect_standardisation(
        data.population.sample(frac=1, random_state=1), data.reference.sample(frac=1, random_state=2))
    keys = ["agb", "year", "indicator"]
    pd.testing.assert_frame_equal(straight.sort_values(keys).reset_index(drop=True),
                                  shuffled.sort_values(keys).reset_index(drop=True))


def test_small_numbers_get_no_verdict_and_every_row_names_its_method(mini):
    params, data = mini
    table = compare_group(data, params).set_index(["agb", "indicator"])
    klein = table.loc[("01000003", "antibiotica")]
    assert klein["small_numbers"] and klein["significance"] == "small_numbers"
    assert table["method"].notna().all() and (table["confidence"] == 0.95).all()


def test_practice_without_mirror_has_no_rows_and_pseudonyms_hide_names(mini):
    params, data = mini
    hidden = params.model_copy(update={"options": params.options.model_copy(update={"pseudonymise": True})})
    table = compare_group(data, hidden)
    assert "01000004" not in set(table["agb"])
    assert set(table["practice"]) == {"Praktijk A", "Praktijk B", "Praktijk C"}


def test_each_cost_indicator_gets_its_own_cv(mini_group):
    # [HAND] De Linde, kosten_farmacie: 290,000 / 260,000 = 1.115385; 1000 patients, CV 4:
    # margin 1.959964 x 4 / sqrt(1000) = 0.247918, upper 111.5385 x 1.247918 = 139.1909
    catalogue = mini_group.parent / "mini" / "indicators.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "  cost_cv: 4.0\n",
                         encoding="utf-8")
    checked = check_group(mini_group)
    table = compare_group(checked.data, checked.params).set_index(["agb", "indicator"])
    linde = table.loc[("01000001", "kosten_farmacie")]
    assert linde["method"] == "normal approximation, CV 4.0"
    assert linde["upper"] == pytest.approx(139.1909, abs=5e-5)
    assert table.loc[("01000001", "antibiotica"), "method"] == "Byar"


def test_cost_cv_is_refused_on_a_count_indicator(tmp_path):
    text = (DATA / "mini" / "indicators.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "indicators.yaml"
    bad.write_text(text.replace("  influenceable: true\n", "  influenceable: true\n  cost_cv: 2\n"),
                   encoding="utf-8")
    _, problems = load_catalogue(bad)
    [problem] = problems
    assert problem.field == "cost_cv" and problem.row == 13
    assert "only to indicators with statistic 'cost'" in problem.message
    assert "remove cost_cv" in problem.hint
    default, _ = load_catalogue(DATA / "mini" / "indicators.yaml")
    assert default.set_index("id")["cost_cv"].to_dict() == pytest.approx(
        {"antibiotica": float("nan"), "kosten_farmacie": 3.0}, nan_ok=True)


def test_population_summary_shares(mini):
    params, data = mini
    summary = population_summary(data, params, 2024)
    linde = summary.loc["Huisartsenpraktijk De Linde"]
    assert linde["patients"] == 1000
    assert linde["women"] == pytest.approx(40.0)  # 400 women of 1000
    assert linde["65-74"] == pytest.approx(40.0) and linde["20-64"] == pytest.approx(60.0)
    assert linde["65+"] == pytest.approx(40.0)


# --- marks: against the spread between practices, or chance alone ------------------------

def test_a_small_data_folder_without_a_known_spread_keeps_the_chance_alone_marks(mini):
    params, data = mini  # 4 practices, and a catalogue of its own without between_practice_sd
    table = compare_group(data, params)
    assert set(table["significance_method"]) == {"poisson_unknown_spread"}
    assert (table["significance"] == table["significance_poisson"]).all()
    assert table["limit_lower"].isna().all()


def test_a_small_data_folder_takes_the_national_spread_from_its_catalogue(mini, tmp_path):
    """De Linde, antibiotica: 228 patients against 190 expected, index 120. Chance alone
    (Byar 95%: 104.9 to 136.6) marks it higher. With the catalogue's spread tau = 0.2 the
    limits at E = 190 are 100 exp(-/+ 1.959964 sqrt(1/190 + 0.04)) = 65.9 to 151.7: no mark."""
    for name in ("practices", "population", "mirror", "reference"):
        (tmp_path / f"{name}.csv").write_bytes((DATA / "mini" / f"{name}.csv").read_bytes())
    catalogue = (DATA / "mini" / "indicators.yaml").read_text(encoding="utf-8")
    catalogue = catalogue.replace("- id: antibiotica\n", "- id: antibiotica\n  between_practice_sd: 0.2\n")
    (tmp_path / "indicators.yaml").write_text(catalogue, encoding="utf-8")
    params, _ = mini
    data = load_data(tmp_path)
    row = compare_group(data, params).set_index(["agb", "indicator"]).loc[("01000001", "antibiotica")]
    assert row["significance_method"] == "overdispersion_catalogue"
    assert row["tau2"] == pytest.approx(0.04) and pd.isna(row["phi"])
    half = 1.959964 * (1 / 190 + 0.04) ** 0.5
    assert row["limit_lower"] == pytest.approx(100 * math.exp(-half), rel=1e-12)
    assert row["limit_upper"] == pytest.approx(100 * math.exp(half), rel=1e-12)
    assert row["significance_poisson"] == "higher_95" and row["significance"] == "similar"
    assert row["significance_nl"] == "vergelijkbaar met verwacht"
    assert (row["lower"], row["upper"]) == (pytest.approx(104.93, abs=0.01), pytest.approx(136.63, abs=0.01))


def test_a_group_may_choose_the_chance_alone_marks():
    checked = check_group(ROOT / "params" / "hagro-amstelveen-noord.yaml")
    params = checked.params.model_copy(update={"options": checked.params.options.model_copy(
        update={"significance": "poisson"})})
    chosen = compare_group(checked.data, params)
    default = compare_group(checked.data, checked.params)
    assert set(chosen["significance_method"]) == {"poisson_chosen"}
    assert (chosen["significance"] == chosen["significance_poisson"]).all()
    assert set(default["significance_method"]) == {"overdispersion_data"}  # 47 practices
    marked = {"higher_95", "lower_95", "higher_998", "lower_998"}
    current = default[default["year"] == 2024]
    assert current["significance"].isin(marked).sum() < current["significance_poisson"].isin(marked).sum() / 2
    assert (default[["index", "lower", "upper"]].to_numpy() == chosen[["index", "lower", "upper"]].to_numpy()).all()


def test_the_spread_is_estimated_only_from_20_practices_or_more(mini):
    _, data = mini
    assert between_practice_spread(data).empty
    assert compare_region(data, 2024).empty  # 4 practices are no region to show


def test_the_comparisons_keep_no_more_data_folders_than_data_kept(tmp_path):
    """A national batch goes through 40 data folders in one kernel: what the comparison
    keeps of a folder must go with the folder, or the kernel grows with every region."""
    for i in range(DATA_KEPT + 3):
        folder = tmp_path / f"region-{i}"
        shutil.copytree(DATA / "mini", folder)
        data = load_data(folder)
        compare_practices(data, ["01000001", "01000002"])  # a group: its rows of the folder's
        compare_practices(data, ["01000003"])
        compare_region(data, 2024)
        between_practice_spread(data)
    del data
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, MirrorData) and tmp_path in o.folder.parents]
    assert 1 <= len(alive) <= DATA_KEPT
