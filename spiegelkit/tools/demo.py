"""The demo region: practices, populations, mirror values and a national reference.

Deterministic and realistic, so that every notebook, handout and test can run without
real data. Everything the generator knows is data in ``spiegelkit/data``:

- ``demo_region.yaml``: groups, practices (AGB, name, solo/duo/groep) and profiles
  (students, asylum centre, nursing home, rural) with their effect on the population;
- ``demo_calibration.csv``: per indicator the national value in 2022 and its source, the
  age-sex curve, the yearly trend and drift; how much practices vary (sd_i below) is the
  catalogue's ``between_practice_sd`` (``indicators.yaml``);
- ``demo_age_curves.csv``: relative age-sex curves of the count indicators, given at a few
  anchor age bands and interpolated log-linearly in between;
- ``vektis2015_national_cost_rates.csv``: age-sex curves of the cost indicators
  (Bron: Vektis, Open Databestand Zvw 2015);
- ``vektis2015_national_population.csv``: the national age-sex structure.

Besides the region's four tables the demo ships ``spread.csv``: percentiles of the indices
of :data:`NATIONAL_SAMPLE` further fictitious practices drawn from the same model, the
demo's stand-in for a national distribution of practices.

The model, per practice p, year y and indicator i:

- national rate per stratum k: rate = national_i x (1 + trend_i)^(y - 2022) x curve_ik /
  sum_k(curve_ik x national share_k), so the national crude value is national_i;
- practice index = exp(u_pi + d_piy - sd_i^2 / 2) x profile effect, with a persistent
  effect u_pi = sd_i (c_i x context_p + sqrt(1 - c_i^2) x e_pi) (context_p: the practice's
  morbidity and deprivation, shared by all indicators; e_pi ~ N(0, 1)) and a random-walk
  drift d_piy with steps N(0, drift_sd_i);
- expected = sum_k rate x patients (indirect standardisation); observed is a binomial
  (proportions) or Poisson (rates) draw around expected x index, or for costs expected x
  index x a gamma noise with mean 1 and coefficient of variation noise_cv / sqrt(patients).

All randomness comes from one ``numpy.random.default_rng(seed)``, drawn in a fixed order.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spiegelkit.inputs.catalogue import load_catalogue
from spiegelkit.inputs.problems import raise_for_errors
from spiegelkit.inputs.tables import AGE_BANDS, SEXES
from spiegelkit.outputs import write_csv
from spiegelkit.inputs.params import GROUP_TYPES
from spiegelkit.paths import DATA

YEARS = [2020, 2021, 2022, 2023, 2024]
CALIBRATION_YEAR = 2022  # the year the national values of demo_calibration.csv hold for
DATA_YEAR = YEARS[-1]
LIST_SIZES = {"solo": (1800, 3200), "duo": (3500, 5500), "groep": (6000, 11000)}  # Nivel 2017
STRATA = pd.MultiIndex.from_product([AGE_BANDS, SEXES], names=["age_band", "sex"])


def load_region() -> dict:
    """The demo region: ``profiles`` and ``groups`` (each with its ``practices``)."""
    return yaml.safe_load((DATA / "demo_region.yaml").read_text(encoding="utf-8"))


def load_calibration() -> pd.DataFrame:
    """National value, curve and variation per indicator, in catalogue order."""
    calibration = pd.read_csv(DATA / "demo_calibration.csv")
    calibration["expected_given"] = calibration["expected_given"].astype(str).str.lower().eq("true")
    catalogue = load_indicators()
    statistic = dict(zip(catalogue["id"], catalogue["statistic"]))
    missing = sorted(set(statistic) - set(calibration["indicator"]))
    if missing:
        raise ValueError(f"no demo calibration for indicator(s) {', '.join(missing)}: add a row "
                         "per indicator to spiegelkit/data/demo_calibration.csv")
    calibration["statistic"] = calibration["indicator"].map(statistic)
    # How much practices vary is the catalogue's national between-practice spread: one
    # assumption, used both to draw the demo and, for real groups, to make the marks.
    calibration["practice_sd"] = calibration["indicator"].map(
        dict(zip(catalogue["id"], catalogue["between_practice_sd"]))).fillna(0.0)
    return calibration.set_index("indicator").loc[list(statistic)].reset_index()


def load_indicators() -> pd.DataFrame:
    """The indicator catalogue shipped with spiegelkit, validated by the catalogue loader
    (one row per indicator, in catalogue order); raises InputError if it has errors."""
    catalogue, problems = load_catalogue()
    raise_for_errors(problems)
    return catalogue


def national_structure() -> pd.Series:
    """Share of the national insured population in each age band and sex (Vektis 2015)."""
    return _national_structure().copy()


@functools.lru_cache(maxsize=1)
def _national_structure() -> pd.Series:
    insured = pd.read_csv(DATA / "vektis2015_national_population.csv")
    years = insured.set_index(["age_band", "sex"])["insured_years"]
    return (years / years.sum()).reindex(STRATA)


def age_sex_curves(calibration: pd.DataFrame) -> pd.DataFrame:
    """Relative curve per indicator and stratum: columns indicator, age_band, sex, curve.

    A curve named ``vektis:<domain>`` is that domain's national cost rate; any other name
    is a row pair (M, V) of demo_age_curves.csv, interpolated log-linearly between anchors.
    """
    anchors = pd.read_csv(DATA / "demo_age_curves.csv").set_index(["curve", "sex"])
    at = [AGE_BANDS.index(band) for band in anchors.columns]
    costs = pd.read_csv(DATA / "vektis2015_national_cost_rates.csv").set_index(
        ["domain", "age_band", "sex"])["rate"]
    curves = []
    for indicator, name in zip(calibration["indicator"], calibration["curve"]):
        if name.startswith("vektis:"):
            values = costs.loc[name.removeprefix("vektis:")].reindex(STRATA).to_numpy()
        else:
            by_sex = {sex: np.exp(np.interp(range(len(AGE_BANDS)), at, np.log(anchors.loc[(name, sex)])))
                      for sex in SEXES}
            values = np.column_stack([by_sex[sex] for sex in SEXES]).ravel()
        curves.append(pd.DataFrame({"indicator": indicator, "curve": values}, index=STRATA))
    return pd.concat(curves).reset_index()[["indicator", "age_band", "sex", "curve"]]


def national_reference(calibration: pd.DataFrame) -> pd.DataFrame:
    """reference.csv: national rate per indicator, year, age band and sex.

    Each curve is scaled so that, over the national age-sex structure, it gives the
    indicator's national value in 2022; other years follow the indicator's trend.
    """
    shares = national_structure().rename("share").reset_index()
    curves = age_sex_curves(calibration).merge(shares, on=["age_band", "sex"], how="left",
                                               validate="many_to_one")
    parts = []
    for row in calibration.itertuples():
        curve = curves[curves["indicator"] == row.indicator]
        rate = row.national * curve["curve"] / (curve["curve"] * curve["share"]).sum()
        for year in YEARS:
            parts.append(curve[["indicator", "age_band", "sex"]].assign(
                year=year, rate=rate * (1 + row.trend) ** (year - CALIBRATION_YEAR)))
    reference = pd.concat(parts, ignore_index=True)[["indicator", "year", "age_band", "sex", "rate"]]
    return reference.round({"rate": 6})


def practice_table(region: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One row per practice: identity, group, size class, and the drawn list size (in the
    data year), yearly growth, context and ageing of its population."""
    profiles = region["profiles"]
    practices = pd.DataFrame([{
        "agb": practice["agb"],
        "name": practice["name"],
        "group_id": group["group_id"],
        "size": practice["size"],
        "profile": practice.get("profile", ""),
        "has_mirror": practice.get("has_mirror", True),
    } for group in region["groups"] for practice in group["practices"]])
    profile = [profiles.get(name, {}) for name in practices["profile"]]
    low, high = np.array([LIST_SIZES[size] for size in practices["size"]]).T
    practices["list_size"] = rng.integers(low, high + 1)
    practices["growth"] = rng.normal(0.01, 0.02, len(practices))
    practices["context"] = rng.normal(0, 1, len(practices)) + [p.get("context", 0.0) for p in profile]
    practices["ageing"] = rng.normal(0, 0.2, len(practices)) + [p.get("ageing", 0.0) for p in profile]
    return practices


def practice_mix(ageing: float, profile: dict) -> np.ndarray:
    """Probability of each stratum (in STRATA order) for a practice's patients: the national
    structure tilted towards the old (ageing > 0) or young, mixed with the profile's special
    population (students, asylum seekers, nursing-home residents) when it has one."""
    national = national_structure().to_numpy()
    middle = (len(AGE_BANDS) - 1) / 2
    position = (np.array([AGE_BANDS.index(a) for a in STRATA.get_level_values("age_band")]) - middle) / middle
    mix = national * np.exp(ageing * position)
    mix /= mix.sum()
    if "extra_share" in profile:
        ages = STRATA.get_level_values("age_band").map(lambda a: profile["extra_ages"].get(a, 0.0))
        men = np.where(STRATA.get_level_values("sex") == "M", profile["extra_men"], 1 - profile["extra_men"])
        extra = np.asarray(ages) * men
        mix = (1 - profile["extra_share"]) * mix + profile["extra_share"] * extra / extra.sum()
    return mix


def population_table(practices: pd.DataFrame, profiles: dict, rng: np.random.Generator) -> pd.DataFrame:
    """population.csv: patients per practice, year, age band and sex (multinomial draws)."""
    counts = []
    for practice in practices.itertuples():
        mix = practice_mix(practice.ageing, profiles.get(practice.profile, {}))
        for year in YEARS:
            size = round(practice.list_size * np.exp(-practice.growth * (DATA_YEAR - year)))
            counts.append(rng.multinomial(size, mix))
    strata, blocks = len(STRATA), len(practices) * len(YEARS)
    return pd.DataFrame({
        "agb": np.repeat(practices["agb"].to_numpy(), len(YEARS) * strata),
        "year": np.tile(np.repeat(YEARS, strata), len(practices)),
        "age_band": np.tile(STRATA.get_level_values("age_band").to_numpy(), blocks),
        "sex": np.tile(STRATA.get_level_values("sex").to_numpy(), blocks),
        "patients": np.concatenate(counts) if counts else np.zeros(0, dtype=int),
    })


def mirror_table(practices: pd.DataFrame, population: pd.DataFrame, reference: pd.DataFrame,
                 calibration: pd.DataFrame, profiles: dict, rng: np.random.Generator) -> pd.DataFrame:
    """mirror.csv: observed value, denominator and (for some indicators) a given expected
    value per practice with a mirror, year and indicator. See the module docstring."""
    agbs = practices.loc[practices["has_mirror"], "agb"].tolist()
    indicators = calibration["indicator"].tolist()
    shape = (len(agbs), len(YEARS), len(indicators))
    keys = pd.MultiIndex.from_product([agbs, YEARS, indicators], names=["agb", "year", "indicator"])

    expected = standardised_expected(population, reference, agbs, indicators).ravel()
    patients = population.groupby(["agb", "year"])["patients"].sum()
    denominator = patients.reindex(keys.droplevel("indicator")).to_numpy()

    cal = calibration.set_index("indicator")
    sd, loading = cal["practice_sd"].to_numpy(), cal["context"].to_numpy()
    practice = practices.set_index("agb").loc[agbs]
    context = practice["context"].to_numpy()[:, None]
    own = rng.normal(0, 1, (len(agbs), len(indicators)))
    persistent = sd * (loading * context + np.sqrt(1 - loading ** 2) * own)
    drift = np.cumsum(rng.normal(0, 1, (len(agbs), len(indicators), len(YEARS))), axis=2)
    drift = drift.transpose(0, 2, 1) * cal["drift_sd"].to_numpy()
    effect = np.array([[profiles.get(p, {}).get("effects", {}).get(i, 1.0) for i in indicators]
                       for p in practice["profile"]])
    index = np.exp(persistent[:, None, :] + drift - sd ** 2 / 2) * effect[:, None, :]
    mean = (expected.reshape(shape) * index).ravel()

    rows = len(agbs) * len(YEARS)  # every (practice, year) holds all indicators in order
    statistic = np.tile(cal["statistic"].to_numpy(), rows)
    noise_cv = np.tile(cal["noise_cv"].to_numpy(), rows)
    observed = draw_observed(statistic, mean, denominator, noise_cv, rng)

    # The source's own expected value also adjusts for part of the practice context.
    adjust = np.exp(0.5 * sd * loading * context)[:, None, :].repeat(len(YEARS), axis=1).ravel()
    given = np.tile(cal["expected_given"].to_numpy(), rows)
    source_expected = np.where(given, expected * adjust, np.nan)

    mirror = keys.to_frame(index=False)
    mirror["observed"] = [f"{v:.2f}" if s == "cost" else f"{v:.0f}" for v, s in zip(observed, statistic)]
    mirror["denominator"] = denominator.astype(int)
    mirror["expected"] = [f"{v:.2f}" if np.isfinite(v) else "" for v in source_expected]
    return mirror


def standardised_expected(population: pd.DataFrame, reference: pd.DataFrame, agbs: list[str],
                          indicators: list[str]) -> np.ndarray:
    """Expected counts by indirect standardisation, shape (practice, year, indicator): per
    year the practices' patients per stratum (a matrix) times the national rates."""
    out = np.zeros((len(agbs), len(YEARS), len(indicators)))
    for y, year in enumerate(YEARS):
        patients = (population[population["year"] == year]
                    .pivot_table(index="agb", columns=["age_band", "sex"], values="patients",
                                 aggfunc="sum", fill_value=0)
                    .reindex(index=agbs, columns=STRATA, fill_value=0))
        rates = (reference[reference["year"] == year]
                 .pivot_table(index=["age_band", "sex"], columns="indicator", values="rate",
                              aggfunc="sum", fill_value=0.0)
                 .reindex(index=STRATA, columns=indicators, fill_value=0.0))
        out[:, y, :] = patients.to_numpy(float) @ rates.to_numpy(float)
    return out


def draw_observed(statistic: np.ndarray, mean: np.ndarray, denominator: np.ndarray,
                  noise_cv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Observed values around `mean`: binomial patients for a proportion, Poisson events
    for a rate, and for a cost mean x gamma noise (mean 1, coefficient of variation
    noise_cv / sqrt(denominator): individual costs are skewed, a practice sums many)."""
    observed = np.zeros(len(mean))
    share = statistic == "proportion"
    observed[share] = rng.binomial(denominator[share], np.minimum(mean[share] / denominator[share], 0.999))
    rate = statistic == "rate"
    observed[rate] = rng.poisson(mean[rate])
    cost = statistic == "cost"
    cv = noise_cv[cost] / np.sqrt(denominator[cost])
    observed[cost] = mean[cost] * rng.gamma(1 / cv ** 2, cv ** 2)
    return observed


NATIONAL_SAMPLE = 400  # fictitious practices whose indices make the demo's spread.csv
SPREAD_PERCENTILES = (5, 25, 50, 75, 95)


def write_demo_data(out_dir: Path | str, seed: int = 2026) -> None:
    """Write the demo region's practices.csv, population.csv, mirror.csv and reference.csv,
    and the national spread.csv, to `out_dir`. The same seed gives byte-identical files."""
    rng = np.random.default_rng(seed)
    calibration = load_calibration()
    reference = national_reference(calibration)
    write_region_data(load_region(), out_dir, calibration, reference, rng)
    write_csv(spread_table(calibration, reference, np.random.default_rng([seed, 1])),
              Path(out_dir) / "spread.csv")


def spread_table(calibration: pd.DataFrame, reference: pd.DataFrame, rng: np.random.Generator,
                 practices: int = NATIONAL_SAMPLE) -> pd.DataFrame:
    """spread.csv: per indicator and year the 5th, 25th, 50th, 75th and 95th percentiles of
    the indices (observed / expected x 100, expected from the source where it gives one) of
    `practices` fictitious practices drawn like the region's (sizes and profiles in national
    shares, see :func:`_national_practice`)."""
    members = [_national_practice(f"01{k:06d}", f"Praktijk {k}", rng) for k in range(practices)]
    for member in members:
        member.pop("has_mirror", None)
    region = {"profiles": load_region()["profiles"],
              "groups": [{"group_id": "nederland", "practices": members}]}
    table = practice_table(region, rng)
    population = population_table(table, region["profiles"], rng)
    mirror = mirror_table(table, population, reference, calibration, region["profiles"], rng)
    standardised = standardised_expected(population, reference, list(table["agb"]),
                                         list(calibration["indicator"])).ravel()
    expected = pd.to_numeric(mirror["expected"], errors="coerce").fillna(
        pd.Series(standardised, index=mirror.index))
    mirror["index"] = pd.to_numeric(mirror["observed"]) / expected * 100
    order = {indicator: i for i, indicator in enumerate(calibration["indicator"])}
    spread = (mirror.groupby(["indicator", "year"])["index"]
              .quantile([q / 100 for q in SPREAD_PERCENTILES]).unstack())
    spread.columns = [f"p{q}" for q in SPREAD_PERCENTILES]
    spread = spread.reset_index().sort_values(
        ["indicator", "year"], key=lambda c: c.map(order) if c.name == "indicator" else c)
    return spread.round(1).reset_index(drop=True)


def write_region_data(region: dict, out_dir: Path | str, calibration: pd.DataFrame,
                      reference: pd.DataFrame, rng: np.random.Generator) -> None:
    """Write the four tables of one region (the format of demo_region.yaml) to `out_dir`."""
    out_dir = Path(out_dir)
    practices = practice_table(region, rng)
    population = population_table(practices, region["profiles"], rng)
    mirror = mirror_table(practices, population, reference, calibration, region["profiles"], rng)
    latest = population[population["year"] == DATA_YEAR].groupby("agb", sort=False)["patients"].sum()
    practices["registered_patients"] = practices["agb"].map(latest)
    practices["has_mirror"] = practices["has_mirror"].map({True: "true", False: "false"})
    tables = {
        "practices": practices[["agb", "name", "registered_patients", "has_mirror"]],
        "population": population,
        "mirror": mirror,
        "reference": reference,
    }
    for name, table in tables.items():
        write_csv(table, out_dir / f"{name}.csv")


class _Quoted(str):
    """A string written in double quotes, so that no YAML reader takes it for a number or date."""


class _ParamsDumper(yaml.SafeDumper):
    pass


_ParamsDumper.add_representer(
    _Quoted, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"'))


def group_params(group: dict, profiles: dict, data_dir: str = "demo") -> dict:
    """The params of one demo group, in the format of README.md, section "Add your own group"."""
    practices = []
    for practice in group["practices"]:
        entry = {"agb": _Quoted(practice["agb"])}
        note = practice.get("note") or profiles.get(practice.get("profile"), {}).get("note")
        if note:
            entry["note"] = note
        practices.append(entry)
    return {
        "group_id": group["group_id"],
        "group_name": group["group_name"],
        "group_type": group["group_type"],
        "meeting_number": group.get("meeting_number", 1),
        "meeting_date": _Quoted(group["meeting_date"]),
        "data_year": DATA_YEAR,
        "data_dir": data_dir,
        "facilitators": list(group["facilitators"]),
        "practices": practices,
        "options": {"confidence": 0.95, "pseudonymise": False},
    }


PARTICIPANTS = {"solo": 1, "duo": 2, "groep": 2}  # expected people per practice: at most 10 with 2 facilitators
FIRST_NAMES = ["Eva", "Pieter", "Fatma", "Jeroen", "Lotte", "Mohamed", "Sophie", "Ruud", "Anouk",
               "Daan", "Ilse", "Kees", "Nadia", "Thijs", "Marloes", "Youssef", "Femke", "Wouter"]
SURNAMES = ["Bakker", "de Boer", "Mulder", "Smit", "Meijer", "de Graaf", "Hendriks", "Koster",
            "Yildiz", "van Leeuwen", "Dekker", "Brouwer", "Vermeulen", "Kaya", "Postma", "Schouten"]


def demo_participants(practice: dict) -> list[str]:
    """Invented names of a demo practice's expected participants, fixed by its AGB code."""
    rng = np.random.default_rng(int(practice["agb"]))
    firsts = rng.choice(FIRST_NAMES, PARTICIPANTS[practice["size"]], replace=False)
    lasts = rng.choice(SURNAMES, PARTICIPANTS[practice["size"]], replace=False)
    return [f"{first} {last}" for first, last in zip(firsts, lasts)]


def write_demo_params(out_dir: Path | str, data_dir: str = "demo",
                      region: dict | None = None) -> dict[str, Path]:
    """Write one params file per demo group, ``<out_dir>/<group_id>.yaml``; returns the paths
    by group id. `data_dir` is written as is ("demo" = the bundled demo data). `region`:
    another region than the demo region (see :func:`national_regions`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    region = region or load_region()
    paths = {}
    for group in region["groups"]:
        params = group_params(group, region["profiles"], data_dir)
        for entry, practice in zip(params["practices"], group["practices"]):
            entry["participants"] = demo_participants(practice)
        text = yaml.dump(params, Dumper=_ParamsDumper, sort_keys=False, allow_unicode=True, width=100)
        path = out_dir / f"{group['group_id']}.yaml"
        path.write_text(f"# Demo group of spiegelkit (fictitious practices).\n{text}", encoding="utf-8")
        paths[group["group_id"]] = path
    return paths


# --- a national set, to try batches at scale ------------------------------------------------

REGION_PRACTICES = 125  # practices per regional data folder
GROUP_SIZES = {3: 0.35, 4: 0.45, 5: 0.20}  # practices per group: 3.85 on average
SIZE_SHARES = {"solo": 0.34, "duo": 0.43, "groep": 0.23}  # Nivel 2017
GROUP_TYPE_SHARES = {"hagro": 0.55, "fto": 0.25, "dto": 0.10, "zorggroep": 0.10}
PROFILE_SHARES = {"studenten": 0.02, "azc": 0.03, "verpleeghuis": 0.05, "platteland": 0.10}
WITHOUT_MIRROR = 0.01  # share of practices taken over recently: no mirror yet
PRACTICE_NAMES = ["De Linde", "De Eik", "Het Kompas", "De Vaart", "Centrum", "De Brug", "Oost",
                  "West", "Noord", "Zuid", "De Akker", "Het Anker", "De Molen", "De Haven",
                  "Parkzicht", "De Dijk", "Het Plein", "De Poort", "De Wetering", "Rijnzicht"]
NAME_KINDS = ["Huisartsenpraktijk", "Huisartsen", "Gezondheidscentrum"]
PLACES = ["Aldorp", "Bergum", "Dijkhuizen", "Everdam", "Grootveen", "Hoogeloo", "Kerkdorp",
          "Lindeveld", "Molenwijk", "Nieuwland", "Oosterburen", "Zandhoven"]  # fictitious


def national_regions(practices: int = 5000, seed: int = 2026) -> list[tuple[str, dict]]:
    """Fictitious regions of about REGION_PRACTICES practices each, ``practices`` in all, in
    groups of 3 to 5: (region id, region in the format of demo_region.yaml). 5,000 practices
    make about 1,300 groups, the national scale of spiegelbijeenkomsten. Practice names are
    unique within a region."""
    rng = np.random.default_rng(seed)
    demo = load_region()
    facilitators = sorted({name for group in demo["groups"] for name in group["facilitators"]})
    codes = rng.choice(1_000_000, practices, replace=False)
    names = [f"{kind} {name} {place}" for kind in NAME_KINDS for name in PRACTICE_NAMES
             for place in PLACES]
    regions, start = [], 0
    for number, count in enumerate(_split(practices, REGION_PRACTICES), start=1):
        region_id = f"regio-{number:02d}"
        members = [_national_practice(f"01{code:06d}", str(name), rng) for code, name in
                   zip(codes[start:start + count], rng.choice(names, count, replace=False))]
        start += count
        groups, first = [], 0
        for k, size in enumerate(_group_sizes(count, rng), start=1):
            group_type = str(rng.choice(list(GROUP_TYPE_SHARES), p=list(GROUP_TYPE_SHARES.values())))
            groups.append({
                "group_id": f"{region_id}-{group_type}-{k:02d}",
                "group_name": f"{GROUP_TYPES[group_type][0].upper()}{GROUP_TYPES[group_type][1:]} "
                              f"regio {number} nr. {k}",
                "group_type": group_type,
                "meeting_date": f"2026-{rng.integers(1, 5):02d}-{rng.integers(1, 29):02d}",
                "facilitators": [str(n) for n in rng.choice(facilitators, 2, replace=False)],
                "practices": members[first:first + size],
            })
            first += size
        regions.append((region_id, {"profiles": demo["profiles"], "groups": groups}))
    return regions


def _split(total: int, most: int) -> list[int]:
    """`total` in nearly equal parts of at most `most`."""
    parts = -(-total // most)
    return [total // parts + (i < total % parts) for i in range(parts)]


def _group_sizes(practices: int, rng: np.random.Generator) -> list[int]:
    """Group sizes of 3 to 5 adding up to `practices` (at least 3)."""
    groups = max(1, min(practices // 3, round(practices / sum(k * p for k, p in GROUP_SIZES.items()))))
    extra = practices - 3 * groups  # handed out one at a time, at most 2 per group
    slots = rng.permutation(np.repeat(np.arange(groups), 2))[:extra]
    return [3 + int(n) for n in np.bincount(slots, minlength=groups)]


def _national_practice(agb: str, name: str, rng: np.random.Generator) -> dict:
    profile = rng.choice([*PROFILE_SHARES, ""], p=[*PROFILE_SHARES.values(), 1 - sum(PROFILE_SHARES.values())])
    practice = {"agb": agb, "name": name,
                "size": str(rng.choice(list(SIZE_SHARES), p=list(SIZE_SHARES.values())))}
    if profile:
        practice["profile"] = str(profile)
    if rng.random() < WITHOUT_MIRROR:
        practice["has_mirror"] = False
    return practice



def write_national_demo(out_dir: Path | str, practices: int = 5000, seed: int = 2026) -> dict[str, Path]:
    """Write a national demo set: ``<out_dir>/regio-NN/`` (the four tables of each region)
    and ``<out_dir>/params/`` (one params file per group); returns the params paths by group id."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    calibration = load_calibration()
    reference = national_reference(calibration)
    paths = {}
    for region_id, region in national_regions(practices, seed):
        write_region_data(region, out_dir / region_id, calibration, reference, rng)
        paths.update(write_demo_params(out_dir / "params", data_dir=f"../{region_id}", region=region))
    return paths
