"""Tests for spiegelkit.analysis.costs and spiegelkit.render.calculator.

Golden figures: "Kosten begeleiding praktijkspiegelbijeenkomsten" (Elaa; shared/seeds/
kosten-begeleiding.txt): EUR 0.80 per patient per year; EUR 50 per practice + EUR 0.05 per
patient per meeting; a normpraktijk of 2,095 patients receives EUR 1,676, pays EUR 154.75
per meeting and EUR 464.25 for three. Every other expected value is worked out by hand in
the comment beside it.
"""

import json
import random
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spiegelkit.render.calculator import CALCULATOR_CORE_JS, _break_even, calculator_html
from spiegelkit.analysis.costs import (
    BreakEven,
    Tariffs,
    break_even_patients,
    care_cost_whatif,
    costs_json,
    NO_BREAK_EVEN_TEXT,
    break_even_sentence,
    costs_table,
    group_costs,
    practice_costs,
    render_costs_text,
)

from spiegelkit.dutch import euro as format_euro  # the one owner of Dutch money notation

D = Decimal


# --------------------------------------------------------------------------------------
# The source figures
# --------------------------------------------------------------------------------------

def test_normpraktijk_source_figures():
    costs = practice_costs(2095)
    assert costs.supplement_per_year == D("1676.00")  # source: EUR 1,676
    assert costs.fee_per_meeting == D("154.75")  # source: EUR 154.75 per meeting
    assert costs.fee_per_year == D("464.25")  # source: EUR 464.25 for three
    assert str(costs.fee_per_meeting) == "154.75"  # exact cents, no float noise


# --------------------------------------------------------------------------------------
# Further cases by hand
# --------------------------------------------------------------------------------------

HALF_CENT_FEE = Tariffs(fee_per_practice=0, fee_per_patient="0.025")

HAND_CASES = [
    # patients, tariffs, supplement, fee per meeting, fee per year, net
    # 0 x 0.80 = 0.00; 50 + 0 = 50.00; x3 = 150.00; 0 - 150 = -150.00
    (0, Tariffs(), "0.00", "50.00", "150.00", "-150.00"),
    # 1 x 0.80 = 0.80; 50 + 0.05 = 50.05; x3 = 150.15; 0.80 - 150.15 = -149.35
    (1, Tariffs(), "0.80", "50.05", "150.15", "-149.35"),
    # 1000 x 0.80 = 800.00; 50 + 50 = 100.00; x3 = 300.00; net 500.00
    (1000, Tariffs(), "800.00", "100.00", "300.00", "500.00"),
    # 2 meetings: 154.75 x 2 = 309.50; 1676.00 - 309.50 = 1366.50
    (2095, Tariffs(meetings_per_year=2), "1676.00", "154.75", "309.50", "1366.50"),
    # 230 x 0.80 = 184.00; 50 + 11.50 = 61.50; x3 = 184.50; net -0.50 (just below break-even)
    (230, Tariffs(), "184.00", "61.50", "184.50", "-0.50"),
    # 231 x 0.80 = 184.80; 50 + 11.55 = 61.55; x3 = 184.65; net 0.15 (first at or above)
    (231, Tariffs(), "184.80", "61.55", "184.65", "0.15"),
    # half a cent rounds up: 1 x 0.025 = 0.025 -> 0.03 (half-even would give 0.02);
    # each meeting is invoiced on its own: 0.03 x 3 = 0.09 (not 0.075 -> 0.08)
    (1, HALF_CENT_FEE, "0.80", "0.03", "0.09", "0.71"),
    # 3 x 0.025 = 0.075 -> 0.08 (half up; half-even would also give 0.08); x3 = 0.24
    (3, HALF_CENT_FEE, "2.40", "0.08", "0.24", "2.16"),
    # supplement rounds half up too: 3 x 0.005 = 0.015 -> 0.02
    (3, Tariffs(supplement_per_patient="0.005"), "0.02", "50.15", "150.45", "-150.43"),
    # just below half a cent rounds down: 1 x 0.0249 = 0.0249 -> 0.02
    (1, Tariffs(fee_per_practice=0, fee_per_patient="0.0249"), "0.80", "0.02", "0.06", "0.74"),
    # self-organised: no fee; net is the supplement
    (2095, Tariffs().self_organised(), "1676.00", "0.00", "0.00", "1676.00"),
]


@pytest.mark.parametrize("patients, tariffs, supplement, per_meeting, per_year, net", HAND_CASES)
def test_hand_worked_cases(patients, tariffs, supplement, per_meeting, per_year, net):
    costs = practice_costs(patients, tariffs)
    assert (costs.supplement_per_year, costs.fee_per_meeting, costs.fee_per_year, costs.net_per_year) == (
        D(supplement), D(per_meeting), D(per_year), D(net)
    )


def test_group_totals_by_hand():
    rows, totals = group_costs([2095, 1000, 0])
    assert [row.registered_patients for row in rows] == [2095, 1000, 0]
    assert totals.practices == 3
    assert totals.registered_patients == 3095
    assert totals.supplement_per_year == D("2476.00")  # 1676 + 800 + 0
    assert totals.fee_per_meeting == D("304.75")  # 154.75 + 100 + 50
    assert totals.fee_per_year == D("914.25")  # 464.25 + 300 + 150
    assert totals.net_per_year == D("1561.75")  # 1211.75 + 500 - 150


def test_tariffs_accept_text_and_floats_exactly():
    tariffs = Tariffs(supplement_per_patient="0.80", fee_per_practice=50, fee_per_patient=0.05)
    assert tariffs == Tariffs()
    assert tariffs.fee_per_patient == D("0.05")  # via the float's text, not its binary value


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: practice_costs(-1), "whole number, 0 or more"),
        (lambda: practice_costs(2.5), "whole number"),
        (lambda: practice_costs(True), "whole number"),
        (lambda: practice_costs(float("nan")), "whole number"),
        (lambda: practice_costs("veel"), "whole number"),
        (lambda: Tariffs(meetings_per_year=0), "meetings_per_year must be a whole number, 1 or more"),
        (lambda: Tariffs(fee_per_patient="-0.05"), "fee_per_patient must be an amount in euros, 0 or more"),
        (lambda: Tariffs(supplement_per_patient="0,80"), "supplement_per_patient"),
        (lambda: group_costs([]), "at least one practice"),
        (lambda: group_costs(2095), "list of registered patients"),
        (lambda: group_costs([2095, -3]), "practice 2"),
        (lambda: costs_table([2095], names=["A", "B"]), "one name per practice"),
    ],
)
def test_input_checks_speak_plainly(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_whole_floats_and_numpy_ints_are_list_sizes():
    import numpy as np

    assert practice_costs(2095.0) == practice_costs(np.int64(2095)) == practice_costs(2095)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

tariff_amounts = st.decimals(min_value=0, max_value=100, places=3)
tariffs_strategy = st.builds(
    Tariffs,
    supplement_per_patient=tariff_amounts,
    fee_per_practice=tariff_amounts,
    fee_per_patient=tariff_amounts,
    meetings_per_year=st.integers(1, 12),
)
list_size = st.integers(0, 1_000_000)


@given(tariffs_strategy, list_size, list_size)
def test_supplement_and_fee_grow_with_list_size(tariffs, a, b):
    small, large = practice_costs(min(a, b), tariffs), practice_costs(max(a, b), tariffs)
    assert small.supplement_per_year <= large.supplement_per_year
    assert small.fee_per_meeting <= large.fee_per_meeting
    assert small.fee_per_year <= large.fee_per_year


@given(tariffs_strategy, list_size)
def test_amounts_are_whole_cents_and_add_up(tariffs, patients):
    costs = practice_costs(patients, tariffs)
    for value in (costs.supplement_per_year, costs.fee_per_meeting, costs.fee_per_year, costs.net_per_year):
        assert value == value.quantize(D("0.01"))
    assert costs.fee_per_year == costs.fee_per_meeting * tariffs.meetings_per_year
    assert costs.net_per_year == costs.supplement_per_year - costs.fee_per_year


@given(tariffs_strategy, st.lists(list_size, min_size=1, max_size=8))
def test_group_totals_are_sums_of_practices(tariffs, sizes):
    rows, totals = group_costs(sizes, tariffs)
    assert totals.practices == len(sizes)
    assert totals.registered_patients == sum(sizes)
    for field in ("supplement_per_year", "fee_per_meeting", "fee_per_year", "net_per_year"):
        assert getattr(totals, field) == sum(getattr(row, field) for row in rows)
    table = costs_table(sizes, tariffs)
    assert table.iloc[-1]["net_per_year"] == totals.net_per_year
    assert table.iloc[:-1]["net_per_year"].sum() == totals.net_per_year


# --------------------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "tariffs, exact, first",
    [
        # 0.80 n = 3 (50 + 0.05 n) -> 0.65 n = 150 -> n = 230.77; 230 -> -0.50, 231 -> +0.15
        (Tariffs(), "230.77", 231),
        # 0.80 n = 2 (50 + 0.05 n) -> 0.70 n = 100 -> n = 142.86; 142: 113.60 - 2 x 57.10 = -0.60,
        # 143: 114.40 - 2 x 57.15 = +0.10
        (Tariffs(meetings_per_year=2), "142.86", 143),
        # self-organised: no fee, every list size breaks even, the first is 0
        (Tariffs().self_organised(), "0.00", 0),
    ],
)
def test_break_even_by_hand(tariffs, exact, first):
    result = break_even_patients(tariffs)
    assert result.exact_patients.quantize(D("0.01")) == D(exact)
    assert result.first_whole_patients == first


def test_no_break_even_when_supplement_never_catches_up():
    # 0.15 - 3 x 0.05 = 0: every patient costs as much as he brings; the fixed fee stays.
    assert break_even_patients(Tariffs(supplement_per_patient="0.15")) == BreakEven(None, None)
    assert break_even_patients(Tariffs(supplement_per_patient="0.10")) == BreakEven(None, None)


@settings(max_examples=60)
@given(
    st.builds(
        Tariffs,
        supplement_per_patient=st.decimals(min_value=0, max_value=2, places=3),
        fee_per_practice=st.decimals(min_value=0, max_value=60, places=2),
        fee_per_patient=st.decimals(min_value=0, max_value="0.4", places=3),
        meetings_per_year=st.integers(1, 5),
    )
)
def test_break_even_is_the_first_list_size_with_net_at_least_zero(tariffs):
    first = break_even_patients(tariffs).first_whole_patients
    if first is None:
        return
    assert practice_costs(first, tariffs).net_per_year >= 0
    below = range(max(0, first - 2000), first)  # brute force over the last 2,000 sizes below
    assert all(practice_costs(n, tariffs).net_per_year < 0 for n in below)


# --------------------------------------------------------------------------------------
# Output: Dutch notation, table, JSON, text
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, text",
    [
        ("1676", "€ 1.676,00"),
        ("154.75", "€ 154,75"),
        ("0", "€ 0,00"),
        ("-150", "€ -150,00"),
        ("1234567.885", "€ 1.234.567,89"),  # half up
        ("0.004", "€ 0,00"),
    ],
)
def test_format_euro(value, text):
    assert format_euro(D(value)) == text


def test_costs_table_columns_and_totals_row():
    table = costs_table([2095, 1000], names=["De Linde", "Het Anker"])
    assert list(table.columns) == [
        "practice", "registered_patients", "supplement_per_year", "fee_per_meeting", "fee_per_year", "net_per_year",
    ]
    assert list(table["practice"]) == ["De Linde", "Het Anker", "Totaal groep"]
    assert table.iloc[-1]["fee_per_meeting"] == D("254.75")  # 154.75 + 100.00


def test_costs_json_is_serialisable_with_money_as_text():
    data = json.loads(json.dumps(costs_json([2095])))
    practice = data["practices"][0]
    assert practice["supplement_per_year"] == "1676.00"
    assert practice["fee_per_meeting"] == "154.75"
    assert practice["fee_per_year"] == "464.25"
    assert data["tariffs"] == {
        "supplement_per_patient": "0.80", "fee_per_practice": "50", "fee_per_patient": "0.05", "meetings_per_year": 3,
    }
    assert data["self_organised_totals"]["net_per_year"] == "1676.00"
    assert data["break_even"] == {"exact_patients": "230.77", "first_whole_patients": 231}


def test_render_costs_text_shows_greppable_figures():
    text = render_costs_text([2095])
    for figure in ("1676.00", "154.75", "464.25", "1211.75", "230.77", "231"):
        assert figure in text
    assert "Totaal groep" in text
    assert "Zelf georganiseerd" in text


def test_render_costs_text_without_break_even():
    assert NO_BREAK_EVEN_TEXT in render_costs_text([2095], Tariffs(supplement_per_patient="0.10"))


def test_break_even_sentence_has_one_wording():
    assert break_even_sentence() == ("Omslagpunt: vanaf 231 ingeschreven patiënten dekt de opslag de "
                                     "begeleiding (netto per jaar € 0,00 of meer).")
    assert break_even_sentence(Tariffs(supplement_per_patient="0.10")) == NO_BREAK_EVEN_TEXT
    # the CLI text, the offline calculator and the JupyterLab table all say it in these words
    assert break_even_sentence() in render_costs_text([2095])
    assert break_even_sentence() in calculator_html([2095])
    from spiegelkit.jupyter.widgets import costs_html

    assert break_even_sentence() in costs_html([2095])


# --------------------------------------------------------------------------------------
# Care-cost what-if
# --------------------------------------------------------------------------------------

def whatif_table():
    """Three practices, one cost and one rate indicator; index = observed / expected x 100."""
    rows = [
        # agb, indicator, statistic, observed, expected, index, lower, upper
        ("01000001", "kosten_farmacie", "cost", 120_000, 100_000, 120, 110, 130),
        ("01000002", "kosten_farmacie", "cost", 90_000, 100_000, 90, 80, 100),
        ("01000003", "kosten_farmacie", "cost", 52_500, 50_000, 105, 90, 120),
        ("01000001", "verwijzingen", "rate", 600, 500, 120, 100, 140),
        ("01000002", "verwijzingen", "rate", 400, 500, 80, 70, 90),
        ("01000003", "verwijzingen", "rate", 300, 300, 100, 90, 110),
    ]
    columns = ["agb", "indicator", "statistic", "observed", "expected", "index", "lower", "upper"]
    return pd.DataFrame(rows, columns=columns)


def lookup(result, level, indicator, agb=None):
    rows = result[(result["level"] == level) & (result["indicator"] == indicator)]
    if agb is not None:
        rows = rows[rows["agb"] == agb]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(
    "target, indicator, agb, target_index, difference, lower, upper",
    [
        # median index of costs (120, 90, 105) = 105
        # 01000001: 120000 - 100000 x 1.05 = 15000; 100000 x (110 - 105)/100 = 5000; x (130 - 105) = 25000
        ("median", "kosten_farmacie", "01000001", 105, 15_000, 5_000, 25_000),
        # 01000002: 90000 - 105000 = -15000; 100000 x (80 - 105)/100 = -25000; x (100 - 105) = -5000
        ("median", "kosten_farmacie", "01000002", 105, -15_000, -25_000, -5_000),
        # 01000003: 52500 - 52500 = 0; 50000 x (90 - 105)/100 = -7500; x (120 - 105) = 7500
        ("median", "kosten_farmacie", "01000003", 105, 0, -7_500, 7_500),
        # group: 15000 - 15000 + 0 = 0; 5000 - 25000 - 7500 = -27500; 25000 - 5000 + 7500 = 27500
        ("median", "kosten_farmacie", None, 105, 0, -27_500, 27_500),
        # national (100): 01000001: 120000 - 100000 = 20000; [10000, 30000]
        ("national", "kosten_farmacie", "01000001", 100, 20_000, 10_000, 30_000),
        # 01000002: -10000; [100000 x -20/100, 100000 x 0] = [-20000, 0]
        ("national", "kosten_farmacie", "01000002", 100, -10_000, -20_000, 0),
        # 01000003: 52500 - 50000 = 2500; [50000 x -10/100, 50000 x 20/100] = [-5000, 10000]
        ("national", "kosten_farmacie", "01000003", 100, 2_500, -5_000, 10_000),
        # group: 20000 - 10000 + 2500 = 12500; [10000 - 20000 - 5000, 30000 + 0 + 10000]
        ("national", "kosten_farmacie", None, 100, 12_500, -15_000, 40_000),
        # referrals, median of (120, 80, 100) = 100: 01000001: 600 - 500 = 100; [0, 200]
        ("median", "verwijzingen", "01000001", 100, 100, 0, 200),
        # 01000002: 400 - 500 = -100; [500 x -30/100, 500 x -10/100] = [-150, -50]
        ("median", "verwijzingen", "01000002", 100, -100, -150, -50),
        # group: 100 - 100 + 0 = 0; [0 - 150 - 30, 200 - 50 + 30] = [-180, 180]
        ("median", "verwijzingen", None, 100, 0, -180, 180),
    ],
)
def test_care_cost_whatif_by_hand(target, indicator, agb, target_index, difference, lower, upper):
    result = care_cost_whatif(whatif_table(), target=target)
    row = lookup(result, "practice" if agb else "group", indicator, agb)
    assert row["target"] == target
    assert row["target_index"] == pytest.approx(target_index)
    assert row["difference"] == pytest.approx(difference)
    assert row["difference_lower"] == pytest.approx(lower)
    assert row["difference_upper"] == pytest.approx(upper)
    assert row["range_includes_zero"] == (lower <= 0 <= upper)


def test_care_cost_whatif_units_and_shape():
    result = care_cost_whatif(whatif_table())
    assert len(result) == 6 + 2  # six practice rows, one group row per indicator
    assert set(result.loc[result["statistic"] == "cost", "unit"]) == {"euro"}
    assert set(result.loc[result["statistic"] == "rate", "unit"]) == {"events"}
    assert "saving" not in " ".join(result.columns)


def test_care_cost_whatif_medians_per_year():
    table = pd.concat([whatif_table().assign(year=2023), whatif_table().assign(year=2024, index=100)])
    result = care_cost_whatif(table)
    medians = result[result["level"] == "group"].set_index(["indicator", "year"])["target_index"]
    assert medians[("kosten_farmacie", 2023)] == 105
    assert medians[("kosten_farmacie", 2024)] == 100


def test_care_cost_whatif_keeps_missing_expected_missing():
    table = whatif_table()
    table.loc[2, ["expected", "index", "lower", "upper"]] = float("nan")  # practice without a mirror
    result = care_cost_whatif(table, target="national")
    assert pd.isna(lookup(result, "practice", "kosten_farmacie", "01000003")["difference_lower"])
    # group sums what is known: [10000 - 20000, 30000 + 0]
    assert lookup(result, "group", "kosten_farmacie")["difference_lower"] == pytest.approx(-10_000)


@pytest.mark.parametrize(
    "table, target, words",
    [
        (whatif_table(), "best", "target must be one of"),
        (whatif_table().drop(columns=["lower"]), "median", "lacks the columns"),
        (whatif_table().assign(statistic="mean"), "median", "statistic must be one of"),
    ],
)
def test_care_cost_whatif_input_checks(table, target, words):
    with pytest.raises(ValueError, match=words):
        care_cost_whatif(table, target=target)


# --------------------------------------------------------------------------------------
# Calculator HTML
# --------------------------------------------------------------------------------------

class Elements(HTMLParser):
    """Collect (tag, attributes) of every start tag."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html):
    parser = Elements()
    parser.feed(html)
    return parser.elements


def test_calculator_shows_source_figures_with_cents():
    html = calculator_html([2095], id_prefix="sk-calc-test")
    cells = {}  # the practice row comes first; the totals row repeats the fields
    for tag, attrs in elements(html):
        if "data-cents" in attrs:
            cells.setdefault(attrs["data-field"], attrs["data-cents"])
    assert cells["supplement_per_year"] == "167600"
    assert cells["fee_per_meeting"] == "15475"
    assert cells["fee_per_year"] == "46425"
    for text in ("€ 1.676,00", "€ 154,75", "€ 464,25"):
        assert text in html


def test_calculator_has_the_documented_hooks():
    found = elements(calculator_html([2095, 1800], id_prefix="P"))
    names = {attrs.get("name") for tag, attrs in found if tag == "input"}
    assert names == {"supplement", "fee-per-practice", "fee-per-patient", "meetings", "facilitated", "patients-0", "patients-1"}
    ids = [attrs["id"] for tag, attrs in found if "id" in attrs]
    assert ids[0] == "P" and all(id_.startswith("P-") for id_ in ids[1:])
    classes = {attrs.get("class") for tag, attrs in found}
    assert {"sk-calc", "sk-calc-row", "sk-calc-total", "sk-calc-breakeven", "sk-calc-error"} <= classes
    fields = {attrs.get("data-field") for tag, attrs in found}
    assert {"supplement_per_year", "fee_per_meeting", "fee_per_year", "net_per_year", "break_even"} <= fields


def test_calculator_escapes_practice_names():
    html = calculator_html([2095], names=["<script>alert(1)</script>"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert html.count("<script>") == 1  # only the calculator's own script


def test_calculator_is_offline_and_plain():
    html = calculator_html([2095, 1800, 950]).lower()
    for forbidden in ("http", "src=", "eval(", "new function", "innerhtml", "import ", "fetch(", "xmlhttprequest", "//"):
        assert forbidden not in html


def test_calculators_on_one_page_do_not_clash():
    first, second = calculator_html([2095]), calculator_html([2095])
    ids = lambda html: {attrs["id"] for tag, attrs in elements(html) if "id" in attrs}  # noqa: E731
    assert not ids(first) & ids(second)


def test_calculator_rejects_tariffs_it_cannot_count():
    with pytest.raises(ValueError, match="at most 6 decimals"):
        calculator_html([2095], Tariffs(fee_per_patient="0.0000001"))
    with pytest.raises(ValueError, match="id_prefix"):
        calculator_html([2095], id_prefix='x" onclick="alert(1)')


# --------------------------------------------------------------------------------------
# The calculator's arithmetic under node (skipped when node is absent)
# --------------------------------------------------------------------------------------

def run_core_js(harness: str):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    completed = subprocess.run(
        [node, "-e", CALCULATOR_CORE_JS + harness], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(completed.stdout)


def micro(value: Decimal) -> str:
    return f"{int(value * 1_000_000)}n"


def js_tariffs(tariffs: Tariffs) -> str:
    return (
        f"{{supplement: {micro(tariffs.supplement_per_patient)}, feePerPractice: {micro(tariffs.fee_per_practice)}, "
        f"feePerPatient: {micro(tariffs.fee_per_patient)}, meetings: {tariffs.meetings_per_year}n}}"
    )


def js_cases():
    """Hand cases plus 300 seeded random tariffs and list sizes (up to 3 decimals)."""
    generator = random.Random(2095)
    amount = lambda top: D(generator.randint(0, top * 1000)) / 1000  # noqa: E731
    cases = [(patients, tariffs) for patients, tariffs, *_ in HAND_CASES]
    cases += [
        (
            generator.choice([0, 1, generator.randint(0, 500), generator.randint(0, 100_000)]),
            Tariffs(amount(2), amount(100), amount(1), generator.randint(1, 6)),
        )
        for _ in range(300)
    ]
    return cases


def test_js_arithmetic_matches_python():
    cases = js_cases()
    calls = ",".join(
        f"[practiceCosts({patients}n, {js_tariffs(tariffs)}), breakEven({js_tariffs(tariffs)})]"
        for patients, tariffs in cases
    )
    harness = (
        f"\nconsole.log(JSON.stringify([{calls}], function (key, value) {{"
        f" return typeof value === 'bigint' ? String(value) : value; }}));"
    )
    for (patients, tariffs), (costs, first) in zip(cases, run_core_js(harness), strict=True):
        expected = practice_costs(patients, tariffs)
        for field, cents in costs.items():
            assert D(cents) / 100 == getattr(expected, field), (patients, tariffs, field)
        python_first = break_even_patients(tariffs).first_whole_patients
        assert first == (None if python_first is None else str(python_first)), tariffs


def test_js_parsing_and_dutch_notation():
    texts = _break_even(Tariffs())
    cell = ("var cell = {attributes: %s, getAttribute: function (name) { return this.attributes[name]; }};\n"
            % json.dumps({"data-text": texts["template"], "data-text-none": texts["none"]}))
    harness = cell + """
console.log(JSON.stringify([
  [parseAmount("0,80"), parseAmount("0.05"), parseAmount(" 50 "), parseAmount("0.025"),
   parseAmount("1,2,3"), parseAmount("-1"), parseAmount("0.0000001"), parseAmount("")],
  [parseWhole("2095", 0n), parseWhole("2.095", 0n), parseWhole("0", 1n), parseWhole("3", 1n)],
  [formatEuro(167600n), formatEuro(15475n), formatEuro(-15000n), formatEuro(0n), formatEuro(123456789n), formatEuro(5n)],
  [breakEvenText(231n, cell), breakEvenText(12345n, cell), breakEvenText(null, cell)]
], function (key, value) { return typeof value === "bigint" ? String(value) : value; }));
"""
    from spiegelkit.render.calculator import CALCULATOR_DOM_JS

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    completed = subprocess.run(
        [node, "-e", CALCULATOR_CORE_JS + CALCULATOR_DOM_JS + harness],
        capture_output=True, text=True, timeout=60, check=True,
    )
    amounts, wholes, euros, sentences = json.loads(completed.stdout)
    assert amounts == ["800000", "50000", "50000000", "25000", None, None, None, None]
    assert wholes == ["2095", None, None, "3"]
    assert euros == ["€ 1.676,00", "€ 154,75", "€ -150,00", "€ 0,00", "€ 1.234.567,89", "€ 0,05"]
    assert euros == [format_euro(D(cents) / 100) for cents in (167600, 15475, -15000, 0, 123456789, 5)]
    # the script's sentence is the one Python renders before the script runs
    assert sentences[0] == _break_even(Tariffs())["text"]
    assert sentences[2] == _break_even(Tariffs(supplement_per_patient="0.10"))["text"]
    assert sentences[1].startswith("Omslagpunt: vanaf 12.345 ingeschreven")
