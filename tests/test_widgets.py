"""The JupyterLab calculators without a browser: tables, chart, widgets and the notebook.

Expected amounts are worked out by hand from the source tariffs (Elaa, "Kosten begeleiding
praktijkspiegelbijeenkomsten"): supplement EUR 0.80 per patient per year, fee EUR 50 per
practice + EUR 0.05 per patient per meeting, three meetings.
"""

import csv
from decimal import Decimal
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

from conftest import ROOT
from spiegelkit.jupyter import widgets
from spiegelkit.analysis.costs import Tariffs
from spiegelkit.inputs.problems import InputError

NOTEBOOK = ROOT / "notebooks" / "calculators.ipynb"
FTO_DIEMEN = ROOT / "params" / "fto-diemen.yaml"
DEMO_PRACTICES = ROOT / "spiegelkit" / "data" / "demo" / "practices.csv"


class Cells(HTMLParser):
    """Collect the attributes and text of every element with a data-field, per table row."""

    def __init__(self):
        super().__init__()
        self.rows = []  # one dict per <tr>: field -> (attributes, text); "_row": the <tr> itself
        self._open = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append({"_row": (attrs, "")})
        if "data-field" in attrs and self.rows:
            self._open = attrs
            self.rows[-1][attrs["data-field"]] = (attrs, "")

    def handle_data(self, data):
        if self._open is not None:
            field = self._open["data-field"]
            attrs, text = self.rows[-1][field]
            self.rows[-1][field] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._open = None


def table_rows(html):
    parser = Cells()
    parser.feed(html)
    return [row for row in parser.rows if len(row) > 1]  # skip the header row


def cents(html):
    """data-cents per row and money field: [{field: int}, ..., totals]."""
    return [
        {field: int(attrs["data-cents"]) for field, (attrs, _) in row.items() if "data-cents" in attrs}
        for row in table_rows(html)
    ]


# --------------------------------------------------------------------------------------
# Costs table and chart
# --------------------------------------------------------------------------------------

def test_costs_table_with_the_notebook_defaults_by_hand():
    html = widgets.costs_html([2095, 3500, 5200])
    # per practice: supplement 0.80 x n; per meeting 50 + 0.05 x n; per year x 3; net = supplement - per year
    # 2095: 1676.00, 154.75, 464.25, 1211.75 (the source figures)
    # 3500: 2800.00, 50 + 175 = 225.00, 675.00, 2125.00
    # 5200: 4160.00, 50 + 260 = 310.00, 930.00, 3230.00
    # group: 8636.00, 689.75, 2069.25, 6566.75
    assert cents(html) == [
        {"supplement_per_year": 167600, "fee_per_meeting": 15475, "fee_per_year": 46425, "net_per_year": 121175},
        {"supplement_per_year": 280000, "fee_per_meeting": 22500, "fee_per_year": 67500, "net_per_year": 212500},
        {"supplement_per_year": 416000, "fee_per_meeting": 31000, "fee_per_year": 93000, "net_per_year": 323000},
        {"supplement_per_year": 863600, "fee_per_meeting": 68975, "fee_per_year": 206925, "net_per_year": 656675},
    ]
    for text in ("€ 1.676,00", "€ 154,75", "€ 464,25", "€ 1.211,75", "10.795", "Totaal groep"):
        assert text in html, text
    # self-organised: no fee, so the group keeps the whole supplement, 8636.00
    assert "€ 6.566,75 met begeleiding door Elaa; € 8.636,00 als de groep de bijeenkomsten zelf" in html
    # break-even: 150 / (0.80 - 0.15) = 230.77, so from 231 patients (net 0.15; 230 gives -0.50)
    assert "vanaf 231 ingeschreven patiënten" in html


def test_costs_table_without_break_even_says_so():
    # supplement 0.15 = 3 x 0.05: the fee per patient eats the whole supplement
    html = widgets.costs_html([2095], Tariffs(supplement_per_patient="0.15"))
    assert "bij geen enkele praktijkgrootte" in html


def test_costs_table_escapes_practice_names():
    html = widgets.costs_html([2095], names=["<script>alert(1)</script>"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_costs_chart_bars_lines_and_break_even():
    fig = widgets.costs_chart([2095, 3500, 5200])
    bars, lines = fig.axes
    # horizontal bars: their length is the amount
    heights = sorted(round(patch.get_width(), 2) for patch in bars.patches if patch.get_width() > 0)
    # supplement and fee per year of the three practices and the group (see the table above)
    assert heights == [464.25, 675.0, 930.0, 1676.0, 2069.25, 2800.0, 4160.0, 8636.0]
    vertical = [line for line in lines.get_lines() if len(set(line.get_xdata())) == 1]
    assert [round(line.get_xdata()[0], 2) for line in vertical] == [230.77]  # 150 / 0.65
    assert widgets.figure_png(fig).startswith(b"\x89PNG")


# --------------------------------------------------------------------------------------
# The costs calculator widget
# --------------------------------------------------------------------------------------

def test_costs_calculator_recomputes_when_inputs_change():
    calculator = widgets.costs_calculator()
    assert cents(calculator.table.value)[0]["fee_per_meeting"] == 15475
    chart_before = calculator.chart.value
    calculator.patients[0].value = 4000
    # 4000: supplement 3200.00; per meeting 50 + 200 = 250.00; per year 750.00; net 2450.00
    assert cents(calculator.table.value)[0] == {
        "supplement_per_year": 320000, "fee_per_meeting": 25000, "fee_per_year": 75000, "net_per_year": 245000,
    }
    calculator.meetings.value = 4
    # four meetings: 4000 -> 1000.00 a year; 3500 -> 900.00; 5200 -> 1240.00; group 3140.00
    assert [row["fee_per_year"] for row in cents(calculator.table.value)] == [100000, 90000, 124000, 314000]
    assert calculator.chart.value != chart_before


def test_costs_calculator_reads_tariffs_exactly():
    calculator = widgets.costs_calculator([2095, 3500, 5200])
    calculator.supplement.value = "0,90"
    calculator.fee_per_patient.value = "0.07"  # a decimal point is read too
    assert calculator.tariffs == Tariffs(Decimal("0.9"), Decimal("50"), Decimal("0.07"), 3)
    # 2095 x 0.90 = 1885.50; 50 + 2095 x 0.07 = 196.65
    first = cents(calculator.table.value)[0]
    assert first["supplement_per_year"] == 188550 and first["fee_per_meeting"] == 19665


def test_practice_count_adds_a_normpraktijk_and_hides_unused_slots():
    calculator = widgets.costs_calculator([2095, 3500, 5200])
    assert len(calculator.patients) == 5
    assert [w.layout.display for w in calculator.patients] == [None, None, None, "none", "none"]
    calculator.practice_count.value = 4
    assert calculator.list_sizes == [2095, 3500, 5200, 2095]
    assert [w.layout.display for w in calculator.patients] == [None, None, None, None, "none"]
    totals = table_rows(calculator.table.value)[-1]
    assert totals["registered_patients"][0]["data-value"] == "12890"  # 10795 + 2095
    assert (calculator.practice_count.min, calculator.practice_count.max) == (3, 5)


def test_costs_calculator_starts_from_a_params_file():
    with DEMO_PRACTICES.open(encoding="utf-8") as handle:
        practices = {row["agb"]: row for row in csv.DictReader(handle)}
    agbs = ["01149951", "01921035", "01817114", "01370033"]  # params/fto-diemen.yaml, in order
    names, sizes = widgets.group_practices(FTO_DIEMEN)
    assert names == [practices[agb]["name"] for agb in agbs]
    assert sizes == [int(practices[agb]["registered_patients"]) for agb in agbs]
    calculator = widgets.costs_calculator(params_file=FTO_DIEMEN)
    assert calculator.list_sizes == sizes
    assert calculator.patients[1].description.startswith("Huisartsenpraktijk De Ruyterweg")
    assert "Huisartsenpraktijk De Ruyterweg" in calculator.table.value


def test_a_broken_params_file_reports_every_problem(tmp_path):
    params = tmp_path / "broken.yaml"
    params.write_text(FTO_DIEMEN.read_text(encoding="utf-8").replace('"01149951"', "1149951")
                      .replace("data_year: 2024", "data_year: twenty"), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        widgets.group_practices(params)
    message = str(raised.value)
    assert "practices[0].agb" in message and "data_year" in message


# --------------------------------------------------------------------------------------
# Care-cost what-if
# --------------------------------------------------------------------------------------

def whatif_comparison():
    """Three practices, one cost indicator; index = observed / expected x 100 (as in test_costs)."""
    rows = [
        # agb, observed, expected, index, lower, upper
        ("01000001", 120_000, 100_000, 120, 110, 130),
        ("01000002", 90_000, 100_000, 90, 80, 100),
        ("01000003", 52_500, 50_000, 105, 90, 120),
    ]
    table = pd.DataFrame(rows, columns=["agb", "observed", "expected", "index", "lower", "upper"])
    return table.assign(indicator="kosten_farmacie", year=2024, statistic="cost", title="Kosten farmacie")


LABELS = {"01000001": "Praktijk Noord", "01000002": "Praktijk Zuid", "01000004": "Praktijk Nieuw",
          "01000003": "Praktijk Oost"}


def whatif_cells(html):
    rows = {}
    for row in table_rows(html):
        agb = row["_row"][0].get("data-agb") or "group"
        attrs, text = row["range"]
        rows[agb] = (attrs.get("data-lower"), attrs.get("data-upper"), text)
    return rows


def test_care_cost_table_towards_the_group_median_by_hand():
    html = widgets.care_cost_html(whatif_comparison(), "kosten_farmacie", 2024, "median", LABELS)
    # median index of (120, 90, 105) = 105; range = expected x (lower or upper - 105) / 100
    assert whatif_cells(html) == {
        "01000001": ("5000.00", "25000.00", "€ 5.000 tot € 25.000"),  # 100000 x (110 - 105), x (130 - 105)
        "01000002": ("-25000.00", "-5000.00", "€ -25.000 tot € -5.000"),  # 100000 x (80 - 105), x (100 - 105)
        "01000004": ("", "", "–"),  # in the group, but no mirror
        "01000003": ("-7500.00", "7500.00", "€ -7.500 tot € 7.500"),  # 50000 x (90 - 105), x (120 - 105)
        "group": ("-27500.00", "27500.00", "€ -27.500 tot € 27.500"),  # sums of the ends
    }
    readings = [text for text in ("boven het doel", "onder het doel", "geen praktijkspiegel",
                                  "kan ook op het doel zitten") if f"<td>{text}</td>" in html]
    assert len(readings) == 4
    assert html.index("Praktijk Noord") < html.index("Praktijk Zuid") < html.index("Praktijk Nieuw") \
        < html.index("Praktijk Oost")  # the group's order
    assert "(index 105)" in html and "de mediaan van de groep" in html
    assert "Een bandbreedte, geen beloofde besparing." in html
    assert html.count("besparing") == 1  # never promised anywhere else


def test_care_cost_table_towards_100_by_hand():
    html = widgets.care_cost_html(whatif_comparison(), "kosten_farmacie", 2024, "national", LABELS,
                                  confidence=0.998)
    cells = whatif_cells(html)
    assert cells["01000001"][2] == "€ 10.000 tot € 30.000"  # 100000 x (110 - 100), x (130 - 100)
    assert cells["group"][2] == "€ -15.000 tot € 40.000"  # 10000 - 20000 - 5000, 30000 + 0 + 10000
    assert "(index 100)" in html and "99,8%-betrouwbaarheidsinterval" in html


def test_care_cost_table_without_data_for_the_year():
    html = widgets.care_cost_html(whatif_comparison(), "kosten_farmacie", 2019)
    assert "Geen gegevens" in html and "2019" in html


def test_care_cost_widget_on_the_demo_groups():
    whatif = widgets.care_cost_calculator()
    assert len(whatif.groups) == 12  # the demo region's groups (spiegelkit/data/demo_region.yaml)
    ids = [indicator for _, indicator in whatif.indicator.options]
    assert "kosten_farmacie" in ids and "verwijzingen_totaal" in ids
    assert not any(indicator.startswith("fkg_") for indicator in ids)  # population make-up is no what-if
    whatif.group.value = "FTO Diemen"
    assert whatif.indicator.value == "kosten_farmacie"
    cells = whatif_cells(whatif.table.value)
    assert cells["01921035"] == ("", "", "–")  # taken over in 2023: no mirror yet
    practices = [value for agb, value in cells.items() if agb not in ("group", "01921035")]
    # the group row adds up the practices' ends
    assert float(cells["group"][0]) == pytest.approx(sum(float(lower) for lower, _, _ in practices), abs=0.02)
    whatif.target.value = "national"
    assert "(index 100)" in whatif.table.value
    whatif.indicator.value = "verwijzingen_totaal"
    assert "Verwijzingen naar de medisch specialist, 2024" in whatif.table.value
    assert "(aantal)" in whatif.table.value


def test_care_cost_widget_refuses_an_unknown_target():
    with pytest.raises(ValueError, match="target must be one of"):
        widgets.care_cost_calculator(target="best")


# --------------------------------------------------------------------------------------
# The notebook
# --------------------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.parametrize("parameters", [{}, {"params_file": str(FTO_DIEMEN)}], ids=["defaults", "params-file"])
def test_calculators_notebook_runs_top_to_bottom(tmp_path, parameters):
    import papermill

    output = tmp_path / "calculators.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(output), parameters=parameters, kernel_name="python3",
                               progress_bar=False, cwd=str(NOTEBOOK.parent))
    executed = nbformat.read(output, as_version=4)
    shown = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs
             if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert len(shown) == 2, "both calculators should be displayed as widgets"
    errors = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error"]
    assert errors == []


def test_calculators_notebook_parameters_have_a_comment_each():
    import papermill

    inferred = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(inferred) == ["list_sizes", "meetings", "supplement_per_patient", "fee_per_practice",
                              "fee_per_patient", "params_file", "indicator", "target"]
    assert all(parameter["help"] for parameter in inferred.values())
    assert inferred["list_sizes"]["default"] == "[2095, 3500, 5200]"


# --------------------------------------------------------------------------------------
# Loose ends a new user met (issue 17)
# --------------------------------------------------------------------------------------

def test_care_cost_widget_offers_only_indicators_with_data(tmp_path):
    """A group whose mirrors lack one cost indicator in the data year is not offered it."""
    import shutil

    data = tmp_path / "mini"
    shutil.copytree(ROOT / "tests" / "data" / "mini", data)
    mirror = data / "mirror.csv"
    lines = mirror.read_text(encoding="utf-8").splitlines(keepends=True)
    mirror.write_text("".join(line for line in lines if ",kosten_farmacie," not in line), encoding="utf-8")
    params = tmp_path / "mini-group.yaml"
    params.write_text((ROOT / "tests" / "data" / "mini-group.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    whatif = widgets.care_cost_calculator(params)
    assert [indicator for _, indicator in whatif.indicator.options] == ["antibiotica"]
    assert whatif.indicator.value == "antibiotica"  # kosten_farmacie was asked for, but has no data
    assert "Geen gegevens" not in whatif.table.value
    # with every indicator present (the shipped mini data) both are offered
    full = widgets.care_cost_calculator(ROOT / "tests" / "data" / "mini-group.yaml")
    assert [indicator for _, indicator in full.indicator.options] == ["antibiotica", "kosten_farmacie"]


def test_tariff_inputs_are_written_the_dutch_way_like_the_table():
    calculator = widgets.costs_calculator()
    assert (calculator.supplement.value, calculator.fee_per_practice.value, calculator.fee_per_patient.value) \
        == ("0,80", "50", "0,05")
    line = calculator.table.value.split('class="sk-widget-note sk-costs-tariffs">')[1].split("</p>")[0]
    for widget in (calculator.supplement, calculator.fee_per_practice, calculator.fee_per_patient):
        assert f"€ {widget.value} " in line  # the input and the table say the same amount
    calculator.supplement.value = "0,9"
    assert "opslag € 0,90 per patiënt" in calculator.table.value
    assert not any("." in w.value for w in (calculator.supplement, calculator.fee_per_patient))


def test_a_tariff_that_cannot_be_read_says_so_in_dutch():
    calculator = widgets.costs_calculator()
    calculator.fee_per_patient.value = "vijf cent"
    assert "Vul bij ‘Begeleiding per ingeschreven patiënt per bijeenkomst (€)’ een bedrag in" in calculator.table.value
    assert "vijf cent" in calculator.table.value
    calculator.fee_per_patient.value = "0,05"
    assert cents(calculator.table.value)[0]["fee_per_meeting"] == 15475


def test_costs_calculator_takes_dutch_text_from_the_notebook():
    calculator = widgets.costs_calculator([2095], supplement_per_patient="0,90")
    assert calculator.tariffs.supplement_per_patient == Decimal("0.90")


def test_bar_chart_labels_do_not_overlap_for_five_practices():
    names = ["Huisartsenpraktijk De Ruyterweg en Omstreken", "Gezondheidscentrum Amstelveen-Noord",
             "Huisartsenpraktijk Van der Linden-Bakker", "Praktijk Bovenkerk Oude Dorp",
             "Huisartsen Maatschap Westwijk Zuid"]
    fig = widgets.costs_chart([2095, 3500, 5200, 1800, 4100], names=names)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    bars = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [label.get_window_extent(renderer) for label in bars.get_yticklabels() if label.get_text()]
    assert len(boxes) == 6  # five practices and the group
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            assert not first.overlaps(second), "practice names overlap in the bar chart"
    axes_box = bars.get_window_extent(renderer)
    assert all(box.y0 >= axes_box.y0 - 1 and box.y1 <= axes_box.y1 + 1 for box in boxes)
