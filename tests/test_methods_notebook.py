"""notebooks/methods.ipynb: the hand computation runs, and agrees with an independent one.

`by_hand` below redoes the notebook's steps from the demo CSV files with plain pandas, scipy
and the standard library, written differently from the notebook so that a slip in one is not
copied into the other: strata joined as index-aligned Series, exact Poisson limits from the
gamma distribution (chi2(q, 2x) / 2 = gamma(q, x)), z from statistics.NormalDist, the cost CV
read from indicators.yaml with plain yaml. Those values are compared with
spiegelkit.analysis.compare.compare_group and with the comparison tables that the executed notebook
shows (printed to 12 decimals), to a relative 1e-9.

The marks against the spread between practices (step 9) are redone by `spread_by_hand` from
FunnelPlotR's description (log/SHMI method: z = sqrt(E) ln(O/E), rank groups 1-8 of 10 kept,
DerSimonian-Laird) with pandas ranks and plain sums; FunnelPlotR itself agrees with the
package's implementation of it (tests/test_funnelplotr.py).
"""

import math

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
SPREAD_NUMBERS = ["phi", "tau2", "limit_lower", "limit_upper", "limit_lower_998", "limit_upper_998"]


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
        result["significance_poisson"] = "small_numbers"
    else:
        side = ("higher" if result["lower_998"] > 100 else "lower" if result["upper_998"] < 100
                else None)
        level = "998"
        if side is None:
            side = "higher" if result["lower"] > 100 else "lower" if result["upper"] < 100 else None
            level = "95"
        result["significance_poisson"] = f"{side}_{level}" if side else "similar"
    return result


def spread_by_hand(tables, agb, indicator, year):
    """phi, tau2, the adjusted limits at the practice's E and its mark (a count indicator)."""
    practices = pd.read_csv(DEMO / "practices.csv", dtype={"agb": str})
    with_mirror = set(practices.loc[practices["has_mirror"].astype(str).str.lower() == "true", "agb"])
    population, reference, mirror = tables["population"], tables["reference"], tables["mirror"]
    rates = reference.query("indicator == @indicator and year == @year").set_index(["age_band", "sex"])["rate"]
    units = mirror.query("indicator == @indicator and year == @year and agb in @with_mirror")
    standardised = {a: (p.set_index(["age_band", "sex"])["patients"] * rates).sum()
                    for a, p in population.query("year == @year").groupby("agb")}
    e = units["expected"].where(units["expected"].notna(), units["agb"].map(standardised)).astype(float)
    o = units["observed"].astype(float)
    z = (e ** 0.5) * (o / e).map(math.log)
    n = len(z)
    group = (z.rank(method="average") * 10 / (n + 1)).map(math.floor)
    kept = (group > 0) & (group < 9)
    phi = sum(v * v for v in z[kept]) / kept.sum()
    w = e[kept]
    tau2 = max(0.0, (kept.sum() * phi - (kept.sum() - 1)) / (w.sum() - (w * w).sum() / w.sum()))
    own = by_hand(tables, agb, indicator, year)
    result = {"phi": phi, "tau2": tau2}
    for name, q in (("", 1.959964), ("_998", 3.090232)):
        half = q * math.sqrt(1 / own["expected"] + tau2)
        result[f"limit_lower{name}"] = 100 * math.exp(-half)
        result[f"limit_upper{name}"] = 100 * math.exp(half)
    index = own["index"]
    if own["observed"] < 10:
        result["significance"] = "small_numbers"
    elif phi <= 1:
        result["significance"] = own["significance_poisson"]
    else:
        for code, test in (("higher_998", index > result["limit_upper_998"]),
                           ("lower_998", index < result["limit_lower_998"]),
                           ("higher_95", index > result["limit_upper"]),
                           ("lower_95", index < result["limit_lower"]), ("similar", True)):
            if test:
                result["significance"] = code
                break
    return result


CASES = [  # (agb, indicator, year): what the case exercises
    ("01651265", "antibiotica", 2024),  # the notebook's default: 1891 events, Byar
    ("01730167", "fluorchinolonen", 2023),  # 4 events: exact limits, small numbers
    ("01730167", "basis_ggz", 2021),  # exactly 10 events: Byar from 10
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
    assert package["significance_poisson"] == hand["significance_poisson"]


SPREAD_CASES = [  # (agb, indicator, year): what the case exercises
    ("01651265", "antibiotica", 2024),  # the notebook's default
    ("01730167", "basis_ggz", 2024),  # 9 events: small numbers, no mark either way
    ("01203236", "fluorchinolonen", 2024),  # a small indicator
    ("01203236", "verwijzingen_totaal", 2024),  # expected values from the source
    ("01651265", "consulten_per_patient", 2024),  # a large count: 89 (88-90) ▼▼ by chance alone, no mark here
]


@pytest.mark.parametrize("agb, indicator, year", SPREAD_CASES)
def test_marks_against_the_spread_match_compare_group(demo_tables, package_table, agb, indicator, year):
    hand = spread_by_hand(demo_tables, agb, indicator, year)
    package = package_table.loc[(agb, year, indicator)]
    assert package["significance_method"] == "overdispersion_data"
    for key in SPREAD_NUMBERS:
        assert package[key] == pytest.approx(hand[key], rel=1e-9, abs=0), key
    assert package["significance"] == hand["significance"]


def test_the_spread_takes_away_marks_that_chance_alone_gives(demo_tables):
    """Among the spread cases some practice is marked by chance alone and not against the
    spread (the point of the method), and phi is of the order of real practice data."""
    hands = [(by_hand(demo_tables, *c), spread_by_hand(demo_tables, *c)) for c in SPREAD_CASES]
    assert any(h["significance_poisson"] != "similar" and s["significance"] == "similar"
               for h, s in hands)
    assert all(s["phi"] > 1 for _, s in hands)


def test_cases_cover_both_interval_methods_and_both_sources_of_expected(demo_tables):
    hands = [by_hand(demo_tables, *case) for case in CASES]
    assert {h["method"] for h in hands} >= {"Byar", "exact Poisson (Garwood)"}
    assert by_hand(demo_tables, *CASES[1])["observed"] == 4
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
    for key in ("method", "significance_poisson"):
        assert table.at[key, "met de hand"] == table.at[key, "spiegelkit"] == hand[key]


def assert_shows_spread(table: pd.DataFrame, hand: dict) -> None:
    for key in SPREAD_NUMBERS:
        for column in ("met de hand", "spiegelkit"):
            assert float(table.at[key, column]) == pytest.approx(hand[key], rel=1e-9), (key, column)
    assert table.at["significance", "met de hand"] == table.at["significance", "spiegelkit"] \
        == hand["significance"]


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
    assert_shows_spread(shown_table(executed, "spread-comparison"),
                        spread_by_hand(demo_tables, "01651265", "antibiotica", 2024))
    assert executed.metadata.papermill.parameters == {}


def test_notebook_for_another_practice_and_indicator(tmp_path, demo_tables):
    executed = run(tmp_path, "small", params_file=str(GROUP), agb="01730167",
                   indicator="fluorchinolonen", cost_indicator="kosten_ggz", data_year=2023)
    hand = by_hand(demo_tables, "01730167", "fluorchinolonen", 2023)
    assert hand["method"] == "exact Poisson (Garwood)" and hand["significance_poisson"] == "small_numbers"
    assert_shows(shown_table(executed, "comparison"), hand)
    spread = shown_table(executed, "spread-comparison")
    assert spread.at["significance", "met de hand"] == spread.at["significance", "spiegelkit"] \
        == "small_numbers"
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
