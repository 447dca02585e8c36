"""The intake workbook: its layout, and reading a filled one into the data tables.

A data adviser types each practice's Praktijkspiegel into the workbook that
:func:`spiegelkit.tools.intake.write_intake` makes: per practice one sheet with every
catalogue indicator as a row and per year the columns "praktijk", "verwacht" and
"patiënten", exactly as the printed report shows them. :func:`read_intake` turns a filled
workbook into the tables of a data folder: ``practices``, ``mirror`` in the printed form
(``value, expected_value, denominator``) and, when filled in, ``population``. Every cell
that cannot be read is reported with the sheet, row and column; an indicator whose row is
empty for a year is "not in this mirror", not a mistake.

The tables come back as text, as :func:`spiegelkit.inputs.tables.read_text_table` gives
them, so that they pass the same conversion and checks as a CSV file.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd

from spiegelkit.inputs.problems import Problem, display_path
from spiegelkit.inputs.tables import MIRROR_PRINTED, TABLES

# --- the layout, shared with the writer ---------------------------------------------------
EXPLANATION_SHEET = "Uitleg"
PRACTICES_SHEET = "Praktijken"
POPULATION_SHEET = "Populatie"
PRACTICE_SHEET_PREFIX = "Praktijk "  # + AGB code
PRACTICES_HEADER = ["AGB-code", "Naam", "Ingeschreven patiënten", "Spiegel ontvangen (ja/nee)"]
POPULATION_HEADER = ["AGB-code", "Jaar", "Leeftijd", "Geslacht", "Patiënten"]
INDICATOR_COLUMNS = ["Code", "Indicator", "Domein", "Eenheid"]  # columns A-D of a practice sheet
YEAR_COLUMNS = ["praktijk", "verwacht", "patiënten", "index"]  # per year; index is a formula
YEAR_ROW, HEADER_ROW, DEFAULT_ROW, FIRST_ROW = 2, 3, 4, 5  # rows of a practice sheet
FIELDS = {"praktijk": "value", "verwacht": "expected_value", "patiënten": "denominator"}

_REFERENCE = re.compile(r"^=\$?([A-Z]{1,3})\$?(\d+)$")
_NUMBER = re.compile(r"^\d+([.,]\d+)?$")


def practice_sheet_name(agb: str) -> str:
    return f"{PRACTICE_SHEET_PREFIX}{agb}"


def year_column(year_index: int, label: str) -> int:
    """1-based column of `label` ("praktijk", ...) in the block of the `year_index`-th year."""
    return len(INDICATOR_COLUMNS) + 1 + len(YEAR_COLUMNS) * year_index + YEAR_COLUMNS.index(label)


def number_text(value: float) -> str:
    """A number as a table cell: whole numbers without '.0', others in full (18.7)."""
    value = float(value)
    return str(int(value)) if value == int(value) else repr(value)


# --- reading -------------------------------------------------------------------------------
def read_intake(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The data tables of a filled intake workbook, as text, and every problem in it.

    Returns ``{"practices": ..., "mirror": ..., "population": ...}`` (population only when
    its sheet holds numbers). Problems name the workbook as file, the sheet row as row, and
    the sheet and column as field.
    """
    path = Path(path)
    file = display_path(path)
    try:
        book = openpyxl.load_workbook(path)  # formulas as written: the reader resolves its own
        cached = openpyxl.load_workbook(path, data_only=True)  # values Excel computed
    except Exception as exc:
        return {}, [Problem(file, f"cannot be read as an intake workbook ({exc})",
                            hint="save it from Excel as .xlsx (Excel-werkmap)")]
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    if PRACTICES_SHEET not in book.sheetnames:
        return {}, [Problem(file, f"the sheet '{PRACTICES_SHEET}' is missing",
                            hint="start from a workbook made by 'spiegelkit intake PARAMS'")]
    tables["practices"], found = _read_practices(file, book[PRACTICES_SHEET], cached[PRACTICES_SHEET])
    problems += found
    rows: list[list[str]] = []
    cells: list[tuple] = []
    for agb in tables["practices"]["agb"]:
        name = practice_sheet_name(agb)
        if name not in book.sheetnames:
            problems.append(Problem(file, f"there is no sheet '{name}' for practice {agb}",
                                    field=PRACTICES_SHEET,
                                    hint="make the workbook again with 'spiegelkit intake PARAMS'"))
            continue
        found_rows, found_cells, found = _read_practice(file, agb, book[name], cached[name])
        rows += found_rows
        cells += found_cells
        problems += found
    tables["mirror"] = pd.DataFrame(rows, columns=[c.name for c in MIRROR_PRINTED], dtype=object)
    tables["mirror"].attrs["cells"] = cells
    if POPULATION_SHEET in book.sheetnames:
        population, found = _read_population(file, book[POPULATION_SHEET], cached[POPULATION_SHEET])
        problems += found
        if len(population):
            tables["population"] = population
    return tables, problems


def _where(sheet, row: int, column: int) -> dict:
    letter = openpyxl.utils.get_column_letter(column)
    return dict(row=row, field=f"{sheet.title}!{letter}{row}")


def _cell(sheet, cached, row: int, column: int):
    """A cell's value; a formula that points at a cell of the same sheet is followed (an
    openpyxl-saved workbook has no computed values), other formulas take Excel's value."""
    value = sheet.cell(row, column).value
    for _ in range(5):
        if not (isinstance(value, str) and value.startswith("=")):
            break
        match = _REFERENCE.match(value.replace(" ", ""))
        if not match:
            return cached.cell(row, column).value
        row = int(match.group(2))
        column = openpyxl.utils.column_index_from_string(match.group(1))
        value = sheet.cell(row, column).value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (int, float)):
        return number_text(value)
    return str(value).strip()


def _number(value) -> tuple[str, str | None]:
    """(the number as table text, or '' when empty; a reason when it is no number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", None
    if isinstance(value, bool):
        return "", "is not a number"
    if isinstance(value, (int, float)):
        return number_text(value), None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    text = text.removeprefix("€").removesuffix("%")
    if not _NUMBER.match(text):
        return "", f"'{value}' is not a number"
    if re.fullmatch(r"\d+\.\d{3}", text):
        return "", (f"'{value}' is ambiguous: a thousands dot or a decimal point? type the "
                    "number as a number, without thousands separators")
    return number_text(float(text.replace(",", "."))), None


def _coordinates(sheet, row: int, columns: dict[str, int]) -> tuple:
    """Where a table row came from: (sheet, row, {field: cell}), for problems found later."""
    letter = openpyxl.utils.get_column_letter
    return sheet.title, row, {field: f"{letter(c)}{row}" for field, c in columns.items()}


def _read_practices(file: str, sheet, cached) -> tuple[pd.DataFrame, list[Problem]]:
    problems = []
    rows = []
    cells = []
    for r in range(2, sheet.max_row + 1):
        values = [_cell(sheet, cached, r, c) for c in range(1, len(PRACTICES_HEADER) + 1)]
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        agb, name, patients, has_mirror = values
        agb = _text(agb)
        if agb.isdigit() and len(agb) == 7:
            agb = "0" + agb  # a cell that Excel turned into a number lost its leading zero
        patients_text, reason = _number(patients)
        if reason or not patients_text:
            problems.append(Problem(file, f"registered patients of {agb} {reason or 'is empty'}",
                                    **_where(sheet, r, 3),
                                    hint="type the number of registered patients, a whole number"))
        if not _text(name):
            problems.append(Problem(file, f"the name of practice {agb} is empty", **_where(sheet, r, 2),
                                    hint="type the practice's name as the handout should show it"))
        rows.append([agb, _text(name), patients_text, _text(has_mirror) or "ja"])
        cells.append(_coordinates(sheet, r, dict(zip(
            ("agb", "name", "registered_patients", "has_mirror"), range(1, 5)))))
    frame = pd.DataFrame(rows, columns=[c.name for c in TABLES["practices"]], dtype=object)
    frame.attrs["cells"] = cells
    return frame, problems


def _years(sheet) -> dict[int, int]:
    """Year -> its index in the sheet, from the year row above each block."""
    years = {}
    index = 0
    while True:
        value = sheet.cell(YEAR_ROW, year_column(index, "praktijk")).value
        if value is None:
            return years
        years[int(value)] = index
        index += 1


def _read_practice(file: str, agb: str, sheet, cached) -> tuple[list[list[str]], list, list[Problem]]:
    problems: list[Problem] = []
    rows = []
    located = []
    years = _years(sheet)
    for r in range(FIRST_ROW, sheet.max_row + 1):
        indicator = _text(sheet.cell(r, 1).value)
        if not indicator:
            continue
        for year, index in years.items():
            cells, unreadable = {}, set()
            for label in FIELDS:
                column = year_column(index, label)
                text, reason = _number(_cell(sheet, cached, r, column))
                if reason:
                    problems.append(Problem(
                        file, f"{label} {year} of {indicator}: {reason}", **_where(sheet, r, column),
                        hint="type the figure as the Praktijkspiegel prints it, as a number"))
                    unreadable.add(label)
                cells[label] = text
            if not cells["praktijk"] and not cells["verwacht"] and not unreadable:
                continue  # not in this mirror
            for label, needed in (("praktijk", "the practice's figure"),
                                  ("patiënten", "the number of patients it relates to")):
                if not cells[label] and label not in unreadable:
                    problems.append(Problem(
                        file, f"{label} {year} of {indicator} is empty, but the row has other "
                        "figures for that year", **_where(sheet, r, year_column(index, label)),
                        hint=f"fill in {needed} from the Praktijkspiegel, or empty the row's "
                             f"{year} cells if the indicator is not in this mirror"))
            rows.append([agb, str(year), indicator, cells["praktijk"], cells["verwacht"],
                         cells["patiënten"]])
            located.append(_coordinates(sheet, r, {
                "value": year_column(index, "praktijk"), "expected_value": year_column(index, "verwacht"),
                "denominator": year_column(index, "patiënten"), "indicator": 1, "agb": 1, "year": 1}))
    return rows, located, problems


def _read_population(file: str, sheet, cached) -> tuple[pd.DataFrame, list[Problem]]:
    """The population sheet: a practice-year is taken when all its cells are filled, skipped
    when all are empty, and a problem when only some are."""
    problems = []
    blocks: dict[tuple[str, str], list] = {}
    for r in range(2, sheet.max_row + 1):
        agb, year, band, sex = (_text(sheet.cell(r, c).value) for c in range(1, 5))
        if not agb:
            continue
        text, reason = _number(_cell(sheet, cached, r, 5))
        if reason:
            problems.append(Problem(file, f"patients {reason}", **_where(sheet, r, 5),
                                    hint="type the number of patients as a whole number"))
        blocks.setdefault((agb, year), []).append((r, [agb, year, band, sex, text]))
    rows = []
    located = []
    for (agb, year), block in blocks.items():
        empty = [r for r, values in block if values[-1] == ""]
        if len(empty) == len(block):
            continue
        for r in empty:
            problems.append(Problem(
                file, f"patients of {agb} in {year} is empty, but other age bands are filled",
                **_where(sheet, r, 5), hint="fill in every age band and sex (0 where there are "
                                            "none), or leave the practice-year empty"))
        rows += [values for _, values in block]
        located += [_coordinates(sheet, r, dict(zip(("agb", "year", "age_band", "sex", "patients"),
                                                     range(1, 6)))) for r, _ in block]
    frame = pd.DataFrame(rows, columns=[c.name for c in TABLES["population"]], dtype=object)
    frame.attrs["cells"] = located
    return frame, problems
