"""spiegelkit report: the verslag as HTML and as an editable Word document with the same content."""

import re

import docx
from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.analysis.compare import compare_group
from spiegelkit.cli import main
from spiegelkit.inputs.group import open_group

FIVE = ROOT / "params" / "zorggroep-uithoorn-aalsmeer.yaml"


def test_report_writes_the_html_and_docx_verslag_with_the_same_content(tmp_path):
    result = CliRunner().invoke(main, ["report", str(FIVE), "--meeting", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "zorggroep-uithoorn-aalsmeer"
    assert sorted(p.name for p in folder.iterdir()) == ["verslag-2.docx", "verslag-2.html"]
    html = (folder / "verslag-2.html").read_text()
    document = docx.Document(folder / "verslag-2.docx")
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]

    # the organisation's header, group and date
    assert document.sections[0].header.paragraphs[0].text.startswith("Elaa\t")
    assert "Elaa" in html and "Zorggroep Uithoorn-Aalsmeer" in paragraphs[1]
    assert round(document.sections[0].page_width.mm) == 210 and round(document.sections[0].page_height.mm) == 297
    # present and absent per practice: Kudelstaart did not come, Fatma Schouten stayed away
    attendance = {row[0].split(" (")[0]: row for row in tables[0][1:]}
    assert attendance["Huisartsenpraktijk Kudelstaart"][1:3] == ["niemand: praktijk afwezig",
                                                                 "Sophie Hendriks"]
    assert attendance["Huisartsen Uithoorn-Centrum"][1:3] == ["Ruud Vermeulen", "Fatma Schouten"]
    assert attendance["orthopedisch chirurg, Ziekenhuis Amstelland"][1] == "Mirjam de Wit"
    for row in attendance.values():
        for name in filter(None, re.split(r", ", row[1] + ", " + row[2])):
            if not name.startswith("niemand"):
                assert name in html
    # the indicator discussed, with the group's figures from the comparison
    group = open_group(FIVE)
    table = compare_group(group.data, group.params)
    ortho = table[(table["indicator"] == "verwijzingen_orthopedie") & (table["year"] == 2024)]
    figures = tables[1]
    assert figures[0] == ["Praktijk", "Index", "Marge", "Uitkomst"] and len(figures) == 1 + len(ortho)
    for row, (_, expected) in zip(figures[1:], ortho.iterrows()):
        assert row[1] == f"{expected['index']:.0f}" and row[3] == expected["significance_nl"]
        assert f"{expected['lower']:.0f}–{expected['upper']:.0f}" == row[2] and row[2] in html
    # the agreements: what, who, which practice, by when, follow-up
    [agreement] = tables[2][1:]
    assert agreement[1].startswith("Een gezamenlijke verwijsafspraak") and agreement[2] == "Eva Vermeulen"
    assert agreement[3] == "hele groep" and agreement[4] == "13 oktober 2026"
    assert agreement[6] == "gesprek met medisch specialisten over verwijzen en terugverwijzen"
    assert any("Orthopedie Ziekenhuis Amstelland" in p for p in paragraphs)  # provider consulted
    assert any("getekende deelnemerslijst van bijeenkomst 2 (7 juli 2026)" in p and "6 van de 6" in p
               for p in paragraphs)
    assert "6 van de 6 aanwezigen tekenden" in html
