"""The private APIs spiegelkit uses (spiegelkit.run.jupyter_internals): the installed versions
are those the adapter supports, and each private access still does what it is used for."""

import copy
import re
import warnings

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from spiegelkit.run import jupyter_internals
from spiegelkit.run.export import HandoutExporter


def test_the_installed_libraries_are_within_the_supported_versions():
    assert jupyter_internals.unsupported_versions() == {}, (
        f"installed {jupyter_internals.installed_versions()}, supported "
        f"{jupyter_internals.SUPPORTED}: check the accesses in spiegelkit/run/jupyter_internals.py "
        "against the new versions, then widen SUPPORTED")


def test_version_numbers_compare_as_numbers():
    numbers = jupyter_internals._numbers
    assert numbers("0.10.2") > numbers("0.9") and numbers("0.12") >= numbers("0.12")
    assert numbers("3.0.0rc1") == (3, 0, 0)


def test_the_pandas_option_names_are_every_settable_option_and_none_deprecated():
    names = jupyter_internals.pandas_option_names()
    assert {"display.max_rows", "display.precision", "mode.copy_on_write"} & set(names) >= \
        {"display.max_rows", "display.precision"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated option would warn when read
        values = {name: pd.get_option(name) for name in names}
    assert len(values) == len(names) > 50


@pytest.fixture
def shell():
    """An IPython shell in this process, and the process as it was afterwards: IPython makes
    its namespace the ``__main__`` module (which Dask's worker processes start from)."""
    import sys

    from IPython.core.interactiveshell import InteractiveShell

    saved = sys.modules["__main__"], sys.displayhook, sys.excepthook
    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()
    sys.modules["__main__"], sys.displayhook, sys.excepthook = saved


def test_a_reset_without_collecting_clears_what_a_reset_clears_and_collects_nothing(shell, monkeypatch):
    import gc

    shell.run_cell("x = [1, 2, 3]", store_history=True)
    shell.run_cell("x", store_history=True)  # a result: in Out, _ and _2
    assert shell.user_ns["_2"] == [1, 2, 3] and shell.displayhook._ == [1, 2, 3]
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(a) or 0)
    jupyter_internals.reset_without_collecting(shell)
    assert collections == []
    assert "x" not in shell.user_ns and "_2" not in shell.user_ns and shell.user_ns["Out"] == {}
    assert shell.displayhook._ == shell.displayhook.__ == shell.displayhook.___ == ""
    assert shell.displayhook.do_full_cache  # the cache itself stays on, as in a new kernel
    monkeypatch.undo()
    shell.run_cell("y = 1", store_history=True)
    shell.run_cell("y", store_history=True)
    assert shell.user_ns["Out"] and shell.displayhook._ == 1


@pytest.mark.e2e
def test_the_process_of_a_running_kernel_and_the_errors_its_shell_sends():
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        process = jupyter_internals.kernel_process(km)
        assert process.pid == km.provisioner.pid and process.poll() is None
        sent = []
        reply = kc.execute_interactive("import os; print(os.getpid())", output_hook=sent.append)
        assert reply["content"]["status"] == "ok"
        assert [m["content"]["text"] for m in sent if m["msg_type"] == "stream"] == [f"{process.pid}\n"]
        # a failing cell's error, kept instead of sent: what the shell sends without errors_to
        sent.clear()
        kc.execute_interactive("1 / 0", output_hook=sent.append)
        [error] = [m["content"] for m in sent if m["msg_type"] == "error"]
        sent.clear()
        kc.execute_interactive(
            "from spiegelkit.run.jupyter_internals import errors_to\n"
            "kept = []\n"
            "with errors_to(get_ipython(), lambda *error: kept.append(error)):\n"
            "    get_ipython().run_cell('1 / 0')\n"
            "print(repr((kept[0][0].__name__, str(kept[0][1]), kept[0][2])))\n"
            "get_ipython().run_cell('1 / 0')", output_hook=sent.append)
        [text] = [m["content"]["text"] for m in sent if m["msg_type"] == "stream"]
        cell_number = re.compile(r"In\[\d+\]")  # the cells differ in their number only
        assert cell_number.sub("In[]", text.strip()) == cell_number.sub(
            "In[]", repr((error["ename"], error["evalue"], error["traceback"])))
        assert len([m for m in sent if m["msg_type"] == "error"]) == 1  # the second 1 / 0: sent again
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert jupyter_internals.kernel_process(km) is None or jupyter_internals.kernel_process(km).poll() is not None


def executed_notebook():
    """A notebook with the outputs a handout has: HTML, text, a stream, an image with alt text."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    cell = nbformat.v4.new_code_cell("handout.cover()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/html": '<section><h1>Spiegel</h1><img alt="grafiek" src="data:image/png;base64,AA=="></section>',
            "text/plain": "<Html>"}),
        nbformat.v4.new_output("stream", name="stdout", text="klaar\n"),
    ]
    notebook.cells = [nbformat.v4.new_markdown_cell("## Overzicht"), cell]
    return notebook


def test_the_handout_exporter_gives_nbconverts_page_without_its_beautifulsoup_pass():
    """HandoutExporter uses nbconvert's public API only; its page must be HTMLExporter's
    page before HTMLExporter re-parses it (the re-parse is all that it leaves out)."""
    config = dict(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    notebook = executed_notebook()
    ours = HandoutExporter(**config).from_notebook_node(copy.deepcopy(notebook))[0]
    theirs = HTMLExporter(**config).from_notebook_node(copy.deepcopy(notebook))[0]
    soup = BeautifulSoup(ours, features="html.parser")  # what HTMLExporter does after rendering
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = "No description has been provided for this image"
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper, .jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"
    assert str(soup) == theirs
    assert "<h1>Spiegel</h1>" in ours and "klaar" in ours
