"""Charts a GP reads at a glance. Statistics compute tables; this module only draws them.

Every chart function returns a :class:`Chart`: an SVG picture (drawn with
:mod:`spiegelkit.render.svg`, sharp on paper) with an alt text that says
what it shows, for screen readers and for anyone reading the handout as text, and a
caption. Practices differ by colour *and* marker shape (colour-blind safe, readable in
grayscale); in a per-practice version the own practice is drawn strong and the others
faded.
"""

from __future__ import annotations

import functools
import html
import statistics
from dataclasses import dataclass

import matplotlib.colors
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colormaps
from matplotlib.ticker import MaxNLocator

from spiegelkit import dutch, stats
from spiegelkit.inputs.catalogue import DOMAINS
from spiegelkit.render.svg import Canvas, Key, Scale, fitting_size, legend, wrap, x_axis, y_axis

WIDTH = 760  # pixels; the handout shows charts at most this wide, and fits them on A4
MARKERS = ["o", "s", "D", "^", "v", "P"]
TICKS = [25, 50, 75, 100, 150, 200, 400]
SIGNIFICANT = {"higher_95", "higher_998", "lower_95", "lower_998"}
GREY = "#999999"
SEX_COLOURS = {"M": "#0072b2", "V": "#e69f00"}
# One colour meaning in every chart and table (handout.css .sk-higher / .sk-lower use the same):
# higher than expected purple, lower orange, the ends of the colour-blind-safe PuOr scale.
HEAT = colormaps["PuOr"]
HIGHER_COLOUR = "#542788"
LOWER_COLOUR = "#b35806"
LEGEND_SIZE = 11.0


MARKS = {  # significance code -> (mark, css class); readable in grayscale. The one owner:
    # charts, tables and the appendix all read it (the heatmap leaves "similar" unmarked).
    "higher_998": ("▲▲", "sk-higher"),
    "higher_95": ("▲", "sk-higher"),
    "similar": ("●", "sk-similar"),
    "lower_95": ("▼", "sk-lower"),
    "lower_998": ("▼▼", "sk-lower"),
    "small_numbers": ("–", "sk-small"),
}

MARK_METHODS = {  # analysis.compare.SIGNIFICANCE_METHODS -> what made the marks, in Dutch
    "overdispersion_data": "de tekens houden rekening met de echte spreiding tussen praktijken, "
                           "geschat uit {units} praktijken in de gegevensmap (Spiegelhalter)",
    "overdispersion_catalogue": "de tekens houden rekening met de landelijke spreiding tussen "
                                "praktijken uit de indicatorcatalogus (een aanname; Spiegelhalter)",
    "poisson_no_overdispersion": "de tekens toetsen alleen toeval (Poisson/Byar): de praktijken in "
                                 "de gegevensmap verschillen niet meer dan toeval",
    "poisson_unknown_spread": "de tekens toetsen alleen toeval (Poisson/Byar): de spreiding tussen "
                              "praktijken is onbekend, dus de tekens overschatten de verschillen",
    "poisson_chosen": "de tekens toetsen alleen toeval (Poisson/Byar), zoals de groep koos; zo "
                      "overschatten ze de verschillen",
}


def mark(code: str) -> str:
    """The mark of a significance code ('' for none)."""
    return MARKS.get(code, ("", ""))[0]


ROW_COLUMNS = ["practice", "year", "domain", "statistic", "indicator", "title", "expected", "index",
               "lower", "upper", "significance", "small_numbers", "significance_method", "tau2",
               "spread_units"]  # what the charts read of a comparison table


def records(table: pd.DataFrame, columns: list[str] = ROW_COLUMNS) -> list[dict]:
    """The rows of `table` as dicts of those `columns` it has, with the Python values that
    ``to_dict("records")`` gives, at a fraction of its cost. The charts take a comparison
    table or its records: a handout makes them once for all its charts."""
    columns = [c for c in columns if c in table]
    return [dict(zip(columns, values)) for values in zip(*(table[c].tolist() for c in columns))]


Rows = pd.DataFrame | list[dict]  # a comparison table, or its records


def _records(table: Rows) -> list[dict]:
    return table if isinstance(table, list) else records(table)


def marks_method(rows: Rows) -> str:
    """One Dutch sentence on what made the marks of `rows` (a comparison table's rows)."""
    if isinstance(rows, pd.DataFrame):
        rows = records(rows, ["significance_method", "spread_units"])
    if not rows or "significance_method" not in rows[0]:
        return MARK_METHODS["poisson_unknown_spread"]
    by_method: dict[str, list[dict]] = {}
    for r in rows:
        if not pd.isna(r["significance_method"]):
            by_method.setdefault(r["significance_method"], []).append(r)
    parts = []
    for method, part in by_method.items():
        units = [r["spread_units"] for r in part if not pd.isna(r.get("spread_units"))]
        count = (f"{int(min(units))}" if min(units) == max(units) else
                 f"{int(min(units))} tot {int(max(units))}") if units else "de"
        parts.append((MARK_METHODS.get(method, method).format(units=count), len(part)))
    parts.sort(key=lambda p: -p[1])
    text = parts[0][0]
    if len(parts) > 1:
        text += "; bij een deel van de indicatoren: " + "; ".join(
            p[0].removeprefix("de tekens ") for p in parts[1:])
    return text[0].upper() + text[1:]


@dataclass(frozen=True, repr=False)
class Chart:
    """A drawn chart: SVG, alt text and caption; displays as an HTML figure."""

    svg: str
    alt: str
    caption: str = ""

    def __repr__(self) -> str:  # the plain-text twin of the output: the alt text
        return f"[grafiek] {self.alt}"

    def _repr_html_(self) -> str:
        """The SVG inline, so that hovering a point or bar shows its <title> (no script), with
        the alt text as its accessible name (role img, aria-label) and the caption below."""
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        name = html.escape(self.alt, quote=True)
        svg = self.svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)
        return f'<figure class="sk-figure">{svg}{caption}</figure>'


@dataclass(frozen=True)
class Look:
    colour: str
    marker: str
    opacity: float
    radius: float


def looks(practices: list[str], focus: str | None = None) -> dict[str, Look]:
    """Colour, marker and emphasis per practice label; `focus` (a label) stands out. A
    practice without a mirror is in no chart: its version fades nobody."""
    colours = _palette(len(practices))
    focus = focus if focus in practices else None
    return {p: Look(colours[i], MARKERS[i % len(MARKERS)],
                    1.0 if focus in (None, p) else 0.35, 5.5 if p == focus else 4.0)
            for i, p in enumerate(practices)}


@functools.cache
def _palette(count: int) -> tuple[str, ...]:
    """Seaborn's colour-blind palette of `count` colours, as hex."""
    return tuple(sns.color_palette("colorblind", count).as_hex())


def practice_keys(style: dict[str, Look]) -> list[Key]:
    return [Key(p, look.colour, look.marker, opacity=look.opacity) for p, look in style.items()]


def legend_height(count: int, columns: int = 3) -> float:
    return -(-count // columns) * LEGEND_SIZE * 1.6


def _practices(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["practice"] for r in rows))


def _lowest(values) -> float:
    """The least value that is not NaN (NaN when there is none), as pandas' min."""
    values = [v for v in values if not pd.isna(v)]
    return min(values) if values else np.nan


def _highest(values) -> float:
    values = [v for v in values if not pd.isna(v)]
    return max(values) if values else np.nan


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    """`rows` split by the value of `key`, in order of first appearance."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return groups


def _index_range(low: float, high: float) -> tuple[float, float]:
    """The part of the log index axis to show: at least 20-250, at most 10-1000."""
    return max(min(20, low * 0.9), 10), min(max(250, high * 1.1), 1000)


def _plain_log_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """A few plain numbers (1, 2, 5, 10, 20, 50, ...) between low and high."""
    ticks = [m * 10 ** e for e in range(7) for m in (1, 2, 5) if low <= m * 10 ** e <= high]
    while len(ticks) > most:
        ticks = ticks[::2]
    return ticks or [round(low), round(high)]


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    return list(_nice_ticks_kept(low, high, count))


@functools.lru_cache(maxsize=1024)  # the same panels recur in every version of a group
def _nice_ticks_kept(low: float, high: float, count: int) -> tuple[float, ...]:
    return tuple(t for t in MaxNLocator(count).tick_values(low, high) if low <= t <= high)


@functools.lru_cache(maxsize=8192)  # the versions of a group show the same points
def hover(practice: str, title: str, index: float, lower: float | None = None,
          upper: float | None = None) -> str:
    """What a reader sees on hovering a point or bar: practice, indicator, index, interval."""
    interval = "" if lower is None or pd.isna(lower) or pd.isna(upper) else \
        f" (marge {dutch.number(lower)}–{dutch.number(upper)})"
    return f"{practice}, {title}: index {dutch.number(index)}{interval}"


def _notable(rows: list[dict]) -> str:
    """A sentence for alt texts: which practices differ clearly from expected, where."""
    parts = []
    for code, words in (("higher", "Hoger"), ("lower", "Lager")):
        codes = {f"{code}_95", f"{code}_998"}
        hits = [r for r in rows if r["significance"] in codes]
        if len(hits):
            items = "; ".join(f"{r['practice']} bij {r['title']} (index {dutch.number(r['index'])})"
                              for r in hits[:8])
            more = f" en nog {len(hits) - 8}" if len(hits) > 8 else ""
            parts.append(f"{words} dan verwacht: {items}{more}.")
    return " ".join(parts) or "Geen praktijk wijkt duidelijk af van verwacht."


TITLE_HEIGHT = 24.0


def _title(canvas: Canvas, text: str) -> None:
    canvas.text(canvas.width / 2, 17, text, size=13, anchor="middle", font_weight="bold")


def forest_chart(table: Rows, year: int, domain: str | None = None,
                 focus: str | None = None) -> Chart:
    """Index per indicator and practice with its interval, and the group median (|)."""
    layout = _kept_for(table, ("forest", year, domain), lambda: _forest_layout(
        [r for r in _records(table) if r["year"] == year and (not domain or r["domain"] == domain)],
        year, domain))
    style = looks(list(layout.marks), focus)
    canvas = Canvas(WIDTH, layout.height)
    legend(canvas, _forest_keys(style), 20, 8, WIDTH - 40)
    canvas.parts.append(layout.rows)
    for practice, marks in layout.marks.items():
        look = style[practice]
        with canvas.group(opacity=look.opacity if look.opacity < 1 else None):
            canvas.parts.append(_forest_marks(layout.x, practice, look.colour, look.marker,
                                              look.radius, marks))
    canvas.parts.append(layout.medians)
    return Chart(canvas.svg(), layout.alt, layout.caption)


def _forest_keys(style: dict[str, Look]) -> list[Key]:
    return practice_keys(style) + [Key("mediaan van de groep", marker="|")]


@dataclass(frozen=True)
class ForestLayout:
    """What a forest plot is drawn from but the practices' looks (made once per group and
    labels): its rows and axis, per practice its marks, the medians and the axis title."""

    height: float
    x: Scale
    rows: str
    marks: dict[str, tuple[tuple, ...]]  # per practice, in the table's order
    medians: str
    alt: str
    caption: str


def _forest_layout(current: list[dict], year: int, domain: str | None) -> ForestLayout:
    practices = _practices(current)
    indicators = list(dict.fromkeys(r["indicator"] for r in current))
    position = {indicator: i for i, indicator in enumerate(indicators)}
    titles = {r["indicator"]: r["title"] for r in current}
    n = len(practices)
    band = max(26.0, 9.0 * n + 8)
    top = 8 + legend_height(len(_forest_keys(looks(practices)))) + 8
    bottom = top + band * len(indicators)
    left, right = 250.0, WIDTH - 20.0
    x = Scale(*_index_range(_lowest(r["lower"] for r in current),
                            _highest(r["upper"] for r in current)), left, right, log=True)
    rows = _forest_rows(x, top, bottom, band, tuple(titles[i] for i in indicators))
    offsets = np.linspace(-0.3 * band, 0.3 * band, n) if n > 1 else [0.0]
    by_practice = _by(current, "practice")
    marks = {practice: tuple((titles[r["indicator"]], top + (position[r["indicator"]] + 0.5) * band
                              + float(offset), r["index"], _known(r["lower"]), _known(r["upper"]),
                              bool(r.get("small_numbers")))
                             for r in by_practice[practice] if not pd.isna(r["index"]))
             for practice, offset in zip(practices, offsets)}
    canvas = Canvas(0, 0)
    by_indicator = _by(current, "indicator")
    for indicator in sorted(by_indicator):  # as pandas' groupby: in sorted order
        values = [r["index"] for r in by_indicator[indicator] if not pd.isna(r["index"])]
        if values:
            canvas.marker("|", x(statistics.median(values)), top + (position[indicator] + 0.5) * band,
                          band * 0.42, stroke="none")
    canvas.text((left + right) / 2, bottom + 34,
                "index (100 = verwacht) met marge; open symbool: minder dan 10 gebeurtenissen",
                size=11, anchor="middle")
    where = DOMAINS.get(domain, domain) if domain else "alle indicatoren"
    alt = (f"Grafiek: index met betrouwbaarheidsmarge per indicator ({where}, {year}) voor "
           f"{', '.join(practices)}, met de mediaan van de groep. {_notable(current)}")
    return ForestLayout(bottom + 42, x, rows, marks, "".join(canvas.parts), alt,
                        f"Index per indicator, {where.lower()}, {year}")


@functools.lru_cache(maxsize=4096)  # in a version, only the own practice's marks are new
def _forest_marks(x: Scale, practice: str, colour: str, marker: str, radius: float,
                  rows: tuple[tuple, ...]) -> str:
    """One practice's marks in a forest plot: per (title, y, index, lower, upper, small
    numbers) its interval and a marker (open for small numbers) that shows the figures on
    hovering."""
    canvas = Canvas(0, 0)
    for title, y, index, lower, upper, small in rows:
        if lower is not None and upper is not None:
            canvas.line(x(lower), y, x(upper), y, stroke=colour, width=1.6)
        canvas.marker(marker, x(index), y, radius, stroke=colour, fill="#fff" if small else colour,
                      stroke_width=1.3, title=hover(practice, title, index, lower, upper))
    return "".join(canvas.parts)


@functools.lru_cache(maxsize=256)  # every version of a group draws the same rows
def _forest_rows(x: Scale, top: float, bottom: float, band: float, titles: tuple[str, ...]) -> str:
    """A forest plot's rows but the practices: the indicators' names, stripes and the axis."""
    canvas = Canvas(0, 0)
    left, right = x.start, x.end
    for i, title in enumerate(titles):
        if i % 2:
            canvas.rect(left, top + i * band, right - left, band, fill="#f4f4f4")
        lines = wrap(title, 11, left - 14)[:2]
        middle = top + (i + 0.5) * band
        canvas.text(left - 8, middle + 4 - 6.6 * (len(lines) - 1), "", size=11, anchor="end",
                    lines=lines)
    ticks = [t for t in TICKS if x.low <= t <= x.high]
    x_axis(canvas, x, ticks, [str(t) for t in ticks], top, bottom)
    canvas.line(x(100), top, x(100), bottom, width=1.2)
    return "".join(canvas.parts)



def _heat_colour(index: float) -> str:
    return _heat_colours([index])[0]


def _heat_colours(indices) -> list[str]:
    """The heatmap's colour of each index, mapped in one go."""
    if not len(indices):
        return []
    values = np.log2(np.clip(np.asarray(indices, dtype=float), 25, 400) / 100)
    return [_hex(tuple(rgba)) for rgba in HEAT(matplotlib.colors.Normalize(-1.3, 1.3)(values)).tolist()]


@functools.lru_cache(maxsize=1024)  # the colour map has 256 colours
def _hex(rgba: tuple[float, ...]) -> str:
    return matplotlib.colors.to_hex(rgba)


@functools.lru_cache(maxsize=4096)
def _dark(colour: str) -> bool:
    r, g, b = matplotlib.colors.to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def heatmap_chart(table: Rows, year: int, focus: str | None = None) -> Chart:
    """All indices in one view: indicators down, practices across, grouped by domain."""
    current = [r for r in _records(table) if r["year"] == year]
    practices = _practices(current)
    indicators = list(dict.fromkeys(r["indicator"] for r in current))
    left, cell_w, cell_h = 270.0, min(120.0, (WIDTH - 280) / max(len(practices), 1)), 17.0
    head_size = fitting_size(practices, 10, (cell_w - 6) * 0.85)  # bold runs wider
    header = [wrap(p, head_size, cell_w - 6)[:2] for p in practices]
    top = 10 + 12 * max(len(h) for h in header) + 6
    canvas = Canvas(left + cell_w * len(practices) + 10, top + cell_h * len(indicators) + 8)
    for j, practice in enumerate(practices):
        canvas.text(left + (j + 0.5) * cell_w, 18, "", size=head_size, anchor="middle", lines=header[j],
                    font_weight="bold" if practice == focus else None)
    cells, notable, method = _kept_for(table, ("heatmap", year), lambda: (
        _heatmap_cells(current, practices, indicators, left, top, cell_w, cell_h),
        _notable(current), marks_method(current)))
    canvas.parts.append(cells)
    if focus in practices:
        canvas.rect(left + practices.index(focus) * cell_w, top, cell_w, cell_h * len(indicators),
                    fill="none", stroke="#000", stroke_width=2.5)
    alt = (f"Overzicht van alle indexen in {year}: {len(indicators)} indicatoren onder elkaar, "
           f"de praktijken {', '.join(practices)} naast elkaar. Paars is hoger, oranje lager dan "
           f"verwacht; ▲ en ▼ markeren duidelijke verschillen. {notable}")
    return Chart(canvas.svg(), alt, f"Overzicht: index per indicator en praktijk, {year} "
                                       "(▲/▼ duidelijk hoger/lager, – te weinig gebeurtenissen). "
                                       f"{method}.")


def _heatmap_cells(current: list[dict], practices: list[str], indicators: list[str], left: float,
                   top: float, cell_w: float, cell_h: float) -> str:
    """The heatmap but its head and the own practice's frame: per indicator its name and
    a cell per practice (colour, index, mark), a line between domains."""
    canvas = Canvas(0, 0)
    titles = {r["indicator"]: r["title"] for r in current}
    domains = {r["indicator"]: r["domain"] for r in current}
    cells = {(r["indicator"], r["practice"]): r for r in current}
    indices = [r["index"] for r in current if not pd.isna(r["index"])]
    colours = dict(zip(indices, _heat_colours(indices)))
    for i, indicator in enumerate(indicators):
        y = top + i * cell_h
        canvas.text(left - 6, y + cell_h * 0.7, wrap(titles[indicator], 10, left - 10)[0], size=10,
                    anchor="end")
        for j, practice in enumerate(practices):
            row = cells.get((indicator, practice))
            if row is None or pd.isna(row["index"]):
                continue
            small = row["significance"] == "small_numbers"
            fill = "#eeeeee" if small else colours[row["index"]]
            canvas.rect(left + j * cell_w, y, cell_w, cell_h, fill=fill, stroke="#fff",
                        title=hover(practice, titles[indicator], row["index"], row["lower"], row["upper"]))
            shown = "" if row["significance"] == "similar" else mark(row["significance"])
            label = f"{dutch.number(row['index'])} {shown}".strip()
            canvas.text(left + (j + 0.5) * cell_w, y + cell_h * 0.72, label, size=10,
                        anchor="middle", fill="#fff" if _dark(fill) else "#000")
        if i and domains[indicator] != domains[indicators[i - 1]]:
            canvas.line(left - 4, y, left + cell_w * len(practices), y, width=1.2)
    return "".join(canvas.parts)


_kept: dict[tuple, tuple] = {}


def _kept_for(rows: Rows, key: tuple, make, sources: tuple = ()):
    """``make()``, made once for the same list of `rows` (a handout's records, which the
    versions of a group under the same labels share), `key` and `sources` (further tables
    it is made from, the same objects); read it, never change it. For a table (a DataFrame,
    which a notebook may change in place) made every time."""
    if not isinstance(rows, list):
        return make()
    kept = _kept.get((id(rows), *key))
    if kept is None or kept[0] is not rows or any(a is not b for a, b in zip(kept[1], sources)):
        if len(_kept) >= 64:
            del _kept[next(iter(_kept))]
        kept = _kept[(id(rows), *key)] = (rows, sources, make())
    return kept[2]


def context_bands(region: pd.DataFrame, national: pd.DataFrame | None, year: int,
                  indicators: list[str]) -> tuple[pd.DataFrame, str]:
    """The 5th, 25th, 75th and 95th percentiles of practices' indices per indicator (columns
    0.05, 0.25, 0.75, 0.95) and, in Dutch, whose: the national distribution (the data
    folder's ``spread`` table) where given, else the region (the data folder's practices,
    which compare_region gives only when there are at least 20), else none."""
    if national is not None and len(national):
        rows = national[(national["year"] == year) & national["indicator"].isin(indicators)]
        if len(rows):
            bands = rows.set_index("indicator")[["p5", "p25", "p75", "p95"]].astype(float)
            bands.columns = [0.05, 0.25, 0.75, 0.95]
            return bands, "van de praktijken in Nederland"
    if len(region):
        bands = region[region["indicator"].isin(indicators)].groupby("indicator")["index"].quantile(
            [0.05, 0.25, 0.75, 0.95]).unstack()
        return bands, f"van {region['agb'].nunique()} praktijken in de regio (de gegevensmap)"
    return pd.DataFrame(columns=[0.05, 0.25, 0.75, 0.95]), ""


QUANTILES = [0.05, 0.25, 0.75, 0.95]
_NO_REGION = pd.DataFrame()
_bands_kept: dict[tuple, tuple] = {}


def _bands(region: pd.DataFrame, national: pd.DataFrame | None, year: int,
           indicators: list[str]) -> tuple[dict[str, list[float]], str]:
    """:func:`context_bands` as indicator -> its four percentiles, computed once for the
    same tables (every version of a group shares them) and indicators."""
    key = (id(region), id(national), year, tuple(indicators))
    kept = _bands_kept.get(key)
    if kept is None or kept[0] is not region or kept[1] is not national:
        if len(_bands_kept) >= 64:
            del _bands_kept[next(iter(_bands_kept))]
        bands, whose = context_bands(region, national, year, indicators)
        quantiles = dict(zip(bands.index.tolist(), bands[QUANTILES].to_numpy(float).tolist()))
        kept = _bands_kept[key] = (region, national, quantiles, whose)
    return kept[2], kept[3]


def spine_chart(table: Rows, region: pd.DataFrame, year: int,
                practices: list[str] | None = None, national: pd.DataFrame | None = None) -> Chart:
    """Each practice against the practices of the Netherlands (or the region), one panel per
    practice sharing the indicator labels.

    Grey bands are the middle 50% and 90% of practices (:func:`context_bands`: national
    percentiles from the ``spread`` table, else the data folder's practices when there are
    at least 20); the marker is the practice (filled triangle up/down: clearly higher/lower
    than expected; open circle: not clearly different); the line at 100 is expected.
    """
    current = [r for r in _records(table) if r["year"] == year]
    practices = practices or _practices(current)
    indicators = list(dict.fromkeys(r["indicator"] for r in current))
    position = {indicator: i for i, indicator in enumerate(indicators)}
    titles = {r["indicator"]: r["title"] for r in current}
    spread, whose = _bands(region, national, year, indicators)
    low = min(_lowest(r["index"] for r in current),
              _lowest(v for q in spread.values() for v in q) if spread else 100)
    high = max(_highest(r["index"] for r in current),
               _highest(v for q in spread.values() for v in q) if spread else 100)
    label_w, gap, row_h = 230.0, 12.0, 15.0
    panel_w = min(400.0, (WIDTH - label_w - 10 - gap * (len(practices) - 1)) / len(practices))
    head_size = fitting_size(practices, 10, panel_w * 0.85)  # bold runs wider
    heads = [wrap(p, head_size, panel_w)[:2] for p in practices]
    top = 8 + 12 * max(len(h) for h in heads) + 4
    bottom = top + row_h * len(indicators)
    canvas = Canvas(label_w + len(practices) * (panel_w + gap) - gap + 10, bottom + 44)
    for i, indicator in enumerate(indicators):
        canvas.text(label_w - 8, top + (i + 0.7) * row_h, wrap(titles[indicator], 9.5, label_w - 10)[0],
                    size=9.5, anchor="end")
    shapes = {"higher_998": "^", "higher_95": "^", "lower_95": "v", "lower_998": "v"}
    ticks = [50, 100, 200] if len(practices) > 1 else TICKS
    for k, practice in enumerate(practices):
        start = label_w + k * (panel_w + gap)
        x = Scale(*_index_range(low, high), start, start + panel_w, log=True)
        canvas.text(start + panel_w / 2, 18, "", size=head_size, anchor="middle", lines=heads[k],
                    font_weight="bold")
        for i, indicator in enumerate(indicators):
            if indicator in spread:
                q05, q25, q75, q95 = spread[indicator]
                y = top + i * row_h + 2
                canvas.rect(x(q05), y, x(q95) - x(q05), row_h - 4, fill="#e3e3e3")
                canvas.rect(x(q25), y, x(q75) - x(q25), row_h - 4, fill="#b8b8b8")
        shown = [t for t in ticks if x.low <= t <= x.high]
        x_axis(canvas, x, shown, [str(t) for t in shown], top, bottom, size=9, grid="#f0f0f0")
        canvas.line(x(100), top, x(100), bottom, width=1.2)
        for row in current:
            if row["practice"] != practice or pd.isna(row["index"]):
                continue
            y = top + (position[row["indicator"]] + 0.5) * row_h
            marker = shapes.get(row["significance"], "o")
            canvas.marker(marker, x(row["index"]), y, 4.2 if marker != "o" else 3.4,
                          fill="#000" if marker != "o" else "#fff", stroke="#000",
                          title=hover(practice, titles[row["indicator"]], row["index"],
                                      row["lower"], row["upper"]))
    canvas.text(label_w + (canvas.width - label_w) / 2, bottom + 36,
                f"index (100 = zoals verwacht); grijs: middelste 50% en 90% {whose}" if whose
                else "index (100 = zoals verwacht); geen spreiding tussen praktijken bekend",
                size=10, anchor="middle")
    against = whose.removeprefix("van ") if whose else "100 (geen spreiding tussen praktijken bekend)"
    alt = (f"Ruggengraatgrafiek {year}: per indicator de index van "
           f"{', '.join(practices)} tegen de spreiding {whose or 'van geen andere praktijken'}. "
           f"{_notable([r for r in current if r['practice'] in practices])}")
    return Chart(canvas.svg(), alt, f"Naast {against}, {year} (▲/▼ duidelijk hoger/lager dan "
                                       f"verwacht, ○ niet duidelijk). {marks_method(current)}.")


FUNNEL_SIZES = np.geomspace(1, 1e6, 241)  # expected counts, 40 per decade


@functools.lru_cache(maxsize=4)
def _funnel_curves(level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson control limits around 100 at FUNNEL_SIZES, computed once per level."""
    limits = stats.funnel_limits(FUNNEL_SIZES, 1.0, confidence=level, statistic="ratio")
    return limits["lower"].to_numpy() * 100, limits["upper"].to_numpy() * 100


def _funnel_line(level: float, bound: int, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Sizes from low to high and the limit there (between the computed points: log-linear)."""
    inside = FUNNEL_SIZES[(FUNNEL_SIZES > low) & (FUNNEL_SIZES < high)]
    sizes = np.concatenate([[low], inside, [high]])
    return sizes, np.interp(np.log(sizes), np.log(FUNNEL_SIZES), _funnel_curves(level)[bound])


def _panel_origins(count: int, columns: int, panel_w: float, panel_h: float, top: float):
    return [(10 + (k % columns) * panel_w, top + (k // columns) * panel_h) for k in range(count)]


OVERDISPERSED = {"overdispersion_data", "overdispersion_catalogue"}


@functools.lru_cache(maxsize=1024)  # the same panels recur in every version of a group
def _limit_curve(level: float, bound: int, low: float, high: float,
                 tau2: float | None) -> tuple[np.ndarray, np.ndarray]:
    """A funnel's limit from size low to high: with the spread between practices (tau2) as
    the marks use it, or exact Poisson (chance alone). Kept: read only."""
    if tau2 is None or not np.isfinite(tau2):
        sizes, limit = _funnel_line(level, bound, low, high)
    else:
        sizes = np.geomspace(low, high, 80)
        limit = np.asarray(stats.overdispersed_ratio_limits(sizes, tau2, level)[bound]) * 100
    sizes.setflags(write=False)
    limit.setflags(write=False)
    return sizes, limit


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a key of _funnel_panel
class RegionPanels:
    """The region's practices with an index: their expected counts and indices per
    indicator, and how many practices the region has."""

    points: dict[str, tuple[np.ndarray, np.ndarray]]
    practices: int


_region_panels: dict[int, tuple[pd.DataFrame, RegionPanels]] = {}
_NO_POINTS = (np.array([]), np.array([]))


def region_panels(region: pd.DataFrame) -> RegionPanels:
    """The region's practices per indicator: split once per region table (a group's
    handouts share one), not once per domain of every handout."""
    kept = _region_panels.get(id(region))
    if kept is None or kept[0] is not region:
        if len(_region_panels) >= 4:
            del _region_panels[next(iter(_region_panels))]
        points = {indicator: (part["expected"].to_numpy(float), part["index"].to_numpy(float))
                  for indicator, part in region.dropna(subset=["expected", "index"])
                  .groupby("indicator", sort=False)}
        kept = _region_panels[id(region)] = (region, RegionPanels(points, region["agb"].nunique()))
    return kept[1]


def funnel_chart(table: Rows, region: pd.DataFrame, year: int, domain: str,
                 focus: str | None = None, confidence: float = 0.95,
                 national: pd.DataFrame | None = None) -> Chart | None:
    """Funnel plots per indicator: index against expected events, with 95% and 99.8%
    control limits around 100: those the marks used, so with the spread between practices
    (Spiegelhalter, ``tau2`` of the table's rows) where the marks allow for it, else exact
    Poisson. Costs get no funnel. Grey dots are the practices of the data folder (the
    region, only when there are at least 20); a grey band is the middle 90% of the
    practices in the Netherlands (the ``spread`` table), when given."""
    layout = _kept_for(table, ("funnel", year, domain), lambda: _funnel_layout(
        [r for r in _records(table)
         if r["year"] == year and r["domain"] == domain and r["statistic"] != "cost"],
        region, year, domain, national), sources=(region, national))
    if layout is None:
        return None
    style = looks(layout.practices, focus)
    canvas = Canvas(WIDTH, layout.height)
    _title(canvas, layout.title)
    legend(canvas, _funnel_keys(style, region), 20, TITLE_HEIGHT, WIDTH - 40)
    _panels(canvas, layout, {p: _funnel_points(layout, p, look) for p, look in style.items()})
    return Chart(canvas.svg(), layout.alt, layout.caption)


def _funnel_keys(style: dict[str, Look], region: pd.DataFrame) -> list[Key]:
    return practice_keys(style) + ([Key("regio", GREY)] if len(region) else []) + [
        Key("95%-grens", marker=None, dash="5 3"), Key("99,8%-grens", marker=None, dash="1.5 2.5")]


def _panels(canvas: Canvas, layout, drawn: dict[str, list[str]]) -> None:
    """Each panel of `layout` (its ``bases`` and ``panel_practices``): its frame, then what
    each of its practices has in it (`drawn`: per practice a string per panel)."""
    for panel, (base, practices) in enumerate(zip(layout.bases, layout.panel_practices)):
        canvas.parts.append(base)
        canvas.parts.extend(drawn[practice][panel] for practice in practices)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a key of _funnel_points
class FunnelLayout:
    """What a domain's funnel plots are drawn from but the practices' looks (made once per
    group and labels): per panel its frame and limits (a string), the practices in it and
    per practice its point (x, y, what hovering shows)."""

    practices: list[str]
    title: str
    height: float
    alt: str
    caption: str
    bases: list[str]
    panel_practices: list[list[str]]
    points: list[dict[str, list[tuple]]]


def _funnel_layout(current: list[dict], region: pd.DataFrame, year: int, domain: str,
                   national: pd.DataFrame | None) -> FunnelLayout | None:
    indicators = list(dict.fromkeys(r["indicator"] for r in current))
    if not indicators:
        return None
    practices = _practices(current)
    titles = {r["indicator"]: r["title"] for r in current}
    columns = min(3, len(indicators))
    panel_w, plot_h = (WIDTH - 20) / columns, 120.0
    panel_h = 34 + plot_h + 34
    title = f"Trechters: {DOMAINS.get(domain, domain).lower()}, {year}"
    top = TITLE_HEIGHT + legend_height(len(_funnel_keys(looks(practices), region))) + 6
    rows = -(-len(indicators) // columns)
    panels = _by([r for r in current if not (pd.isna(r["expected"]) or pd.isna(r["index"]))],
                 "indicator")
    spread = region_panels(region)
    bands, _ = _bands(_NO_REGION, national, year, indicators)
    spreads = {}
    if "significance_method" in current[0]:
        spreads = {r["indicator"]: float(r["tau2"]) for r in current
                   if r["significance_method"] in OVERDISPERSED}
    bases, panel_practices, points = [], [], []
    for (ox, oy), indicator in zip(_panel_origins(len(indicators), columns, panel_w, panel_h, top),
                                   indicators):
        here = panels.get(indicator, [])
        context_expected, context_index = spread.points.get(indicator, _NO_POINTS)
        sizes = np.concatenate([np.array([r["expected"] for r in here], dtype=float), context_expected])
        values = np.concatenate([np.array([r["index"] for r in here], dtype=float), context_index])
        if not len(sizes):
            continue
        low, high = max(sizes.min() * 0.7, 1), sizes.max() * 1.3
        left, right, plot_top = ox + 38, ox + panel_w - 12, oy + 34
        x = Scale(low, high, left, right, log=True)
        y = Scale(max(min(values.min(), 60) * 0.85, 0), max(values.max(), 150) * 1.1,
                  plot_top + plot_h, plot_top)
        band = bands.get(indicator)
        bases.append(_funnel_panel(x, y, ox, oy, panel_w, plot_h, titles[indicator],
                                   None if band is None else (band[0], band[3]),
                                   spreads.get(indicator), spread, indicator))
        panel_practices.append(list(dict.fromkeys(r["practice"] for r in here)))
        points.append({})
        for r in here:
            points[-1].setdefault(r["practice"], []).append((
                x(r["expected"]), y(r["index"]),
                hover(r["practice"], titles[indicator], r["index"], r["lower"], r["upper"])
                + f"; verwacht {dutch.number(r['expected'], 1)}"))
    limits = ("grenzen met de spreiding tussen praktijken" if spreads and len(spreads) == len(indicators)
              else "exacte Poisson-grenzen (alleen toeval)" if not spreads
              else "grenzen met de spreiding tussen praktijken, of exact Poisson waar die onbekend is")
    context = [f"grijze punten: {spread.practices} praktijken in de regio"] if len(region) else []
    context += ["grijs vlak: middelste 90% van de praktijken in Nederland"] if len(bands) else []
    alt = (f"Trechtergrafieken ({DOMAINS.get(domain, domain)}, {year}): per indicator de index van "
           f"elke praktijk tegen het verwachte aantal, met de {limits}. "
           f"{'; '.join(context).capitalize() + '. ' if context else ''}{_notable(current)}")
    caption = (f"Trechters: {DOMAINS.get(domain, domain).lower()}, {year} "
               f"({limits}, 95% en 99,8%{'; ' if context else ''}"
               f"{'; '.join(context)}). {marks_method(current)}.")
    return FunnelLayout(practices, title, top + rows * panel_h, alt, caption, bases,
                        panel_practices, points)


@functools.lru_cache(maxsize=256)  # a practice's points recur in the versions of its group
def _funnel_points(layout: FunnelLayout, practice: str, look: Look) -> list[str]:
    """One practice's points in each panel of `layout` ('' where it has none), in its look."""
    drawn = []
    for panel in layout.points:
        canvas = Canvas(0, 0)
        for x, y, title in panel.get(practice, []):
            canvas.marker(look.marker, x, y, look.radius, fill=look.colour, stroke="#000",
                          stroke_width=0.5, opacity=look.opacity if look.opacity < 1 else None,
                          title=title)
        drawn.append("".join(canvas.parts))
    return drawn


@functools.lru_cache(maxsize=256)  # every version of a group draws the same panels
def _funnel_panel(x: Scale, y: Scale, ox: float, oy: float, panel_w: float, plot_h: float,
                  title: str, band: tuple[float, float] | None, tau2: float | None,
                  region: RegionPanels, indicator: str) -> str:
    """A funnel panel but the group's practices: its title and axes, the middle 90% of the
    practices in the Netherlands (`band`), the control limits and the region's practices."""
    canvas = Canvas(0, 0)
    left, right, plot_top = ox + 38, ox + panel_w - 12, oy + 34
    low, high = x.low, x.high
    expected, index = region.points.get(indicator, _NO_POINTS)
    canvas.text(ox + panel_w / 2, oy + 14, "", size=10.5, anchor="middle", font_weight="bold",
                lines=wrap(title, 10.5, panel_w - 40)[:2])
    y_ticks = _nice_ticks(y.low, y.high)
    y_axis(canvas, y, y_ticks, [dutch.number(t) for t in y_ticks], left, right, size=9)
    x_ticks = _plain_log_ticks(low, high)
    x_axis(canvas, x, x_ticks, [dutch.number(t) for t in x_ticks], plot_top, plot_top + plot_h,
           size=9)
    canvas.text((left + right) / 2, plot_top + plot_h + 27, "verwacht aantal", size=9,
                anchor="middle")
    canvas.rect(left, plot_top, right - left, plot_h, fill="none", stroke="#bbb")
    if band is not None:
        band_low, band_high = (float(np.clip(v, y.low, y.high)) for v in band)
        canvas.rect(left, y(band_high), right - left, y(band_low) - y(band_high), fill="#eeeeee")
    for level, dash in ((0.95, "5 3"), (0.998, "1.5 2.5")):
        for bound in (0, 1):
            sizes, v = _limit_curve(level, bound, low, high, tau2)
            canvas.path(x(sizes), np.where(y.contains(v), y(v), np.nan), stroke="#000",
                        width=1.0, stroke_dasharray=dash)
    canvas.line(left, y(100), right, y(100), width=1.2)
    canvas.dots(x(expected), y(index), 2.2, fill=GREY, opacity=0.6)
    return "".join(canvas.parts)


def trend_chart(table: Rows, domain: str, focus: str | None = None) -> Chart | None:
    """Index per report year and practice, one small panel per indicator."""
    layout = _kept_for(table, ("trend", domain), lambda: _trend_layout(
        [r for r in _records(table) if r["domain"] == domain], domain))
    if layout is None:
        return None
    style = looks(layout.practices, focus)
    canvas = Canvas(WIDTH, layout.height)
    _title(canvas, layout.title)
    legend(canvas, _trend_keys(style), 20, TITLE_HEIGHT, WIDTH - 40)
    _panels(canvas, layout, {p: _trend_lines(layout, p, look, p == focus) for p, look in style.items()})
    return Chart(canvas.svg(), layout.alt, layout.title)


def _trend_keys(style: dict[str, Look]) -> list[Key]:
    return [Key(p, look.colour, look.marker, line=True, opacity=look.opacity)
            for p, look in style.items()]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a key of _trend_lines
class TrendLayout:
    """What a trend chart is drawn from but the practices' looks: made once per group and
    labels. Per panel its frame (a string), the practices with a line in it and their points."""

    practices: list[str]
    title: str
    height: float
    alt: str
    bases: list[str]
    panel_practices: list[list[str]]
    panels: list[tuple]  # per panel: x, y, indicator title, {practice: points}


def _trend_layout(rows: list[dict], domain: str) -> TrendLayout | None:
    indicators = list(dict.fromkeys(r["indicator"] for r in rows))
    years = sorted({r["year"] for r in rows})
    if not indicators or len(years) < 2:
        return None
    practices = _practices(rows)
    titles = {r["indicator"]: r["title"] for r in rows}
    panels = _by(sorted((r for r in rows if not pd.isna(r["index"])), key=lambda r: r["year"]),
                 "indicator")
    indicators = [i for i in indicators if i in panels]
    if not indicators:
        return None
    columns = min(4, len(indicators))
    panel_w, plot_h = (WIDTH - 20) / columns, 80.0
    panel_h = 30 + plot_h + 22
    title = f"Trend {years[0]}–{years[-1]}: {DOMAINS.get(domain, domain).lower()}"
    top = TITLE_HEIGHT + legend_height(len(_trend_keys(looks(practices)))) + 6
    year_labels = [str(y)[2:] if len(years) > 4 else str(y) for y in years]
    bases, panel_practices, drawn = [], [], []
    for (ox, oy), indicator in zip(_panel_origins(len(indicators), columns, panel_w, panel_h, top),
                                   indicators):
        here = panels[indicator]
        values = [r["index"] for r in here]
        low, high = min(min(values), 100), max(max(values), 100)
        pad = (high - low) * 0.12 or 10
        left, right, plot_top = ox + 34, ox + panel_w - 10, oy + 30
        x = Scale(years[0], years[-1], left + 6, right - 6)
        y = Scale(low - pad, high + pad, plot_top + plot_h, plot_top)
        bases.append(_trend_panel(x, y, ox, oy, panel_w, plot_h, titles[indicator],
                                  tuple(years), tuple(year_labels)))
        points = {practice: tuple((r["year"], r["index"], _known(r["lower"]), _known(r["upper"]))
                                  for r in line) for practice, line in _by(here, "practice").items()}
        panel_practices.append(list(points))
        drawn.append((x, y, titles[indicator], points))
    alt = (f"Trend van de index per jaar ({years[0]}–{years[-1]}) voor "
           f"{DOMAINS.get(domain, domain).lower()}, per praktijk; 100 is zoals verwacht.")
    return TrendLayout(practices, title, top + -(-len(indicators) // columns) * panel_h, alt,
                       bases, panel_practices, drawn)


@functools.lru_cache(maxsize=256)  # a practice's lines recur in the versions of its group
def _trend_lines(layout: TrendLayout, practice: str, look: Look, focus: bool) -> list[str]:
    """One practice's line in each panel of `layout` ('' where it has none), in its look."""
    lines = []
    for x, y, title, points in layout.panels:
        if practice not in points:
            lines.append("")
            continue
        canvas = Canvas(0, 0)
        with canvas.group(opacity=look.opacity if look.opacity < 1 else None):
            canvas.parts.append(_trend_line(x, y, practice, title, look.colour, look.marker,
                                            look.radius, focus, points[practice]))
        lines.append("".join(canvas.parts))
    return lines


@functools.lru_cache(maxsize=512)  # every version of a group draws the same panels
def _trend_panel(x: Scale, y: Scale, ox: float, oy: float, panel_w: float, plot_h: float,
                 title: str, years: tuple[int, ...], year_labels: tuple[str, ...]) -> str:
    """A trend panel but the practices' lines: its title, axes, frame and the line at 100."""
    canvas = Canvas(0, 0)
    left, right, plot_top = ox + 34, ox + panel_w - 10, oy + 30
    canvas.text(ox + panel_w / 2, oy + 11, "", size=9.5, anchor="middle", font_weight="bold",
                lines=wrap(title, 9.5, panel_w - 24)[:2])
    y_ticks = _nice_ticks(y.low, y.high, 3)
    y_axis(canvas, y, y_ticks, [dutch.number(t) for t in y_ticks], left, right, size=8.5)
    x_axis(canvas, x, years, year_labels, plot_top, plot_top + plot_h, size=8.5, grid="none")
    canvas.rect(left, plot_top, right - left, plot_h, fill="none", stroke="#bbb")
    canvas.line(left, y(100), right, y(100), width=1.0)
    return "".join(canvas.parts)


@functools.lru_cache(maxsize=4096)  # in a version, only the own practice's lines are new
def _trend_line(x: Scale, y: Scale, practice: str, title: str, colour: str, marker: str,
                radius: float, focus: bool, points: tuple[tuple, ...]) -> str:
    """One practice's line in a trend panel: (year, index, lower, upper) per point, each
    point a marker that shows its figures on hovering."""
    canvas = Canvas(0, 0)
    xs = x(np.array([p[0] for p in points], dtype=float))
    ys = y(np.array([p[1] for p in points], dtype=float))
    canvas.path(xs, ys, stroke=colour, width=2.2 if focus else 1.4)
    for px, py, (year, index, lower, upper) in zip(xs, ys, points):
        canvas.marker(marker, px, py, radius * 0.75, fill=colour, stroke=colour,
                      title=hover(practice, f"{title} {year}", index, lower, upper))
    return "".join(canvas.parts)


def _known(value):
    """`value`, or None for a missing one: a cache key in which every missing value is
    the same (no two NaNs are equal)."""
    return None if value is None or value != value else value


def pyramid_chart(population: pd.DataFrame, national: pd.DataFrame, labels: dict[str, str],
                  year: int, focus: str | None = None) -> Chart:
    """Age/sex pyramid per practice (bars) against the Dutch population (outline), in %."""
    from spiegelkit.inputs.tables import AGE_BANDS

    pop = population[(population["year"] == year) & population["agb"].isin(list(labels))]
    counts: dict[str, dict[tuple[str, str], float]] = {}  # AGB -> (age band, sex) -> patients
    for agb, band, sex, patients in zip(*(pop[c].tolist() for c in ("agb", "age_band", "sex", "patients"))):
        counts.setdefault(agb, {})[band, sex] = np.nan if pd.isna(patients) else float(patients)
    shares = {agb: _percentages(own) for agb, own in counts.items()}
    national_patients = national["patients"].to_numpy(float)
    nat = dict(zip(zip(national["age_band"].tolist(), national["sex"].tolist()),
                   (national_patients / np.nansum(national_patients) * 100).tolist()))
    n = len(labels)
    columns = min(n, 3)
    band_h, panel_w = 9.0, (WIDTH - 20) / columns
    panel_h = 22 + band_h * len(AGE_BANDS) + 24
    canvas = Canvas(WIDTH, 4 + -(-n // columns) * panel_h)
    largest = _highest(v for own in shares.values() for v in own.values())
    limit = float(np.ceil(max(largest if len(pop) else 0, _highest(nat.values())) * 1.1))
    ticks = [t for t in (2, 4, 6, 8, 10, 15, 20) if t < limit][-2:]
    national_line = tuple(nat.get((band, sex), 0.0) for sex in ("M", "V") for band in AGE_BANDS[::-1])
    for (ox, oy), (agb, label) in zip(_panel_origins(n, columns, panel_w, panel_h, 4), labels.items()):
        own = shares.get(agb, {})
        canvas.parts.append(_pyramid_panel(
            ox, oy, panel_w, band_h, limit, tuple(ticks), label, label == focus,
            1.0 if focus in (None, label) else 0.45,
            tuple(own.get((band, sex), 0.0) for band in AGE_BANDS[::-1] for sex in ("M", "V")),
            national_line))
    alt = (f"Bevolkingspiramides {year}: per praktijk het aandeel patiënten per leeftijdsgroep, "
           f"mannen links (blauw) en vrouwen rechts (oranje), met de Nederlandse bevolking als "
           f"zwarte lijn. Praktijken: {', '.join(labels.values())}.")
    return Chart(canvas.svg(), alt, "Opbouw naar leeftijd en geslacht; zwarte lijn: Nederland "
                                       "(Bron: Vektis, verzekerden 2015)")


@functools.lru_cache(maxsize=512)  # a practice's panel recurs in the versions of its group
def _pyramid_panel(ox: float, oy: float, panel_w: float, band_h: float, limit: float,
                   ticks: tuple[float, ...], label: str, bold: bool, faded: float,
                   shares: tuple[float, ...], national: tuple[float, ...]) -> str:
    """One practice's pyramid: `shares` in % per age band (oldest first) and sex (M, V), the
    Dutch population (`national`, per sex then age band) as an outline."""
    from spiegelkit.inputs.tables import AGE_BANDS

    canvas = Canvas(0, 0)
    left, right, top = ox + 34, ox + panel_w - 10, oy + 22
    bottom = top + band_h * len(AGE_BANDS)
    x = Scale(-limit, limit, left, right)
    canvas.text((left + right) / 2, oy + 13, wrap(label, 10.5, panel_w - 10)[0], size=10.5,
                anchor="middle", font_weight="bold" if bold else None)
    shown = [-t for t in ticks[::-1]] + [0] + list(ticks)
    x_axis(canvas, x, shown, [f"{abs(t)}%" if t else "0" for t in shown], top, bottom, size=8.5)
    values = iter(shares)
    for i, band in enumerate(AGE_BANDS[::-1]):  # oldest at the top
        y = top + i * band_h
        if i % 2 == 0:
            canvas.text(left - 4, y + band_h * 0.8, band, size=8, anchor="end")
        for sex, sign in (("M", -1), ("V", 1)):
            value = next(values)
            start, end = sorted((x(0), x(sign * value)))
            canvas.rect(start, y + 0.6, end - start, band_h - 1.2, fill=SEX_COLOURS[sex],
                        opacity=faded if faded < 1 else None,
                        title=f"{label}, {'mannen' if sex == 'M' else 'vrouwen'} {band} jaar: "
                              f"{dutch.percent(value)} van de patiënten")
    outline = iter(national)
    for sign in (-1, 1):
        xs, ys = [], []
        for i in range(len(AGE_BANDS)):
            value = x(sign * next(outline))
            xs += [value, value]
            ys += [top + i * band_h, top + (i + 1) * band_h]
        canvas.path(xs, ys, stroke="#000", width=1.1)
    canvas.line(x(0), top, x(0), bottom, width=0.8)
    canvas.text(left + 2, top + 9, "man", size=8.5)
    canvas.text(right - 2, top + 9, "vrouw", size=8.5, anchor="end")
    return "".join(canvas.parts)


def _percentages(counts: dict) -> dict:
    """Each count as a percentage of their sum (summed as pandas does); unchanged if it is 0."""
    total = np.nansum(np.array(list(counts.values()), dtype=float))
    return {key: value / total * 100 for key, value in counts.items()} if total else counts

