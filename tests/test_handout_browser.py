"""Every demo handout in a real browser: offline, complete, printable, and safe.

Screenshots and PDFs go to outputs/browser-test/ for a person to look at.
"""

import re
import shutil

import pytest

from conftest import DATA, ROOT
from spiegelkit.batch import run_groups

SECTIONS = ["Spiegelbijeenkomst", "Terugblik", "Agenda", "Wie zitten er aan tafel?", "Overzicht",
            "Gespreksonderwerpen", "Per domein", "Kosten en opslag", "Afspraken",
            "Deelnemerslijst", "Jaarverplichtingen", "Bijlage: cijfers en methode"]
DEMO_GROUPS = sorted((ROOT / "params").glob("*.yaml"))
EVIDENCE = ROOT / "outputs" / "browser-test"


@pytest.fixture(scope="module")
def demo_handouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    results = run_groups(DEMO_GROUPS, out, progress=False)
    failed = [(r.group_id, r.error[-500:]) for r in results if r.status != "ok"]
    assert not failed, failed
    return sorted(out.glob("*/*.html"))


def test_every_demo_group_has_a_handout(demo_handouts):
    groups = {p.parent.name for p in demo_handouts if p.name == "handout.html"}
    assert groups == {p.stem for p in DEMO_GROUPS}


def test_handouts_open_offline_complete_and_print(demo_handouts, page):
    EVIDENCE.mkdir(parents=True, exist_ok=True)
    for handout in demo_handouts:
        page.outside_requests.clear()
        page.console_errors.clear()
        page.goto(handout.as_uri(), wait_until="load")
        headings = page.locator("h1, h2").all_inner_texts()
        for section in SECTIONS:
            assert any(h.startswith(section) for h in headings), (handout, section, headings)
        images = page.locator("img")
        assert images.count() >= 5
        for i in range(images.count()):  # every chart says what it shows
            assert len(images.nth(i).get_attribute("alt") or "") > 20, (handout, i)
        assert page.evaluate("document.documentElement.lang") == "nl"
        stem = f"{handout.parent.name}-{handout.stem}"
        page.screenshot(path=str(EVIDENCE / f"{stem}.png"), full_page=False)
        page.pdf(path=str(EVIDENCE / f"{stem}.pdf"), format="A4")
        assert page.outside_requests == [], (handout, page.outside_requests)
        assert page.console_errors == [], (handout, page.console_errors)
        assert (EVIDENCE / f"{stem}.pdf").stat().st_size > 50_000


def test_names_and_notes_are_shown_as_text_and_run_nothing(tmp_path, page):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    practices = tmp_path / "mini" / "practices.csv"
    practices.write_text(practices.read_text()
                         .replace("Huisartsenpraktijk De Linde", "<script>alert(1)</script>")
                         .replace("Praktijk Zuid", '"<img src=x onerror=alert(2)>"'))
    params = (DATA / "mini-group.yaml").read_text().replace(
        "note: Verpleeghuis in de wijk", "note: \"<img src=y onerror=alert(3)>\"")
    (tmp_path / "group.yaml").write_text(params)
    [result] = run_groups([tmp_path / "group.yaml"], tmp_path / "out", progress=False)
    assert result.status == "ok", result.error
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(result.handout.as_uri(), wait_until="load")
    text = page.inner_text("body")
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "<img src=y onerror=alert(3)>" in text
    assert dialogs == []
    html = result.handout.read_text()
    assert not re.search(r"<script>alert|<img src=[xy] onerror", html)
    assert page.outside_requests == [] and page.console_errors == []
