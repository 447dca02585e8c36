"""Meeting records: validated on load (file, line and field), written atomically, and the form."""

import datetime as dt
import shutil

import pytest

from conftest import ROOT
from spiegelkit import outputs
from spiegelkit.jupyter.meeting_form import MeetingForm
from spiegelkit.inputs.meetings import (MeetingRecord, load_record, load_records, read_record,
                                 record_path, record_yaml, save_record)
from spiegelkit.inputs.params import load_params
from spiegelkit.inputs.problems import InputError

GROUPS = ["hagro-amstelveen-noord", "fto-diemen", "zorggroep-uithoorn-aalsmeer"]
RECORDED = {"hagro-amstelveen-noord": [1, 2, 3], "fto-diemen": [1, 2],
            "zorggroep-uithoorn-aalsmeer": [1, 2, 3]}


@pytest.fixture
def demo_group(tmp_path):
    """A copy of the demo group hagro-amstelveen-noord with its records, in tmp_path."""
    shutil.copy(ROOT / "params" / "hagro-amstelveen-noord.yaml", tmp_path / "group.yaml")
    shutil.copytree(ROOT / "params" / "meetings" / "hagro-amstelveen-noord",
                    tmp_path / "meetings" / "hagro-amstelveen-noord")
    return tmp_path / "group.yaml"


def params_of(path):
    params, problems = load_params(path)
    assert params is not None, problems
    return params


def edit_record(group, number, old, new):
    path = record_path(group.parent, "hagro-amstelveen-noord", number)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("group_id", GROUPS)
def test_shipped_records_are_valid_and_written_as_save_record_writes_them(group_id):
    path = ROOT / "params" / f"{group_id}.yaml"
    records, problems = load_records(path.parent, params_of(path))
    assert problems == []
    assert [r.meeting_number for r in records] == RECORDED[group_id]
    assert all(r.date.year == 2026 for r in records)
    for record in records:
        shipped = record_path(path.parent, group_id, record.meeting_number).read_text()
        assert record_yaml(record) == shipped


def test_record_naming_an_unknown_practice_is_rejected_with_file_line_and_field(demo_group):
    # meeting-1.yaml: two comment lines, group_id, meeting_number, date, data_year,
    # facilitators and its two names, 'attendance:' on line 10, its first agb on line 11.
    path = edit_record(demo_group, 1, 'agb: "01651265"', 'agb: "01651266"')
    record, problems = load_record(path, params_of(demo_group))
    assert record is None
    [problem] = problems
    assert problem.file.endswith("meetings/hagro-amstelveen-noord/meeting-1.yaml")
    assert (problem.row, problem.field) == (11, "attendance[0].agb")
    assert "01651266 is not in group hagro-amstelveen-noord" in problem.message
    assert problem.hint.startswith("did you mean '01651265'?")


def test_record_without_date_is_rejected_with_file_and_field(demo_group):
    path = edit_record(demo_group, 2, 'date: "2026-05-12"\n', "")
    with pytest.raises(InputError) as caught:
        read_record(path, params_of(demo_group))
    [problem] = caught.value.problems
    assert problem.file.endswith("meeting-2.yaml")
    assert problem.field == "date" and problem.message == "'date' is missing"
    assert problem.row == 3  # the mapping starts after the two comment lines
    assert "meeting-2.yaml" in str(caught.value) and "field 'date'" in str(caught.value)


def test_every_problem_of_a_record_is_reported_at_once(demo_group):
    path = edit_record(demo_group, 1, "indicator: antibiotica", "indicator: antibiotika")
    edit_record(demo_group, 1, "group_id: hagro-amstelveen-noord", "group_id: hagro-elders")
    edit_record(demo_group, 1, "meeting_number: 1", "meeting_number: 4")
    edit_record(demo_group, 1, "  - name: Femke Schouten\n", "  - naam: Femke Schouten\n")
    found = {p.field: p for p in load_record(path, params_of(demo_group))[1]}
    # a misspelt key stops the model before the checks against the group: fix it first
    assert set(found) == {"attendance[1].people[0].name", "attendance[1].people[0].naam"}
    assert found["attendance[1].people[0].naam"].hint == "did you mean 'name'?"
    edit_record(demo_group, 1, "  - naam: Femke Schouten\n", "  - name: Femke Schouten\n")
    found = {p.field: p for p in load_record(path, params_of(demo_group))[1]}
    assert set(found) == {"group_id", "meeting_number", "agreements[0].indicator"}
    assert found["agreements[0].indicator"].hint == "did you mean 'antibiotica'?"
    assert found["meeting_number"].hint == "write meeting_number: 1 or rename the file"


def test_check_reports_a_broken_record(demo_group):
    from spiegelkit.run.check import check_group

    edit_record(demo_group, 3, 'agb: "01203236"', 'agb: "01203237"')
    result = check_group(demo_group)
    assert not result.ok
    [error] = [p for p in result.problems if p.is_error]
    assert error.file.endswith("meeting-3.yaml") and error.field == "attendance[2].agb"


def test_save_record_round_trips_and_keeps_the_old_file_when_writing_fails(demo_group, monkeypatch):
    params = params_of(demo_group)
    path = record_path(demo_group.parent, params.group_id, 2)
    record = read_record(path, params)
    changed = record.model_copy(update={"notes": "Nieuwe samenvatting.\nTweede regel."})
    save_record(changed, path)
    assert read_record(path, params) == changed
    assert "notes: |-\n  Nieuwe samenvatting.\n  Tweede regel.\n" in path.read_text()
    before = path.read_bytes()

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(outputs.os, "replace", crash)
    with pytest.raises(OSError):
        save_record(record, path)
    assert path.read_bytes() == before  # the target changes only by the final os.replace
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "meeting-1.yaml", "meeting-2.yaml", "meeting-3.yaml"]  # no temporary file left


def test_form_shows_a_recorded_meeting_and_gives_back_the_same_record(demo_group):
    params = params_of(demo_group)
    form = MeetingForm(demo_group, 3)
    assert form.record() == read_record(record_path(demo_group.parent, params.group_id, 3), params)
    assert form.widget.children  # builds without a browser


def test_form_records_a_new_meeting_and_writes_its_verslag(demo_group, tmp_path):
    form = MeetingForm(demo_group, 4, out_dir=tmp_path / "out")
    assert form.date.value is None  # not the planned meeting: the date must be filled in
    form.date.value = dt.date(2026, 11, 24)
    rows = form.people["01730167"]
    assert [r["name"].value for r in rows] == ["Femke Schouten", "", ""]
    rows[0]["present"].value = rows[0]["signed"].value = True
    rows[1]["name"].value, rows[1]["present"].value = "Invaller Jansen", True  # not signed
    form.guests[0]["name"].value, form.guests[0]["role"].value = "Karin Smit", "apotheker"
    agreement = form.add_agreement(text="Afbouwschema evalueren", owner="Femke Schouten")
    agreement["agb"].value = "01730167"
    agreement["indicator"].value = "maagzuurremmers"
    assert agreement["follow_up"].value == "fto"  # the catalogue's follow-up for the indicator
    form.add_agreement()  # an empty row is left out
    form.add_provider("Apotheek Amstelveen-Noord", "fto")
    form._save_clicked()
    assert "Opgeslagen in" in form.message.value

    record = read_record(record_path(demo_group.parent, "hagro-amstelveen-noord", 4), params_of(demo_group))
    assert record.date == dt.date(2026, 11, 24) and record.data_year == 2024
    assert [e.agb for e in record.attendance] == ["01730167"]
    assert record.attended("01730167") and record.signed("01730167")
    assert [p.signed for p in record.people_of("01730167")] == [True, False]
    assert len(record.agreements) == 1 and record.agreements[0].follow_up == "fto"
    assert record.providers_consulted[0].kind == "fto"
    assert (tmp_path / "out" / "hagro-amstelveen-noord" / "verslag-4.html").exists()


def test_form_reports_problems_instead_of_saving(demo_group):
    form = MeetingForm(demo_group, 4)
    form._save_clicked()  # no date
    assert "Niet opgeslagen" in form.message.value and "field &#x27;date&#x27;" in form.message.value
    assert not record_path(demo_group.parent, "hagro-amstelveen-noord", 4).exists()


def test_record_knows_attendance_signatures_and_report():
    record = MeetingRecord.model_validate({
        "group_id": "g", "meeting_number": 1, "date": "2026-03-01",
        "attendance": [{"agb": "01000001", "people": [{"name": "A", "signed": False},
                                                      {"name": "B", "signed": True}]},
                       {"agb": "01000002", "people": []}]})
    assert record.attended("01000001") and record.signed("01000001")
    assert not record.attended("01000002") and not record.signed("01000002")
    assert not record.has_report  # neither agreements nor notes
    assert record.model_copy(update={"notes": "Besproken: ..."}).has_report
