"""Check groups before anything runs: params, data, catalogue and records, every problem at once.

A thin layer over :func:`spiegelkit.inputs.group.load_group`: ``spiegelkit check`` and
``spiegelkit run`` see the same :class:`~spiegelkit.inputs.group.Group`.
"""

from __future__ import annotations

from pathlib import Path

import dataclasses

from spiegelkit.inputs.group import Group, load_group
from spiegelkit.inputs.problems import Problem, display_path


def check_group(path: Path) -> Group:
    """Validate one group's params, its data folder, its meeting records and the group
    against the data; ``.mirrors`` says per practice whether its mirror was received.

    A group that passes is also computed once (its comparison, as the handout does), so
    that whatever would stop ``spiegelkit run`` is reported here."""
    try:
        group = load_group(path)
    except Exception as exc:  # a fault no loader foresaw: still an answer, never a traceback
        return Group(Path(path), None, None, [], [Problem(
            display_path(path), f"cannot be checked ({type(exc).__name__}: {exc})",
            hint="please report this with the file; meanwhile look for an unusual value")])
    if group.ok:
        problem = _dry_run(group)
        if problem is not None:
            return dataclasses.replace(group, problems=[*group.problems, problem])
    return group


def _dry_run(group: Group) -> Problem | None:
    """Compute the group's figures as the handout does (its comparison and the region's, where
    a bad value makes the statistics fail; a tenth of a second per group)."""
    from spiegelkit.analysis.compare import compare_group, compare_region

    params = group.params
    try:
        compare_group(group.data, params)
        compare_region(group.data, params.data_year, params.options.confidence)
    except Exception as exc:
        return Problem(display_path(group.data.folder), "the figures cannot be computed from "
                       f"these data ({type(exc).__name__}: {exc})",
                       hint="look for a value of 0 or an extreme value in the tables; "
                            "spiegelkit run would fail on this group")
    return None


def check_groups(paths: list[Path]) -> list[Group]:
    return [check_group(p) for p in paths]
