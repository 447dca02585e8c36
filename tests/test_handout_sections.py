"""The handout's sections built in-process on the mini data: no kernel, no nbconvert.

The group notebook calls these methods in order; here each one is called directly, so a
broken section shows up in the fast layer, with the figures worked out by hand.
"""

import re

import pytest

from conftest import DATA
from spiegelkit.inputs.group import load_group, open_group
from spiegelkit.render.handout import Handout

SECTIONS = ["cover", "lookback", "agenda", "population", "no_mirror_note", "overview",
            "talking_points", "domains", "costs", "agreements_form", "attendance",
            "obligations", "appendix"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def handout():
    return Handout.build(open_group(DATA / "mini-group.yaml"))


def test_the_notebook_calls_every_section_and_nothing_else():
    import nbformat

    from conftest import ROOT

    notebook = nbformat.read(ROOT / "notebooks" / "group_mirror.ipynb", as_version=4)
    called = re.findall(r"^handout\.(\w+)\(\)", "\n".join(c.source for c in notebook.cells
                                                         if c.cell_type == "code"), re.M)
    assert called == SECTIONS


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders_html_that_names_no_code(handout, section):
    html = getattr(handout, section)()
    assert isinstance(html, str)
    assert "Traceback" not in html and "{{" not in html and "None" not in text(html)


def test_cover_names_the_group_its_practices_and_the_lag(handout):
    cover = text(handout.cover())
    assert "Hagro Mini" in cover and "Huisartsenpraktijk De Linde" in cover
    assert "12 maart 2026" in cover and "2024" in cover


def test_domain_table_shows_the_index_worked_out_by_hand(handout):
    # antibiotica, De Linde: 228 patients observed; expected by indirect standardisation from
    # tests/data/mini (1000 patients x the reference rates): the comparison table holds it.
    row = handout.table[(handout.table["agb"] == "01000001")
                        & (handout.table["indicator"] == "antibiotica")
                        & (handout.table["year"] == 2024)].iloc[0]
    assert row["index"] == pytest.approx(228 / row["expected"] * 100)
    domains = text(handout.domains())
    assert f"{round(row['index'])}".replace(".", ",") in domains


def test_a_version_for_one_practice_names_it_in_the_cover(handout):
    own = Handout.build(load_group(DATA / "mini-group.yaml").with_focus("01000002"))
    assert own.focus == "Praktijk Zuid"
    assert "Praktijk Zuid" in text(own.cover())
