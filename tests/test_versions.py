"""Per-practice versions: the group's analysis is made once and every version rendered from
it, while the group notebook stays the one definition of every handout."""

import dataclasses
import json
import shutil

import nbformat
import pytest

from conftest import ROOT
from spiegelkit.analysis.compare import compare_group
from spiegelkit.analysis.talking_points import talking_points
from spiegelkit.inputs.group import current_group, open_group
from spiegelkit.render import handout as handout_module
from spiegelkit.render.handout import Handout
from spiegelkit.run.batch import (execute_with_papermill, notebook_parameters, run_groups,
                                  with_stable_cell_ids)
from spiegelkit.run.export import handout_html
from spiegelkit.paths import GROUP_NOTEBOOK

PRACTICES = ["01000001", "01000002", "01000003", "01000004"]


@pytest.fixture
def pseudonymised(mini_group):
    text = mini_group.read_text()
    mini_group.write_text(text + "options:\n  pseudonymise: true\n  talking_points: 4\n")
    return mini_group


def test_a_version_is_the_groups_analysis_under_its_own_labels(pseudonymised, monkeypatch):
    """Worded as if the version were analysed on its own: same comparison and talking points
    (the reference is the comparison with the version's labels, ranked afresh)."""
    group = open_group(pseudonymised)
    Handout.build(group)
    ranked = []
    monkeypatch.setattr(handout_module, "talking_points",
                        lambda *a, **k: ranked.append(1) or talking_points(*a, **k))
    for agb in PRACTICES:
        version = Handout.build(group.with_focus(agb))
        params = version.params
        alone = compare_group(group.data, params, focus=agb)
        assert version.table.equals(alone)
        expected = talking_points(alone, params.data_year, pinned=params.options.pinned,
                                  dropped=params.options.dropped, count=params.options.talking_points)
        assert [(p.indicator, p.question, p.practices, p.selected) for p in version.points] == \
            [(p.indicator, p.question, p.practices, p.selected) for p in expected]
        others = [label for a, label in version.labels.items() if a != agb]
        assert all(label.startswith("Praktijk ") for label in others)
    assert ranked == []  # no version ranked the talking points again


def test_a_group_is_read_again_only_when_one_of_its_files_changed(mini_group):
    first = current_group(mini_group)
    assert current_group(mini_group) is first
    mini_group.write_text(mini_group.read_text().replace("Hagro Mini", "Hagro Mini-Oost"))
    again = current_group(mini_group)
    assert again is not first and again.params.group_name == "Hagro Mini-Oost"
    records = mini_group.parent / "meetings" / "hagro-mini"
    records.mkdir(parents=True)
    shutil.copy(next((ROOT / "params" / "meetings").glob("*/meeting-1.yaml")), records / "meeting-1.yaml")
    assert current_group(mini_group) is not again  # a new meeting record counts too


ANALYST_CELL = 'print("Eigen analyse voor", focus_agb or "de groep")'


@pytest.mark.e2e
def test_a_cell_added_to_the_notebook_shows_in_every_version_and_versions_match_a_fresh_kernel(
        mini_group, tmp_path):
    notebook = nbformat.read(GROUP_NOTEBOOK, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(ANALYST_CELL))
    copy = tmp_path / "notebooks" / "group_mirror.ipynb"
    copy.parent.mkdir()
    nbformat.write(notebook, copy)
    out = tmp_path / "outputs"
    [result] = run_groups([mini_group], out, notebook=copy, progress=False)
    assert result.status == "ok", result.error
    folder = result.handout.parent
    assert "Eigen analyse voor de groep" in (folder / "handout.html").read_text()
    for agb in PRACTICES:
        assert f"Eigen analyse voor {agb}" in (folder / f"practice-{agb}.html").read_text()
    # a version made in the warm kernel after the group is the one a kernel of its own makes
    group = open_group(mini_group)
    alone = execute_with_papermill(copy, None, notebook_parameters(group, PRACTICES[2]),
                                   copy.parent, 600)
    fresh = handout_html(with_stable_cell_ids(alone), f"Spiegelbijeenkomst {group.params.group_name}")
    assert (folder / f"practice-{PRACTICES[2]}.html").read_text() == fresh


@pytest.mark.e2e
def test_a_dask_cluster_of_worker_processes_makes_the_same_handouts_and_versions(mini_group, tmp_path):
    from distributed import LocalCluster

    local = run_groups([mini_group], tmp_path / "local", progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      worker_dashboard_address=None) as cluster:
        remote = run_groups([mini_group], tmp_path / "dask", progress=False,
                            scheduler=cluster.scheduler_address)
    assert [r.status for r in local + remote] == ["ok", "ok"], [r.error for r in local + remote]
    made = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").rglob("*.html"))
    assert len(made) == 1 + len(PRACTICES)
    for path in made:
        assert (tmp_path / "dask" / path).read_bytes() == (tmp_path / "local" / path).read_bytes(), path


@pytest.mark.e2e
def test_a_cell_failing_in_one_version_fails_the_group_naming_the_practice_and_the_cell(
        mini_group, tmp_path):
    notebook = nbformat.read(GROUP_NOTEBOOK, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(
        f'assert focus_agb != "{PRACTICES[1]}", "kapot voor deze praktijk"'))
    copy = tmp_path / "notebooks" / "group_mirror.ipynb"
    copy.parent.mkdir()
    nbformat.write(notebook, copy)
    [result] = run_groups([mini_group], tmp_path / "outputs", notebook=copy, progress=False)
    assert result.status == "failed"
    # cell 5 as run: the parameters, papermill's injected parameters, 2 cells, then this one
    assert f'practice {PRACTICES[1]}: cell 5 of the notebook (assert focus_agb != "{PRACTICES[1]}", ' \
           '"kapot voor deze praktijk") failed: AssertionError: kapot voor deze praktijk' in result.error
    folder = tmp_path / "outputs" / result.group_id
    assert "kapot voor deze praktijk" in (folder / "FAILED.txt").read_text()
    assert not list(folder.glob("practice-*")) and not (folder / "handout.html").exists()


@pytest.mark.e2e
def test_versions_in_a_kernel_leave_no_cell_outputs_behind(mini_group, tmp_path):
    # Every version's cells print and display through one lent publisher and result hook:
    # after the versions of two groups, the kernel holds no outputs of theirs and has its own
    # display publisher back (a publisher per cell once kept 6 MiB per group alive).
    from spiegelkit.run.engine import WarmKernel

    kernel = WarmKernel()
    try:
        group = open_group(mini_group)
        parameters = [notebook_parameters(group, agb) for agb in PRACTICES]
        for round_ in (1, 2):
            targets = [tmp_path / f"{round_}-{agb}.html" for agb in PRACTICES]
            kernel.make_versions(GROUP_NOTEBOOK, parameters, targets, "Spiegelbijeenkomst",
                                 GROUP_NOTEBOOK.parent)
            assert all(t.stat().st_size > 100_000 for t in targets)
        kernel.run_code(
            "def _look():\n"
            "    import gc\n"
            "    from IPython import get_ipython\n"
            "    from spiegelkit.run import cells\n"
            "    gc.unfreeze()\n"  # what kernel_state froze is counted too
            "    gc.collect()\n"
            "    kept = [o for o in gc.get_objects() if isinstance(o, cells._Publisher)]\n"
            "    assert len(kept) == 1 and kept[0].outputs == [], kept\n"
            "    assert type(get_ipython().display_pub).__module__.startswith('ipykernel')\n"
            "_look()")
    finally:
        kernel.shutdown()


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_what_a_version_shares_with_the_group_handout_is_what_it_would_work_out_alone(
        mini_group, pseudonymise):
    """A version under the group handout's labels (a group that names its practices) takes
    the group's records and population summary; every section is what a version makes
    with nothing kept."""
    mini_group.write_text(mini_group.read_text()
                          + f"options:\n  pseudonymise: {str(pseudonymise).lower()}\n")
    group = open_group(mini_group)
    sections = ["cover", "population", "overview", "domains", "costs", "appendix"]
    group_handout = Handout.build(group)
    [getattr(group_handout, s)() for s in sections]
    kept = group_handout.analysis._kept
    made = len(kept)
    for agb in PRACTICES:
        version = Handout.build(group.with_focus(agb))
        assert version.analysis is group_handout.analysis
        shared = [str(getattr(version, s)()) for s in sections]
        alone = dataclasses.replace(version, analysis=dataclasses.replace(version.analysis))
        assert alone.analysis._kept == {}
        assert shared == [str(getattr(alone, s)()) for s in sections]
        assert len(alone.analysis._kept) == made
    assert len(kept) == made * (1 + len(PRACTICES) if pseudonymise else 1)


def test_a_version_is_prepared_as_papermill_prepares_it():
    """The versions' notebook, read once per group, is what papermill's ``prepare_only``
    gives for each version's parameters (but the cells' random ids; the handout's are
    stable, see ``with_stable_cell_ids``)."""
    import papermill
    from papermill.iorw import load_notebook_node
    from spiegelkit.run.versions import prepared_notebook

    loaded = load_notebook_node(str(GROUP_NOTEBOOK))
    for focus in PRACTICES[:2]:
        values = {"params_file": "/groepen/hagro-mini.yaml", "focus_agb": focus}
        ours = prepared_notebook(loaded, str(GROUP_NOTEBOOK), values)
        theirs = papermill.execute_notebook(str(GROUP_NOTEBOOK), None, parameters=values,
                                            prepare_only=True, kernel_name="python3",
                                            progress_bar=False)
        for notebook in (ours, theirs):
            injected = next(c for c in notebook.cells if "injected-parameters" in c.metadata.tags)
            assert f'focus_agb = "{focus}"' in injected.source
            for cell in notebook.cells:
                cell.pop("id")
        assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
    assert not any("injected-parameters" in c.metadata.tags for c in loaded.cells)
