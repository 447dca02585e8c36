"""Interactive what-if calculators for JupyterLab (ipywidgets), built on :mod:`spiegelkit.analysis.costs`.

Two calculators, each one ipywidgets box that a notebook cell shows
(``notebooks/calculators.ipynb`` only calls :func:`costs_calculator` and
:func:`care_cost_calculator`):

- :class:`CostsCalculator`: the practices' list sizes, the meetings per year and the three
  tariffs in; a live Dutch table of supplement, facilitation fee and net result per practice
  and for the group, and a chart of supplement against fee.
- :class:`CareCostWhatIf`: a group, a cost or volume indicator and a target (the group
  median or 100) in; per practice and for the group how large the yearly difference to the
  target is, as a range (:func:`spiegelkit.analysis.costs.care_cost_whatif`), never as a saving.

The arithmetic lives in :mod:`spiegelkit.analysis.costs`; this module reads widgets and
draws. The tables (:func:`costs_html`, :func:`care_cost_html`) are rendered from
``spiegelkit/render/templates/fragments/`` (``widget_costs.html.j2``,
``widget_whatif.html.j2``) and, like the chart
(:func:`costs_chart`), are plain functions, so they can be checked without a browser. Names
and tariffs come from the group's organisation file (the kit's default without a group).
Amounts in the inputs are Dutch text (``1,25``), as in the tables.
"""

from __future__ import annotations

import dataclasses
import io
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from spiegelkit import dutch
from spiegelkit.analysis.compare import compare_group, practice_labels
from spiegelkit.analysis.costs import (
    MONEY_FIELDS,
    TOTALS_LABEL,
    WHATIF_COLUMNS,
    Tariffs,
    amount,
    break_even_patients,
    break_even_sentence,
    care_cost_whatif,
    group_costs,
    numbered_labels,
    practice_costs,
)
from spiegelkit.inputs.catalogue import DOMAINS
from spiegelkit.inputs.dataset import MirrorData, load_data
from spiegelkit.inputs.group import open_group
from spiegelkit.inputs.organisation import Organisation, default_organisation
from spiegelkit.inputs.params import DEMO_DATA, MAX_PRACTICES, MIN_PRACTICES, GroupParams
from spiegelkit.render.calculator import MAX_TARIFF_DECIMALS, MONEY_HEADINGS, TARIFF_INPUTS, money_cells
from spiegelkit.render.html import render
from spiegelkit.tools import demo

#: List sizes the costs calculator starts from when it is given none: a normpraktijk, a duo
#: practice and a larger practice (Nivel list sizes, see :mod:`spiegelkit.tools.demo`).
DEFAULT_LIST_SIZES = (2095, 3500, 5200)

#: Patients of a normpraktijk (LHV/NZa): the list size of practices added with the slider.
NORMPRAKTIJK = 2095

#: Upper bounds of the inputs (a very large group practice; a meeting a month).
MAX_PATIENTS = 100_000
MAX_MEETINGS = 12

#: The indicator the care-cost what-if starts with (prescribing drives it in part).
DEFAULT_INDICATOR = "kosten_farmacie"

#: Targets of the care-cost what-if: the value passed to care_cost_whatif, the button text
#: and how the table's caption names it.
TARGETS = {
    "median": ("mediaan van de groep", "de mediaan van de groep"),
    "national": ("100 (landelijk)", "het landelijk gemiddelde bij deze populatie"),
}

#: Dutch name of what the yearly difference counts, per unit of care_cost_whatif.
UNIT_WORDS = {"euro": "euro", "events": "aantal", "patients": "patiënten"}

#: Colour per series of the costs chart (colour-blind-safe palette).
SERIES = {
    "supplement_per_year": ("Opslag per jaar", sns.color_palette("colorblind")[0]),
    "fee_per_year": ("Begeleiding per jaar", sns.color_palette("colorblind")[1]),
}

# ---------------------------------------------------------------------------------------
# Supplement against facilitation fee: table and chart
# ---------------------------------------------------------------------------------------

def costs_html(
    list_sizes: Iterable[int],
    tariffs: Tariffs | None = None,
    names: Sequence[str] | None = None,
    organisation: Organisation | None = None,
) -> str:
    """The Dutch costs table: one row per practice, the group totals, tariffs, net and break-even.

    Amounts in Dutch notation (:func:`spiegelkit.dutch.euro`, ``€ 154,75``); each amount
    cell also carries ``data-field`` and ``data-cents``, the totals row has class
    ``sk-costs-total``. Practice names are HTML-escaped. ``organisation`` names the insurer
    and the ROS (default: the kit's default organisation file) and gives the default tariffs.
    """
    organisation = organisation or default_organisation()
    tariffs = tariffs or Tariffs.of(organisation)
    rows, totals = group_costs(list_sizes, tariffs)
    _, self_organised = group_costs(list_sizes, tariffs.self_organised())
    labels = numbered_labels(names, len(rows))
    return render(
        "widget_costs.html.j2",
        organisation=organisation,
        tariffs=tariffs,
        headings=[MONEY_HEADINGS[field] for field in MONEY_FIELDS],
        rows=[{"name": label, "patients": row.registered_patients, "cells": money_cells(row)}
              for label, row in zip(labels, rows)],
        totals={"name": TOTALS_LABEL, "patients": totals.registered_patients, "cells": money_cells(totals)},
        net_facilitated=dutch.euro(totals.net_per_year),
        net_self_organised=dutch.euro(self_organised.net_per_year),
        break_even=break_even_sentence(tariffs),
    )


def _euro_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: dutch.euro(value, 0)))


#: Practice names in the bar chart wrap at this many characters (they stand beside the bars).
LABEL_WIDTH = 22


def _bars(ax, list_sizes, tariffs, names) -> None:
    """Supplement and fee per year, per practice and for the group, as horizontal bars: the
    names stand one under the other, so they never overlap, however many and long."""
    rows, totals = group_costs(list_sizes, tariffs)
    labels = [*numbered_labels(names, len(rows)), TOTALS_LABEL]
    bars = pd.DataFrame(
        [
            {"who": textwrap.fill(label, LABEL_WIDTH), "series": SERIES[field][0],
             "euro": float(getattr(costs, field))}
            for label, costs in zip(labels, [*rows, totals])
            for field in SERIES
        ]
    )
    colours = dict(SERIES.values())
    sns.barplot(bars, y="who", x="euro", hue="series", palette=colours, orient="h", ax=ax)
    ax.set_ylabel("")
    ax.set_xlabel("euro per jaar")
    ax.set_title("Per praktijk en voor de groep")
    ax.legend(title="", frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    _euro_axis(ax.xaxis)
    ax.tick_params(axis="x", labelrotation=30)


def _lines(ax, list_sizes, tariffs) -> None:
    """Supplement and fee per year over list size; the practices as points, break-even marked."""
    sizes = [row.registered_patients for row in group_costs(list_sizes, tariffs)[0]]
    break_even = break_even_patients(tariffs)
    top = max([*sizes, int(break_even.exact_patients or 0), 1000]) * 1.15
    grid = [practice_costs(int(n), tariffs) for n in np.unique(np.linspace(0, top, 121).round())]
    curves = pd.DataFrame(
        [
            {"patients": costs.registered_patients, "series": SERIES[field][0], "euro": float(getattr(costs, field))}
            for costs in grid
            for field in SERIES
        ]
    )
    colours = dict(SERIES.values())
    sns.lineplot(curves, x="patients", y="euro", hue="series", palette=colours, ax=ax)
    for field, (_, colour) in SERIES.items():
        points = [float(getattr(practice_costs(n, tariffs), field)) for n in sizes]
        ax.scatter(sizes, points, color=colour, edgecolor="black", zorder=3, s=30)
    if break_even.exact_patients is not None:
        x = float(break_even.exact_patients)
        ax.axvline(x, color="grey", linestyle="--", linewidth=1)
        ax.annotate(
            f"omslagpunt: {dutch.number(break_even.first_whole_patients)} patiënten",
            xy=(x, float(tariffs.supplement_per_patient) * x), xytext=(8, 24), textcoords="offset points",
            fontsize=9, arrowprops={"arrowstyle": "-", "color": "grey"},
        )
    ax.set_xlim(0, top)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("ingeschreven patiënten")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: dutch.number(value)))
    ax.set_ylabel("euro per jaar")
    ax.set_title("Naar praktijkgrootte (punten: de praktijken)", wrap=True)
    ax.legend(title="", frameon=False, loc="upper left")
    _euro_axis(ax.yaxis)


def costs_chart(
    list_sizes: Iterable[int], tariffs: Tariffs | None = None, names: Sequence[str] | None = None
) -> Figure:
    """Supplement against facilitation fee per year, as a seaborn chart in two panels.

    Left: horizontal bars per practice and for the group (the chart grows with the number of
    practices, so that their names never overlap). Right: both amounts as lines over list
    size, the practices as points, and a dashed line at the break-even list size
    (:func:`spiegelkit.analysis.costs.break_even_patients`). A :class:`matplotlib.figure.Figure`
    outside pyplot, so that nothing is shown twice in a notebook. Default tariffs: those of
    the kit's default organisation file.
    """
    list_sizes = list(list_sizes)
    tariffs = tariffs or Tariffs()
    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=(11, max(4.0, 0.8 * (len(list_sizes) + 1))), layout="constrained")
        bars, lines = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    _bars(bars, list_sizes, tariffs, names)
    _lines(lines, list_sizes, tariffs)
    return fig


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for an :class:`ipywidgets.Image`)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Groups from params files or the demo region
# ---------------------------------------------------------------------------------------

def group_practices(params_file: Path | str) -> tuple[list[str], list[int]]:
    """Names and registered patients of a group's practices, in params order.

    The list sizes come from the ``registered_patients`` column of the group's practices
    table; the names as the handout shows them (:func:`spiegelkit.analysis.compare.practice_labels`).
    """
    return _practices_of(open_group(params_file))


def _practices_of(group) -> tuple[list[str], list[int]]:
    labels = practice_labels(group.params, group.data)
    registered = group.data.practices.set_index("agb")["registered_patients"]
    agbs = [practice.agb for practice in group.params.practices]
    return [labels[agb] for agb in agbs], [int(registered[agb]) for agb in agbs]


def group_choices(params_file: Path | str | None = None) -> dict[str, tuple[GroupParams, MirrorData]]:
    """The groups to choose from, by name: the group of ``params_file``, or the demo groups."""
    if params_file is not None:
        check = open_group(params_file)
        return {check.params.group_name: (check.params, check.data)}
    region = demo.load_region()
    data = load_data(DEMO_DATA)
    return {
        group["group_name"]: (GroupParams.model_validate(demo.group_params(group, region["profiles"])), data)
        for group in region["groups"]
    }


# ---------------------------------------------------------------------------------------
# Care-cost what-if: table
# ---------------------------------------------------------------------------------------

def whatif_indicators(
    catalogue: pd.DataFrame, comparison: pd.DataFrame | None = None, year: int | None = None
) -> list[tuple[str, str]]:
    """(Dutch label, id) of the cost and volume indicators: all but the population make-up.

    With a ``comparison`` table (:func:`spiegelkit.analysis.compare.compare_group`) and its
    data ``year``: only the indicators with an index for at least one practice in that year,
    so that nothing offered answers "Geen gegevens".
    """
    rows = catalogue[catalogue["domain"] != "populatie"]
    if comparison is not None:
        current = comparison[(comparison["year"] == year) & comparison["index"].notna()]
        rows = rows[rows["id"].isin(set(current["indicator"]))]
    return [
        (f"{DOMAINS.get(domain, domain)}: {title}", indicator)
        for domain, title, indicator in zip(rows["domain"], rows["title"], rows["id"])
    ]


def _one_decimal(value: float) -> str:
    """``105.0`` -> ``"105"``, ``103.26`` -> ``"103,3"``: one decimal where it says something."""
    value = round(float(value), 1)
    return dutch.number(value, 0 if value == int(value) else 1)


def _amount(value: float, unit: str) -> str:
    if pd.isna(value):
        return "–"
    return dutch.euro(value, 0) if unit == "euro" else dutch.number(value, 0)


def _reading(row) -> str:
    """Where the practice sits against the target, in neutral words."""
    if pd.isna(row["difference_lower"]) or pd.isna(row["difference_upper"]):
        return "–"
    if row["range_includes_zero"]:
        return "kan ook op het doel zitten"
    return "boven het doel" if row["difference_lower"] > 0 else "onder het doel"


def _whatif_row(row, agb: str, name: str, index: str) -> dict:
    return {
        "agb": agb,
        "name": name,
        "index": index,
        "difference": "–" if row is None else _amount(row["difference"], row["unit"]),
        "difference_value": "" if row is None or pd.isna(row["difference"]) else f"{row['difference']:.2f}",
        "range": "–" if row is None or pd.isna(row["difference_lower"]) else
        f"{_amount(row['difference_lower'], row['unit'])} tot {_amount(row['difference_upper'], row['unit'])}",
        "lower_value": "" if row is None or pd.isna(row["difference_lower"]) else f"{row['difference_lower']:.2f}",
        "upper_value": "" if row is None or pd.isna(row["difference_upper"]) else f"{row['difference_upper']:.2f}",
        "reading": "geen praktijkspiegel" if row is None else _reading(row),
    }


def _index_text(index: float, lower: float, upper: float) -> str:
    if pd.isna(index):
        return "–"
    return f"{dutch.number(index)} ({dutch.number(lower)}–{dutch.number(upper)})"


def care_cost_html(
    table: pd.DataFrame,
    indicator: str,
    year: int,
    target: str = "median",
    labels: dict[str, str] | None = None,
    confidence: float = 0.95,
) -> str:
    """The care-cost what-if of one indicator and year as a Dutch table with its caveat.

    Parameters
    ----------
    table
        A comparison table (:func:`spiegelkit.analysis.compare.compare_group`): at least the columns
        of :data:`spiegelkit.analysis.costs.WHATIF_COLUMNS` plus ``year``; ``title`` names the
        indicator when present.
    indicator, year
        Which rows to use.
    target
        ``"median"`` (the group's median index) or ``"national"`` (100).
    labels
        Practice names by AGB code, in table order. A practice listed here without rows in
        ``table`` (no mirror) gets a row saying so. Default: the ``practice`` column, else
        the AGB codes.
    confidence
        Level of the intervals in ``table``, for the wording only.

    Returns
    -------
    str
        A caveat paragraph ("Een bandbreedte, geen beloofde besparing"), a table with per
        practice the index and interval, the yearly difference to the target and its range
        (``care_cost_whatif``), a "Totaal groep" row, and how to read the signs. Amounts are
        whole euros (or whole counts); they are ranges, not figures to the cent.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {sorted(TARGETS)}; got {target!r}.")
    rows = table[(table["indicator"] == indicator) & (table["year"] == year)]
    if rows.empty:
        return render("widget_whatif.html.j2", rows=[], year=year)
    if labels is None:
        names = rows["practice"] if "practice" in rows.columns else rows["agb"]
        labels = dict(zip(rows["agb"], names))
    result = care_cost_whatif(rows[[*WHATIF_COLUMNS, "year"]], target)
    practices = result[result["level"] == "practice"].set_index("agb", drop=False)
    group = result[result["level"] == "group"].iloc[0]
    indices = rows.set_index("agb")
    return render(
        "widget_whatif.html.j2",
        confidence=dutch.confidence_text(confidence),
        title=rows["title"].iloc[0] if "title" in rows.columns else indicator,
        year=year,
        target_text=TARGETS[target][1],
        target_index=_one_decimal(group["target_index"]),
        unit=UNIT_WORDS[group["unit"]],
        rows=[
            _whatif_row(practices.loc[agb], agb, name, _index_text(*indices.loc[agb, ["index", "lower", "upper"]]))
            if agb in practices.index else _whatif_row(None, agb, name, "–")
            for agb, name in labels.items()
        ],
        group=_whatif_row(group, "", TOTALS_LABEL, "–"),
    )


# ---------------------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------------------

#: Label and field widths: practice names; the long tariff labels; the what-if choices.
PRACTICE_FIELD = {"style": {"description_width": "15em"}, "layout": {"width": "27em"}}
TARIFF_FIELD = {"style": {"description_width": "31em"}, "layout": {"width": "43em"}}
CHOICE_FIELD = {"style": {"description_width": "5em"}, "layout": {"width": "44em"}}
BUTTONS_FIELD = {"style": {"description_width": "5em", "button_width": "13em"}}


def _heading(text: str) -> widgets.Label:
    """A bold label over a column of inputs (a Label: text, never HTML)."""
    return widgets.Label(text, style={"font_weight": "bold"})


def parse_tariff(text: str, label: str) -> Decimal:
    """An amount typed the Dutch way (``1,25``; ``1.25`` is read too), else ValueError in Dutch."""
    cleaned = str(text).strip().replace(" ", "")
    if cleaned.count(",") + cleaned.count(".") > 1:
        cleaned = ""
    try:
        value = amount(cleaned.replace(",", "."), label)
    except ValueError:
        value = None
    if value is None or -value.as_tuple().exponent > MAX_TARIFF_DECIMALS:
        raise ValueError(f"Vul bij ‘{label}’ een bedrag in van 0 of meer, met ten hoogste "
                         f"{MAX_TARIFF_DECIMALS} decimalen (bijvoorbeeld 12,50); nu staat er ‘{text}’.")
    return value


class CostsCalculator(widgets.VBox):
    """Supplement against facilitation fee, live: list sizes, meetings and tariffs in.

    Attributes (widgets; each has a CSS class as a stable hook for browser tests):
    ``practice_count`` (IntSlider, ``sk-practice-count``), ``patients`` (one BoundedIntText
    per practice slot, ``sk-patients-0``, ``sk-patients-1``, ...), ``meetings`` (IntSlider,
    ``sk-meetings``), ``supplement``, ``fee_per_practice``, ``fee_per_patient`` (Text holding
    a Dutch amount such as ``1,25``, ``sk-supplement``, ``sk-fee-per-practice``,
    ``sk-fee-per-patient``), ``table`` (HTML of :func:`costs_html`, ``sk-costs-table``; a
    Dutch error message while an amount cannot be read) and ``chart`` (Image of
    :func:`costs_chart`, ``sk-costs-chart``).

    There are at least 5 practice slots; the slider shows 3 to 5 of them (wider when the
    group has fewer or more practices). Slots beyond the given list sizes start at a
    normpraktijk (2,095 patients). Names and default tariffs come from ``organisation``
    (default: the kit's default organisation file).
    """

    def __init__(
        self,
        list_sizes: Iterable[int] = DEFAULT_LIST_SIZES,
        tariffs: Tariffs | None = None,
        names: Sequence[str] | None = None,
        organisation: Organisation | None = None,
    ):
        self.organisation = organisation or default_organisation()
        tariffs = tariffs or Tariffs.of(self.organisation)
        sizes = [row.registered_patients for row in group_costs(list_sizes, tariffs)[0]]
        count = len(sizes)
        slots = max(count, MAX_PRACTICES)
        names = numbered_labels(names, count) + [f"Praktijk {n}" for n in range(count + 1, slots + 1)]
        sizes += [NORMPRAKTIJK] * (slots - count)
        self.practice_count = widgets.IntSlider(
            value=count, min=min(count, MIN_PRACTICES), max=slots, description="Aantal praktijken",
            continuous_update=False, **PRACTICE_FIELD,
        ).add_class("sk-practice-count")
        self.patients = [
            widgets.BoundedIntText(
                value=size, min=0, max=MAX_PATIENTS, step=1, description=name, **PRACTICE_FIELD,
            ).add_class(f"sk-patients-{slot}")
            for slot, (name, size) in enumerate(zip(names, sizes))
        ]
        self.slot_names = names
        self.meetings = widgets.IntSlider(
            value=tariffs.meetings_per_year, min=1, max=max(MAX_MEETINGS, tariffs.meetings_per_year),
            description="Aantal bijeenkomsten per jaar", continuous_update=False, **TARIFF_FIELD,
        ).add_class("sk-meetings")
        self.labels = {field: label for _, field, label in TARIFF_INPUTS}
        self.supplement, self.fee_per_practice, self.fee_per_patient = (
            widgets.Text(
                value=dutch.tariff(getattr(tariffs, field)), description=self.labels[field],
                continuous_update=False, **TARIFF_FIELD,
            ).add_class(css)
            for field, css in (
                ("supplement_per_patient", "sk-supplement"),
                ("fee_per_practice", "sk-fee-per-practice"),
                ("fee_per_patient", "sk-fee-per-patient"),
            )
        )
        self.table = widgets.HTML().add_class("sk-costs-table")
        self.chart = widgets.Image(format="png", layout={"max_width": "100%"}).add_class("sk-costs-chart")
        inputs = [self.practice_count, *self.patients, self.meetings,
                  self.supplement, self.fee_per_practice, self.fee_per_patient]
        super().__init__([
            widgets.HBox([
                widgets.VBox([_heading("Ingeschreven patiënten per praktijk"),
                              self.practice_count, *self.patients]),
                widgets.VBox([_heading("Bijeenkomsten en tarieven"), self.meetings,
                              self.supplement, self.fee_per_practice, self.fee_per_patient]),
            ], layout={"flex_flow": "row wrap", "grid_gap": "2em"}),
            self.table,
            self.chart,
        ])
        for widget in inputs:
            widget.observe(self.update, names="value")
        self.update()

    @property
    def list_sizes(self) -> list[int]:
        """Registered patients of the practices shown (the first ``practice_count`` slots)."""
        return [widget.value for widget in self.patients[: self.practice_count.value]]

    @property
    def shown_names(self) -> list[str]:
        """Names of the practices shown."""
        return self.slot_names[: self.practice_count.value]

    @property
    def tariffs(self) -> Tariffs:
        """The tariffs in the inputs, as exact Decimals; ValueError (in Dutch) naming every
        amount that cannot be read."""
        values, errors = {}, []
        for field, widget in (("supplement_per_patient", self.supplement),
                              ("fee_per_practice", self.fee_per_practice),
                              ("fee_per_patient", self.fee_per_patient)):
            try:
                values[field] = parse_tariff(widget.value, self.labels[field])
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError(" ".join(errors))
        return Tariffs(**values, meetings_per_year=self.meetings.value)

    def update(self, change=None) -> None:
        """Show the practice slots in use and redraw the table and the chart."""
        for slot, widget in enumerate(self.patients):
            widget.layout.display = None if slot < self.practice_count.value else "none"
        try:
            tariffs = self.tariffs
        except ValueError as exc:
            self.table.value = render("widget_error.html.j2", message=str(exc))
            return
        self.table.value = costs_html(self.list_sizes, tariffs, self.shown_names, self.organisation)
        self.chart.value = figure_png(costs_chart(self.list_sizes, tariffs, self.shown_names))


class CareCostWhatIf(widgets.VBox):
    """Care-cost what-if, live: group, indicator and target in; :func:`care_cost_html` out.

    Attributes (widgets with CSS hooks): ``group`` (Dropdown of group names, ``sk-group``),
    ``indicator`` (Dropdown of the cost and volume indicators, ``sk-indicator``), ``target``
    (ToggleButtons median / national, ``sk-target``) and ``table`` (HTML, ``sk-whatif``).
    Each group is compared once (:func:`spiegelkit.analysis.compare.compare_group`) and kept.
    """

    def __init__(
        self,
        groups: dict[str, tuple[GroupParams, MirrorData]],
        indicator: str = DEFAULT_INDICATOR,
        target: str = "median",
    ):
        if not groups:
            raise ValueError("groups is empty: give at least one group (name -> (params, data)).")
        if target not in TARGETS:
            raise ValueError(f"target must be one of {sorted(TARGETS)}; got {target!r}.")
        self.groups = groups
        self._comparisons: dict[str, pd.DataFrame] = {}
        self.group = widgets.Dropdown(options=list(groups), description="Groep", **CHOICE_FIELD).add_class("sk-group")
        self.indicator = widgets.Dropdown(description="Indicator", **CHOICE_FIELD).add_class("sk-indicator")
        self.target = widgets.ToggleButtons(
            options=[(button, key) for key, (button, _) in TARGETS.items()], value=target,
            description="Doel", **BUTTONS_FIELD,
        ).add_class("sk-target")
        self.table = widgets.HTML().add_class("sk-whatif")
        super().__init__([self.group, self.indicator, self.target, self.table])
        self.choose_group(preferred=indicator)
        self.group.observe(self.choose_group, names="value")
        self.indicator.observe(self.update, names="value")
        self.target.observe(self.update, names="value")

    @property
    def params(self) -> GroupParams:
        return self.groups[self.group.value][0]

    @property
    def data(self) -> MirrorData:
        return self.groups[self.group.value][1]

    def comparison(self) -> pd.DataFrame:
        """The chosen group's comparison table, computed once per group."""
        name = self.group.value
        if name not in self._comparisons:
            self._comparisons[name] = compare_group(self.data, self.params)
        return self._comparisons[name]

    def choose_group(self, change=None, preferred: str | None = None) -> None:
        """Offer the indicators with data for the chosen group and its data year; keep the
        indicator if it can."""
        keep = preferred or self.indicator.value
        options = whatif_indicators(self.data.catalogue, self.comparison(), self.params.data_year)
        ids = [indicator for _, indicator in options]
        self.indicator.options = options
        self.indicator.value = keep if keep in ids else (ids[0] if ids else None)
        self.update()

    def update(self, change=None) -> None:
        """Redraw the table for the chosen group, indicator and target."""
        params = self.params
        self.table.value = care_cost_html(
            self.comparison(), self.indicator.value, params.data_year, self.target.value,
            labels=practice_labels(params, self.data), confidence=params.options.confidence,
        )


# ---------------------------------------------------------------------------------------
# What the notebook calls
# ---------------------------------------------------------------------------------------

def costs_calculator(
    list_sizes: Iterable[int] = DEFAULT_LIST_SIZES,
    meetings: int | None = None,
    supplement_per_patient: Decimal | float | str | None = None,
    fee_per_practice: Decimal | float | str | None = None,
    fee_per_patient: Decimal | float | str | None = None,
    params_file: Path | str | None = None,
) -> CostsCalculator:
    """The supplement-versus-fee calculator, starting from these values.

    With ``params_file`` (a group's params YAML) the practices and their list sizes come from
    the group's data (:func:`group_practices`) instead of ``list_sizes``, and the names and
    tariffs from the group's organisation file. A tariff or ``meetings`` left at None is that
    of the organisation (the kit's default without ``params_file``); a tariff given as text may
    use a decimal comma (``"0,90"``). Invalid values raise ValueError in plain language.
    """
    group = open_group(params_file) if params_file is not None else None
    organisation = group.organisation if group else default_organisation()
    base = Tariffs.of(organisation)
    given = {"supplement_per_patient": supplement_per_patient, "fee_per_practice": fee_per_practice,
             "fee_per_patient": fee_per_patient, "meetings_per_year": meetings}
    tariffs = dataclasses.replace(base, **{key: value.replace(",", ".") if isinstance(value, str) else value
                                           for key, value in given.items() if value is not None})
    if group is None:
        return CostsCalculator(list_sizes, tariffs, organisation=organisation)
    names, sizes = _practices_of(group)
    return CostsCalculator(sizes, tariffs, names, organisation)


def care_cost_calculator(
    params_file: Path | str | None = None, indicator: str = DEFAULT_INDICATOR, target: str = "median"
) -> CareCostWhatIf:
    """The care-cost what-if for the group of ``params_file``, or a choice of the demo groups."""
    return CareCostWhatIf(group_choices(params_file), indicator, target)
