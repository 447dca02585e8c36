"""The offline calculator (spiegelkit.render.calculator.calculator_html) in headless Chromium.

A page with nothing but the calculator, opened from a file: typing in it must update the
figures with plain JavaScript, without a kernel and without any request leaving the file.
Expected amounts by hand from the source tariffs (Elaa): supplement EUR 0.80 per patient per
year; fee EUR 50 per practice + EUR 0.05 per patient per meeting; three meetings.
"""

import pytest

from spiegelkit.analysis.costs import Tariffs, break_even_sentence
from spiegelkit.inputs.organisation import Organisation
from spiegelkit.render.calculator import calculator_html

PREFIX = "calc"
PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Rekenhulp</title></head>
<body>{calculator}</body></html>
"""


@pytest.fixture
def calculator(page, tmp_path):
    path = tmp_path / "calculator.html"
    path.write_text(PAGE.format(calculator=calculator_html([2095, 4000], id_prefix=PREFIX)), encoding="utf-8")
    page.goto(path.as_uri())
    return page


def amounts(page, selector):
    """data-cents of every amount cell in one row, by field."""
    return page.eval_on_selector(
        selector,
        "row => Object.fromEntries(Array.from(row.querySelectorAll('[data-cents]'),"
        " cell => [cell.dataset.field, cell.dataset.cents]))",
    )


SECOND = f"#{PREFIX} tr.sk-calc-row[data-index='1']"
TOTAL = f"#{PREFIX} tr.sk-calc-total"


def test_typing_2095_shows_the_source_figures(calculator):
    page = calculator
    # before: 4000 patients -> 3200.00; 50 + 200 = 250.00 per meeting; 750.00 a year; net 2450.00
    assert amounts(page, SECOND) == {"supplement_per_year": "320000", "fee_per_meeting": "25000",
                                     "fee_per_year": "75000", "net_per_year": "245000"}
    page.fill(f"#{PREFIX}-patients-1", "2095")
    # the source figures: 1676.00 a year, 154.75 per meeting, 464.25 for three; net 1211.75
    assert amounts(page, SECOND) == {"supplement_per_year": "167600", "fee_per_meeting": "15475",
                                     "fee_per_year": "46425", "net_per_year": "121175"}
    assert page.inner_text(f"{SECOND} [data-field=fee_per_meeting]") == "€ 154,75"
    assert page.inner_text(f"{SECOND} [data-field=supplement_per_year]") == "€ 1.676,00"
    assert page.inner_text(f"{SECOND} [data-field=fee_per_year]") == "€ 464,25"
    # the group: two normpraktijken, 2 x 1676.00, 2 x 154.75, 2 x 464.25
    assert amounts(page, TOTAL) == {"supplement_per_year": "335200", "fee_per_meeting": "30950",
                                    "fee_per_year": "92850", "net_per_year": "242350"}
    assert page.get_attribute(f"{TOTAL} [data-field=registered_patients]", "data-value") == "4190"
    assert page.outside_requests == []
    assert page.console_errors == []


def test_meetings_and_self_organised_change_the_year(calculator):
    page = calculator
    page.fill(f"#{PREFIX}-patients-1", "2095")
    page.fill(f"#{PREFIX}-meetings", "4")
    # four meetings: 4 x 154.75 = 619.00 a year; net 1676.00 - 619.00 = 1057.00
    assert amounts(page, SECOND)["fee_per_year"] == "61900"
    assert amounts(page, SECOND)["net_per_year"] == "105700"
    # break-even at four meetings: 200 / (0.80 - 0.20) = 333.33, so from 334 patients
    assert page.get_attribute(f"#{PREFIX} [data-field=break_even]", "data-value") == "334"
    # the script says it in the words of the Python owner of the sentence
    assert page.inner_text(f"#{PREFIX} [data-field=break_even]") == break_even_sentence(Tariffs(meetings_per_year=4))
    page.fill(f"#{PREFIX}-supplement", "0,10")  # 0.10 < 4 x 0.05: never earned back
    assert page.inner_text(f"#{PREFIX} [data-field=break_even]") == break_even_sentence(
        Tariffs(supplement_per_patient="0.10", meetings_per_year=4))
    page.fill(f"#{PREFIX}-supplement", "0,80")
    page.uncheck(f"#{PREFIX}-facilitated")
    # self-organised: no fee, the whole supplement remains
    assert amounts(page, SECOND) == {"supplement_per_year": "167600", "fee_per_meeting": "0",
                                     "fee_per_year": "0", "net_per_year": "167600"}
    assert page.outside_requests == []
    assert page.console_errors == []


def test_a_tariff_in_dutch_notation_and_an_invalid_list_size(calculator):
    page = calculator
    page.fill(f"#{PREFIX}-supplement", "0,90")
    # 4000 x 0.90 = 3600.00
    assert amounts(page, SECOND)["supplement_per_year"] == "360000"
    page.fill(f"#{PREFIX}-patients-1", "12.5")
    error = page.locator(f"#{PREFIX} .sk-calc-error")
    assert error.is_visible()
    assert "heel aantal" in error.inner_text()
    assert page.get_attribute(f"#{PREFIX}-patients-1", "aria-invalid") == "true"
    assert amounts(page, SECOND)["fee_per_meeting"] == ""  # no figure while the input is wrong
    page.fill(f"#{PREFIX}-patients-1", "2095")
    assert error.is_hidden()
    assert amounts(page, SECOND)["fee_per_meeting"] == "15475"
    assert page.console_errors == []


OTHER = Organisation.model_validate({
    "insurer": {"name": "Menzis", "module": "Spiegelgesprek", "supplement_per_patient": "1.10",
                "conditions": {"meetings_per_year": 4, "report": True, "signed_list": False,
                               "consulting_providers": True}},
    "facilitator": {"name": "ROS Twente", "fee_per_practice": "40", "fee_per_patient": "0.10",
                    "contact": "Bel ROS Twente."},
})


@pytest.mark.e2e
def test_another_organisation_starts_the_calculator_from_its_tariffs(page, tmp_path):
    path = tmp_path / "calculator.html"
    path.write_text(PAGE.format(calculator=calculator_html([2095], id_prefix=PREFIX, organisation=OTHER)),
                    encoding="utf-8")
    page.goto(path.as_uri())
    first = f"#{PREFIX} tr.sk-calc-row[data-index='0']"
    # 2095 x 1.10 = 2304.50; 40 + 2095 x 0.10 = 249.50 per meeting; x 4 = 998.00; net 1306.50
    assert amounts(page, first) == {"supplement_per_year": "230450", "fee_per_meeting": "24950",
                                    "fee_per_year": "99800", "net_per_year": "130650"}
    assert page.input_value(f"#{PREFIX}-supplement") == "1,10"
    assert page.input_value(f"#{PREFIX}-meetings") == "4"
    text = page.inner_text(f"#{PREFIX}")
    assert "Begeleid door ROS Twente" in text and "module Spiegelgesprek" in text
    assert "Elaa" not in text and "Zilveren Kruis" not in text
    page.fill(f"#{PREFIX}-patients-0", "3000")
    # 3000 x 1.10 = 3300.00; 40 + 300 = 340.00; x 4 = 1360.00
    assert amounts(page, first)["fee_per_year"] == "136000"
    assert page.console_errors == []
