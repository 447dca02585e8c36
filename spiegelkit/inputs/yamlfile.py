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


MAX_YAML_BYTES = 2 ** 20  # a params file or meeting record is a few kB
MAX_DEPTH = 20  # nesting levels: params and records need 5
MAX_NODES = 20_000  # values after aliases are expanded ("billion laughs" is 10^9)


class YAMLLimitError(yaml.YAMLError):
    """A YAML file beyond a limit (nesting, expansion); says where, like PyYAML's errors."""

    def __init__(self, problem: str, mark, hint: str):
        super().__init__(problem)
        self.problem, self.problem_mark, self.context_mark, self.hint = problem, mark, None, hint


class LimitedLoader(SafeTextLoader):
    """:class:`SafeTextLoader` that refuses nesting deeper than :data:`MAX_DEPTH` while
    composing (deep nesting would exhaust Python's recursion)."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YAMLLimitError(f"nests deeper than {MAX_DEPTH} levels",
                                     self.peek_event().start_mark,
                                     "a params file, record or catalogue needs a few levels: "
                                     "check the indentation and the brackets")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_text(path: Path, limit: int | None = None, kind: str = "YAML file") -> str:
    """The text of a YAML file; :class:`~spiegelkit.inputs.textfile.UnreadableText` when
    it is empty, too large or in no known encoding."""
    from spiegelkit.inputs.textfile import read_text as read_text_file

    return read_text_file(path, limit or MAX_YAML_BYTES, kind)[0]


def read_yaml(path: Path, limit: int | None = None, max_nodes: int | None = None):
    """(data, node tree) of a YAML file, loaded with :class:`LimitedLoader`.

    A text is parsed once (a batch reads the same records for every handout version);
    each caller gets its own copy of the data."""
    data, root = parse(read_text(path, limit), max_nodes or MAX_NODES)
    return copy.deepcopy(data), root


@functools.lru_cache(maxsize=256)
def parse(text: str, max_nodes: int = MAX_NODES):
    """(data, node tree) of a YAML text, within the limits; raises yaml.YAMLError."""
    loader = LimitedLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root, max_nodes)
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


def _check_expansion(root, max_nodes: int) -> None:
    """Refuse a tree whose aliases expand it beyond `max_nodes` values, or that holds itself."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise YAMLLimitError("holds an alias that refers to itself", node.start_mark,
                                 "remove the anchor (&) and alias (*): write the values out")
        on_path.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        on_path.discard(key)
        sizes[key] = total
        if total > max_nodes:
            raise YAMLLimitError(f"expands to more than {max_nodes:,} values through its "
                                 "aliases (*name)".replace(",", "."), node.start_mark,
                                 "write the values out instead of repeating them with anchors "
                                 "(&) and aliases (*); this file looks made to stall a program")
        return total

    size(root)


def _unclosed_quote_line(mark) -> int | None:
    """The first line before the fault whose value opens a double quote and does not close it."""
    buffer = getattr(mark, "buffer", None) if mark is not None else None
    if not isinstance(buffer, str):
        return None
    lines = buffer.split("\n")[:mark.line + 1]
    for number, line in enumerate(lines[:-1] if len(lines) > 1 else lines, start=1):
        text = line.split(" #", 1)[0]
        if text.replace('\\"', "").count('"') % 2:
            return number
    return None


def yaml_error_problem(file: str, exc: yaml.YAMLError, what: str = "is not valid YAML"):
    """A Problem for a YAML syntax error or limit, at the line where the fault is."""
    from spiegelkit.inputs.problems import Problem

    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    hint = getattr(exc, "hint", "fix the indentation or quoting at that line")
    if isinstance(exc, YAMLLimitError):
        what = "is refused"
    if context and context_mark is not None and "quoted scalar" in context:
        # an unclosed quote: the fault is where the text starts, not where the file ends
        mark, hint = context_mark, "close the quote that opens on this line"
    elif context and context_mark is not None and "flow" in context:
        mark, hint = context_mark, "close the bracket ([ or {) that opens on this line"
    elif isinstance(exc, yaml.parser.ParserError) and _unclosed_quote_line(mark) is not None:
        # a quote left open runs on into the next lines: the parser stumbles further down
        line = _unclosed_quote_line(mark)
        return Problem(file, f"{what} (a quote opens on this line and is not closed on it)",
                       row=line, hint="close the quote that opens on this line; PyYAML stopped "
                                      f"at line {mark.line + 1}: {problem}")
    elif "\t" in problem or "'\\t'" in problem:
        hint = "indent with spaces, not tabs"
    elif context and context_mark is not None and mark is not None \
            and context_mark.line != mark.line:
        problem += f" ({context} at line {context_mark.line + 1})"
    return Problem(file, f"{what} ({problem})", row=mark.line + 1 if mark else None, hint=hint)


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

    from spiegelkit.inputs.textfile import UnreadableText

    if not Path(path).exists():
        return None, None, [Problem(file, "does not exist", hint=unreadable_hint)]
    try:
        data, root = read_yaml(path)
    except OSError as exc:
        return None, None, [Problem(file, f"cannot be read ({exc.strerror})", hint=unreadable_hint)]
    except UnreadableText as exc:
        return None, None, [Problem(file, exc.message, hint=exc.hint)]
    except yaml.YAMLError as exc:
        return None, None, [yaml_error_problem(file, exc)]
    except (RecursionError, MemoryError) as exc:  # limits should stop this first
        return None, None, [Problem(file, f"is too deeply nested or too large to read "
                                    f"({type(exc).__name__})", hint="check the file")]
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
