"""The invitation of a meeting, as HTML (to print or attach), plain text (for an e-mail) and
an iCalendar event (RFC 5545) to put the meeting in everyone's agenda."""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_text
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from spiegelkit.inputs.group import open_group
from spiegelkit.outputs import atomic_path, write_text
from spiegelkit.paths import OUTPUTS
from spiegelkit.render.facilitation import agenda_items, invitation_html
from spiegelkit.render.html import render

DEFAULT_START = dt.time(19, 0)
TIMEZONE = ZoneInfo("Europe/Amsterdam")


def invitation_text(html: str) -> str:
    """The invitation as plain text for an e-mail body: paragraphs, list items as "- ",
    table rows as "a: b"."""
    text = re.sub(r"\s*\n\s*", " ", html)
    text = re.sub(r"<h[1-3][^>]*>", "\n\n", text)
    text = re.sub(r"</h[1-3]>", "\n", text)
    text = re.sub(r"<(p|table|ol|ul)[^>]*>", "\n\n", text)
    text = re.sub(r"<li[^>]*>", "\n- ", text)
    text = re.sub(r"<tr[^>]*>", "\n", text)
    text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", ": ", text)
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = html_text.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _ical_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 says."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 section 3.1), never inside a character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar_event(params, start: dt.time = DEFAULT_START, location: str = "",
                   organiser: str = "", organiser_email: str = "",
                   description: str = "", stamp: dt.datetime | None = None) -> str:
    """One VEVENT in a VCALENDAR: the meeting from `start` (Dutch local time) for the length
    of its agenda, at `location`, organised by `organiser`. Times are written in UTC."""
    begin = dt.datetime.combine(params.meeting_date, start, tzinfo=TIMEZONE)
    minutes = sum(item["minutes"] for item in agenda_items(params))
    end = begin + dt.timedelta(minutes=minutes)
    uid = hashlib.sha1(f"{params.group_id}/{params.meeting_number}".encode()).hexdigest()
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//spiegelkit//spiegelbijeenkomst//NL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
             f"UID:{uid}@spiegelkit", f"DTSTAMP:{_utc(stamp)}", f"DTSTART:{_utc(begin)}",
             f"DTEND:{_utc(end)}",
             f"SUMMARY:{_ical_text(f'Spiegelbijeenkomst {params.meeting_number} {params.group_name}')}"]
    if location:
        lines.append(f"LOCATION:{_ical_text(location)}")
    if organiser_email:
        lines.append(f"ORGANIZER;CN={_ical_text(organiser)}:mailto:{organiser_email}")
    if description:
        lines.append(f"DESCRIPTION:{_ical_text(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def write_invitation(params_path: Path, out_dir: Path = OUTPUTS, start: dt.time = DEFAULT_START,
                     location: str = "", organiser: str | None = None,
                     organiser_email: str = "") -> list[Path]:
    """Write ``uitnodiging-<n>.html``, ``.txt`` and ``.ics`` of the params' meeting into
    ``<out_dir>/<group_id>/``, atomically; returns their paths. `organiser` defaults to the
    facilitator of the group's organisation file."""
    group = open_group(params_path)
    params = group.params
    organiser = organiser or group.organisation.facilitator.name
    body = invitation_html(params, group.data, group.organisation)
    stem = Path(out_dir) / params.group_id / f"uitnodiging-{params.meeting_number}"
    text = invitation_text(body)
    where = f"Tijd: {start:%H:%M} uur" + (f", {location}" if location else "")
    text = re.sub(r"^(Datum: .*)$", lambda m: f"{m.group(1)}\n{where}", text, count=1, flags=re.M)
    files = {
        ".html": render("page.html.j2", title=f"Uitnodiging spiegelbijeenkomst {params.group_name}",
                        body=body),
        ".txt": text,
        ".ics": calendar_event(params, start, location, organiser, organiser_email,
                               description=text),
    }
    written = []
    for suffix, content in files.items():
        target = stem.with_suffix(suffix)
        if suffix == ".ics":  # CRLF line ends, as RFC 5545 asks: written as bytes
            with atomic_path(target) as tmp:
                tmp.write_bytes(content.encode("utf-8"))
        else:
            write_text(target, content)
        written.append(target)
    return written
