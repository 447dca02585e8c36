"""HTML pieces rendered from the Jinja templates in ``templates/fragments`` (one environment).

Autoescaping is on: every name and note from params or data reaches the page as text.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from spiegelkit import dutch
from spiegelkit.inputs.dataset import MirrorData
from spiegelkit.paths import DEMO_DATA, FRAGMENTS

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(FRAGMENTS),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    auto_reload=False,  # templates ship with the kit: not a file check per piece rendered
)
_env.filters.update(number=dutch.number, percent=dutch.percent, euro=dutch.euro,
                    tariff=dutch.tariff, dutch_date=dutch.date, breakable=dutch.breakable,
                    method_name=dutch.method_name)


class Html(str):
    """A piece of HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # the plain-text twin of the output stays small
        return f"<HTML, {len(self)} characters>"


def render(template: str, **context) -> Html:
    return Html(_env.get_template(template).render(**context))


def render_each(template: str, rows: list, **context) -> list[Markup]:
    """`template` rendered once per row (as ``r``), each piece ready to go into another
    template as HTML."""
    compiled = _env.get_template(template)
    return [Markup(compiled.render(r=r, **context)) for r in rows]


def join_html(*parts) -> Html:
    """Several displayable parts (Html, Chart, None) as one piece of HTML."""
    return Html("\n".join(p._repr_html_() if hasattr(p, "_repr_html_") else str(p)
                          for p in parts if p is not None))


def is_demo(data: MirrorData) -> bool:
    return Path(data.folder).resolve() == DEMO_DATA.resolve()


def source_line(data: MirrorData) -> str:
    if is_demo(data):
        return ("Demonstratiegegevens: verzonnen praktijken, geen echte spiegels. De landelijke "
                "kostencurves naar leeftijd en geslacht zijn afgeleid van het Open Databestand "
                "Zvw 2015. Bron: Vektis.")
    return "Bron: Vektis Praktijkspiegel."
