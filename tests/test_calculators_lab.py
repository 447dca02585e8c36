"""A real JupyterLab runs the calculators notebook in headless Chromium; the widgets respond.

The server listens on 127.0.0.1 with a token, serves a temporary folder holding a copy of
notebooks/calculators.ipynb, and keeps its config, data and runtime files in tmp_path so that
nothing in the user's home changes what it does. Expected amounts by hand from the source
tariffs (Elaa; the kit's default organisation file): fee per meeting EUR 50 + EUR 0.05 per
patient; three meetings.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "calculators.ipynb"
# Bounded waits (the test usually takes 15-30 s on two cores)
SERVER_START_S = 30  # the server answers /api/status
LAB_READY_MS = 30_000  # the page is loaded and the kernel is idle
RUN_ALL_MS = 45_000  # every cell has run and the widgets are drawn
STEP_MS = 15_000  # a widget change shows in the figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_environment(tmp_path) -> dict:
    """The process environment with every Jupyter/IPython folder inside tmp_path."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "IPYTHON", "JPY_"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        (tmp_path / name.lower()).mkdir()
        env[name] = str(tmp_path / name.lower())
    # no "get notified about Jupyter news?" toast over the widgets (user settings live in the config dir)
    settings = tmp_path / "jupyter_config_dir" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return env


def wait_for_server(process, url: str, token: str, log) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {process.returncode} before it served:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer on {url} within {SERVER_START_S} s:\n{log.read_text()}")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a free local port; yields (base url, token); shut down after."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.port_retries=0", "--ServerApp.terminals_enabled=False",
        # nothing leaves the machine: no news feed, no update check, no PyPI extension search
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:  # containers often run as root; the server refuses root by default
        command.append("--ServerApp.allow_root=True")
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=root, env=lab_environment(tmp_path), stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(process, url, token, log)
        yield url, token
    finally:
        process.terminate()  # SIGTERM: the server shuts its kernels down and stops
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the server and its kernels
            process.wait(timeout=5)


def cell_errors(page) -> str:
    """The text of any error output in the notebook, to say why the widgets did not come."""
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return "\n".join(errors.all_inner_texts()) or "(no error output in the notebook)"


def test_calculators_notebook_runs_in_jupyterlab_and_responds(lab, browser):
    url, token = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        page.goto(f"{url}/lab/tree/calculators.ipynb?token={token}")
        page.locator(".jp-NotebookPanel").wait_for(timeout=LAB_READY_MS)
        page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for(timeout=LAB_READY_MS)

        # Run > Run All Cells (galata's MenuHelper uses the same labels)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()

        table = page.locator(".sk-costs-table")
        try:
            table.get_by_text("€ 464,25").wait_for(timeout=RUN_ALL_MS)
        except PlaywrightTimeout:
            pytest.fail(f"the costs calculator did not appear within {RUN_ALL_MS // 1000} s after "
                        f"Run All Cells; errors in the notebook:\n{cell_errors(page)}")
        first = table.locator("tr.sk-costs-row[data-index='0']")
        # defaults: 2095 patients -> 154.75 per meeting, 464.25 for three (the source figures)
        assert first.locator("[data-field=fee_per_meeting]").inner_text() == "€ 154,75"
        # the tariff inputs are written the Dutch way, as the table is (no "0.8" beside "€ 0,80")
        assert page.locator(".sk-supplement input").input_value() == "0,80"
        assert page.locator(".sk-fee-per-patient input").input_value() == "0,05"
        assert "€ 0,80 per patiënt" in table.inner_text()

        # the first practice grows to 4000 patients: 50 + 0.05 x 4000 = 250.00 per meeting,
        # 750.00 a year, supplement 0.80 x 4000 = 3200.00
        patients = page.locator(".sk-patients-0 input")
        patients.fill("4000")
        patients.press("Enter")
        fee = first.locator("[data-field=fee_per_meeting]")
        fee.get_by_text("€ 250,00").wait_for()
        assert first.locator("[data-field=fee_per_year]").inner_text() == "€ 750,00"
        assert first.locator("[data-field=supplement_per_year]").inner_text() == "€ 3.200,00"
        assert table.get_by_text("€ 464,25").count() == 0

        # one meeting more (slider, keyboard): 4 x 250.00 = 1000.00 a year
        page.locator(".sk-meetings .noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        first.locator("[data-field=fee_per_year]").get_by_text("€ 1.000,00").wait_for()

        # the care-cost what-if responds too: towards 100 instead of the group median
        whatif = page.locator(".sk-whatif")
        assert "geen beloofde besparing" in whatif.inner_text()
        page.locator(".sk-target button", has_text="100 (landelijk)").click()
        whatif.get_by_text("(index 100)").wait_for()
    finally:
        context.close()
