"""Meeting records: who came and signed, the agreements made, which providers were consulted.

One human-readable YAML file per meeting, beside the group's params file:
``params/meetings/<group_id>/meeting-<n>.yaml``. The facilitator writes it with the form in
``notebooks/meeting_report.ipynb`` or by hand; it is always read back through
:func:`load_record`, which reports every problem with its file, line and field, and always
written atomically (:func:`save_record`). Records live under ``params/``, never only in
``outputs/``: they are the evidence the insurer asks for.

A record, by hand::

    group_id: hagro-voorbeeld
    meeting_number: 2
    date: "2026-05-12"
    data_year: 2024                  # year of the mirrors discussed
    facilitators: [Anna de Vries]
    attendance:                      # per practice the people present
      - agb: "01001234"
        people:
          - {name: Eva Bakker, signed: true}
    guests:                          # others present: pharmacist, specialist, ...
      - {name: Karin Smit, role: apotheker, signed: true}
    indicators_discussed: [antibiotica]
    notes: Korte samenvatting van het gesprek.
    agreements:
      - text: Uitgestelde antibioticarecepten proberen bij keelpijn
        owner: Eva Bakker
        agb: "01001234"              # omit for an agreement of the whole group
        due: "2026-09-01"
        indicator: antibiotica       # optional, an id of the indicator catalogue
        follow_up: fto               # fto | dto | specialists | ggz | providers | none
    providers_consulted:
      - {name: Apotheek Centrum (Karin Smit), kind: fto}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spiegelkit.inputs.catalogue import FOLLOW_UPS, load_catalogue
from spiegelkit.outputs import atomic_path
from spiegelkit.inputs.params import SLUG, GroupParams
from spiegelkit.inputs.problems import (InputError, Problem, did_you_mean, display_path,
                                 raise_for_errors)
from spiegelkit.inputs.yamlfile import line_of, read_mapping, validation_problems
from spiegelkit.paths import PROJECT_PARAMS

AGB = r"^\d{8}$"
PROVIDER_KINDS = tuple(kind for kind in FOLLOW_UPS if kind != "none")
RECORD_NAME = re.compile(r"^meeting-(\d+)\.yaml$")
MAX_MEETING_NUMBER = 99  # meetings of a group in one year: a handful
MAX_RECORDS = 500  # record files of one group


class Person(BaseModel):
    """Someone present at the meeting, and whether they signed the attendance list."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    signed: bool = False
    present: bool = True  # false: expected but absent (then no signature)


class Guest(BaseModel):
    """Someone present who is not from one of the group's practices."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: str = ""  # e.g. "apotheker", "dermatoloog"
    signed: bool = False
    present: bool = True


class PracticeAttendance(BaseModel):
    """The people of one practice who were present."""

    model_config = ConfigDict(extra="forbid")

    agb: str = Field(pattern=AGB)
    people: list[Person] = []


class Agreement(BaseModel):
    """One agreement (afspraak): what, who, for which practice, by when, about what."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    owner: str = ""
    agb: str | None = Field(None, pattern=AGB)  # None: the whole group
    due: dt.date | None = None
    indicator: str | None = None
    follow_up: Literal[tuple(FOLLOW_UPS)] = "none"  # type: ignore[valid-type]


class ProviderTalk(BaseModel):
    """Another care provider consulted at the meeting."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    kind: Literal[PROVIDER_KINDS] = "providers"  # type: ignore[valid-type]


class MeetingRecord(BaseModel):
    """What happened at one meeting of a group."""

    model_config = ConfigDict(extra="forbid")

    group_id: str = Field(pattern=SLUG)
    meeting_number: int = Field(ge=1, le=MAX_MEETING_NUMBER)
    date: dt.date
    planned: bool = False  # a meeting not yet held: it does not count for the obligations
    data_year: int | None = Field(None, ge=2000, le=2100)
    facilitators: list[str] = []
    attendance: list[PracticeAttendance] = []
    guests: list[Guest] = []
    indicators_discussed: list[str] = []
    notes: str = ""
    agreements: list[Agreement] = []
    providers_consulted: list[ProviderTalk] = []

    def people_of(self, agb: str) -> list[Person]:
        """The people of the practice who were present."""
        return [person for entry in self.attendance if entry.agb == agb for person in entry.people
                if person.present]

    def attended(self, agb: str) -> bool:
        """Whether anyone of the practice was present."""
        return bool(self.people_of(agb))

    def signed(self, agb: str) -> bool:
        """Whether the practice's presence is signed on the attendance list."""
        return any(person.signed for person in self.people_of(agb))

    @property
    def has_report(self) -> bool:
        """Whether the record holds a report: agreements or a written summary."""
        return bool(self.agreements or self.notes.strip())


HINTS = {
    "date": "write the date of the meeting as \"2026-03-12\" (year-month-day, in quotes)",
    "due": "write the due date as \"2026-06-01\" (year-month-day, in quotes), or leave it out",
    "agb": "write the AGB code as 8 digits in quotes, e.g. \"01001234\"",
    "meeting_number": f"give the meeting's number in the year: 1, 2, 3, ... (at most "
                      f"{MAX_MEETING_NUMBER})",
    "group_id": "use the group_id of the group's params file",
    "name": "write the person's name",
    "text": "write what was agreed",
}


def default_params_dir() -> Path:
    """``params/`` of the working directory, else the kit's own ``params/`` (a notebook runs
    in ``notebooks/``)."""
    local = Path("params")
    return local if local.is_dir() else PROJECT_PARAMS


def meetings_dir(params_dir: Path, group_id: str) -> Path:
    """The folder of a group's records: ``<params_dir>/meetings/<group_id>/``, where
    `params_dir` is the folder that holds the group's params file."""
    return Path(params_dir) / "meetings" / group_id


def record_path(params_dir: Path, group_id: str, meeting_number: int) -> Path:
    return meetings_dir(params_dir, group_id) / f"meeting-{meeting_number}.yaml"


def group_indicators(params: GroupParams, base: Path | None = None) -> set[str]:
    """Indicator ids a record of this group may name: its data folder's catalogue or the default."""
    own = params.data_path(base) / "indicators.yaml"
    catalogue, _ = load_catalogue(own if own.exists() else None)
    return set(catalogue["id"])


def load_record(path: Path, params: GroupParams,
                indicators: Collection[str] | None = None) -> tuple[MeetingRecord | None, list[Problem]]:
    """Read and validate one record against its group and the indicator catalogue.

    Returns the record (None when any error) and every problem, each with file, line and
    field. `indicators` defaults to the ids of the bundled catalogue.
    """
    path = Path(path)
    file = display_path(path)
    data, root, problems = read_mapping(
        path, file, unreadable_hint="record the meeting with notebooks/meeting_report.ipynb, "
                                    "or copy another meeting-<n>.yaml and edit it",
        example_hint="see the example in spiegelkit/inputs/meetings.py")
    if data is None:
        return None, problems
    try:
        record = MeetingRecord.model_validate(data)
    except ValidationError as exc:
        return None, validation_problems(file, root, exc, MeetingRecord, HINTS)
    if indicators is None:
        indicators = set(load_catalogue()[0]["id"])
    problems = record_problems(record, params, indicators, file, root, path.name)
    return (None if any(p.is_error for p in problems) else record), problems


def read_record(path: Path, params: GroupParams,
                indicators: Collection[str] | None = None) -> MeetingRecord:
    """Like :func:`load_record`, but raises :class:`InputError` with every problem."""
    record, problems = load_record(path, params, indicators)
    raise_for_errors(problems)
    return record


def load_records(params_dir: Path, params: GroupParams) -> tuple[list[MeetingRecord], list[Problem]]:
    """Every valid record of a group, by meeting number, and every problem found.

    `params_dir` is the folder of the group's params file (its data_dir is relative to it).
    """
    folder = meetings_dir(params_dir, params.group_id)
    indicators = group_indicators(params, Path(params_dir))
    records, problems = [], []
    paths = sorted(folder.glob("*.yaml"))
    if len(paths) > MAX_RECORDS:
        return [], [Problem(display_path(folder), f"holds {len(paths)} record files, more than the "
                            f"{MAX_RECORDS} a group can have", hint="keep one meeting-<n>.yaml per "
                            "meeting of the group in this folder")]
    for path in paths:
        if not RECORD_NAME.match(path.name):
            problems.append(Problem(display_path(path), "is not named meeting-<number>.yaml",
                                    hint="rename it, e.g. meeting-2.yaml for the second meeting"))
            continue
        record, found = load_record(path, params, indicators)
        problems += found
        if record is not None:
            records.append(record)
    return sorted(records, key=lambda r: r.meeting_number), problems


def record_problems(record: MeetingRecord, params: GroupParams, indicators: Collection[str],
                    file: str, root=None, filename: str | None = None,
                    today: dt.date | None = None) -> list[Problem]:
    """Problems of a well-formed record against its group, its file name, the catalogue and
    the meeting itself: its date (not after `today` unless planned), signatures only of
    people present, agreements with what, who and by when."""
    def at(*loc):
        return line_of(root, list(loc)) if root is not None else None

    group = [p.agb for p in params.practices]
    problems = []
    if record.group_id != params.group_id:
        problems.append(Problem(file, f"group_id '{record.group_id}' is not the group "
                                f"'{params.group_id}' this record belongs to", row=at("group_id"),
                                field="group_id", hint=f"write group_id: {params.group_id}"))
    match = RECORD_NAME.match(filename or "")
    if match and int(match.group(1)) != record.meeting_number:
        problems.append(Problem(file, f"meeting_number {record.meeting_number} does not match the "
                                f"file name {filename}", row=at("meeting_number"),
                                field="meeting_number",
                                hint=f"write meeting_number: {match.group(1)} or rename the file"))
    problems += _when_problems(record, at, file, today)
    seen = set()
    for i, entry in enumerate(record.attendance):
        field = f"attendance[{i}].agb"
        if entry.agb not in group:
            problems.append(_unknown_practice(file, entry.agb, params, at("attendance", i, "agb"), field))
        elif entry.agb in seen:
            problems.append(Problem(file, f"practice {entry.agb} is listed twice",
                                    row=at("attendance", i, "agb"), field=field,
                                    hint="list every practice once, with all its people"))
        seen.add(entry.agb)
        names = set()
        for j, person in enumerate(entry.people):
            where = dict(row=at("attendance", i, "people", j, "signed"),
                         field=f"attendance[{i}].people[{j}].signed")
            if person.signed and not person.present:
                problems.append(Problem(file, f"{person.name} signed but is marked as not present",
                                        hint="only people present sign the attendance list: set "
                                             "present: true or signed: false", **where))
            if person.name.strip().lower() in names:
                problems.append(Problem(file, f"{person.name} is listed twice for practice "
                                        f"{entry.agb}", hint="list every person once", **where))
            names.add(person.name.strip().lower())
    for i, guest in enumerate(record.guests):
        if guest.signed and not guest.present:
            problems.append(Problem(file, f"guest {guest.name} signed but is marked as not present",
                                    row=at("guests", i, "signed"), field=f"guests[{i}].signed",
                                    hint="only people present sign: set present: true or signed: false"))
    if record.planned and any(p.signed for e in record.attendance for p in e.people) \
            or record.planned and any(g.signed for g in record.guests):
        problems.append(Problem(file, "the meeting is planned, yet someone signed the attendance list",
                                row=at("planned"), field="planned",
                                hint="nobody can sign before the meeting: remove the signatures, "
                                     "or remove planned: true once the meeting was held"))
    for i, agreement in enumerate(record.agreements):
        for key, what, severity in (("owner", "who carries it out", "error"),
                                    ("due", "by when", "warning")):
            if not getattr(agreement, key) or not str(getattr(agreement, key)).strip():
                problems.append(Problem(
                    file, f"agreement {i + 1} ('{agreement.text[:40]}') has no {key} ({what})",
                    row=at("agreements", i), field=f"agreements[{i}].{key}", severity=severity,
                    hint=f"an agreement says what, {what} and for whom: add '{key}'"
                         + (' as "2026-09-01" (in quotes)' if key == "due" else "")))
        if agreement.agb is not None and agreement.agb not in group:
            problems.append(_unknown_practice(file, agreement.agb, params,
                                              at("agreements", i, "agb"), f"agreements[{i}].agb"))
        if agreement.indicator is not None and agreement.indicator not in indicators:
            problems.append(_unknown_indicator(file, agreement.indicator, indicators,
                                               at("agreements", i, "indicator"),
                                               f"agreements[{i}].indicator"))
        if agreement.due is not None and agreement.due < record.date:
            problems.append(Problem(file, f"due date {agreement.due} lies before the meeting",
                                    row=at("agreements", i, "due"), field=f"agreements[{i}].due",
                                    severity="warning", hint="check the year of the due date"))
    for i, indicator in enumerate(record.indicators_discussed):
        if indicator not in indicators:
            problems.append(_unknown_indicator(file, indicator, indicators,
                                               at("indicators_discussed", i),
                                               f"indicators_discussed[{i}]"))
    return problems


def _when_problems(record: MeetingRecord, at, file: str, today: dt.date | None) -> list[Problem]:
    """A record of a held meeting cannot lie after today; a planned one in the past is stale."""
    today = today or dt.date.today()
    if record.date > today and not record.planned:
        return [Problem(file, f"the meeting date {record.date} lies after today ({today}); a record "
                        "counts for the obligations only once the meeting was held",
                        row=at("date"), field="date",
                        hint="correct the date, or add 'planned: true' for a meeting still to "
                             "come (it then does not count)")]
    if record.planned and record.date < today:
        return [Problem(file, f"the meeting of {record.date} is marked as planned, but that date "
                        "has passed", row=at("planned"), field="planned", severity="warning",
                        hint="remove 'planned: true' once the meeting was held, so that it counts")]
    if record.date.year < 2000 or record.date.year > today.year + 2:
        return [Problem(file, f"the meeting date {record.date} is not a plausible date",
                        row=at("date"), field="date", hint=HINTS["date"])]
    return []


def _unknown_practice(file, agb, params, row, field) -> Problem:
    return Problem(file, f"practice {agb} is not in group {params.group_id}", row=row, field=field,
                   hint=did_you_mean(agb, [p.agb for p in params.practices])
                   + " (or add the practice to the group's params)")


def _unknown_indicator(file, indicator, indicators, row, field) -> Problem:
    return Problem(file, f"indicator '{indicator}' is not in the indicator catalogue", row=row,
                   field=field, hint=did_you_mean(indicator, indicators))


class _RecordDumper(yaml.SafeDumper):
    """Writes codes and dates in double quotes and long text as a block: easy to edit by hand."""


def _represent_text(dumper: yaml.SafeDumper, text: str):
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    if re.fullmatch(r"[\d\-:.]+", text):
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_str(text)


_RecordDumper.add_representer(str, _represent_text)


def record_yaml(record: MeetingRecord) -> str:
    """The record as the YAML text that :func:`save_record` writes."""
    values = record.model_dump(mode="json", exclude_none=True)
    if not values.get("planned"):  # written only when true, as `present` only when false
        values.pop("planned", None)
    for person in [p for e in values["attendance"] for p in e["people"]] + values["guests"]:
        if person.get("present", True):
            person.pop("present", None)
    body = yaml.dump(values, Dumper=_RecordDumper,
                     sort_keys=False, allow_unicode=True, width=100)
    return (f"# Record of meeting {record.meeting_number} of {record.group_id}: edit by hand or with "
            "notebooks/meeting_report.ipynb.\n"
            f"# spiegelkit report <params file> --meeting {record.meeting_number} makes its verslag.\n"
            + body)


def save_record(record: MeetingRecord, path: Path) -> Path:
    """Write a record atomically (temporary name, then moved into place)."""
    with atomic_path(path) as tmp:
        tmp.write_text(record_yaml(record), encoding="utf-8")
    return Path(path)


def missing_record(path: Path, meeting_number: int) -> InputError:
    """The error for a meeting that has no record yet."""
    return InputError([Problem(display_path(path), f"meeting {meeting_number} has no record",
                               hint="record it with notebooks/meeting_report.ipynb, or copy "
                                    "another meeting-<n>.yaml of the group and edit it")])
