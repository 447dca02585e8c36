"""Group params: one YAML file per group in ``params/``, validated with pydantic.

The same keys are the parameters cell of ``notebooks/group_mirror.ipynb``, so a params
file works with ``spiegelkit run`` and with plain ``papermill -f``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spiegelkit.inputs.problems import Problem, display_path
from spiegelkit.inputs.yamlfile import line_of, read_mapping, validation_problems
from spiegelkit.paths import DEFAULT_ORGANISATION, DEMO_DATA

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
GROUP_TYPES = {"hagro": "hagro", "fto": "FTO-groep", "dto": "DTO-groep", "zorggroep": "zorggroep"}
MIN_PRACTICES, MAX_PRACTICES = 3, 5
MAX_PEOPLE = 10  # participants and facilitators together
MIN_MINUTES, MAX_MINUTES = 90, 120  # a meeting lasts 1.5 to 2 hours


class PracticeEntry(BaseModel):
    """A practice taking part in the group, with the facilitator's note about it."""

    model_config = ConfigDict(extra="forbid")

    agb: str = Field(pattern=r"^\d{8}$", description="AGB code, 8 digits as text")
    note: str = Field("", description="known explanation, e.g. 'Verpleeghuis in de wijk'")
    participants: list[str] = Field([], description="names of the people expected at the meeting")


class Options(BaseModel):
    """Choices for the analysis and the handout."""

    model_config = ConfigDict(extra="forbid")

    confidence: Literal[0.95, 0.998] = 0.95
    pseudonymise: bool = False
    talking_points: int = Field(4, ge=3, le=5, description="how many talking points to preselect")
    pinned: list[str] = Field([], description="indicator ids always discussed, in this order")
    dropped: list[str] = Field([], description="indicator ids never preselected")
    significance: Literal["overdispersion", "poisson"] = Field("overdispersion", description=(
        "what the marks test: 'overdispersion' against the real spread between practices "
        "(Spiegelhalter), 'poisson' against chance alone (overstates differences)"))


class AgendaItem(BaseModel):
    """One item of a hand-written agenda (replaces the generated one)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    minutes: int = Field(ge=1, le=MAX_MINUTES)
    note: str = ""


class GroupParams(BaseModel):
    """Everything that defines one group's meeting and its handout."""

    model_config = ConfigDict(extra="forbid")

    group_id: str = Field(pattern=SLUG, max_length=64)
    group_name: str = Field(min_length=1)
    group_type: Literal[tuple(GROUP_TYPES)] = "hagro"  # type: ignore[valid-type]
    meeting_number: int = Field(ge=1, le=99)
    meeting_date: dt.date
    data_year: int = Field(ge=2000, le=2100)
    data_dir: str = "demo"
    facilitators: list[str] = []
    practices: list[PracticeEntry] = Field(min_length=1)
    options: Options = Options()
    focus_agb: str | None = Field(None, pattern=r"^\d{8}$", description=(
        "AGB code of the practice a per-practice handout is for (spiegelkit run sets it); "
        "empty for the group handout"))
    mirror_cutoff: dt.date | None = None  # practices taken over after this date have no mirror
    agenda: list[AgendaItem] = []  # empty: generated from the talking points
    organisation: str | None = None  # insurer and ROS file, relative to this file; None: the kit's default

    @classmethod
    def from_namespace(cls, namespace: dict) -> "GroupParams":
        """Build from a notebook's variables (the parameters cell and papermill's injection)."""
        return cls.model_validate({k: namespace[k] for k in cls.model_fields if k in namespace})

    def data_path(self, base: Path | None = None) -> Path:
        """The data folder: the bundled demo data, or `data_dir` relative to `base`."""
        if self.data_dir == "demo":
            return DEMO_DATA
        path = Path(self.data_dir).expanduser()
        return path if path.is_absolute() else (base or Path.cwd()) / path

    def organisation_path(self, base: Path | None = None) -> Path:
        """The organisation file (insurer and ROS): `organisation` relative to `base`, or the
        kit's default (:data:`spiegelkit.paths.DEFAULT_ORGANISATION`)."""
        if not self.organisation:
            return DEFAULT_ORGANISATION
        path = Path(self.organisation).expanduser()
        return path if path.is_absolute() else (base or Path.cwd()) / path

    def notebook_parameters(self, base: Path | None = None) -> dict:
        """Parameters for papermill: plain JSON values, data folder and organisation file
        made absolute."""
        values = self.model_dump(mode="json")
        if self.data_dir != "demo":
            values["data_dir"] = str(self.data_path(base).resolve())
        if self.organisation:
            values["organisation"] = str(self.organisation_path(base).resolve())
        return values


HINTS = {
    "group_id": "use lowercase letters, digits and hyphens only, e.g. 'hagro-amstelveen' "
                "(it becomes a folder name)",
    "meeting_date": "write the date as \"2026-03-12\" (year-month-day, in quotes)",
    "agb": "write the AGB code as 8 digits in quotes, e.g. \"01001234\" (without quotes YAML "
           "reads it as a number and the leading zero is lost)",
    "confidence": "use 0.95 or 0.998",
    "significance": "use overdispersion (the default: against the real spread between "
                    "practices) or poisson (chance alone)",
    "group_type": "use one of: " + ", ".join(GROUP_TYPES),
    "practices": "list the practices under 'practices:', each as '- agb: \"01001234\"'",
    "mirror_cutoff": "write the date as \"2014-01-01\" (year-month-day, in quotes)",
    "minutes": "give the minutes of the agenda item as a whole number, e.g. 15",
}


def load_params(path: Path) -> tuple[GroupParams | None, list[Problem]]:
    """Read and validate one params file; every problem comes back with its line."""
    file = display_path(path)
    data, root, problems = read_mapping(path, file, unreadable_hint="check the path of the params file",
                                        example_hint="see params/ for an example group")
    if data is None:
        return None, problems
    try:
        params = GroupParams.model_validate(data)
    except ValidationError as exc:
        return None, validation_problems(file, root, exc, GroupParams, HINTS)
    return params, group_rule_problems(params, file, root)


@dataclass(frozen=True)
class RuleBreak:
    """A rule of a good meeting that a group or its agenda does not meet."""

    field: str  # the params key it concerns
    message: str  # for spiegelkit check (English)
    hint: str
    dutch: str  # for the agenda and the handout


def duration_nl(minutes: int) -> str:
    """``105`` -> ``'1 uur en 45 minuten'``."""
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours} uur"] if hours else []) + ([f"{rest} minuten"] if rest else [])
    return " en ".join(parts) or "0 minuten"


def people_count(params: GroupParams) -> int:
    """Participants and facilitators together."""
    return sum(len(p.participants) for p in params.practices) + len(params.facilitators)


def group_rule_breaks(params: GroupParams, minutes: int | None = None) -> list[RuleBreak]:
    """The rules of a good meeting (3-5 practices, at most 10 people, 1.5-2 hours) that this
    group breaks; `minutes` is the agenda's length (None: not judged)."""
    breaks = []
    n = len(params.practices)
    if not MIN_PRACTICES <= n <= MAX_PRACTICES:
        breaks.append(RuleBreak(
            "practices", f"the group has {n} practices; a spiegelbijeenkomst works best with "
                         f"{MIN_PRACTICES} to {MAX_PRACTICES}",
            "with fewer, comparisons say little; with more, the meeting cannot discuss each practice",
            f"De groep telt {n} praktijken; een spiegelbijeenkomst werkt het best met "
            f"{MIN_PRACTICES} tot {MAX_PRACTICES} praktijken."))
    people = people_count(params)
    if people > MAX_PEOPLE:
        breaks.append(RuleBreak(
            "practices[].participants", f"{people} people are expected (participants and "
                                        f"facilitators); a spiegelbijeenkomst has at most {MAX_PEOPLE}",
            "in a larger group not everyone gets to speak: invite fewer people per practice",
            f"Er worden {people} mensen verwacht; met meer dan {MAX_PEOPLE} komt niet "
            "iedereen aan het woord."))
    if minutes is not None and not MIN_MINUTES <= minutes <= MAX_MINUTES:
        breaks.append(RuleBreak(
            "agenda", f"the agenda takes {minutes} minutes; a spiegelbijeenkomst lasts "
                      f"{MIN_MINUTES} to {MAX_MINUTES} minutes",
            "shorten or lengthen the items' minutes",
            f"De agenda duurt {duration_nl(minutes)}; een spiegelbijeenkomst duurt 1,5 tot 2 uur."))
    return breaks


def group_rule_problems(params: GroupParams, file: str, root=None) -> list[Problem]:
    """The group rules as warnings for ``spiegelkit check``, and practices listed twice."""
    minutes = sum(item.minutes for item in params.agenda) if params.agenda else None
    rows = {"practices[].participants": "practices"}
    problems = [Problem(file, rule.message, field=rule.field, severity="warning", hint=rule.hint,
                        row=line_of(root, [rows.get(rule.field, rule.field)]) if root is not None else None)
                for rule in group_rule_breaks(params, minutes)]
    agbs = [p.agb for p in params.practices]
    for i, agb in enumerate(agbs):
        if agb in agbs[:i]:
            problems.append(Problem(
                file, f"practice {agb} is listed twice", field=f"practices[{i}].agb",
                row=line_of(root, ["practices", i]) if root is not None else None,
                hint="list every practice once",
            ))
    return problems
