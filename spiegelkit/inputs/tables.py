"""Reading the data tables: CSV (comma or semicolon, decimal point or comma) and XLSX.

The data model is declared here as data: one list of :class:`Column` per table. A table is
read as text first and then converted column by column, so that every bad value can be
reported with its file, row and field instead of failing on the first.
"""

from __future__ import annotations

import collections
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from spiegelkit.inputs.problems import Problem, display_path

AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
SEXES = ["M", "V"]
AGB_PATTERN = re.compile(r"^\d{8}$")
GP_AGB_PATTERN = re.compile(r"^01\d{6}$")
TRUE_WORDS = {"true", "ja", "yes", "1", "waar", "j", "y"}
FALSE_WORDS = {"false", "nee", "no", "0", "onwaar", "n"}


@dataclass(frozen=True)
class Column:
    """One column of a data table: its name, kind, and whether a value is required."""

    name: str
    kind: str  # a key of CONVERTERS
    required: bool = True
    minimum: float | None = None
    meaning: str = ""
    maximum: float | None = None  # beyond it a value is a typing error (and could overflow)
    above: float | None = None  # values must be larger than this (an expected value of 0)


TABLES: dict[str, list[Column]] = {
    "practices": [
        Column("agb", "agb", meaning="AGB code of the practice, 8 digits kept as text"),
        Column("name", "text", meaning="practice name"),
        Column("registered_patients", "int", minimum=0, meaning="registered patients",
               maximum=1_000_000),
        Column("has_mirror", "bool", meaning="whether the practice has a Praktijkspiegel"),
    ],
    "population": [
        Column("agb", "agb"),
        Column("year", "year"),
        Column("age_band", "age_band"),
        Column("sex", "sex"),
        Column("patients", "int", minimum=0, maximum=1_000_000),
    ],
    "mirror": [
        Column("agb", "agb"),
        Column("year", "year"),
        Column("indicator", "text"),
        Column("observed", "number", minimum=0, meaning="count, or euros for costs",
               maximum=1e10),
        Column("denominator", "int", minimum=1, meaning="patients the figure relates to",
               maximum=10_000_000),
        Column("expected", "number", required=False, minimum=0, above=0, maximum=1e10,
               meaning="expected value given by the source; blank = standardise"),
    ],
    "reference": [
        Column("indicator", "text"),
        Column("year", "year"),
        Column("age_band", "age_band"),
        Column("sex", "sex"),
        Column("rate", "number", minimum=0, meaning="national rate per patient per year",
               maximum=1e6),
    ],
    "spread": [  # optional: the national distribution of practice indices
        Column("indicator", "text"),
        Column("year", "year"),
        *(Column(f"p{q}", "number", minimum=0, meaning=f"{q}th percentile of the practices' "
                 "indices (100 = as expected) in the Netherlands") for q in (5, 25, 50, 75, 95)),
    ],
}
OPTIONAL_TABLES = {"spread"}
"""Tables a data folder may leave out: read as empty, without a problem."""

# The mirror as the Praktijkspiegel prints it: figures in the indicator's own unit (catalogue
# `unit` and `multiplier`); spiegelkit converts them to the counts form (inputs/dataset.py).
MIRROR_PRINTED: list[Column] = [
    Column("agb", "agb"),
    Column("year", "year"),
    Column("indicator", "text"),
    Column("value", "number", minimum=0,
           meaning="the practice's figure as printed, in the indicator's unit (18,7 for 18,7 %)"),
    Column("expected_value", "number", required=False, minimum=0,
           meaning="the expected figure as printed, in the indicator's unit; blank = standardise"),
    Column("denominator", "int", minimum=1, meaning="patients the figure relates to"),
]
FORMS: dict[str, dict[str, list[Column]]] = {  # table -> form -> columns; first = default
    "mirror": {"counts": TABLES["mirror"], "printed": MIRROR_PRINTED},
}


def table_form(raw: pd.DataFrame, name: str) -> str:
    """Which form a table is in: "printed" for a mirror with `value` and no `observed`."""
    if name == "mirror" and "value" in raw.columns and "observed" not in raw.columns:
        return "printed"
    return "counts"


def _form_problems(raw: pd.DataFrame, name: str, file: str) -> list[Problem]:
    if name == "mirror" and {"value", "observed"} <= set(raw.columns):
        return [Problem(file, "the mirror table has both 'observed' (counts form) and 'value' "
                        "(printed form)", row=1, field="value",
                        hint="use one form per file: observed, denominator, expected (counts) or "
                             "value, expected_value, denominator (as printed in the Praktijkspiegel)")]
    return []


KEYS: dict[str, list[str]] = {
    "practices": ["agb"],
    "population": ["agb", "year", "age_band", "sex"],
    "mirror": ["agb", "year", "indicator"],
    "reference": ["indicator", "year", "age_band", "sex"],
    "spread": ["indicator", "year"],
}


MAX_TABLE_BYTES = 256 * 2 ** 20  # a national mirror of 5,000 practices is some 40 MB
MAX_XLSX_CONTENT = 1024 * 2 ** 20  # unpacked size of a workbook's parts (a zip bomb is not read)
MAX_ROWS = 3_000_000
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
OTHER_FORMATS = (".xls", ".ods", ".txt", ".tsv", ".xlsm")


class TableError(Exception):
    """A file that cannot be read as a table: `message` says why, `hint` how to fix it."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class RawTable:
    """A table as text, with what was learnt while reading it."""

    frame: pd.DataFrame
    decimal: str | None = None  # the decimal mark the file's layout implies, if any
    problems: list[Problem] = field(default_factory=list)


def find_table(folder: Path, name: str) -> Path | None:
    """The file holding table `name` in `folder`: name.csv, name.xlsx (first found)."""
    for suffix in (".csv", ".xlsx"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def read_text_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file with every cell as stripped text ('' for empty); raises
    :class:`TableError` for a file that is no table."""
    return read_raw(Path(path), columns).frame


def read_raw(path: Path, columns: list[str] | None = None) -> RawTable:
    """A CSV or XLSX file as text cells, its decimal convention and the problems of its layout
    (rows with more or fewer fields than the header). `columns`: the header to look for in a
    workbook's sheets."""
    from spiegelkit.inputs.textfile import UnreadableText, check_size, read_text

    try:
        if path.suffix.lower() == ".xlsx":
            check_size(path, MAX_TABLE_BYTES, "table")
            raw = _read_xlsx(path, columns or [])
        else:
            text, _ = read_text(path, MAX_TABLE_BYTES, "table")
            raw = _read_csv(path, text, columns or [])
    except UnreadableText as exc:
        raise TableError(exc.message, exc.hint) from None
    frame = raw.frame
    frame.columns = [str(c).strip().lower().lstrip("\ufeff") for c in frame.columns]
    if len(frame):
        frame = frame.apply(_stripped)
    raw.frame = frame
    return raw


def _stripped(column: pd.Series) -> pd.Series:
    """A column as stripped text; only a column with whitespace in it is stripped cell by cell."""
    text = column.astype(str)
    if re.search(r"\s", "".join(text.dropna().tolist())):  # \s: what str.strip removes
        text = text.str.strip()
    return text


def _read_csv(path: Path, text: str, columns: list[str]) -> RawTable:
    lines = text.splitlines(keepends=True)  # csv keeps a newline inside a quoted value
    while lines and not lines[0].strip(" \t,;\r\n"):
        lines.pop(0)  # blank lines (or lines of separators only) above the header
    if lines and re.fullmatch(r"sep=.", lines[0].strip()):  # Excel's own separator line
        sep = lines.pop(0).strip()[4]
    else:
        sep = _separator(lines[0] if lines else "", columns)
    if not lines:
        raise TableError("holds no header, only empty lines",
                         "the first line must name the columns: " + ", ".join(columns))
    if len(lines) > MAX_ROWS:
        raise TableError(f"has {len(lines):,} lines, more than the {MAX_ROWS:,} a table may have",
                         "split the data over several data folders")
    try:
        rows = list(csv.reader(lines, delimiter=sep))
    except csv.Error as exc:
        raise TableError(f"is not a valid CSV file ({exc})",
                         "check the quotes in the file: every opening \" needs a closing one")
    header, body = rows[0], rows[1:]
    while header and header[-1].strip() == "":  # trailing separators after the header
        header = header[:-1]
    width = len(header)
    problems, fixed, rows_of = [], [], []
    file = display_path(path)
    joined = ["".join(row) for row in body]
    filled = [text.strip() != "" for text in joined]
    lengths = collections.Counter(len(row) for row, full in zip(body, filled) if full)
    usual = lengths.most_common(1)[0][0] if lengths else width
    if set(lengths) == {width} and "\n" not in "".join(joined):
        # the usual file, quickly: every row as wide as the header, no value over two lines
        rows_of = [i for i, full in enumerate(filled) if full]
        fixed = [body[i] for i in rows_of]
    else:
        for i, row in enumerate(body):
            if not filled[i]:
                continue  # a row that is empty in every cell (e.g. a trailing line) is no data
            if "\n" in joined[i]:  # in one of its cells
                problems.append(Problem(
                    file, "a quote (\") opens in this row and is not closed: the lines after it "
                    "were read as one value", row=i + 2, hint="close the quote, or remove it"))
                continue
            extra = row[width:]
            # empty cells after the last column are fine when every row has them (Excel does
            # that); one row longer than the others has shifted values, even if its last is empty
            if len(row) > width and (any(cell.strip() for cell in extra) or len(row) != usual):
                problems.append(_ragged(file, i + 2, len(row), width, sep, "more"))
                continue
            if len(row) < width:
                problems.append(_ragged(file, i + 2, len(row), width, sep, "fewer"))
                continue
            fixed.append(row[:width])
            rows_of.append(i)
    frame = pd.DataFrame(fixed, columns=header, dtype=object)
    frame.index = pd.Index(rows_of)  # position in the file: row numbers stay right
    return RawTable(frame, "," if sep == ";" else None, problems)


def _separator(first_line: str, columns: list[str]) -> str:
    """The separator that splits the header into the most (known) columns."""
    def score(sep):
        cells = [c.strip().lower() for c in next(csv.reader([first_line], delimiter=sep), [])]
        return (sum(c in columns for c in cells), len(cells))
    return max(SEPARATORS, key=score)


def _ragged(file: str, row: int, fields: int, width: int, sep: str, kind: str) -> Problem:
    if kind == "more":
        message = f"this row has {fields} fields, the header {width}: the values would shift"
        hint = ("a decimal comma in a comma-separated file splits a number in two: write 12.5 "
                "instead of 12,5, put the value in quotes, or save the file with semicolons"
                if sep == "," else
                f"a {SEPARATORS[sep]} inside a value splits it: put that value in quotes")
    else:
        message = (f"this row has {fields} field{'s' if fields != 1 else ''}, the header {width}: "
                   "a value is missing")
        hint = f"give every row one value per column, separated by a {SEPARATORS[sep]}"
    return Problem(file, message, row=row, hint=hint)


def _read_xlsx(path: Path, columns: list[str]) -> RawTable:
    """The sheet whose header holds `columns` (the first sheet when none does)."""
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise TableError("is not an Excel workbook (.xlsx): it cannot be opened as one",
                         "open it in Excel and save it again as .xlsx, or save it as CSV") from None
    if unpacked > MAX_XLSX_CONTENT:
        raise TableError(f"unpacks to {unpacked / 2 ** 20:.0f} MB, more than a workbook of "
                         "normal size", "check that it is the right file, or save it as CSV")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise TableError(f"is not a readable Excel workbook ({type(exc).__name__}: {exc})",
                         "open it in Excel and save it again as .xlsx, or save it as CSV") from None
    try:
        wanted = {c.lower() for c in columns}
        found = None
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            for offset, row in enumerate(rows):
                if offset >= 20:
                    break
                cells = [_cell_text(v).lower() for v in row]
                if (wanted and wanted <= set(cells)) or (not wanted and any(cells)):
                    found = (sheet, offset, row)
                    break
            if found:
                break
        if found is None:
            names = ", ".join(f"'{s.title}'" for s in book.worksheets)
            if not wanted:
                raise TableError("holds no table: every sheet is empty", "put the table on the "
                                 "first sheet, its header in the first row")
            first = book.worksheets[0]
            header = next(first.iter_rows(values_only=True, max_row=1), ())
            shown = ", ".join(_cell_text(v) for v in header if v is not None) or "nothing"
            raise TableError(
                f"no sheet has a header with the columns {', '.join(columns)} (sheets: {names}; "
                f"the first row of '{first.title}' holds {shown})",
                "put the table with this header on one sheet of the workbook")
        sheet, offset, header_row = found
        header = [_cell_text(v) for v in header_row]
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        body, index = [], []
        for i, row in enumerate(sheet.iter_rows(values_only=True, min_row=offset + 2)):
            if i > MAX_ROWS:
                raise TableError(f"has more than {MAX_ROWS:,} rows", "split the data over "
                                 "several data folders")
            cells = [_cell_text(v) for v in row][:width]
            if any(cells):
                body.append(cells + [""] * (width - len(cells)))
                index.append(i + offset)  # header at `offset`: row numbers as Excel shows them
    finally:
        book.close()
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = pd.Index(index)
    if offset or sheet is not book.worksheets[0]:
        frame.attrs["sheet"] = sheet.title
    frame.attrs["header_row"] = offset + 1
    return RawTable(frame, None, [])


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


# Numbers: the decimal mark of each value is read from the value itself where it can be
# (12,5 / 12.5 / 1.234,5 / 1,234.5 / 1.234.567); a value with one group of three digits
# after a single mark (1.997, 290.000, 1,500) is a thousands mark in a file with decimal
# commas and a decimal mark where the column's other values use that mark; otherwise it is
# refused as ambiguous, never guessed.
_PATTERNS = {
    "plain": r"[-+]?\d+",
    "point": r"[-+]?\d*\.\d+",
    "comma": r"[-+]?\d*,\d+",
    "dot_group": r"[-+]?[1-9]\d{0,2}\.\d{3}",
    "comma_group": r"[-+]?[1-9]\d{0,2},\d{3}",
    "dots": r"[-+]?[1-9]\d{0,2}(\.\d{3}){2,}",
    "commas": r"[-+]?[1-9]\d{0,2}(,\d{3}){2,}",
    "dutch": r"[-+]?[1-9]\d{0,2}(\.\d{3})+,\d+",
    "english": r"[-+]?[1-9]\d{0,2}(,\d{3})+\.\d+",
}


def _number(text: pd.Series, default_decimal: str | None = None):
    """(numbers, ambiguous) of text cells: see the comment above. `default_decimal` is the
    decimal mark the file's layout implies (',' for a semicolon-separated file).

    Plain numbers (12, 12.5, 1e3) take pandas' fast path; only values with a comma, with
    one group of three digits after a dot, or that pandas cannot read are looked at closely."""
    cleaned = text
    everything = "".join(text.tolist())  # one C-level join tells which marks occur at all
    if any(space in everything for space in (" ", "\u00a0", "\u202f", "\t")):
        cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    none = pd.Series(False, index=text.index)
    has_comma = cleaned.str.contains(",", regex=False) if "," in everything else none
    direct = pd.to_numeric(cleaned.where(~has_comma & (cleaned != ""), None),
                           errors="coerce").astype(float)
    has_dot = (cleaned.str.contains(".", regex=False) & ~has_comma) if "." in everything else none
    dot_group = pd.Series(False, index=text.index)
    if has_dot.any():
        dot_group[has_dot] = cleaned[has_dot].str.fullmatch(_PATTERNS["dot_group"]).astype(bool)
    slow = has_comma | dot_group | (direct.isna() & (cleaned != ""))
    ambiguous = pd.Series(False, index=text.index)
    if not slow.any():
        return direct, ambiguous
    uses_point = bool((has_dot & ~dot_group & direct.notna()).any())
    numbers, unclear = _number_closely(cleaned[slow], default_decimal, uses_point)
    direct[slow] = numbers
    ambiguous[slow] = unclear
    return direct, ambiguous


def _number_closely(cleaned: pd.Series, default_decimal: str | None, uses_point: bool):
    kind = {name: cleaned.str.fullmatch(pattern).astype(bool) for name, pattern in _PATTERNS.items()}
    point = kind["point"] & ~kind["dot_group"]
    comma = kind["comma"] & ~kind["comma_group"]
    uses_comma = bool((comma | kind["dutch"]).any())
    uses_point = uses_point or bool((point | kind["english"]).any())
    decimal = ("," if uses_comma and not uses_point else "." if uses_point and not uses_comma
               else None if uses_point and uses_comma else default_decimal)
    out = cleaned.copy()
    out = out.where(~(comma | kind["dutch"]), out.str.replace(".", "", regex=False)
                    .str.replace(",", ".", regex=False))
    out = out.where(~(kind["english"] | kind["commas"]), out.str.replace(",", "", regex=False))
    out = out.where(~kind["dots"], out.str.replace(".", "", regex=False))
    ambiguous = pd.Series(False, index=cleaned.index)
    if decimal == ",":  # 1.997 is 1997; 1,500 is 1.5
        out = out.where(~kind["dot_group"], out.str.replace(".", "", regex=False))
        out = out.where(~kind["comma_group"], out.str.replace(",", ".", regex=False))
    elif decimal == ".":  # 1.997 is 1.997; 1,500 is 1500
        out = out.where(~kind["comma_group"], out.str.replace(",", "", regex=False))
    else:
        ambiguous = kind["dot_group"] | kind["comma_group"]
        out = out.where(~ambiguous, "")
    known = kind["plain"] | point | comma | kind["dutch"] | kind["english"] | kind["dots"] \
        | kind["commas"] | kind["dot_group"] | kind["comma_group"]
    # anything else (1e5, inf, nan, 12abc) goes to pandas; non-finite numbers are refused later
    out = out.where(known | (out == ""), out.str.replace(",", ".", regex=False))
    return pd.to_numeric(out.replace("", None), errors="coerce").astype(float), ambiguous


def _convert_number(values, decimal=None):
    parsed, ambiguous = _number(values, decimal)
    return parsed, "a number (for example 12 or 12,5)", ambiguous


def _convert_int(values, decimal=None):
    parsed, ambiguous = _number(values, decimal)
    whole = parsed.where(parsed.isna() | ~np.isfinite(parsed) | (parsed == parsed.round()))
    return whole, "a whole number (for example 2095)", ambiguous


def _convert_year(values, decimal=None):
    parsed, _, _ = _convert_int(values, decimal)
    parsed = parsed.where(parsed.between(1990, 2100))
    return parsed, "a year such as 2024", None


def _convert_bool(values, decimal=None):
    lowered = values.str.lower()
    parsed = pd.Series(pd.NA, index=values.index, dtype="object")
    parsed[lowered.isin(TRUE_WORDS)] = True
    parsed[lowered.isin(FALSE_WORDS)] = False
    return parsed, "true or false (ja/nee also work)", None


def _convert_choice(choices, label):
    def convert(values, decimal=None):
        return values.where(values.isin(choices)), f"one of {label}", None
    return convert


def _convert_text(values, decimal=None):
    return values.where(values != ""), "a text", None


def _convert_agb(values, decimal=None):
    return values.where(values.str.fullmatch(AGB_PATTERN.pattern)), "an AGB code of 8 digits", None


CONVERTERS = {
    "number": _convert_number,
    "int": _convert_int,
    "year": _convert_year,
    "bool": _convert_bool,
    "text": _convert_text,
    "agb": _convert_agb,
    "age_band": _convert_choice(AGE_BANDS, f"the age bands {AGE_BANDS[0]}, {AGE_BANDS[1]} ... {AGE_BANDS[-1]}"),
    "sex": _convert_choice(SEXES, "M (man) or V (vrouw)"),
}


MAX_LISTED = 8  # distinct messages per column before the rest are summed up in one line


def convert_table(raw: pd.DataFrame, name: str, path: Path,
                  decimal: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert a text table to typed columns, collecting every problem with file/row/field.

    The same message for several rows (one damaged column) is one problem naming the rows.
    `decimal` is the decimal mark the file's layout implies (',' for semicolons)."""
    file = display_path(path)
    problems: list[Problem] = _form_problems(raw, name, file)
    columns = FORMS[name][table_form(raw, name)] if name in FORMS else TABLES[name]
    missing = [c.name for c in columns if c.required and c.name not in raw.columns]
    header_row = raw.attrs.get("header_row", 1)
    for col in missing:
        shown = ", ".join(f"'{c}'" for c in raw.columns if str(c).strip()) or "nothing"
        problems.append(Problem(
            file, f"the column '{col}' is missing (the header holds {shown})", row=header_row,
            field=col, hint=f"add a column '{col}' to the header; the {name} table needs: "
                            + ", ".join(c.name for c in columns),
        ))
    if missing:
        return pd.DataFrame(columns=[c.name for c in columns]), problems

    typed = pd.DataFrame(index=raw.index)
    for col in columns:
        values = raw[col.name] if col.name in raw.columns else pd.Series("", index=raw.index)
        parsed, expectation, ambiguous = CONVERTERS[col.kind](values, decimal)
        found: dict[tuple[str, str], list[int]] = {}

        def note(mask, message, hint):
            for idx in raw.index[mask]:
                text = message(values[idx]) if callable(message) else message
                found.setdefault((text, hint(values[idx]) if callable(hint) else hint),
                                 []).append(_row(raw, idx))

        blank = values == ""
        bad = parsed.isna() & ~blank
        if ambiguous is not None and ambiguous.any():
            bad &= ~ambiguous
            note(ambiguous.to_numpy(), lambda v: f"{v} is ambiguous: a thousands mark or a "
                 "decimal mark? The file does not say which it uses",
                 lambda v: f"write the number without a thousands mark ({v.replace('.', '').replace(',', '')}), "
                 "or with the decimals you mean; a column with other decimals (12,5 or 12.5) "
                 "tells which mark is the decimal one")
        if col.required:
            bad |= blank
        numeric = pd.to_numeric(parsed, errors="coerce") if col.kind in NUMERIC else None
        if numeric is not None:
            infinite = np.isinf(numeric.astype(float)).to_numpy()
            note(infinite, lambda v: f"{v} is not a finite number",
                 f"write the value of '{col.name}' as a number" + _meaning(col))
            numeric = numeric.where(~infinite)
            parsed = parsed.where(~infinite)
        if col.minimum is not None:
            note((numeric < col.minimum).fillna(False).to_numpy(),
                 lambda v: f"{v!s} is below the minimum of {col.minimum:g}", _minimum_hint(col))
        if col.above is not None:
            note((numeric == col.above).fillna(False).to_numpy(),
                 lambda v: f"{v!s} must be more than {col.above:g}", _above_hint(col))
        if col.maximum is not None:
            too_large = (numeric > col.maximum).fillna(False).to_numpy()
            limit = f"{col.maximum:,.0f}".replace(",", ".")
            note(too_large, lambda v: f"{v!s} is larger than the {limit} '{col.name}' can be",
                 f"correct the value: '{col.name}'{_meaning(col)} of this size is a typing or "
                 "unit error")
            parsed = parsed.where(~too_large)
        note(bad.to_numpy(), lambda v: f"{v if v != '' else 'an empty cell'!s} is not {expectation}",
             lambda v: _hint(col, v))
        problems += _grouped(file, col.name, found, expectation)
        typed[col.name] = parsed
    if name == "practices":  # warn once per practice, not once per data row
        other_type = raw["agb"].str.fullmatch(AGB_PATTERN.pattern) & ~raw["agb"].str.match(
            GP_AGB_PATTERN.pattern)
        for idx in raw.index[other_type]:
            problems.append(Problem(
                file, f"AGB code {raw.at[idx, 'agb']} is not a GP code (it does not start with 01)",
                row=_row(raw, idx), field="agb", severity="warning",
                hint="fine for a health centre or another care type; otherwise check the code",
            ))
    problems += _duplicate_problems(raw, name, file)
    return _typed(typed, columns), problems


NUMERIC = {"number", "int", "year"}


def _meaning(col: Column) -> str:
    return f" ({col.meaning})" if col.meaning else ""


def _above_hint(col: Column) -> str:
    if col.name == "expected":
        return ("an expected value of 0 makes the index infinite: give the expected count from "
                "the source, or leave the cell blank to let spiegelkit standardise")
    return f"'{col.name}' must be more than {col.above:g}"


def rows_text(rows: list[int], limit: int = 12) -> str:
    """``[3, 4, 5, 9]`` -> ``'rows 3-5, 9'``."""
    rows = sorted(set(rows))
    spans: list[list[int]] = []
    for row in rows:
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in spans]
    more = f" and {len(parts) - limit} more ranges" if len(parts) > limit else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(parts[:limit]) + more


def _grouped(file: str, field: str, found: dict, expectation: str) -> list[Problem]:
    """One problem per distinct message, naming the rows it covers; beyond MAX_LISTED
    distinct messages in a column the rest are one line."""
    problems, rest = [], []
    for i, ((message, hint), rows) in enumerate(found.items()):
        if i >= MAX_LISTED:
            rest += rows
            continue
        if len(rows) > 1:
            message += f" ({len(rows)} rows: {rows_text(rows)})"
        problems.append(Problem(file, message, row=min(rows), field=field, hint=hint))
    if rest:
        problems.append(Problem(
            file, f"{len(rest)} more rows have values that are not {expectation} or out of range "
                  f"({rows_text(rest)})", row=min(rest), field=field,
            hint=f"the column '{field}' looks damaged (e.g. by Excel): correct it as the lines "
                 "above show, or export it again"))
    return problems


def _typed(frame: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    dtypes = {"int": "Int64", "year": "Int64", "number": "Float64", "bool": "boolean"}
    out = frame.copy()
    for col in columns:
        if col.kind in dtypes:
            out[col.name] = out[col.name].astype(dtypes[col.kind])
        else:
            out[col.name] = out[col.name].astype("string")
    return out


def _row(raw: pd.DataFrame, idx) -> int:
    """The row number a spreadsheet shows: the frame's index is the position after the header."""
    return int(idx) + 2 if isinstance(idx, (int, np.integer)) else int(raw.index.get_loc(idx)) + 2


def _hint(col: Column, value: str) -> str:
    if col.kind == "agb" and value.isdigit() and len(value) == 7:
        return ("the leading zero was probably lost in Excel: write the code as 8 digits "
                f"('0{value}') and format the column as text")
    if col.kind == "agb":
        return "write the AGB code as 8 digits, as text (for example 01001234)"
    if col.kind == "age_band":
        return "use the Vektis 5-year age bands: " + ", ".join(AGE_BANDS)
    if col.required and value == "":
        return f"fill in '{col.name}'" + (f" ({col.meaning})" if col.meaning else "")
    return f"correct the value of '{col.name}'" + (f" ({col.meaning})" if col.meaning else "")


def _minimum_hint(col: Column) -> str:
    if col.minimum == 0:
        return f"'{col.name}' cannot be negative; correct the value or remove the row"
    return f"'{col.name}' must be at least {col.minimum:g}"


def _duplicate_problems(raw: pd.DataFrame, name: str, file: str) -> list[Problem]:
    """Rows that repeat an earlier row's key; beyond MAX_LISTED of them, one line sums up
    the rest (found by grouping, so a file of repeated rows cannot stall check)."""
    keys = [k for k in KEYS[name] if k in raw.columns]
    dup = raw.duplicated(subset=keys, keep="first")
    if not dup.any():
        return []
    group = raw.groupby(keys, sort=False).ngroup().to_numpy()
    first = pd.Series(raw.index).groupby(group).transform("first").to_numpy()
    hint = "keep one row per " + " × ".join(keys) + "; remove or merge the duplicate"
    problems = []
    repeated = np.flatnonzero(dup.to_numpy())
    for position in repeated[:MAX_LISTED]:
        idx = raw.index[position]
        problems.append(Problem(
            file, f"this row repeats row {_row(raw, first[position])} for the same "
                  + ", ".join(f"{k}={raw.at[idx, k]}" for k in keys),
            row=_row(raw, idx), field=keys[-1], hint=hint,
        ))
    rest = [_row(raw, raw.index[p]) for p in repeated[MAX_LISTED:]]
    if rest:
        problems.append(Problem(file, f"{len(rest)} more rows repeat an earlier row "
                                f"({rows_text(rest)})", row=rest[0], field=keys[-1], hint=hint))
    return problems


def read_table(folder: Path, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Find, read and convert data table `name` in `folder`, with every problem found."""
    empty = pd.DataFrame(columns=[c.name for c in TABLES[name]])
    path = find_table(folder, name)
    if path is None and name in OPTIONAL_TABLES:
        return _typed(pd.DataFrame(columns=[c.name for c in TABLES[name]]), TABLES[name]), []
    columns = [c.name for c in TABLES[name] if c.required]
    if path is None:
        others = [p.name for p in sorted(Path(folder).glob(f"{name}.*"))
                  if p.suffix.lower() in OTHER_FORMATS]
        also = (f"; {', '.join(others)} is there, but only .csv and .xlsx are read"
                if others else "")
        return (empty, [Problem(
            display_path(folder / f"{name}.csv"), f"the {name} table is missing{also}",
            hint=f"put {name}.csv or {name}.xlsx in {display_path(folder)} with the columns "
                 + ", ".join(c.name for c in TABLES[name]),
        )])
    problems = []
    if path.suffix == ".csv" and (folder / f"{name}.xlsx").exists():
        problems.append(Problem(display_path(path), f"both {name}.csv and {name}.xlsx exist; "
                                f"{name}.csv is read", severity="warning",
                                hint="remove the one that is out of date"))
    try:
        raw = read_raw(path, columns)
    except TableError as exc:
        return empty, problems + [Problem(display_path(path), exc.message, hint=exc.hint)]
    except Exception as exc:  # any other reason: still an answer, never a traceback
        return empty, problems + [Problem(
            display_path(path), f"cannot be read as a table ({type(exc).__name__}: {exc})",
            hint="save it as CSV (comma or semicolon) in UTF-8, or as XLSX")]
    problems += raw.problems
    if raw.frame.attrs.get("sheet"):
        problems.append(Problem(display_path(path), f"the table was found on sheet "
                                f"'{raw.frame.attrs['sheet']}', its header in row "
                                f"{raw.frame.attrs['header_row']}", severity="warning",
                                hint="fine; rows are numbered as in that sheet"))
    if not len(raw.frame) and not raw.problems:
        missing_cols = [c for c in columns if c not in raw.frame.columns]
        if not missing_cols and name in ("practices", "mirror"):
            return empty, problems + [Problem(
                display_path(path), f"the {name} table has a header but no rows", row=2,
                hint=f"fill in the {name} rows below the header, or take them from the source")]
        if not missing_cols:  # without it there is no standardisation (and no pyramids)
            problems.append(Problem(
                display_path(path), f"the {name} table has a header but no rows", row=2,
                severity="warning",
                hint=f"fill in the {name} rows, or remove the file if the mirror gives every "
                     "expected value"))
    frame, found = convert_table(raw.frame, name, path, raw.decimal)
    return frame, _merge_ragged(problems + found)


def _merge_ragged(problems: list[Problem]) -> list[Problem]:
    """Rows with the same layout problem as one problem naming them."""
    groups: dict[tuple, list[Problem]] = {}
    out = []
    for problem in problems:
        if problem.field is None and problem.row is not None and "fields, the header" in problem.message:
            key = (problem.file, problem.message, problem.hint)
            if key not in groups:
                groups[key] = []
                out.append(key)
            groups[key].append(problem)
        else:
            out.append(problem)
    merged = []
    for item in out:
        if isinstance(item, tuple):
            same = groups[item]
            rows = [p.row for p in same]
            message = same[0].message + (f" ({len(rows)} rows: {rows_text(rows)})" if len(rows) > 1 else "")
            merged.append(Problem(same[0].file, message, row=min(rows), hint=same[0].hint))
        else:
            merged.append(item)
    return merged
