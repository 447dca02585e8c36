"""The demo region: deterministic, complete, and calibrated to published national figures.

National figures (the independent source of the expected values) are those of DOMAIN.md:
Nivel Zorgregistraties 2021 (referrals 327 per 1,000: men 281, women 376, age 0-17 158,
65-74 453; 77% with a GP contact), Nivel 2020 (two thirds with a prescription) and Vektis
open data 2015 (GP care EUR 176.90, total EUR 2,342 per insured-year).
"""

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spiegelkit.inputs.catalogue import load_catalogue
from spiegelkit.inputs.dataset import check_data
from spiegelkit.analysis.compare import between_practice_spread
from spiegelkit.tools.demo import (YEARS, load_calibration, load_region, national_structure,
                             write_demo_data, write_demo_params)
from spiegelkit.inputs.params import load_params

ROOT = Path(__file__).parents[1]
SHIPPED = ROOT / "spiegelkit" / "data" / "demo"
TABLES = ["practices", "population", "mirror", "reference", "spread"]
SHIPPED_PARAMS = ["hagro-amstelveen-noord", "fto-diemen", "zorggroep-uithoorn-aalsmeer"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    start = time.perf_counter()
    write_demo_data(out, seed=2026)
    seconds = time.perf_counter() - start
    return out, seconds


@pytest.fixture(scope="module")
def tables():
    read = {name: pd.read_csv(SHIPPED / f"{name}.csv", dtype={"agb": str}) for name in TABLES}
    return read


def region_value(tables, indicator, year=2022):
    """Observed total over all demo practices / their patients, per patient per year."""
    mirror = tables["mirror"]
    rows = mirror[(mirror["indicator"] == indicator) & (mirror["year"] == year)]
    return rows["observed"].sum() / rows["denominator"].sum()


# --- determinism -------------------------------------------------------------------------

def test_generation_is_fast(generated):
    assert generated[1] < 10


def test_regenerating_reproduces_the_shipped_files_exactly(generated):
    out, _ = generated
    for name in TABLES:
        assert (out / f"{name}.csv").read_bytes() == (SHIPPED / f"{name}.csv").read_bytes(), name


def test_same_seed_same_bytes_other_seed_other_values(generated, tmp_path):
    out, _ = generated
    write_demo_data(tmp_path / "again", seed=2026)
    write_demo_data(tmp_path / "other", seed=7)
    for name in TABLES:
        assert (tmp_path / "again" / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes()
    for name in ["practices", "population", "mirror"]:
        assert (tmp_path / "other" / f"{name}.csv").read_bytes() != (out / f"{name}.csv").read_bytes()


# --- size and shape ----------------------------------------------------------------------

def test_region_size(tables):
    practices, mirror = tables["practices"], tables["mirror"]
    groups = load_region()["groups"]
    assert len(practices) >= 40 and practices["agb"].is_unique
    assert len(groups) >= 10
    assert all(3 <= len(g["practices"]) <= 5 for g in groups)
    assert {g["group_type"] for g in groups} == {"hagro", "fto", "dto", "zorggroep"}
    assert sorted(mirror["year"].unique()) == YEARS == [2020, 2021, 2022, 2023, 2024]
    assert mirror["indicator"].nunique() >= 25
    assert sum(p.stat().st_size for p in SHIPPED.iterdir()) < 3_000_000


def test_agb_codes_are_valid_gp_codes_as_text(tables):
    text = (SHIPPED / "practices.csv").read_text(encoding="utf-8")
    assert all(re.fullmatch(r"01\d{6}", agb) for agb in tables["practices"]["agb"])
    assert "\n01" in text  # the leading zero is in the file


def test_list_sizes_follow_nivel_practice_types(tables):
    # Nivel 2017: 34% solo (about 1,800-3,200 patients), 43% duo, 23% group practices.
    sizes = tables["practices"]["registered_patients"]
    assert sizes.between(1500, 12000).all()
    shares = pd.cut(sizes, [0, 3400, 5800, 20000], labels=["solo", "duo", "groep"]).value_counts(
        normalize=True)
    assert shares["solo"] == pytest.approx(0.34, abs=0.08)
    assert shares["duo"] == pytest.approx(0.43, abs=0.08)
    assert shares["groep"] == pytest.approx(0.23, abs=0.08)


def test_population_adds_up_to_the_list_sizes(tables):
    population, practices = tables["population"], tables["practices"]
    assert len(population) == len(practices) * len(YEARS) * 38
    latest = population[population["year"] == 2024].groupby("agb")["patients"].sum()
    assert practices.set_index("agb")["registered_patients"].to_dict() == latest.to_dict()
    share_65 = population[population["age_band"].isin(["65-69", "70-74", "75-79", "80-84", "85-89", "90+"])][
        "patients"].sum() / population["patients"].sum()
    assert share_65 == pytest.approx(0.20, abs=0.03)  # vzinfo: about 20% aged 65+


def test_special_practices_stand_out(tables):
    population = tables["population"]
    latest = population[population["year"] == 2024]
    by_practice = latest.groupby("agb")["patients"].sum()

    def share(agb, bands):
        rows = latest[(latest["agb"] == agb) & latest["age_band"].isin(bands)]
        return rows["patients"].sum() / by_practice[agb]

    students = share("01651265", ["20-24", "25-29"])          # Uilenstede, students
    national = national_structure().loc[["20-24", "25-29"]].sum()
    assert students > 2 * national
    old = share("01659890", ["85-89", "90+"])                 # Thamerdal, nursing home
    assert old > 2 * national_structure().loc[["85-89", "90+"]].sum()


def test_practice_without_mirror_has_population_but_no_mirror_rows(tables):
    practices = tables["practices"]
    without = practices.loc[~practices["has_mirror"], "agb"]
    assert len(without) >= 1
    assert not tables["mirror"]["agb"].isin(without).any()
    assert tables["population"]["agb"].isin(without).any()


# --- catalogue and consistency -----------------------------------------------------------

def test_catalogue_is_valid_and_covers_every_domain():
    catalogue, problems = load_catalogue()
    assert problems == []
    assert len(catalogue) >= 25
    assert set(catalogue["domain"]) == {"populatie", "huisartsenzorg", "farmacie", "diagnostiek",
                                        "verwijzingen", "ggz", "fysiotherapie", "kosten"}
    costs = catalogue[catalogue["domain"] == "kosten"]
    assert (costs["statistic"] == "cost").all() and not costs["influenceable"].any()
    assert (costs["follow_up"] == "none").all()


def test_every_indicator_has_calibration_reference_and_mirror(tables):
    catalogue, _ = load_catalogue()
    assert load_calibration()["indicator"].tolist() == catalogue["id"].tolist()
    assert set(tables["mirror"]["indicator"]) == set(catalogue["id"])
    counts = tables["reference"].groupby(["indicator", "year"]).size()
    assert (counts == 38).all() and len(counts) == len(catalogue) * len(YEARS)


def test_shipped_folder_passes_the_data_checks():
    data, problems = check_data(SHIPPED)
    assert data is not None and problems == []


def test_mirror_values(tables):
    mirror = tables["mirror"]
    statistic = mirror["indicator"].map(load_calibration().set_index("indicator")["statistic"])
    counts = mirror[statistic != "cost"]["observed"]
    assert (counts == counts.round()).all() and (mirror["observed"] >= 0).all()
    proportions = mirror[statistic == "proportion"]
    assert (proportions["observed"] <= proportions["denominator"]).all()
    given = mirror.loc[mirror["expected"].notna(), "indicator"].unique()
    assert 2 <= len(given) <= 3
    assert mirror["expected"].isna().mean() > 0.9


# --- calibration -------------------------------------------------------------------------

def national_value(reference, indicator, year=2022):
    """The reference applied to the national age-sex structure (Vektis 2015)."""
    shares = national_structure().rename("share").reset_index()
    rows = reference[(reference["indicator"] == indicator) & (reference["year"] == year)]
    rows = rows.merge(shares, on=["age_band", "sex"])
    return (rows["rate"] * rows["share"]).sum() / rows["share"].sum()


def test_reference_gives_the_national_values(tables):
    for row in load_calibration().itertuples():
        assert national_value(tables["reference"], row.indicator) == pytest.approx(row.national, rel=1e-3)


def test_reference_rates_of_proportions_are_probabilities(tables):
    reference = tables["reference"]
    statistic = reference["indicator"].map(load_calibration().set_index("indicator")["statistic"])
    assert reference.loc[statistic == "proportion", "rate"].between(0, 1, inclusive="neither").all()


def test_referral_curve_matches_nivel(tables):
    reference = tables["reference"]
    rows = reference[(reference["indicator"] == "verwijzingen_totaal") & (reference["year"] == 2022)]
    rows = rows.merge(national_structure().rename("share").reset_index(), on=["age_band", "sex"])
    weight_0_17 = rows["age_band"].map({"0-4": 1, "5-9": 1, "10-14": 1, "15-19": 0.6}).fillna(0)

    def per_1000(weight):
        return 1000 * (rows["rate"] * rows["share"] * weight).sum() / (rows["share"] * weight).sum()

    assert per_1000(rows["sex"] == "M") == pytest.approx(281, rel=0.05)
    assert per_1000(rows["sex"] == "V") == pytest.approx(376, rel=0.05)
    assert per_1000(weight_0_17) == pytest.approx(158, rel=0.05)
    assert per_1000(rows["age_band"].isin(["65-69", "70-74"])) == pytest.approx(453, rel=0.05)


def test_cost_curves_are_the_vektis_curves(tables):
    vektis = pd.read_csv(ROOT / "spiegelkit" / "data" / "vektis2015_national_cost_rates.csv")
    gp = vektis[vektis["domain"] == "huisartsenzorg"].set_index(["age_band", "sex"])["rate"]
    reference = tables["reference"]
    demo = reference[(reference["indicator"] == "kosten_huisartsenzorg") & (reference["year"] == 2022)]
    ratio = demo.set_index(["age_band", "sex"])["rate"] / gp
    assert ratio.max() / ratio.min() == pytest.approx(1, abs=1e-5)  # same shape, only scaled


@pytest.mark.parametrize("indicator, national", [
    ("verwijzingen_totaal", 0.327),     # Nivel 2021: 327 per 1,000
    ("contact_huisarts", 0.77),         # Nivel 2021: 77%
    ("voorschrift_een_of_meer", 0.67),  # Nivel 2020: about two thirds
    ("kosten_huisartsenzorg", 176.90),  # Vektis 2015
    ("kosten_totaal", 2342),            # Vektis 2015
])
def test_region_totals_are_close_to_the_national_figures(tables, indicator, national):
    assert region_value(tables, indicator) == pytest.approx(national, rel=0.05)


def test_antibiotics_vary_two_to_six_fold_between_practices(tables):
    # RIVM / DOMAIN.md: some GPs prescribe up to 6 times more antibiotics than others
    mirror = tables["mirror"]
    rows = mirror[(mirror["indicator"] == "antibiotica") & (mirror["year"] == 2024)]
    share = rows["observed"] / rows["denominator"]
    assert 2 <= share.max() / share.min() <= 6


def test_practices_vary_as_much_as_in_real_practice_registers():
    """Between-practice spread of real size: FunnelPlotR's phi and tau of the demo's count
    indicators in 2024 against the 21 registers of the English QOF 2019-20 (6,688 practices
    of over 1,000 patients, log/SHMI method, expected = list size x national prevalence):
    median phi 11.0 (range 2.3-45), median tau 0.24 (0.13-0.34 for the 14 largest registers);
    with chance alone (phi about 1) the demo would flag what no real group sees."""
    data = check_data(SHIPPED)[0]
    spread = between_practice_spread(data)
    counts = set(data.catalogue.loc[data.catalogue["statistic"] != "cost", "id"])
    latest = spread[(spread["year"] == 2024) & spread["indicator"].isin(counts)]
    assert len(latest) == len(counts) and (latest["units"] >= 20).all()
    assert 6 <= latest["phi"].median() <= 25
    assert 0.15 <= np.sqrt(latest["tau2"]).median() <= 0.35
    assert latest["adjusted"].all()


def test_spread_table_gives_national_percentiles_for_every_indicator_and_year(tables):
    spread = tables["spread"]
    catalogue, _ = load_catalogue()
    assert set(zip(spread["indicator"], spread["year"])) == {
        (i, y) for i in catalogue["id"] for y in YEARS}
    columns = ["p5", "p25", "p50", "p75", "p95"]
    assert (spread[columns].diff(axis=1).iloc[:, 1:] >= 0).all().all()
    # the median practice is near 100 (below it for a wide spread: the mean index is 100)
    assert spread["p50"].between(75, 120).all()


def test_a_data_folder_without_the_spread_table_loads(tmp_path):
    for name in TABLES[:-1]:
        (tmp_path / f"{name}.csv").write_bytes((SHIPPED / f"{name}.csv").read_bytes())
    data, problems = check_data(tmp_path)
    assert data is not None and not [p for p in problems if p.is_error]
    assert data.spread.empty and list(data.spread.columns) == [
        "indicator", "year", "p5", "p25", "p50", "p75", "p95"]


# --- group params ------------------------------------------------------------------------

def test_params_for_every_group_are_valid(tmp_path, tables):
    paths = write_demo_params(tmp_path, data_dir="demo")
    assert len(paths) == len(load_region()["groups"])
    known = set(tables["practices"]["agb"])
    for group_id, path in paths.items():
        params, problems = load_params(path)
        assert params is not None and problems == [], group_id
        assert params.group_id == group_id and params.data_year == 2024
        assert 3 <= len(params.practices) <= 5
        assert {p.agb for p in params.practices} <= known
        assert str(params.meeting_date).startswith("2026-")
    text = paths["fto-diemen"].read_text(encoding="utf-8")
    assert 'meeting_date: "2026-' in text and 'agb: "01' in text


def test_shipped_params_are_the_generated_ones(tmp_path):
    paths = write_demo_params(tmp_path, data_dir="demo")
    for group_id in SHIPPED_PARAMS:
        assert (ROOT / "params" / f"{group_id}.yaml").read_bytes() == paths[group_id].read_bytes()


def test_shipped_params_show_the_special_cases():
    notes, sizes = [], []
    for group_id in SHIPPED_PARAMS:
        params, _ = load_params(ROOT / "params" / f"{group_id}.yaml")
        notes += [p.note for p in params.practices if p.note]
        sizes.append(len(params.practices))
    practices = pd.read_csv(SHIPPED / "practices.csv", dtype={"agb": str})
    without = set(practices.loc[~practices["has_mirror"], "agb"])
    shipped_agbs = {p.agb for g in SHIPPED_PARAMS for p in load_params(ROOT / "params" / f"{g}.yaml")[0].practices}
    assert without & shipped_agbs
    assert 5 in sizes
    assert {"Veel studenten ingeschreven", "Azc in het verzorgingsgebied",
            "Verpleeghuis in de wijk"} <= set(notes)


def test_data_dir_is_written_as_given(tmp_path):
    path = write_demo_params(tmp_path, data_dir="..")["fto-diemen"]
    assert "data_dir: .." in path.read_text(encoding="utf-8")
    assert np.isclose(load_params(path)[0].options.confidence, 0.95)
