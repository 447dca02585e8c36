"""Check groups before anything runs: params, data and catalogue, every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spiegelkit.dataset import MirrorData, check_data
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

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def group_id(self) -> str:
        return self.params.group_id if self.params else self.path.stem


def check_group(path: Path) -> GroupCheck:
    """Validate one group's params, its data folder and the group against the data."""
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
    if data is not None:
        problems += _group_problems(path, params, data)
    return GroupCheck(path, params, data, problems)


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
    return problems
