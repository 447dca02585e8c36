"""Problems found in user input, collected and reported all at once.

Every loader in spiegelkit returns or raises *all* problems it finds, each naming the
file, the row and the field, with a hint on how to fix it (the OpenPrescribing and
ploomber habit). Rows are counted as a spreadsheet or text editor shows them: the
header of a CSV/XLSX table is row 1; in YAML the row is the line number.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from spiegelkit.errors import SpiegelkitError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    file: str
    message: str
    row: int | None = None
    field: str | None = None
    hint: str = ""
    severity: str = "error"  # "error" stops the group; "warning" is reported only

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = f"{self.severity}: {', '.join(where)}: {self.message}"
        if self.hint:
            text += f"\n    how to fix: {self.hint}"
        return text


class InputError(SpiegelkitError):
    """Raised with every problem found, so that the user can fix them in one go."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(
            f"{len(errors)} problem(s) in the input:\n" + "\n".join(str(p) for p in errors)
        )


def raise_for_errors(problems: list[Problem]) -> None:
    """Raise :class:`InputError` if any problem is an error (warnings pass)."""
    if any(p.is_error for p in problems):
        raise InputError(problems)


def did_you_mean(word: str, choices) -> str:
    """A 'did you mean ...?' hint for a near-miss name, or a list of valid names."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.55)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(choices) > 12:
        return f"none of the {len(choices)} known names is close"
    return "valid names are: " + ", ".join(f"'{c}'" for c in choices)


def choice_hint(err: dict, fallback: str = "correct the value") -> str:
    """For a pydantic error on a fixed set of choices: the nearest valid choice."""
    if err["type"] == "literal_error":
        expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
        if expected:
            return did_you_mean(err.get("input"), expected)
    return fallback


def display_path(path: Path | str) -> str:
    """A path as the user typed it: relative to the working directory where possible."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
