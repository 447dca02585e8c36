import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The end-to-end layer: real kernels, papermill, browsers, JupyterLab, signals and Dask.
# `make test` runs every test, `make test-fast` only the rest (in-process, on small data).
E2E_MODULES = {"test_calculators_lab", "test_engine", "test_handout_browser", "test_manifest",
               "test_methods_notebook", "test_offline_calculator", "test_run"}
E2E_FIXTURES = {"browser", "page"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (item.module.__name__ in E2E_MODULES
                or E2E_FIXTURES & set(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.e2e)
DATA = Path(__file__).parent / "data"
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


DEMO_PARAMS = sorted((ROOT / "params").glob("*.yaml"))


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory):
    """One real batch run of every shipped demo group (papermill, nbconvert), shared by the
    tests that only read its outputs: {group id: GroupResult} and the outputs folder."""
    from spiegelkit.run.batch import run_groups

    out = tmp_path_factory.mktemp("demo-outputs")
    results = {r.group_id: r for r in run_groups(DEMO_PARAMS, out, progress=False)}
    failed = [(g, r.error[-500:]) for g, r in results.items() if r.status != "ok"]
    assert not failed, failed
    return results, out


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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: make test installs it (tests/support/install-chromium.sh)")
        pytest.skip("Chromium is missing: run 'make test' (it installs Debian's chromium) "
                    "or tests/support/install-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every request leaving file:/data: and every console error."""
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    page.outside_requests = []
    page.console_errors = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:"))
            else page.outside_requests.append(r.url))
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()
