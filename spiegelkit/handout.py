"""HTML fragments of the handout, rendered from Jinja templates with autoescaping.

Every name and note from params or data reaches the page as text: a practice called
``<script>alert(1)</script>`` is shown literally and runs nothing. Cells of the group
notebook display what these functions return.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

from spiegelkit import dutch
from spiegelkit.catalogue import DOMAINS, FOLLOW_UPS
from spiegelkit.compare import practice_labels
from spiegelkit.dataset import MirrorData
from spiegelkit.params import DEMO_DATA, GROUP_TYPES, GroupParams

TEMPLATES = Path(__file__).parent / "templates"

MARKS = {  # significance code -> (mark, css class); readable in grayscale
    "higher_998": ("▲▲", "sk-higher"),
    "higher_95": ("▲", "sk-higher"),
    "similar": ("●", "sk-similar"),
    "lower_95": ("▼", "sk-lower"),
    "lower_998": ("▼▼", "sk-lower"),
    "small_numbers": ("–", "sk-small"),
}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES / "fragments"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)
_env.filters.update(number=dutch.number, percent=dutch.percent, euro=dutch.euro,
                    dutch_date=dutch.date)


class Html(str):
    """A piece of HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def render(template: str, **context) -> Html:
    return Html(_env.get_template(template).render(**context))


def is_demo(data: MirrorData) -> bool:
    return Path(data.folder).resolve() == DEMO_DATA.resolve()


def source_line(data: MirrorData) -> str:
    if is_demo(data):
        return ("Demonstratiegegevens: verzonnen praktijken, geen echte spiegels. De landelijke "
                "kostencurves naar leeftijd en geslacht zijn afgeleid van het Open Databestand "
                "Zvw 2015. Bron: Vektis.")
    return "Bron: Vektis Praktijkspiegel."


def cover(params: GroupParams, data: MirrorData) -> Html:
    """Title block: group, meeting, practices, data year and its lag, source, how to read."""
    practices = data.practices.set_index("agb")
    labels = practice_labels(params, data)
    rows = []
    for entry in params.practices:
        known = entry.agb in practices.index
        rows.append(dict(
            label=labels[entry.agb], agb=entry.agb,
            patients=practices.at[entry.agb, "registered_patients"] if known else None,
            has_mirror=bool(practices.at[entry.agb, "has_mirror"]) if known else False,
            note=entry.note,
        ))
    return render(
        "cover.html.j2", params=params, group_type=GROUP_TYPES[params.group_type],
        practices=rows, lag=params.meeting_date.year - params.data_year,
        source=source_line(data), confidence=params.options.confidence,
    )


def population_table(summary: pd.DataFrame) -> Html:
    """The practices' populations side by side with national."""
    return render("population.html.j2", summary=summary.reset_index(), )


def comparison_tables(table: pd.DataFrame, year: int) -> Html:
    """Per domain a table: indicators down, practices across, value and index with interval."""
    current = table[table["year"] == year]
    practices = list(dict.fromkeys(current["practice"]))
    sections = []
    for domain, rows in current.groupby("domain", sort=False):
        indicators = []
        for _, ind_rows in rows.groupby("indicator", sort=False):
            first = ind_rows.iloc[0]
            cells = {r.practice: dict(
                value=_value(r.value, r.statistic, r.multiplier),
                index=r["index"], lower=r.lower, upper=r.upper,
                mark=MARKS.get(r.significance, ("", ""))[0],
                css=MARKS.get(r.significance, ("", ""))[1],
                text=r.significance_nl, small=bool(r.small_numbers),
            ) for _, r in ind_rows.iterrows()}
            indicators.append(dict(title=first.title, unit=first.unit, cells=cells,
                                   follow_up_text="" if first.follow_up == "none"
                                   else FOLLOW_UPS[first.follow_up],
                                   influenceable=bool(first.influenceable)))
        sections.append(dict(title=DOMAINS.get(domain, domain), indicators=indicators))
    methods = sorted(set(current["method"]))
    confidence = float(current["confidence"].iloc[0]) if len(current) else 0.95
    return render("comparison.html.j2", sections=sections, practices=practices,
                  marks=MARKS, methods=methods, confidence=confidence, year=year)


def _value(value: float, statistic: str, multiplier: float) -> str:
    if statistic == "cost":
        return dutch.euro(value, 0)
    return dutch.number(value, 1 if value < 100 else 0)


def no_mirror_note(params: GroupParams, data: MirrorData) -> Html:
    """A note for practices that take part without a mirror (no empty charts)."""
    practices = data.practices.set_index("agb")
    labels = practice_labels(params, data)
    without = [labels[p.agb] for p in params.practices
               if p.agb in practices.index and not practices.at[p.agb, "has_mirror"]]
    return render("no_mirror.html.j2", without=without)
