"""A data folder: practices, population, mirror values, national reference, catalogue.

``load_data`` reads every table, checks each on its own and all of them against each
other, and either returns a :class:`MirrorData` or raises one :class:`InputError` listing
every problem. Tables are joined by key, never by row order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from spiegelkit.inputs.catalogue import load_catalogue
from spiegelkit.inputs.problems import InputError, Problem, did_you_mean, display_path
from spiegelkit.inputs.tables import TABLES, find_table, read_table
from spiegelkit.paths import NATIONAL_POPULATION


@dataclass(frozen=True, eq=False)
class MirrorData:
    """All tables of one data folder, typed and checked. Hashed by identity: load_data
    gives the same object for the same files, so results can be cached per data."""

    folder: Path
    practices: pd.DataFrame
    population: pd.DataFrame
    mirror: pd.DataFrame
    reference: pd.DataFrame
    catalogue: pd.DataFrame

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.mirror["year"].unique())


def data_files(folder: Path) -> dict[str, Path]:
    """The files of a data folder that a group reads: its tables and its own catalogue."""
    found = {name: find_table(folder, name) for name in TABLES}
    files = {path.name: path for path in found.values() if path is not None}
    if (folder / "indicators.yaml").is_file():
        files["indicators.yaml"] = folder / "indicators.yaml"
    return files


def national_population() -> pd.DataFrame:
    """Dutch insured population by age band and sex (Vektis open data 2015, Bron: Vektis)."""
    table = pd.read_csv(NATIONAL_POPULATION, dtype={"age_band": str, "sex": str})
    return table.rename(columns={"insured_years": "patients"})


def check_data(folder: Path) -> tuple[MirrorData | None, list[Problem]]:
    """Load a data folder; returns (data or None when any error, every problem)."""
    folder = Path(folder)
    return _check_data_cached(folder.resolve(), _fingerprint(folder))


def load_data(folder: Path) -> MirrorData:
    """Load a data folder or raise :class:`InputError` with every problem."""
    data, problems = check_data(folder)
    if data is None:
        raise InputError(problems)
    return data


def _fingerprint(folder: Path) -> tuple:
    files = [find_table(folder, name) for name in TABLES] + [folder / "indicators.yaml"]
    return tuple((str(p), p.stat().st_mtime_ns) for p in files if p and p.exists())


@functools.lru_cache(maxsize=64)  # a national folder has one data folder per region (40)
def _check_data_cached(folder: Path, fingerprint: tuple) -> tuple[MirrorData | None, list[Problem]]:
    problems: list[Problem] = []
    tables = {}
    for name in TABLES:
        tables[name], found = read_table(folder, name)
        problems += found
    own_catalogue = folder / "indicators.yaml"
    catalogue, found = load_catalogue(own_catalogue if own_catalogue.exists() else None)
    problems += found
    if any(p.is_error for p in problems):
        return None, problems  # cross checks on broken tables would only add noise
    problems += _cross_problems(folder, tables, catalogue)
    if any(p.is_error for p in problems):
        return None, problems
    return MirrorData(folder, catalogue=catalogue, **tables), problems


def _file(folder: Path, name: str) -> str:
    return display_path(find_table(folder, name) or folder / f"{name}.csv")


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) + 2 for i in mask[mask].index]


def _cross_problems(folder: Path, tables: dict, catalogue: pd.DataFrame) -> list[Problem]:
    practices, population = tables["practices"], tables["population"]
    mirror, reference = tables["mirror"], tables["reference"]
    known_agb = set(practices["agb"])
    known_ind = set(catalogue["id"])
    problems: list[Problem] = []

    for name in ("population", "mirror"):
        table = tables[name]
        unknown = ~table["agb"].isin(known_agb)
        for agb in sorted(set(table.loc[unknown, "agb"])):
            rows = _rows(unknown & (table["agb"] == agb))
            count = f" ({len(rows)} rows, from row {rows[0]})" if len(rows) > 1 else ""
            problems.append(Problem(
                _file(folder, name), f"practice {agb} is not in the practices table{count}",
                row=rows[0], field="agb",
                hint=f"add {agb} to {_file(folder, 'practices')} or correct the code",
            ))
    for name in ("mirror", "reference"):
        table = tables[name]
        unknown = ~table["indicator"].isin(known_ind)
        for ind in sorted(set(table.loc[unknown, "indicator"])):
            rows = _rows(unknown & (table["indicator"] == ind))
            problems.append(Problem(
                _file(folder, name), f"indicator '{ind}' is not in the indicator catalogue",
                row=rows[0], field="indicator",
                hint=did_you_mean(ind, known_ind) + " (or add it to indicators.yaml)",
            ))

    statistic = mirror["indicator"].map(dict(zip(catalogue["id"], catalogue["statistic"])))
    too_many = (statistic == "proportion") & (mirror["observed"] > mirror["denominator"])
    for row in _rows(too_many.fillna(False)):
        problems.append(Problem(
            _file(folder, "mirror"), "observed is larger than denominator for a proportion "
            "(more patients with the event than patients)", row=row, field="observed",
            hint="check both figures; for a proportion, observed counts patients out of denominator",
        ))

    without = set(practices.loc[~practices["has_mirror"].astype(bool), "agb"])
    for agb in sorted(without & set(mirror["agb"])):
        problems.append(Problem(
            _file(folder, "practices"), f"practice {agb} has has_mirror=false but mirror rows",
            field="has_mirror", severity="warning",
            hint="set has_mirror to true if the practice did receive its mirror",
        ))

    problems += _standardisation_problems(folder, population, mirror, reference)
    return problems


def _standardisation_problems(folder, population, mirror, reference) -> list[Problem]:
    """Every mirror value without a given expected value needs population and reference."""
    needed = mirror[mirror["expected"].isna()]
    problems = []
    have_pop = set(zip(population["agb"], population["year"]))
    for agb, year in sorted(set(zip(needed["agb"], needed["year"])) - have_pop):
        problems.append(Problem(
            _file(folder, "population"), f"no population rows for practice {agb} in {year}, "
            "so its expected values cannot be computed", field="agb",
            hint=f"add the practice's patients by age band and sex for {year}",
        ))
    strata = reference.groupby(["indicator", "year"]).size()
    complete = 2 * 19
    for (ind, year) in sorted(set(zip(needed["indicator"], needed["year"]))):
        count = int(strata.get((ind, year), 0))
        if count < complete:
            problems.append(Problem(
                _file(folder, "reference"), f"indicator '{ind}' has {count} of {complete} "
                f"age-sex rates for {year}", field="rate",
                hint="give a national rate for every age band and sex, or an expected value "
                     "in the mirror table",
            ))
    return problems
