"""The XLSX download: its cells written in one go are the cells openpyxl writes itself."""

import io
import math

import openpyxl
import pandas as pd
import pytest

from conftest import DATA, ROOT
from spiegelkit.analysis.compare import compare_group
from spiegelkit.render import downloads
from spiegelkit.render.downloads import data_table, xlsx_bytes
from spiegelkit.run.check import check_group


def by_openpyxl(frame: pd.DataFrame) -> bytes:
    """The workbook with every cell written by openpyxl's own (write-only, lxml) writer."""
    rows = frame.astype(object).where(frame.notna(), None)
    header = [str(c) for c in frame.columns]
    return downloads._fixed_zip(downloads._workbook(header, rows))


def columns(frame: pd.DataFrame) -> list[list]:
    """Each column's heading and values, as xlsx_bytes gives them to _plain_sheet_data."""
    return [[str(name), *downloads.cell_values(frame.iloc[:, i])]
            for i, name in enumerate(frame.columns)]


@pytest.mark.parametrize("group", ["mini", "demo"])
def test_a_groups_table_is_the_workbook_openpyxl_writes(group):
    path = DATA / "mini-group.yaml" if group == "mini" else ROOT / "params" / "fto-diemen.yaml"
    checked = check_group(path)
    frame = data_table(compare_group(checked.data, checked.params), {checked.params.practices[0].agb})
    assert len(frame) > (5 if group == "mini" else 100)
    assert downloads._plain_sheet_data(columns(frame)) is not None
    assert xlsx_bytes(frame) == by_openpyxl(frame)


def test_texts_numbers_and_gaps_are_written_as_openpyxl_writes_them():
    frame = pd.DataFrame({
        "text": ["", " voor", "na ", " ", "a & b < c > d \"'", "regel\r\nregel\ttab", "ÿ€é✓😀",
                 "Praktijk 't Hof", "#N/B"],
        "number": [0.1, -0.0, 1e17, 88.15000000000001, 1 / 3, 1e-7, math.nan, 2.5, -12.0],
        "count": [0, 1, -7, 2 ** 60, 10 ** 15, 3, 4, 5, 6],
        "flag": [True, False, True, False, True, False, True, False, True],
        "gap": [None, "x", None, "y", None, None, "z", None, None],
    })
    assert downloads._plain_sheet_data(columns(frame)) is not None
    written = xlsx_bytes(frame)
    assert written == by_openpyxl(frame)
    sheet = openpyxl.load_workbook(io.BytesIO(written)).active
    assert sheet["A3"].value == " voor" and sheet["A7"].value == "regel\r\nregel\ttab"
    assert sheet["B8"].value is None and sheet["E2"].value is None and sheet["D2"].value is True


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "-5 patiënten", "#N/A", "x" * 40000,
                                   pd.Timestamp("2024-01-01")])
def test_what_openpyxl_must_handle_itself_goes_to_openpyxl(value):
    """Formula-like and error-like texts, over-long texts, other types: cell by cell."""
    frame = pd.DataFrame({"praktijk": ["De Linde", value], "index": [101.5, 99.0]})
    assert downloads._plain_sheet_data(columns(frame)) is None
    assert xlsx_bytes(frame) == by_openpyxl(frame)
