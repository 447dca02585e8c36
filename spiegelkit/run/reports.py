"""The verslag of a recorded meeting, written beside the group's handouts or previewed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spiegelkit.analysis.compare import compare_group
from spiegelkit.analysis.compliance import obligations_of
from spiegelkit.inputs.group import Group, load_groups, open_group
from spiegelkit.inputs.meetings import MeetingRecord, missing_record, record_path
from spiegelkit.outputs import atomic_path, write_text
from spiegelkit.paths import OUTPUTS
from spiegelkit.render.facilitation import (compliance_html, report_context, report_html, report_page,
                                            report_path)
from spiegelkit.render.verslag_docx import report_document
from spiegelkit.render.html import Html, render


def write_report(params_path: Path, meeting_number: int, out_dir: Path = OUTPUTS) -> Path:
    """Write ``<out_dir>/<group_id>/verslag-<n>.html`` from the meeting's record, and beside
    it the editable ``verslag-<n>.docx``, atomically; returns the HTML's path.

    Raises :class:`InputError` with every problem when the params, data or records are wrong
    or the meeting has no record.
    """
    group = open_group(params_path)
    record = _record(group, meeting_number)
    if record is None:
        raise missing_record(record_path(group.folder, group.group_id, meeting_number), meeting_number)
    return _write(group, record, out_dir)


def write_reports(group: Group, out_dir: Path = OUTPUTS) -> list[Path]:
    """A verslag (HTML and .docx) for every recorded meeting of a (checked) group; returns
    the HTML paths."""
    table = compare_group(group.data, group.params) if group.records else None
    return [_write(group, record, out_dir, table) for record in group.records]


def report_preview(params_path: Path, meeting_number: int) -> Html:
    """The verslag of a recorded meeting, or a note that it has not been recorded yet."""
    group = open_group(params_path)
    record = _record(group, meeting_number)
    if record is None:
        return render("report.html.j2", params=group.params, record=None,
                      meeting_number=meeting_number)
    return report_html(group.params, record, group.data, organisation=group.organisation)


def _record(group: Group, meeting_number: int) -> MeetingRecord | None:
    return next((r for r in group.records if r.meeting_number == meeting_number), None)


def _write(group: Group, record: MeetingRecord, out_dir: Path,
           table: pd.DataFrame | None = None) -> Path:
    target = report_path(out_dir, group.group_id, record.meeting_number)
    if table is None and record.indicators_discussed:
        table = compare_group(group.data, group.params)
    context = report_context(group.params, record, group.data, table, group.organisation)
    write_text(target, report_page(group.params, record, group.data, table, group.organisation))
    with atomic_path(report_path(out_dir, group.group_id, record.meeting_number, ".docx")) as tmp:
        report_document(context).save(tmp)
    return target


def obligations_preview(params_file: Path, year: int) -> Html:
    """The year's obligations of a group's practices, counted over every group whose params
    file sits beside this one."""
    group = open_group(params_file)
    obligations = obligations_of(load_groups(group.folder), year,
                                 agbs={p.agb for p in group.params.practices})
    return compliance_html(group.params, obligations, group.organisation, group.data)
