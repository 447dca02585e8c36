"""One group, loaded once: params, data and the meeting records beside the params file,
wherever it lives; the handout's look-back and obligations read them from there."""

import re
import shutil

import pytest

from conftest import ROOT
from spiegelkit.inputs.group import load_group
from spiegelkit.render.handout import Handout
from spiegelkit.run.manifest import group_inputs

GROUP = "fto-diemen"  # at its 3rd meeting: meetings 1 and 2 are recorded


@pytest.fixture
def elsewhere(tmp_path):
    """The demo group and its meetings folder copied to a folder outside the project."""
    params = tmp_path / "x" / "params"
    params.mkdir(parents=True)
    shutil.copy(ROOT / "params" / f"{GROUP}.yaml", params)
    meetings = params / "meetings" / GROUP
    shutil.copytree(ROOT / "params" / "meetings" / GROUP, meetings)
    # what only the copy holds: a reworded agreement, and the 3rd meeting recorded
    second = (meetings / "meeting-2.yaml").read_text(encoding="utf-8")
    (meetings / "meeting-2.yaml").write_text(second.replace(
        "Een DTO over vitamine D-bepalingen", "Alleen in de kopie - een DTO over vitamine D"),
        encoding="utf-8")
    (meetings / "meeting-3.yaml").write_text(
        second.replace("meeting_number: 2", "meeting_number: 3")
              .replace('date: "2026-10-06"', 'date: "2026-12-01"'), encoding="utf-8")
    return params / f"{GROUP}.yaml"


def test_a_group_outside_the_project_reads_its_own_records(elsewhere, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no params/ here, and not the project's
    group = load_group(elsewhere)
    assert group.ok, group.problems
    assert [r.meeting_number for r in group.records] == [1, 2, 3]
    assert set(group.input_files()) >= {"params", "meetings/meeting-1.yaml",
                                        "meetings/meeting-2.yaml", "meetings/meeting-3.yaml"}


def test_its_handout_looks_back_at_its_previous_meeting_and_counts_its_obligations(elsewhere,
                                                                                  monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    handout = Handout.from_notebook({"params_file": str(elsewhere), "focus_agb": None})
    lookback = handout.lookback()
    assert "Alleen in de kopie - een DTO over vitamine D" in lookback
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", handout.obligations()))
    # Diemen-Noord attended all three recorded meetings of 2026 (the project's params/ has two)
    assert "Huisartsenpraktijk Diemen-Noord 3 van 3" in text


def test_editing_a_record_changes_the_groups_inputs(elsewhere):
    before = group_inputs(load_group(elsewhere), {})
    record = elsewhere.parent / "meetings" / GROUP / "meeting-2.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert group_inputs(load_group(elsewhere), {}) != before
