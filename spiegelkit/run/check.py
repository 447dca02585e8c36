"""Check groups before anything runs: params, data, catalogue and records, every problem at once.

A thin layer over :func:`spiegelkit.inputs.group.load_group`: ``spiegelkit check`` and
``spiegelkit run`` see the same :class:`~spiegelkit.inputs.group.Group`.
"""

from __future__ import annotations

from pathlib import Path

from spiegelkit.inputs.group import Group, load_group

def check_group(path: Path) -> Group:
    """Validate one group's params, its data folder, its meeting records and the group
    against the data; ``.mirrors`` says per practice whether its mirror was received."""
    return load_group(path)


def check_groups(paths: list[Path]) -> list[Group]:
    return [check_group(p) for p in paths]
