"""How long typing four printed Praktijkspiegels into the intake workbook takes.

    .venv/bin/python bench/intake_typing.py [--keys-per-second 2.5] [--lookup-seconds 2.0]

Takes four practices of a demo group and their figures for two report years as the
Praktijkspiegel prints them (% with one decimal, per 1,000 and euros whole, contacts per
patient with one decimal), writes the group's intake workbook, and fills it cell by cell in
the order a data adviser works: the practices sheet, then per practice and year the patients
once and per indicator "praktijk" and "verwacht". Every cell typed is counted with its
keystrokes (the figure as typed in Dutch Excel, "18,7", plus Tab or Enter). Then the workbook
is read back, checked, and the handout built, to confirm that it shows every typed figure.

The time is a model, stated so that anyone can redo it: per cell `--lookup-seconds` to find
the figure in the report and the cell in the sheet, plus the keystrokes at
`--keys-per-second` (2.5 keys a second, 9,000 an hour, is an ordinary numeric-keypad speed;
trained data typists reach 3-4). The second scenario prefills the previous year from the data
folder the first round wrote, as `spiegelkit intake` does, so only the new year is typed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spiegelkit.inputs.dataset import load_data  # noqa: E402
from spiegelkit.inputs.group import load_group  # noqa: E402
from spiegelkit.inputs.intake import (DEFAULT_ROW, FIRST_ROW, PRACTICES_SHEET,  # noqa: E402
                                      practice_sheet_name, year_column)
from spiegelkit.paths import DEMO_DATA  # noqa: E402
from spiegelkit.render.handout import Handout, printed_figure  # noqa: E402
from spiegelkit.tools.intake import intake_to_tables, write_intake  # noqa: E402

YEARS = [2023, 2024]


def printed_text(value: float, unit: str) -> str:
    """The figure as the report prints it, as typed in Dutch Excel (no thousands dot)."""
    decimals = 0 if unit.startswith(("per 1.000", "euro")) else 1
    return f"{value:.{decimals}f}".replace(".", ",")


class Typist:
    def __init__(self):
        self.cells = 0
        self.keys = 0

    def type(self, sheet, row: int, column: int, text: str) -> None:
        number = text.replace(",", ".")
        sheet.cell(row, column).value = (int(number) if re.fullmatch(r"\d+", number) else
                                         float(number) if re.fullmatch(r"\d+\.\d+", number) else text)
        self.cells += 1
        self.keys += len(text) + 1


def reports(agbs: list[str]):
    """The demo figures of `agbs` as printed: (agb, year, indicator) -> (value, expected, patients)."""
    data = load_data(DEMO_DATA)
    from spiegelkit.analysis.compare import compare_practices

    table = compare_practices(data, agbs)
    table = table[table["year"].isin(YEARS)]
    return data, {(r.agb, int(r.year), r.indicator): (printed_text(r.value, r.unit),
                                                      printed_text(r.expected_value, r.unit),
                                                      str(int(r.denominator)))
                  for r in table.itertuples()}


def fill(workbook: Path, data, figures, years, practices: bool) -> Typist:
    book = openpyxl.load_workbook(workbook)
    typist = Typist()
    agbs = sorted({agb for agb, _, _ in figures}, key=list(data.practices["agb"]).index)
    known = data.practices.set_index("agb")
    if practices:
        sheet = book[PRACTICES_SHEET]
        for row in range(2, 2 + len(agbs)):
            agb = sheet.cell(row, 1).value
            typist.type(sheet, row, 2, str(known.at[agb, "name"]))
            typist.type(sheet, row, 3, str(int(known.at[agb, "registered_patients"])))
    catalogue = list(data.catalogue["id"])
    for agb in agbs:
        sheet = book[practice_sheet_name(agb)]
        for index, year in enumerate(YEARS):
            if year not in years:
                continue
            patients = figures[(agb, year, catalogue[0])][2]
            typist.type(sheet, DEFAULT_ROW, year_column(index, "patiënten"), patients)
            for row, indicator in enumerate(catalogue, start=FIRST_ROW):
                value, expected, _ = figures[(agb, year, indicator)]
                typist.type(sheet, row, year_column(index, "praktijk"), value)
                typist.type(sheet, row, year_column(index, "verwacht"), expected)
    book.save(workbook)
    return typist


def minutes(typist: Typist, keys_per_second: float, lookup: float) -> float:
    return (typist.cells * lookup + typist.keys / keys_per_second) / 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys-per-second", type=float, default=2.5)
    parser.add_argument("--lookup-seconds", type=float, default=2.0)
    args = parser.parse_args()
    demo_group = yaml.safe_load((ROOT / "params" / "hagro-amstelveen-noord.yaml").read_text())
    agbs = [p["agb"] for p in demo_group["practices"]][:4]
    data, figures = reports(agbs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = tmp / "group.yaml"
        params.write_text(yaml.safe_dump(dict(
            group_id="bench-intake", group_name="Bench Intake", group_type="hagro",
            meeting_number=1, meeting_date="2026-03-12", data_year=2024, data_dir="data",
            facilitators=["Anna de Vries"], practices=[{"agb": a} for a in agbs])))
        started = time.perf_counter()
        results = {}
        # 1. a new group: both years typed
        workbook = write_intake(params, tmp / "full.xlsx")
        results["both years typed"] = fill(workbook, data, figures, YEARS, practices=True)
        # 2. a later round: the previous year comes from the data folder of round 1
        first = write_intake(params, tmp / "round1.xlsx", years=[2023])
        fill(first, data, figures, [2023], practices=True)
        intake_to_tables(first, tmp / "data")
        second = write_intake(params, tmp / "round2.xlsx")
        results["previous year prefilled"] = fill(second, data, figures, [2024], practices=False)
        # the full workbook back in: check and handout
        intake_to_tables(workbook, tmp / "data")
        group = load_group(params)
        errors = [p for p in group.problems if p.is_error]
        handout = Handout.build(group)
        html = str(handout.domains())
        units = dict(zip(data.catalogue["id"], data.catalogue["multiplier"]))
        stats = dict(zip(data.catalogue["id"], data.catalogue["statistic"]))
        shown = sum(
            f'{printed_figure(float(v.replace(",", ".")), stats[i], units[i])} <span class="sk-muted">'
            f'verwacht {printed_figure(float(e.replace(",", ".")), stats[i], units[i])}</span>' in html
            for (a, y, i), (v, e, _) in figures.items() if y == 2024)
        seconds = time.perf_counter() - started
    print(f"4 practices x {len(data.catalogue)} indicators x {len(YEARS)} years "
          f"(demo group {demo_group['group_id']}, figures as printed)")
    print(f"model: {args.lookup_seconds:g} s per cell to find figure and cell, "
          f"{args.keys_per_second:g} keystrokes per second")
    for name, typist in results.items():
        print(f"  {name:25} {typist.cells:4} cells, {typist.keys:5} keystrokes: "
              f"{minutes(typist, args.keys_per_second, args.lookup_seconds):5.1f} minutes")
    print(f"round trip: check {'ok' if not errors else f'{len(errors)} errors'}, the handout shows "
          f"{shown} of {sum(y == 2024 for _, y, _ in figures)} typed {YEARS[-1]} figure pairs "
          f"({seconds:.1f} s for the whole script)")


if __name__ == "__main__":
    main()
