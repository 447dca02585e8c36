"""notebooks/methods.ipynb: the hand computation runs, and agrees with an independent one.

`by_hand` below redoes the notebook's steps from the demo CSV files with plain pandas, scipy
and the standard library, written differently from the notebook so that a slip in one is not
copied into the other: strata joined as index-aligned Series, exact Poisson limits from the
gamma distribution (chi2(q, 2x) / 2 = gamma(q, x)), z from statistics.NormalDist, the cost CV
read from indicators.yaml with plain yaml. Those values are compared with
spiegelkit.analysis.compare.compare_group and with the comparison tables that the executed notebook
shows (printed to 12 decimals), to a relative 1e-9.
"""

from html.parser import HTMLParser
from statistics import NormalDist

import nbformat
import pandas as pd
import papermill
import pytest
import yaml
from scipy.stats import gamma

from conftest import ROOT
from spiegelkit.run.check import check_group
from spiegelkit.analysis.compare import compare_group

NOTEBOOK = ROOT / "notebooks" / "methods.ipynb"
DEMO = ROOT / "spiegelkit" / "data" / "demo"
GROUP = ROOT / "params" / "hagro-amstelveen-noord.yaml"
NUMBERS = ["expected", "observed", "index", "lower", "upper", "lower_998", "upper_998"]


@pytest.fixture(scope="module")
def demo_tables():
    read = {"dtype": {"agb": str, "age_band": str, "sex": str}}
    return {name: pd.read_csv(DEMO / f"{name}.csv", **read)
            for name in ("population", "reference", "mirror")}


@pytest.fixture(scope="module")
def package_table():
    checked = check_group(GROUP)
    return compare_group(checked.data, checked.params).set_index(["agb", "year", "indicator"])


def by_hand(tables, agb, indicator, year, confidence=0.95):
    """Expected, index, 95% and 99.8% limits, method and significance of one mirror row."""
    stratum = ["age_band", "sex"]
    population, reference, mirror = tables["population"], tables["reference"], tables["mirror"]
    patients = population.query("agb == @agb and year == @year").set_index(stratum)["patients"]
    rates = reference.query("indicator == @indicator and year == @year").set_index(stratum)["rate"]
    row = mirror.query("agb == @agb and year == @year and indicator == @indicator").iloc[0]
    expected = row["expected"] if pd.notna(row["expected"]) else (patients * rates).sum()
    x, persons = float(row["observed"]), float(row["denominator"])
    entry = next(e for e in yaml.safe_load((ROOT / "spiegelkit" / "data" / "indicators.yaml")
                                           .read_text(encoding="utf-8")) if e["id"] == indicator)
    result = {"expected": expected, "observed": x, "index": 100 * x / expected}
    for name, level in (("", confidence), ("_998", 0.998)):
        z = NormalDist().inv_cdf(0.5 + level / 2)
        if entry["statistic"] == "cost":
            half = z * entry["cost_cv"] / persons ** 0.5
            low, high = max(x * (1 - half), 0), x * (1 + half)
            result["method"] = f"normal approximation, CV {float(entry['cost_cv'])}"
        elif x < 10:
            low = gamma.ppf((1 - level) / 2, x) if x else 0.0
            high = gamma.ppf((1 + level) / 2, x + 1)
            result["method"] = "exact Poisson (Garwood)"
        else:
            low = x * (1 - 1 / (9 * x) - z / (3 * x ** 0.5)) ** 3
            high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * (x + 1) ** 0.5)) ** 3
            result["method"] = "Byar"
        result[f"lower{name}"], result[f"upper{name}"] = 100 * low / expected, 100 * high / expected
    if entry["statistic"] != "cost" and x < 10:
        result["significance"] = "small_numbers"
    else:
        side = ("higher" if result["lower_998"] > 100 else "lower" if result["upper_998"] < 100
                else None)
        level = "998"
        if side is None:
            side = "higher" if result["lower"] > 100 else "lower" if result["upper"] < 100 else None
            level = "95"
        result["significance"] = f"{side}_{level}" if side else "similar"
    return result


CASES = [  # (agb, indicator, year): what the case exercises
    ("01651265", "antibiotica", 2024),  # the notebook's default: 1891 events, Byar
    ("01730167", "fluorchinolonen", 2023),  # 6 events: exact limits, small numbers
    ("01730167", "fluorchinolonen", 2024),  # exactly 10 events: Byar from 10
    ("01203236", "verwijzingen_totaal", 2024),  # a rate whose expected value the source gives
    ("01651265", "kosten_huisartsenzorg", 2024),  # cost, CV 1.5, standardised expected
    ("01991195", "kosten_farmacie", 2024),  # cost, CV 4, expected from the source
    ("01730167", "kosten_ggz", 2023),  # cost, CV 10, a small practice
]


@pytest.mark.parametrize("agb, indicator, year", CASES)
def test_hand_computation_matches_compare_group(demo_tables, package_table, agb, indicator, year):
    hand = by_hand(demo_tables, agb, indicator, year)
    package = package_table.loc[(agb, year, indicator)]
    for key in NUMBERS:
        assert package[key] == pytest.approx(hand[key], rel=1e-9, abs=0), key
    assert package["method"] == hand["method"]
    assert package["significance"] == hand["significance"]


def test_cases_cover_both_interval_methods_and_both_sources_of_expected(demo_tables):
    hands = [by_hand(demo_tables, *case) for case in CASES]
    assert {h["method"] for h in hands} >= {"Byar", "exact Poisson (Garwood)"}
    assert by_hand(demo_tables, *CASES[1])["observed"] == 6
    assert by_hand(demo_tables, *CASES[2])["observed"] == 10
    mirror = demo_tables["mirror"].set_index(["agb", "year", "indicator"])
    assert pd.notna(mirror.at[(CASES[3][0], CASES[3][2], CASES[3][1]), "expected"])
    assert pd.isna(mirror.at[(CASES[0][0], CASES[0][2], CASES[0][1]), "expected"])


class TableReader(HTMLParser):
    """Rows of the first HTML table: the row label, then the text of every cell."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None


def shown_table(executed, tag: str) -> pd.DataFrame:
    """The comparison table that the executed notebook displays in the cell with `tag`."""
    [cell] = [c for c in executed.cells if tag in c.metadata.get("tags", [])]
    [html] = [o.data["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    reader = TableReader()
    reader.feed(html)
    header, *rows = reader.rows
    return pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows], columns=header[1:])


def assert_shows(table: pd.DataFrame, hand: dict) -> None:
    for key in NUMBERS:
        for column in ("met de hand", "spiegelkit"):
            assert float(table.at[key, column]) == pytest.approx(hand[key], rel=1e-9, abs=1e-11), \
                (key, column)
    for key in ("method", "significance"):
        assert table.at[key, "met de hand"] == table.at[key, "spiegelkit"] == hand[key]


def run(tmp_path, name, **parameters):
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters,
                               kernel_name="python3", progress_bar=False,
                               cwd=str(NOTEBOOK.parent))
    return nbformat.read(out, as_version=4)


def test_notebook_with_its_defaults_shows_the_independent_values(tmp_path, demo_tables):
    executed = run(tmp_path, "defaults")
    assert_shows(shown_table(executed, "comparison"),
                 by_hand(demo_tables, "01651265", "antibiotica", 2024))
    assert_shows(shown_table(executed, "cost-comparison"),
                 by_hand(demo_tables, "01651265", "kosten_huisartsenzorg", 2024))
    assert executed.metadata.papermill.parameters == {}


def test_notebook_for_another_practice_and_indicator(tmp_path, demo_tables):
    executed = run(tmp_path, "small", params_file=str(GROUP), agb="01730167",
                   indicator="fluorchinolonen", cost_indicator="kosten_ggz", data_year=2023)
    hand = by_hand(demo_tables, "01730167", "fluorchinolonen", 2023)
    assert hand["method"] == "exact Poisson (Garwood)" and hand["significance"] == "small_numbers"
    assert_shows(shown_table(executed, "comparison"), hand)
    assert_shows(shown_table(executed, "cost-comparison"),
                 by_hand(demo_tables, "01730167", "kosten_ggz", 2023))
    outputs = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "te kleine aantallen voor een uitspraak" in outputs


def test_notebook_refuses_a_practice_outside_the_group(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="hoort niet bij de groep"):
        run(tmp_path, "outside", params_file=str(GROUP), agb="01149951")


def test_parameters_cell_has_a_comment_for_every_parameter():
    inferred = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(inferred) == ["params_file", "agb", "indicator", "cost_indicator", "data_year"]
    assert all(p["help"] for p in inferred.values()), "papermill could not read a comment"
    assert inferred["agb"]["default"] == '"01651265"'
