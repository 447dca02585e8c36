"""The verslag as an editable Word document (.docx), with the same content as the HTML page.

Facilitators edit the report before it goes to the insurer and the practices, so it is also
written as a plain Word document: A4 portrait, ordinary headings, paragraphs and tables in
Word's own styles (no fields, no macros), that opens in Word and LibreOffice alike. The
content comes from :func:`spiegelkit.render.facilitation.report_context`, as the HTML's does.
"""

from __future__ import annotations

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from spiegelkit import dutch


def report_document(context: dict) -> docx.document.Document:
    """A python-docx Document of the verslag described by `context` (see report_context)."""
    params, record, org = context["params"], context["record"], context["ros"]
    document = docx.Document()
    _a4(document)
    document.core_properties.title = (f"Verslag spiegelbijeenkomst {record.meeting_number} "
                                      f"{params.group_name}")
    document.core_properties.author = org
    document.core_properties.language = "nl-NL"
    header = document.sections[0].header.paragraphs[0]
    header.text = (f"{org}\t{params.group_name} · bijeenkomst {record.meeting_number} · "
                   f"{dutch.date(record.date)}")

    document.add_heading(f"Verslag spiegelbijeenkomst {record.meeting_number}", level=1)
    intro = document.add_paragraph()
    intro.add_run(params.group_name).bold = True
    line = f" ({context['group_type']}) · {dutch.date(record.date)}"
    if record.data_year:
        line += f" · besproken: praktijkspiegels over {record.data_year}"
    intro.add_run(line)
    if record.facilitators:
        document.add_paragraph(f"Begeleiding: {', '.join(record.facilitators)} ({org})")

    document.add_heading("Aanwezig en afwezig", level=2)
    rows = []
    for p in context["attendance"]:
        present = ", ".join(person.name for person in p["people"]) or "niemand: praktijk afwezig"
        signed = "; ".join(f"{person.name}: {'ja' if person.signed else 'nee'}"
                           for person in p["people"])
        rows.append([f"{p['name']} ({p['agb']})", present, ", ".join(p["absent"]), signed])
    for guest in record.guests:
        rows.append([guest.role or "gast", guest.name, "",
                     f"{guest.name}: {'ja' if guest.signed else 'nee'}"])
    _table(document, ["Praktijk", "Aanwezig", "Afwezig", "Deelnemerslijst getekend"], rows)
    if context["unsigned"]:
        document.add_paragraph(f"Niet getekend: {', '.join(context['unsigned'])}.")
    else:
        document.add_paragraph("Alle aanwezigen hebben de deelnemerslijst getekend.")

    document.add_heading("Besproken", level=2)
    if not context["indicators"]:
        document.add_paragraph("Geen indicatoren vastgelegd.")
    for indicator in context["indicators"]:
        title = document.add_paragraph()
        title.add_run(indicator["title"]).bold = True
        title.paragraph_format.keep_with_next = True
        if indicator["figures"]:
            title.add_run(f" (index {context['year']}: 100 = zoals verwacht bij de populatie; "
                          "tussen haakjes de marge)")
            _table(document, ["Praktijk", "Index", "Marge", "Uitkomst"],
                   [[f["practice"], dutch.number(f["index"]),
                     f"{dutch.number(f['lower'])}–{dutch.number(f['upper'])}", f["text"]]
                    for f in indicator["figures"]], numeric={1, 2})
        else:
            document.add_paragraph(f"Geen cijfers over {context['year']} voor deze indicator.")
    if record.notes:
        document.add_paragraph(record.notes)

    document.add_heading("Afspraken", level=2)
    if context["agreements"]:
        _table(document, ["#", "Afspraak", "Wie", "Voor", "Vóór", "Indicator", "Vervolg"],
               [[str(i), a["text"], a["owner"], a["practice"],
                 dutch.date(a["due"]) if a["due"] else "", a["indicator"], a["follow_up"]]
                for i, a in enumerate(context["agreements"], 1)], numeric={0})
        document.add_paragraph("De volgende bijeenkomst begint met een terugblik op deze afspraken.")
    else:
        document.add_paragraph("Er zijn geen afspraken vastgelegd.")

    document.add_heading("Overleg met andere zorgaanbieders", level=2)
    if context["providers"]:
        for provider in context["providers"]:
            document.add_paragraph(f"{provider['name']} ({provider['kind']})", style="List Bullet")
    else:
        document.add_paragraph("In deze bijeenkomst is geen andere zorgaanbieder geraadpleegd.")

    document.add_heading("Deelnemerslijst", level=2)
    document.add_paragraph(
        f"De getekende deelnemerslijst van bijeenkomst {record.meeting_number} "
        f"({dutch.date(record.date)}) hoort bij dit verslag en wordt bewaard door {org}: "
        f"{context['signed']} van de {context['present']} aanwezigen tekenden.")
    source = document.add_paragraph(
        "Verslag en getekende deelnemerslijst horen bij de voorwaarden van de module "
        f"{context['organisation'].insurer.module} ({context['organisation'].insurer.name}). "
        f"{context['source']}")
    source.runs[0].font.size = Pt(8)
    return document


def _a4(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    for level in (1, 2):
        document.styles[f"Heading {level}"].paragraph_format.keep_with_next = True


def _table(document, headings: list[str], rows: list[list[str]], numeric: set[int] = frozenset()):
    """A table in Word's plain grid style: headings in bold, numbers right-aligned."""
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for i, text in enumerate(headings):
        cell = table.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = str(text)
            if i in numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table
