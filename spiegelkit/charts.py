"""Charts a GP reads at a glance. Statistics compute tables; this module only draws them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

MARKERS = ["o", "s", "D", "^", "v", "P"]  # shape as well as colour, for print and colour blindness


def use_handout_style() -> None:
    """Seaborn's clean style, a colour-blind-safe palette, sharp PNGs for print."""
    sns.set_theme(style="whitegrid", palette="colorblind", font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 130, "savefig.bbox": "tight"})


def palette(practices: list[str]) -> dict[str, tuple]:
    return dict(zip(practices, sns.color_palette("colorblind", len(practices))))


def index_chart(table: pd.DataFrame, year: int, confidence: float = 0.95):
    """Index (100 = as expected) per indicator and practice, with its interval, on a log scale.

    Indicators are grouped by domain; each practice has its own colour and marker shape.
    """
    current = table[table["year"] == year]
    practices = list(dict.fromkeys(current["practice"]))
    indicators = list(dict.fromkeys(current["indicator"]))
    titles = dict(zip(current["indicator"], current["title"]))
    domain_of = dict(zip(current["indicator"], current["domain"]))
    colours = palette(practices)
    height = 0.32 * len(indicators) + 1.2
    fig, ax = plt.subplots(figsize=(8.5, height))
    n = len(practices)
    offsets = np.linspace(-0.3, 0.3, n) if n > 1 else [0.0]
    y_of = {ind: len(indicators) - 1 - i for i, ind in enumerate(indicators)}
    for practice, offset, marker in zip(practices, offsets, MARKERS):
        rows = current[current["practice"] == practice]
        y = rows["indicator"].map(y_of) + offset
        x = rows["index"].clip(lower=10)
        err = [np.maximum(x - rows["lower"].clip(lower=10), 0), np.maximum(rows["upper"] - x, 0)]
        small = rows["small_numbers"].astype(bool)
        ax.errorbar(x[~small], y[~small], xerr=[e[~small] for e in err], fmt=marker,
                    color=colours[practice], label=practice, markersize=5, elinewidth=1.2,
                    capsize=0)
        ax.scatter(x[small], y[small], marker=marker, facecolors="none",
                   edgecolors=colours[practice], s=25)
    ax.axvline(100, color="black", linewidth=1)
    ax.set_xscale("log")
    ticks = [25, 50, 75, 100, 150, 200, 400]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    lo = max(min(20, current["lower"].min() * 0.9), 10)
    hi = min(max(250, current["upper"].max() * 1.1), 1000)
    ax.set_xlim(lo, hi)
    ax.set_yticks([y_of[i] for i in indicators], [titles[i] for i in indicators])
    ax.set_ylim(-0.7, len(indicators) - 0.3)
    previous = None
    for ind in indicators:  # a line between domains
        if previous is not None and domain_of[ind] != domain_of[previous]:
            ax.axhline(y_of[previous] - 0.5, color="grey", linewidth=0.6)
        previous = ind
    ax.set_xlabel(f"index (100 = zoals verwacht), met {confidence:.0%}-interval; "
                  "open symbool = minder dan 10 gebeurtenissen".replace(".0%", "%"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(n, 3), frameon=False,
              title=f"Index per indicator, {year}")
    fig.tight_layout()
    return fig


def population_chart(summary: pd.DataFrame):
    """Share of patients per broad age group, each practice beside the Dutch population."""
    groups = ["0-19", "20-64", "65-74", "75+"]
    long = (summary[groups].reset_index(names="who")
            .melt(id_vars="who", var_name="leeftijd", value_name="aandeel"))
    colours = palette(list(summary.index))
    if "Nederland" in colours:
        colours["Nederland"] = (0.55, 0.55, 0.55)
    fig, ax = plt.subplots(figsize=(8.5, 3.2))
    sns.barplot(long, x="leeftijd", y="aandeel", hue="who", palette=colours, ax=ax)
    for patch, hatch in zip(ax.patches, _hatches(len(summary), len(groups))):
        patch.set_hatch(hatch)
    ax.set_ylabel("% van de patiënten")
    ax.set_xlabel("leeftijdsgroep (jaar)")
    ax.legend(title="Opbouw naar leeftijd", frameon=False, ncol=min(len(summary), 3),
              loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


def _hatches(n_hue: int, n_x: int) -> list[str]:
    patterns = ["", "//", "..", "xx", "\\\\", "--", "++"]
    return [patterns[h % len(patterns)] for h in range(n_hue) for _ in range(n_x)]
