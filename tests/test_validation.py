"""Loaders and validation: every deliberately bad file gets an error naming file, row and field."""

import pytest

from conftest import DATA, replace_table
from spiegelkit.run.check import check_group
from spiegelkit.inputs.dataset import load_data
from spiegelkit.inputs.params import load_params
from spiegelkit.inputs.problems import InputError
from spiegelkit.inputs.tables import read_text_table


def errors(result):
    return [p for p in result.problems if p.is_error]


def only_error(result):
    found = errors(result)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def test_mini_group_is_valid_with_a_warning_for_the_practice_without_mirror(mini_group):
    result = check_group(mini_group)
    assert result.ok, "\n".join(map(str, result.problems))
    [warning] = result.problems
    assert warning.severity == "warning"
    assert "01000004" in warning.message and "no mirror" in warning.message


def test_negative_count_names_file_row_and_field(mini_group):
    replace_table(mini_group, "mirror_negative_count.csv", "mirror")
    problem = only_error(check_group(mini_group))
    assert problem.file.endswith("mirror.csv")
    assert (problem.row, problem.field) == (3, "observed")
    assert "-5 is below the minimum of 0" in problem.message
    assert "cannot be negative" in problem.hint


def test_semicolons_and_decimal_commas_are_read():
    frame = read_text_table(DATA / "bad" / "mirror_negative_count.csv")
    assert list(frame.columns) == ["agb", "year", "indicator", "observed", "denominator", "expected"]
    assert frame.loc[4, "observed"] == "380.000,00"  # read as text first ...


def test_decimal_comma_with_thousands_dot_becomes_a_number(mini_group):
    replace_table(mini_group, "mirror_negative_count.csv", "mirror")
    mirror = mini_group.parent / "mini" / "mirror.csv"
    mirror.write_text(mirror.read_text().replace(";-5;", ";175;"))
    data = load_data(mini_group.parent / "mini")
    costs = data.mirror.set_index(["agb", "indicator"])["observed"]
    assert costs[("01000002", "kosten_farmacie")] == 380000.0  # ... then 380.000,00 -> 380000
    assert costs[("01000001", "kosten_farmacie")] == 290000.0


def test_excel_damage_in_practices(mini_group):
    replace_table(mini_group, "practices_excel_damage.csv", "practices")
    found = {(p.row, p.field): p for p in errors(check_group(mini_group))}
    assert set(found) == {(2, "agb"), (3, "has_mirror"), (4, "registered_patients")}
    assert "leading zero was probably lost in Excel" in found[(2, "agb")].hint
    assert "'01000001'" in found[(2, "agb")].hint
    assert "misschien is not true or false" in found[(3, "has_mirror")].message
    assert "an empty cell" in found[(4, "registered_patients")].message


def test_bad_age_band_and_duplicate_row(mini_group):
    replace_table(mini_group, "population_bad_age_band.csv", "population")
    found = {(p.row, p.field): p for p in errors(check_group(mini_group))}
    assert "20 t/m 24 is not one of the age bands" in found[(6, "age_band")].message
    assert "0-4, 5-9" in found[(6, "age_band")].hint
    assert "repeats row 8" in found[(9, "sex")].message


def test_unknown_indicator_and_practice_in_mirror(mini_group):
    replace_table(mini_group, "mirror_unknown_names.csv", "mirror")
    result = check_group(mini_group)
    by_field = {(p.row, p.field): p for p in errors(result)}
    assert "did you mean 'antibiotica'?" in by_field[(2, "indicator")].hint
    assert "practice 01000009 is not in the practices table" in by_field[(3, "agb")].message


def test_bad_catalogue_lists_every_problem(mini_group):
    replace_table(mini_group, "indicators_bad.yaml", "indicators")
    found = {(p.row, p.field): p for p in errors(check_group(mini_group))}
    assert set(found) == {(5, "domain"), (9, "polarity"), (12, "low_is_good"), (13, "why")}
    assert found[(9, "polarity")].hint == "did you mean 'low_is_good'?"
    assert "unknown key 'low_is_good'" in found[(12, "low_is_good")].message
    assert "'why' is missing" in found[(13, "why")].message
    assert all(p.file.endswith("indicators.yaml") for p in found.values())


def test_params_naming_a_practice_not_in_the_data():
    problem = only_error(check_group(DATA / "bad" / "params_unknown_practice.yaml"))
    assert problem.file.endswith("params_unknown_practice.yaml")
    assert (problem.row, problem.field) == (10, "practices[2].agb")
    assert "01099999 is not in the data" in problem.message


def test_params_typos_get_did_you_mean_and_lines():
    params, problems = load_params(DATA / "bad" / "params_typos.yaml")
    assert params is None
    found = {p.field: p for p in problems}
    assert found["meeting_dat"].hint == "did you mean 'meeting_date'?"
    assert found["meeting_dat"].row == 4
    assert found["practices[1].notes"].hint == "did you mean 'note'?"
    assert found["practices[1].notes"].row == 10
    assert "lowercase letters" in found["group_id"].hint  # no path tricks in folder names
    assert "leading zero is lost" in found["practices[0].agb"].hint
    assert found["options.confidence"].row == 12


def test_params_that_are_not_yaml():
    params, [problem] = load_params(DATA / "bad" / "params_not_yaml.yaml")
    assert params is None and problem.row == 4
    assert "not valid YAML" in problem.message


def test_dates_stay_text_until_pydantic_reads_them(tmp_path):
    path = tmp_path / "g.yaml"
    text = (DATA / "mini-group.yaml").read_text().replace('"2026-03-12"', "2026-03-12")
    path.write_text(text.replace("data_dir: mini", f"data_dir: {DATA / 'mini'}"))
    params, problems = load_params(path)
    assert str(params.meeting_date) == "2026-03-12"
    assert params.notebook_parameters()["meeting_date"] == "2026-03-12"


def test_load_data_raises_with_every_problem(mini_group):
    replace_table(mini_group, "practices_excel_damage.csv", "practices")
    with pytest.raises(InputError) as info:
        load_data(mini_group.parent / "mini")
    assert len(info.value.problems) == 3
    assert "3 problem(s)" in str(info.value)


def test_group_of_six_practices_gets_a_warning(tmp_path):
    text = (DATA / "mini-group.yaml").read_text().replace("data_dir: mini", f"data_dir: {DATA / 'mini'}")
    extra = "".join(f'  - agb: "0100001{i}"\n' for i in range(2))
    (tmp_path / "g.yaml").write_text(text + extra)
    params, problems = load_params(tmp_path / "g.yaml")
    [warning] = problems
    assert warning.severity == "warning" and "6 practices" in warning.message


def test_expected_sums_are_patients_times_rates_over_the_strata():
    """The check's expected value per practice, year and indicator, worked out by hand:
    A has 10 men and 20 women aged 0-4 in 2024, the rates are 0.1 and 0.2, so 10 x 0.1 +
    20 x 0.2 = 5.0; B has only women aged 5-9, where 'x' has no rate given, so 0.0. A year
    without rates gives no sums."""
    import pandas as pd

    from spiegelkit.inputs.group import expected_sums

    population = pd.DataFrame({
        "agb": ["A", "A", "B", "A"], "year": [2024, 2024, 2024, 2023],
        "age_band": ["0-4", "0-4", "5-9", "0-4"], "sex": ["M", "V", "V", "M"],
        "patients": [10, 20, 7, 3]})
    reference = pd.DataFrame({
        "indicator": ["x", "x", "y"], "year": [2024, 2024, 2024],
        "age_band": ["0-4", "0-4", "5-9"], "sex": ["M", "V", "V"], "rate": [0.1, 0.2, 0.5]})
    sums = expected_sums(population, reference)
    assert sums[("A", 2024, "x")] == pytest.approx(5.0)
    assert sums[("B", 2024, "x")] == 0.0
    assert sums[("B", 2024, "y")] == pytest.approx(3.5)
    assert sums[("A", 2024, "y")] == 0.0
    assert not any(year == 2023 for _, year, _ in sums.index)


def test_expected_sums_agree_with_indirect_standardisation_on_the_demo_data():
    """The check's fast sums against the statistical method that the handout's figures come
    from (a join by stratum), for every practice, year and indicator of the bundled demo."""
    import pandas as pd

    from spiegelkit.inputs.group import expected_sums
    from spiegelkit.paths import DEMO_DATA
    from spiegelkit.stats.ratios import indirectly_standardised_expected

    data = load_data(DEMO_DATA)
    method = indirectly_standardised_expected(
        data.population, data.reference, by=["agb", "year", "indicator"],
        strata=["year", "age_band", "sex"], missing="drop").set_index(["agb", "year", "indicator"])
    sums = expected_sums(data.population, data.reference)
    assert len(method) > 100
    pd.testing.assert_series_equal(
        sums.reindex(method.index).rename("expected"), method["expected"].astype(float),
        check_names=False, rtol=1e-12)
