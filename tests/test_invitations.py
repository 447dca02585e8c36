"""spiegelkit invite: the invitation as HTML and e-mail text, and an RFC 5545 calendar event."""

import datetime as dt

from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.cli import main

FIVE = ROOT / "params" / "zorggroep-uithoorn-aalsmeer.yaml"  # meeting 1 on 19 May 2026


def _unfold(ics: str) -> dict[str, str]:
    """Content lines of an iCalendar text, unfolded (RFC 5545 section 3.1), by property name."""
    lines = ics.replace("\r\n ", "").split("\r\n")
    return {line.split(":", 1)[0].split(";", 1)[0]: line for line in lines if line}


def test_invite_writes_html_text_and_a_calendar_event(tmp_path):
    result = CliRunner().invoke(main, ["invite", str(FIVE), "--out", str(tmp_path), "--start",
                                       "19:30", "--location", "Zijdstraat 1, Aalsmeer",
                                       "--organiser-email", "info@elaa.example"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "zorggroep-uithoorn-aalsmeer"
    assert sorted(p.name for p in folder.iterdir()) == [
        "uitnodiging-1.html", "uitnodiging-1.ics", "uitnodiging-1.txt"]
    html = (folder / "uitnodiging-1.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "Zo downloadt u uw praktijkspiegel" in html
    text = (folder / "uitnodiging-1.txt").read_text()
    assert "<" not in text and "Tijd: 19:30 uur, Zijdstraat 1, Aalsmeer" in text
    assert "- Ga naar het beveiligde portaal" in text and "Sophie Hendriks" in text

    raw = (folder / "uitnodiging-1.ics").read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    ics = raw.decode("utf-8")
    props = _unfold(ics)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(props)
    # 19:30 in Amsterdam on 19 May (summer time, UTC+2) is 17:30 UTC; the generated agenda
    # takes 1 hour 45 minutes
    assert props["DTSTART"] == "DTSTART:20260519T173000Z"
    start = dt.datetime.strptime(props["DTSTART"].split(":")[1], "%Y%m%dT%H%M%SZ")
    end = dt.datetime.strptime(props["DTEND"].split(":")[1], "%Y%m%dT%H%M%SZ")
    assert end - start == dt.timedelta(minutes=105)
    assert props["LOCATION"] == "LOCATION:Zijdstraat 1\\, Aalsmeer"  # commas escaped
    assert props["ORGANIZER"] == "ORGANIZER;CN=Elaa:mailto:info@elaa.example"
    assert props["SUMMARY"] == "SUMMARY:Spiegelbijeenkomst 1 Zorggroep Uithoorn-Aalsmeer"


def test_invite_starts_at_seven_by_default_and_rejects_a_bad_time(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["invite", str(FIVE), "--out", str(tmp_path)]).exit_code == 0
    ics = (tmp_path / "zorggroep-uithoorn-aalsmeer" / "uitnodiging-1.ics").read_text()
    assert "DTSTART:20260519T170000Z" in ics and "LOCATION" not in ics
    bad = runner.invoke(main, ["invite", str(FIVE), "--out", str(tmp_path), "--start", "7 uur"])
    assert bad.exit_code == 2 and "HH:MM" in bad.output
