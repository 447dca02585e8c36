"""One group, loaded once: its params file, validated params, data folder and meeting records.

:func:`load_group` reads everything a group is made of and collects every problem (it never
raises for bad input); :func:`open_group` does the same but raises :class:`InputError` when
anything is wrong. The records are those beside the params file
(``meetings/<group_id>/meeting-<n>.yaml``), wherever the params file lives, and
:meth:`Group.input_files` names every file the group is made from: ``spiegelkit check``
shows them and the batch manifest digests them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fnmatch
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from spiegelkit import dutch
from spiegelkit.inputs.dataset import DATA_KEPT, MirrorData, check_data, data_files, is_workbook
from spiegelkit.inputs.meetings import MeetingRecord, default_params_dir, load_records, meetings_dir
from spiegelkit.inputs.organisation import Organisation, default_organisation, load_organisation
from spiegelkit.inputs.params import GroupParams, load_params
from spiegelkit.inputs.problems import InputError, Problem, did_you_mean, display_path
from spiegelkit.inputs.yamlfile import line_of, read_yaml


@dataclass(frozen=True, eq=False)
class Group:
    """Everything one group is made of, read once. ``params`` is None when the params file
    is unusable, ``data`` when the data folder is; ``problems`` says why."""

    path: Path  # the params file
    params: GroupParams | None
    data: MirrorData | None
    records: list[MeetingRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # all, those of the records included
    record_problems: list[Problem] = field(default_factory=list)
    #: The insurer and the ROS (the params' ``organisation`` file, else the kit's default).
    organisation: Organisation = field(default_factory=default_organisation)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def group_id(self) -> str:
        return self.params.group_id if self.params else self.path.stem

    @property
    def folder(self) -> Path:
        """The folder of the params file: data_dir and meetings/ are relative to it."""
        return self.path.parent

    @property
    def mirrors(self) -> list[MirrorStatus]:
        return mirror_status(self.params, self.data) if self.params and self.data else []

    def with_focus(self, agb: str | None) -> "Group":
        """The same group for the version of one practice (None: the group handout)."""
        return dataclasses.replace(self, params=self.params.model_copy(update={"focus_agb": agb}))

    def input_files(self) -> dict[str, Path]:
        """Every file this group's handout is made from, by a stable name: the params file,
        the data folder's tables and catalogue, the meeting records and the organisation file
        the params name."""
        files = {"params": self.path}
        if self.params is None:
            return files
        if self.params.organisation:
            files["organisation"] = self.params.organisation_path(self.folder)
        folder = self.params.data_path(self.folder)
        if folder.is_dir() or is_workbook(folder):
            files.update({f"data/{name}": path for name, path in data_files(folder).items()})
        records = meetings_dir(self.folder, self.params.group_id)
        files.update({f"meetings/{p.name}": p for p in sorted(records.glob("*.yaml"))})
        return files


def load_group(path: Path, with_data: bool = True) -> Group:
    """Read and check one group: params, data folder, meeting records, and the params against
    the data. Every problem is collected, with file, row and field. Without `with_data` the
    data folder is neither read nor checked (``data`` is None): what the year's obligations
    need of the other groups of a folder."""
    path = Path(path)
    params, problems = load_params(path)
    if params is None:
        return Group(path, None, None, [], problems)
    organisation, organisation_problems = _organisation(path, params)
    problems += organisation_problems
    # a broken organisation file makes the group not ok; everything else is still checked
    organisation = organisation or default_organisation()
    if not with_data:
        records, record_problems = load_records(path.parent, params)
        return Group(path, params, None, records, problems + record_problems, record_problems,
                     organisation)
    folder = params.data_path(path.parent)
    if not folder.is_dir() and not is_workbook(folder):
        problems.append(Problem(
            display_path(path), f"data folder {display_path(folder)} does not exist",
            row=line_of(read_yaml(path)[1], ["data_dir"]), field="data_dir",
            hint="write data_dir relative to this params file (a folder, or a filled intake "
                 "workbook .xlsx), or 'demo' for the bundled demo data",
        ))
        return Group(path, params, None, [], problems, organisation=organisation)
    data, data_problems = check_data(folder)
    problems += data_problems
    records, record_problems = load_records(path.parent, params)
    problems += record_problems
    if data is not None:
        problems += _against_data(path, params, data)
        problems += zero_expected_problems(data, {p.agb for p in params.practices})
    return Group(path, params, data, records, problems, record_problems, organisation)


def _organisation(path: Path, params: GroupParams) -> tuple[Organisation | None, list[Problem]]:
    """The group's organisation file, its problems pointing at the params' ``organisation`` key."""
    if not params.organisation:
        return default_organisation(), []
    target = params.organisation_path(path.parent)
    if not target.is_file():
        return None, [Problem(
            display_path(path), f"organisation file {display_path(target)} does not exist",
            row=line_of(read_yaml(path)[1], ["organisation"]), field="organisation",
            hint="write the organisation file relative to this params file, or leave the key out "
                 "for the kit's default (spiegelkit/data/organisation.yaml)")]
    return load_organisation(target)


def open_group(path: Path, focus_agb: str | None = None) -> Group:
    """Like :func:`load_group`, but raises :class:`InputError` listing every error.

    The group is read once per state of its files (:func:`current_group`): the handout
    versions of a group, made one after the other in one kernel, share one load."""
    group = current_group(path)
    if not group.ok:
        raise InputError([p for p in group.problems if p.is_error])
    return group.with_focus(focus_agb) if focus_agb else group


GROUPS_KEPT = 4
_current: dict[tuple[Path, Path], tuple[tuple, Group]] = {}


def current_group(path: Path) -> Group:
    """:func:`load_group` of `path`, read again only when one of the group's input files
    (:meth:`Group.input_files`) changed, appeared or went since it was last read."""
    key = (Path(path), Path(path).resolve())  # the path as given stays in the problems
    kept = _current.get(key)
    if kept is not None and _stamp(kept[1].input_files().values()) == kept[0]:
        return kept[1]
    group = load_group(Path(path))
    if len(_current) >= GROUPS_KEPT:
        del _current[next(iter(_current))]
    _current[key] = (_stamp(group.input_files().values()), group)
    return group


def _stamp(files) -> tuple:
    stamp = []
    for file in files:
        try:
            info = Path(file).stat()
        except OSError:
            info = None
        stamp.append((str(file), info and (info.st_mtime_ns, info.st_size)))
    return tuple(stamp)


def group_from_params(params: GroupParams, folder: Path | None = None) -> Group:
    """A group given by its values instead of a file (a notebook run without ``params_file``):
    its data folder relative to the working directory, its records from
    ``<folder>/meetings/<group_id>/`` (default: :func:`default_params_dir`)."""
    folder = Path(folder or default_params_dir())
    data, problems = check_data(params.data_path())
    if data is None:
        raise InputError(problems)
    records, record_problems = load_records(folder, params)
    organisation, organisation_problems = load_organisation(params.organisation_path(folder))
    if organisation is None:
        raise InputError(organisation_problems)
    return Group(folder / f"{params.group_id}.yaml", params, data, records,
                 problems + record_problems, record_problems, organisation)


def load_groups(folder: Path) -> list[Group]:
    """Every group whose params file is in `folder` (``*.yaml``) with its meeting records but
    without its data (:func:`load_group` ``with_data=False``): what the year's obligations are
    counted from. Read once per state of the folder's files: the versions of a group and the
    groups of a batch share them, and a national folder of 1,280 groups costs seconds and
    little memory, not every region's data."""
    folder = Path(folder)
    if _held is not None and folder in _held:
        return _held[folder]
    params = _folder_stamp(folder, "*.yaml")
    records = tuple((sub.name, *file) for sub in _subfolders(folder / "meetings")
                    for file in _folder_stamp(sub, "*.yaml"))
    groups = _load_groups(str(folder), len(params), params + records)
    if _held is not None:
        _held[folder] = groups
    return groups


_held: dict[Path, list[Group]] | None = None


@contextlib.contextmanager
def folders_held():
    """Within it, :func:`load_groups` looks at each folder once and gives the groups of that
    moment: for the handouts of one group made one right after the other (a batch's
    versions), which all count the year's obligations from the same folder. Looking is
    statting every params file, some 8 ms per handout in a national folder."""
    global _held
    outer = _held
    _held = {} if outer is None else outer
    try:
        yield
    finally:
        _held = outer


def _folder_stamp(folder: Path, pattern: str) -> tuple:
    """(name, mtime, size) of the files in `folder` matching `pattern`, sorted by name: the
    state of a folder of 1,280 params files in milliseconds (each handout asks for it)."""
    try:
        with os.scandir(folder) as entries:
            found = [(e.name, e.stat()) for e in entries
                     if fnmatch.fnmatchcase(e.name, pattern) and e.is_file()]
    except OSError:
        return ()
    return tuple(sorted((name, info.st_mtime_ns, info.st_size) for name, info in found))


def _subfolders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir())
    except OSError:
        return []


@functools.lru_cache(maxsize=16)
def _load_groups(folder: str, count: int, stamp: tuple) -> list[Group]:
    """The groups of the first `count` entries of `stamp` (the params files)."""
    return [load_group(Path(folder) / name, with_data=False) for name, *_ in stamp[:count]]


def practice_names(params: GroupParams, data: MirrorData | None) -> dict[str, str]:
    """Each practice's real name (its AGB code when the data do not know it).

    Attendance lists and reports are signed records for the insurer, so they always use
    real names, also when the handout pseudonymises the figures.
    """
    names = {} if data is None else dict(zip(data.practices["agb"], data.practices["name"]))
    return {p.agb: str(names.get(p.agb, p.agb)) for p in params.practices}


def _against_data(path: Path, params: GroupParams, data: MirrorData) -> list[Problem]:
    """The group's practices and options against its data folder and catalogue."""
    file = display_path(path)
    root = read_yaml(path)[1]
    practices, mirror_years = _practice_facts(data)
    problems = []
    for i, entry in enumerate(params.practices):
        where = dict(row=line_of(root, ["practices", i, "agb"]), field=f"practices[{i}].agb")
        if entry.agb not in practices.index:
            problems.append(Problem(
                file, f"practice {entry.agb} is not in the data "
                f"({display_path(data.folder)}/practices)", **where,
                hint=did_you_mean(entry.agb, practices.index) + " or add the practice to the data",
            ))
            continue
        if not practices.at[entry.agb, "has_mirror"]:
            problems.append(Problem(
                file, f"practice {entry.agb} ({practices.at[entry.agb, 'name']}) has no mirror; "
                "it takes part without figures", severity="warning", **where,
            ))
            continue
        years = mirror_years.get(entry.agb, set())
        if params.data_year not in years:
            problems.append(Problem(
                file, f"practice {entry.agb} has no mirror values for data year "
                f"{params.data_year} (years present: {', '.join(map(str, sorted(years))) or 'none'})",
                **where, hint="choose a data_year that the mirrors cover, or add the data",
            ))
    return problems + _option_problems(file, root, params, data)


def zero_expected_problems(data: MirrorData, agbs: set[str] | None = None) -> list[Problem]:
    """Mirror values whose standardised expected value would be 0 (no patients in the
    population, or national rates of 0): the index cannot be computed, so check says so
    before a run fails on it. Only those of the practices `agbs` (None: all) and those of an
    indicator as a whole; worked out once per data, shared by the groups of a region."""
    return [problem for agb, problem in _zero_expected(data)
            if agbs is None or agb is None or agb in agbs]


@functools.lru_cache(maxsize=DATA_KEPT)
def _zero_expected(data: MirrorData) -> tuple[tuple[str | None, Problem], ...]:
    from spiegelkit.inputs.tables import find_table, rows_text

    def file_of(name):
        return display_path(find_table(data.folder, name) or data.folder / f"{name}.csv")

    mirror = data.mirror.reset_index().rename(columns={"index": "position"})
    needed = mirror[mirror["expected"].isna()]
    if needed.empty or data.population.empty or data.reference.empty:
        return ()
    population = data.population[["agb", "year", "age_band", "sex", "patients"]]
    totals = population.groupby(["agb", "year"])["patients"].sum()
    rates = data.reference.groupby(["indicator", "year"])["rate"].sum()
    expected = expected_sums(population, data.reference)
    keys = pd.MultiIndex.from_arrays([needed["agb"], needed["year"], needed["indicator"]])
    zero = needed[expected.reindex(keys).fillna(0).to_numpy() <= 0]
    problems, seen = [], set()
    for row in zero.itertuples():
        key = (row.agb, row.year)
        if totals.get(key, 0) <= 0:
            if key in seen:
                continue
            seen.add(key)
            rows = [int(p) + 2 for p in zero.loc[(zero["agb"] == row.agb)
                                                 & (zero["year"] == row.year), "position"]]
            problems.append((row.agb, Problem(
                file_of("population"), f"practice {row.agb} has 0 patients in {row.year} in every "
                f"age band, so the expected values of its mirror ({file_of('mirror')}, "
                f"{rows_text(rows)}) are 0 and no index can be computed", field="patients",
                hint="fill in the practice's patients by age band and sex, or give the expected "
                     "values in the mirror table's 'expected' column")))
        elif rates.get((row.indicator, row.year), 0) <= 0:
            if (row.indicator, row.year) in seen:
                continue
            seen.add((row.indicator, row.year))
            problems.append((None, Problem(
                file_of("reference"), f"every national rate of '{row.indicator}' in {row.year} is "
                "0, so its expected values are 0 and no index can be computed", field="rate",
                hint="fill in the national rates from the source, or give the expected values "
                     "in the mirror table")))
        else:
            problems.append((row.agb, Problem(
                file_of("mirror"), f"the expected value of '{row.indicator}' for practice "
                f"{row.agb} in {row.year} comes to 0: the practice has no patients in the age "
                "bands where this indicator occurs", row=int(row.position) + 2, field="expected",
                hint="give the expected value from the source in the 'expected' column")))
    return tuple(problems)


def expected_sums(population: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """Per (agb, year, indicator): the sum over age band and sex of the practice's patients
    times the national rate, as a check needs it (is it 0?), for every practice and indicator
    of a year at once: a matrix product of patients and rates by stratum, not a join of every
    mirror row with its 38 strata (nearly a million rows in a region of 125 practices).
    The figures a handout prints come from the method itself,
    :func:`spiegelkit.stats.ratios.indirectly_standardised_expected`; the tests hold the two
    to the same sums."""
    strata = ["age_band", "sex"]
    patients = population.pivot_table(index=["year", "agb"], columns=strata, values="patients",
                                      aggfunc="sum", fill_value=0, observed=True)
    rates = reference.pivot_table(index=["year", "indicator"], columns=strata, values="rate",
                                  aggfunc="sum", fill_value=0, observed=True)
    agbs, years, indicators, sums = [], [], [], []
    for year in patients.index.get_level_values("year").unique():
        if year not in rates.index.get_level_values("year"):
            continue
        p, r = patients.xs(year, level="year"), rates.xs(year, level="year")
        common = p.columns.intersection(r.columns)
        product = p[common].to_numpy(float) @ r[common].to_numpy(float).T  # agb x indicator
        agbs.append(np.repeat(p.index.to_numpy(), len(r.index)))
        indicators.append(np.tile(r.index.to_numpy(), len(p.index)))
        years.append(np.full(product.size, year))
        sums.append(product.ravel())
    if not sums:
        return pd.Series([], index=pd.MultiIndex.from_arrays([[], [], []]), dtype=float)
    return pd.Series(np.concatenate(sums), index=pd.MultiIndex.from_arrays(
        [np.concatenate(agbs), np.concatenate(years), np.concatenate(indicators)]))


@functools.lru_cache(maxsize=DATA_KEPT)
def _practice_facts(data: MirrorData) -> tuple[pd.DataFrame, dict[str, set]]:
    """The practices by AGB code and each practice's mirror years, once per data: the
    groups of one data folder (a region of a national batch) are checked against the same."""
    years = {agb: set(part) for agb, part in data.mirror.groupby("agb", sort=False)["year"]}
    return data.practices.set_index("agb"), years


def _option_problems(file: str, root, params: GroupParams, data: MirrorData) -> list[Problem]:
    """Pinned and dropped talking points must name indicators of the catalogue."""
    known = set(data.catalogue["id"])
    problems = []
    for key in ("pinned", "dropped"):
        for i, indicator in enumerate(getattr(params.options, key)):
            if indicator not in known:
                problems.append(Problem(
                    file, f"indicator '{indicator}' is not in the indicator catalogue",
                    row=line_of(root, ["options", key, i]), field=f"options.{key}[{i}]",
                    hint=did_you_mean(indicator, known),
                ))
    agbs = [p.agb for p in params.practices]
    if params.focus_agb and params.focus_agb not in agbs:
        problems.append(Problem(
            file, f"focus_agb {params.focus_agb} is not one of the group's practices",
            row=line_of(root, ["focus_agb"]), field="focus_agb",
            hint="leave focus_agb empty for the group handout, or name a practice of the group",
        ))
    return problems


# --- whose mirror has arrived ---------------------------------------------------------------

@dataclass(frozen=True)
class MirrorStatus:
    """Whether a practice's mirror has been received, and for which data years."""

    agb: str
    name: str
    in_data: bool
    has_mirror: bool
    years: tuple[int, ...]
    data_year: int
    cutoff: dt.date | None = None

    @property
    def received(self) -> bool:
        return self.has_mirror and bool(self.years)

    @property
    def has_data_year(self) -> bool:
        return self.data_year in self.years

    @property
    def text_nl(self) -> str:
        """The status in Dutch, for the invitation and the handout."""
        if self.in_data and not self.has_mirror:
            when = f" ({dutch.date(self.cutoff)})" if self.cutoff else ""
            return f"geen spiegel: praktijk overgenomen na de peildatum{when}; doet mee zonder cijfers"
        if not self.received:
            return "nog niet ontvangen"
        if not self.has_data_year:
            return (f"ontvangen, maar zonder cijfers over {self.data_year} "
                    f"(wel over {_years_text(self.years, '–')})")
        return f"ontvangen: cijfers over {_years_text(self.years, '–')}"

    def __str__(self) -> str:
        if self.in_data and not self.has_mirror:
            when = f" {self.cutoff}" if self.cutoff else ""
            return f"no mirror (taken over after the cut-off date{when}): takes part without figures"
        if not self.received:
            return "mirror not received (no mirror rows in the data)"
        if not self.has_data_year:
            return (f"mirror received, but no figures for data year {self.data_year} "
                    f"(years present: {_years_text(self.years, '-')})")
        return f"mirror received, data year {self.data_year} (years {_years_text(self.years, '-')})"


def _years_text(years, dash: str) -> str:
    years = sorted(years)
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}{dash}{years[-1]}"
    return ", ".join(map(str, years))


def mirror_status(params: GroupParams, data: MirrorData) -> list[MirrorStatus]:
    """Per practice of the group: is its mirror in the data folder, and for which years."""
    practices = data.practices.set_index("agb")
    names = practice_names(params, data)
    statuses = []
    for entry in params.practices:
        in_data = entry.agb in practices.index
        years = data.mirror.loc[data.mirror["agb"] == entry.agb, "year"]
        statuses.append(MirrorStatus(
            entry.agb, names[entry.agb], in_data,
            bool(practices.at[entry.agb, "has_mirror"]) if in_data else False,
            tuple(sorted(int(y) for y in set(years))), params.data_year, params.mirror_cutoff))
    return statuses
