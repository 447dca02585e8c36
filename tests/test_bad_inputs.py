"""Bad input never gets through: the corpus, the number reading, the limits, safe downloads and
runs that share an outputs folder."""

import csv
import io
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import bad_corpus
from conftest import DATA, replace_table
from spiegelkit.inputs import catalogue, meetings, tables, yamlfile
from spiegelkit.inputs.group import load_group, open_group
from spiegelkit.inputs.tables import _number, read_table, rows_text
from spiegelkit.run.check import check_group


def errors(group):
    return [p for p in group.problems if p.is_error]


# --- the corpus ------------------------------------------------------------------------

def test_every_bad_input_of_the_corpus_gets_a_clear_answer(capsys):
    outcomes = bad_corpus.run_corpus()
    line = bad_corpus.summary(outcomes)
    with capsys.disabled():
        print("\n" + line)
    failing = [f"{o.verdict}: {o.name}: {o.detail}" for o in outcomes if o.verdict != "clear"]
    assert not failing, "\n".join(failing)
    assert len(outcomes) >= 40
    assert line.startswith(f"bad inputs: {len(outcomes)}, clear {len(outcomes)}, traceback 0, "
                           "silent 0, hang 0")
    assert max(o.seconds for o in outcomes) < bad_corpus.TIMEOUT


def test_every_corpus_file_exists_and_is_listed_once():
    listed = [case["file"] for case in bad_corpus.cases()]
    assert len(listed) == len(set(listed))
    assert all((DATA / "bad" / name).is_file() for name in listed)
    helpers = {"corpus.yaml", "make_corpus.py", "record_valid.yaml"}
    unlisted = {p.name for p in (DATA / "bad").iterdir() if p.is_file()} - set(listed) - helpers
    assert not unlisted


def test_the_judge_tells_silence_and_unclear_messages_from_clear_ones():
    case = {"file": "x.csv", "as": "mirror", "expect": "is ambiguous", "row": 5}
    hit = {"severity": "error", "text": "error: x.csv, row 5: 290.000 is ambiguous", "row": 5,
           "field": "observed"}
    assert bad_corpus.judge(case, [hit], None, 0.1).verdict == "clear"
    assert bad_corpus.judge(case, [{**hit, "row": 6}], None, 0.1).verdict == "unclear"
    assert bad_corpus.judge(case, [{**hit, "severity": "warning"}], None, 0.1).verdict == "silent"
    read = {"file": "x.csv", "as": "mirror", "value": {"row": 2, "field": "observed", "equals": 1997}}
    assert bad_corpus.judge(read, [], 1.997, 0.1).verdict == "silent"


def test_a_hanging_check_is_stopped_and_reported_as_a_hang(monkeypatch):
    monkeypatch.setattr(bad_corpus, "TIMEOUT", 1.0)
    monkeypatch.setattr(bad_corpus, "_check_in_child", lambda case, connection: time.sleep(30))
    outcome = bad_corpus.run_case({"file": "mirror_empty.csv", "as": "mirror", "expect": "x"})
    assert outcome.verdict == "hang" and outcome.seconds < 10


def test_the_corpus_runs_as_a_script():
    done = subprocess.run([sys.executable, str(Path(bad_corpus.__file__))], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "traceback 0, silent 0, hang 0" in done.stdout.splitlines()[-1]


# --- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, decimal, number", [
    ("12", None, 12.0), ("12,5", None, 12.5), ("12.5", None, 12.5), ("-12,5", None, -12.5),
    ("1.234,5", None, 1234.5), ("1,234.5", None, 1234.5), ("1.234.567", None, 1234567.0),
    ("1,234,567", None, 1234567.0), ("0.123", None, 0.123), ("0,123", None, 0.123),
    ("1 997", None, 1997.0), ("1.997", ",", 1997.0), ("290.000", ",", 290000.0),
    ("1,500", ",", 1.5), ("1.997", ".", 1.997), ("1,500", ".", 1500.0), ("1e3", None, 1000.0),
])
def test_numbers_are_read_with_either_decimal_mark(text, decimal, number):
    values, ambiguous = _number(pd.Series([text]), decimal)
    assert values[0] == pytest.approx(number) and not ambiguous[0]


@pytest.mark.parametrize("text", ["1.997", "290.000", "1,500"])
def test_one_group_of_three_digits_is_refused_when_nothing_says_which_mark_is_decimal(text):
    values, ambiguous = _number(pd.Series([text, "12"]), None)
    assert pd.isna(values[0]) and ambiguous[0] and not ambiguous[1]


def test_the_other_values_of_a_column_say_which_mark_is_decimal():
    values, ambiguous = _number(pd.Series(["290.000", "312,50"]), None)
    assert list(values) == [290000.0, 312.5] and not ambiguous.any()
    values, ambiguous = _number(pd.Series(["290.000", "312.5"]), ",")  # the column outvotes the file
    assert list(values) == [290.0, 312.5]


def test_a_huge_count_is_refused_instead_of_failing_the_cast(mini_group):
    mirror = mini_group.parent / "mini" / "mirror.csv"
    mirror.write_text(mirror.read_text().replace(",4,80,", ",4,99999999999999999999,"))
    [problem] = errors(check_group(mini_group))
    assert (problem.row, problem.field) == (4, "denominator")
    assert "is larger than the 10.000.000 'denominator' can be" in problem.message


def test_identical_messages_are_one_line_naming_their_rows(tmp_path):
    header = "agb,name,registered_patients,has_mirror\n"
    rows = "".join(f"0100{i:04d},Praktijk {i},1000,misschien\n" for i in range(1, 131))
    (tmp_path / "practices.csv").write_text(header + rows)
    _, problems = read_table(tmp_path, "practices")
    assert len(problems) == 1
    assert "misschien is not true or false (ja/nee also work) (130 rows: rows 2-131)" in problems[0].message
    assert rows_text([3, 4, 5, 9, 11, 12]) == "rows 3-5, 9, 11-12"


def test_a_damaged_column_with_many_values_is_summed_up_after_a_few_lines(tmp_path):
    header = "agb,name,registered_patients,has_mirror\n"
    rows = "".join(f"{1000000 + i},Praktijk {i},1000,true\n" for i in range(1, 129))
    (tmp_path / "practices.csv").write_text(header + rows)
    _, problems = read_table(tmp_path, "practices")
    assert len(problems) == tables.MAX_LISTED + 1
    assert "120 more rows have values that are not an AGB code" in problems[-1].message


# --- limits (each one tested; the corpus tests the table, workbook and YAML size caps) --

def test_a_table_with_too_many_lines_is_refused(mini_group, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 100)
    found = [p for p in errors(load_group(mini_group)) if p.file.endswith("population.csv")]
    assert "more than the 100 a table may have" in found[0].message


def test_a_catalogue_too_large_or_too_long_is_refused(mini_group, monkeypatch):
    own = mini_group.parent / "mini" / "indicators.yaml"
    monkeypatch.setattr(catalogue, "MAX_CATALOGUE_BYTES", 100)
    _, [problem] = catalogue.load_catalogue(own)
    assert "more than the 100 bytes an indicator catalogue may have" in problem.message
    monkeypatch.setattr(catalogue, "MAX_CATALOGUE_BYTES", 2 ** 20)
    monkeypatch.setattr(catalogue, "MAX_INDICATORS", 1)
    _, [problem] = catalogue.load_catalogue(own)
    assert "lists 2 indicators, more than the 1" in problem.message


def test_too_many_record_files_are_refused(mini_group, monkeypatch):
    monkeypatch.setattr(meetings, "MAX_RECORDS", 2)
    folder = mini_group.parent / "meetings" / "hagro-mini"
    folder.mkdir(parents=True)
    for n in (1, 2, 3):
        (folder / f"meeting-{n}.yaml").write_text((DATA / "bad" / "record_valid.yaml").read_text()
                                                  .replace("meeting_number: 1", f"meeting_number: {n}"))
    assert "holds 3 record files, more than the 2" in errors(load_group(mini_group))[0].message


def test_nesting_and_expansion_limits_hold_for_any_yaml(tmp_path, monkeypatch):
    path = tmp_path / "x.yaml"
    path.write_text("a: [[[[1]]]]\n")
    monkeypatch.setattr(yamlfile, "MAX_DEPTH", 3)
    _, _, [problem] = yamlfile.read_mapping(path, "x.yaml", "", "")
    assert "nests deeper than 3 levels" in problem.message and problem.row == 1
    monkeypatch.setattr(yamlfile, "MAX_DEPTH", 20)
    path.write_text("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n")
    assert yamlfile.read_mapping(path, "x.yaml", "", "")[0]["b"] == [[1, 2, 3]] * 3
    monkeypatch.setattr(yamlfile, "MAX_NODES", 10)
    yamlfile.parse.cache_clear()
    _, _, [problem] = yamlfile.read_mapping(path, "x.yaml", "", "")
    assert "expands to more than 10 values" in problem.message


def test_billion_laughs_is_refused_within_a_second():
    started = time.perf_counter()
    _, _, [problem] = yamlfile.read_mapping(DATA / "bad" / "params_billion_laughs.yaml", "p", "", "")
    assert time.perf_counter() - started < 1.0
    assert "expands to more than" in problem.message


# --- run rejects nothing that check passed ----------------------------------------------

def test_a_group_check_refuses_is_reported_by_run_as_invalid_without_a_traceback(mini_group, tmp_path):
    from spiegelkit.run.batch import output_files, run_groups

    replace_table(mini_group, "population_practice_with_zero_patients.csv", "population")
    [result] = run_groups([mini_group], tmp_path / "out", progress=False, jobs=1)
    assert result.status == "invalid"
    failed = output_files(tmp_path / "out", "hagro-mini")["failed"].read_text()
    assert "practice 01000002 has 0 patients in 2024" in failed and "Traceback" not in failed


def test_check_answers_even_for_a_fault_no_loader_foresaw(mini_group, monkeypatch):
    import spiegelkit.run.check as check

    def broken(path):
        raise KeyError("surprise")
    monkeypatch.setattr(check, "load_group", broken)
    [problem] = check.check_group(mini_group).problems
    assert "cannot be checked (KeyError: 'surprise')" in problem.message


# --- downloads safe in a spreadsheet ----------------------------------------------------

HOSTILE = ['=HYPERLINK("http://example.org/x","klik")', "+31 20 123", "@SUM(A1:A2)", "-2+3",
           "\tTab", "\rCR"]
SHOWN = HOSTILE[:3]  # the fourth practice has no mirror, so no rows in the downloads


def hostile_handout_downloads(mini_group):
    from spiegelkit.render.downloads import embedded_downloads
    from spiegelkit.render.handout import Handout

    practices = mini_group.parent / "mini" / "practices.csv"
    table = pd.read_csv(practices, dtype=str)
    table["name"] = HOSTILE[:4]
    table.to_csv(practices, index=False)  # quoted as CSV quotes
    group = open_group(mini_group)
    assert [str(n) for n in group.data.practices["name"]] == HOSTILE[:4]
    files = embedded_downloads(str(Handout.build(group).appendix()))
    assert sorted(files) == ["handout.csv", "handout.xlsx"], sorted(files)
    return files


def test_downloads_never_hold_a_formula_and_keep_numbers_numbers(mini_group):
    files = hostile_handout_downloads(mini_group)
    book = openpyxl.load_workbook(io.BytesIO(files["handout.xlsx"]))
    sheet = book["spiegel"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [c.value for c in cells if isinstance(c.value, str) and c.value in HOSTILE]
    assert set(names) == set(SHOWN)  # the text itself, shown as text
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value in HOSTILE)
    numbers = [c.value for c in cells if c.data_type == "n" and c.value is not None]
    assert numbers and all(isinstance(v, (int, float)) for v in numbers)

    text = files["handout.csv"].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    risky = [cell for row in rows for cell in row if cell[:1] in "=+-@\t\r"]
    # only numbers may start with a minus sign; every hostile name starts with an apostrophe
    assert all(pd.notna(pd.to_numeric(cell.replace(",", "."), errors="coerce")) for cell in risky)
    column = rows[0].index("praktijk")
    assert {row[column] for row in rows[1:]} == {"'" + n for n in SHOWN}


def test_negative_numbers_in_the_downloads_stay_numbers():
    from spiegelkit.render.downloads import csv_bytes, xlsx_bytes

    frame = pd.DataFrame({"praktijk": ["-Zuid", "Noord", "\tTab", "\rCR"],
                          "index": [-12.5, 80.0, -1.0, None]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline=""),
                           delimiter=";"))
    assert rows == [["praktijk", "index"], ["'-Zuid", "-12,5"], ["Noord", "80,0"],
                    ["'\tTab", "-1,0"], ["'\nCR", ""]]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["praktijk", "index"], ["-Zuid", -12.5], ["Noord", 80], ["\tTab", -1], ["\rCR", None]]
    assert sheet["B2"].data_type == "n" and sheet["A2"].data_type == "s"
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


# --- runs sharing an outputs folder -----------------------------------------------------

def test_a_second_run_waits_for_the_first_and_says_so(tmp_path):
    from spiegelkit.run.manifest import outputs_lock

    said, order = [], []
    with outputs_lock(tmp_path, say=said.append):
        second = threading.Thread(target=lambda: _hold(tmp_path, said, order))
        second.start()
        time.sleep(0.5)
        order.append("first done")
    second.join(10)
    assert order == ["first done", "second"]
    assert "another spiegelkit run is writing" in said[0] and "process " in said[0]
    assert "waiting until it has finished" in said[0]


def _hold(folder, said, order):
    from spiegelkit.run.manifest import outputs_lock

    with outputs_lock(folder, say=said.append):
        order.append("second")


def test_the_manifest_keeps_entries_another_writer_saved_meanwhile(tmp_path):
    from spiegelkit.run.manifest import Manifest

    first, second = Manifest.load(tmp_path), Manifest.load(tmp_path)
    first.record("groep-a", tmp_path / "a.yaml", "ok", 1.0, "", {"x": 1})
    time.sleep(0.01)
    second.record("groep-b", tmp_path / "b.yaml", "ok", 1.0, "", {"x": 2})
    first.record("groep-c", tmp_path / "c.yaml", "ok", 1.0, "", {"x": 3})
    assert sorted(Manifest.load(tmp_path).groups) == ["groep-a", "groep-b", "groep-c"]


@pytest.mark.e2e
def test_two_runs_at_once_on_one_outputs_folder_lose_nothing_and_redo_nothing(tmp_path):
    from test_manifest import SLOW, SPIEGELKIT, make_groups, manifest_statuses, no_half_written_files
    from spiegelkit.run.batch import output_files, run_groups

    paths = make_groups(tmp_path / "params", *[f"groep-{i}" for i in range(1, 7)])
    out = tmp_path / "outputs"
    command = [str(SPIEGELKIT), "run", "--out", str(out), "--notebook", str(SLOW),
               "--jobs", "1", "--versions", "group"]
    runs = [subprocess.Popen([*command, *map(str, chosen)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for chosen in (paths[:4], paths[2:])]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    waited = [i for i, (_, err) in enumerate(outputs) if "waiting until it has finished" in err]
    assert len(waited) == 1, outputs
    # the run that waited found the shared groups done and redid none of them
    stdout = outputs[waited[0]][0]
    shared = ["groep-3", "groep-4"]
    assert all(any(line.startswith("unchanged") and g in line for line in stdout.splitlines())
               for g in shared), stdout
    assert manifest_statuses(out) == {f"groep-{i}": "ok" for i in range(1, 7)}
    made = {}
    for i in range(1, 7):
        handout = output_files(out, f"groep-{i}")["handout"]
        assert handout.read_text().rstrip().endswith("</html>")
        made[handout] = handout.stat().st_mtime_ns
    assert no_half_written_files(out)
    # a third run finds every group done (was: it redid groups the others had finished)
    third = run_groups(paths, out, notebook=SLOW, progress=False, versions="group")
    assert {r.status for r in third} == {"unchanged"}
    assert {h: h.stat().st_mtime_ns for h in made} == made


def test_a_file_of_repeated_rows_is_answered_in_seconds(tmp_path):
    header = "agb,year,indicator,observed,denominator,expected\n"
    (tmp_path / "mirror.csv").write_text(header + "01000001,2024,antibiotica,228,1000,\n" * 50_000)
    started = time.perf_counter()
    _, problems = read_table(tmp_path, "mirror")
    assert time.perf_counter() - started < 10  # was minutes: every repeat was a scan
    assert len(problems) == tables.MAX_LISTED + 1
    assert "this row repeats row 2 for the same agb=01000001" in problems[0].message
    assert "49991 more rows repeat an earlier row (rows 11-50001)" in problems[-1].message


def test_a_planned_meeting_is_valid_but_does_not_count_for_the_obligations(mini_group):
    import datetime as dt

    from spiegelkit.analysis.compliance import year_obligations

    folder = mini_group.parent / "meetings" / "hagro-mini"
    folder.mkdir(parents=True)
    held = (DATA / "bad" / "record_valid.yaml").read_text()
    (folder / "meeting-1.yaml").write_text(held)
    next_year = dt.date.today().year + 1
    planned = (held.replace("meeting_number: 1", "meeting_number: 2")
               .replace('date: "2026-03-12"', f'date: "{next_year}-03-12"\nplanned: true')
               .replace("signed: true", "signed: false")
               .replace('due: "2026-09-01"', f'due: "{next_year}-09-01"'))
    (folder / "meeting-2.yaml").write_text(planned)
    group = load_group(mini_group)
    assert group.ok, "\n".join(map(str, group.problems))
    assert [r.planned for r in group.records] == [False, True]
    counted = year_obligations([group], next_year, today=dt.date(next_year, 12, 31))
    assert all(p.meetings == [] for p in counted.practices)
    (folder / "meeting-2.yaml").write_text(planned.replace("planned: true\n", ""))
    [problem] = errors(load_group(mini_group))
    assert "lies after today" in problem.message and "planned: true" in problem.hint


def test_check_computes_the_figures_so_a_fault_no_rule_knows_still_stops_it(mini_group, monkeypatch):
    import spiegelkit.inputs.group as group_module

    replace_table(mini_group, "population_practice_with_zero_patients.csv", "population")
    monkeypatch.setattr(group_module, "zero_expected_problems", lambda data, agbs=None: [])  # the rule gone
    assert load_group(mini_group).ok  # the loaders alone let it through ...
    [problem] = errors(check_group(mini_group))  # ... computing it once does not
    assert "the figures cannot be computed" in problem.message
    assert "expected must be greater than zero" in problem.message
