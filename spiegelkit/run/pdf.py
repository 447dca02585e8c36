"""PDFs of the handouts and verslagen: the same HTML, printed on A4 by headless Chromium.

The PDF is made from the very HTML file beside it, with its print CSS (``@page`` A4,
section breaks, tables that fit the page), so paper, PDF and screen cannot disagree.
Chromium is driven by Playwright and must be a browser already on the machine (Debian's
``chromium``, or the one ``playwright install chromium`` downloads); nothing is fetched
while printing. Each PDF is written under a temporary name and moved into place.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from spiegelkit.outputs import atomic_path

CHROMIUM_ENV = "SPIEGELKIT_CHROMIUM"  # the path of a Chromium or Chrome to print with
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
HOW_TO_GET_CHROMIUM = (
    "PDFs are printed by Chromium, and none was found. Install one of:\n"
    "  - Debian/Ubuntu: sudo apt-get install chromium   (or: make browser)\n"
    "  - any system: .venv/bin/playwright install chromium\n"
    f"or set {CHROMIUM_ENV} to the path of a Chromium or Chrome, then run the command again.")


class PdfEngineMissing(RuntimeError):
    """No Chromium (or no Playwright) to print PDFs with; the message says how to get one."""


def find_chromium() -> str | None:
    """The Chromium to print with: ``$SPIEGELKIT_CHROMIUM``, else the first Chromium or
    Chrome on the PATH, else None (then Playwright's own download is tried, if any)."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return chosen if Path(chosen).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def pdf_path(html: Path) -> Path:
    """``handout.html`` -> ``handout.pdf``, in the same folder."""
    return Path(html).with_suffix(".pdf")


def _launch(playwright):
    executable = find_chromium()
    if os.environ.get(CHROMIUM_ENV) and executable is None:
        raise PdfEngineMissing(f"{CHROMIUM_ENV}={os.environ[CHROMIUM_ENV]} does not exist.\n"
                               + HOW_TO_GET_CHROMIUM)
    try:
        return playwright.chromium.launch(executable_path=executable, headless=True,
                                          args=CHROMIUM_ARGS)
    except Exception as exc:  # Playwright says "Executable doesn't exist" in many words
        raise PdfEngineMissing(f"{HOW_TO_GET_CHROMIUM}\n(Chromium did not start: "
                               f"{str(exc).strip().splitlines()[0]})") from exc


def check_pdf_engine() -> None:
    """Raise :class:`PdfEngineMissing` now, before a batch starts, when PDFs cannot be made."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise PdfEngineMissing("PDFs need the Python package playwright: pip install playwright "
                               "(make env installs it).") from exc
    if os.environ.get(CHROMIUM_ENV) and find_chromium() is None:
        raise PdfEngineMissing(f"{CHROMIUM_ENV}={os.environ[CHROMIUM_ENV]} does not exist.\n"
                               + HOW_TO_GET_CHROMIUM)
    if find_chromium() is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            if not Path(playwright.chromium.executable_path).exists():
                raise PdfEngineMissing(HOW_TO_GET_CHROMIUM)


def write_pdfs(html_files: Iterable[Path]) -> list[Path]:
    """Print each HTML file to A4 PDF beside it (``x.html`` -> ``x.pdf``), atomically, with
    one browser for all of them. Returns the PDFs written."""
    html_files = [Path(f) for f in html_files]
    if not html_files:
        return []
    check_pdf_engine()
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page()
            page.emulate_media(media="print")
            # nothing leaves the machine: the files are self-contained
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            for html in html_files:
                target = pdf_path(html)
                page.goto(html.resolve().as_uri(), wait_until="load")
                with atomic_path(target) as tmp:
                    page.pdf(path=str(tmp), format="A4", print_background=True,
                             prefer_css_page_size=True)
                written.append(target)
        finally:
            browser.close()
    return written
