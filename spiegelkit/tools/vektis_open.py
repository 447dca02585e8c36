"""The Vektis open data file (Zvw costs per municipality x sex x age) as a national reference.

Vektis publishes, per year, the costs of all claims paid under the basic health insurance
(Zorgverzekeringswet, Zvw) per municipality, sex and 5-year age class, with the insured-years
as exposure. It is the closest public match to a Praktijkspiegel: here municipalities stand
in for practices. This module reads that file, derives national cost rates per age band and
sex, and standardises each municipality indirectly against them.

Bron: Vektis, Open Databestand Zvw 2015 (personal and research use, no resale; always cite
"Bron: Vektis"). Only aggregated national rates derived from it may be shipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spiegelkit.outputs import write_csv
from spiegelkit.inputs.problems import InputError, Problem, display_path
from spiegelkit.stats import indirectly_standardised_expected, standardised_cost_ratio
from spiegelkit.inputs.tables import AGE_BANDS, SEXES

KEY_COLUMNS = {  # Vektis column -> spiegelkit name
    "GESLACHT": "sex",
    "LEEFTIJDSKLASSE": "age_band",
    "GEMEENTENAAM": "area",
    "AANTAL_BSN": "insured_persons",
    "AANTAL_VERZEKERDEJAREN": "insured_years",
}

COST_COLUMNS = [  # euros per cell per year, in file order
    "KOSTEN_MEDISCH_SPECIALISTISCHE_ZORG",
    "KOSTEN_FARMACIE",
    "KOSTEN_SPECIALISTISCHE_GGZ",
    "KOSTEN_HUISARTS_INSCHRIJFTARIEF",
    "KOSTEN_HUISARTS_CONSULT",
    "KOSTEN_HUISARTS_MDZ",
    "KOSTEN_HUISARTS_OVERIG",
    "KOSTEN_HULPMIDDELEN",
    "KOSTEN_MONDZORG",
    "KOSTEN_PARAMEDISCHE_ZORG_FYSIOTHERAPIE",
    "KOSTEN_PARAMEDISCHE_ZORG_OVERIG",
    "KOSTEN_ZIEKENVERVOER_ZITTEND",
    "KOSTEN_ZIEKENVERVOER_LIGGEND",
    "KOSTEN_KRAAMZORG",
    "KOSTEN_VERLOSKUNDIGE_ZORG",
    "KOSTEN_GENERALISTISCHE_BASIS_GGZ",
    "KOSTEN_LANGDURIGE_GGZ",
    "KOSTEN_GRENSOVERSCHRIJDENDE_ZORG",
    "KOSTEN_EERSTELIJNS_ONDERSTEUNING",
    "KOSTEN_GERIATRISCHE_REVALIDATIEZORG",
    "KOSTEN_VERPLEGING_EN_VERZORGING",
    "KOSTEN_OVERIG",
]

COST_DOMAINS = {  # care domain -> the cost columns summed into it
    "huisartsenzorg": [
        "KOSTEN_HUISARTS_INSCHRIJFTARIEF",
        "KOSTEN_HUISARTS_CONSULT",
        "KOSTEN_HUISARTS_MDZ",
        "KOSTEN_HUISARTS_OVERIG",
    ],
    "farmacie": ["KOSTEN_FARMACIE"],
    "medisch_specialistische_zorg": ["KOSTEN_MEDISCH_SPECIALISTISCHE_ZORG"],
    "ggz": [
        "KOSTEN_GENERALISTISCHE_BASIS_GGZ",
        "KOSTEN_SPECIALISTISCHE_GGZ",
        "KOSTEN_LANGDURIGE_GGZ",
    ],
    "fysiotherapie": ["KOSTEN_PARAMEDISCHE_ZORG_FYSIOTHERAPIE"],
    "wijkverpleging": ["KOSTEN_VERPLEGING_EN_VERZORGING"],
    "totaal": COST_COLUMNS,
}

AGE_CLASSES = {  # Vektis age class, spaces collapsed -> spiegelkit age band
    **{f"{band.split('-')[0]} t/m {band.split('-')[1]} jaar": band for band in AGE_BANDS[:-1]},
    "90+": "90+",
}

TEXT_KEYS = ["GESLACHT", "LEEFTIJDSKLASSE", "GEMEENTENAAM"]  # all empty on the rest row
COUNT_COLUMNS = ["AANTAL_BSN", "AANTAL_VERZEKERDEJAREN"]
STRATUM = ["age_band", "sex"]
SOURCE = "Bron: Vektis, Open Databestand Zvw 2015"


def read_vektis_zvw(path: Path | str) -> pd.DataFrame:
    """Read a Vektis Open Databestand Zvw file (municipality level).

    Parameters
    ----------
    path : path of the ``;``-separated file with ``.`` as decimal point.

    Returns
    -------
    DataFrame with one row per file row: ``area`` (municipality), ``sex`` (M/V),
    ``age_band`` (spiegelkit bands "0-4" ... "90+"), ``is_rest_row``, ``insured_persons``,
    ``insured_years`` and the ``KOSTEN_*`` columns in euros per cell. The rest row (empty
    sex, age class and municipality: small cells and unknown demographics) is kept with
    ``is_rest_row=True`` and empty keys. Negative costs (corrections) are kept.

    Raises
    ------
    InputError listing every problem (missing column, unknown age class or sex, a value
    that is not a number, a repeated municipality x sex x age row) with file, row and column.
    """
    file = display_path(path)
    raw = _read_text_cells(path, file)
    missing = [c for c in [*KEY_COLUMNS, *COST_COLUMNS] if c not in raw.columns]
    if missing:
        raise InputError([Problem(
            file, f"the column '{c}' is missing", row=1, field=c,
            hint="this reader expects the header of the Vektis Open Databestand Zvw "
                 "(gemeente), separated by ';'",
        ) for c in missing])

    keys = raw[TEXT_KEYS].apply(lambda s: s.str.strip())
    is_rest_row = (keys == "").all(axis=1)
    age_band = keys["LEEFTIJDSKLASSE"].str.split().str.join(" ").map(AGE_CLASSES)
    problems = _key_problems(file, keys, is_rest_row, age_band)
    frame = pd.DataFrame({
        "area": keys["GEMEENTENAAM"].where(~is_rest_row),
        "sex": keys["GESLACHT"].where(~is_rest_row),
        "age_band": age_band.where(~is_rest_row),
        "is_rest_row": is_rest_row,
    })
    for column in [*COUNT_COLUMNS, *COST_COLUMNS]:
        values = raw[column].str.strip()
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() | numbers.abs().eq(float("inf"))
        problems += [Problem(
            file, f"{values[i] or 'an empty cell'!r} is not a number", row=_row(i), field=column,
            hint="write numbers with a decimal point and no thousands separator, e.g. 1234.56",
        ) for i in raw.index[bad]]
        frame[KEY_COLUMNS.get(column, column)] = numbers
    repeated = frame[~is_rest_row].duplicated(["area", "sex", "age_band"])
    problems += [Problem(
        file, f"{frame.at[i, 'area']} {frame.at[i, 'sex']} {frame.at[i, 'age_band']} "
              "appears twice", row=_row(i), field="GEMEENTENAAM",
        hint="keep one row per municipality x sex x age class",
    ) for i in repeated.index[repeated]]
    if problems:
        raise InputError(problems)
    return frame


def _read_text_cells(path, file: str) -> pd.DataFrame:
    """Every cell as text ('' when empty). Vektis files come in UTF-8/ASCII and in Latin-1."""
    def read(encoding):
        return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding=encoding)
    try:
        try:
            return read("utf-8")
        except UnicodeDecodeError:
            return read("latin-1")
    except pd.errors.ParserError as exc:
        raise InputError([Problem(file, f"cannot be read as a ';'-separated table ({exc})",
                                  hint="check that every row has as many ';' as the header")]) from exc


def _key_problems(file, keys, is_rest_row, age_band) -> list[Problem]:
    problems = []
    for column in keys.columns:
        for i in keys.index[(keys[column] == "") & ~is_rest_row]:
            problems.append(Problem(
                file, "empty, while other key columns of this row are filled", row=_row(i),
                field=column,
                hint="only the rest row leaves GESLACHT, LEEFTIJDSKLASSE and GEMEENTENAAM empty",
            ))
    unknown_age = age_band.isna() & (keys["LEEFTIJDSKLASSE"] != "")
    problems += [Problem(
        file, f"unknown age class {keys.at[i, 'LEEFTIJDSKLASSE']!r}", row=_row(i),
        field="LEEFTIJDSKLASSE",
        hint="use the Vektis classes ' 0 t/m  4 jaar', ' 5 t/m  9 jaar', ... '85 t/m 89 jaar', '90+'",
    ) for i in keys.index[unknown_age]]
    unknown_sex = ~keys["GESLACHT"].isin(SEXES) & (keys["GESLACHT"] != "")
    problems += [Problem(
        file, f"unknown sex {keys.at[i, 'GESLACHT']!r}", row=_row(i), field="GESLACHT",
        hint="use M (man) or V (vrouw)",
    ) for i in keys.index[unknown_sex]]
    return problems


def _row(index) -> int:
    return int(index) + 2  # as a spreadsheet shows it: the header is row 1


def domain_costs(df: pd.DataFrame) -> pd.DataFrame:
    """Long table of costs per row and domain: the row's keys, ``insured_years``,
    ``domain`` and ``cost`` (the sum of the domain's cost columns, see :data:`COST_DOMAINS`)."""
    keys = df[["area", "sex", "age_band", "is_rest_row", "insured_years"]]
    return pd.concat(
        [keys.assign(domain=name, cost=df[columns].sum(axis=1)) for name, columns in COST_DOMAINS.items()],
        ignore_index=True,
    )


def national_cost_rates(df: pd.DataFrame) -> pd.DataFrame:
    """National cost per insured-year for every domain, age band and sex.

    rate = sum of the domain's costs / sum of insured-years over all municipalities in the
    stratum. The rest row takes no part: it has no age or sex.

    Returns
    -------
    DataFrame ``domain, age_band, sex, rate`` (euros per insured-year), ordered by domain
    (as in :data:`COST_DOMAINS`), age band and sex.
    """
    long = domain_costs(df[~df["is_rest_row"]])
    sums = long.groupby(["domain", *STRATUM], sort=False)[["cost", "insured_years"]].sum()
    rates = (sums["cost"] / sums["insured_years"]).rename("rate").reset_index()
    return _ordered(rates, {"domain": list(COST_DOMAINS), "age_band": AGE_BANDS, "sex": SEXES})


def standardised_ratios(df: pd.DataFrame, rates: pd.DataFrame | None = None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Indirectly age-sex standardised cost ratio of every municipality and domain.

    expected = sum over the strata of national rate x the area's insured-years, joined by
    domain, age band and sex; ratio = observed / expected. The interval comes from
    :func:`spiegelkit.stats.standardised_cost_ratio`, with the area's insured-years as the
    number of persons.

    Parameters
    ----------
    df : output of :func:`read_vektis_zvw`.
    rates : national rates (:func:`national_cost_rates`); by default derived from `df`.
    confidence : confidence level of the interval.

    Returns
    -------
    DataFrame ``area, domain, observed, expected, ratio, lower, upper``, ordered by area and
    domain. The rest row is left out.
    """
    rates = national_cost_rates(df) if rates is None else rates
    long = domain_costs(df[~df["is_rest_row"]])
    areas = indirectly_standardised_expected(long, rates, by=["area", "domain"],
                                             strata=["domain", *STRATUM], persons="insured_years")
    areas = areas.rename(columns={"insured_years": "persons"}).merge(
        long.groupby(["area", "domain"], as_index=False).agg(observed=("cost", "sum")),
        on=["area", "domain"])
    ratio, lower, upper = standardised_cost_ratio(
        areas["observed"].to_numpy(), areas["expected"].to_numpy(), areas["persons"].to_numpy(),
        confidence=confidence)
    areas["ratio"], areas["lower"], areas["upper"] = ratio, lower, upper
    areas = _ordered(areas, {"area": sorted(areas["area"].unique()), "domain": list(COST_DOMAINS)})
    return areas[["area", "domain", "observed", "expected", "ratio", "lower", "upper"]]


def _ordered(frame: pd.DataFrame, orders: dict[str, list[str]]) -> pd.DataFrame:
    """Sort by the given columns in the given category orders (not alphabetically)."""
    position = {col: frame[col].map({v: i for i, v in enumerate(order)}) for col, order in orders.items()}
    keys = pd.DataFrame(position)
    return frame.loc[keys.sort_values(list(orders)).index].reset_index(drop=True)


def derive_cost_rates(vektis_path: Path | str, out_path: Path | str) -> Path:
    """Write the national cost rates (domain, age_band, sex, rate; euros per insured-year,
    4 decimals) derived from a Vektis file: the aggregate that spiegelkit ships."""
    rates = national_cost_rates(read_vektis_zvw(vektis_path))
    return write_csv(rates.round({"rate": 4}), out_path)


def derive_national_population(vektis_path: Path | str, out_path: Path | str) -> Path:
    """Write the national insured-years per age band and sex (age_band, sex, insured_years),
    summed over all municipalities (rest row left out): the age-sex structure of the
    Dutch insured population that spiegelkit ships for its demo data."""
    df = read_vektis_zvw(vektis_path)
    strata = df[~df["is_rest_row"]].groupby(STRATUM, sort=False)["insured_years"].sum().reset_index()
    strata = _ordered(strata, {"age_band": AGE_BANDS, "sex": SEXES})
    return write_csv(strata.round({"insured_years": 2}), out_path)


def write_vektis_open(path: Path | str, out_dir: Path | str, confidence: float = 0.95) -> dict[str, Path]:
    """Read a Vektis open data file and write, in `out_dir`:

    - ``national_reference.csv``: domain, age_band, sex, rate (euros per insured-year);
    - ``standardised_ratios.csv``: area, domain, observed, expected, ratio, lower, upper
      for every municipality and domain.

    Returns the written paths by name.
    """
    out_dir = Path(out_dir)
    df = read_vektis_zvw(path)
    rates = national_cost_rates(df)
    ratios = standardised_ratios(df, rates, confidence=confidence)
    return {
        "national_reference": write_csv(rates.round({"rate": 4}),
                                               out_dir / "national_reference.csv"),
        "standardised_ratios": write_csv(
            ratios.round({"observed": 2, "expected": 2, "ratio": 4, "lower": 4, "upper": 4}),
            out_dir / "standardised_ratios.csv"),
    }
