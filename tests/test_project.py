"""The project's files agree with each other: dependencies, notebooks, parameters cell."""

import ast
import re
import tomllib

import nbformat
import yaml

from conftest import ROOT
from spiegelkit.inputs.params import GroupParams


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["test"] + extras["bench"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted


def test_notebooks_are_committed_without_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} has outputs: clear them before committing"
                assert cell.execution_count is None, f"{path.name} has execution counts"


def test_notebooks_define_no_functions_or_classes():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                tree = ast.parse(cell.source)
                defined = [n for n in ast.walk(tree)
                           if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]
                assert not defined, f"{path.name}: move {defined[0].name} into spiegelkit/"


def test_group_notebook_parameters_cell_has_exactly_the_params_keys_with_a_comment_each():
    notebook = nbformat.read(ROOT / "notebooks" / "group_mirror.ipynb", as_version=4)
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assigned = [line for line in cell.source.splitlines() if re.match(r"^\w+(: \w+)? = ", line)]
    names = [re.match(r"^\w+", line).group() for line in assigned]
    assert names == ["params_file", *GroupParams.model_fields]
    assert all("  # " in line for line in assigned), "every parameter needs a comment"


def test_group_notebook_defaults_are_a_valid_demo_group():
    notebook = nbformat.read(ROOT / "notebooks" / "group_mirror.ipynb", as_version=4)
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    namespace = {}
    exec(cell.source, namespace)
    params = GroupParams.from_namespace(namespace)
    assert params.data_dir == "demo" and params.practices


def test_papermill_infers_every_parameter_of_the_group_notebook():
    import papermill

    inferred = papermill.inspect_notebook(str(ROOT / "notebooks" / "group_mirror.ipynb"))
    assert list(inferred) == ["params_file", *GroupParams.model_fields]
    assert all(p["help"] for p in inferred.values()), "papermill could not read a comment"


def test_every_notebook_has_its_text_twin_and_they_agree():
    """notebooks/<name>.py (jupytext py:percent) is the reviewable text of each notebook;
    `make notebooks` brings one in step with the other."""
    import jupytext

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        twin = path.with_suffix(".py")
        assert twin.is_file(), f"{twin.name} is missing: run make notebooks"
        text = jupytext.read(twin)
        saved = nbformat.read(path, as_version=4)
        cells = lambda nb: [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]
        assert cells(text) == cells(saved), f"{path.name} and {twin.name} differ: run make notebooks"
