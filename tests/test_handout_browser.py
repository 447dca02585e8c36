"""Every demo handout in a real browser: offline, complete, printable, and safe.

Screenshots and PDFs go to outputs/browser-test/ for a person to look at.
"""

import re
import shutil

import pytest

from conftest import DATA, ROOT
from spiegelkit.run.batch import run_groups

SECTIONS = ["Spiegelbijeenkomst", "Terugblik", "Agenda", "Wie zitten er aan tafel?", "Overzicht",
            "Gespreksonderwerpen", "Per domein", "Kosten en opslag", "Afspraken",
            "Deelnemerslijst", "Jaarverplichtingen", "Bijlage: cijfers en methode"]
DEMO_GROUPS = sorted((ROOT / "params").glob("*.yaml"))
EVIDENCE = ROOT / "outputs" / "browser-test"


@pytest.fixture(scope="module")
def demo_handouts(demo_outputs):
    _, out = demo_outputs
    return sorted(p for p in out.glob("*/*.html") if not p.name.startswith("verslag-"))


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
        images = page.locator("figure svg[role=img]")
        assert images.count() >= 5
        for i in range(images.count()):  # every chart says what it shows
            assert len(images.nth(i).get_attribute("aria-label") or "") > 20, (handout, i)
        assert page.locator("figure svg title").count() > 100  # figures on hover
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


def _embedded_files(html: str) -> bytes:
    """The downloads and charts inside a handout (data: addresses), decoded, XLSX unzipped."""
    import base64
    import io
    import zipfile

    blobs = b""
    for kind, data in re.findall(r'(?:href|src)="data:([^;"]+);base64,([^"]+)"', html):
        raw = base64.b64decode(data)
        if "spreadsheet" in kind:
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                raw = b"".join(book.read(name) for name in book.namelist())
        blobs += raw
    return blobs


def test_pseudonymised_practice_versions_name_no_other_practice(tmp_path, page):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    params = (DATA / "mini-group.yaml").read_text().replace(
        "data_dir: mini", "data_dir: mini\noptions:\n  pseudonymise: true")
    (tmp_path / "group.yaml").write_text(params)
    [result] = run_groups([tmp_path / "group.yaml"], tmp_path / "out", progress=False)
    assert result.status == "ok", result.error
    folder = result.handout.parent
    names = {"01000001": "Huisartsenpraktijk De Linde", "01000002": "Praktijk Zuid",
             "01000003": "Praktijk Klein", "01000004": "Praktijk Nieuw"}
    for own, own_name in names.items():
        html = (folder / f"practice-{own}.html").read_text()
        beside = b"".join((folder / f"practice-{own}{s}").read_bytes() for s in (".csv", ".xlsx"))
        with __import__("zipfile").ZipFile(folder / f"practice-{own}.xlsx") as book:
            beside += b"".join(book.read(n) for n in book.namelist())
        everything = (html.encode() + _embedded_files(html) + beside).replace("\u00ad".encode(), b"")
        assert own_name.encode() in html.encode()
        for other, other_name in names.items():
            if other != own:
                assert other_name.encode() not in everything, (own, other_name)
                assert other.encode() not in everything, (own, other)
        assert b"Praktijk A" in everything or own == "01000001"
        page.goto((folder / f"practice-{own}.html").as_uri(), wait_until="load")
        assert page.outside_requests == [] and page.console_errors == []
    # the group handout's figures are pseudonymised too; its attendance list keeps real names,
    # because it is the signed record for the insurer
    group = (folder / "handout.html").read_text()
    assert "Praktijk A" in group and "Praktijk Zuid" not in group.split("Deelnemerslijst")[0]


def test_offline_calculator_in_a_demo_handout(demo_handouts, page):
    """Type 2095 into the handout's own calculator: the source's figures come out to the cent."""
    handout = next(p for p in demo_handouts
                   if p.parent.name == "hagro-amstelveen-noord" and p.name == "handout.html")
    page.goto(handout.as_uri(), wait_until="load")
    calc = "#sk-calc-hagro-amstelveen-noord"
    page.fill(f"{calc}-patients-0", "2095")
    page.dispatch_event(f"{calc}-patients-0", "input")
    row = page.locator(f'{calc} tr.sk-calc-row[data-index="0"]')
    cents = {field: row.locator(f'td[data-field="{field}"]').get_attribute("data-cents")
             for field in ("supplement_per_year", "fee_per_meeting", "fee_per_year")}
    assert cents == {"supplement_per_year": "167600", "fee_per_meeting": "15475",
                     "fee_per_year": "46425"}
    assert "154,75" in row.inner_text()
    assert page.outside_requests == [] and page.console_errors == []


def test_a_verslag_for_every_recorded_meeting(demo_handouts):
    for params in DEMO_GROUPS:
        records = sorted((ROOT / "params" / "meetings" / params.stem).glob("meeting-*.yaml"))
        reports = sorted(demo_handouts[0].parents[1].glob(f"{params.stem}/verslag-*.html"))
        assert [r.stem.split("-")[1] for r in reports] == [r.stem.split("-")[1] for r in records]
