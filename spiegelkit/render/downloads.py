"""The handout's data as CSV and XLSX: inside the handout as download links, and beside it.

The table uses the same practice labels as the handout it belongs to, so a pseudonymised
per-practice version carries no other practice's name or AGB code in its downloads either.
"""

from __future__ import annotations

import base64
import datetime
import functools
import io
import itertools
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
import pandas as pd

from spiegelkit.render.html import Html, render
from spiegelkit.outputs import atomic_path

COLUMNS = {  # comparison column -> Dutch heading
    "practice": "praktijk", "agb": "agb_code", "year": "jaar", "domain": "domein",
    "indicator": "indicator", "title": "omschrijving", "unit": "eenheid", "value": "waarde",
    "expected_value": "verwachte_waarde", "observed": "waargenomen", "denominator": "noemer",
    "expected": "verwacht", "expected_source": "bron_verwachting", "index": "index",
    "lower": "ondergrens", "upper": "bovengrens", "confidence": "betrouwbaarheid",
    "method": "methode", "significance_nl": "uitkomst", "small_numbers": "kleine_aantallen",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_table(table: pd.DataFrame, shown_agbs: set[str]) -> pd.DataFrame:
    """The comparison in Dutch columns; AGB codes only for the practices in `shown_agbs`."""
    frame = table[list(COLUMNS)].copy()
    frame["agb"] = frame["agb"].where(frame["agb"].isin(shown_agbs), "")
    for column in ("value", "expected_value", "expected", "index", "lower", "upper"):
        frame[column] = frame[column].astype(float).round(3)
    return frame.rename(columns=COLUMNS).reset_index(drop=True)


# A text cell starting with one of these is taken for a formula by Excel and LibreOffice
# (OWASP, "CSV Injection"): =HYPERLINK(...) in a practice name would become a live link.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value) -> bool:
    """Whether a cell value is text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every risky text cell prefixed by an apostrophe, so that a spreadsheet
    shows it as text (OWASP's advice for CSV). Numbers, negative ones too, stay numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column]
            texts = [v for v in values.tolist() if isinstance(v, str)]  # quick checks first
            if any(map(is_risky, texts)):
                risky = values.map(is_risky).astype(bool)
                values = values.where(~risky, "'" + values.astype(str))
            # a lone CR is no line end to the CSV writer, so it would not quote the cell
            # and a spreadsheet would split the row there: make it a quoted line break
            if "\r" in "".join(texts):
                has_cr = values.map(lambda v: isinstance(v, str) and "\r" in v).astype(bool)
                values = values.where(~has_cr, values.astype(str).str.replace("\r\n?", "\n",
                                                                              regex=True))
            out[column] = values
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as Dutch Excel opens it: semicolons, decimal comma, UTF-8 with BOM; no text cell
    can act as a formula."""
    return defused(frame).to_csv(index=False, sep=";", decimal=",",
                                 lineterminator="\n").encode("utf-8-sig")


FIXED_TIME = datetime.datetime(2000, 1, 1)  # same data, same bytes: no write time inside


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """An Excel workbook of `frame` whose bytes depend on the data only. A text cell that
    starts like a formula is written as text with Excel's quote prefix: never a formula.

    openpyxl makes the workbook. The cells of a table of plain values (text, numbers,
    booleans, empty) are written as openpyxl writes them, but as text in one go instead of
    an XML element per cell, which was a third of a group handout's time; any other table
    is written by openpyxl cell by cell (``tests/test_downloads.py`` checks that both give
    the same bytes)."""
    header = [str(c) for c in frame.columns]
    sheet_data = _plain_sheet_data([[name, *cell_values(frame.iloc[:, i])]
                                    for i, name in enumerate(header)])
    if sheet_data is None:
        return _fixed_zip(_workbook(header, frame.astype(object).where(frame.notna(), None)))
    return _fixed_zip(_empty_workbook(), sheet_data)


def cell_values(column: pd.Series) -> list:
    """The column's values as Python objects, None where missing: what a cell is made of."""
    return [None if missing else value
            for value, missing in zip(column.astype(object).tolist(), column.isna().tolist())]


def _workbook(header: list[str] | None = None, rows: pd.DataFrame | None = None) -> bytes:
    """The workbook as openpyxl saves it, its cells the `header` and `rows`; without cells
    when `rows` is None."""
    book = openpyxl.Workbook(write_only=True)  # streams rows: a third of pandas' time
    sheet = book.create_sheet("spiegel")

    def cell(value):
        if not is_risky(value):
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type, text.quotePrefix = "s", True  # openpyxl would make it a formula
        return text

    if rows is not None:
        sheet.append([cell(c) for c in header])
        for row in rows.itertuples(index=False):
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SHEET, EMPTY_SHEET_DATA = "xl/worksheets/sheet1.xml", b"<sheetData></sheetData>"
_ERROR_CODES = frozenset(ERROR_CODES)


def _plain_sheet_data(columns: list[list]) -> bytes | None:
    """``<sheetData>`` of `columns` (each a column's values, its heading first; at least
    one column) as openpyxl's write-only sheet writes them (lxml): text inline, in ASCII
    with character references, numbers as ``%.16g``, booleans as 1/0, no cell for None.
    None when a value needs openpyxl's own handling (a formula-like, error-like or illegal
    text, a long text, another type). Made column by column, each text of a column
    written once: a data table repeats its practices, indicators and titles on every row."""
    cells = []
    for letter, values in zip(map(get_column_letter, itertools.count(1)), columns):
        texts: dict[str, str] = {}
        column = []
        for number, value in enumerate(values, start=1):
            kind = type(value)
            if value is None:
                column.append("")
                continue
            if kind is str:
                body = texts.get(value)
                if body is None:
                    body = texts[value] = _text_cell(value)
                    if body is None:
                        return None
            elif kind is bool:
                body = f' t="b"><v>{int(value)}</v></c>'
            elif kind is int or kind is float:
                text = "" if value != value or value in (math.inf, -math.inf) else "%.16g" % value
                body = f' t="n"><v>{text}</v></c>'
            else:
                return None
            column.append(f'<c r="{letter}{number}"{body}')
        cells.append(column)
    rows = (f'<row r="{number}">' for number in range(1, len(cells[0]) + 1))
    return "".join(["<sheetData>", *itertools.chain.from_iterable(
        zip(rows, *cells, itertools.repeat("</row>"))), "</sheetData>"]).encode("ascii", "xmlcharrefreplace")


def _text_cell(value: str) -> str | None:
    """A text cell after its reference, as openpyxl writes it; None for a text openpyxl must
    write itself."""
    if is_risky(value) or value in _ERROR_CODES or len(value) > 32767 or \
            ILLEGAL_CHARACTERS_RE.search(value):
        return None
    if not value:
        return ' t="inlineStr"></c>'
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


@functools.lru_cache(maxsize=1)
def _empty_workbook() -> bytes:
    """The workbook openpyxl saves without cells: the same for every table (its cells go
    into it as sheet data)."""
    return _workbook()


def _fixed_zip(workbook: bytes, sheet_data: bytes | None = None) -> bytes:
    """`workbook` with fixed times in its zip and its properties (same data, same bytes),
    and `sheet_data`, when given, in its empty sheet."""
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2000-01-01T00:00:00Z", content)
            if item.filename == SHEET and sheet_data is not None:
                if content.count(EMPTY_SHEET_DATA) != 1:
                    raise RuntimeError(f"openpyxl wrote {SHEET} without one {EMPTY_SHEET_DATA!r}")
                content = content.replace(EMPTY_SHEET_DATA, sheet_data)
            target.writestr(info, content)
    return fixed.getvalue()


@dataclass(frozen=True)
class DataFiles:
    """A handout's data as its download links carry them: CSV and XLSX as data: addresses."""

    rows: int
    csv: str
    xlsx: str


def data_files(frame: pd.DataFrame) -> DataFiles:
    """`frame` (a :func:`data_table`) as the CSV and XLSX of a handout's download links
    (made once for a group's handouts under the same labels: ``render.handout``)."""
    return DataFiles(len(frame), "data:text/csv;base64," + base64.b64encode(csv_bytes(frame)).decode(),
                     f"data:{XLSX_TYPE};base64," + base64.b64encode(xlsx_bytes(frame)).decode())


def download_links(files: DataFiles, stem: str) -> Html:
    """Links that save the data from inside the offline handout, as `stem`.csv and .xlsx."""
    return render("downloads.html.j2", rows=files.rows, files=[
        dict(name=f"{stem}.csv", kind="CSV (Excel, puntkomma)", href=files.csv),
        dict(name=f"{stem}.xlsx", kind="Excel-werkmap", href=files.xlsx)])


DOWNLOAD_LINK = re.compile(r'<a download="([^"/]+)" href="data:[^;"]+;base64,')


def embedded_downloads(handout: str) -> dict[str, bytes]:
    """The files inside a handout's download links, by name (see :func:`download_links`).
    Each link's data runs to its closing quote, found by a plain text search: the pattern
    looking at each of its 300,000 characters took as long as writing the handout."""
    files = {}
    for link in DOWNLOAD_LINK.finditer(handout, max(handout.find('<a download="'), 0)):
        end = handout.find('"', link.end())
        if end > 0:
            files[link.group(1)] = base64.b64decode(handout[link.end():end])
    return files


def write_embedded_downloads(handout: str, folder: Path) -> list[Path]:
    """Write the files of a handout's download links beside it, atomically: the CSV and
    XLSX beside a handout are the very bytes inside it."""
    written = []
    for name, content in embedded_downloads(handout).items():
        target = Path(folder) / name
        with atomic_path(target) as tmp:
            tmp.write_bytes(content)
        written.append(target)
    return written
