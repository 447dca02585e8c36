"""Charts a GP reads at a glance. Statistics compute tables; this module only draws them.

Every chart function returns a :class:`Chart`: the picture as PNG with an alt text that says
what it shows (for screen readers, and for anyone reading the handout as text) and a
caption. Practices differ by colour *and* marker shape (colour-blind safe, readable in
grayscale); in a per-practice version the own practice is drawn strong and the others
faded.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # charts are rendered to PNG here, never shown by a GUI or inline backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from spiegelkit import dutch, stats  # noqa: E402
from spiegelkit.catalogue import DOMAINS  # noqa: E402

MARKERS = ["o", "s", "D", "^", "v", "P"]
TICKS = [25, 50, 75, 100, 150, 200, 400]
SIGNIFICANT = {"higher_95", "higher_998", "lower_95", "lower_998"}
GREY = (0.6, 0.6, 0.6)
DPI = 110


@dataclass(frozen=True, repr=False)
class Chart:
    """A rendered chart: PNG bytes, alt text and caption; displays as an HTML figure."""

    png: bytes
    alt: str
    caption: str = ""

    @classmethod
    def from_figure(cls, fig, alt: str, caption: str = "") -> "Chart":
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        plt.close(fig)
        return cls(buffer.getvalue(), alt, caption)

    def __repr__(self) -> str:  # the plain-text twin of the output: the alt text, not the bytes
        return f"[grafiek] {self.alt}"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="sk-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(self.alt, quote=True)}">{caption}</figure>')


def use_handout_style() -> None:
    """Seaborn's clean style with a colour-blind-safe palette."""
    sns.set_theme(style="whitegrid", palette="colorblind", font_scale=0.85)


@dataclass(frozen=True)
class Look:
    colour: tuple
    marker: str
    alpha: float
    size: float
    zorder: int


def looks(practices: list[str], focus: str | None = None) -> dict[str, Look]:
    """Colour, marker and emphasis per practice label; `focus` (a label) stands out."""
    colours = sns.color_palette("colorblind", len(practices))
    return {p: Look(colours[i], MARKERS[i % len(MARKERS)],
                    1.0 if focus in (None, p) else 0.35,
                    8 if p == focus else 5, 3 if p == focus else 2)
            for i, p in enumerate(practices)}


def _practices(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["practice"]))


def _log_axis(ax, low: float, high: float) -> None:
    ax.set_xscale("log")
    ax.set_xticks(TICKS, [str(t) for t in TICKS])
    ax.minorticks_off()
    ax.set_xlim(max(min(20, low * 0.9), 10), min(max(250, high * 1.1), 1000))
    ax.axvline(100, color="black", linewidth=1)


def _header(legend_entries: int, columns: int = 3) -> float:
    """Inches above the panels for the title and a legend of `legend_entries` in 3 columns."""
    return 0.55 + 0.2 * -(-legend_entries // columns) + 0.25


def _panels(rows: int, columns: int, panel_height: float, header: float, sharex=False):
    """A grid of small panels with margins fixed in inches: no layout engine to run, which
    halves the time of a many-panel chart. `header` leaves room for title and legend."""
    height = panel_height * rows + header + 0.2
    fig = plt.figure(figsize=(8.2, height))
    axes = fig.subplots(rows, columns, squeeze=False, sharex=sharex, gridspec_kw=dict(
        left=0.07, right=0.985, bottom=0.45 / height, top=1 - header / height,
        hspace=0.55 * 1.6 / panel_height, wspace=0.28))
    for ax in axes.flat:
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
    return fig, axes


def _plain_log_ticks(ax, low: float, high: float) -> None:
    """A log x axis with a few plain numbers (10, 20, 50, 100, ...) as ticks."""
    ax.set_xscale("log")
    candidates = [m * 10 ** e for e in range(0, 7) for m in (1, 2, 5)]
    ticks = [t for t in candidates if low <= t <= high] or [round(low), round(high)]
    ax.set_xticks(ticks, [dutch.number(t) for t in ticks])
    ax.minorticks_off()


def _notable(rows: pd.DataFrame) -> str:
    """A sentence for alt texts: which practices differ clearly from expected, where."""
    parts = []
    for code, words in (("higher", "hoger"), ("lower", "lager")):
        hits = rows[rows["significance"].isin({f"{code}_95", f"{code}_998"})]
        if len(hits):
            items = "; ".join(f"{r.practice} bij {r.title} (index {dutch.number(r['index'])})"
                              for _, r in hits.head(8).iterrows())
            more = f" en nog {len(hits) - 8}" if len(hits) > 8 else ""
            parts.append(f"Hoger dan verwacht: {items}{more}." if code == "higher"
                         else f"Lager dan verwacht: {items}{more}.")
    return " ".join(parts) or "Geen praktijk wijkt duidelijk af van verwacht."


def forest_chart(table: pd.DataFrame, year: int, domain: str | None = None,
                 focus: str | None = None) -> Chart:
    """Index per indicator and practice with its interval, and the group median (|)."""
    current = table[table["year"] == year]
    if domain:
        current = current[current["domain"] == domain]
    practices = _practices(current)
    style = looks(practices, focus)
    indicators = list(dict.fromkeys(current["indicator"]))
    titles = dict(zip(current["indicator"], current["title"]))
    y_of = {ind: len(indicators) - 1 - i for i, ind in enumerate(indicators)}
    height = 0.42 * len(indicators) + 1.3
    fig, ax = plt.subplots(figsize=(8.0, height), layout="constrained")
    n = len(practices)
    offsets = np.linspace(-0.28, 0.28, n) if n > 1 else [0.0]
    for practice, offset in zip(practices, offsets):
        look = style[practice]
        rows = current[current["practice"] == practice]
        y = rows["indicator"].map(y_of) + offset
        x = rows["index"].clip(lower=10)
        err = [np.maximum(x - rows["lower"].clip(lower=10), 0), np.maximum(rows["upper"] - x, 0)]
        small = rows["small_numbers"].astype(bool).to_numpy()
        ax.errorbar(x[~small], y[~small], xerr=[e[~small] for e in err], fmt=look.marker,
                    color=look.colour, alpha=look.alpha, markersize=look.size, elinewidth=1.2,
                    label=practice, zorder=look.zorder)
        ax.scatter(x[small], y[small], marker=look.marker, facecolors="none",
                   edgecolors=[look.colour], alpha=look.alpha, s=look.size * 6, zorder=look.zorder)
    medians = current.groupby("indicator")["index"].median()
    ax.scatter(medians.clip(lower=10), medians.index.map(y_of), marker="|", s=300, color="black",
               label="mediaan van de groep", zorder=4)
    _log_axis(ax, current["lower"].min(), current["upper"].max())
    ax.set_yticks([y_of[i] for i in indicators], [titles[i] for i in indicators])
    ax.set_ylim(-0.7, len(indicators) - 0.3)
    ax.set_xlabel("index (100 = verwacht) met marge; open symbool: minder dan 10 gebeurtenissen",
                  fontsize="small")
    where = DOMAINS.get(domain, domain) if domain else "alle indicatoren"
    fig.legend(loc="outside upper center", ncol=min(n + 1, 3), frameon=False, fontsize="small")
    alt = (f"Grafiek: index met betrouwbaarheidsmarge per indicator ({where}, {year}) voor "
           f"{', '.join(practices)}, met de mediaan van de groep. {_notable(current)}")
    return Chart.from_figure(fig, alt, f"Index per indicator, {where.lower()}, {year}")


def heatmap_chart(table: pd.DataFrame, year: int, focus: str | None = None) -> Chart:
    """All indices in one view: indicators down, practices across, grouped by domain."""
    current = table[table["year"] == year]
    practices = _practices(current)
    indicators = list(dict.fromkeys(current["indicator"]))
    titles = dict(zip(current["indicator"], current["title"]))
    agbs = list(dict.fromkeys(current["agb"]))  # pivot by code: two practices may share a name
    grid = current.pivot(index="indicator", columns="agb", values="index").reindex(
        index=indicators, columns=agbs)
    codes = current.pivot(index="indicator", columns="agb", values="significance").reindex(
        index=indicators, columns=agbs)
    marks = {"higher_998": "▲▲", "higher_95": "▲", "lower_95": "▼", "lower_998": "▼▼",
             "similar": "", "small_numbers": "–"}
    labels = grid.map(lambda v: "" if pd.isna(v) else dutch.number(v)) + " " + codes.map(
        lambda c: marks.get(c, "") if isinstance(c, str) else "")
    colour_values = np.log2(grid.clip(lower=25, upper=400) / 100)
    colour_values = colour_values.where(codes != "small_numbers")
    fig, ax = plt.subplots(figsize=(1.5 * len(practices) + 4.2, 0.24 * len(indicators) + 1.4),
                           layout="constrained")
    sns.heatmap(colour_values, cmap="PuOr_r", center=0, vmin=-1.3, vmax=1.3, annot=labels.to_numpy(),
                fmt="", cbar=False, linewidths=0.5, linecolor="white", ax=ax,
                annot_kws={"fontsize": 7.5})
    ax.set_yticks(np.arange(len(indicators)) + 0.5, [titles[i] for i in indicators], rotation=0)
    ax.set_xticks(np.arange(len(practices)) + 0.5, [textwrap.fill(p, 16) for p in practices])
    if focus in practices:
        ax.get_xticklabels()[practices.index(focus)].set_fontweight("bold")
        ax.add_patch(plt.Rectangle((practices.index(focus), 0), 1, len(indicators), fill=False,
                                   edgecolor="black", linewidth=2))
    domains = current.drop_duplicates("indicator").set_index("indicator")["domain"].reindex(indicators)
    for i in range(1, len(indicators)):
        if domains.iloc[i] != domains.iloc[i - 1]:
            ax.axhline(i, color="black", linewidth=1)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.xaxis.tick_top()
    alt = (f"Overzicht van alle indexen in {year}: {len(indicators)} indicatoren onder elkaar, "
           f"de praktijken {', '.join(practices)} naast elkaar. Oranje is hoger, paars lager dan "
           f"verwacht; ▲ en ▼ markeren duidelijke verschillen. {_notable(current)}")
    return Chart.from_figure(fig, alt, f"Overzicht: index per indicator en praktijk, {year} "
                                       "(▲/▼ duidelijk hoger/lager, – te weinig gebeurtenissen)")


def spine_chart(table: pd.DataFrame, region: pd.DataFrame, year: int,
                practices: list[str] | None = None) -> Chart:
    """Each practice against the region, one panel per practice sharing the indicator labels.

    Grey bands are the middle 50% and 90% of the region's practices; the marker is the
    practice (filled triangle up/down: clearly higher/lower than expected; open circle: not
    clearly different); the line at 100 is expected.
    """
    current = table[table["year"] == year]
    practices = practices or _practices(current)
    indicators = list(dict.fromkeys(current["indicator"]))
    titles = dict(zip(current["indicator"], current["title"]))
    y_of = {ind: len(indicators) - 1 - i for i, ind in enumerate(indicators)}
    spread = region[region["indicator"].isin(indicators)].groupby("indicator")["index"].quantile(
        [0.05, 0.25, 0.75, 0.95]).unstack()
    width = 8.2 if len(practices) > 1 else 7.0
    fig, axes = plt.subplots(1, len(practices), figsize=(width, 0.22 * len(indicators) + 1.3),
                             sharey=True, squeeze=False, layout="constrained")
    shapes = {"higher_998": "^", "higher_95": "^", "lower_95": "v", "lower_998": "v"}
    low = min(current["index"].min(), spread.min().min() if len(spread) else 100)
    high = max(current["index"].max(), spread.max().max() if len(spread) else 100)
    for ax, practice in zip(axes.flat, practices):
        for ind, q in spread.iterrows():
            ax.barh(y_of[ind], q[0.95] - q[0.05], left=q[0.05], height=0.7, color="#e3e3e3")
            ax.barh(y_of[ind], q[0.75] - q[0.25], left=q[0.25], height=0.7, color="#b8b8b8")
        rows = current[current["practice"] == practice]
        clear = rows["significance"].isin(SIGNIFICANT)
        for marker in ("^", "v"):
            hit = rows[clear & (rows["significance"].map(shapes) == marker)]
            ax.scatter(hit["index"].clip(10, 1000), hit["indicator"].map(y_of), marker=marker,
                       s=36, color="black", zorder=3)
        rest = rows[~clear]
        ax.scatter(rest["index"].clip(10, 1000), rest["indicator"].map(y_of), marker="o", s=22,
                   color="white", edgecolors="black", zorder=3)
        _log_axis(ax, low, high)
        if len(practices) > 1:
            ax.set_xticks([50, 100, 200], ["50", "100", "200"])
        ax.set_title(textwrap.fill(practice, 22), fontsize="small")
        ax.tick_params(axis="x", labelsize="x-small")
    axes[0][0].set_yticks([y_of[i] for i in indicators], [titles[i] for i in indicators],
                          fontsize="x-small")
    axes[0][0].set_ylim(-0.7, len(indicators) - 0.3)
    fig.supxlabel(f"index (100 = zoals verwacht); grijs: middelste 50% en 90% van "
                  f"{region['agb'].nunique()} praktijken in de regio", fontsize="small")
    alt = (f"Ruggengraatgrafiek {year}: per indicator de index van "
           f"{', '.join(practices)} tegen de spreiding in de regio. "
           f"{_notable(current[current['practice'].isin(practices)])}")
    return Chart.from_figure(fig, alt, f"Naast de regio, {year} (▲/▼ duidelijk hoger/lager dan "
                                       "verwacht, ○ niet duidelijk)")


def funnel_chart(table: pd.DataFrame, region: pd.DataFrame, year: int, domain: str,
                 focus: str | None = None, confidence: float = 0.95) -> Chart | None:
    """Funnel plots per indicator: index against expected events, with 95% and 99.8%
    control limits around 100 (exact Poisson, Spiegelhalter). Costs get no funnel."""
    current = table[(table["year"] == year) & (table["domain"] == domain)
                    & (table["statistic"] != "cost")]
    indicators = list(dict.fromkeys(current["indicator"]))
    if not indicators:
        return None
    practices = _practices(current)
    style = looks(practices, focus)
    columns = min(3, len(indicators))
    rows_n = -(-len(indicators) // columns)
    fig, axes = _panels(rows_n, columns, panel_height=2.1, header=_header(len(practices) + 3))
    for ax, indicator in zip(axes.flat, indicators):
        here = current[current["indicator"] == indicator]
        context = region[region["indicator"] == indicator]
        sizes = pd.concat([here["expected"], context["expected"]])
        grid = np.geomspace(max(sizes.min() * 0.7, 1), sizes.max() * 1.3, 60)
        for level, dash in ((0.95, "--"), (0.998, ":")):
            limits = stats.funnel_limits(grid, 1.0, confidence=level, statistic="ratio")
            ax.plot(grid, limits["lower"] * 100, dash, color="black", linewidth=0.8)
            ax.plot(grid, limits["upper"] * 100, dash, color="black", linewidth=0.8)
        ax.scatter(context["expected"], context["index"], s=10, color=GREY, alpha=0.6, zorder=1)
        for practice in practices:
            look = style[practice]
            r = here[here["practice"] == practice]
            ax.scatter(r["expected"], r["index"], marker=look.marker, color=look.colour,
                       alpha=look.alpha, s=look.size * 7, zorder=look.zorder, edgecolors="black",
                       linewidths=0.4)
        ax.axhline(100, color="black", linewidth=1)
        _plain_log_ticks(ax, grid[0], grid[-1])
        ax.set_title(here["title"].iloc[0], fontsize="small")
        ax.set_xlabel("verwacht aantal", fontsize="x-small")
        ax.tick_params(labelsize="x-small")
    for ax in list(axes.flat)[len(indicators):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker=style[p].marker, color=style[p].colour, linestyle="",
                          alpha=style[p].alpha, label=p) for p in practices]
    handles += [plt.Line2D([], [], marker="o", color=GREY, linestyle="", label="regio"),
                plt.Line2D([], [], linestyle="--", color="black", label="95%-grens"),
                plt.Line2D([], [], linestyle=":", color="black", label="99,8%-grens")]
    fig.suptitle(f"Trechters: {DOMAINS.get(domain, domain).lower()}, {year}", fontsize="medium",
                 y=0.995, va="top")
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.25 / fig.get_figheight()),
               ncol=3, frameon=False, fontsize="small")
    alt = (f"Trechtergrafieken ({DOMAINS.get(domain, domain)}, {year}): per indicator de index van "
           f"elke praktijk tegen het verwachte aantal, met de grenzen waarbinnen toeval blijft. "
           f"Grijze punten zijn de andere praktijken in de regio. {_notable(current)}")
    return Chart.from_figure(fig, alt, f"Trechters: {DOMAINS.get(domain, domain).lower()}, {year} "
                                       "(exacte Poisson-grenzen, 95% en 99,8%)")


def trend_chart(table: pd.DataFrame, domain: str, focus: str | None = None) -> Chart | None:
    """Index per report year and practice, one small panel per indicator."""
    rows = table[table["domain"] == domain]
    indicators = list(dict.fromkeys(rows["indicator"]))
    years = sorted(rows["year"].unique())
    if not indicators or len(years) < 2:
        return None
    practices = _practices(rows)
    style = looks(practices, focus)
    columns = min(4, len(indicators))
    rows_n = -(-len(indicators) // columns)
    fig, axes = _panels(rows_n, columns, panel_height=1.6, header=_header(len(practices)),
                        sharex=True)
    for ax, indicator in zip(axes.flat, indicators):
        here = rows[rows["indicator"] == indicator]
        for practice in practices:
            look = style[practice]
            r = here[here["practice"] == practice].sort_values("year")
            ax.plot(r["year"], r["index"], marker=look.marker, color=look.colour, alpha=look.alpha,
                    markersize=look.size * 0.7, linewidth=2 if practice == focus else 1.2,
                    zorder=look.zorder)
        ax.axhline(100, color="black", linewidth=0.8)
        ax.set_title(here["title"].iloc[0], fontsize="x-small")
        ax.tick_params(labelsize="x-small")
        ax.set_xticks(years, [str(y)[2:] if len(years) > 4 else str(y) for y in years])
    for ax in list(axes.flat)[len(indicators):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker=style[p].marker, color=style[p].colour,
                          alpha=style[p].alpha, label=p) for p in practices]
    fig.suptitle(f"Trend {years[0]}–{years[-1]}: {DOMAINS.get(domain, domain).lower()}",
                 fontsize="medium", y=0.995, va="top")
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.25 / fig.get_figheight()),
               ncol=3, frameon=False, fontsize="small")
    alt = (f"Trend van de index per jaar ({years[0]}–{years[-1]}) voor "
           f"{DOMAINS.get(domain, domain).lower()}, per praktijk; 100 is zoals verwacht.")
    return Chart.from_figure(fig, alt, f"Trend {years[0]}–{years[-1]}: "
                                       f"{DOMAINS.get(domain, domain).lower()}")


def pyramid_chart(population: pd.DataFrame, national: pd.DataFrame, labels: dict[str, str],
                  year: int, focus: str | None = None) -> Chart:
    """Age/sex pyramid per practice (bars) against the Dutch population (outline), in %."""
    from spiegelkit.tables import AGE_BANDS

    pop = population[(population["year"] == year) & population["agb"].isin(list(labels))]
    nat = national.set_index(["age_band", "sex"])["patients"].astype(float)
    nat = nat / nat.sum() * 100
    n = len(labels)
    columns = min(n, 3)
    rows_n = -(-n // columns)
    fig, axes = plt.subplots(rows_n, columns, figsize=(8.2, 3.0 * rows_n), squeeze=False,
                             sharey=True, layout="constrained")
    y = np.arange(len(AGE_BANDS))
    colours = {"M": "#0072b2", "V": "#e69f00"}
    shares = pop.groupby("agb")["patients"].transform(lambda v: v / v.sum() * 100 if v.sum() else v)
    limit = float(np.ceil(max(shares.max() if len(shares) else 0, nat.max()) * 1.1))
    ticks = [t for t in (2, 4, 6, 8, 10, 15, 20) if t < limit][-2:]
    for ax, (agb, label) in zip(axes.flat, labels.items()):
        own = pop[pop["agb"] == agb].set_index(["age_band", "sex"])["patients"].astype(float)
        own = own / own.sum() * 100 if own.sum() else own
        for sex, sign in (("M", -1), ("V", 1)):
            values = np.array([own.get((band, sex), 0.0) for band in AGE_BANDS])
            national_values = np.array([nat.get((band, sex), 0.0) for band in AGE_BANDS])
            ax.barh(y, sign * values, color=colours[sex], alpha=1.0 if focus in (None, label) else 0.45,
                    height=0.85, hatch="" if sex == "V" else "///", edgecolor="white", linewidth=0)
            ax.step(sign * national_values, y, where="mid", color="black", linewidth=1)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(label, fontsize="small", fontweight="bold" if label == focus else "normal")
        ax.set_yticks(y[::2], AGE_BANDS[::2], fontsize="x-small")
        ax.set_xlim(-limit, limit)
        ax.set_xticks([-t for t in ticks[::-1]] + [0] + ticks,
                      [f"{t}%" for t in ticks[::-1]] + ["0"] + [f"{t}%" for t in ticks],
                      fontsize="x-small")
        ax.text(-limit * 0.95, len(AGE_BANDS) - 1, "man", fontsize="x-small", va="top")
        ax.text(limit * 0.95, len(AGE_BANDS) - 1, "vrouw", fontsize="x-small", va="top", ha="right")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    alt = (f"Bevolkingspiramides {year}: per praktijk het aandeel patiënten per leeftijdsgroep, "
           f"mannen links en vrouwen rechts, met de Nederlandse bevolking als zwarte lijn. "
           f"Praktijken: {', '.join(labels.values())}.")
    return Chart.from_figure(fig, alt, "Opbouw naar leeftijd en geslacht; zwarte lijn: Nederland "
                                       "(Bron: Vektis, verzekerden 2015)")
