"""Write the generated files of the bad-input corpus (tests/data/bad/corpus.yaml lists them all).

Most cases are small text files edited by hand; the ones here are binary (UTF-16, XLSX,
zip, random bytes) or derived from the mini data folder, so they are made by this script:
``python tests/data/bad/make_corpus.py`` rewrites them, byte for byte the same.
"""

import codecs
import io
import zipfile
from pathlib import Path

import openpyxl

BAD = Path(__file__).parent
MINI = BAD.parent / "mini"
MIRROR = (MINI / "mirror.csv").read_text().replace("\r\n", "\n")
POPULATION = (MINI / "population.csv").read_text().replace("\r\n", "\n")
REFERENCE = (MINI / "reference.csv").read_text().replace("\r\n", "\n")
PRACTICES = (MINI / "practices.csv").read_text().replace("\r\n", "\n")
PARAMS = (BAD.parent / "mini-group.yaml").read_text().replace("data_dir: mini", "data_dir: ../mini")
INTEGER_MIRROR = MIRROR.replace(".0,", ",")  # no decimals anywhere: nothing says which mark


def write(name: str, content) -> None:
    path = BAD / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)


def rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().split("\n")]


def joined(table: list[list[str]], sep: str = ",") -> str:
    return "\n".join(sep.join(row) for row in table) + "\n"


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        for row in table:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    # --- CSV layout and numbers ---------------------------------------------------------
    write("mirror_decimal_comma_in_comma_file.csv",
          INTEGER_MIRROR.replace("01000001,2024,kosten_farmacie,290000,1000,",
                                 "01000001,2024,kosten_farmacie,290000,50,1000,"))
    write("mirror_row_with_a_field_missing.csv",
          INTEGER_MIRROR.replace("01000003,2024,antibiotica,4,80,", "01000003,2024,antibiotica,4"))
    semicolon_pop = joined(rows(POPULATION), ";")
    write("population_thousands_dot_semicolons.csv",
          semicolon_pop.replace("01000001;2024;20-24;M;600", "01000001;2024;20-24;M;1.997", 1))
    write("mirror_thousands_dot_semicolons.csv",
          joined(rows(INTEGER_MIRROR), ";").replace(";290000;", ";290.000;"))
    write("mirror_thousands_dot_ambiguous_comma_file.csv",
          INTEGER_MIRROR.replace(",290000,", ",290.000,"))
    write("mirror_huge_observed.csv", INTEGER_MIRROR.replace(",228,", ",99999999999999999999999,"))
    write("mirror_huge_denominator.csv", INTEGER_MIRROR.replace(",4,80,", ",4,1e30,"))
    write("mirror_infinite_cost.csv", INTEGER_MIRROR.replace(",20000,", ",inf,"))
    write("mirror_nan_count.csv", INTEGER_MIRROR.replace(",175,", ",nan,"))
    write("mirror_expected_zero.csv", INTEGER_MIRROR.replace(",380000,1000,400000", ",380000,1000,0"))
    pop = rows(POPULATION)
    write("population_practice_with_zero_patients.csv",
          joined([pop[0]] + [r[:-1] + ["0"] if r[0] == "01000002" else r for r in pop[1:]]))
    ref = rows(REFERENCE)
    write("reference_all_rates_zero.csv",
          joined([ref[0]] + [r[:-1] + ["0"] if r[0] == "antibiotica" else r for r in ref[1:]]))
    write("mirror_header_only.csv", MIRROR.split("\n")[0] + "\n")
    write("population_header_only.csv", POPULATION.split("\n")[0] + "\n")
    write("mirror_empty.csv", b"")
    write("mirror_unclosed_quote.csv", MIRROR.replace("01000002,2024,antibiotica", '"01000002,2024,antibiotica'))
    damaged = [pop[0]] + [[r[0].lstrip("0"), *r[1:]] if r[0] == "01000001" else r for r in pop[1:]]
    write("population_agb_lost_its_zero.csv", joined(damaged))
    # refused under a lowered limit of 8,000 bytes (see corpus.yaml); the other tables are smaller
    write("mirror_too_large.csv", MIRROR + "\n" * 9000)

    # --- encodings ----------------------------------------------------------------------
    write("mirror_utf16_with_bom.csv", codecs.BOM_UTF16_LE + MIRROR.encode("utf-16-le"))
    write("mirror_utf16_without_bom.csv", MIRROR.encode("utf-16-le"))
    write("practices_windows_1252.csv",
          PRACTICES.replace("Praktijk Zuid", "Praktijk Zuid – Café").encode("cp1252"))
    write("practices_utf8_bom.csv", codecs.BOM_UTF8 + PRACTICES.encode())
    write("mirror_tab_separated.csv", joined(rows(MIRROR), "\t"))
    write("mirror_neither_utf8_nor_1252.csv", MIRROR.encode() + b"01000001,2024,\x81\x8d,1,1,\n")
    write("mirror_binary.csv", bytes(range(256)) * 8)
    write("mirror_is_a_workbook.csv", workbook({"Blad1": rows(MIRROR)}))
    write("params_utf16.yaml", codecs.BOM_UTF16_LE + PARAMS.encode("utf-16-le"))
    record = (BAD / "record_valid.yaml").read_text()
    write("record_utf16.yaml", codecs.BOM_UTF16_LE + record.encode("utf-16-le"))

    # --- workbooks ----------------------------------------------------------------------
    def typed(table):
        return [[int(c) if c.isdigit() and not c.startswith("0") else
                 float(c) if "." in c and c.replace(".", "", 1).isdigit() else c for c in row]
                for row in table]
    mirror = typed(rows(MIRROR))
    write("mirror_on_second_sheet.xlsx", workbook({"Toelichting": [["Spiegel van de hagro"], []],
                                                   "Gegevens": [["Hagro Mini, 2024"], [], *mirror]}))
    write("mirror_no_sheet_has_the_table.xlsx",
          workbook({"Blad1": [["praktijk", "jaar", "waarde"], ["01000001", 2024, 12]],
                    "Blad2": [["notities"]]}))
    write("mirror_not_a_workbook.xlsx", MIRROR.encode())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (40 * 2 ** 20))
    write("mirror_zip_bomb.xlsx", bomb.getvalue())

    # --- hostile YAML -------------------------------------------------------------------
    laughs = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        laughs.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    write("params_billion_laughs.yaml", "\n".join(laughs) + "\n" + PARAMS + "facilitators_extra: *l8\n")
    write("params_deeply_nested.yaml", PARAMS + "options: " + "[" * 5000 + "]" * 5000 + "\n")
    write("record_billion_laughs.yaml", "\n".join(laughs) + "\n" + record + "notes_extra: *l8\n")
    items = "\n".join("- " + line.split(": ", 1)[1] for line in laughs)  # list items, not keys
    write("catalogue_billion_laughs.yaml", items + "\n" + (MINI / "indicators.yaml").read_text()
          + "- *l8\n")


if __name__ == "__main__":
    main()
