"""The group's comparison: each practice against its expected value and against its peers.

Expected values come from the source where it gives them, otherwise from indirect
standardisation: the practice's patients per age band and sex times the national rate of
that stratum, summed. The intervals and significance come from :mod:`spiegelkit.stats`.
"""

from __future__ import annotations

import string

import pandas as pd

from spiegelkit import stats
from spiegelkit.dataset import MirrorData
from spiegelkit.params import GroupParams

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
    joined = population.merge(reference, on=STRATUM, how="inner")
    joined["expected"] = joined["patients"].astype(float) * joined["rate"].astype(float)
    return (joined.groupby(["agb", "year", "indicator"], as_index=False)["expected"].sum())


def practice_labels(params: GroupParams, data: MirrorData) -> dict[str, str]:
    """What each practice is called in the handout: its name, or Praktijk A, B, ..."""
    names = dict(zip(data.practices["agb"], data.practices["name"]))
    if params.options.pseudonymise:
        return {p.agb: f"Praktijk {letter}"
                for p, letter in zip(params.practices, string.ascii_uppercase)}
    return {p.agb: str(names.get(p.agb, p.agb)) for p in params.practices}


def compare_group(data: MirrorData, params: GroupParams) -> pd.DataFrame:
    """One row per practice x year x indicator with observed, expected, index and interval.

    Columns: agb, practice, year, indicator, the catalogue columns, observed, denominator,
    expected, expected_source ("bron" or "standaardisatie"), value and expected_value (in
    the indicator's unit), and from :func:`spiegelkit.stats.compare_with_expected`: index,
    lower, upper, lower_998, upper_998, significance, significance_nl, small_numbers,
    method, confidence.
    """
    agbs = [p.agb for p in params.practices]
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
    table.insert(1, "practice", table["agb"].map(practice_labels(params, data)))
    table["observed"] = table["observed"].astype(float)
    table["denominator"] = table["denominator"].astype(float)
    table["value"] = table["observed"] / table["denominator"] * table["multiplier"]
    table["expected_value"] = table["expected"] / table["denominator"] * table["multiplier"]

    parts = []
    for (statistic, polarity), rows in table.groupby(["statistic", "polarity"], sort=False):
        result = stats.compare_with_expected(
            rows["observed"], rows["expected"], statistic, denominator=rows["denominator"],
            polarity=polarity, confidence=params.options.confidence)
        parts.append(rows.join(result))
    table = pd.concat(parts)
    order = {agb: i for i, agb in enumerate(agbs)}
    domains = list(data.catalogue["domain"].drop_duplicates())
    indicators = {ind: i for i, ind in enumerate(data.catalogue["id"])}
    table = table.assign(
        _p=table["agb"].map(order), _d=table["domain"].map(domains.index),
        _i=table["indicator"].map(indicators),
    ).sort_values(["year", "_d", "_i", "_p"]).drop(columns=["_p", "_d", "_i"])
    return table.reset_index(drop=True)


AGE_GROUPS = {"0-19": (0, 19), "20-64": (20, 64), "65-74": (65, 74), "75+": (75, 200)}


def population_summary(data: MirrorData, params: GroupParams, year: int,
                       national: pd.DataFrame | None = None) -> pd.DataFrame:
    """Registered patients, % women, % per broad age group and % 65+ per practice.

    ``national`` (age_band, sex, patients) adds a row "Nederland" for comparison.
    Age groups follow the 5-year bands: 0-19, 20-64, 65-74, 75+.
    """
    labels = practice_labels(params, data)
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
