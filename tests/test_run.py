"""Real runs: papermill executes the group notebook, nbconvert makes the handout."""

import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT
from spiegelkit.run.batch import (GroupResult, _Deal, _on_this_machine, output_files, run_group,
                                   run_groups)
from spiegelkit.cli import main

DEMO_GROUP = ROOT / "params" / "hagro-amstelveen-noord.yaml"
RAISES = Path(__file__).parent / "notebooks" / "raises_for_one_group.ipynb"


class ResourceCollector(HTMLParser):
    """Every address a browser would fetch: script src, link href, img src, and any src."""

    def __init__(self):
        super().__init__()
        self.addresses = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "data", "poster"):
            if attrs.get(name) and (name != "href" or tag == "link"):
                self.addresses.append((tag, attrs[name]))


@pytest.fixture(scope="module")
def demo_run(demo_outputs):
    results, out = demo_outputs
    return results[DEMO_GROUP.stem], out


def test_demo_group_makes_notebook_and_handout(demo_run):
    result, out = demo_run
    assert result.status == "ok", result.error
    files = output_files(out, "hagro-amstelveen-noord")
    assert files["notebook"].exists() and files["handout"].exists()
    assert not files["failed"].exists()
    assert not list(out.rglob("*.partial*")), "a temporary file was left behind"
    executed = nbformat.read(files["notebook"], as_version=4)
    assert executed.metadata.papermill.parameters == {"params_file": str(DEMO_GROUP.resolve()),
                                                      "focus_agb": None}


def test_handout_is_dutch_populated_and_loads_nothing_from_outside(demo_run):
    _, out = demo_run
    html = output_files(out, "hagro-amstelveen-noord")["handout"].read_text()
    assert '<html lang="nl">' in html
    for text in ("Spiegelbijeenkomst Hagro Amstelveen-Noord", "Zo leest u de cijfers",
                 "Gespreksonderwerpen", "Huisartsenpraktijk Uilenstede", "Antibiotica",
                 "Verwijzingen naar de medisch specialist", "Bron: Vektis", "betrouwbaarheidsinterval"):
        assert text in html, text
    assert html.count("index ") > 4 * 30  # every practice has an index for every indicator
    assert "def " not in html and "import " not in html  # code is hidden
    collector = ResourceCollector()
    collector.feed(html)
    outside = [(t, a) for t, a in collector.addresses if not a.startswith("data:")]
    assert outside == []
    assert html.count("<svg role=\"img\"") >= 20  # charts are inside the file, inline


def test_plain_papermill_runs_the_notebook_with_a_params_file(tmp_path):
    out = tmp_path / "o.ipynb"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "notebooks/group_mirror.ipynb",
         str(out), "-f", "params/fto-diemen.yaml"],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    executed = nbformat.read(out, as_version=4)
    outputs = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    assert "FTO Diemen" in outputs or "Diemen" in outputs
    assert "geen Praktijkspiegel" in outputs  # the practice without a mirror takes part


def test_a_failing_group_does_not_stop_the_others(tmp_path):
    good = tmp_path / "good.yaml"
    broken = tmp_path / "broken.yaml"
    invalid = tmp_path / "invalid.yaml"
    text = (DATA / "mini-group.yaml").read_text().replace("data_dir: mini", f"data_dir: {DATA / 'mini'}")
    good.write_text(text.replace("hagro-mini", "good"))
    broken.write_text(text.replace("hagro-mini", "broken"))
    invalid.write_text(text.replace("hagro-mini", "invalid").replace('"01000003"', '"01099999"'))
    out = tmp_path / "outputs"
    # a stale handout from an earlier run must not survive a failed run
    output_files(out, "broken")["handout"].parent.mkdir(parents=True)
    output_files(out, "broken")["handout"].write_text("old")

    results = {r.group_id: r for r in run_groups([broken, good, invalid], out, notebook=RAISES,
                                                  progress=False)}
    assert results["good"].status == "ok"
    assert output_files(out, "good")["handout"].exists()
    assert results["broken"].status == "failed"
    assert "deliberate failure for group broken" in results["broken"].error
    broken_files = output_files(out, "broken")
    assert not broken_files["handout"].exists() and not broken_files["notebook"].exists()
    failed_nb = nbformat.read(broken_files["failed_notebook"], as_version=4)
    assert "RuntimeError" in str(failed_nb.cells)  # kept for inspection, with the error
    assert "deliberate failure" in broken_files["failed"].read_text()
    assert results["invalid"].status == "invalid"
    assert "01099999 is not in the data" in results["invalid"].error
    assert not list(out.rglob("*.partial*"))


def test_a_group_that_recovers_loses_its_failure_files(tmp_path):
    params = tmp_path / "g.yaml"
    text = (DATA / "mini-group.yaml").read_text().replace("data_dir: mini", f"data_dir: {DATA / 'mini'}")
    params.write_text(text.replace("hagro-mini", "broken"))
    out = tmp_path / "outputs"
    assert run_group(params, out, notebook=RAISES).status == "failed"
    params.write_text(text.replace("hagro-mini", "fixed"))
    shutil.copytree(out / "broken", out / "fixed")
    assert run_group(params, out, notebook=RAISES).status == "ok"
    files = output_files(out, "fixed")
    assert files["handout"].exists() and not files["failed"].exists()
    assert not files["failed_notebook"].exists()


def test_cli_run_and_check_and_costs(tmp_path):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    shutil.copy(DATA / "mini-group.yaml", tmp_path / "group.yaml")  # data_dir relative to it
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(tmp_path / "group.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 of 1 group(s) made their handout." in result.output
    html = (tmp_path / "out" / "hagro-mini" / "handout.html").read_text()
    assert "Praktijk Nieuw" in html and "geen Praktijkspiegel" in html

    result = runner.invoke(main, ["check", str(DATA / "bad" / "params_unknown_practice.yaml")])
    assert result.exit_code == 1
    assert "params_unknown_practice.yaml, row 10, field 'practices[2].agb'" in result.output

    result = runner.invoke(main, ["costs", "--patients", "2095"])
    assert result.exit_code == 0
    assert all(figure in result.output for figure in ("1676.00", "154.75", "464.25"))


def test_cli_run_exit_code_is_not_zero_when_a_group_fails(tmp_path):
    result = CliRunner().invoke(main, ["run", str(DATA / "bad" / "params_unknown_practice.yaml"),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "0 of 1 group(s) made their handout." in result.output


def test_the_data_beside_a_handout_is_the_data_inside_it(demo_run):
    from spiegelkit.render.downloads import embedded_downloads

    result, out = demo_run
    folder = result.handout.parent
    for handout in [result.handout, *folder.glob("practice-*.html")]:
        inside = embedded_downloads(handout.read_text())
        assert sorted(inside) == [f"{handout.stem}.csv", f"{handout.stem}.xlsx"]
        for name, content in inside.items():
            assert (folder / name).read_bytes() == content


def test_versions_group_makes_only_the_group_handout_and_removes_older_versions(tmp_path):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    shutil.copy(DATA / "mini-group.yaml", tmp_path / "group.yaml")
    out = tmp_path / "outputs"
    [everything] = run_groups([tmp_path / "group.yaml"], out, progress=False)
    folder = everything.handout.parent
    practices = ["01000001", "01000002", "01000003", "01000004"]
    assert sorted(p.name for p in folder.glob("practice-*.html")) == \
        [f"practice-{agb}.html" for agb in practices]

    [group_only] = run_groups([tmp_path / "group.yaml"], out, progress=False, versions="group")
    assert group_only.status == "ok"  # not "unchanged": another set of handouts was asked for
    assert list(folder.glob("practice-*")) == []  # no version of the earlier run is left
    assert {p.name for p in folder.glob("handout.*")} == {"handout.html", "handout.csv", "handout.xlsx"}
    [again] = run_groups([tmp_path / "group.yaml"], out, progress=False, versions="group")
    assert again.status == "unchanged"


def quick_run(path: Path, out_root: Path) -> GroupResult:
    """A group's run that takes no time: for the worker processes' own bookkeeping."""
    return GroupResult(path.name[-6:], path, "ok", 0.0)


def test_worker_processes_keep_going_over_many_groups_with_long_paths(tmp_path):
    # every worker notes each group it starts in a pipe the driver reads as results come in:
    # 300 groups with paths of 2 KB are ten times what the pipe holds at once
    paths = [tmp_path / ("x" * 2000) / f"g{i:05d}" for i in range(300)]
    results = []
    runner = threading.Thread(target=lambda: results.extend(_on_this_machine(
        paths, functools.partial(quick_run, out_root=tmp_path), 2, {p: p.name for p in paths})),
        daemon=True)
    runner.start()
    runner.join(timeout=120)
    assert not runner.is_alive(), f"the batch stopped after {len(results)} of 300 groups"
    assert sorted(r.params for r in results) == sorted(paths)


def test_the_deal_gives_each_data_folder_to_one_worker_and_shares_the_last():
    folders = {Path(f"{region}-{i}"): region for region in "abc" for i in range(6)}
    deal = _Deal(list(folders), folders, jobs=2)
    ran: dict[int, list[Path]] = {0: [], 1: []}
    busy = {0, 1}
    while busy:  # the two workers take turns, each asking for its next group
        for slot in sorted(busy):
            path = deal.next(slot)
            if path is None:
                busy.discard(slot)
            else:
                ran[slot].append(path)
    assert sorted(ran[0] + ran[1]) == sorted(folders)  # each group once
    assert [folders[p] for p in ran[0]] == ["a"] * 6 + ["c"] * 4
    # b done, no folder left: the idle worker takes the back half of what is left of c
    assert [folders[p] for p in ran[1]] == ["b"] * 6 + ["c"] * 2
    assert ran[1][-2:] == [Path("c-4"), Path("c-5")]


def test_a_run_on_one_data_folder_still_uses_every_worker():
    paths = [Path(f"g{i}") for i in range(9)]
    deal = _Deal(paths, {p: "one" for p in paths}, jobs=2)
    first, second = deal.next(0), deal.next(1)
    assert (first, second) == (Path("g0"), Path("g5"))  # the back half went to the idle worker
    assert [deal.next(1) for _ in range(4)] == [Path(f"g{i}") for i in (6, 7, 8)] + [Path("g3")]


def pid_run(path: Path, out_root: Path) -> GroupResult:
    """A group's run that notes which worker process ran it."""
    time.sleep(0.05)
    return GroupResult(path.name, path, "ok", 0.0, error=str(os.getpid()))


def test_worker_processes_read_each_data_folder_once(tmp_path):
    paths = [tmp_path / f"{region}-{i}" for region in "abcd" for i in range(5)]
    folders = {p: p.name[0] for p in paths}
    results = list(_on_this_machine(paths, functools.partial(pid_run, out_root=tmp_path), 2,
                                    {p: p.name for p in paths}, folders))
    assert sorted(r.params for r in results) == sorted(paths)
    workers = {(folders[r.params], r.error) for r in results}
    assert len({pid for _, pid in workers}) == 2  # both workers ran groups
    # every folder in one worker, but the last one, which the idle worker may share;
    # groups dealt one by one put nearly every folder in both
    assert len(workers) <= len(set(folders.values())) + 1
