"""Loose ends a new user met (issue 17): help text, references, git ignores, make lab, README."""

import re
import subprocess

import pytest
from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.cli import main


def test_help_names_every_registered_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    summary = result.output.split("Options:")[0]
    for name in main.commands:
        assert re.search(rf"\b{re.escape(name)}\b", summary), f"{name} missing from: {summary}"
    assert {"report", "compliance"} <= set(main.commands)


def test_help_follows_a_command_added_later():
    @main.command("try-me-out")
    def try_me_out():
        """A verb added after the group was made."""
    try:
        summary = CliRunner().invoke(main, ["--help"]).output.split("Options:")[0]
        assert "try-me-out" in summary
    finally:
        main.commands.pop("try-me-out")


def _tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "README.md", "Makefile", "spiegelkit", "notebooks"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in listed:
        path = ROOT / name
        if path.suffix in {".py", ".md", ".yaml", ".j2", ".ipynb", ".json", ".css"} or name == "Makefile":
            yield path


def test_no_file_refers_to_a_missing_document_or_module():
    """Every *.md named (from the root, the package or the naming file's folder), and every
    spiegelkit/... path named, exists in the repository."""
    missing = []
    for path in _tracked_text_files():
        text = path.read_text(encoding="utf-8")
        for name in set(re.findall(r"\b[\w./-]*[A-Za-z]\w*\.md\b", text)):
            if name.startswith(("../", "shared/")):
                continue  # the team's shared folder beside the repository
            if not any((base / name).exists() for base in (ROOT, ROOT / "spiegelkit", path.parent)):
                missing.append(f"{path.relative_to(ROOT)}: {name}")
        for name in set(re.findall(r"\bspiegelkit/(?!/)[\w/]+(?:\.\w+)?", text)):
            if not (ROOT / name).exists():
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing


@pytest.mark.parametrize("path", ["data/x.csv", "data/mirror.xlsx", "data/2024/population.csv"])
def test_own_data_folder_at_the_root_is_ignored_by_git(path):
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0


def test_bundled_data_is_not_ignored():
    for path in ("spiegelkit/data/indicators.yaml", "spiegelkit/data/demo/mirror.csv", "tests/data/mini/mirror.csv"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 1, path


def _lab_command(user_id: int) -> str:
    dry = subprocess.run(["make", "-n", "lab", f"USER_ID={user_id}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return next(line for line in dry.splitlines() if "jupyter lab" in line)


def test_make_lab_opens_the_project_root_with_notebooks_first():
    command = _lab_command(1000)
    assert "--ServerApp.root_dir=." in command.split()
    assert "--LabApp.default_url=/lab/tree/notebooks" in command.split()
    assert "--allow-root" not in command


def test_make_lab_allows_root_only_for_root():
    assert "--allow-root" in _lab_command(0).split()


def test_readme_shows_params_file_in_its_jupyterlab_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## JupyterLab\n", 1)[1].split("\n## ", 1)[0]
    assert "group_mirror.ipynb" in section
    assert re.search(r'params_file: str = "\.\./params/[\w-]+\.yaml"', section)
    assert "--allow-root" in section
    assert "`data/`" in readme
