"""YAML read safely and literally, with line numbers for error messages.

Dates stay text (no implicit timestamp conversion), so that pydantic decides what a valid
date is and a value reaches the notebook exactly as written.
"""

from __future__ import annotations

import copy
import functools
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
    """(data, node tree) of a YAML file, loaded with :class:`SafeTextLoader`.

    A text is parsed once (a batch reads the same records for every handout version);
    each caller gets its own copy of the data."""
    data, root = _parse(Path(path).read_text(encoding="utf-8"))
    return copy.deepcopy(data), root


@functools.lru_cache(maxsize=256)
def _parse(text: str):
    loader = SafeTextLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


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


def read_mapping(path: Path, file: str, unreadable_hint: str, example_hint: str):
    """(data, node tree, problems) of a YAML file that must hold a mapping.

    When it cannot be read, is not YAML or is not a mapping, data is None and the problem
    says why, at which line, and how to fix it.
    """
    from spiegelkit.inputs.problems import Problem

    try:
        data, root = read_yaml(path)
    except OSError as exc:
        return None, None, [Problem(file, f"cannot be read ({exc.strerror})", hint=unreadable_hint)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, None, [Problem(file, f"is not valid YAML ({getattr(exc, 'problem', exc)})",
                                    row=mark.line + 1 if mark else None,
                                    hint="fix the indentation or quoting at that line")]
    if not isinstance(data, dict):
        return None, None, [Problem(file, "must be a YAML mapping of keys to values",
                                    hint=example_hint)]
    return data, root, []


def validation_problems(file: str, root, exc, model, hints: dict[str, str]) -> list:
    """One Problem per pydantic error of `model`, with its line, field and a hint.

    Unknown keys get "did you mean ...?" from the fields of the (nested) model where they
    stand; a wrong choice gets the nearest valid one; `hints` maps a key to advice.
    """
    from spiegelkit.inputs.problems import Problem, choice_hint, did_you_mean

    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        field = ".".join(str(x) if isinstance(x, str) else f"[{x}]" for x in loc).replace(".[", "[")
        key = next((x for x in reversed(loc) if isinstance(x, str)), "")
        row = line_of(root, loc) if root is not None else None
        if err["type"] == "extra_forbidden":
            message = f"unknown key '{key}'"
            hint = did_you_mean(key, _model_at(model, loc[:-1]).model_fields)
        elif err["type"] == "missing":
            message, hint = f"'{key}' is missing", hints.get(key, f"add '{key}'")
        else:
            message = f"{err['msg']} (got {err.get('input')!r})"
            hint = choice_hint(err, hints.get(key, "correct the value"))
        problems.append(Problem(file, message, row=row, field=field, hint=hint))
    return problems


def _model_at(model, loc):
    """The nested pydantic model that a location inside `model` points into."""
    from pydantic import BaseModel

    for step in loc:
        if isinstance(step, str) and step in model.model_fields:
            annotation = model.model_fields[step].annotation
            model = next((a for a in (annotation, *getattr(annotation, "__args__", ()))
                          if isinstance(a, type) and issubclass(a, BaseModel)), model)
    return model
