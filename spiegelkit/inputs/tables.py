"""Reading the data tables: CSV (comma or semicolon, decimal point or comma) and XLSX.

The data model is declared here as data: one list of :class:`Column` per table. A table is
read as text first and then converted column by column, so that every bad value can be
reported with its file, row and field instead of failing on the first.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

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


TABLES: dict[str, list[Column]] = {
    "practices": [
        Column("agb", "agb", meaning="AGB code of the practice, 8 digits kept as text"),
        Column("name", "text", meaning="practice name"),
        Column("registered_patients", "int", minimum=0, meaning="registered patients"),
        Column("has_mirror", "bool", meaning="whether the practice has a Praktijkspiegel"),
    ],
    "population": [
        Column("agb", "agb"),
        Column("year", "year"),
        Column("age_band", "age_band"),
        Column("sex", "sex"),
        Column("patients", "int", minimum=0),
    ],
    "mirror": [
        Column("agb", "agb"),
        Column("year", "year"),
        Column("indicator", "text"),
        Column("observed", "number", minimum=0, meaning="count, or euros for costs"),
        Column("denominator", "int", minimum=1, meaning="patients the figure relates to"),
        Column("expected", "number", required=False, minimum=0,
               meaning="expected value given by the source; blank = standardise"),
    ],
    "reference": [
        Column("indicator", "text"),
        Column("year", "year"),
        Column("age_band", "age_band"),
        Column("sex", "sex"),
        Column("rate", "number", minimum=0, meaning="national rate per patient per year"),
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

KEYS: dict[str, list[str]] = {
    "practices": ["agb"],
    "population": ["agb", "year", "age_band", "sex"],
    "mirror": ["agb", "year", "indicator"],
    "reference": ["indicator", "year", "age_band", "sex"],
    "spread": ["indicator", "year"],
}


def find_table(folder: Path, name: str) -> Path | None:
    """The file holding table `name` in `folder`: name.csv, name.xlsx (first found)."""
    for suffix in (".csv", ".xlsx"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV or XLSX file with every cell as stripped text ('' for empty)."""
    if path.suffix.lower() == ".xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    else:
        text = _read_text(path)
        first_line = text.split("\n", 1)[0]
        sep = ";" if first_line.count(";") > first_line.count(",") else ","
        rows = list(csv.reader(text.splitlines(), delimiter=sep))
        header, body = rows[0], [r for r in rows[1:]]
        width = len(header)
        body = [(r + [""] * width)[:width] for r in body]
        frame = pd.DataFrame(body, columns=header, dtype=object)
        # a row that is empty in every cell (e.g. a trailing line) is no data
        frame = frame[(frame != "").any(axis=1)] if len(frame) else frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.apply(lambda s: s.astype(str).str.strip()) if len(frame) else frame


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel on Windows saves CSV as cp1252
        return raw.decode("cp1252")


def _number(text: pd.Series) -> pd.Series:
    """Parse numbers written with a decimal point or a decimal comma (1.234,5 or 1234.5)."""
    cleaned = text.str.replace(" ", "", regex=False).str.replace("\u00a0", "", regex=False)
    both = cleaned.str.contains(",", regex=False) & cleaned.str.contains(".", regex=False)
    cleaned = cleaned.where(~both, cleaned.str.replace(".", "", regex=False))
    cleaned = cleaned.str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned.replace("", None), errors="coerce")


def _convert_number(values):
    parsed = _number(values)
    return parsed, "a number (for example 12 or 12,5)"


def _convert_int(values):
    parsed = _number(values)
    whole = parsed.where(parsed.isna() | (parsed == parsed.round()))
    return whole, "a whole number (for example 2095)"


def _convert_year(values):
    parsed, _ = _convert_int(values)
    parsed = parsed.where(parsed.between(1990, 2100))
    return parsed, "a year such as 2024"


def _convert_bool(values):
    lowered = values.str.lower()
    parsed = pd.Series(pd.NA, index=values.index, dtype="object")
    parsed[lowered.isin(TRUE_WORDS)] = True
    parsed[lowered.isin(FALSE_WORDS)] = False
    return parsed, "true or false (ja/nee also work)"


def _convert_choice(choices, label):
    def convert(values):
        return values.where(values.isin(choices)), f"one of {label}"
    return convert


def _convert_text(values):
    return values.where(values != ""), "a text"


def _convert_agb(values):
    return values.where(values.str.fullmatch(AGB_PATTERN.pattern)), "an AGB code of 8 digits"


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


def convert_table(raw: pd.DataFrame, name: str, path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert a text table to typed columns, collecting every problem with file/row/field."""
    file = display_path(path)
    problems: list[Problem] = []
    columns = TABLES[name]
    missing = [c.name for c in columns if c.required and c.name not in raw.columns]
    for col in missing:
        problems.append(Problem(
            file, f"the column '{col}' is missing", row=1, field=col,
            hint=f"add a column '{col}' to the header; the {name} table needs: "
                 + ", ".join(c.name for c in columns),
        ))
    if missing:
        return pd.DataFrame(columns=[c.name for c in columns]), problems

    typed = pd.DataFrame(index=raw.index)
    for col in columns:
        values = raw[col.name] if col.name in raw.columns else pd.Series("", index=raw.index)
        parsed, expectation = CONVERTERS[col.kind](values)
        blank = values == ""
        bad = parsed.isna() & ~blank
        if col.required:
            bad |= blank
        if col.minimum is not None:
            numeric = pd.to_numeric(parsed, errors="coerce")
            too_small = numeric < col.minimum
            for idx in raw.index[too_small.fillna(False)]:
                problems.append(Problem(
                    file, f"{values[idx]!s} is below the minimum of {col.minimum:g}",
                    row=_row(raw, idx), field=col.name,
                    hint=_minimum_hint(col),
                ))
        for idx in raw.index[bad]:
            shown = values[idx] if values[idx] != "" else "an empty cell"
            problems.append(Problem(
                file, f"{shown!s} is not {expectation}", row=_row(raw, idx), field=col.name,
                hint=_hint(col, values[idx]),
            ))
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
    return int(raw.index.get_loc(idx)) + 2  # header is row 1


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
    keys = [k for k in KEYS[name] if k in raw.columns]
    dup = raw.duplicated(subset=keys, keep="first")
    problems = []
    for idx in raw.index[dup]:
        first = raw.index[(raw[keys] == raw.loc[idx, keys]).all(axis=1)][0]
        problems.append(Problem(
            file, f"this row repeats row {_row(raw, first)} for the same "
                  + ", ".join(f"{k}={raw.at[idx, k]}" for k in keys),
            row=_row(raw, idx), field=keys[-1],
            hint="keep one row per " + " × ".join(keys) + "; remove or merge the duplicate",
        ))
    return problems


def read_table(folder: Path, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Find, read and convert data table `name` in `folder`, with every problem found."""
    path = find_table(folder, name)
    if path is None and name in OPTIONAL_TABLES:
        return _typed(pd.DataFrame(columns=[c.name for c in TABLES[name]]), TABLES[name]), []
    if path is None:
        return (pd.DataFrame(columns=[c.name for c in TABLES[name]]), [Problem(
            display_path(folder / f"{name}.csv"), f"the {name} table is missing",
            hint=f"put {name}.csv or {name}.xlsx in {display_path(folder)} with the columns "
                 + ", ".join(c.name for c in TABLES[name]),
        )])
    try:
        raw = read_text_table(path)
    except Exception as exc:  # unreadable file: say which and why
        return (pd.DataFrame(columns=[c.name for c in TABLES[name]]), [Problem(
            display_path(path), f"cannot be read as a table ({exc})",
            hint="save it as CSV (comma or semicolon) in UTF-8, or as XLSX",
        )])
    return convert_table(raw, name, path)
