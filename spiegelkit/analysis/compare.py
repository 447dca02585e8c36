"""The group's comparison: each practice against its expected value and against its peers.

Expected values come from the source where it gives them, otherwise from indirect
standardisation: the practice's patients per age band and sex times the national rate of
that stratum, summed. The intervals and significance come from :mod:`spiegelkit.stats`.
"""

from __future__ import annotations

import functools
import string

import numpy as np

import pandas as pd

from spiegelkit import stats
from spiegelkit.analysis.indices import compare_with_expected
from spiegelkit.inputs.dataset import MirrorData
from spiegelkit.inputs.params import GroupParams

STRATUM = ["year", "age_band", "sex"]
CATALOGUE_COLUMNS = ["title", "domain", "statistic", "unit", "multiplier", "polarity",
                     "follow_up", "influenceable"]


def expected_by_indirect_standardisation(population: pd.DataFrame,
                                         reference: pd.DataFrame) -> pd.DataFrame:
    """Expected events (or euros) per practice, year and indicator.

    ``expected = sum over age band x sex of patients x national rate``, joined by key
    (year, age_band, sex), never by row order.

    Parameters
    ----------
    population : DataFrame with agb, year, age_band, sex, patients
    reference : DataFrame with indicator, year, age_band, sex, rate

    Returns
    -------
    DataFrame with agb, year, indicator, expected
    """
    expected = stats.indirectly_standardised_expected(
        population, reference, by=["agb", "year", "indicator"], strata=STRATUM, missing="drop")
    return expected[["agb", "year", "indicator", "expected"]]


def practice_labels(params: GroupParams, data: MirrorData, focus: str | None = None) -> dict[str, str]:
    """What each practice is called in a handout, in params order.

    Names from the data, or with ``options.pseudonymise`` "Praktijk A, B, ...": in a
    per-practice version (`focus` = its AGB code) the own practice keeps its name and the
    others get letters, so no other practice's name appears.
    """
    names = dict(zip(data.practices["agb"], data.practices["name"]))
    agbs = [p.agb for p in params.practices]
    if not params.options.pseudonymise:
        return {agb: str(names.get(agb, agb)) for agb in agbs}
    letters = iter(string.ascii_uppercase)
    return {agb: str(names.get(agb, agb)) if agb == focus else f"Praktijk {next(letters)}"
            for agb in agbs}


def shown_agbs(params: GroupParams) -> set[str]:
    """AGB codes a handout may show: all, unless the other practices are pseudonymised."""
    if params.options.pseudonymise:
        return {params.focus_agb} if params.focus_agb else set()
    return {p.agb for p in params.practices}


def compare_practices(data: MirrorData, agbs: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Observed, expected, index and interval per practice x year x indicator (no labels).

    Computed once per data, practices and confidence: a group's handout versions and the
    groups of one region share it (each caller gets its own copy).

    Columns: agb, year, indicator, the catalogue columns, observed, denominator, expected,
    expected_source ("bron" or "standaardisatie"), value and expected_value (in the
    indicator's unit), and from :func:`spiegelkit.stats.compare_with_expected`: index,
    lower, upper, lower_998, upper_998, significance, significance_nl, small_numbers,
    method, confidence.
    """
    return _compare_practices(data, tuple(agbs), confidence).copy()


@functools.lru_cache(maxsize=32)
def _compare_practices(data: MirrorData, agbs: tuple[str, ...], confidence: float) -> pd.DataFrame:
    mirror = data.mirror[data.mirror["agb"].isin(agbs)].copy()
    population = data.population[data.population["agb"].isin(agbs)]
    computed = expected_by_indirect_standardisation(population, data.reference)
    mirror = mirror.merge(computed.rename(columns={"expected": "standardised"}),
                          on=["agb", "year", "indicator"], how="left")
    given = mirror["expected"].notna()
    mirror["expected_source"] = given.map({True: "bron", False: "standaardisatie"})
    mirror["expected"] = mirror["expected"].astype(float).where(given, mirror["standardised"])
    mirror = mirror.drop(columns="standardised")

    catalogue = data.catalogue.set_index("id")[CATALOGUE_COLUMNS]
    table = mirror.merge(catalogue, left_on="indicator", right_index=True, how="inner")
    table["observed"] = table["observed"].astype(float)
    table["denominator"] = table["denominator"].astype(float)
    table["value"] = table["observed"] / table["denominator"] * table["multiplier"]
    table["expected_value"] = table["expected"] / table["denominator"] * table["multiplier"]

    parts = []
    cost_cv = table["indicator"].map(data.catalogue.set_index("id")["cost_cv"])  # NaN: no cost
    for (statistic, polarity, cv), rows in table.groupby(["statistic", "polarity", cost_cv],
                                                         sort=False, dropna=False):
        result = compare_with_expected(
            rows["observed"], rows["expected"], statistic, denominator=rows["denominator"],
            polarity=polarity, confidence=confidence, cost_cv=None if pd.isna(cv) else cv)
        parts.append(rows.join(result))
    table = pd.concat(parts) if parts else table
    order = {agb: i for i, agb in enumerate(agbs)}
    domains = list(data.catalogue["domain"].drop_duplicates())
    indicators = {ind: i for i, ind in enumerate(data.catalogue["id"])}
    table = table.assign(
        _p=table["agb"].map(order), _d=table["domain"].map(domains.index),
        _i=table["indicator"].map(indicators),
    ).sort_values(["year", "_d", "_i", "_p"]).drop(columns=["_p", "_d", "_i"])
    return table.reset_index(drop=True)


def compare_group(data: MirrorData, params: GroupParams, focus: str | None = None) -> pd.DataFrame:
    """:func:`compare_practices` for the group's practices, with a ``practice`` label column.

    `focus` is the AGB code of the practice a per-practice version is made for.
    """
    agbs = [p.agb for p in params.practices]
    table = compare_practices(data, agbs, params.options.confidence)
    table.insert(1, "practice", table["agb"].map(practice_labels(params, data, focus)))
    return table


def compare_region(data: MirrorData, year: int, confidence: float = 0.95) -> pd.DataFrame:
    """Every practice with a mirror in the data folder, for one year: the regional context.

    Rows carry no names: the region appears in charts only as anonymous points and ranges.
    Computed once per data, year and confidence: every group of a region shares it (each
    caller gets its own copy).
    """
    return shared_region(data, year, confidence).copy()


@functools.lru_cache(maxsize=8)
def shared_region(data: MirrorData, year: int, confidence: float) -> pd.DataFrame:
    """:func:`compare_region` as one frame shared by all its callers (read it, never change
    it): the handouts of every group of a region, and what is derived from it once per region."""
    agbs = list(data.practices.loc[data.practices["has_mirror"].astype(bool), "agb"])
    table = _compare_practices(data, tuple(agbs), confidence)
    return table[table["year"] == year].reset_index(drop=True)


AGE_GROUPS = {"0-19": (0, 19), "20-64": (20, 64), "65-74": (65, 74), "75+": (75, 200)}


def population_summary(data: MirrorData, params: GroupParams, year: int,
                       national: pd.DataFrame | None = None, focus: str | None = None) -> pd.DataFrame:
    """Registered patients, % women, % per broad age group and % 65+ per practice.

    ``national`` (age_band, sex, patients) adds a row "Nederland" for comparison.
    Age groups follow the 5-year bands: 0-19, 20-64, 65-74, 75+.
    """
    labels = practice_labels(params, data, focus)
    pop = data.population[(data.population["year"] == year)
                          & data.population["agb"].isin(list(labels))]
    frames = [pop.assign(who=pop["agb"].map(labels))]
    if national is not None:
        frames.append(national.assign(who="Nederland"))
    pop = pd.concat(frames)[["who", "age_band", "sex", "patients"]]
    pop["patients"] = pop["patients"].astype(float)
    start = pop["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    for label, (low, high) in AGE_GROUPS.items():
        pop[label] = pop["patients"].where(start.between(low, high), 0.0)
    pop["V"] = pop["patients"].where(pop["sex"] == "V", 0.0)
    sums = pop.groupby("who", sort=False)[["patients", "V", *AGE_GROUPS]].sum()
    shares = sums[["V", *AGE_GROUPS]].div(sums["patients"], axis=0) * 100
    shares["65+"] = shares["65-74"] + shares["75+"]
    return pd.concat([sums[["patients"]], shares.rename(columns={"V": "women"})], axis=1)


def changes_since(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Indices that changed clearly since the year before `year`, per practice and indicator.

    A change counts as clear when the two years' intervals do not overlap: a conservative
    rule (it misses some real changes) that never calls noise a change. Sorted by size.
    Columns: practice, indicator, title, previous, current, change (index points).
    """
    columns = ["practice", "indicator", "title", "previous", "current", "change"]
    now = table[(table["year"] == year) & ~table["small_numbers"].astype(bool)]
    before = table[(table["year"] == year - 1) & ~table["small_numbers"].astype(bool)]
    paired = now.merge(before[["agb", "indicator", "index", "lower", "upper"]],
                       on=["agb", "indicator"], suffixes=("", "_before"))
    clear = (paired["lower"] > paired["upper_before"]) | (paired["upper"] < paired["lower_before"])
    paired = paired[clear].assign(previous=lambda f: f["index_before"], current=lambda f: f["index"],
                                  change=lambda f: f["index"] - f["index_before"])
    order = (paired["current"] / paired["previous"]).map(lambda r: abs(np.log(r)))
    return paired.assign(_o=order).sort_values("_o", ascending=False)[columns].reset_index(drop=True)
