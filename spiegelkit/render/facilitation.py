"""Before and after a meeting: mirror status, invitation, agenda, attendance list, the report
(verslag) and the look back at the previous meeting's agreements.

Every function here returns a printable Dutch HTML fragment (:class:`spiegelkit.render.handout.Html`)
rendered with autoescaping, so every name from params, data or a record shows literally.
:func:`write_report` writes a meeting's verslag as one self-contained page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from spiegelkit.inputs.catalogue import FOLLOW_UPS
from spiegelkit.inputs.dataset import MirrorData
from spiegelkit.render.html import Html, render, source_line
from spiegelkit.inputs.meetings import (MeetingRecord)
from spiegelkit.inputs.params import (GROUP_TYPES, MAX_PEOPLE, GroupParams)
from spiegelkit.analysis.compare import compare_group
from spiegelkit.analysis.compliance import Compliance, unrecorded_practice
from spiegelkit.inputs.group import mirror_status, practice_names
from spiegelkit.inputs.organisation import Organisation, default_organisation
from spiegelkit.inputs.params import duration_nl, group_rule_breaks, people_count

TARGET_MINUTES = 105  # a generated agenda fills 1 hour 45, inside the 1.5-2 hours of a meeting
MIN_POINT_MINUTES = 10
SEND_MIRROR_DAYS = 7  # practices send their mirror this many days before the meeting
DEFAULT_POINTS = [
    {"title": "Wie zitten er aan tafel: de praktijkpopulaties naast elkaar", "follow_up": "none"},
    {"title": "Opvallende overeenkomsten en verschillen in de spiegels", "follow_up": "none"},
    {"title": "Verklaringen uit de eigen praktijk", "follow_up": "none"},
]


# --- the agenda ---------------------------------------------------------------------------

def agenda_items(params: GroupParams, talking_points=None) -> list[dict]:
    """The agenda: title, minutes, note and start (minutes from the start) per item.

    The group's own ``agenda`` in params wins. Otherwise it is generated: opening, how to read
    the mirror (first meeting) or the look back (later meetings), the talking points
    (``title``, ``follow_up`` and optionally ``minutes`` each; None gives a general agenda),
    agreements and closing, filling 1 hour 45 minutes; points get at least 10 minutes each.
    """
    if params.agenda:
        items = [item.model_dump() for item in params.agenda]
    else:
        items = _generated_agenda(params, DEFAULT_POINTS if talking_points is None else talking_points)
    start = 0
    for item in items:
        item["start"] = start
        start += item["minutes"]
    return items


def _generated_agenda(params: GroupParams, talking_points) -> list[dict]:
    opening = [_item("Opening en kennismaking; het doel van deze bijeenkomst", 10)]
    if params.meeting_number == 1:
        opening.append(_item("Zo leest u de spiegel: verwachte waarde, index en marge door toeval", 10))
    else:
        opening.append(_item(f"Terugblik op de afspraken van bijeenkomst {params.meeting_number - 1}",
                             15, "Wat is ervan gekomen, en hoe bewogen de cijfers?"))
    agreements = _item("Afspraken maken: wat, wie, vóór wanneer en welk vervolg", 15,
                       "Per praktijk en voor de groep; de volgende bijeenkomst kijkt erop terug.")
    closing = _item("Afsluiting: evaluatie, datum en onderwerp van de volgende bijeenkomst", 5)
    points = [_point_item(_as_dict(point)) for point in talking_points]
    budget = TARGET_MINUTES - sum(i["minutes"] for i in [*opening, agreements, closing])
    open_points = [p for p in points if p["minutes"] is None]
    if open_points:
        share = (budget - sum(p["minutes"] or 0 for p in points)) // len(open_points)
        for point in open_points:
            point["minutes"] = max(MIN_POINT_MINUTES, share // 5 * 5)
    agreements["minutes"] += max(0, budget - sum(p["minutes"] for p in points))
    return [*opening, *points, agreements, closing]


def _item(title: str, minutes: int | None, note: str = "") -> dict:
    return {"title": title, "minutes": minutes, "note": note}


def _as_dict(point) -> dict:
    return dataclasses.asdict(point) if dataclasses.is_dataclass(point) else dict(point)


def _point_item(point: Mapping) -> dict:
    follow_up = point.get("follow_up") or "none"
    wording = FOLLOW_UPS.get(follow_up, follow_up)
    note = "" if wording == FOLLOW_UPS["none"] else f"Mogelijk vervolg: {wording}."
    return _item(point["title"], point.get("minutes"), note)


def agenda_html(params: GroupParams, talking_points=None) -> Html:
    """The printable agenda, with times and the group's size against the rules."""
    items = agenda_items(params, talking_points)
    total = sum(item["minutes"] for item in items)
    for item in items:
        item["clock"] = f"{_clock(item['start'])}–{_clock(item['start'] + item['minutes'])}"
    participants = sum(len(p.participants) for p in params.practices)
    return render("agenda.html.j2", params=params, group_type=GROUP_TYPES[params.group_type],
                  items=items, total=duration_nl(total), participants=participants,
                  people=people_count(params),
                  notes=[rule.dutch for rule in group_rule_breaks(params, total)])


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


# --- attendance list and invitation ------------------------------------------------------

def attendance_html(params: GroupParams, data: MirrorData, blank_rows: int = 1,
                    guest_rows: int = 3) -> Html:
    """The attendance list to sign: per practice its expected participants and `blank_rows`
    empty rows, then `guest_rows` empty rows for others (pharmacist, specialist, ...)."""
    names = practice_names(params, data)
    practices = [dict(name=names[p.agb], agb=p.agb, participants=p.participants)
                 for p in params.practices]
    return render("attendance.html.j2", params=params, group_type=GROUP_TYPES[params.group_type],
                  practices=practices, blank_rows=blank_rows, guest_rows=guest_rows)


def invitation_html(params: GroupParams, data: MirrorData, organisation: Organisation | None = None) -> Html:
    """The invitation: when, how to download the mirror from the Vektis portal, what to bring,
    who is expected, and whose mirror has been received. `organisation` (default: the kit's)
    names the insurer and its module."""
    statuses = mirror_status(params, data)
    names = practice_names(params, data)
    return render(
        "invitation.html.j2", params=params, group_type=GROUP_TYPES[params.group_type],
        statuses=statuses, send_by=params.meeting_date - dt.timedelta(days=SEND_MIRROR_DAYS),
        practices=[dict(name=names[p.agb], participants=p.participants) for p in params.practices],
        max_people=MAX_PEOPLE, without_mirror=[s for s in statuses if s.in_data and not s.has_mirror],
        organisation=organisation or default_organisation(),
    )


# --- the report (verslag) ----------------------------------------------------------------

def report_context(params: GroupParams, record: MeetingRecord, data: MirrorData,
                   table: pd.DataFrame | None = None, organisation: Organisation | None = None) -> dict:
    """Everything a verslag shows, once, for the HTML page and the Word document alike.

    `table` is :func:`spiegelkit.analysis.compare.compare_group` output (all years) for the
    figures of the indicators discussed; None computes it. Practices are named by their real
    names: the verslag is the record for the insurer and the practices.
    """
    names = practice_names(params, data)
    titles = dict(zip(data.catalogue["id"], data.catalogue["title"]))
    attendance = []
    for p in params.practices:
        present = record.people_of(p.agb)
        came = {person.name for person in present}
        attendance.append(dict(name=names[p.agb], agb=p.agb, people=present,
                               absent=[n for n in p.participants if n not in came]))
    unsigned = [person.name for entry in record.attendance for person in entry.people
                if not person.signed] + [guest.name for guest in record.guests if not guest.signed]
    signed = sum(person.signed for entry in record.attendance for person in entry.people) + \
        sum(guest.signed for guest in record.guests)
    present = sum(len(entry.people) for entry in record.attendance) + len(record.guests)
    agreements = [dict(text=a.text, owner=a.owner, due=a.due,
                       practice=names.get(a.agb, a.agb) if a.agb else "hele groep",
                       indicator=titles.get(a.indicator, a.indicator) if a.indicator else "",
                       follow_up="" if a.follow_up == "none" else FOLLOW_UPS[a.follow_up])
                  for a in record.agreements]
    year = record.data_year or params.data_year
    if record.indicators_discussed and table is None:
        table = compare_group(data, params)
    organisation = organisation or default_organisation()
    return dict(
        params=params, record=record, group_type=GROUP_TYPES[params.group_type],
        ros=organisation.facilitator.name, attendance=attendance, unsigned=unsigned,
        signed=signed, present=present, agreements=agreements, year=year,
        indicators=[_discussed(table, params, names, indicator, titles.get(indicator, indicator), year)
                    for indicator in record.indicators_discussed],
        providers=[dict(name=p.name, kind=FOLLOW_UPS[p.kind]) for p in record.providers_consulted],
        source=source_line(data), organisation=organisation,
    )


def _discussed(table: pd.DataFrame | None, params: GroupParams, names: dict, indicator: str,
               title: str, year: int) -> dict:
    """An indicator discussed, with each practice's index and interval in `year`."""
    figures = []
    if table is not None:
        rows = table[(table["indicator"] == indicator) & (table["year"] == year)].set_index("agb")
        for p in params.practices:
            if p.agb in rows.index and not pd.isna(rows.at[p.agb, "index"]):
                row = rows.loc[p.agb]
                figures.append(dict(practice=names[p.agb], index=row["index"], lower=row["lower"],
                                    upper=row["upper"], text=row["significance_nl"]))
    return dict(title=title, figures=figures)


def report_html(params: GroupParams, record: MeetingRecord, data: MirrorData,
                table: pd.DataFrame | None = None, organisation: Organisation | None = None) -> Html:
    """The verslag of one meeting: the organisation's header, who attended, signed and was
    absent, the indicators discussed with their figures, agreements, providers consulted,
    and the signed list it belongs with."""
    return render("report.html.j2", **report_context(params, record, data, table, organisation))


def report_page(params: GroupParams, record: MeetingRecord, data: MirrorData,
                table: pd.DataFrame | None = None, organisation: Organisation | None = None) -> str:
    """The verslag as one self-contained printable HTML page (inline CSS, nothing loaded)."""
    title = f"Verslag bijeenkomst {record.meeting_number} {params.group_name}"
    return render("page.html.j2", title=title,
                  body=report_html(params, record, data, table, organisation))


def report_path(out_dir: Path, group_id: str, meeting_number: int, suffix: str = ".html") -> Path:
    return Path(out_dir) / group_id / f"verslag-{meeting_number}{suffix}"


# --- looking back -------------------------------------------------------------------------

def lookback_html(params: GroupParams, table: pd.DataFrame, records: list[MeetingRecord],
                  problems: int = 0) -> Html:
    """The previous meeting's agreements and, per agreement that names an indicator, how the
    indicator moved since: the index at the data year discussed then against ``data_year`` now.

    `table` is :func:`spiegelkit.analysis.compare.compare_group` output with all years;
    `records` are the group's meeting records, `problems` how many of them could not be read.
    """
    earlier = [r for r in records if r.meeting_number < params.meeting_number]
    previous = earlier[-1] if earlier else None
    before = (previous.data_year if previous else None) or params.data_year
    agreements = []
    if previous is not None:
        for agreement in previous.agreements:
            agreements.append(dict(
                text=agreement.text, owner=agreement.owner, due=agreement.due,
                practice=_label(table, params, agreement.agb),
                follow_up="" if agreement.follow_up == "none" else FOLLOW_UPS[agreement.follow_up],
                movement=_movement(table, params, agreement, before) if agreement.indicator else None,
            ))
    return render("lookback.html.j2", params=params, previous=previous, agreements=agreements,
                  unreadable=problems, newer=before < params.data_year)


def _label(table: pd.DataFrame, params: GroupParams, agb: str | None) -> str:
    if agb is None:
        return "hele groep"
    labels = dict(zip(table["agb"], table["practice"]))
    return str(labels.get(agb, agb))


def _movement(table: pd.DataFrame, params: GroupParams, agreement, before: int) -> dict:
    """The indicator's index per practice concerned, then (`before`) and now (data_year)."""
    agbs = [agreement.agb] if agreement.agb else [p.agb for p in params.practices]
    rows = table[(table["indicator"] == agreement.indicator) & table["agb"].isin(agbs)]
    title = str(rows["title"].iloc[0]) if len(rows) else agreement.indicator
    practices = []
    for agb in agbs:
        own = rows[rows["agb"] == agb].set_index("year")
        if params.data_year not in own.index:
            continue
        practices.append(dict(practice=str(own.at[params.data_year, "practice"]),
                              before=_index_cell(own, before), now=_index_cell(own, params.data_year)))
    return dict(title=title, before_year=before, now_year=params.data_year, practices=practices)


def _index_cell(rows: pd.DataFrame, year: int) -> dict | None:
    if year not in rows.index:
        return None
    row = rows.loc[year]
    return dict(index=row["index"], lower=row["lower"], upper=row["upper"],
                small=bool(row["small_numbers"]), text=row["significance_nl"])


# --- the year's obligations --------------------------------------------------------------

def compliance_html(params: GroupParams, obligations: Compliance,
                    organisation: Organisation | None = None, data: MirrorData | None = None) -> Html:
    """The year's obligations of this group's practices, from `obligations` counted over all
    the groups they sit in (:func:`spiegelkit.analysis.compliance.year_obligations`), with the
    conditions of `organisation` (default: the kit's); each practice named as in `data` (the
    group's own data: the other groups are counted without theirs)."""
    organisation = organisation or default_organisation()
    conditions = organisation.insurer.conditions
    year, today = obligations.year, obligations.today
    found = {p.agb: p for p in obligations.practices}
    names = practice_names(params, data) if data is not None else {}
    practices = [found.get(p.agb) or unrecorded_practice(p.agb, params, year, today, conditions)
                 for p in params.practices]
    return render("compliance.html.j2", year=year, required=conditions.meetings_per_year,
                  insurer=organisation.insurer, conditions=conditions,
                  practices=[dict(p.to_json(), done=p.done, name=names.get(p.agb, p.name))
                             for p in practices],
                  unreadable=sum(p.is_error for p in obligations.problems))
