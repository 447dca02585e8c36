"""Without a Chromium to print with, --pdf stops before any group runs and says how to get one."""

from click.testing import CliRunner

from conftest import ROOT
from spiegelkit.cli import main
from spiegelkit.run.pdf import pdf_path

FIVE = ROOT / "params" / "zorggroep-uithoorn-aalsmeer.yaml"


def test_run_pdf_without_chromium_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIEGELKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    for command in (["run", str(FIVE), "--out", str(tmp_path / "out"), "--pdf"],
                    ["report", str(FIVE), "--meeting", "2", "--out", str(tmp_path / "out"), "--pdf"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "apt-get install chromium" in result.output and "playwright install chromium" in result.output
        assert "no-such-chromium does not exist" in result.output
    assert not (tmp_path / "out").exists()  # nothing ran, nothing half-made


def test_a_pdf_sits_beside_its_html():
    assert pdf_path(ROOT / "outputs" / "g" / "verslag-2.html") == ROOT / "outputs" / "g" / "verslag-2.pdf"
