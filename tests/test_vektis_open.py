"""The Vektis open data reader and the municipality standardisation.

Expected figures come from an independent source: the sanity figures in
``shared/data/real/README.md`` (section 1), computed there from the raw file without
spiegelkit. Tests on the real file are skipped when ``../shared/data/real/`` is absent.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spiegelkit.inputs.problems import InputError
from spiegelkit.inputs.tables import AGE_BANDS
from spiegelkit.tools.vektis_open import (COST_COLUMNS, COST_DOMAINS, derive_cost_rates,
                                    derive_national_population, national_cost_rates,
                                    read_vektis_zvw, standardised_ratios, write_vektis_open)

REAL_FILE = Path(__file__).parents[1].parent / "shared/data/real/vektis_zvw_2015_gemeente.csv"
SHIPPED = Path(__file__).parents[1] / "spiegelkit" / "data"
HEADER = ("GESLACHT;LEEFTIJDSKLASSE;GEMEENTENAAM;AANTAL_BSN;AANTAL_VERZEKERDEJAREN;"
          + ";".join(COST_COLUMNS))

ABSENT = f"the real Vektis file is not there ({REAL_FILE}); it lives in ../shared/data/real/"
needs_real_file = pytest.mark.skipif(not REAL_FILE.exists(), reason=ABSENT)


@pytest.fixture(scope="module")
def vektis():
    if not REAL_FILE.exists():
        pytest.skip(ABSENT)
    return read_vektis_zvw(REAL_FILE)


@pytest.fixture(scope="module")
def ratios(vektis):
    return standardised_ratios(vektis)


# --- reading the real file -------------------------------------------------------------

def test_real_file_rows_rest_row_and_municipalities(vektis):
    assert len(vektis) == 14_735
    assert vektis["is_rest_row"].sum() == 1
    assert vektis.loc[vektis["is_rest_row"], ["area", "sex", "age_band"]].isna().all(axis=None)
    assert vektis["area"].nunique() == 388
    assert set(vektis["age_band"].dropna()) == set(AGE_BANDS)
    assert set(vektis["sex"].dropna()) == {"M", "V"}


def test_negative_corrections_are_kept(vektis):
    assert (vektis["KOSTEN_OVERIG"] < 0).sum() == 7


def test_national_totals_match_the_readme(vektis):
    # README: insured-years 16,869,489; GP care EUR 176.90 and total EUR 2,342 per
    # insured-year, all rows including the rest row.
    years = vektis["insured_years"].sum()
    assert round(years) == 16_869_489
    assert vektis["insured_persons"].sum() == 17_268_188
    assert round(vektis[COST_DOMAINS["huisartsenzorg"]].sum().sum() / years, 2) == 176.90
    assert round(vektis[COST_DOMAINS["totaal"]].sum().sum() / years) == 2342
    assert round(vektis[COST_DOMAINS["farmacie"]].sum().sum() / years) == 268
    assert round(vektis[COST_DOMAINS["medisch_specialistische_zorg"]].sum().sum() / years) == 1221


def test_national_gp_rates_by_age_and_sex_match_the_readme(vektis):
    # README: men 0-4 EUR 170, 20-24 117, 60-64 198, 75-79 332, 90+ 488;
    # women 20-24 148, 75-79 335, 90+ 453.
    rates = national_cost_rates(vektis)
    gp = rates[rates["domain"] == "huisartsenzorg"].set_index(["age_band", "sex"])["rate"]
    expected = {("0-4", "M"): 170, ("20-24", "M"): 117, ("60-64", "M"): 198, ("75-79", "M"): 332,
                ("90+", "M"): 488, ("20-24", "V"): 148, ("75-79", "V"): 335, ("90+", "V"): 453}
    for stratum, euros in expected.items():
        assert round(gp[stratum]) == euros, stratum


def test_rates_leave_out_the_rest_row_and_cover_every_stratum(vektis):
    rates = national_cost_rates(vektis)
    assert list(rates.columns) == ["domain", "age_band", "sex", "rate"]
    assert len(rates) == len(COST_DOMAINS) * 19 * 2
    strata = vektis[~vektis["is_rest_row"]]
    cell = strata[(strata["age_band"] == "40-44") & (strata["sex"] == "V")]
    by_hand = cell["KOSTEN_FARMACIE"].sum() / cell["insured_years"].sum()
    rate = rates.query("domain == 'farmacie' and age_band == '40-44' and sex == 'V'")["rate"]
    assert rate.item() == pytest.approx(by_hand, rel=1e-12)


# --- standardisation -------------------------------------------------------------------

def test_gp_cost_ratios_match_the_readme(ratios):
    # README: GP-cost SCR median 0.986, p5-p95 0.87-1.15, range 0.79 (Staphorst) to 1.59 (Vlieland).
    gp = ratios[ratios["domain"] == "huisartsenzorg"].set_index("area")["ratio"]
    assert len(gp) == 388
    assert round(gp.median(), 3) == 0.986
    assert round(gp.quantile(0.05), 2) == 0.87 and round(gp.quantile(0.95), 2) == 1.15
    assert gp.idxmin() == "STAPHORST" and round(gp.min(), 2) == 0.79
    assert gp.idxmax() == "VLIELAND" and round(gp.max(), 2) == 1.59


def test_total_and_pharmacy_ratios_match_the_readme(ratios):
    # README: total-cost SCR 0.78 (Drechterland) to 1.25 (Pekela), Heerlen 1.22,
    # Stadskanaal 1.18; pharmacy SCR 0.58-1.35.
    total = ratios[ratios["domain"] == "totaal"].set_index("area")["ratio"]
    assert total.idxmin() == "DRECHTERLAND" and round(total.min(), 2) == 0.78
    assert total.idxmax() == "PEKELA" and round(total.max(), 2) == 1.25
    assert round(total["HEERLEN"], 2) == 1.22 and round(total["STADSKANAAL"], 2) == 1.18
    pharmacy = ratios[ratios["domain"] == "farmacie"]["ratio"]
    assert (round(pharmacy.min(), 2), round(pharmacy.max(), 2)) == (0.58, 1.35)


def test_ratio_table_layout_and_interval(ratios):
    assert list(ratios.columns) == ["area", "domain", "observed", "expected", "ratio", "lower", "upper"]
    assert len(ratios) == 388 * len(COST_DOMAINS)
    assert np.allclose(ratios["ratio"], ratios["observed"] / ratios["expected"])
    assert (ratios["lower"] <= ratios["ratio"]).all() and (ratios["ratio"] <= ratios["upper"]).all()


def test_expected_adds_up_to_observed_nationally(ratios):
    # Indirect standardisation against rates from the same areas: sum of expected = sum of observed.
    totals = ratios.groupby("domain")[["observed", "expected"]].sum()
    assert np.allclose(totals["observed"], totals["expected"], rtol=1e-9)


def test_result_does_not_depend_on_row_order(vektis, ratios):
    shuffled = vektis.sample(frac=1, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(standardised_ratios(shuffled), ratios)


# --- writing ---------------------------------------------------------------------------

@needs_real_file
def test_write_vektis_open(tmp_path):
    paths = write_vektis_open(REAL_FILE, tmp_path / "out")
    assert set(paths) == {"national_reference", "standardised_ratios"}
    reference = pd.read_csv(paths["national_reference"])
    assert list(reference.columns) == ["domain", "age_band", "sex", "rate"]
    written = pd.read_csv(paths["standardised_ratios"])
    assert written["area"].nunique() == 388 and len(written) == 388 * len(COST_DOMAINS)
    assert not list((tmp_path / "out").glob("*.tmp"))  # no temporary files left behind


@needs_real_file
def test_shipped_aggregates_are_derived_from_the_real_file(tmp_path):
    derive_cost_rates(REAL_FILE, tmp_path / "rates.csv")
    derive_national_population(REAL_FILE, tmp_path / "population.csv")
    assert (tmp_path / "rates.csv").read_bytes() == \
        (SHIPPED / "vektis2015_national_cost_rates.csv").read_bytes()
    assert (tmp_path / "population.csv").read_bytes() == \
        (SHIPPED / "vektis2015_national_population.csv").read_bytes()


def test_shipped_aggregates_are_complete():
    rates = pd.read_csv(SHIPPED / "vektis2015_national_cost_rates.csv")
    assert list(rates.columns) == ["domain", "age_band", "sex", "rate"]
    assert len(rates) == len(COST_DOMAINS) * 38 and not rates.duplicated(["domain", "age_band", "sex"]).any()
    population = pd.read_csv(SHIPPED / "vektis2015_national_population.csv")
    assert len(population) == 38 and round(population["insured_years"].sum()) == 16_687_763


# --- small synthetic files ---------------------------------------------------------------

def synthetic(path: Path, rows: list[str], header: str = HEADER) -> Path:
    """A Vektis-like file: the header and the given rows (no trailing newline, like Vektis)."""
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    return path


def cost_cells(value="10.00") -> str:
    return ";".join([value] * len(COST_COLUMNS))


def test_small_valid_file(tmp_path):
    path = synthetic(tmp_path / "ok.csv", [
        f";;;30;25.50;{cost_cells('1.00')}",
        f"M; 0 t/m  4 jaar;ERGENS;100;95.25;{cost_cells()}",
        f"V;90+;ERGENS;12;10.00;{cost_cells('-3.5')}",
    ])
    df = read_vektis_zvw(path)
    assert df["is_rest_row"].tolist() == [True, False, False]
    assert df["age_band"].tolist()[1:] == ["0-4", "90+"]
    assert df["insured_years"].tolist() == [25.5, 95.25, 10.0]
    assert df.loc[2, "KOSTEN_OVERIG"] == -3.5


def test_malformed_rows_are_all_reported_with_file_row_and_column(tmp_path):
    path = synthetic(tmp_path / "broken.csv", [
        f";;;30;25.50;{cost_cells()}",
        f"M; 0 t/m  4 jaar;ERGENS;100;95.25;{cost_cells()}",
        f"M;100 t/m 104 jaar;ERGENS;100;95.25;{cost_cells()}",
        f"V;20 t/m 24 jaar;ERGENS;100;95,25;{cost_cells()}",
        f"X;25 t/m 29 jaar;ERGENS;100;veel;{cost_cells()}",
    ])
    with pytest.raises(InputError) as caught:
        read_vektis_zvw(path)
    text = str(caught.value)
    assert "broken.csv, row 4, field 'LEEFTIJDSKLASSE': unknown age class '100 t/m 104 jaar'" in text
    assert "broken.csv, row 5, field 'AANTAL_VERZEKERDEJAREN': '95,25' is not a number" in text
    assert "broken.csv, row 6, field 'GESLACHT': unknown sex 'X'" in text
    assert "broken.csv, row 6, field 'AANTAL_VERZEKERDEJAREN': 'veel' is not a number" in text
    assert len(caught.value.problems) == 4


def test_missing_column_is_named(tmp_path):
    header = HEADER.replace(";KOSTEN_FARMACIE", "")
    path = synthetic(tmp_path / "short.csv", ["M; 0 t/m  4 jaar;ERGENS;1;1.0" + ";1.0" * 21], header)
    with pytest.raises(InputError, match=r"short.csv, row 1, field 'KOSTEN_FARMACIE': "
                                         r"the column 'KOSTEN_FARMACIE' is missing"):
        read_vektis_zvw(path)


def test_partly_empty_keys_and_repeated_rows(tmp_path):
    path = synthetic(tmp_path / "keys.csv", [
        f"M; 0 t/m  4 jaar;;100;95.25;{cost_cells()}",
        f"V; 0 t/m  4 jaar;ERGENS;100;95.25;{cost_cells()}",
        f"V; 0 t/m  4 jaar;ERGENS;100;95.25;{cost_cells()}",
    ])
    with pytest.raises(InputError) as caught:
        read_vektis_zvw(path)
    text = str(caught.value)
    assert "row 2, field 'GEMEENTENAAM': empty" in text
    assert "row 4, field 'GEMEENTENAAM': ERGENS V 0-4 appears twice" in text


def test_latin1_file_is_read(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("\n".join([HEADER, f"M;90+;SÜDWEST-FRYSLÂN;10;9.5;{cost_cells()}"]).encode("latin-1"))
    assert read_vektis_zvw(path)["area"].tolist() == ["SÜDWEST-FRYSLÂN"]
