"""Making the intake workbook of a group, and turning a filled one into a data folder.

``spiegelkit intake PARAMS`` calls :func:`write_intake`: an XLSX that a data adviser fills
in straight from the printed Praktijkspiegels, in the units they print, with no conversion
by hand. Its layout is owned by :mod:`spiegelkit.inputs.intake`, which also reads it back;
``spiegelkit intake --read FILE --out DIR`` calls :func:`intake_to_tables`.

- "Uitleg": what to do, in Dutch.
- "Praktijken": AGB code, name, registered patients, whether the mirror came in; the codes
  from the params, the rest from the data folder where it knows them.
- "Praktijk <AGB>" per practice: every catalogue indicator as a row (code, Dutch title,
  domain, unit as printed) and per year "praktijk", "verwacht", "patiënten" and a computed
  "index" to proofread against; a patients cell per year above the rows fills every row's
  "patiënten" (overwrite a row where the report names another number). Excel checks every
  cell (numbers only, none negative, a plausible range for the unit); headers, codes and
  formulas are locked; panes frozen. Figures the data folder already has (the previous
  round) are filled in, so only the new year is typed.
- "Populatie" (with ``population=True``): patients per age band and sex per year.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from spiegelkit.inputs.catalogue import DOMAINS, load_catalogue
from spiegelkit.inputs.dataset import MirrorData, check_data
from spiegelkit.inputs.intake import (DEFAULT_ROW, EXPLANATION_SHEET, FIRST_ROW, HEADER_ROW,
                                      INDICATOR_COLUMNS, POPULATION_HEADER, POPULATION_SHEET,
                                      PRACTICES_HEADER, PRACTICES_SHEET, YEAR_COLUMNS, YEAR_ROW,
                                      number_text, practice_sheet_name, read_intake, year_column)
from spiegelkit.inputs.params import GroupParams, load_params
from spiegelkit.inputs.problems import InputError, Problem, display_path
from spiegelkit.inputs.tables import AGE_BANDS, SEXES
from spiegelkit.outputs import atomic_path

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
PREFILLED_FILL = PatternFill("solid", fgColor="EEF5EA")
WARN_FILL = PatternFill("solid", fgColor="F8C9C4")
UNLOCKED = Protection(locked=False)
MAX_PATIENTS = 1_000_000
INDEX_RANGE = (20, 500)  # the index outside this range is coloured: probably a typing slip

EXPLANATION = [
    "Invoer van de Praktijkspiegels van {group}",
    "",
    "Zo vult u deze werkmap in:",
    "1. Controleer op het blad 'Praktijken' per praktijk de naam, het aantal ingeschreven "
    "patiënten en of de spiegel is ontvangen (ja/nee).",
    "2. Open per praktijk het blad 'Praktijk <AGB-code>' naast de geprinte Praktijkspiegel. "
    "Per indicator en per jaar typt u over wat de spiegel laat zien:",
    "   - praktijk: het cijfer van de praktijk, in de eenheid van de spiegel (18,7 bij "
    "'18,7 %', 412 bij '412 per 1.000', 312 bij '€ 312 per patiënt'); zonder %- of €-teken;",
    "   - verwacht: het verwachte cijfer voor een vergelijkbare praktijk, in dezelfde eenheid;",
    "   - patiënten: het aantal patiënten waar het cijfer over gaat. Vul dit één keer per jaar "
    "in op de gele regel boven de indicatoren; alle regels nemen het over. Noemt de spiegel "
    "bij een indicator een ander aantal, typ dat dan op die regel.",
    "3. De kolom 'index' rekent zelf (praktijk / verwacht × 100). Is die rood (onder "
    f"{INDEX_RANGE[0]} of boven {INDEX_RANGE[1]}), kijk dan of een cijfer goed is overgetypt.",
    "4. Staat een indicator niet in de spiegel, laat de regel dan leeg: dat is geen fout.",
    "5. Groene cellen zijn al ingevuld uit de vorige ronde; u hoeft alleen het nieuwe jaar te typen.",
    "{population}",
    "",
    "Daarna: spiegelkit intake --read <deze werkmap> --out <map met gegevens> maakt de tabellen, "
    "en spiegelkit check controleert ze.",
    "Alleen getallen worden geaccepteerd; koppen, codes en formules zijn beveiligd (zonder wachtwoord).",
]
POPULATION_LINE = ("6. Op het blad 'Populatie' typt u per praktijk en jaar het aantal patiënten per "
                   "leeftijdsgroep en geslacht. Zonder populatie maakt spiegelkit geen "
                   "bevolkingspiramides en moet elk verwacht cijfer zijn ingevuld.")
NO_POPULATION_LINE = ("Deze werkmap vraagt geen populatie naar leeftijd en geslacht: alle verwachte "
                      "cijfers komen uit de spiegel, vul ze dus allemaal in.")


def unit_range(statistic: str, multiplier: float) -> tuple[float, float]:
    """The range Excel accepts for a figure in the unit of an indicator: a proportion up to
    100 % (or per 1.000), a rate up to 50 events per patient, a cost up to EUR 100,000."""
    if statistic == "proportion":
        return 0.0, float(multiplier)
    if statistic == "rate":
        return 0.0, 50.0 * float(multiplier)
    return 0.0, 100_000.0


def write_intake(params_path: Path, out: Path | None = None, years: list[int] | None = None,
                 data_dir: Path | None = None, population: bool = False) -> Path:
    """Write the intake workbook of the group in `params_path`; returns its path.

    Parameters
    ----------
    params_path : the group's params file (practices, data year, data_dir)
    out : the workbook to write (default ``intake-<group_id>.xlsx`` in the working directory)
    years : the report years to type (default: the year before ``data_year`` and ``data_year``)
    data_dir : a data folder to prefill from (default: the params' ``data_dir`` when it holds
        valid data); its figures for `years` are filled in, so only new figures are typed
    population : also add the sheet for patients by age band and sex
    """
    params_path = Path(params_path)
    params, problems = load_params(params_path)
    if params is None:
        raise InputError(problems)
    years = sorted(years or [params.data_year - 1, params.data_year])
    data = _prefill_data(params, params_path, data_dir)
    catalogue = data.catalogue if data is not None else _catalogue()
    out = Path(out) if out else Path(f"intake-{params.group_id}.xlsx")
    book = openpyxl.Workbook()
    _explanation(book.active, params, population)
    _practices_sheet(book.create_sheet(PRACTICES_SHEET), params, data)
    for entry in params.practices:
        _practice_sheet(book.create_sheet(practice_sheet_name(entry.agb)), entry.agb, params,
                        data, catalogue, years)
    if population:
        _population_sheet(book.create_sheet(POPULATION_SHEET), params, data, years)
    book.security = WorkbookProtection(lockStructure=True)  # sheets keep their names
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        book.save(tmp)
    return out


def intake_to_tables(workbook: Path, out_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Read a filled intake workbook and write its tables as CSV files in `out_dir`
    (practices.csv, mirror.csv in the printed form, population.csv when filled in).

    Raises :class:`InputError` (writing nothing) when the workbook has errors; returns the
    written files and the warnings otherwise.
    """
    tables, problems = read_intake(Path(workbook))
    if any(p.is_error for p in problems) or not tables:
        raise InputError(problems)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in tables.items():
        target = out_dir / f"{name}.csv"
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False, lineterminator="\n")
        written[name] = target
    stale = [path for suffix in (".csv", ".xlsx")
             if "population" not in tables and (path := out_dir / f"population{suffix}").exists()]
    for path in stale:  # it would be read with the new tables
        problems.append(Problem(
            display_path(path), "this population table is not from the workbook (its "
            "population sheet is empty or absent)", severity="warning",
            hint="remove it if it belongs to another round"))
    return written, problems


def _catalogue() -> pd.DataFrame:
    catalogue, problems = load_catalogue(None)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    return catalogue


def _prefill_data(params: GroupParams, params_path: Path, data_dir: Path | None) -> MirrorData | None:
    folder = Path(data_dir) if data_dir else params.data_path(params_path.parent)
    if not folder.is_dir():
        if data_dir:
            raise InputError([Problem(display_path(folder), "this data folder does not exist",
                                      hint="name an existing data folder with --from, or leave it out")])
        return None
    data, problems = check_data(folder)
    if data is None and data_dir:
        raise InputError(problems)
    return data


def _header(cell, text: str) -> None:
    cell.value = text
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _protect(sheet) -> None:
    sheet.protection.sheet = True  # no password: a user who must can lift it in Excel
    sheet.protection.formatColumns = False  # widths may still change
    sheet.protection.autoFilter = False


def _explanation(sheet, params: GroupParams, population: bool) -> None:
    sheet.title = EXPLANATION_SHEET
    sheet.column_dimensions["A"].width = 130
    for row, line in enumerate(EXPLANATION, start=1):
        cell = sheet.cell(row, 1, line.format(
            group=params.group_name, population=POPULATION_LINE if population else NO_POPULATION_LINE))
        cell.alignment = Alignment(wrap_text=True)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    _protect(sheet)


def _validation(sheet, kind: str, low: float, high: float, message: str) -> DataValidation:
    dv = DataValidation(type=kind, operator="between", formula1=number_text(low), formula2=number_text(high),
                        allow_blank=True, showErrorMessage=True, errorTitle="Geen geldig getal",
                        error=message)
    sheet.add_data_validation(dv)
    return dv


def _practices_sheet(sheet, params: GroupParams, data: MirrorData | None) -> None:
    for column, text in enumerate(PRACTICES_HEADER, start=1):
        _header(sheet.cell(1, column), text)
    known = data.practices.set_index("agb") if data is not None else pd.DataFrame()
    patients = _validation(sheet, "whole", 0, MAX_PATIENTS,
                           "Typ het aantal ingeschreven patiënten als heel getal, zonder punten.")
    yes_no = DataValidation(type="list", formula1='"ja,nee"', allow_blank=True,
                            showErrorMessage=True, error="Kies ja of nee.")
    sheet.add_data_validation(yes_no)
    for row, entry in enumerate(params.practices, start=2):
        sheet.cell(row, 1, entry.agb).number_format = "@"
        name, size, has_mirror = "", None, "ja"
        if entry.agb in known.index:
            name = str(known.at[entry.agb, "name"])
            size = int(known.at[entry.agb, "registered_patients"])
            has_mirror = "ja" if bool(known.at[entry.agb, "has_mirror"]) else "nee"
        for column, value in ((2, name or None), (3, size), (4, has_mirror)):
            cell = sheet.cell(row, column, value)
            cell.protection = UNLOCKED
            cell.fill = PREFILLED_FILL if value is not None and column != 4 else INPUT_FILL
        patients.add(f"C{row}")
        yes_no.add(f"D{row}")
    for letter, width in zip("ABCD", (12, 40, 22, 26)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _protect(sheet)


def _known_figures(data: MirrorData | None, agb: str) -> dict[tuple[int, str], tuple]:
    """(year, indicator) -> (value, expected_value, denominator) in the indicator's unit."""
    if data is None:
        return {}
    rows = data.mirror[data.mirror["agb"] == agb]
    if rows.empty:
        return {}
    multiplier = rows["indicator"].map(dict(zip(data.catalogue["id"], data.catalogue["multiplier"])))
    denominator = rows["denominator"].astype(float)
    value = rows["observed"].astype(float) / denominator * multiplier
    expected = rows["expected"].astype(float) / denominator * multiplier
    if "value" in rows.columns:  # printed form: the very figures typed last time
        value = rows["value"].astype(float)
        expected = rows["expected_value"].astype(float)
    return {(int(y), str(i)): (v, e, d) for y, i, v, e, d in
            zip(rows["year"], rows["indicator"], value, expected, denominator)}


def _practice_sheet(sheet, agb: str, params: GroupParams, data: MirrorData | None,
                    catalogue: pd.DataFrame, years: list[int]) -> None:
    names = dict(zip(data.practices["agb"], data.practices["name"])) if data is not None else {}
    title = f"{names.get(agb, 'Praktijk')} (AGB {agb}): Praktijkspiegel, per jaar overtypen"
    sheet.cell(1, 1, title).font = Font(bold=True, size=13)
    for column, text in enumerate(INDICATOR_COLUMNS, start=1):
        _header(sheet.cell(HEADER_ROW, column), text)
    known = _known_figures(data, agb)
    last_row = FIRST_ROW + len(catalogue) - 1
    patients_dv = _validation(sheet, "whole", 1, MAX_PATIENTS,
                              "Typ het aantal patiënten als heel getal (minstens 1), zonder punten.")
    figure_dvs: dict[tuple, DataValidation] = {}
    _header(sheet.cell(DEFAULT_ROW, 2), "Patiënten waar de cijfers over gaan (voor alle regels)")
    for index, year in enumerate(years):
        first = year_column(index, "praktijk")
        _header(sheet.cell(YEAR_ROW, first), year)
        sheet.merge_cells(start_row=YEAR_ROW, start_column=first, end_row=YEAR_ROW,
                          end_column=first + len(YEAR_COLUMNS) - 1)
        for label in YEAR_COLUMNS:
            _header(sheet.cell(HEADER_ROW, year_column(index, label)), label)
            sheet.column_dimensions[get_column_letter(year_column(index, label))].width = 11
        default = sheet.cell(DEFAULT_ROW, year_column(index, "patiënten"))
        denominators = [known[(year, i)][2] for i in catalogue["id"] if (year, i) in known]
        if denominators:
            default.value = int(pd.Series(denominators).mode().iloc[0])
        default.protection = UNLOCKED
        default.fill = PREFILLED_FILL if denominators else INPUT_FILL
        patients_dv.add(default.coordinate)
        default_ref = f"=${get_column_letter(default.column)}${DEFAULT_ROW}"
        for row, ind in enumerate(catalogue.itertuples(), start=FIRST_ROW):
            figures = known.get((year, ind.id))
            low, high = unit_range(ind.statistic, ind.multiplier)
            key = (low, high, ind.unit)
            if key not in figure_dvs:
                figure_dvs[key] = _validation(
                    sheet, "decimal", low, high, f"Typ een getal tussen {low:g} en {high:g} "
                    f"({ind.unit}), zoals de spiegel het toont, zonder %- of €-teken.")
            for label in ("praktijk", "verwacht", "patiënten"):
                cell = sheet.cell(row, year_column(index, label))
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
                if label == "patiënten":
                    patients_dv.add(cell.coordinate)
                    cell.value = default_ref
                else:
                    figure_dvs[key].add(cell.coordinate)
                if figures is None:
                    continue
                value = dict(zip(("praktijk", "verwacht", "patiënten"), figures))[label]
                if value == value and (label != "patiënten" or value != default.value):
                    cell.value = float(value) if label != "patiënten" else int(value)
                cell.fill = PREFILLED_FILL
                if label != "patiënten" and value == value and value != round(value, 2):
                    cell.number_format = "0" if ind.statistic == "cost" or value >= 100 else "0.0"
            observed = get_column_letter(year_column(index, "praktijk"))
            expected = get_column_letter(year_column(index, "verwacht"))
            sheet.cell(row, year_column(index, "index"),
                       f'=IF(AND(ISNUMBER({observed}{row}),ISNUMBER({expected}{row}),'
                       f'{expected}{row}>0),ROUND({observed}{row}/{expected}{row}*100,0),"")')
        index_letter = get_column_letter(year_column(index, "index"))
        sheet.conditional_formatting.add(
            f"{index_letter}{FIRST_ROW}:{index_letter}{last_row}",
            CellIsRule(operator="notBetween", formula=[str(INDEX_RANGE[0]), str(INDEX_RANGE[1])],
                       fill=WARN_FILL))
    for row, ind in enumerate(catalogue.itertuples(), start=FIRST_ROW):
        sheet.cell(row, 1, ind.id).font = Font(color="777777", size=8)
        sheet.cell(row, 2, ind.title)
        sheet.cell(row, 3, DOMAINS.get(ind.domain, ind.domain))
        sheet.cell(row, 4, ind.unit)
    for letter, width in zip("ABCD", (14, 44, 18, 20)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(FIRST_ROW, len(INDICATOR_COLUMNS) + 1)
    _protect(sheet)


def _population_sheet(sheet, params: GroupParams, data: MirrorData | None, years: list[int]) -> None:
    for column, text in enumerate(POPULATION_HEADER, start=1):
        _header(sheet.cell(1, column), text)
    known = {}
    if data is not None and data.has_population:
        pop = data.population
        known = {(a, int(y), b, s): int(p) for a, y, b, s, p in
                 zip(pop["agb"], pop["year"], pop["age_band"], pop["sex"], pop["patients"])}
    dv = _validation(sheet, "whole", 0, MAX_PATIENTS,
                     "Typ het aantal patiënten als heel getal (0 als er geen zijn), zonder punten.")
    row = 2
    for entry in params.practices:
        for year in years:
            for band in AGE_BANDS:
                for sex in SEXES:
                    sheet.cell(row, 1, entry.agb).number_format = "@"
                    sheet.cell(row, 2, year)
                    sheet.cell(row, 3, band).number_format = "@"
                    sheet.cell(row, 4, sex)
                    value = known.get((entry.agb, year, band, sex))
                    cell = sheet.cell(row, 5, value)
                    cell.protection = UNLOCKED
                    cell.fill = PREFILLED_FILL if value is not None else INPUT_FILL
                    row += 1
    if row > 2:
        dv.add(f"E2:E{row - 1}")
    for letter, width in zip("ABCDE", (12, 8, 10, 10, 12)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _protect(sheet)
