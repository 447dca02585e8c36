"""The insurer and the ROS as data: the default file, a group's own file, and every place it shows.

Default figures: the seeds ("Praktijkspiegel"; "Kosten begeleiding praktijkspiegelbijeenkomsten",
Elaa; shared/seeds/): Zilveren Kruis, module Praktijkspiegel, EUR 0.80 per patient per year;
Elaa, EUR 50 per practice + EUR 0.05 per patient per meeting; three meetings. Figures for the
other organisation are worked out by hand beside each assertion.
"""

import re
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.analysis.costs import Tariffs, practice_costs
from spiegelkit.cli import main
from spiegelkit.inputs.group import load_group, open_group
from spiegelkit.inputs.organisation import default_organisation, load_organisation
from spiegelkit.paths import DEFAULT_ORGANISATION, FRAGMENTS

D = Decimal
DEFAULT_WORDS = ("Zilveren Kruis", "Elaa", "0,80", "0.80", "0,05", "0.05")
#: The default tariffs as they would show in a page: a whole amount, not a part of 2.670,80
DEFAULT_TARIFFS = re.compile(r"(?<![\d.,])0[.,](80|05)(?![\d])|€ 50(?![\d,.])")

OTHER = """\
insurer:
  name: Menzis
  module: Spiegelgesprek
  supplement_per_patient: "1.10"
  conditions:
    meetings_per_year: 4
    report: true
    signed_list: false
    consulting_providers: true
facilitator:
  name: ROS Twente
  fee_per_practice: "40"
  fee_per_patient: "0.10"
  contact: "Bel ROS Twente: 053 000 00 00."
"""


def test_default_organisation_holds_the_seeds_figures():
    organisation = default_organisation()
    assert (organisation.insurer.name, organisation.insurer.module) == ("Zilveren Kruis", "Praktijkspiegel")
    assert organisation.insurer.supplement_per_patient == D("0.80")
    assert organisation.insurer.conditions.meetings_per_year == 3
    assert organisation.facilitator.name == "Elaa"
    assert (organisation.facilitator.fee_per_practice, organisation.facilitator.fee_per_patient) == (D("50"), D("0.05"))
    assert Tariffs() == Tariffs.of(organisation)
    costs = practice_costs(2095)  # the seeds' normpraktijk
    assert (costs.supplement_per_year, costs.fee_per_meeting, costs.fee_per_year) == (
        D("1676.00"), D("154.75"), D("464.25"))


def test_an_organisation_file_with_mistakes_lists_each(tmp_path):
    path = tmp_path / "organisation.yaml"
    path.write_text(OTHER.replace("  module:", "  modul:").replace('"1.10"', '"-1"')
                    .replace('fee_per_patient: "0.10"', 'fee_per_patient: "0.1234567"'), encoding="utf-8")
    organisation, problems = load_organisation(path)
    assert organisation is None
    found = {(p.field, p.row) for p in problems}
    assert ("insurer.modul", 3) in found
    assert ("insurer.supplement_per_patient", 4) in found
    assert ("facilitator.fee_per_patient", 13) in found
    assert any("did you mean 'module'" in (p.hint or "") for p in problems)


@pytest.fixture
def other_group(tmp_path):
    """FTO Diemen (demo data, its meeting records) with its own organisation file beside it."""
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params" / "meetings" / "fto-diemen", params / "meetings" / "fto-diemen")
    (params / "organisations").mkdir()
    (params / "organisations" / "menzis-twente.yaml").write_text(OTHER, encoding="utf-8")
    path = params / "fto-diemen.yaml"
    path.write_text((ROOT / "params" / "fto-diemen.yaml").read_text(encoding="utf-8")
                    + "organisation: organisations/menzis-twente.yaml\n", encoding="utf-8")
    return path


def test_a_group_names_its_organisation_relative_to_its_params(other_group):
    group = open_group(other_group)
    assert group.organisation.insurer.name == "Menzis"
    assert group.input_files()["organisation"] == other_group.parent / "organisations" / "menzis-twente.yaml"
    assert group.with_focus("01149951").organisation == group.organisation
    assert "organisation" not in open_group(ROOT / "params" / "fto-diemen.yaml").input_files()


def test_a_missing_organisation_file_is_a_problem_with_its_line(tmp_path):
    path = tmp_path / "fto-diemen.yaml"
    path.write_text((ROOT / "params" / "fto-diemen.yaml").read_text(encoding="utf-8")
                    + "organisation: nowhere.yaml\n", encoding="utf-8")
    group = load_group(path)
    assert not group.ok
    problem = next(p for p in group.problems if p.field == "organisation")
    assert "nowhere.yaml" in problem.message and problem.row == 33
    assert group.data is not None  # everything else is still checked


def _without_default_words(html: str, where: str) -> None:
    for word in ("Zilveren Kruis", "Elaa"):
        assert word not in html, f"{where} still shows {word!r}"
    assert not DEFAULT_TARIFFS.search(html), f"{where} still shows a default tariff"


def test_another_organisation_changes_the_handout(other_group):
    from spiegelkit.render.handout import Handout

    handout = Handout.build(open_group(other_group))
    costs = handout.costs()
    assert "De praktijken krijgen van Menzis een opslag voor de module Spiegelgesprek" in costs
    assert "begeleiding door\nROS Twente kost" in costs
    # tariffs line: 1,10; 40; 0,10; four meetings
    assert ("Tarieven: opslag € 1,10 per patiënt per jaar; begeleiding € 40 per praktijk plus € 0,10 per patiënt\n"
            "per bijeenkomst; 4 bijeenkomsten per jaar. Bel ROS Twente: 053 000 00 00.") in costs
    # the calculator starts from the same tariffs: input values and its intro
    assert 'name="supplement" data-label="Opslag per ingeschreven patiënt per jaar (€)" value="1,10"' in costs
    assert "Begeleid door ROS Twente" in costs and "de opslag voor de module Spiegelgesprek" in costs
    # break-even: 4 x 40 / (1.10 - 4 x 0.10) = 160 / 0.70 = 228.57 -> 229 patients
    assert "Omslagpunt: vanaf 229 ingeschreven patiënten" in costs
    obligations = handout.obligations()
    assert "Voor de module Spiegelgesprek vraagt Menzis per praktijk per jaar: minstens 4" in obligations
    assert "getekende deelnemerslijst" not in obligations.split("</p>")[0]  # not a condition here
    assert re.search(r"<td[^>]*>\d van 4</td>", obligations)
    _without_default_words(costs + obligations, "the handout")


def test_another_organisation_changes_the_verslag_and_invitation(other_group):
    from spiegelkit.render.facilitation import invitation_html
    from spiegelkit.run.reports import report_preview

    group = open_group(other_group)
    verslag = report_preview(other_group, 1)
    assert "voorwaarden van de module Spiegelgesprek\n(Menzis)" in verslag
    invitation = invitation_html(group.params, group.data, group.organisation)
    assert "Spiegelgesprek van Menzis." in invitation
    _without_default_words(verslag + invitation, "the verslag and invitation")


def test_another_organisation_changes_the_calculators(other_group, tmp_path):
    from spiegelkit.jupyter import widgets

    calculator = widgets.costs_calculator(params_file=other_group)
    assert (calculator.supplement.value, calculator.fee_per_practice.value, calculator.fee_per_patient.value,
            calculator.meetings.value) == ("1,10", "40", "0,10", 4)
    table = calculator.table.value
    assert "(Menzis, module Spiegelgesprek)" in table and "met begeleiding door ROS Twente" in table
    _without_default_words(table, "the JupyterLab calculator")
    organisation = other_group.parent / "organisations" / "menzis-twente.yaml"
    result = CliRunner().invoke(main, ["costs", "--patients", "2095", "--organisation", str(organisation)])
    assert result.exit_code == 0, result.output
    # 2095 x 1.10 = 2304.50; 40 + 2095 x 0.10 = 249.50 per meeting; x 4 = 998.00
    for figure in ("2304.50", "249.50", "998.00", "4 bijeenkomsten per jaar"):
        assert figure in result.output


def test_defaults_still_show_the_seeds_figures():
    from spiegelkit.render.handout import Handout

    handout = Handout.build(open_group(ROOT / "params" / "fto-diemen.yaml"))
    costs = handout.costs()
    assert "De praktijken krijgen van Zilveren Kruis een opslag voor de module Praktijkspiegel" in costs
    assert "opslag € 0,80 per patiënt per jaar; begeleiding € 50 per praktijk plus € 0,05 per patiënt" in costs
    assert "Voor de module Praktijkspiegel vraagt Zilveren Kruis per praktijk per jaar: minstens 3" \
        in handout.obligations()
    result = CliRunner().invoke(main, ["costs", "--patients", "2095"])
    for figure in ("1676.00", "154.75", "464.25"):
        assert figure in result.output


def test_no_name_or_tariff_is_written_into_templates_or_javascript():
    from spiegelkit.render.calculator import CALCULATOR_CORE_JS, CALCULATOR_DOM_JS

    texts = {path.name: path.read_text(encoding="utf-8") for path in FRAGMENTS.glob("*.j2")}
    texts |= {"calculator core JS": CALCULATOR_CORE_JS, "calculator DOM JS": CALCULATOR_DOM_JS}
    for where, text in texts.items():
        for word in (*DEFAULT_WORDS, "€ 50", "50 per"):
            assert word not in text, f"{where} holds {word!r}: take it from the organisation file"
    assert DEFAULT_ORGANISATION.is_file()


def test_editing_the_organisation_file_changes_the_groups_inputs(other_group):
    """The batch manifest digests the organisation file, so the next run redoes the group."""
    from spiegelkit.run.manifest import group_inputs

    before = group_inputs(load_group(other_group), {})
    organisation = other_group.parent / "organisations" / "menzis-twente.yaml"
    organisation.write_text(OTHER.replace('"1.10"', '"1.20"'), encoding="utf-8")
    assert group_inputs(load_group(other_group), {}) != before
