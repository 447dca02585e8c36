"""Batches that resume: the manifest, kill -9 mid-run, failing groups, both engines, Dask."""

import base64
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from conftest import DATA
from spiegelkit.run.batch import output_files, run_groups
from spiegelkit.inputs.group import load_group
from spiegelkit.run.manifest import FILE_NAME, Manifest, group_inputs, run_inputs

NOTEBOOKS = Path(__file__).parent / "notebooks"
RAISES = NOTEBOOKS / "raises_for_one_group.ipynb"
KILLS_ITS_WORKER = NOTEBOOKS / "kills_its_worker.ipynb"
SLOW = NOTEBOOKS / "takes_half_a_second.ipynb"
SPIEGELKIT = Path(sys.executable).parent / "spiegelkit"


def make_groups(folder: Path, *group_ids: str) -> list[Path]:
    """Params files for mini groups with these ids, all on the tiny mini data."""
    text = (DATA / "mini-group.yaml").read_text().replace("data_dir: mini", f"data_dir: {DATA / 'mini'}")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for group_id in group_ids:
        path = folder / f"{group_id}.yaml"
        path.write_text(text.replace("hagro-mini", group_id).replace("Hagro Mini", f"Groep {group_id}"))
        paths.append(path)
    return paths


def statuses(results) -> dict[str, str]:
    return {r.group_id: r.status for r in results}


def manifest_statuses(out: Path) -> dict[str, str]:
    return {g: e["status"] for g, e in Manifest.load(out).groups.items()}


def no_half_written_files(out: Path) -> bool:
    return not list(out.rglob("*.partial*"))


WORKBOOK = re.compile(r"data:application/vnd\.openxmlformats[^;]*;base64,([A-Za-z0-9+/=]+)")


def without_write_times(html: str) -> str:
    """The handout with each embedded workbook replaced by its contents less the times it
    records of its own writing (zip member times, docProps/core.xml); all else as is."""
    def contents(match):
        workbook = zipfile.ZipFile(io.BytesIO(base64.b64decode(match.group(1))))
        return repr([(name, workbook.read(name)) for name in workbook.namelist()
                     if name != "docProps/core.xml"])
    return WORKBOOK.sub(contents, html)


def kernels_started_by(*pids: int) -> list[psutil.Process]:
    """The live kernels these processes started (jupyter_client tells each its parent's pid)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("JPY_PARENT_PID") in {str(p) for p in pids} \
                    and process.status() != "zombie":
                found.append(process)
        except psutil.Error:
            continue
    return found


def batch_processes(run: subprocess.Popen) -> list[int]:
    """The pids of a batch: its driver and the worker processes the driver started."""
    try:
        return [run.pid, *(p.pid for p in psutil.Process(run.pid).children())]
    except psutil.Error:
        return [run.pid]


def start_batch_and_stop_it(paths, out, signal_number, after_groups=3):
    """`spiegelkit run` in a process of its own, sent `signal_number` once `after_groups`
    groups are in the manifest; the run and the pids of its driver and workers."""
    # as in a terminal, SIGINT does its default even when the tests run in a background job
    # (which starts with SIGINT ignored, and Python then never raises KeyboardInterrupt)
    run = subprocess.Popen([str(SPIEGELKIT), "run", *map(str, paths), "--out", str(out),
                            "--notebook", str(SLOW), "--jobs", "2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while len(manifest_statuses(out)) < after_groups and run.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = batch_processes(run)
    kernels = kernels_started_by(*pids)
    assert kernels, "the batch runs no kernel"
    workers = [psutil.Process(p) for p in pids[1:]]
    os.kill(run.pid, signal_number)
    run.wait(timeout=60)
    return run, workers, kernels


def wait_until_gone(processes: list[psutil.Process], seconds: float = 10) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=seconds)
    return not alive


def test_a_batch_killed_mid_run_completes_on_the_next_run_and_redoes_nothing_finished(tmp_path):
    paths = make_groups(tmp_path / "params", *[f"groep-{i}" for i in range(1, 9)])
    out = tmp_path / "outputs"
    run, workers, kernels = start_batch_and_stop_it(paths, out, signal.SIGKILL)
    # its workers notice that the driver is gone and stop their kernels, then themselves
    assert len(workers) == 2
    assert wait_until_gone(workers) and wait_until_gone(kernels)
    finished = manifest_statuses(out)
    assert 3 <= len(finished) < 8, "the batch was not stopped halfway"
    assert set(finished.values()) == {"ok"}
    made = {g: output_files(out, g)["handout"].stat().st_mtime_ns for g in finished}

    results = run_groups(paths, out, notebook=SLOW, progress=False)

    assert {g: s for g, s in statuses(results).items() if s == "unchanged"}.keys() == finished.keys()
    assert all(s == "ok" for g, s in statuses(results).items() if g not in finished)
    for group_id in statuses(results):
        files = output_files(out, group_id)
        assert files["handout"].read_text().rstrip().endswith("</html>")
        assert not files["failed"].exists()
    assert {g: output_files(out, g)["handout"].stat().st_mtime_ns for g in finished} == made
    assert manifest_statuses(out) == {f"groep-{i}": "ok" for i in range(1, 9)}
    assert no_half_written_files(out)


def test_ctrl_c_stops_a_batch_cleanly_and_the_next_run_completes_it(tmp_path):
    # 12 groups of about 2.5 s each on 2 workers: stopped after 2, most are still to do
    paths = make_groups(tmp_path / "params", *[f"groep-{i}" for i in range(1, 13)])
    out = tmp_path / "outputs"
    run, workers, kernels = start_batch_and_stop_it(paths, out, signal.SIGINT, after_groups=2)
    stopped = manifest_statuses(out)
    assert run.returncode != 0, f"the batch was not stopped: {len(stopped)} groups done"
    assert len(workers) == 2
    assert not [p for p in workers + kernels if p.is_running() and p.status() != "zombie"]  # shut down before the command ended
    assert no_half_written_files(out)
    assert len(stopped) < 12 and set(stopped.values()) == {"ok"}  # running groups finished
    results = run_groups(paths, out, notebook=SLOW, progress=False)
    assert sum(r.status == "unchanged" for r in results) == len(stopped)
    assert sum(r.status == "ok" for r in results) == 12 - len(stopped)


def test_a_group_that_kills_its_worker_process_fails_alone_and_the_others_are_made(tmp_path):
    # as when the out-of-memory killer picks a worker: the pool of worker processes breaks
    paths = make_groups(tmp_path / "params", "een", "doomed", "twee", "drie", "vier", "vijf")
    out = tmp_path / "outputs"
    results = run_groups(paths, out, jobs=2, notebook=KILLS_ITS_WORKER, progress=False)
    assert statuses(results) == {"een": "ok", "doomed": "failed", "twee": "ok", "drie": "ok",
                                 "vier": "ok", "vijf": "ok"}
    assert "worker process running this group died" in results[1].error
    assert "worker process running this group died" in output_files(out, "doomed")["failed"].read_text()
    assert Manifest.load(out).groups["doomed"]["status"] == "failed"
    assert no_half_written_files(out)
    assert not output_files(out, "doomed")["handout"].exists()


def test_a_group_whose_notebook_raises_does_not_stop_the_others(tmp_path):
    paths = make_groups(tmp_path / "params", "broken", "good", "also-good")
    out = tmp_path / "outputs"
    # one worker: the groups after the broken one run in the same kernel
    results = run_groups(paths, out, jobs=1, notebook=RAISES, progress=False)
    assert statuses(results) == {"broken": "failed", "good": "ok", "also-good": "ok"}
    assert "deliberate failure for group broken" in results[0].error
    manifest = Manifest.load(out).groups
    assert manifest["broken"]["status"] == "failed"
    assert "deliberate failure for group broken" in manifest["broken"]["error"]
    assert output_files(out, "broken")["failed_notebook"].exists()
    # a failed group is tried again; the good ones are not
    again = run_groups(paths, out, jobs=2, notebook=RAISES, progress=False)
    assert statuses(again) == {"broken": "failed", "good": "unchanged", "also-good": "unchanged"}


def test_a_group_is_redone_when_its_inputs_or_products_change_or_when_forced(tmp_path):
    first, second, third = paths = make_groups(tmp_path / "params", "een", "twee", "drie")
    out = tmp_path / "outputs"
    assert set(statuses(run_groups(paths, out, notebook=RAISES, progress=False)).values()) == {"ok"}
    first.write_text(first.read_text().replace("meeting_number: 1", "meeting_number: 2"))
    output_files(out, "twee")["handout"].unlink()
    assert statuses(run_groups(paths, out, notebook=RAISES, progress=False)) == {
        "een": "ok", "twee": "ok", "drie": "unchanged"}
    assert statuses(run_groups(paths, out, notebook=RAISES, progress=False, force=True)) == {
        "een": "ok", "twee": "ok", "drie": "ok"}


def test_inputs_change_with_the_data_the_notebook_and_the_params(tmp_path):
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    (tmp_path / "group.yaml").write_text((DATA / "mini-group.yaml").read_text())
    notebook = tmp_path / "notebook.ipynb"
    notebook.write_bytes(RAISES.read_bytes())
    shared = run_inputs(notebook)
    group = load_group(tmp_path / "group.yaml")
    before = group_inputs(group, shared)
    assert group.group_id == "hagro-mini"
    assert set(before) == {"params", "data", "notebook", "package", "versions"}
    assert before["versions"]["pandas"] and before["package"].startswith("0.")

    practices = tmp_path / "mini" / "practices.csv"
    practices.write_text(practices.read_text().replace("Praktijk", "Huisartsenpraktijk", 1))
    after_data = group_inputs(load_group(tmp_path / "group.yaml"), shared)
    assert after_data["data"] != before["data"] and after_data["params"] == before["params"]

    notebook.write_text(notebook.read_text().replace("Test notebook", "A test notebook"))
    assert run_inputs(notebook)["notebook"] != shared["notebook"]


def test_the_manifest_is_json_with_one_group_per_line_and_survives_a_damaged_file(tmp_path):
    manifest = Manifest.load(tmp_path)
    manifest.record("b", Path("b.yaml"), "failed", 1.234, "Traceback\nValueError: nee\n", {"params": "1"})
    manifest.record("a", Path("a.yaml"), "ok", 0.5, "", {"params": "2"})
    text = (tmp_path / FILE_NAME).read_text()
    assert json.loads(text)["groups"]["b"]["error"] == "ValueError: nee"
    assert [line.split(":")[0].strip() for line in text.splitlines() if line.startswith("  ")] == ['"a"', '"b"']
    assert Manifest.load(tmp_path).groups == manifest.groups
    (tmp_path / FILE_NAME).write_text('{"format": 1, "groups": {"a": ')  # as if cut off
    assert Manifest.load(tmp_path).groups == {}


def test_both_engines_make_the_same_handout(tmp_path):
    [mini] = make_groups(tmp_path / "params", "hagro-mini")
    other = make_groups(tmp_path / "params", "andere-groep")[0]
    other.write_text(other.read_text() + "options:\n  confidence: 0.998\n  pseudonymise: true\n")
    reference = run_groups([mini], tmp_path / "papermill", engine="papermill", progress=False)
    # in the pool, another group runs first in the same kernel: its state must not leak
    pooled = run_groups([other, mini], tmp_path / "pool", engine="pool", jobs=1, progress=False)
    assert [r.status for r in reference + pooled] == ["ok"] * 3, [r.error for r in reference + pooled]
    expected = output_files(tmp_path / "papermill", "hagro-mini")["handout"].read_text()
    pooled_html = output_files(tmp_path / "pool", "hagro-mini")["handout"].read_text()
    assert without_write_times(pooled_html) == without_write_times(expected)


def test_a_run_on_a_local_dask_cluster_completes(tmp_path):
    from distributed import LocalCluster

    paths = make_groups(tmp_path / "params", "broken", "noord", "zuid", "oost", "west")
    out = tmp_path / "outputs"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      worker_dashboard_address=None) as cluster:
        results = run_groups(paths, out, notebook=RAISES, progress=False,
                             scheduler=cluster.scheduler_address)
        assert statuses(results) == {"broken": "failed", "noord": "ok", "zuid": "ok", "oost": "ok",
                                     "west": "ok"}, [r.error for r in results]
        assert [r.params for r in results] == paths
        assert "ran" in output_files(out, "noord")["notebook"].read_text()
        again = run_groups(paths, out, notebook=RAISES, progress=False,
                           scheduler=cluster.scheduler_address)
    assert statuses(again)["noord"] == "unchanged" and statuses(again)["broken"] == "failed"
    assert manifest_statuses(out) == statuses(results)
    assert no_half_written_files(out)


@pytest.mark.parametrize("engine", ["pool", "papermill"])
def test_cli_run_skips_unchanged_groups_and_fails_when_a_group_fails(tmp_path, engine):
    from click.testing import CliRunner

    from spiegelkit.cli import main

    paths = [str(p) for p in make_groups(tmp_path / "params", "goed", "broken")]
    out = str(tmp_path / "out")
    common = ["--out", out, "--notebook", str(RAISES), "--engine", engine]
    first = CliRunner().invoke(main, ["run", *paths, *common])
    assert first.exit_code == 1 and "1 of 2 group(s) made their handout." in first.output
    second = CliRunner().invoke(main, ["run", paths[0], *common])
    assert second.exit_code == 0
    assert "1 of 1 group(s) made their handout. (1 unchanged" in second.output
    forced = CliRunner().invoke(main, ["run", paths[0], *common, "--force"])
    assert forced.exit_code == 0 and "made their handout.\n" in forced.output
    assert "\nok        goed " in forced.output and "(1 unchanged" not in forced.output


def test_editing_a_meeting_record_redoes_the_group_and_only_that_group(tmp_path):
    """The records beside a params file are among its inputs: after one is edited the next
    run redoes that group, so its look-back and obligations are never stale."""
    edited, other = make_groups(tmp_path / "params", "met-verslag", "zonder")
    records = tmp_path / "params" / "meetings" / "met-verslag"
    records.mkdir(parents=True)
    record = records / "meeting-1.yaml"
    record.write_text('group_id: met-verslag\nmeeting_number: 1\ndate: "2026-03-12"\n'
                      'attendance:\n- agb: "01000001"\n  people:\n  - {name: Anna Smit, signed: true}\n'
                      'notes: Eerste bijeenkomst.\n', encoding="utf-8")
    out = tmp_path / "outputs"
    assert set(statuses(run_groups([edited, other], out, notebook=RAISES, progress=False)).values()) == {"ok"}
    assert statuses(run_groups([edited, other], out, notebook=RAISES, progress=False)) == {
        "met-verslag": "unchanged", "zonder": "unchanged"}
    record.write_text(record.read_text(encoding="utf-8").replace("Eerste", "De eerste"), encoding="utf-8")
    assert statuses(run_groups([edited, other], out, notebook=RAISES, progress=False)) == {
        "met-verslag": "ok", "zonder": "unchanged"}
