"""bench/national_profile.py: how py-spy's samples of a national run are split into parts."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import national_profile  # noqa: E402


def stack(*frames: str) -> str:
    return ";".join(f"{frame} (file.py:1)" for frame in frames)


def test_kernel_samples_are_split_per_group_handout_and_version(tmp_path):
    raw = tmp_path / "raw.txt"
    lines = {  # a py-spy raw line: frames outermost first, then the count of samples
        stack("<module>", "run_for_papermill", "run_cell", "<module>", "Handout.domains",
              "trend_chart"): 7,
        stack("<module>", "run_for_papermill", "run_cell", "<module>", "Handout.from_notebook",
              "Handout.build", "compare_practices"): 5,
        stack("<module>", "run_for_papermill", "run_cell", "<module>", "Handout.from_notebook",
              "open_group", "load_group"): 3,
        stack("<module>", "run_for_papermill", "run_cell", "<module>", "Handout.obligations",
              "load_groups", "load_params"): 2,
        stack("<module>", "write_versions", "_write_version", "run_cells", "run_cell",
              "InteractiveShell.run_cell", "_tokenize"): 4,
        stack("<module>", "write_versions", "_write_version", "handout_html", "render"): 6,
        stack("<module>", "write_versions", "_write_version", "run_cells", "run_cell",
              "<module>", "Handout._kept"): 1,  # a torn stack: no section known
        stack("run_group", "execute_notebook", "select"): 9,  # the worker: not a kernel's
    }
    raw.write_text("".join(f"{s} {n}\n" for s, n in lines.items()))
    parts = national_profile.split(raw)
    assert parts["group handout"] == {
        "section domains": 7, "the group's analysis (comparison, talking points)": 5,
        "reading the group and its region": 3, "obligations: the params folder's groups": 2}
    assert parts["practice version"] == {
        "running cells (IPython; a kernel's imports)": 4, "HTML export (nbconvert)": 6, "other": 1}
    assert sum(map(sum, (c.values() for c in parts.values()))) == sum(lines.values()) - 9


def test_the_table_gives_milliseconds_per_handout():
    parts = {"group handout": {"section domains": 30}, "practice version": {"section domains": 40}}
    lines = national_profile.table(parts, {"group handout": 3, "practice version": 4}, rate=100)
    assert lines[1].split()[-2:] == ["100.0", "100.0"]  # 30 samples at 100/s over 3 handouts
    assert lines[-1].split() == ["total", "100.0", "100.0"]
