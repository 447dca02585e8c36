"""The year's obligations per practice, from every group's params and meeting records.

The insurer (the group's organisation file, :mod:`spiegelkit.inputs.organisation`) pays the
supplement of its module when the practice, each calendar year, meets its conditions; those
of the kit's default organisation are:

1. discusses its mirror at least 3 times with several GPs (a spiegelbijeenkomst);
2. consults other care providers when the data give reason to;
3. has a short report (verslag) of each meeting with the agreements made;
4. keeps a signed attendance list.

A condition the organisation file switches off is not asked for.
How the records answer each, per practice (a practice may sit in several groups; all count):

- a meeting counts when someone of the practice was present (``attendance``);
- its list is signed when at least one of them signed; its report is present when the
  record holds agreements or a written summary (``notes``);
- the data "give reason" to consult a provider when an agreement of the year, for this
  practice or the whole group, names a follow-up other than ``none``; it is met by a provider
  of that kind consulted at a meeting of the practice's groups, on or after the agreement's
  meeting, that the practice attended.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from spiegelkit import dutch
from spiegelkit.inputs.catalogue import FOLLOW_UPS
from spiegelkit.inputs.group import Group, practice_names
from spiegelkit.inputs.meetings import MeetingRecord
from spiegelkit.inputs.organisation import Conditions, default_organisation
from spiegelkit.inputs.params import GroupParams
from spiegelkit.inputs.problems import Problem, display_path


def _default_conditions() -> Conditions:
    return default_organisation().insurer.conditions


@dataclass
class PracticeYear:
    """One practice's obligations in one year, across all its groups."""

    agb: str
    name: str
    groups: list[str] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)  # every meeting of its groups in the year
    provider_talks: list[dict] = field(default_factory=list)  # consulted at meetings it attended
    open_follow_ups: list[dict] = field(default_factory=list)  # follow-ups with no talk yet
    needed: list[str] = field(default_factory=list)  # Dutch, what is still needed
    #: The insurer's conditions (of the organisation file of the practice's groups).
    conditions: Conditions = field(default_factory=_default_conditions)

    @property
    def required_meetings(self) -> int:
        return self.conditions.meetings_per_year

    @property
    def attended(self) -> list[dict]:
        return [m for m in self.meetings if m["attended"]]

    @property
    def done(self) -> bool:
        return not self.needed

    def to_json(self) -> dict:
        return {
            "agb": self.agb, "name": self.name, "groups": self.groups,
            "meetings_attended": len(self.attended), "meetings_required": self.required_meetings,
            "reports_present": sum(m["report"] for m in self.attended),
            "signed_lists_present": sum(m["signed"] for m in self.attended),
            "provider_talks": len(self.provider_talks), "done": self.done,
            "still_needed": self.needed, "meetings": self.meetings,
            "provider_talks_held": self.provider_talks, "provider_talks_needed": self.open_follow_ups,
        }


@dataclass
class Compliance:
    """The year's obligations of every practice in the groups given."""

    year: int
    practices: list[PracticeYear]
    problems: list[Problem] = field(default_factory=list)
    today: dt.date | None = None  # the day it was counted on

    @property
    def required_meetings(self) -> int:
        """The most meetings any practice counted here must hold (the default's without any)."""
        return max((p.required_meetings for p in self.practices),
                   default=_default_conditions().meetings_per_year)

    def to_json(self) -> dict:
        return {"year": self.year, "required_meetings": self.required_meetings,
                "deadline": dt.date(self.year, 12, 31).isoformat(),
                "practices": [p.to_json() for p in self.practices],
                "problems": [str(p) for p in self.problems]}


def year_obligations(groups: list[Group], year: int, today: dt.date | None = None,
                     agbs: set[str] | None = None) -> Compliance:
    """Per practice of `groups` (only those of `agbs`, when given): what is done in `year`
    and what is needed.

    Each group brings its own records (:func:`spiegelkit.inputs.group.load_group`); groups
    whose params are unusable are left out and their problems returned. `today` (default:
    today) decides whether the deadline has passed. A practice is named as in the data of
    its groups (its AGB code where no group brings data).
    """
    today = today or dt.date.today()
    practices: dict[str, PracticeYear] = {}
    counted: list[tuple[GroupParams, list[MeetingRecord]]] = []
    of_practice: dict[str, list[tuple[GroupParams, list[MeetingRecord]]]] = {}  # its groups
    problems: list[Problem] = []
    for group in groups:
        problems += [p for p in group.problems if p.is_error and p.file == display_path(group.path)]
        problems += group.record_problems
        params = group.params
        if params is None or (agbs is not None and agbs.isdisjoint(p.agb for p in params.practices)):
            continue
        counted.append((params, [r for r in group.records if r.date.year == year and not r.planned]))
        names = practice_names(params, group.data)
        for entry in params.practices:
            if agbs is not None and entry.agb not in agbs:
                continue
            practice = practices.setdefault(entry.agb, PracticeYear(entry.agb, entry.agb))
            if group.data is not None:
                practice.name = names[entry.agb]
            practice.groups.append(params.group_id)
            of_practice.setdefault(entry.agb, []).append(counted[-1])
            practice.conditions = _stricter(practice.conditions, group.organisation.insurer.conditions,
                                            len(practice.groups) == 1)
    for params, records in counted:
        for record in records:
            for entry in params.practices:
                if entry.agb in practices:
                    _add_meeting(practices[entry.agb], params, record)
    for practice in practices.values():
        practice.meetings.sort(key=lambda m: m["date"])
        practice.open_follow_ups = _open_follow_ups(practice, of_practice[practice.agb])
        practice.needed = _needed(practice, year, today)
    return Compliance(year, list(practices.values()), problems, today)


def obligations_of(groups: list[Group], year: int, today: dt.date | None = None,
                   agbs: set[str] | None = None) -> Compliance:
    """:func:`year_obligations`, counted once for the same groups (as loaded), year, day and
    practices: every version of a group shares one count."""
    return _obligations(tuple(groups), year, today, None if agbs is None else frozenset(agbs))


@functools.lru_cache(maxsize=32)
def _obligations(groups: tuple[Group, ...], year: int, today: dt.date | None,
                 agbs: frozenset[str] | None) -> Compliance:
    return year_obligations(list(groups), year, today, agbs)


def _stricter(current: Conditions, other: Conditions, first: bool) -> Conditions:
    """The conditions of a practice in several groups: every condition any of them asks."""
    if first:
        return other
    return Conditions(meetings_per_year=max(current.meetings_per_year, other.meetings_per_year),
                      report=current.report or other.report,
                      signed_list=current.signed_list or other.signed_list,
                      consulting_providers=current.consulting_providers or other.consulting_providers)


def _add_meeting(practice: PracticeYear, params: GroupParams, record: MeetingRecord) -> None:
    attended = record.attended(practice.agb)
    practice.meetings.append({
        "group_id": params.group_id, "group_name": params.group_name,
        "meeting_number": record.meeting_number, "date": record.date.isoformat(),
        "attended": attended, "signed": attended and record.signed(practice.agb),
        "report": attended and record.has_report,
    })
    if attended:
        practice.provider_talks += [{"group_id": params.group_id, "date": record.date.isoformat(),
                                     "name": talk.name, "kind": talk.kind}
                                    for talk in record.providers_consulted]


def _open_follow_ups(practice: PracticeYear, groups) -> list[dict]:
    """Follow-ups agreed for this practice (or its whole group) without a provider talk since;
    `groups` are the (params, records) of the practice's groups."""
    talks = practice.provider_talks
    open_ = {}
    for params, records in groups:
        for record in records:
            for agreement in record.agreements:
                if agreement.follow_up == "none" or agreement.agb not in (None, practice.agb):
                    continue
                held = any(t["kind"] == agreement.follow_up and t["date"] >= record.date.isoformat()
                           for t in talks)
                if not held:
                    open_.setdefault(agreement.follow_up, {
                        "kind": agreement.follow_up, "group_id": params.group_id,
                        "agreed_on": record.date.isoformat(), "agreement": agreement.text})
    return list(open_.values())


def _needed(practice: PracticeYear, year: int, today: dt.date) -> list[str]:
    needed = []
    conditions = practice.conditions
    missing = practice.required_meetings - len(practice.attended)
    deadline = dt.date(year, 12, 31)
    if missing > 0:
        meetings = "bijeenkomst" if missing == 1 else "bijeenkomsten"
        if today <= deadline:
            needed.append(f"nog {missing} {meetings} nodig vóór {dutch.date(deadline)}")
        else:
            needed.append(f"{missing} {meetings} te weinig in {year} "
                          f"({len(practice.attended)} van de {practice.required_meetings})")
    for meeting in practice.attended:
        where = (f"bijeenkomst {meeting['meeting_number']} van {meeting['group_name']} "
                 f"({dutch.date(dt.date.fromisoformat(meeting['date']))})")
        if conditions.signed_list and not meeting["signed"]:
            needed.append(f"getekende deelnemerslijst ontbreekt: {where}")
        if conditions.report and not meeting["report"]:
            needed.append(f"verslag met afspraken ontbreekt: {where}")
    for follow_up in practice.open_follow_ups if conditions.consulting_providers else []:
        agreed = dutch.date(dt.date.fromisoformat(follow_up["agreed_on"]))
        needed.append(f"nog overleg nodig: {FOLLOW_UPS[follow_up['kind']]} (afgesproken op {agreed})")
    return needed


def compliance_text(result: Compliance) -> str:
    """The obligations as plain Dutch text, one block per practice."""
    lines = [f"Jaarverplichtingen {result.year}: per praktijk minstens {result.required_meetings} "
             "bijeenkomsten, elk met verslag en getekende deelnemerslijst, en overleg met andere "
             "zorgaanbieders waar de afspraken daarom vragen.", ""]
    for practice in result.practices:
        summary = practice.to_json()
        lines.append(
            f"{practice.agb} {practice.name} ({', '.join(practice.groups)}): "
            f"bijeenkomsten {summary['meetings_attended']} van {practice.required_meetings}, "
            f"verslagen {summary['reports_present']}, getekende lijsten "
            f"{summary['signed_lists_present']}, overleg met zorgaanbieders "
            f"{summary['provider_talks']}: " + ("voldaan" if practice.done else "nog niet voldaan"))
        lines += [f"    - {item}" for item in practice.needed]
    done = sum(p.done for p in result.practices)
    lines += ["", f"{done} van {len(result.practices)} praktijken voldoen voor {result.year}."]
    return "\n".join(lines) + "\n"


def unrecorded_practice(agb: str, params: GroupParams, year: int, today: dt.date | None,
                        conditions: Conditions | None = None) -> PracticeYear:
    """A practice of a group whose params file is not among those counted: nothing recorded."""
    practice = PracticeYear(agb, agb, [params.group_id], conditions=conditions or _default_conditions())
    practice.needed = _needed(practice, year, today or dt.date.today())
    return practice
