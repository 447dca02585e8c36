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
    indicators = _Rows.per_indicator(current)
    aparts = _apart_from_the_rest([rows.enough for rows in indicators])
    points = []
    for rows, apart in zip(indicators, aparts):
        point = _best_point(rows, apart)
        if point is not None or rows.indicator in pinned:
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


USED = ["indicator", "title", "domain", "follow_up", "statistic", "practice", "index",
        "significance", "small_numbers", "observed", "expected", "confidence",
        "significance_method", "tau2"]  # the columns a talking point is made from


@dataclass
class _Rows:
    """One indicator's rows of the table as plain arrays (a handful of practices each:
    numpy on a few values is many times quicker than pandas)."""

    columns: dict[str, np.ndarray]

    @classmethod
    def per_indicator(cls, current: pd.DataFrame) -> list["_Rows"]:
        """Each indicator's rows, in table order."""
        columns = {name: current[name].to_numpy() for name in USED if name in current}
        columns["small_numbers"] = columns["small_numbers"].astype(bool)
        columns["index"] = columns["index"].astype(float)
        positions: dict = {}
        for i, indicator in enumerate(columns["indicator"].tolist()):
            positions.setdefault(indicator, []).append(i)
        return [cls({name: values[rows] for name, values in columns.items()})
                for rows in positions.values()]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __len__(self) -> int:
        return len(self.columns["index"])

    def where(self, keep: np.ndarray) -> "_Rows":
        return _Rows({name: values[keep] for name, values in self.columns.items()})

    @property
    def indicator(self):
        return self.columns["indicator"][0]

    @property
    def enough(self) -> "_Rows":
        """The rows with enough events for a verdict."""
        return self.where(~self["small_numbers"])


def _best_point(rows: _Rows, apart) -> TalkingPoint | None:
    enough = rows.enough
    if not len(enough):
        return None
    log_index = np.log(enough["index"] / 100)
    clarity = np.array([CLARITY.get(code, 0.0) for code in enough["significance"].tolist()])
    direction = np.sign(log_index) * (clarity > 0)
    candidates = []
    if len(enough) >= 2 and (clarity > 0).all() and abs(direction.sum()) == len(enough):
        score = SIMILARITY_BONUS * float(clarity.min() * np.abs(log_index).min())
        candidates.append(("similarity", score, enough["practice"].tolist()))
    if (clarity > 0).any():
        score = float(np.nanmax(clarity * np.abs(log_index)))  # skips 0 x inf
        candidates.append(("difference", score, enough["practice"][clarity > 0].tolist()))
    if apart is not None:
        candidates.append(apart)
    if not candidates:
        return None
    kind, score, practices = max(candidates, key=lambda c: c[1])
    if candidates[0][0] == "similarity":  # the whole group alike is the truer description
        kind, practices = "similarity", candidates[0][2]
    return _point(rows, kind, score, practices)


def _apart_from_the_rest(indicators: list[_Rows]) -> list:
    """Per indicator (its rows with enough events): ("apart", score, [practice]) for the
    practice furthest from the rest of the group that differs from it beyond chance and the
    spread between practices, or None. One test of every indicator at each confidence."""
    found = [None] * len(indicators)
    tested = [i for i, enough in enumerate(indicators)
              if len(enough) >= 3 and enough["statistic"][0] != "cost"]
    by_confidence: dict[float, list[int]] = {}
    for i in tested:
        enough = indicators[i]
        confidence = float(enough["confidence"][0]) if "confidence" in enough else 0.95
        by_confidence.setdefault(confidence, []).append(i)
    for confidence, members in by_confidence.items():
        # counts from a printed mirror (figure x patients / 100) are whole only up to rounding
        rest = stats.differs_from_rest_of_group(
            np.round(np.concatenate([indicators[i]["observed"].astype(float) for i in members])),
            np.concatenate([indicators[i]["expected"].astype(float) for i in members]),
            confidence, groups=np.repeat(members, [len(indicators[i]) for i in members]),
            p_values=False)
        z, z_outer = norm.ppf(0.5 + confidence / 2), norm.ppf(0.5 + stats.OUTER_CONFIDENCE / 2)
        start = 0
        for i in members:
            enough = indicators[i]
            k = len(enough)
            part = slice(start, start + k)
            start += k
            found[i] = _apart(enough, rest["observed"].to_numpy()[part],
                              rest["rate_ratio"].to_numpy(float)[part],
                              rest["differs"].fillna(False).to_numpy(bool)[part], z, z_outer)
    return found


def _apart(enough: _Rows, observed, rate_ratio, differs, z: float, z_outer: float):
    """One indicator's "apart" candidate from its practices' rest-of-group comparison."""
    tau2 = 0.0
    if "significance_method" in enough and all(
            method in SPREAD_METHODS for method in enough["significance_method"].tolist()):
        tau2 = float(enough["tau2"][0])
    k = len(enough)
    rest_observed = observed.sum() - observed
    with np.errstate(divide="ignore"):
        se = np.sqrt(1 / observed + 1 / rest_observed + tau2 * (1 + 1 / (k - 1)))
        distance = np.abs(np.log(rate_ratio))
    beyond = differs & np.isfinite(distance)
    beyond &= ~np.array([code in CLARITY for code in enough["significance"].tolist()],
                        dtype=bool)  # marked: a "difference"
    beyond &= distance > z * se
    if not beyond.any():
        return None
    best = int(np.argmax(np.where(beyond, distance, -1)))
    clarity = 2.0 if distance[best] > z_outer * se[best] else 1.0
    return "apart", clarity * float(distance[best]), [enough["practice"][best]]


def _plain_point(rows: _Rows) -> TalkingPoint:
    """A pinned indicator without a notable pattern: ask about it all the same."""
    return _point(rows, "pinned", 0.0, rows["practice"].tolist())


def _point(rows: _Rows, kind: str, score: float, practices: list[str]) -> TalkingPoint:
    first = {name: values[0] for name, values in rows.columns.items()}
    chosen = rows.where(_among(rows, practices))
    direction = 1 if np.log(chosen["index"] / 100).mean() >= 0 else -1
    if kind == "difference":
        same_side = chosen.where(np.sign(np.log(chosen["index"] / 100)) == direction)
        chosen = same_side if len(same_side) else chosen
        practices = chosen["practice"].tolist()
    others = rows.where(~_among(rows, practices) & ~rows["small_numbers"])
    observed, expected = others["observed"].astype(float), others["expected"].astype(float)
    rest_index = (100 * np.nansum(observed) / np.nansum(expected)
                  if len(others) and np.nansum(expected) > 0 else np.nan)
    wording = dict(
        own=", ".join(dutch.number(i) for i in chosen["index"].tolist()),
        rest=dutch.number(rest_index),
        title=_in_sentence(first["title"]), verb="ligt" if len(practices) == 1 else "liggen",
        direction=DIRECTIONS[direction],
        indices=", ".join(dutch.number(i) for i in chosen["index"].tolist()),
        low=dutch.number(rows["index"].min()), high=dutch.number(rows["index"].max()),
    )
    return TalkingPoint(
        indicator=first["indicator"], title=first["title"], domain=first["domain"], kind=kind,
        question=QUESTIONS[kind].format(**wording, who=_join(practices)),
        follow_up=FOLLOW_UPS[first["follow_up"]], follow_up_type=first["follow_up"],
        score=round(score, 6), practices=practices, wording=wording,
    )


def _among(rows: _Rows, practices: list[str]) -> np.ndarray:
    """Which rows are of one of `practices`."""
    return np.array([p in practices for p in rows["practice"].tolist()], dtype=bool)


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
