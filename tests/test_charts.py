"""The handout's charts: well-formed SVG that says what it shows, safe with any name,
the own practice standing out in a per-practice version, the same bytes for the same data."""

import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from conftest import DATA, ROOT
from spiegelkit import dutch
from spiegelkit.inputs.dataset import national_population
from spiegelkit.render import charts, svg
from spiegelkit.run.check import check_group
from spiegelkit.analysis.compare import compare_group, compare_region
from spiegelkit.render.svg import Canvas, Scale

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def mini():
    checked = check_group(DATA / "mini-group.yaml")
    params, data = checked.params, checked.data
    table = compare_group(data, params)
    earlier = table.assign(year=params.data_year - 1, index=table["index"] * 0.9)
    region = compare_region(data, params.data_year)
    return params, data, pd.concat([earlier, table], ignore_index=True), region


def every_chart(table, region, year, focus=None, rows=None):
    """Every chart of `table`'s first domain with a funnel, drawn from `rows` (its records,
    as a handout gives them) when given."""
    domain = table.loc[table["statistic"] != "cost", "domain"].iloc[0]
    drawn = table if rows is None else rows
    return [charts.forest_chart(drawn, year, domain, focus=focus),
            charts.heatmap_chart(drawn, year, focus=focus),
            charts.spine_chart(drawn, region, year),
            charts.funnel_chart(drawn, region, year, domain, focus=focus),
            charts.trend_chart(drawn, domain, focus=focus)]


def texts(chart) -> str:
    root = ET.fromstring(chart.svg)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_a_log_scale_puts_equal_ratios_at_equal_distances():
    x = Scale(10, 1000, 0, 200, log=True)
    assert x(10) == pytest.approx(0) and x(1000) == pytest.approx(200)
    assert x(100) == pytest.approx(100)  # 100 is halfway between 10 and 1000 in ratio
    assert x(50) - x(25) == pytest.approx(x(200) - x(100))
    assert x(5) == pytest.approx(0) and x(5000) == pytest.approx(200)  # clipped to the panel
    y = Scale(0, 200, 300, 100)  # screen y runs down
    assert y(100) == pytest.approx(200) and y(150) == pytest.approx(150)


def test_charts_are_wellformed_inline_svg_named_by_their_alt_text(mini):
    params, data, table, region = mini
    for chart in every_chart(table, region, params.data_year):
        root = ET.fromstring(chart.svg)  # raises on anything that is not well-formed XML
        assert root.tag == f"{SVG}svg" and float(root.get("width")) <= charts.WIDTH + 1
        html = chart._repr_html_()
        [inline] = re.findall(r"<svg .*</svg>", html, re.S)
        shown = ET.fromstring(inline)
        assert shown.get("role") == "img" and shown.get("aria-label") == chart.alt
        assert len(chart.alt) > 40 and len(shown) == len(root)


def test_points_and_bars_say_their_figures_on_hover(mini):
    """Every marker of a practice and every heatmap cell carries an SVG <title> with the
    practice, the indicator, the index and its interval, as the comparison table has them."""
    params, data, table, region = mini
    year = params.data_year
    current = table[(table["year"] == year) & table["index"].notna()]
    row = current.iloc[0]
    expected = (f"{row['practice']}, {row['title']}: index {dutch.number(row['index'])} "
                f"(marge {dutch.number(row['lower'])}–{dutch.number(row['upper'])})")
    for chart in (charts.heatmap_chart(table, year), charts.forest_chart(table, year),
                  charts.spine_chart(table, region, year)):
        titles = [t.text for t in ET.fromstring(chart.svg).iter(f"{SVG}title")]
        assert expected in titles, (chart.caption, titles[:3])
        assert len(titles) >= len(current)  # one per practice and indicator at least
    heat = ET.fromstring(charts.heatmap_chart(table, year).svg)
    cells = [r for r in heat.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(cells) == len(current)
    pyramid = charts.pyramid_chart(data.population, national_population(),
                                   {p.agb: p.agb for p in params.practices}, year)
    bars = [t.text for t in ET.fromstring(pyramid.svg).iter(f"{SVG}title")]
    assert bars and all(re.fullmatch(r".+, (mannen|vrouwen) .+ jaar: [\d,]+% van de patiënten", b)
                        for b in bars)


def test_names_reach_the_chart_as_text_only(mini):
    params, data, table, region = mini
    evil = '<script>alert("x")</script> & Zn'
    table = table.assign(practice=table["practice"].replace("Praktijk Zuid", evil))
    for chart in every_chart(table, region, params.data_year):
        ET.fromstring(chart.svg)  # a raw < or & would break the XML
        assert "<script>" not in chart.svg
    forest = charts.forest_chart(table, params.data_year, table["domain"].iloc[0])
    assert evil in texts(forest)  # shown literally, in the legend


def test_heatmap_marks_clear_differences_readable_without_colour(mini):
    params, data, table, region = mini
    current = table[table["year"] == params.data_year]
    chart = charts.heatmap_chart(table, params.data_year)
    shown = texts(chart)
    for row in current.to_dict("records"):
        if row["significance"] in ("higher_95", "higher_998"):
            assert f"{round(row['index'])} ▲" in shown
        if row["significance"] in ("lower_95", "lower_998"):
            assert f"{round(row['index'])} ▼" in shown


def test_in_a_practice_version_the_others_are_faded(mini):
    params, data, table, region = mini
    focus = table["practice"].iloc[0]
    domain = table["domain"].iloc[0]
    group = charts.forest_chart(table, params.data_year, domain)
    own = charts.forest_chart(table, params.data_year, domain, focus=focus)
    assert 'opacity="0.35"' not in group.svg
    others = table["practice"].nunique() - 1
    assert own.svg.count('<g opacity="0.35">') == 2 * others  # their markers, their legend keys
    without_mirror = charts.forest_chart(table, params.data_year, domain, focus="Praktijk Nieuw")
    assert without_mirror.svg == group.svg  # a practice that is in no chart fades nobody


def test_the_same_data_gives_the_same_bytes(mini):
    params, data, table, region = mini
    first = [c.svg for c in every_chart(table, region, params.data_year) if c]
    again = [c.svg for c in every_chart(table.copy(), region.copy(), params.data_year) if c]
    assert first == again


def test_charts_without_content_are_left_out(mini):
    params, data, table, region = mini
    costs = table[table["statistic"] == "cost"]
    assert charts.funnel_chart(costs, region, params.data_year, costs["domain"].iloc[0]) is None
    one_year = table[table["year"] == params.data_year]
    assert charts.trend_chart(table, one_year["domain"].iloc[0]) is not None
    assert charts.trend_chart(one_year, one_year["domain"].iloc[0]) is None


def test_dots_are_one_path_of_circles():
    canvas = Canvas(100, 100)
    canvas.dots([10, 50], [20, 60], r=2, fill="#999")
    [path] = ET.fromstring(canvas.svg()).iter(f"{SVG}path")
    moves = re.findall(r"M([\d.]+) ([\d.]+)", path.get("d"))
    assert [(float(x) + 2, float(y)) for x, y in moves] == [(10, 20), (50, 60)]
    assert path.get("d").count("a2 2 0 1 0") == 4  # two half circles each
    assert not math.isnan(float(moves[0][0]))


@pytest.fixture(scope="module")
def demo():
    checked = check_group(ROOT / "params" / "hagro-amstelveen-noord.yaml")
    params, data = checked.params, checked.data
    return params, data, compare_group(data, params), compare_region(data, params.data_year)


def test_captions_say_which_method_made_the_marks(mini, demo):
    params, data, table, region = mini  # 4 practices, no spread known: chance alone
    for chart in (charts.heatmap_chart(table, params.data_year),
                  charts.spine_chart(table, region, params.data_year)):
        assert "de spreiding tussen praktijken is onbekend, dus de tekens overschatten de " \
               "verschillen" in chart.caption
    params, data, table, region = demo  # 47 practices with a mirror: the spread estimated
    domain = table.loc[table["statistic"] != "cost", "domain"].iloc[0]
    for chart in (charts.heatmap_chart(table, params.data_year),
                  charts.spine_chart(table, region, params.data_year, national=data.spread),
                  charts.funnel_chart(table, region, params.data_year, domain, national=data.spread)):
        assert ("De tekens houden rekening met de echte spreiding tussen praktijken, geschat uit "
                "47 praktijken in de gegevensmap (Spiegelhalter)") in chart.caption


def test_spine_bands_are_national_or_regional_and_say_so(mini, demo):
    params, data, table, region = demo
    national = charts.spine_chart(table, region, params.data_year, national=data.spread)
    assert "middelste 50% en 90% van de praktijken in Nederland" in texts(national)
    regional = charts.spine_chart(table, region, params.data_year)
    assert "middelste 50% en 90% van 47 praktijken in de regio (de gegevensmap)" in texts(regional)
    params, data, table, region = mini
    assert region.empty  # 4 practices: no pretend region
    assert "geen spreiding tussen praktijken bekend" in texts(charts.spine_chart(table, region, params.data_year))


def test_funnels_draw_the_limits_the_marks_used(demo):
    """With the spread, the 95% limit at E lies at 100 exp(1.959964 sqrt(1/E + tau2))."""
    params, data, table, region = demo
    domain = "farmacie"
    chart = charts.funnel_chart(table, region, params.data_year, domain, national=data.spread)
    assert "grenzen met de spreiding tussen praktijken, 95% en 99,8%" in chart.caption
    assert "grijs vlak: middelste 90% van de praktijken in Nederland" in chart.caption
    sizes, upper = charts._limit_curve(0.95, 1, 100, 1000, 0.04)
    assert upper[0] == pytest.approx(100 * math.exp(1.959964 * math.sqrt(1 / 100 + 0.04)))
    plain = charts.funnel_chart(table.drop(columns="significance_method"), region.iloc[:0],
                                params.data_year, domain)
    assert "exacte Poisson-grenzen (alleen toeval)" in plain.caption and "regio" not in plain.caption


def test_numbers_formatted_in_one_go_read_as_one_at_a_time():
    """svg.nums (paths, dots) gives exactly svg.num's text: the bytes of a chart do not
    depend on which of the two drew a coordinate. Reference: Python's own rounding."""
    from spiegelkit.render.svg import num, nums

    values = [0.0, -0.0, -0.004, 0.005, 0.015, 1.005, 2.675, 12.5, 12.05, -0.5, 3, 760, 1e9,
              float("nan"), float("inf")] + [i / 200 - 50 for i in range(20001)]
    assert nums(values) == [num(v) for v in values]
    assert [num(v) for v in (12.5, 3, -0.25, -0.001, 100.0, 0.1 + 0.2)] == \
        ["12.5", "3", "-0.25", "0", "100", "0.3"]
    assert [num(v) for v in values[20:]] == \
        [format(round(v, 2) + 0.0, ".2f").rstrip("0").rstrip(".") for v in values[20:]]


def test_charts_from_records_are_the_charts_from_the_table(mini):
    """A handout reads its table into records once for all its charts: the same charts."""
    params, data, table, region = mini
    year, domain = params.data_year, table.loc[table["statistic"] != "cost", "domain"].iloc[0]
    rows = charts.records(table)
    assert repr(rows) == repr(table[[c for c in charts.ROW_COLUMNS if c in table]].to_dict("records"))
    focus = table["practice"].iloc[0]

    def drawn(table):
        return [charts.forest_chart(table, year, domain, focus=focus).svg,
                charts.heatmap_chart(table, year, focus=focus).svg,
                charts.spine_chart(table, region, year).svg,
                charts.funnel_chart(table, region, year, domain, focus=focus).svg,
                charts.trend_chart(table, domain, focus=focus).svg]

    assert drawn(rows) == drawn(table)
    assert charts.marks_method(rows) == charts.marks_method(table)


def test_a_versions_domains_are_its_own_whether_the_group_computed_them_or_not(mini_group):
    """A version takes the group's changes since last year and relabels them: the same as
    working them out from the version's own table (pseudonymised: other names never show)."""
    import dataclasses

    from spiegelkit.inputs.group import open_group
    from spiegelkit.render.handout import Handout

    mini_group.write_text(mini_group.read_text() + "options:\n  pseudonymise: true\n")
    group = open_group(mini_group)
    for focus in [None] + [p.agb for p in group.params.practices]:
        version = Handout.build(group.with_focus(focus) if focus else group)
        earlier = version.table.assign(year=version.year - 1, index=version.table["index"] * 0.5,
                                       lower=version.table["lower"] * 0.5,
                                       upper=version.table["upper"] * 0.5)
        both = pd.concat([earlier, version.table], ignore_index=True)
        own = dataclasses.replace(version, table=both, analysis=None)
        shared = dataclasses.replace(version, table=both, analysis=dataclasses.replace(
            version.analysis, table=pd.concat([earlier.assign(practice=earlier["agb"]),
                                               version.analysis.table], ignore_index=True),
            _changes={}))
        assert "Duidelijk veranderd" in str(own.domains())
        assert str(shared.domains()) == str(own.domains())


def test_a_practice_drawn_for_an_earlier_handout_is_drawn_as_if_for_the_first_time(mini):
    """What a group's handouts share is kept: each chart's layout (panels, points, alt text),
    each practice's marks and lines per look, the legends, markers and the heatmap's cells;
    only the own practice's marks are new in a version. Charts drawn after the others are
    those drawn from nothing, and those drawn from a table (nothing kept)."""
    params, data, table, region = mini
    handouts = [None, *table["practice"].unique()]
    rows = charts.records(table)  # as a handout gives them: its versions share one list

    def drawn(focus, source=None):
        return [c.svg for c in every_chart(table, region, params.data_year, focus, source) if c]

    warm = [drawn(focus, rows) for focus in handouts]
    for kept in (charts._trend_line, charts._forest_marks, charts._trend_panel, charts._forest_rows,
                 charts._trend_lines, charts._funnel_points, svg._marker, svg._legend):
        kept.cache_clear()
    charts._kept.clear()
    for focus, charts_drawn in zip(reversed(handouts), reversed(warm)):
        assert drawn(focus, rows) == charts_drawn
    for focus, charts_drawn in zip(handouts, warm):
        assert drawn(focus) == charts_drawn