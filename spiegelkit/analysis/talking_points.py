"""Talking points: the notable differences and similarities of a group, ranked.

For every indicator of the data year we look for three patterns, each with a score that
grows with how clear (95% or 99.8% level) and how large (distance of the index from 100 on
a log scale) it is:

- **similarity**: every practice with enough events lies on the same side of expected;
- **difference**: one or more practices differ clearly from expected, not all alike;
- **apart**: one practice without a mark of its own (not clearly different from expected)
  differs from the rest of the group, more than chance and the real
  spread between practices allow: :func:`spiegelkit.stats.differs_from_rest_of_group` (exact,
  chance alone) and, with the indicator's between-practice variance tau2 (the one the marks
  use; 0 for chance-alone marks), ``|ln(rate ratio)| > z sqrt(1/O + 1/O_rest + tau2 (1 +
  1/(k-1)))``: the practice's own true index and the pooled index of the other k-1 each vary
  between practices.

The clarity of "similarity" and "difference" comes from the table's significance codes, so
the marks' method (against the spread between practices, or chance alone) decides them too.

Indicators the GP influences (prescribing, referrals, diagnostics, ...) are preselected;
context indicators (population make-up, costs) only when the facilitator pins them. Every
point is worded as a neutral question with the follow-up that fits the indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from scipy.stats import norm

from spiegelkit import dutch, stats
from spiegelkit.inputs.catalogue import FOLLOW_UPS

CLARITY = {"higher_998": 2.0, "lower_998": 2.0, "higher_95": 1.0, "lower_95": 1.0}
SIMILARITY_BONUS = 1.2  # a pattern shared by the whole group is worth a conversation
SPREAD_METHODS = {"overdispersion_data", "overdispersion_catalogue"}  # marks that allow for tau2

QUESTIONS = {
    "similarity": "Alle praktijken liggen {direction} dan verwacht bij {title} (index {low} tot {high}). "
                  "Is dit een gedeelde werkwijze, of past het bij de populatie in deze regio?",
    "difference": "Bij {title} {verb} {who} {direction} dan verwacht (index {indices}). "
                  "Hoe komt dat, en wat doen de andere praktijken anders?",
    "apart": "{who} wijkt af van de rest van de groep bij {title}: index {own}, tegen {rest} bij "
             "de andere praktijken samen. Wat doet {who} anders, en wat kan de groep daarvan leren?",
    "pinned": "Hoe liggen de praktijken bij {title} (index {low} tot {high}), en wat wil de groep "
              "daarover afspreken?",
}
DIRECTIONS = {1: "hoger", -1: "lager"}


@dataclass
class TalkingPoint:
    """One notable pattern, worded as a question for the group."""

    indicator: str
    title: str
    domain: str
    kind: str  # similarity | difference | apart | pinned (no notable pattern)
    question: str
    follow_up: str  # Dutch wording of the fitting follow-up
    follow_up_type: str  # catalogue id: fto, dto, specialists, ggz, providers, none
    score: float
    practices: list[str] = field(default_factory=list)
    selected: bool = False
    pinned: bool = False
    # the question's values other than the practices' labels (see :func:`relabelled`)
    wording: dict = field(default_factory=dict, repr=False, compare=False)


def talking_points(table: pd.DataFrame, year: int, pinned=(), dropped=(),
                   count: int = 4) -> list[TalkingPoint]:
    """Every candidate talking point of `year`, best first; the first `count` are selected.

    `pinned` indicator ids are always selected (in the given order, first), `dropped` ids
    never; automatic selection takes only indicators the GP influences.
    """
    current = table[(table["year"] == year) & table["index"].notna()]
    points = []
    for indicator, rows in current.groupby("indicator", sort=False):
        point = _best_point(rows)
        if point is not None or indicator in pinned:
            points.append(point or _plain_point(rows))
    points.sort(key=lambda p: -p.score)
    by_id = {p.indicator: p for p in points}
    chosen = [by_id[i] for i in pinned if i in by_id]
    for point in chosen:
        point.pinned = True
    influenceable = set(current.loc[current["influenceable"].astype(bool), "indicator"])
    for point in points:
        if len(chosen) >= count:
            break
        if point not in chosen and point.indicator not in dropped and point.indicator in influenceable:
            chosen.append(point)
    for point in chosen:
        point.selected = True
    return chosen + [p for p in points if not p.selected and p.indicator not in dropped]


def _best_point(rows: pd.DataFrame) -> TalkingPoint | None:
    enough = rows[~rows["small_numbers"].astype(bool)]
    if enough.empty:
        return None
    log_index = np.log(enough["index"] / 100)
    clarity = enough["significance"].map(CLARITY).fillna(0.0)
    direction = np.sign(log_index) * (clarity > 0)
    candidates = []
    if len(enough) >= 2 and (clarity > 0).all() and abs(direction.sum()) == len(enough):
        score = SIMILARITY_BONUS * float(clarity.min() * log_index.abs().min())
        candidates.append(("similarity", score, list(enough["practice"])))
    if (clarity > 0).any():
        differing = enough[clarity > 0]
        score = float((clarity * log_index.abs()).max())
        candidates.append(("difference", score, list(differing["practice"])))
    apart = _apart_from_the_rest(enough)
    if apart is not None:
        candidates.append(apart)
    if not candidates:
        return None
    kind, score, practices = max(candidates, key=lambda c: c[1])
    if candidates[0][0] == "similarity":  # the whole group alike is the truer description
        kind, practices = "similarity", candidates[0][2]
    return _point(rows, kind, score, practices)


def _apart_from_the_rest(enough: pd.DataFrame):
    """("apart", score, [practice]) for the practice furthest from the rest of the group
    that differs from it beyond chance and the spread between practices, or None."""
    if len(enough) < 3 or enough["statistic"].iloc[0] == "cost":
        return None
    confidence = float(enough["confidence"].iloc[0]) if "confidence" in enough else 0.95
    # counts from a printed mirror (figure x patients / 100) are whole only up to rounding
    rest = stats.differs_from_rest_of_group(np.round(enough["observed"].to_numpy(float)),
                                            enough["expected"].to_numpy(float), confidence)
    tau2 = 0.0
    if "significance_method" in enough and enough["significance_method"].isin(SPREAD_METHODS).all():
        tau2 = float(enough["tau2"].iloc[0])
    k = len(enough)
    observed, rest_observed = rest["observed"].to_numpy(), rest["observed"].sum() - rest["observed"].to_numpy()
    with np.errstate(divide="ignore"):
        se = np.sqrt(1 / observed + 1 / rest_observed + tau2 * (1 + 1 / (k - 1)))
        distance = np.abs(np.log(rest["rate_ratio"].to_numpy(float)))
    beyond = rest["differs"].fillna(False).to_numpy(bool) & np.isfinite(distance)
    beyond &= ~enough["significance"].isin(set(CLARITY)).to_numpy()  # marked: a "difference"
    beyond &= distance > norm.ppf(0.5 + confidence / 2) * se
    if not beyond.any():
        return None
    best = int(np.argmax(np.where(beyond, distance, -1)))
    clarity = 2.0 if distance[best] > norm.ppf(0.5 + stats.OUTER_CONFIDENCE / 2) * se[best] else 1.0
    return "apart", clarity * float(distance[best]), [enough["practice"].iloc[best]]


def _plain_point(rows: pd.DataFrame) -> TalkingPoint:
    """A pinned indicator without a notable pattern: ask about it all the same."""
    return _point(rows, "pinned", 0.0, list(rows["practice"]))


def _point(rows: pd.DataFrame, kind: str, score: float, practices: list[str]) -> TalkingPoint:
    first = rows.iloc[0]
    chosen = rows[rows["practice"].isin(practices)]
    direction = 1 if np.log(chosen["index"] / 100).mean() >= 0 else -1
    if kind == "difference":
        same_side = chosen[np.sign(np.log(chosen["index"] / 100)) == direction]
        chosen = same_side if len(same_side) else chosen
        practices = list(chosen["practice"])
    others = rows[~rows["practice"].isin(practices) & ~rows["small_numbers"].astype(bool)]
    rest_index = (100 * others["observed"].sum() / others["expected"].sum()
                  if len(others) and others["expected"].sum() > 0 else np.nan)
    wording = dict(
        own=", ".join(dutch.number(i) for i in chosen["index"]), rest=dutch.number(rest_index),
        title=_in_sentence(first["title"]), verb="ligt" if len(practices) == 1 else "liggen",
        direction=DIRECTIONS[direction],
        indices=", ".join(dutch.number(i) for i in chosen["index"]),
        low=dutch.number(rows["index"].min()), high=dutch.number(rows["index"].max()),
    )
    return TalkingPoint(
        indicator=first["indicator"], title=first["title"], domain=first["domain"], kind=kind,
        question=QUESTIONS[kind].format(**wording, who=_join(practices)),
        follow_up=FOLLOW_UPS[first["follow_up"]], follow_up_type=first["follow_up"],
        score=round(score, 6), practices=practices, wording=wording,
    )


def relabelled(points: list[TalkingPoint], labels: dict[str, str]) -> list[TalkingPoint]:
    """The same points with each practice called by `labels` (old label -> new label).

    The ranking and selection do not depend on what the practices are called, so a group's
    points are found once (with AGB codes as labels) and worded for every version of its
    handout, pseudonymised or not.
    """
    out = []
    for point in points:
        practices = [labels.get(p, p) for p in point.practices]
        question = QUESTIONS[point.kind].format(**point.wording, who=_join(practices)) \
            if point.wording else point.question
        out.append(replace(point, practices=practices, question=question))
    return out


def _in_sentence(title: str) -> str:
    """'Vitamine D-bepalingen' -> 'vitamine D-bepalingen'; 'KNO' stays 'KNO'."""
    return title[0].lower() + title[1:] if title[1:2].islower() else title


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
