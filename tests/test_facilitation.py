"""Agenda, attendance list, invitation, mirror status, verslag and look back; the meeting notebook."""

import datetime as dt
import html
from dataclasses import dataclass
from html.parser import HTMLParser

import nbformat
import papermill
import pytest
from click.testing import CliRunner

from conftest import ROOT
from spiegelkit import dutch
from spiegelkit.cli import main
from spiegelkit.analysis.compare import compare_group
from spiegelkit.inputs.group import load_group, mirror_status
from spiegelkit.render.facilitation import (agenda_html, agenda_items, attendance_html, invitation_html,
                                            lookback_html, report_html)
from spiegelkit.run.reports import write_report
from spiegelkit.inputs.meetings import MeetingRecord, load_records, read_record, record_path
from spiegelkit.inputs.params import load_params

HAGRO = ROOT / "params" / "hagro-amstelveen-noord.yaml"
FTO = ROOT / "params" / "fto-diemen.yaml"
DEMO_PARAMS = sorted((ROOT / "params").glob("*.yaml"))
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def params_and_data(path):
    group = load_group(path)
    return group.params, group.data


@pytest.fixture(scope="module")
def hagro():
    return params_and_data(HAGRO)


def minutes(items):
    return [item["minutes"] for item in items]


# --- agenda ----------------------------------------------------------------------------------

def test_first_meeting_agenda_without_talking_points_fills_an_hour_and_three_quarters(hagro):
    params, _ = hagro
    items = agenda_items(params)
    # fixed: opening 10 + reading the mirror 10 + agreements 15 + closing 5 = 40; the three
    # general points share 105 - 40 = 65: 65 // 3 = 21 -> 20 each (whole 5 minutes), and the
    # 5 minutes left go to the agreements: 15 + 5 = 20.
    assert minutes(items) == [10, 10, 20, 20, 20, 20, 5]
    assert [item["start"] for item in items] == [0, 10, 20, 40, 60, 80, 100]
    assert items[1]["title"].startswith("Zo leest u de spiegel")


def test_later_meeting_agenda_looks_back_and_uses_the_talking_points(hagro):
    params = hagro[0].model_copy(update={"meeting_number": 2})
    points = [{"title": "Antibiotica", "follow_up": "fto", "minutes": 25},
              {"title": "Verwijzingen KNO", "follow_up": "specialists"}]
    items = agenda_items(params, points)
    # fixed: 10 + look back 15 + 15 + 5 = 45; points get 105 - 45 = 60: 25 given, 35 left.
    assert minutes(items) == [10, 15, 25, 35, 15, 5]
    assert items[1]["title"] == "Terugblik op de afspraken van bijeenkomst 1"
    assert items[2]["note"] == "Mogelijk vervolg: FTO met de apotheker."


def test_talking_point_objects_are_accepted(hagro):
    @dataclass
    class Point:
        title: str
        follow_up: str

    items = agenda_items(hagro[0], [Point("Opioïden", "FTO met de apotheker")])
    assert items[2]["title"] == "Opioïden" and items[2]["minutes"] == 65


def test_an_agenda_that_is_too_long_says_so(hagro):
    points = [{"title": f"Punt {i}", "follow_up": "none"} for i in range(9)]
    page = agenda_html(hagro[0], points)
    # 9 points of at least 10 minutes + 40 fixed = 130 minutes
    assert "De agenda duurt 2 uur en 10 minuten; een spiegelbijeenkomst duurt 1,5 tot 2 uur." in page


def test_the_groups_own_agenda_wins_and_is_checked(tmp_path, hagro):
    text = HAGRO.read_text() + "agenda:\n- {title: Opening, minutes: 10}\n- {title: FTO, minutes: 50}\n"
    (tmp_path / "g.yaml").write_text(text)
    params, problems = load_params(tmp_path / "g.yaml")
    assert [(i["title"], i["minutes"], i["start"]) for i in agenda_items(params, [{"title": "x"}])] == [
        ("Opening", 10, 0), ("FTO", 50, 10)]
    [warning] = problems
    assert warning.field == "agenda" and "takes 60 minutes" in warning.message
    assert warning.severity == "warning"


def test_more_than_ten_people_is_a_warning_with_the_reason(tmp_path):
    text = HAGRO.read_text().replace("  - Pieter Yildiz\n", "  - Pieter Yildiz\n  - A\n  - B\n")
    (tmp_path / "g.yaml").write_text(text)
    params, problems = load_params(tmp_path / "g.yaml")
    [warning] = problems  # 7 + 2 participants + 2 facilitators = 11
    assert "11 people are expected" in warning.message and "not everyone gets to speak" in warning.hint
    assert "Er worden 11 mensen verwacht" in agenda_html(params)


# --- attendance list and invitation ---------------------------------------------------------

def test_attendance_list_has_a_signature_row_per_expected_participant_and_empty_rows(hagro):
    params, data = hagro
    page = attendance_html(params, data)
    # 7 expected participants + 1 empty row for each of 4 practices + 3 for others + 2 facilitators
    assert page.count('<tr class="sk-sign-row">') == 7 + 4 + 3 + 2
    assert "10 februari 2026" in page and "Bijeenkomst nummer 1" in page
    assert "Wouter Koster" in page and "Huisartsenpraktijk Uilenstede" in page


def test_invitation_explains_the_vektis_portal_and_whose_mirror_is_in(hagro):
    params, data = params_and_data(FTO)
    params = params.model_copy(update={"mirror_cutoff": dt.date(2014, 1, 1)})
    page = invitation_html(params, data)
    for phrase in ("AGB-register", "geboortedatum van de praktijkhouder", "vijf werkdagen",
                   "na de peildatum (1 januari 2014)", "24 november 2026",  # 1 December - 7 days
                   "Wat neemt u mee?", "ontvangen: cijfers over 2020–2024",
                   "geen spiegel: praktijk overgenomen na de peildatum (1 januari 2014)"):
        assert phrase in page, phrase


def test_mirror_status_per_practice():
    params, data = params_and_data(FTO)
    statuses = {s.agb: s for s in mirror_status(params.model_copy(update={"data_year": 2025}), data)}
    assert not statuses["01921035"].has_mirror and not statuses["01921035"].received
    assert statuses["01149951"].years == (2020, 2021, 2022, 2023, 2024)
    assert statuses["01149951"].text_nl == "ontvangen, maar zonder cijfers over 2025 (wel over 2020–2024)"
    assert str(statuses["01149951"]).startswith("mirror received, but no figures for data year 2025")


def test_check_shows_per_practice_whether_its_mirror_was_received():
    result = CliRunner().invoke(main, ["check", str(FTO)])
    assert result.exit_code == 0, result.output
    assert "info: practice 01921035 (Huisartsenpraktijk De Ruyterweg): no mirror" in result.output
    assert ("info: practice 01370033 (Huisartsenpraktijk Arena): mirror received, data year 2024 "
            "(years 2020-2024)") in result.output


# --- escaping ----------------------------------------------------------------------------

def test_names_from_params_and_records_are_shown_literally(hagro):
    params, data = hagro
    params = params.model_copy(deep=True)
    params.practices[0].participants.append(EVIL)
    params.facilitators.append(EVIL)
    record = MeetingRecord.model_validate({
        "group_id": params.group_id, "meeting_number": 1, "date": "2026-02-10",
        "attendance": [{"agb": "01651265", "people": [{"name": EVIL, "signed": True}]}],
        "guests": [{"name": EVIL, "role": EVIL}], "notes": EVIL,
        "agreements": [{"text": EVIL, "owner": EVIL}], "providers_consulted": [{"name": EVIL}]})
    pages = {
        "agenda": agenda_html(params, [{"title": EVIL, "follow_up": EVIL}]),
        "attendance": attendance_html(params, data),
        "invitation": invitation_html(params, data),
        "report": report_html(params, record, data),
    }
    for name, page in pages.items():
        assert ESCAPED in page, name
        assert "<script" not in page, name


# --- the verslag ---------------------------------------------------------------------------

class Addresses(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("src", "href", "data")]


@pytest.mark.parametrize("params_path", DEMO_PARAMS, ids=lambda p: p.stem)
def test_a_report_exists_for_every_recorded_meeting(params_path, tmp_path):
    params, _ = load_params(params_path)
    records, problems = load_records(params_path.parent, params)
    assert records and problems == []
    for record in records:
        path = write_report(params_path, record.meeting_number, tmp_path)
        assert path == tmp_path / params.group_id / f"verslag-{record.meeting_number}.html"
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "<style>" in page
        assert f"<h1>Verslag spiegelbijeenkomst {record.meeting_number}</h1>" in page
        assert dutch.date(record.date) in page
        for agreement in record.agreements:
            assert html.escape(agreement.text) in page
        parser = Addresses()
        parser.feed(page)
        assert parser.found == []  # nothing to fetch: self-contained
    assert sorted(p.name for p in (tmp_path / params.group_id).iterdir()) == sorted(
        f"verslag-{r.meeting_number}{suffix}" for r in records for suffix in (".docx", ".html"))


def test_report_lists_absent_practices_and_missing_signatures(hagro):
    params, data = hagro
    record = read_record(record_path(HAGRO.parent, params.group_id, 3), params)
    page = report_html(params, record, data)
    assert "Niet getekend: Fatma Bakker, Ruud Koster." in page
    assert "afwezig" in page  # De Linde
    assert "KNO-arts Ziekenhuis Amstelland (H. Verbeek) (gesprek met medisch specialisten" in page


def test_cli_report_writes_the_verslag_and_names_a_missing_record(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(HAGRO), "--meeting", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "hagro-amstelveen-noord" / "verslag-2.html").exists()
    result = runner.invoke(main, ["report", str(HAGRO), "--meeting", "7", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "meetings/hagro-amstelveen-noord/meeting-7.yaml: meeting 7 has no record" in result.output


def test_verslag_opens_offline_without_errors(page, tmp_path):
    path = write_report(HAGRO, 1, tmp_path)
    page.goto(path.as_uri())
    assert page.title() == "Verslag bijeenkomst 1 Hagro Amstelveen-Noord"
    assert page.outside_requests == [] and page.console_errors == []


# --- looking back --------------------------------------------------------------------------

@pytest.fixture
def later_meeting(tmp_path):
    """Hagro Amstelveen-Noord at meeting 2, with meeting 1 recorded as discussing 2023's mirrors."""
    text = HAGRO.read_text().replace("meeting_number: 1", "meeting_number: 2")
    (tmp_path / "group.yaml").write_text(text)
    folder = tmp_path / "meetings" / "hagro-amstelveen-noord"
    folder.mkdir(parents=True)
    record = (ROOT / "params" / "meetings" / "hagro-amstelveen-noord" / "meeting-1.yaml").read_text()
    (folder / "meeting-1.yaml").write_text(record.replace("data_year: 2024", "data_year: 2023"))
    return tmp_path / "group.yaml"


def test_lookback_shows_the_previous_agreements_and_how_their_indicator_moved(later_meeting):
    group = load_group(later_meeting)
    table = compare_group(group.data, group.params)
    page = lookback_html(group.params, table, group.records)
    assert "Op 10 februari 2026 (bijeenkomst 1)" in page
    assert "Bij keel- en oorpijn vaker een uitgesteld antibioticarecept" in page
    own = table[(table["agb"] == "01651265") & (table["indicator"] == "antibiotica")].set_index("year")["index"]
    expected = (f"index {dutch.number(own[2023])} (2023) &rarr; {dutch.number(own[2024])} (2024)")
    assert f"Huisartsenpraktijk Uilenstede:\n{expected}" in page
    # the KNO agreement is for the whole group: every practice's movement is shown
    kno = page.split("Verwijzingen KNO")[1].split("</td>")[0]
    assert kno.count("&rarr;") == 4


def test_lookback_at_a_first_meeting_and_without_newer_figures(hagro):
    params, data = hagro
    table = compare_group(data, params)
    records = load_group(HAGRO).records
    assert "Dit is de eerste bijeenkomst" in lookback_html(params, table, records)
    fourth = params.model_copy(update={"meeting_number": 4})
    page = lookback_html(fourth, table, records)
    assert "Op 15 september 2026 (bijeenkomst 3)" in page
    assert "Er zijn nog geen nieuwere cijfers dan die over 2024" in page


# --- the meeting notebook ------------------------------------------------------------------

@pytest.mark.e2e
def test_meeting_notebook_runs_with_its_defaults_and_changes_no_record(tmp_path):
    records = {p: p.read_bytes() for p in (ROOT / "params" / "meetings").rglob("*.yaml")}
    out = tmp_path / "meeting_report.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "meeting_report.ipynb"), str(out),
                               kernel_name="python3", progress_bar=False, cwd=str(ROOT / "notebooks"))
    executed = nbformat.read(out, as_version=4)
    html_out = "".join(o.get("data", {}).get("text/html", "") for c in executed.cells
                       if c.cell_type == "code" for o in c.outputs)
    assert "Verslag spiegelbijeenkomst 1" in html_out and "Jaarverplichtingen 2026" in html_out
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert {p: p.read_bytes() for p in records} == records
