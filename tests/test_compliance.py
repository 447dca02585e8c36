"""The year's obligations per practice, worked out by hand from the demo records of 2026."""

import datetime as dt
import json
import shutil

from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.cli import main
from spiegelkit.analysis.compliance import year_obligations
from spiegelkit.inputs.group import load_group
from spiegelkit.render.facilitation import compliance_html

DEMO_PARAMS = sorted((ROOT / "params").glob("*.yaml"))


def groups(paths):
    return [load_group(p) for p in paths]

TODAY = dt.date(2026, 11, 22)
MEETING = "nog 1 bijeenkomst nodig vóór 31 december 2026"
SPECIALISTS = "nog overleg nodig: gesprek met medisch specialisten over verwijzen en terugverwijzen"

# Worked out by hand from params/meetings/*/meeting-*.yaml (3 meetings a year are required):
# agb: (meetings attended, reports, signed lists, provider talks at attended meetings, still needed)
EXPECTED = {
    # hagro-amstelveen-noord: 10 Feb (all 4), 12 May (FTO with the pharmacist; Keizer Karelpark
    # absent), 15 Sep (KNO specialist; De Linde absent, Ruud Koster of Keizer Karelpark did not sign).
    # Agreed follow-ups: fto (Uilenstede, 10 Feb), fto (De Linde, 10 Feb), specialists (group,
    # 10 Feb), fto (group, 12 May), specialists (group, 15 Sep).
    "01651265": (3, 3, 3, 2, []),
    "01730167": (2, 2, 2, 1, [MEETING, SPECIALISTS + " (afgesproken op 10 februari 2026)"]),
    "01991195": (3, 3, 3, 2, []),  # Fatma Bakker did not sign on 15 Sep, Marloes Brouwer did
    "01203236": (2, 2, 1, 1, [
        MEETING,
        "getekende deelnemerslijst ontbreekt: bijeenkomst 3 van Hagro Amstelveen-Noord (15 september 2026)",
        "nog overleg nodig: FTO met de apotheker (afgesproken op 12 mei 2026)"]),
    # fto-diemen: 21 Apr (all 4, pharmacist), 6 Oct (Arena absent, pharmacist); the DTO with the
    # lab agreed for the whole group on 6 Oct has not taken place.
    "01149951": (2, 2, 2, 2, [MEETING, "nog overleg nodig: DTO met het laboratorium (afgesproken op 6 oktober 2026)"]),
    "01921035": (2, 2, 2, 2, [MEETING, "nog overleg nodig: DTO met het laboratorium (afgesproken op 6 oktober 2026)"]),
    "01817114": (2, 2, 2, 2, [MEETING, "nog overleg nodig: DTO met het laboratorium (afgesproken op 6 oktober 2026)"]),
    "01370033": (1, 1, 1, 1, ["nog 2 bijeenkomsten nodig vóór 31 december 2026",
                              "nog overleg nodig: DTO met het laboratorium (afgesproken op 6 oktober 2026)"]),
    # zorggroep-uithoorn-aalsmeer: 19 May (all 5), 7 Jul (orthopaedic surgeon; Kudelstaart
    # absent), 13 Oct (all 5). Follow-ups: specialists (group, 19 May and 7 Jul), ggz
    # (Thamerdal, 19 May) never held.
    "01558428": (3, 3, 3, 1, []),
    "01659890": (3, 3, 3, 1, ["nog overleg nodig: overleg met GGZ-aanbieders (afgesproken op 19 mei 2026)"]),
    "01995804": (3, 3, 3, 1, []),
    "01834599": (3, 3, 3, 1, []),
    "01860529": (2, 2, 2, 0, [MEETING, SPECIALISTS + " (afgesproken op 19 mei 2026)"]),
}


def summary(practice: dict) -> tuple:
    return (practice["meetings_attended"], practice["reports_present"],
            practice["signed_lists_present"], practice["provider_talks"], practice["still_needed"])


def test_demo_year_lists_every_practice_with_what_is_done_and_what_is_missing():
    result = year_obligations(groups(DEMO_PARAMS), 2026, today=TODAY)
    assert result.problems == []
    found = {p["agb"]: summary(p) for p in result.to_json()["practices"]}
    assert found == EXPECTED
    done = {p.agb for p in result.practices if p.done}
    assert done == {"01651265", "01991195", "01558428", "01995804", "01834599"}


def test_a_past_year_without_records_falls_three_meetings_short_everywhere():
    result = year_obligations(groups(DEMO_PARAMS), 2025, today=TODAY)
    assert len(result.practices) == 13
    assert all(p.needed == ["3 bijeenkomsten te weinig in 2025 (0 van de 3)"] for p in result.practices)
    result = year_obligations(groups(DEMO_PARAMS), 2027, today=TODAY)
    assert all(p.needed == ["nog 3 bijeenkomsten nodig vóór 31 december 2027"] for p in result.practices)


def test_after_the_deadline_the_shortfall_is_stated():
    result = year_obligations(groups(DEMO_PARAMS), 2026, today=dt.date(2027, 1, 4))
    arena = next(p for p in result.practices if p.agb == "01370033")
    assert arena.needed[0] == "2 bijeenkomsten te weinig in 2026 (1 van de 3)"


def test_meetings_of_all_groups_of_a_practice_count(tmp_path):
    # De Linde (01730167) also joins a second group that met on 1 December 2026 with a
    # KNO specialist: 3 meetings, and the specialists follow-up is met.
    shutil.copy(ROOT / "params" / "hagro-amstelveen-noord.yaml", tmp_path)
    shutil.copytree(ROOT / "params" / "meetings" / "hagro-amstelveen-noord",
                    tmp_path / "meetings" / "hagro-amstelveen-noord")
    second = (ROOT / "params" / "hagro-amstelveen-noord.yaml").read_text().replace(
        "group_id: hagro-amstelveen-noord", "group_id: dto-extra")
    (tmp_path / "dto-extra.yaml").write_text(second)
    (tmp_path / "meetings" / "dto-extra").mkdir()
    (tmp_path / "meetings" / "dto-extra" / "meeting-1.yaml").write_text(
        'group_id: dto-extra\nmeeting_number: 1\ndate: "2026-12-01"\n'
        'attendance:\n- agb: "01730167"\n  people:\n  - {name: Femke Schouten, signed: true}\n'
        'notes: Extra bijeenkomst.\n'
        'providers_consulted:\n- {name: KNO-arts, kind: specialists}\n')
    result = year_obligations(groups(sorted(tmp_path.glob("*.yaml"))), 2026, today=TODAY)
    de_linde = next(p for p in result.practices if p.agb == "01730167")
    assert de_linde.groups == ["dto-extra", "hagro-amstelveen-noord"]
    assert len(de_linde.attended) == 3 and de_linde.done


def test_cli_compliance_prints_text_and_json():
    runner = CliRunner()
    text = runner.invoke(main, ["compliance", "--year", "2026", *map(str, DEMO_PARAMS)])
    assert text.exit_code == 0, text.output
    assert "01730167 Huisartsenpraktijk De Linde" in text.output
    assert f"    - {MEETING}" in text.output
    as_json = runner.invoke(main, ["compliance", "--year", "2026", "--json", *map(str, DEMO_PARAMS)])
    data = json.loads(as_json.output)
    assert data["year"] == 2026 and data["required_meetings"] == 3
    assert {p["agb"] for p in data["practices"]} == set(EXPECTED)


def test_cli_compliance_fails_with_the_problems_of_a_broken_record(tmp_path):
    shutil.copy(ROOT / "params" / "fto-diemen.yaml", tmp_path / "fto-diemen.yaml")
    folder = tmp_path / "meetings" / "fto-diemen"
    shutil.copytree(ROOT / "params" / "meetings" / "fto-diemen", folder)
    record = folder / "meeting-2.yaml"
    record.write_text(record.read_text().replace('date: "2026-10-06"\n', ""))
    result = CliRunner().invoke(main, ["compliance", "--year", "2026", str(tmp_path / "fto-diemen.yaml")])
    assert result.exit_code == 1
    assert "meeting-2.yaml" in result.output and "field 'date'" in result.output


def test_compliance_section_for_the_handout():
    params = load_group(ROOT / "params" / "hagro-amstelveen-noord.yaml").params
    html = compliance_html(params, year_obligations(groups(DEMO_PARAMS), 2026, today=TODAY))
    assert html.count("<tr>") == 1 + 4  # header and the group's four practices
    assert "Huisartsenpraktijk Keizer Karelpark" in html and "Huisartsen Diemen" not in html
    assert MEETING in html and "voldaan" in html


def test_counted_for_some_practices_and_without_data_the_same_as_for_all():
    # A handout counts only its own practices, over the groups of its folder read without
    # their data (load_groups): the same figures as the full count above, names aside.
    from spiegelkit.analysis.compliance import obligations_of
    from spiegelkit.inputs.group import load_groups

    light = load_groups(ROOT / "params")
    assert all(g.data is None and g.params for g in light)
    own = {"01730167", "01203236", "01370033"}
    some = obligations_of(light, 2026, TODAY, own)
    assert {p.agb: summary(p.to_json()) for p in some.practices} == {a: EXPECTED[a] for a in own}
    assert all(p.name == p.agb for p in some.practices)  # named by the handout's own data
    assert obligations_of(light, 2026, TODAY, own) is some  # the versions of a group share it


def test_a_folder_held_is_looked_at_once_and_seen_anew_after(tmp_path):
    # The versions of a group count the obligations from one look at the params folder:
    # a params file added while it is held is counted by the next look, after.
    from spiegelkit.inputs.group import folders_held, load_groups

    shutil.copy(ROOT / "params" / "fto-diemen.yaml", tmp_path)
    with folders_held():
        before = load_groups(tmp_path)
        shutil.copy(ROOT / "params" / "hagro-amstelveen-noord.yaml", tmp_path)
        with folders_held():  # held within held: still the same look
            assert load_groups(tmp_path) is before
        assert load_groups(tmp_path) is before
    assert [g.params.group_id for g in before] == ["fto-diemen"]
    assert sorted(g.params.group_id for g in load_groups(tmp_path)) == [
        "fto-diemen", "hagro-amstelveen-noord"]
