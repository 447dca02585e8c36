import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def mini_group(tmp_path):
    """A copy of the tiny hand-checkable data folder and its group params, in tmp_path."""
    shutil.copytree(DATA / "mini", tmp_path / "mini")
    shutil.copy(DATA / "mini-group.yaml", tmp_path / "group.yaml")
    return tmp_path / "group.yaml"


def replace_table(params: Path, bad_file: str, table: str) -> None:
    """Put one deliberately bad file from tests/data/bad/ in place of a mini table."""
    source = DATA / "bad" / bad_file
    target = params.parent / "mini" / f"{table}{source.suffix}"
    for old in target.parent.glob(f"{table}.*"):
        old.unlink()
    shutil.copy(source, target)
