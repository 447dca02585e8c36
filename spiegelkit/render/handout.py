"""The handout's sections as HTML, rendered from Jinja templates with autoescaping.

:class:`Handout` gathers what a group's handout needs once (data, comparison, regional
context, talking points) and has one method per section; the group notebook calls them in
order. Every name and note from params or data reaches the page as text: a practice called
``<script>alert(1)</script>`` is shown literally and runs nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spiegelkit import dutch
from spiegelkit.render import charts
from spiegelkit.inputs.catalogue import DOMAINS, FOLLOW_UPS
from spiegelkit.analysis.compare import (changes_since, compare_practices, population_summary,
                                practice_labels, shared_region, shown_agbs)
from spiegelkit.inputs.dataset import MirrorData, national_population
from spiegelkit.inputs.params import GROUP_TYPES, GroupParams
from spiegelkit.analysis.talking_points import TalkingPoint, relabelled, talking_points
from spiegelkit.analysis.compliance import obligations_of
from spiegelkit.analysis.costs import Tariffs, care_cost_whatif, costs_table
from spiegelkit.inputs.group import Group, group_from_params, load_groups, open_group
from spiegelkit.render.calculator import calculator_html
from spiegelkit.render.downloads import data_files, data_table, download_links
from spiegelkit.render.facilitation import agenda_html, attendance_html, compliance_html, lookback_html
from spiegelkit.render.html import Html, join_html, render, render_each, source_line


@dataclass(frozen=True)
class GroupAnalysis:
    """What every handout of a group is made from, computed once per group: the comparison
    (``practice`` holds the AGB codes), the regional context of the data year and the
    talking points (worded with AGB codes). A version only puts its own labels on them."""

    table: pd.DataFrame
    region: pd.DataFrame
    points: list[TalkingPoint]
    _changes: dict = field(default_factory=dict, compare=False, repr=False)
    _whatifs: dict = field(default_factory=dict, compare=False, repr=False)
    _kept: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def changes(self, year: int) -> list[dict]:
        """The records of ``changes_since(table, year)``, AGB codes as practice: computed
        once, as the labels of a version do not change which indices changed."""
        if year not in self._changes:
            changes = changes_since(self.table, year)
            self._changes[year] = charts.records(changes, list(changes.columns))
        return self._changes[year]

    def cost_whatif(self, year: int) -> pd.DataFrame:
        """``care_cost_whatif`` of the cost indicators in `year` (by AGB code), computed once:
        a version only names the practices."""
        if year not in self._whatifs:
            current = self.table[(self.table["year"] == year) & (self.table["statistic"] == "cost")]
            self._whatifs[year] = care_cost_whatif(current, target="median") if len(current) else None
        return self._whatifs[year]

    def kept(self, key: tuple, make):
        """What ``make()`` gives, made once per group for the same `key`: a version whose
        labels are the group handout's (a group that names its practices) shares what
        depends on the labels only (read it, never change it)."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]


ANALYSES_KEPT = 4  # a kernel makes one group's handouts at a time
_analyses: dict[tuple, GroupAnalysis] = {}


def group_analysis(params: GroupParams, data: MirrorData) -> GroupAnalysis:
    """The group's :class:`GroupAnalysis`, computed once for the same data, practices, year
    and options: the group handout and all its per-practice versions share it."""
    options = params.options
    key = (data, tuple(p.agb for p in params.practices), params.data_year, options.confidence,
           options.significance, tuple(options.pinned), tuple(options.dropped),
           options.talking_points)
    if key not in _analyses:
        if len(_analyses) >= ANALYSES_KEPT:
            del _analyses[next(iter(_analyses))]
        agbs = [p.agb for p in params.practices]
        table = compare_practices(data, agbs, options.confidence, options.significance)
        table.insert(1, "practice", table["agb"])
        region = shared_region(data, params.data_year, options.confidence,
                               options.significance)  # read only
        points = talking_points(table, params.data_year, pinned=options.pinned,
                                dropped=options.dropped, count=options.talking_points)
        _analyses[key] = GroupAnalysis(table, region, points)
    return _analyses[key]


TABLE_COLUMNS = charts.ROW_COLUMNS + ["unit", "follow_up", "value", "expected_value", "multiplier",
                                     "significance_nl", "method"]  # what domains() reads


@dataclass
class Handout:
    """Everything one handout (group or per-practice version) is made from."""

    group: Group
    table: pd.DataFrame  # compare_group: every year, every indicator
    region: pd.DataFrame  # compare_region for the data year: anonymous context
    labels: dict[str, str]  # AGB -> name as shown in this handout
    points: list[TalkingPoint] = field(default_factory=list)
    # what the handout was built from, if known; table is then the analysis' table under labels
    analysis: GroupAnalysis | None = None

    @classmethod
    def build(cls, group: Group) -> "Handout":
        """The handout of a loaded group (its ``params.focus_agb`` picks the version): the
        group's analysis (computed once per group) under this version's practice labels."""
        params, data = group.params, group.data
        analysis = group_analysis(params, data)
        labels = practice_labels(params, data, params.focus_agb)
        table = analysis.table.assign(practice=analysis.table["agb"].map(labels))
        return cls(group, table, analysis.region, labels, relabelled(analysis.points, labels),
                   analysis)

    @classmethod
    def from_notebook(cls, namespace: dict) -> "Handout":
        """The handout for a notebook's parameters: the group of ``params_file`` when it is
        set (with the cell's ``focus_agb``), else the group that the cell's values describe."""
        if namespace.get("params_file"):
            return cls.build(open_group(namespace["params_file"], namespace.get("focus_agb")))
        return cls.build(group_from_params(GroupParams.from_namespace(namespace)))

    @property
    def params(self) -> GroupParams:
        return self.group.params

    @property
    def data(self) -> MirrorData:
        return self.group.data

    # -- who is who ------------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.params.data_year

    @property
    def focus(self) -> str | None:
        """The label of the practice this version is for (None: the group handout)."""
        return self.labels.get(self.params.focus_agb) if self.params.focus_agb else None

    @property
    def shown_agbs(self) -> set[str]:
        return shown_agbs(self.params)

    @property
    def named_params(self) -> GroupParams:
        """Params for sections that name practices (attendance, obligations): in a
        pseudonymised per-practice version only the own practice, so no other name leaks."""
        if self.params.focus_agb and self.params.options.pseudonymise:
            own = [p for p in self.params.practices if p.agb == self.params.focus_agb]
            return self.params.model_copy(update={"practices": own})
        return self.params

    @functools.cached_property
    def current(self) -> pd.DataFrame:
        """The rows of the data year (read only)."""
        return self.table[self.table["year"] == self.year]

    @functools.cached_property
    def _practices(self) -> list[dict]:
        """Per practice of the params its label, shown AGB code, list size, mirror, note and
        whether this version is its own (read only: four sections use them)."""
        practices = self.data.practices.set_index("agb")
        rows = []
        for entry in self.params.practices:
            known = entry.agb in practices.index
            rows.append(dict(
                label=self.labels[entry.agb],
                agb=entry.agb if entry.agb in self.shown_agbs else "",
                patients=int(practices.at[entry.agb, "registered_patients"]) if known else None,
                has_mirror=bool(practices.at[entry.agb, "has_mirror"]) if known else False,
                note=entry.note, focus=entry.agb == self.params.focus_agb))
        return rows

    def _kept(self, what: str, make):
        """``make()``, shared with the group's other handouts under the same labels."""
        if self.analysis is None:
            return make()
        return self.analysis.kept((what, tuple(self.labels.items())), make)

    # -- sections, in handout order --------------------------------------------------------
    def cover(self) -> Html:
        """Group, meeting, practices, data year and its lag, source, how to read."""
        return render(
            "cover.html.j2", params=self.params, group_type=GROUP_TYPES[self.params.group_type],
            practices=self._practices, lag=self.params.meeting_date.year - self.year,
            source=source_line(self.data), confidence=dutch.confidence_text(self.params.options.confidence),
            focus=self.focus, **self._kept(("marks", self.year), self._marks))

    def _marks(self) -> dict:
        """What made the data year's marks, in Dutch, and whether they allow for the spread
        between practices (the same in every version)."""
        return dict(marks_method=charts.marks_method(self.current),
                    spread_marks=bool(self.current.get("significance_method", pd.Series(dtype=str))
                                      .isin(charts.OVERDISPERSED).any()))

    def lookback(self) -> Html:
        """The previous meeting's agreements and how their indicators moved since."""
        return lookback_html(self.params, self.table, self.group.records,
                             sum(p.is_error for p in self.group.record_problems))

    def obligations(self) -> Html:
        """The insurer's conditions for this year per practice, as of the meeting date,
        counted over every group whose params file sits beside this group's."""
        date, params = self.params.meeting_date, self.named_params
        obligations = obligations_of(load_groups(self.group.folder), date.year, date,
                                     {p.agb for p in params.practices})
        return compliance_html(params, obligations, self.group.organisation, self.data)

    def agenda(self) -> Html:
        """The meeting's agenda for 1.5-2 hours, built around the talking points."""
        points = [dict(title=p.title, follow_up=p.follow_up, indicator=p.indicator,
                       question=p.question) for p in self.points if p.selected]
        return agenda_html(self.params, points)

    def attendance(self) -> Html:
        """The attendance list with signature lines, to print."""
        return attendance_html(self.named_params, self.data)

    def population(self) -> Html:
        """List sizes, shares by age and sex against national, pyramids, facilitator notes.
        Without a population table: one sentence why the pyramids are missing."""
        notes = [p for p in self._practices if p["note"]]
        population = self._kept(("population rows", self.year), self._population_rows)
        if population.empty:
            return render("population.html.j2", summary=None, focus=self.focus, notes=notes)
        national = national_population()
        summary = self._kept("population", lambda: population_summary(
            self.data, self.params, self.year, national=national, focus=self.params.focus_agb))
        pyramid = charts.pyramid_chart(population, national, self.labels, self.year,
                                       focus=self.focus)
        return join_html(render("population.html.j2", summary=summary.reset_index(),
                                focus=self.focus, notes=notes), pyramid)

    def _population_rows(self) -> pd.DataFrame:
        """The population table's rows of the data year and the group's practices (read only:
        the pyramids' input, the same in every version)."""
        population = self.data.population
        return population[(population["year"] == self.year)
                          & population["agb"].isin(list(self.labels))]

    def no_mirror_note(self) -> Html:
        """Practices without a mirror take part; say so instead of showing empty charts."""
        without = [p["label"] for p in self._practices if not p["has_mirror"]]
        return render("no_mirror.html.j2", without=without)

    def overview(self) -> Html:
        """One heatmap of all indices, and a spine chart per practice against the region."""
        rows = self._kept("records", lambda: charts.records(self.table))
        practices = [self.focus] if any(r["practice"] == self.focus and r["year"] == self.year
                                        for r in rows) else None
        return join_html(charts.heatmap_chart(rows, self.year, focus=self.focus),
                         charts.spine_chart(rows, self.region, self.year, practices,
                                            national=self.data.spread))

    def talking_points(self) -> Html:
        """The preselected talking points as questions, and the runners-up."""
        selected = [p for p in self.points if p.selected]
        others = [p for p in self.points if not p.selected][:6]
        return render("talking_points.html.j2", selected=selected, others=others, year=self.year)

    def domains(self) -> Html:
        """Per domain: the table, forest plot, funnel plots, trends and changes."""
        parts = []
        if self.analysis is not None:  # the group's changes under this version's labels
            changes = [dict(c, practice=self.labels.get(c["practice"], np.nan))
                       for c in self.analysis.changes(self.year)]
        else:
            changes = changes_since(self.table, self.year)
            changes = charts.records(changes, list(changes.columns))
        by_domain = self._kept(("domain records", self.year), self._domain_records)
        for domain, rows in by_domain.items():
            indicators = {r["indicator"] for r in rows}
            parts += [
                render("domain_heading.html.j2", title=DOMAINS.get(domain, domain)),
                self._comparison_table(domain, rows),
                charts.forest_chart(rows, self.year, domain, focus=self.focus),
                charts.funnel_chart(rows, self.region, self.year, domain, focus=self.focus,
                                    national=self.data.spread),
                charts.trend_chart(rows, domain, focus=self.focus),
                render("changes.html.j2", year=self.year,
                       changes=[c for c in changes if c["indicator"] in indicators]),
            ]
        return join_html(*parts)

    def _domain_records(self) -> dict[str, list[dict]]:
        """The table's records (every year) per domain of the data year, in table order: the
        charts of a group's versions under the same labels keep what they draw from them."""
        records = charts.records(self.table, TABLE_COLUMNS)
        by_domain: dict[str, list[dict]] = {}
        for r in records:
            by_domain.setdefault(r["domain"], []).append(r)
        return {domain: by_domain[domain]
                for domain in dict.fromkeys(r["domain"] for r in records if r["year"] == self.year)}

    def _comparison_table(self, domain: str, rows: list[dict]) -> Html:
        """The data year's table of one domain, from the records of its rows (`rows`)."""
        table = self._kept(("comparison", domain, self.year),
                           lambda: self._comparison_cells([r for r in rows if r["year"] == self.year]))
        return render("comparison.html.j2", **table, focus=self.focus, year=self.year,
                      confidence=dutch.confidence_text(self.params.options.confidence))

    @staticmethod
    def _comparison_cells(current: list[dict]) -> dict:
        """What a domain's table shows but the own practice: its practices, per indicator its
        title, unit, follow-up and cells (as HTML), the methods and what made the marks."""
        practices = list(dict.fromkeys(r["practice"] for r in current))
        indicators: dict[str, dict] = {}  # in table order
        cells = []
        for r in current:
            mark, css = charts.MARKS.get(r["significance"], ("", ""))
            row = indicators.setdefault(r["indicator"], dict(
                title=r["title"], unit=r["unit"], cells={},
                follow_up="" if r["follow_up"] == "none" else FOLLOW_UPS[r["follow_up"]]))
            cell = row["cells"][r["practice"]] = dict(
                value=printed_figure(r["value"], r["statistic"], r["multiplier"]),
                expected=printed_figure(r["expected_value"], r["statistic"], r["multiplier"]),
                index=r["index"], lower=r["lower"],
                upper=r["upper"], mark=mark, css=css, text=r["significance_nl"])
            cells.append(cell)
        for cell, html in zip(cells, render_each("comparison_cell.html.j2", cells)):
            cell["html"] = html
        methods = sorted({dutch.method_name(r["method"]) for r in current})
        return dict(indicators=list(indicators.values()), practices=practices, methods=methods,
                    marks_method=charts.marks_method(current))

    def costs(self) -> Html:
        """Supplement against facilitation fee, an offline calculator, care-cost ranges: the
        same in every version under the same labels, so made once for them."""
        organisation = self.group.organisation.model_dump_json()
        return self._kept(("costs", self.params.group_id, organisation), self._costs)

    def _costs(self) -> Html:
        practices = [p for p in self._practices if p["patients"] is not None]
        sizes = [p["patients"] for p in practices]
        names = [p["label"] for p in practices]
        organisation = self.group.organisation
        tariffs = Tariffs.of(organisation)
        costs = costs_table(sizes, tariffs, names).to_dict("records")
        ranges = self._cost_ranges()
        return join_html(
            render("costs.html.j2", costs=costs, tariffs=tariffs, organisation=organisation,
                   ranges=ranges, year=self.year,
                   columns=list(dict.fromkeys(self.current["practice"])) + ["de groep"]),
            Html(calculator_html(sizes, tariffs, names=names, organisation=organisation,
                                 id_prefix=f"sk-calc-{self.params.group_id}")))

    def _cost_ranges(self) -> list[dict]:
        """Per cost indicator: the yearly difference if each practice moved to the group
        median, as a range in whole euros per practice and for the group."""
        current = self.current[self.current["statistic"] == "cost"]
        if current.empty:
            return []
        whatif = (self.analysis.cost_whatif(self.year) if self.analysis is not None
                  else care_cost_whatif(current, target="median"))
        titles: dict = {}
        for indicator, title in zip(current["indicator"], current["title"]):
            titles.setdefault(indicator, title)
        cells: dict = {}  # per indicator, in the order of the what-if
        for indicator, agb, level, lower, upper in zip(
                whatif["indicator"], whatif["agb"], whatif["level"],
                whatif["difference_lower"], whatif["difference_upper"]):
            who = self.labels.get(agb, np.nan) if level == "practice" else "de groep"
            cells.setdefault(indicator, {})[who] = f"{dutch.euro(lower, 0)} tot {dutch.euro(upper, 0)}"
        return [dict(title=titles[indicator], cells=row) for indicator, row in cells.items()]

    def agreements_form(self) -> Html:
        """A printable page to write the agreements on, led by the talking points."""
        selected = [p for p in self.points if p.selected]
        return render("agreements.html.j2", points=selected, empty_rows=4)

    def appendix(self) -> Html:
        """The data table of the data year, the methods, and the data to download."""
        stem = variant_stem(self.params.focus_agb)
        return join_html(
            render("appendix.html.j2", rows=self._kept("appendix rows", self._appendix_rows),
                   focus=self.focus, year=self.year,
                   confidence=dutch.confidence_text(self.params.options.confidence),
                   **self._kept(("appendix methods", self.year), self._appendix_methods),
                   national=self.data.spread is not None and len(self.data.spread) > 0),
            download_links(self._kept(("data files", tuple(sorted(self.shown_agbs))),
                                      lambda: data_files(data_table(self.table, self.shown_agbs))),
                           stem))

    def _appendix_methods(self) -> dict:
        """The appendix's methods: of the intervals (in Dutch), of the data year's marks and
        the region's size (the same in every version)."""
        current = self.current
        return dict(methods=sorted({dutch.method_name(m) for m in self.table["method"]}),
                    marks_method=charts.marks_method(current),
                    methods_used=set(current.get("significance_method", [])),
                    region_size=int(self.region["agb"].nunique()))

    def _appendix_rows(self) -> list[dict]:
        """Per row of the data year's table its practice and its cells as HTML."""
        rows = self.current.to_dict("records")
        cells = render_each("appendix_row.html.j2", rows, figure=printed_figure)
        return [dict(practice=r["practice"], cells=html) for r, html in zip(rows, cells)]


def variant_stem(focus_agb: str | None) -> str:
    """File name (without suffix) of the group handout or a per-practice version."""
    return f"practice-{focus_agb}" if focus_agb else "handout"


def printed_figure(value: float, statistic: str, multiplier: float = 100) -> str:
    """A figure in its indicator's unit as the Praktijkspiegel prints it: euros and figures
    per 1.000 whole, percentages and figures per patient with one decimal; more decimals
    (up to two) only when the figure has them, so a typed 18,75 shows as 18,75."""
    if value is None or value != value:
        return "–"
    usual = 0 if statistic == "cost" or multiplier >= 1000 else 1
    choices = (0, 2) if statistic == "cost" else range(usual, 3)  # euros: whole or cents
    decimals = next((k for k in choices if abs(value - round(value, k)) < 1e-9), usual)
    return dutch.euro(value, decimals) if statistic == "cost" else dutch.number(value, decimals)
