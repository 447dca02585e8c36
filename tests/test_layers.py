"""The package's layers: imports only go downward, no cycles, light imports stay light.

The layers, lowest first (README, "How the code is laid out"); a module may import its own
layer and the layers below it, never one above.
"""

import ast
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = ROOT / "spiegelkit"
LAYERS = [
    ("base", ["spiegelkit.paths", "spiegelkit.errors", "spiegelkit.outputs"]),
    ("stats", ["spiegelkit.stats"]),
    ("wording", ["spiegelkit.dutch"]),
    ("inputs", ["spiegelkit.inputs"]),
    ("analysis", ["spiegelkit.analysis"]),
    ("tools", ["spiegelkit.tools"]),
    ("render", ["spiegelkit.render"]),
    ("run", ["spiegelkit.run"]),
    ("jupyter", ["spiegelkit.jupyter"]),
    ("cli", ["spiegelkit.cli", "spiegelkit"]),
]


def layer_of(module: str) -> int:
    for i, (_, prefixes) in reversed(list(enumerate(LAYERS))):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the README")


def module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """Every spiegelkit module a file imports, at module level or inside functions."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "spiegelkit":
                yield _known(name)


def _known(name: str) -> str:
    while name != "spiegelkit":
        path = ROOT / name.replace(".", "/")
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return name
        name = name.rpartition(".")[0]
    return name


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downward(module):
    own = layer_of(module)
    for target in imports_of(MODULES[module]):
        if target == "spiegelkit" or module == "spiegelkit":
            continue
        assert layer_of(target) <= own, (
            f"{module} ({LAYERS[own][0]}) imports {target} ({LAYERS[layer_of(target)][0]}): "
            "move the shared piece down, or the importing code up")


def test_no_import_cycle():
    edges = {m: {t for t in imports_of(p) if t != m and t != "spiegelkit"}
             for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(module, trail):
        state[module] = 1
        for target in edges.get(module, ()):
            if state.get(target) == 1:
                cycle = trail[trail.index(target):] + [target] if target in trail else [module, target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("module", ["spiegelkit.run.check", "spiegelkit.inputs.group",
                                    "spiegelkit"])
def test_checking_does_not_load_charts_or_notebook_machinery(module):
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    heavy = {"matplotlib", "seaborn", "nbconvert", "nbclient", "papermill"} & set(loaded)
    assert not heavy, f"import {module} loads {sorted(heavy)}"
