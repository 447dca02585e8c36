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
from spiegelkit.analysis.indices import (compare_with_expected, equivalent_count,
                                         significance_against_spread)
from spiegelkit.dutch import significance_wording
from spiegelkit.inputs.dataset import DATA_KEPT, MirrorData
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


SIGNIFICANCE_METHODS = (
    "overdispersion_data",  # tau2 estimated from the data folder's practices (phi > 1)
    "overdispersion_catalogue",  # the catalogue's national between-practice spread
    "poisson_no_overdispersion",  # estimated from the data folder: no extra spread (phi <= 1)
    "poisson_unknown_spread",  # neither: chance alone, which overstates differences
    "poisson_chosen",  # options.significance = poisson
)
"""What made a row's marks (column ``significance_method``), in the order of preference."""


def compare_practices(data: MirrorData, agbs: list[str], confidence: float = 0.95,
                      significance: str = "overdispersion") -> pd.DataFrame:
    """Observed, expected, index and interval per practice x year x indicator (no labels).

    Computed once per data, practices, confidence and significance: a group's handout
    versions and the groups of one region share it (each caller gets its own copy).

    Columns: agb, year, indicator, the catalogue columns, observed, denominator, expected,
    expected_source ("bron" or "standaardisatie"), value and expected_value (in the
    indicator's unit), and from :func:`spiegelkit.stats.compare_with_expected`: index,
    lower, upper, lower_998, upper_998 (the practice's own confidence interval, the
    "marge"), small_numbers, method, confidence; then the marks:

    - ``significance``, ``significance_nl``, ``judgement``: with ``significance=
      "overdispersion"`` (the default) against funnel limits widened by the real spread
      between practices (:func:`spiegelkit.analysis.indices.significance_against_spread`),
      where that spread is known: estimated per indicator and year from the practices of
      the data folder when at least 20 have a mirror (:func:`between_practice_spread`), else
      the catalogue's ``between_practice_sd``; otherwise, and with ``"poisson"``, whether
      100 lies outside the practice's own 95% / 99.8% interval (chance alone).
    - ``significance_poisson``: the chance-alone code, always.
    - ``significance_method``: one of :data:`SIGNIFICANCE_METHODS`; ``tau2``, ``phi`` and
      ``spread_units`` (practices the spread was estimated from; NaN from the catalogue);
      ``limit_lower``, ``limit_upper``, ``limit_lower_998``, ``limit_upper_998``: the
      adjusted limits in index units (NaN where the marks are chance alone).
    """
    stats._common._choose("significance", significance, ("overdispersion", "poisson"))
    return _compare_practices(data, tuple(agbs), confidence, significance).copy()


# A key of these caches holds its data folder's tables (MirrorData) and a value may be a
# whole folder's comparison, so they keep at most DATA_KEPT entries, as every cache keyed by
# a data folder. (32 entries each kept the tables and comparisons of up to 16 regions alive:
# a warm kernel grew by some 25 MiB per region over a national run.) A group asks for its
# own rows (its versions ask again) right after its folder's rows, which stay recent for
# as long as the folder's groups come.
@functools.lru_cache(maxsize=DATA_KEPT)
def _compare_practices(data: MirrorData, agbs: tuple[str, ...], confidence: float,
                       significance: str) -> pd.DataFrame:
    region = tuple(_mirror_agbs(data))
    if agbs != region and set(agbs) <= set(region):
        # every row depends on its own practice and the data folder only, so a group of
        # practices with a mirror is its rows of the data folder's comparison (made once
        # per data folder for the regional context), in the group's order
        return _in_order(_compare_practices(data, region, confidence, significance), agbs, data)
    table = _poisson_table(data, agbs, confidence).copy()
    return _with_marks(table, data, confidence, significance)


def _in_order(table: pd.DataFrame, agbs: tuple[str, ...], data: MirrorData) -> pd.DataFrame:
    """The rows of `agbs`, by year, domain and indicator (catalogue order), then practice
    (in the order of `agbs`)."""
    table = table[table["agb"].isin(agbs)]
    order = {agb: i for i, agb in enumerate(agbs)}
    domains = list(data.catalogue["domain"].drop_duplicates())
    indicators = {ind: i for i, ind in enumerate(data.catalogue["id"])}
    table = table.assign(
        _p=table["agb"].map(order), _d=table["domain"].map(domains.index),
        _i=table["indicator"].map(indicators),
    ).sort_values(["year", "_d", "_i", "_p"]).drop(columns=["_p", "_d", "_i"])
    return table.reset_index(drop=True)


@functools.lru_cache(maxsize=2)  # a folder's is read twice, by its comparison and at once by its spread
def _poisson_table(data: MirrorData, agbs: tuple[str, ...], confidence: float) -> pd.DataFrame:
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
    return _in_order(table, agbs, data)


def _mirror_agbs(data: MirrorData) -> list[str]:
    return list(data.practices.loc[data.practices["has_mirror"].astype(bool), "agb"])


def between_practice_spread(data: MirrorData) -> pd.DataFrame:
    """The spread between the data folder's practices per indicator and year.

    Only when at least :data:`spiegelkit.stats.MIN_UNITS_FOR_OVERDISPERSION` (20) practices
    have a mirror (a ROS holding its region's mirrors): a group of 3 to 5 practices cannot
    estimate it. Per indicator and year with at least 20 practices with a value,
    :func:`spiegelkit.stats.overdispersion` (statistic "ratio", log transform: the
    z-score sqrt(E) log(O/E), outer deciles truncated) on the practices' observed and
    expected values; costs on their equivalent count
    (:func:`spiegelkit.analysis.indices.equivalent_count`).

    Returns
    -------
    DataFrame with indicator, year, units, phi, tau2, adjusted (phi > 1); empty when the
    data folder holds fewer than 20 practices with a mirror.
    """
    return _between_practice_spread(data).copy()


@functools.lru_cache(maxsize=DATA_KEPT)
def _between_practice_spread(data: MirrorData) -> pd.DataFrame:
    columns = ["indicator", "year", "units", "phi", "tau2", "adjusted"]
    agbs = _mirror_agbs(data)
    if len(agbs) < stats.MIN_UNITS_FOR_OVERDISPERSION:
        return pd.DataFrame(columns=columns)
    table = _poisson_table(data, tuple(agbs), 0.95)
    usable = table[table["index"].notna() & (table["expected"] > 0)]
    usable = usable.assign(equivalent_count=_equivalent_counts(usable, data))  # row by row
    rows = []
    for (indicator, year), part in usable.groupby(["indicator", "year"], sort=False):
        if len(part) < stats.MIN_UNITS_FOR_OVERDISPERSION:
            continue
        count = part["equivalent_count"].to_numpy()
        phi, tau2 = stats.overdispersion(part["index"].to_numpy() / 100 * count, count,
                                         "ratio", transform="log")
        if np.isfinite(phi) and np.isfinite(tau2):
            rows.append(dict(indicator=indicator, year=int(year), units=len(part), phi=phi,
                             tau2=tau2, adjusted=phi > 1))
    return pd.DataFrame(rows, columns=columns)


def _equivalent_counts(rows: pd.DataFrame, data: MirrorData) -> np.ndarray:
    """:func:`equivalent_count` of each row, with its indicator's cost CV."""
    cost_cv = rows["indicator"].map(data.catalogue.set_index("id")["cost_cv"])
    counts = rows["expected"].to_numpy(float)
    cost = rows["statistic"].eq("cost").to_numpy()
    if cost.any():
        costs = equivalent_count("cost", 1.0, rows["denominator"].to_numpy(float),
                                 cost_cv.to_numpy(float))
        counts = np.where(cost, costs, counts)
    return counts


def _with_marks(table: pd.DataFrame, data: MirrorData, confidence: float,
                significance: str) -> pd.DataFrame:
    """The marks of :func:`compare_practices`: against the spread where known."""
    table["significance_poisson"] = table["significance"]
    n = len(table)
    method = np.full(n, "poisson_chosen", dtype=object)
    tau2, phi, units = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    if significance == "overdispersion":
        spread = _between_practice_spread(data).set_index(["indicator", "year"])
        key = pd.MultiIndex.from_arrays([table["indicator"], table["year"].astype(int)])
        found = spread.reindex(key)
        estimated = found["units"].notna().to_numpy()
        adjusted = found["adjusted"].fillna(False).astype(bool).to_numpy()
        national = table["indicator"].map(data.catalogue.set_index("id")["between_practice_sd"]
                                          if "between_practice_sd" in data.catalogue else {})
        national = pd.to_numeric(national, errors="coerce").to_numpy()
        method[:] = "poisson_unknown_spread"
        method[~estimated & np.isfinite(national)] = "overdispersion_catalogue"
        method[estimated] = np.where(adjusted[estimated], "overdispersion_data",
                                     "poisson_no_overdispersion")
        tau2 = np.where(estimated, found["tau2"].to_numpy(float), national ** 2)
        phi = found["phi"].to_numpy(float)
        units = found["units"].to_numpy(float)
    table["significance_method"] = method
    table["tau2"], table["phi"], table["spread_units"] = tau2, phi, units
    for column in ("limit_lower", "limit_upper", "limit_lower_998", "limit_upper_998"):
        table[column] = np.nan
    use = np.isin(method, ["overdispersion_data", "overdispersion_catalogue"])
    use &= table["index"].notna().to_numpy()
    if use.any():
        rows = table[use]
        count = _equivalent_counts(rows, data)
        marks = significance_against_spread(rows["index"], count, tau2[use], confidence,
                                            small_numbers=rows["small_numbers"].astype(bool))
        marks.index = rows.index
        table.loc[use, "significance"] = marks["significance"]
        for column in ("limit_lower", "limit_upper", "limit_lower_998", "limit_upper_998"):
            table.loc[use, column] = marks[column]
        table.loc[use, "significance_nl"] = significance_wording(table.loc[use, "significance"])
        pairs = list(zip(table.loc[use, "significance"], table.loc[use, "polarity"]))
        judged = {pair: stats.significance_judgement(*pair) for pair in set(pairs)}  # a few
        table.loc[use, "judgement"] = [judged[pair] for pair in pairs]
    return table


def compare_group(data: MirrorData, params: GroupParams, focus: str | None = None) -> pd.DataFrame:
    """:func:`compare_practices` for the group's practices, with a ``practice`` label column.

    `focus` is the AGB code of the practice a per-practice version is made for.
    """
    agbs = [p.agb for p in params.practices]
    table = compare_practices(data, agbs, params.options.confidence, params.options.significance)
    table.insert(1, "practice", table["agb"].map(practice_labels(params, data, focus)))
    return table


def compare_region(data: MirrorData, year: int, confidence: float = 0.95,
                   significance: str = "overdispersion") -> pd.DataFrame:
    """Every practice with a mirror in the data folder, for one year: the regional context.

    Rows carry no names: the region appears in charts only as anonymous points and ranges.
    Empty unless the data folder holds at least 20 practices with a mirror
    (:data:`spiegelkit.stats.MIN_UNITS_FOR_OVERDISPERSION`): a handful of practices is no
    region to compare with. Computed once per data, year, confidence and significance: every
    group of a region shares it (each caller gets its own copy).
    """
    return shared_region(data, year, confidence, significance).copy()


@functools.lru_cache(maxsize=DATA_KEPT)
def shared_region(data: MirrorData, year: int, confidence: float,
                  significance: str = "overdispersion") -> pd.DataFrame:
    """:func:`compare_region` as one frame shared by all its callers (read it, never change
    it): the handouts of every group of a region, and what is derived from it once per region."""
    agbs = _mirror_agbs(data)
    table = _compare_practices(data, tuple(agbs), confidence, significance)
    if len(agbs) < stats.MIN_UNITS_FOR_OVERDISPERSION:
        table = table.iloc[:0]
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
