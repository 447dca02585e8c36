"""Real mirrors in: the printed form of the mirror, the intake workbook, and the mistakes of
typing a Praktijkspiegel by hand, each caught with its file, row and field.

Expected figures are the ones the test itself types (as a data adviser would, from a printed
report) and formats the Dutch way on its own, not through spiegelkit's formatter.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from conftest import DATA
from spiegelkit.cli import main
from spiegelkit.inputs.catalogue import load_catalogue
from spiegelkit.inputs.group import load_group
from spiegelkit.inputs.intake import (DEFAULT_ROW, FIRST_ROW, PRACTICES_SHEET, practice_sheet_name,
                                      year_column)
from spiegelkit.inputs.problems import InputError
from spiegelkit.render.downloads import data_table
from spiegelkit.render.handout import Handout
from spiegelkit.run.check import check_group
from spiegelkit.tools.intake import intake_to_tables, write_intake

AGBS = ["01000011", "01000012", "01000013", "01000014"]
NAMES = ["Huisartsen De Linde", "Praktijk Zuid", "Gezondheidscentrum Oost", "Huisartsen Dorp"]
PATIENTS = {2023: [2095, 3120, 1480, 5210], 2024: [2110, 3098, 1502, 5263]}
YEARS = [2023, 2024]
NOT_IN_MIRROR = (AGBS[3], 2024, "fysiotherapie")  # a row the fourth report does not show


def dutch(text: str) -> str:
    """'1234.5' -> '1.234,5': the figure as the report prints it (independent of spiegelkit)."""
    whole, _, decimals = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped + ("," + decimals if decimals else "")


def printed(unit: str, text: str) -> str:
    return f"€ {dutch(text)}" if unit.startswith("euro") else dutch(text)


def report_figures(unit: str, rng: random.Random) -> tuple[str, str]:
    """A practice's figure and its expected figure as a report prints them, as typed text."""
    if unit.startswith("%"):
        value = rng.uniform(2, 60)
        return f"{value:.1f}", f"{min(value * rng.uniform(0.75, 1.35), 99.9):.1f}"
    if unit.startswith("per 1.000"):
        value = rng.uniform(8, 1500)
        return f"{value:.0f}", f"{value * rng.uniform(0.75, 1.35):.0f}"
    if unit.startswith("euro"):
        value = rng.uniform(30, 1800)
        return f"{value:.0f}", f"{value * rng.uniform(0.75, 1.35):.0f}"
    value = rng.uniform(2, 7)  # contacts per patient
    return f"{value:.1f}", f"{value * rng.uniform(0.75, 1.35):.1f}"


def group_file(folder: Path, data_dir: str = "data") -> Path:
    params = dict(group_id="hagro-intake", group_name="Hagro Intake", group_type="hagro",
                  meeting_number=1, meeting_date="2026-03-12", data_year=2024, data_dir=data_dir,
                  facilitators=["Anna de Vries"], practices=[{"agb": agb} for agb in AGBS])
    path = folder / "group.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True))
    return path


class Typist:
    """Fills cells as a data adviser does, counting the cells and keystrokes typed."""

    def __init__(self):
        self.cells = 0
        self.keys = 0

    def type(self, sheet, row: int, column: int, text: str) -> None:
        shown = dutch(text) if re.fullmatch(r"\d+(\.\d+)?", text) and "." in text else text
        value: object = text
        if re.fullmatch(r"\d+", text):
            value = int(text)
        elif re.fullmatch(r"\d+\.\d+", text):
            value = float(text)  # Excel in Dutch reads the typed '18,7' as the number 18.7
        sheet.cell(row, column).value = value
        self.cells += 1
        self.keys += len(shown) + 1  # the figure and Tab or Enter


def fill_workbook(path: Path, catalogue, years=YEARS, practices=True, seed=12) -> tuple[dict, Typist]:
    """Type four printed reports into the workbook; returns what was typed per
    (agb, year, indicator) -> (value text, expected text)."""
    rng = random.Random(seed)
    book = openpyxl.load_workbook(path)
    typist = Typist()
    typed = {}
    if practices:
        sheet = book[PRACTICES_SHEET]
        for row, (name, size) in enumerate(zip(NAMES, PATIENTS[2024]), start=2):
            typist.type(sheet, row, 2, name)
            typist.type(sheet, row, 3, str(size))
    for p, agb in enumerate(AGBS):
        sheet = book[practice_sheet_name(agb)]
        for index, year in enumerate(YEARS):
            if year not in years:
                continue
            typist.type(sheet, DEFAULT_ROW, year_column(index, "patiënten"), str(PATIENTS[year][p]))
            for row, ind in enumerate(catalogue.itertuples(), start=FIRST_ROW):
                value, expected = report_figures(ind.unit, rng)
                if (agb, year, ind.id) == NOT_IN_MIRROR:
                    continue
                typist.type(sheet, row, year_column(index, "praktijk"), value)
                typist.type(sheet, row, year_column(index, "verwacht"), expected)
                typed[(agb, year, ind.id)] = (value, expected)
    book.save(path)
    return typed, typist


@pytest.fixture
def catalogue():
    frame, problems = load_catalogue(None)
    assert not problems
    return frame


def test_round_trip_four_practices_38_indicators_two_years(tmp_path, catalogue):
    params = group_file(tmp_path)
    workbook = write_intake(params, tmp_path / "intake.xlsx")
    typed, typist = fill_workbook(workbook, catalogue)
    assert len(catalogue) == 38 and len(typed) == 4 * 38 * 2 - 1
    # figures and the patients per practice-year, nothing converted; plus names and list sizes
    assert typist.cells == 4 * 2 * (38 * 2 + 1) - 2 + 4 * 2

    written, problems = intake_to_tables(workbook, tmp_path / "data")
    assert set(written) == {"practices", "mirror"} and not problems
    header = (tmp_path / "data" / "mirror.csv").read_text().splitlines()[0]
    assert header == "agb,year,indicator,value,expected_value,denominator"

    group = check_group(params)
    assert group.ok, "\n".join(map(str, group.problems))
    [missing] = [p for p in group.problems if "missing for others" in p.message]
    assert "fysiotherapie (missing for 01000014 in 2024)" in missing.message
    assert missing.file.endswith("mirror.csv") and missing.field == "indicator" and missing.row
    assert group.data.mirror_form == "printed" and "printed form" in group.data.describe()

    handout = Handout.build(load_group(params))
    table = handout.table.set_index(["agb", "year", "indicator"])
    for key, (value, expected) in typed.items():
        row = table.loc[key]
        assert row["index"] == pytest.approx(float(value) / float(expected) * 100, rel=1e-12)
        assert row["value"] == pytest.approx(float(value), rel=1e-12)
        assert row["denominator"] == PATIENTS[key[1]][AGBS.index(key[0])]
    domains, appendix = str(handout.domains()), str(handout.appendix())
    units = dict(zip(catalogue["id"], catalogue["unit"]))
    for (agb, year, indicator), (value, expected) in typed.items():
        if year != 2024:
            continue
        shown, shown_expected = printed(units[indicator], value), printed(units[indicator], expected)
        assert (f'<span class="sk-nowrap">{shown}</span><br><span class="sk-muted">verwacht '
                f'<span class="sk-nowrap">{shown_expected}</span></span>') in domains
        assert f"<td class=\"sk-num\">{shown}</td><td class=\"sk-num\">{shown_expected}</td>" in appendix
    downloads = data_table(handout.table, handout.shown_agbs).set_index(["agb_code", "jaar", "indicator"])
    for key, (value, expected) in typed.items():  # both forms: as printed and as counts
        row = downloads.loc[key]
        assert (row["waarde"], row["verwachte_waarde"]) == (pytest.approx(float(value), abs=5e-4),
                                                          pytest.approx(float(expected), abs=5e-4))
        assert row["waargenomen"] == pytest.approx(float(value) * row["noemer"]
                                                   / (1000 if units[key[2]].startswith("per 1.000")
                                                      else 1 if units[key[2]].startswith(("euro", "contacten"))
                                                      else 100))
    assert "sk-no-population" in str(handout.population())
    assert "<svg" not in str(handout.population())  # no pyramid chart


def test_prefill_from_the_previous_round_leaves_only_the_new_year(tmp_path, catalogue):
    params = group_file(tmp_path)
    first = write_intake(params, tmp_path / "round1.xlsx", years=[2023])
    typed_before, _ = fill_workbook(first, catalogue, years=[2023])
    intake_to_tables(first, tmp_path / "data")

    second = write_intake(params, tmp_path / "round2.xlsx")  # prefills from the group's data_dir
    book = openpyxl.load_workbook(second)
    assert book[PRACTICES_SHEET]["B2"].value == NAMES[0]
    sheet = book[practice_sheet_name(AGBS[1])]
    assert sheet.cell(DEFAULT_ROW, year_column(0, "patiënten")).value == PATIENTS[2023][1]
    first_indicator = catalogue["id"].iloc[0]
    assert sheet.cell(FIRST_ROW, year_column(0, "praktijk")).value == pytest.approx(
        float(typed_before[(AGBS[1], 2023, first_indicator)][0]))
    assert sheet.cell(FIRST_ROW, year_column(1, "praktijk")).value is None

    typed, typist = fill_workbook(second, catalogue, years=[2024], practices=False)
    assert typist.cells == 4 * (38 * 2 + 1) - 2  # only the new year
    intake_to_tables(second, tmp_path / "data")
    group = check_group(params)
    assert group.ok, "\n".join(map(str, group.problems))
    years = group.data.mirror.groupby("year").size().to_dict()
    assert years == {2023: 4 * 38, 2024: 4 * 38 - 1}


def test_workbook_guards_cells_and_freezes_panes(tmp_path):
    workbook = write_intake(group_file(tmp_path), tmp_path / "intake.xlsx", population=True)
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[:2] == ["Uitleg", "Praktijken"] and "Populatie" in book.sheetnames
    sheet = book[practice_sheet_name(AGBS[0])]
    assert sheet.protection.sheet and sheet.freeze_panes == "E5"
    assert sheet["B3"].protection.locked and not sheet["E5"].protection.locked
    assert sheet["H5"].value.startswith("=IF(") and sheet["H5"].protection.locked
    rules = {(dv.type, dv.formula1, dv.formula2) for dv in sheet.data_validations.dataValidation}
    assert ("decimal", "0", "100") in rules  # % patients: 0..100, no negatives
    assert ("decimal", "0", "100000") in rules  # euros per patient
    assert ("whole", "1", "1000000") in rules  # patients
    assert len(book["Populatie"]["A"]) == 1 + 4 * 2 * 19 * 2


def test_printed_mirror_alone_makes_a_handout(tmp_path):
    """Only practices and a printed-form mirror: no population, no reference."""
    shutil.copytree(DATA / "mini", tmp_path / "data")
    for name in ("population.csv", "reference.csv", "mirror.csv", "indicators.yaml"):
        (tmp_path / "data" / name).unlink()  # the bundled catalogue, and no standardisation
    rows = [("01000001", "antibiotica", "18.7", "16.2", "1000"),
            ("01000002", "antibiotica", "15.1", "16.0", "1000"),
            ("01000003", "antibiotica", "12.5", "15.5", "80"),
            ("01000001", "visites", "412", "380", "1000"),
            ("01000002", "visites", "300", "390", "1000"),
            ("01000003", "visites", "250", "350", "80"),
            ("01000001", "kosten_farmacie", "312", "290", "1000"),
            ("01000002", "kosten_farmacie", "280.5", "300", "1000"),
            ("01000003", "kosten_farmacie", "250", "300", "80")]
    (tmp_path / "data" / "mirror.csv").write_text(
        "agb;year;indicator;value;expected_value;denominator\n"
        + "".join(f"{a};2024;{i};{v.replace('.', ',')};{e};{d}\n" for a, i, v, e, d in rows))
    shutil.copy(DATA / "mini-group.yaml", tmp_path / "group.yaml")
    params = tmp_path / "group.yaml"
    params.write_text(params.read_text().replace("data_dir: mini", "data_dir: data"))

    result = CliRunner().invoke(main, ["check", str(params)])
    assert result.exit_code == 0, result.output
    assert "mirror in the printed form" in result.output and "no population" in result.output

    handout = Handout.build(load_group(params))
    table = handout.table.set_index(["agb", "indicator"])
    for agb, indicator, value, expected, _ in rows:
        assert table.loc[(agb, indicator), "index"] == pytest.approx(
            float(value) / float(expected) * 100, rel=1e-12)
    assert "€ 280,50" in str(handout.domains())
    population = str(handout.population())
    assert "ontbreken hier de leeftijdsopbouw en de bevolkingspiramides" in population


# --- one test per mistake of the "Why" -----------------------------------------------

@pytest.fixture
def mini(tmp_path):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    shutil.copy(DATA / "mini-group.yaml", tmp_path / "group.yaml")
    return tmp_path / "group.yaml"


def mirror_file(params: Path) -> Path:
    return params.parent / "mini" / "mirror.csv"


def errors(group):
    return [p for p in group.problems if p.is_error]


def test_expected_typed_as_printed_beside_a_count_is_an_error(mini):
    mirror = mirror_file(mini)
    mirror.write_text(mirror.read_text().replace("01000001,2024,antibiotica,228,1000,",
                                                 "01000001,2024,antibiotica,228,1000,18.7"))
    [problem] = errors(check_group(mini))
    assert problem.file.endswith("mirror.csv") and (problem.row, problem.field) == (2, "expected")
    assert "expected looks like a figure in the indicator's unit" in problem.message
    assert "about 122" in problem.hint  # 228 / (18.7 x 1000 / 100) x 100


def test_fraction_typed_for_a_percentage_is_an_error(tmp_path):
    params = group_file(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "practices.csv").write_text("agb,name,registered_patients,has_mirror\n" + "".join(
        f"{agb},{name},2000,ja\n" for agb, name in zip(AGBS, NAMES)))
    (data / "mirror.csv").write_text("agb,year,indicator,value,expected_value,denominator\n" + "".join(
        f"{agb},2024,antibiotica,18.{i},{'0.162' if i == 2 else '16.2'},2000\n"
        for i, agb in enumerate(AGBS)))
    [problem] = errors(check_group(params))
    assert problem.file.endswith("mirror.csv") and (problem.row, problem.field) == (4, "expected_value")
    assert "expected_value looks like a fraction" in problem.message


def test_a_count_that_is_not_whole_is_an_error(mini):
    mirror = mirror_file(mini)
    mirror.write_text(mirror.read_text().replace("01000002,2024,antibiotica,175,", "01000002,2024,antibiotica,174.9,"))
    [problem] = errors(check_group(mini))
    assert problem.file.endswith("mirror.csv") and (problem.row, problem.field) == (3, "observed")
    assert "not a whole number" in problem.message and "printed form" in problem.hint


def test_a_proportion_above_100_percent_is_an_error(tmp_path):
    params = group_file(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "practices.csv").write_text("agb,name,registered_patients,has_mirror\n" + "".join(
        f"{agb},{name},2000,ja\n" for agb, name in zip(AGBS, NAMES)))
    (data / "mirror.csv").write_text(
        "agb,year,indicator,value,expected_value,denominator\n"
        + "".join(f"{agb},2024,contact_huisarts,{'107' if agb == AGBS[1] else '77'},76,2000\n"
                  for agb in AGBS))
    [problem] = errors(check_group(params))
    assert problem.file.endswith("mirror.csv") and (problem.row, problem.field) == (3, "value")
    assert "more than 100" in problem.message


def test_a_missing_mirror_row_is_named(mini):
    mirror = mirror_file(mini)
    mirror.write_text("\n".join(line for line in mirror.read_text().splitlines()
                                if not line.startswith("01000003,2024,kosten_farmacie")) + "\n")
    group = check_group(mini)
    [warning] = [p for p in group.problems if "missing for others" in p.message]
    assert warning.file.endswith("mirror.csv") and (warning.row, warning.field) == (5, "indicator")
    assert "kosten_farmacie (missing for 01000003 in 2024)" in warning.message


def test_header_only_population_names_every_row_without_an_expected_figure(mini):
    population = mini.parent / "mini" / "population.csv"
    population.write_text(population.read_text().splitlines()[0] + "\n")
    found = errors(check_group(mini))
    assert {(p.row, p.field) for p in found} == {(2, "expected"), (3, "expected"), (4, "expected"),
                                                 (5, "expected"), (7, "expected")}
    assert all(p.file.endswith("mirror.csv") and "no population table" in p.message for p in found)


def test_a_mirror_in_both_forms_at_once_is_refused(mini):
    mirror = mirror_file(mini)
    lines = mirror.read_text().splitlines()
    mirror.write_text("\n".join([lines[0] + ",value"] + [line + ",1" for line in lines[1:]]) + "\n")
    [problem] = errors(check_group(mini))
    assert problem.file.endswith("mirror.csv") and (problem.row, problem.field) == (1, "value")
    assert "both 'observed'" in problem.message


def test_workbook_mistakes_name_sheet_and_cell(tmp_path, catalogue):
    params = group_file(tmp_path)
    workbook = write_intake(params, tmp_path / "intake.xlsx")
    fill_workbook(workbook, catalogue)
    book = openpyxl.load_workbook(workbook)
    sheet = book[practice_sheet_name(AGBS[2])]
    sheet.cell(FIRST_ROW + 3, year_column(1, "verwacht")).value = "18,7 procent"  # pasted text
    sheet.cell(FIRST_ROW + 4, year_column(1, "patiënten")).value = None  # row without patients
    sheet.cell(FIRST_ROW + 5, year_column(0, "praktijk")).value = "1.997"  # thousands dot
    book.save(workbook)
    with pytest.raises(InputError) as caught:
        intake_to_tables(workbook, tmp_path / "data")
    found = {(p.row, p.field): p for p in caught.value.problems}
    assert set(found) == {(FIRST_ROW + 3, "Praktijk 01000013!J8"),
                          (FIRST_ROW + 4, "Praktijk 01000013!K9"),
                          (FIRST_ROW + 5, "Praktijk 01000013!E10")}
    assert all(p.file.endswith("intake.xlsx") for p in found.values())
    assert "is not a number" in found[(FIRST_ROW + 3, "Praktijk 01000013!J8")].message
    assert "is empty" in found[(FIRST_ROW + 4, "Praktijk 01000013!K9")].message
    assert "ambiguous" in found[(FIRST_ROW + 5, "Praktijk 01000013!E10")].message
    assert not (tmp_path / "data").exists()  # nothing written from a workbook with errors


def test_intake_command_writes_and_reads(tmp_path, catalogue):
    params = group_file(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["intake", str(params), "--out", str(tmp_path / "w.xlsx")])
    assert result.exit_code == 0, result.output
    fill_workbook(tmp_path / "w.xlsx", catalogue)
    result = runner.invoke(main, ["intake", "--read", str(tmp_path / "w.xlsx"),
                                  "--out", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "mirror:" in result.output and (tmp_path / "data" / "mirror.csv").is_file()


def test_data_dir_may_name_the_filled_workbook(tmp_path, catalogue):
    params = group_file(tmp_path, data_dir="intake.xlsx")
    workbook = write_intake(params, tmp_path / "intake.xlsx")
    typed, _ = fill_workbook(workbook, catalogue)
    group = check_group(params)
    assert group.ok, "\n".join(map(str, group.problems))
    assert "data/intake.xlsx" in group.input_files() and group.data.mirror_form == "printed"
    table = Handout.build(group).table.set_index(["agb", "year", "indicator"])
    assert len(table) == len(typed)

    book = openpyxl.load_workbook(workbook)  # a proportion above 100 %: found by the checks
    sheet = book[practice_sheet_name(AGBS[1])]
    row = FIRST_ROW + list(catalogue["id"]).index("antibiotica")
    sheet.cell(row, year_column(1, "praktijk")).value = 118.0
    book.save(workbook)
    [problem] = [p for p in check_group(params).problems if p.is_error]
    assert problem.file.endswith("intake.xlsx")
    assert (problem.row, problem.field) == (row, f"Praktijk {AGBS[1]}!I{row}")
    assert "more than 100" in problem.message


def test_population_sheet_round_trip(tmp_path, catalogue):
    params = group_file(tmp_path)
    workbook = write_intake(params, tmp_path / "intake.xlsx", population=True)
    fill_workbook(workbook, catalogue)
    book = openpyxl.load_workbook(workbook)
    sheet = book["Populatie"]
    typed = {}
    for row in range(2, sheet.max_row + 1):
        agb, year, band, sex = (sheet.cell(row, c).value for c in range(1, 5))
        if agb == AGBS[3] and year == 2023:
            continue  # this practice-year left empty: not delivered
        typed[(agb, year, band, sex)] = sheet.cell(row, 5).value = 20 + row % 97
    book.save(workbook)
    written, problems = intake_to_tables(workbook, tmp_path / "data")
    assert "population" in written and not problems
    group = check_group(params)
    assert group.ok, "\n".join(map(str, group.problems))
    population = group.data.population
    assert len(population) == len(typed) == (4 * 2 - 1) * 19 * 2
    assert {(a, int(y), b, s): int(p) for a, y, b, s, p in population.itertuples(index=False)} == typed
    shown = str(Handout.build(group).population())  # pyramids once there is a population
    assert "<svg" in shown and "sk-no-population" not in shown

    book = openpyxl.load_workbook(workbook)  # one age band left empty is named by its cell
    book["Populatie"]["E7"].value = None
    book.save(workbook)
    with pytest.raises(InputError) as caught:
        intake_to_tables(workbook, tmp_path / "data")
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (7, "Populatie!E7") and "is empty" in problem.message


def test_an_expected_per_1000_typed_as_printed_shows_as_a_size_pattern(tmp_path):
    """327 per 1.000 typed as expected beside counts: indices 150-500, inside 20..500."""
    params = group_file(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    sizes = [1520, 2095, 3400, 4900]
    (data / "practices.csv").write_text("agb,name,registered_patients,has_mirror\n" + "".join(
        f"{agb},{name},{size},ja\n" for agb, name, size in zip(AGBS, NAMES, sizes)))
    (data / "mirror.csv").write_text("agb,year,indicator,observed,denominator,expected\n" + "".join(
        f"{agb},2024,verwijzingen_totaal,{round(size * 0.327 * f)},{size},{e}\n"
        for agb, size, f, e in zip(AGBS, sizes, (1.1, 0.95, 1.0, 1.05), (327, 330, 325, 331))))
    group = check_group(params)
    [warning] = [p for p in group.problems if "grow with the practices' size" in p.message]
    assert warning.file.endswith("mirror.csv") and (warning.row, warning.field) == (2, "expected")
    assert "row 5 (01000014: index 508, else 104)" in warning.message
