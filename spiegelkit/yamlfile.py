"""YAML read safely and literally, with line numbers for error messages.

Dates stay text (no implicit timestamp conversion), so that pydantic decides what a valid
date is and a value reaches the notebook exactly as written.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class SafeTextLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without the implicit date/timestamp resolver."""


SafeTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path):
    """(data, node tree) of a YAML file, loaded with :class:`SafeTextLoader`."""
    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=SafeTextLoader), yaml.compose(text, Loader=SafeTextLoader)


def line_of(node, path) -> int | None:
    """Line number (1-based) of the key or item at `path` in a composed YAML tree.

    Falls back to the deepest part of the path that exists, so that a missing key is
    reported at the mapping that should hold it.
    """
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line
