"""The handout's data as CSV and XLSX: inside the handout as download links, and beside it.

The table uses the same practice labels as the handout it belongs to, so a pseudonymised
per-practice version carries no other practice's name or AGB code in its downloads either.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from spiegelkit.handout import Html, render
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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as Dutch Excel opens it: semicolons, decimal comma, UTF-8 with BOM."""
    return frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\n").encode("utf-8-sig")


FIXED_TIME = datetime.datetime(2000, 1, 1)  # same data, same bytes: no write time inside


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """An Excel workbook of `frame` whose bytes depend on the data only."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="spiegel")
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(info, content)
    return fixed.getvalue()


def download_links(frame: pd.DataFrame, stem: str) -> Html:
    """Links that save the data from inside the offline handout (data: addresses)."""
    files = [
        dict(name=f"{stem}.csv", kind="CSV (Excel, puntkomma)",
             href="data:text/csv;base64," + base64.b64encode(csv_bytes(frame)).decode()),
        dict(name=f"{stem}.xlsx", kind="Excel-werkmap",
             href=f"data:{XLSX_TYPE};base64," + base64.b64encode(xlsx_bytes(frame)).decode()),
    ]
    return render("downloads.html.j2", files=files, rows=len(frame))


def write_variant_downloads(params, folder: Path, stem: str, base: Path | None = None) -> list[Path]:
    """The data of one handout version (group or per-practice) beside it as CSV and XLSX."""
    from spiegelkit.compare import compare_group, shown_agbs
    from spiegelkit.dataset import load_data

    data = load_data(params.data_path(base))
    table = compare_group(data, params, focus=params.focus_agb)
    return write_downloads(data_table(table, shown_agbs(params)), folder, stem)


def write_downloads(frame: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Write <stem>.csv and <stem>.xlsx beside the handout, atomically."""
    written = []
    for suffix, content in ((".csv", csv_bytes(frame)), (".xlsx", xlsx_bytes(frame))):
        target = Path(folder) / f"{stem}{suffix}"
        with atomic_path(target) as tmp:
            tmp.write_bytes(content)
        written.append(target)
    return written
