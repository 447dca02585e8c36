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
from spiegelkit.inputs.plausibility import plausibility_problems
from spiegelkit.inputs.problems import InputError, Problem, did_you_mean, display_path
from spiegelkit.inputs.tables import TABLES, convert_table, find_table, read_table

OPTIONAL_TABLES = ("population", "reference")  # without them: no pyramids, no standardisation
# Data folders a process keeps, read and checked, with what is worked out once per folder
# (every cache keyed by a MirrorData holds at most this many): a batch takes its groups
# region by region, so a few are enough, and a worker's memory stays flat over the 40
# regions of a national run instead of growing with every region it has seen.
DATA_KEPT = 4
from spiegelkit.paths import NATIONAL_POPULATION


@dataclass(frozen=True, eq=False)
class MirrorData:
    """All tables of one data folder, typed and checked. Hashed by identity: load_data
    gives the same object for the same files, so results can be cached per data."""

    folder: Path  # the data folder, or the filled intake workbook it was read from
    practices: pd.DataFrame
    population: pd.DataFrame
    mirror: pd.DataFrame
    reference: pd.DataFrame
    catalogue: pd.DataFrame
    spread: pd.DataFrame | None = None  # optional: national percentiles of practice indices
    mirror_form: str = "counts"  # "printed": the file gave figures in the indicator's unit

    @property
    def has_population(self) -> bool:
        return len(self.population) > 0

    def describe(self) -> str:
        """What `check` found, in one line: the mirror's form and the optional tables."""
        form = ("the printed form (value, expected_value, denominator; converted to counts)"
                if self.mirror_form == "printed" else "the counts form (observed, denominator, expected)")
        optional = ", ".join(f"{name}: {len(getattr(self, name))} rows" if len(getattr(self, name))
                             else f"no {name} (no standardisation" + (", no pyramids)" if name ==
                                                                      "population" else ")")
                             for name in OPTIONAL_TABLES)
        return (f"data {display_path(self.folder)}: mirror in {form}, {len(self.mirror)} rows; "
                f"{optional}")

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.mirror["year"].unique())


def is_workbook(path: Path) -> bool:
    """Whether a data_dir names a filled intake workbook instead of a folder."""
    return Path(path).suffix.lower() == ".xlsx" and Path(path).is_file()


def data_files(folder: Path) -> dict[str, Path]:
    """The files of a data folder that a group reads: its tables and its own catalogue."""
    if is_workbook(folder):
        return {Path(folder).name: Path(folder)}
    found = {name: find_table(folder, name) for name in TABLES}
    files = {path.name: path for path in found.values() if path is not None}
    if (folder / "indicators.yaml").is_file():
        files["indicators.yaml"] = folder / "indicators.yaml"
    return files


def national_population() -> pd.DataFrame:
    """Dutch insured population by age band and sex (Vektis open data 2015, Bron: Vektis):
    a copy of the table read once (every handout draws its pyramids against it)."""
    return _national_population().copy()


@functools.cache
def _national_population() -> pd.DataFrame:
    table = pd.read_csv(NATIONAL_POPULATION, dtype={"age_band": str, "sex": str})
    return table.rename(columns={"insured_years": "patients"})


def check_data(folder: Path) -> tuple[MirrorData | None, list[Problem]]:
    """Load a data folder; returns (data or None when any error, every problem)."""
    folder = Path(folder)
    if is_workbook(folder):
        return _check_workbook_cached(folder.resolve(), folder.stat().st_mtime_ns)
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


@functools.lru_cache(maxsize=DATA_KEPT)
def _check_data_cached(folder: Path, fingerprint: tuple) -> tuple[MirrorData | None, list[Problem]]:
    problems: list[Problem] = []
    tables = {}
    for name in TABLES:
        if name in OPTIONAL_TABLES and find_table(folder, name) is None:
            tables[name], found = convert_table(
                pd.DataFrame(columns=[c.name for c in TABLES[name]]), name, folder / f"{name}.csv")
        else:
            tables[name], found = read_table(folder, name)
        problems += found
    own_catalogue = folder / "indicators.yaml"
    catalogue, found = load_catalogue(own_catalogue if own_catalogue.exists() else None)
    problems += found
    return _checked(folder, tables, catalogue, problems)


@functools.lru_cache(maxsize=8)
def _check_workbook_cached(path: Path, mtime: int) -> tuple[MirrorData | None, list[Problem]]:
    """A filled intake workbook as a data folder (bundled catalogue); every problem names
    the workbook, and a table row's problem the sheet and cell it came from."""
    from spiegelkit.inputs.intake import read_intake  # the workbook layout lives there

    raw, problems = read_intake(path)
    if any(p.is_error for p in problems) or not raw:
        return None, problems
    tables, cells = {}, {}
    for name in TABLES:
        frame = raw.get(name, pd.DataFrame(columns=[c.name for c in TABLES[name]]))
        cells[name] = frame.attrs.get("cells", [])
        tables[name], found = convert_table(frame.reset_index(drop=True), name, path / f"{name}.csv")
        problems += found
    catalogue, found = load_catalogue(None)
    data, problems = _checked(path, tables, catalogue, problems + found)
    return data, [_in_workbook(p, path, cells) for p in problems]


def _in_workbook(problem: Problem, path: Path, cells: dict[str, list[dict]]) -> Problem:
    """A problem of a table read from a workbook, pointed at the workbook's sheet and cell."""
    for name, located in cells.items():
        if problem.file != display_path(path / f"{name}.csv"):
            continue
        where = dict(row=None, field=problem.field)
        if problem.row is not None and 2 <= problem.row < len(located) + 2:
            sheet, row, columns = located[problem.row - 2]
            cell = columns.get(problem.field) or next(iter(columns.values()))
            where = dict(row=row, field=f"{sheet}!{cell}")
        message = problem.message + (f" ({name} {problem.field})" if problem.field else "")
        return Problem(display_path(path), message, hint=problem.hint,
                       severity=problem.severity, **where)
    return problem


def _checked(folder: Path, tables: dict, catalogue: pd.DataFrame,
             problems: list[Problem]) -> tuple[MirrorData | None, list[Problem]]:
    if any(p.is_error for p in problems):
        return None, problems  # cross checks on broken tables would only add noise
    form = "printed" if "value" in tables["mirror"].columns else "counts"
    tables["mirror"] = to_counts(tables["mirror"], catalogue)
    problems += _cross_problems(folder, tables, catalogue, form)
    if any(p.is_error for p in problems):
        return None, problems
    return MirrorData(folder, catalogue=catalogue, mirror_form=form, **tables), problems


def to_counts(mirror: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The mirror in the counts form: a printed-form table (value, expected_value in the
    indicator's unit) gets ``observed = value x denominator / multiplier`` and ``expected``
    likewise; its printed figures stay beside them. A counts-form table is returned as is.

    Example: antibiotica (multiplier 100) value 18.7, expected_value 16.2, denominator
    2095 -> observed 391.765, expected 339.39 (index 115.4 = 18.7 / 16.2 x 100).
    """
    if "value" not in mirror.columns:
        return mirror
    multiplier = mirror["indicator"].map(dict(zip(catalogue["id"], catalogue["multiplier"])))
    per_unit = mirror["denominator"].astype(float) / multiplier.astype(float)
    out = mirror.copy()
    out["observed"] = (mirror["value"].astype(float) * per_unit).astype("Float64")
    out["expected"] = (mirror["expected_value"].astype(float) * per_unit).astype("Float64")
    return out[["agb", "year", "indicator", "observed", "denominator", "expected",
                "value", "expected_value"]]


def _file(folder: Path, name: str) -> str:
    return display_path(find_table(folder, name) or folder / f"{name}.csv")


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) + 2 for i in mask[mask].index]


def _cross_problems(folder: Path, tables: dict, catalogue: pd.DataFrame,
                    form: str = "counts") -> list[Problem]:
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
    for name in ("mirror", "reference", "spread"):
        table = tables[name]
        unknown = ~table["indicator"].isin(known_ind)
        for ind in sorted(set(table.loc[unknown, "indicator"])):
            rows = _rows(unknown & (table["indicator"] == ind))
            problems.append(Problem(
                _file(folder, name), f"indicator '{ind}' is not in the indicator catalogue",
                row=rows[0], field="indicator",
                hint=did_you_mean(ind, known_ind) + " (or add it to indicators.yaml)",
            ))

    problems += plausibility_problems(_file(folder, "mirror"), mirror, catalogue, form)

    without = set(practices.loc[~practices["has_mirror"].astype(bool), "agb"])
    for agb in sorted(without & set(mirror["agb"])):
        problems.append(Problem(
            _file(folder, "practices"), f"practice {agb} has has_mirror=false but mirror rows",
            field="has_mirror", severity="warning",
            hint="set has_mirror to true if the practice did receive its mirror",
        ))

    problems += _standardisation_problems(  # unknown indicators are reported above
        folder, population, mirror[mirror["indicator"].isin(known_ind)], reference, form)
    return problems


def _standardisation_problems(folder, population, mirror, reference, form="counts") -> list[Problem]:
    """Every mirror value without a given expected value needs population and reference;
    without either table, each such row is named."""
    needed = mirror[mirror["expected"].isna()]
    problems = []
    absent = [name for name, table in (("population", population), ("reference", reference))
              if table.empty]
    if absent and len(needed):
        field = "expected_value" if form == "printed" else "expected"
        tables = " and ".join(f"no {name} table" for name in absent)
        for row, (ind, agb, year) in zip(_rows(mirror["expected"].isna()),
                                          needed[["indicator", "agb", "year"]].itertuples(index=False)):
            problems.append(Problem(
                _file(folder, "mirror"), f"no expected figure for {ind} of practice {agb} in "
                f"{year}, and with {tables} spiegelkit cannot compute one", row=row, field=field,
                hint=f"fill in '{field}' as the Praktijkspiegel prints it, or add "
                     + " and ".join(f"{name}.csv" for name in absent) + " for indirect standardisation",
            ))
        return problems
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
