"""One voice and one palette in the handout: "u" throughout, no English, text left and
numbers right, money ranges on one line, one colour meaning for higher / lower."""

import re

import matplotlib.colors
import pytest

from conftest import ROOT
from spiegelkit import dutch
from spiegelkit.inputs.group import open_group
from spiegelkit.paths import FRAGMENTS
from spiegelkit.render import charts
from spiegelkit.render.handout import Handout

CSS = (FRAGMENTS.parent / "nbconvert" / "spiegelkit" / "handout.css").read_text()
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie)\b", re.IGNORECASE)
ENGLISH = re.compile(r"\b(approximation|exact Poisson|score|limits for|normal)\b")


@pytest.fixture(scope="module")
def sections():
    handout = Handout.build(open_group(ROOT / "params" / "zorggroep-uithoorn-aalsmeer.yaml"))
    return {name: str(getattr(handout, name)()) for name in (
        "cover", "lookback", "agenda", "population", "overview", "talking_points", "domains", "costs",
        "agreements_form", "attendance", "obligations", "appendix")}


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_handout_says_u_and_speaks_no_english(sections):
    for name, html in sections.items():
        text = _text(html)
        assert not INFORMAL.findall(text), (name, INFORMAL.findall(text))
        assert not ENGLISH.findall(text), (name, ENGLISH.findall(text))
    notebooks = (ROOT / "notebooks" / "group_mirror.py").read_text()
    prose = "\n".join(line for line in notebooks.splitlines() if line.startswith("# ") and "%%" not in line)
    assert not INFORMAL.findall(prose)
    templates = " ".join(_text(p.read_text()) for p in FRAGMENTS.glob("*.j2"))
    assert not INFORMAL.findall(templates)


def test_method_names_are_dutch():
    assert dutch.method_name("normal approximation, CV 3.0") == "normale benadering, spreiding (CV) 3,0"
    assert dutch.method_name("exact Poisson (Garwood)") == "exact volgens Poisson (Garwood)"
    assert dutch.method_name("Byar") == "Byar"


def test_numbers_are_right_aligned_and_text_left(sections):
    number = re.compile(r"^[€\s\-−–\d.,%]+$")
    for name, html in sections.items():
        # a heading sits over its column (right over numbers); cells say what they hold
        for attrs, content in re.findall(r"<td([^>]*)>(.*?)</td>", html, re.S):
            text = " ".join(_text(content).split())
            if not text or "data-field" in attrs:  # the calculator's cells: right-aligned by its CSS
                continue
            if number.match(text) and re.search(r"\d", text):
                assert "sk-num" in attrs, (name, text, attrs)
            elif not re.search(r"\d", text):
                assert "sk-num" not in attrs, (name, text, attrs)


def test_money_ranges_stay_on_one_line(sections):
    ranges = re.findall(r"<td([^>]*)>(€ [^<]+ tot € [^<]+)</td>", sections["costs"])
    assert ranges, "the handout shows what-if ranges for the cost indicators"
    for attrs, text in ranges:
        assert "sk-money" in attrs, text
    assert re.search(r"\.sk-money\b[^{]*\{[^}]*white-space: nowrap", CSS)


def test_one_colour_meaning_for_higher_and_lower():
    higher = re.search(r"\.sk-higher \{ color: (#[0-9a-f]{6}); \}", CSS).group(1)
    lower = re.search(r"\.sk-lower \{ color: (#[0-9a-f]{6}); \}", CSS).group(1)
    assert (higher, lower) == (charts.HIGHER_COLOUR, charts.LOWER_COLOUR)
    page = (FRAGMENTS / "page.html.j2").read_text()
    assert f".sk-higher {{ color: {higher}; }}" in page and f".sk-lower {{ color: {lower}; }}" in page

    def hue(colour):
        return matplotlib.colors.rgb_to_hsv(matplotlib.colors.to_rgb(colour))[0] * 360

    # the heatmap's high end has the tables' "higher" hue, its low end the "lower" hue
    assert abs(hue(charts._heat_colour(300)) - hue(higher)) < 25
    assert abs(hue(charts._heat_colour(33)) - hue(lower)) < 25
    # readable in grayscale: both ends are clearly darker than "as expected" (white-ish)
    def grey(colour):
        r, g, b = matplotlib.colors.to_rgb(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    assert grey(charts._heat_colour(100)) > 0.9
    assert grey(charts._heat_colour(300)) < 0.5 and grey(charts._heat_colour(33)) < 0.6


def test_the_overview_says_which_colour_is_which(sections):
    assert "Paars is hoger, oranje lager dan verwacht" in sections["overview"]
