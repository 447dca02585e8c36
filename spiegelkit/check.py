"""Check groups before anything runs: params, data and catalogue, every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spiegelkit.dataset import MirrorData, check_data
from spiegelkit.facilitation import mirror_status
from spiegelkit.meetings import load_records
from spiegelkit.params import GroupParams, load_params
from spiegelkit.problems import Problem, did_you_mean, display_path
from spiegelkit.yamlfile import line_of, read_yaml


@dataclass
class GroupCheck:
    """The outcome of checking one params file."""

    path: Path
    params: GroupParams | None
    data: MirrorData | None
    problems: list[Problem] = field(default_factory=list)
    mirrors: list = field(default_factory=list)  # facilitation.MirrorStatus per practice

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def group_id(self) -> str:
        return self.params.group_id if self.params else self.path.stem


def check_group(path: Path) -> GroupCheck:
    """Validate one group's params, its data folder, its meeting records and the group
    against the data; note per practice whether its mirror was received."""
    path = Path(path)
    params, problems = load_params(path)
    if params is None:
        return GroupCheck(path, None, None, problems)
    folder = params.data_path(path.parent)
    if not folder.is_dir():
        problems.append(Problem(
            display_path(path), f"data folder {display_path(folder)} does not exist",
            row=line_of(read_yaml(path)[1], ["data_dir"]), field="data_dir",
            hint="write data_dir relative to this params file, or 'demo' for the bundled demo data",
        ))
        return GroupCheck(path, params, None, problems)
    data, data_problems = check_data(folder)
    problems += data_problems
    problems += load_records(path.parent, params)[1]
    if data is not None:
        problems += _group_problems(path, params, data)
    mirrors = mirror_status(params, data) if data is not None else []
    return GroupCheck(path, params, data, problems, mirrors)


def check_groups(paths: list[Path]) -> list[GroupCheck]:
    return [check_group(p) for p in paths]


def _group_problems(path: Path, params: GroupParams, data: MirrorData) -> list[Problem]:
    file = display_path(path)
    root = read_yaml(path)[1]
    practices = data.practices.set_index("agb")
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
        years = set(data.mirror.loc[data.mirror["agb"] == entry.agb, "year"])
        if params.data_year not in years:
            problems.append(Problem(
                file, f"practice {entry.agb} has no mirror values for data year "
                f"{params.data_year} (years present: {', '.join(map(str, sorted(years))) or 'none'})",
                **where, hint="choose a data_year that the mirrors cover, or add the data",
            ))
    problems += _option_problems(file, root, params, data)
    return problems


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
