"""Talking points on small hand-made comparison tables whose patterns are known by design."""

import pandas as pd
import pytest

from spiegelkit.analysis.talking_points import talking_points


def rows(indicator, indices, codes, influenceable=True, observed=None, follow_up="fto",
         title=None, small=None):
    """One indicator for practices A, B, C with the given indices and significance codes."""
    n = len(indices)
    observed = observed or [100.0] * n
    return pd.DataFrame({
        "year": 2024, "indicator": indicator, "title": title or indicator.capitalize(),
        "domain": "farmacie", "statistic": "proportion", "follow_up": follow_up,
        "influenceable": influenceable, "practice": ["A", "B", "C"][:n],
        "index": indices, "significance": codes, "small_numbers": small or [False] * n,
        "observed": observed, "expected": [o / i * 100 for o, i in zip(observed, indices)],
    })


@pytest.fixture
def table():
    return pd.concat([
        # all three clearly higher: a similarity
        rows("antibiotica", [140, 150, 160], ["higher_998"] * 3),
        # one practice much lower: a difference
        rows("opioiden", [100, 40, 105], ["similar", "lower_998", "similar"]),
        # nothing notable
        rows("statines", [98, 102, 100], ["similar"] * 3),
        # notable but context (not influenceable): never preselected
        rows("kosten_totaal", [200, 210, 190], ["higher_998"] * 3, influenceable=False),
        # a big difference on too few events: no verdict, no point
        rows("fluorchinolonen", [300, 100, 100], ["small_numbers", "similar", "similar"],
             small=[True, False, False]),
    ], ignore_index=True)


def test_patterns_are_found_and_worded_as_questions(table):
    points = {p.indicator: p for p in talking_points(table, 2024, count=3)}
    assert points["antibiotica"].kind == "similarity"
    assert "Alle praktijken liggen hoger dan verwacht bij antibiotica" in points["antibiotica"].question
    assert points["opioiden"].kind == "difference"
    assert points["opioiden"].practices == ["B"]
    assert "ligt B lager dan verwacht (index 40)" in points["opioiden"].question
    assert points["opioiden"].question.endswith("?")
    assert points["opioiden"].follow_up == "FTO met de apotheker"
    assert "statines" not in points and "fluorchinolonen" not in points


def test_ranking_by_clarity_and_size_and_only_influenceable_preselected(table):
    points = talking_points(table, 2024, count=3)
    selected = [p.indicator for p in points if p.selected]
    # opioiden: 2 x |ln 0.40| = 1.83; antibiotica, a similarity scored by its clearest
    # practice: max(1.2 x 2 x ln 1.40, 2 x ln 1.60) = 0.94
    assert selected == ["opioiden", "antibiotica"]
    assert [p.indicator for p in points if not p.selected] == ["kosten_totaal"]


def test_pinned_first_and_dropped_never(table):
    points = talking_points(table, 2024, pinned=["statines"], dropped=["opioiden"], count=3)
    selected = [p.indicator for p in points if p.selected]
    assert selected == ["statines", "antibiotica"]
    assert points[0].pinned and "opioiden" not in [p.indicator for p in points]


def test_a_practice_apart_from_the_rest_of_the_group():
    """B carries no mark against expected (say its interval was wide), but has 1,000 events
    for 1,667 expected (index 60) while A and C have 1,000 for 699 each (index 143): B's
    rate ratio against the rest, 0.60 / 1.43 = 0.42, is far beyond chance."""
    table = rows("antibiotica", [143, 60, 143], ["similar"] * 3, observed=[1000.0] * 3)
    [point] = talking_points(table, 2024, count=3)
    assert point.kind == "apart" and point.practices == ["B"]
    assert point.question.startswith("B wijkt af van de rest van de groep bij antibiotica: "
                                     "index 60, tegen 143 bij de andere praktijken samen.")


def test_the_spread_between_practices_keeps_a_small_gap_from_counting_as_apart():
    """Index 90 against 110 for the others, on 10,000 events each: beyond chance alone
    (|ln 0.82| = 0.20 against 1.96 x 0.012), but not once practices really differ with a
    spread tau = 0.15 (1.96 x sqrt(0.0225 x 1.5) = 0.36)."""
    table = rows("antibiotica", [110, 90, 110], ["similar"] * 3, observed=[10000.0] * 3)
    [point] = talking_points(table, 2024, count=3)
    assert point.kind == "apart" and point.practices == ["B"]
    spread = table.assign(significance_method="overdispersion_catalogue", tau2=0.15 ** 2)
    assert talking_points(spread, 2024, count=3) == []
