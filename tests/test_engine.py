"""The warm kernel: reset between notebooks, IPC sockets, time limit from outside, one retry.

The reference for "reset" is a new kernel: a notebook run in the warm kernel after another
notebook changed its state must see what the same notebook sees in a kernel of its own
(plain papermill).
"""

import json
import time

import nbformat
import papermill
import psutil
import pytest

from spiegelkit.run.engine import NotebookTimeout, WarmKernel

# Changes everything that kernel_state restores, and imports a module nothing else uses.
MESS_UP = """
import os, sys, warnings, colorsys
import matplotlib.pyplot as plt
import pandas as pd
leftover = 1
plt.rcParams["lines.linewidth"] = 7
plt.figure()
pd.set_option("display.max_rows", 3)
os.chdir("/")
os.environ["SPIEGELKIT_LEFTOVER"] = "1"
sys.path.append("/nowhere")
warnings.simplefilter("error")
"""
# What a notebook can see of the state; printed as JSON. (The inline backend of a new kernel
# becomes active with its first figure, a warm kernel's at its start: hence the figure.)
LOOK = """
import json, os, sys, warnings
import matplotlib.pyplot as plt
import pandas as pd
figures = len(plt.get_fignums())
plt.close(plt.figure())
print(json.dumps({
    "leftover": "leftover" in globals(),
    "linewidth": plt.rcParams["lines.linewidth"],
    "backend": plt.get_backend(),
    "interactive": plt.isinteractive(),
    "figures": figures,
    "max_rows": pd.get_option("display.max_rows"),
    "cwd": os.getcwd(),
    "environ": os.environ.get("SPIEGELKIT_LEFTOVER"),
    "nowhere": "/nowhere" in sys.path,
    "warnings": [f[0] for f in warnings.filters[:3]],
    "execution_count": get_ipython().execution_count,
    "inputs": len(In),
}))
"""


def make_notebook(path, *cells, parameters='group_id = "x"'):
    """A notebook with a parameters cell and the given code cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    head = nbformat.v4.new_code_cell(parameters)
    head.metadata["tags"] = ["parameters"]
    notebook.cells = [head] + [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)
    return path


def printed(notebook):
    return "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def kernel():
    kernel = WarmKernel()
    yield kernel
    kernel.shutdown()


def test_a_notebook_sees_a_fresh_kernel_after_another_changed_its_state(kernel, tmp_path):
    mess = make_notebook(tmp_path / "mess.ipynb", MESS_UP)
    look = make_notebook(tmp_path / "look.ipynb", LOOK)
    fresh = papermill.execute_notebook(str(look), str(tmp_path / "fresh.ipynb"), cwd=str(tmp_path),
                                       kernel_name="python3", progress_bar=False)
    kernel.run_notebook(mess, tmp_path / "out1.ipynb", {}, tmp_path)
    warm = kernel.run_notebook(look, tmp_path / "out2.ipynb", {}, tmp_path)
    seen = json.loads(printed(warm))
    assert seen == json.loads(printed(fresh))
    assert seen["leftover"] is False and seen["figures"] == 0 and seen["cwd"] == str(tmp_path)
    assert [c.execution_count for c in warm.cells] == [c.execution_count for c in fresh.cells] == [1, 2]
    # modules stay imported: that is what makes the kernel warm
    check = make_notebook(tmp_path / "check.ipynb", 'import sys\nprint("colorsys" in sys.modules)')
    assert printed(kernel.run_notebook(check, tmp_path / "out3.ipynb", {}, tmp_path)) == "True\n"


def test_a_notebook_error_is_reported_and_the_kernel_kept(kernel, tmp_path):
    broken = make_notebook(tmp_path / "broken.ipynb", 'raise ValueError("deliberate")')
    starts = kernel.starts
    with pytest.raises(papermill.PapermillExecutionError, match="deliberate"):
        kernel.run_notebook(broken, tmp_path / "out.ipynb", {}, tmp_path)
    assert kernel.starts == starts and kernel.is_alive()
    failed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in failed.cells[0].metadata.get("tags", [])  # the banner


def test_the_kernel_talks_over_ipc_sockets_in_a_private_folder(kernel):
    info = kernel.km.get_connection_info()
    assert info["transport"] == "ipc"
    assert kernel.km.connection_file.startswith(str(kernel.folder))
    assert info["ip"].startswith(str(kernel.folder))
    assert kernel.folder.stat().st_mode & 0o777 == 0o700  # only this user (jupyter adds a sticky bit)
    sockets = sorted(p.name for p in kernel.folder.iterdir() if p.is_socket())
    assert len(sockets) == 5  # shell, iopub, stdin, control, heartbeat
    # The one TCP socket left is ipykernel's internal pipe for output of forked subprocesses,
    # which the kernel binds itself with retries: no port is handed over, so none can collide.
    tcp = psutil.Process(kernel.pid).net_connections(kind="inet")
    assert len(tcp) <= 1 and all(c.laddr.ip == "127.0.0.1" for c in tcp)


def test_a_notebook_past_its_time_limit_is_interrupted_retried_once_then_failed(kernel, tmp_path):
    endless = make_notebook(tmp_path / "endless.ipynb", "import time\ntime.sleep(120)")
    starts = kernel.starts
    started = time.monotonic()
    with pytest.raises(NotebookTimeout, match="longer than 1.5 s"):
        kernel.run_notebook(endless, tmp_path / "out.ipynb", {}, tmp_path, timeout=1.5)
    assert kernel.starts == starts + 2  # a fresh kernel for the retry, and one after it
    assert time.monotonic() - started < 40
    assert kernel.is_alive()


def test_a_kernel_deaf_to_the_interrupt_is_killed_and_the_retry_on_a_fresh_kernel_succeeds(
        kernel, tmp_path, monkeypatch):
    # The first attempt ignores SIGINT and hangs; the retry finds the marker and finishes.
    deaf = make_notebook(tmp_path / "deaf.ipynb", """
import pathlib, signal, time
marker = pathlib.Path("attempted")
if not marker.exists():
    marker.touch()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(120)
print("finished")
""")
    monkeypatch.setattr(kernel, "interrupt_grace", 1)
    starts, pid = kernel.starts, kernel.pid
    done = kernel.run_notebook(deaf, tmp_path / "out.ipynb", {}, tmp_path, timeout=1.5)
    assert printed(done) == "finished\n"
    assert kernel.starts == starts + 1 and kernel.pid != pid
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_kernel_killed_between_groups_is_replaced(kernel, tmp_path):
    look = make_notebook(tmp_path / "look.ipynb", 'print("alive")')
    psutil.Process(kernel.pid).kill()
    psutil.Process(kernel.pid).wait(5)
    assert printed(kernel.run_notebook(look, tmp_path / "out.ipynb", {}, tmp_path)) == "alive\n"


# Every kind of output a cell can give, and the cells nbclient treats apart: empty, tagged
# skip-execution, tagged raises-exception; then an error that ends the run and a cell after it.
KINDS = [
    'import sys\nprint("eerste"); print("regel")\nprint("fout", file=sys.stderr)\nx + 1',
    'from IPython.display import HTML, Markdown, display\ndisplay(HTML("<b>vet</b>"))\n'
    'print("na")\ndisplay(Markdown("*schuin*"))\n3;',
    "",
    ("skip-execution", 'print("overgeslagen")'),
    ("raises-exception", 'raise ValueError("mag")'),
    "{'a': [1, 2]}",
    'print("voor de fout")\n1 / 0',
    'print("nooit")',
]


def test_the_warm_engine_records_what_nbclient_records_in_a_kernel_of_its_own(kernel, tmp_path):
    # The reference is plain papermill: nbclient sending each cell to a kernel of its own.
    sources = [kind[1] if isinstance(kind, tuple) else kind for kind in KINDS]
    notebook = make_notebook(tmp_path / "kinds.ipynb", *sources, parameters="x = 1")
    nb = nbformat.read(notebook, as_version=4)
    for cell, kind in zip(nb.cells[1:], KINDS):
        if isinstance(kind, tuple):
            cell.metadata["tags"] = [kind[0]]
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("## Tussenkop"))
    nbformat.write(nb, notebook)
    runs = {}
    for way in ("warm", "plain"):
        with pytest.raises(papermill.PapermillExecutionError) as failed:
            if way == "warm":
                kernel.run_notebook(notebook, tmp_path / "warm.ipynb", {"x": 41}, tmp_path)
            else:
                papermill.execute_notebook(str(notebook), str(tmp_path / "plain.ipynb"), {"x": 41},
                                           kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
        runs[way] = (nbformat.read(tmp_path / f"{way}.ipynb", as_version=4), failed.value)
    (warm, warm_error), (plain, plain_error) = runs["warm"], runs["plain"]
    def what(error):
        return error.ename, error.evalue, error.exec_count
    assert what(warm_error) == what(plain_error) == ("ZeroDivisionError", "division by zero", 7)
    assert len(warm.cells) == len(plain.cells) == 13  # papermill's error banner, injected parameters

    def seen(cell):
        state = cell.metadata.get("papermill", {})
        return (cell.cell_type, cell.source, cell.get("outputs"), cell.get("execution_count"),
                state.get("status"), state.get("exception"), sorted(cell.metadata.get("execution", {})))
    assert [seen(c) for c in warm.cells] == [seen(c) for c in plain.cells]
    assert "eerste\nregel\n" in printed(warm) and "overgeslagen" not in printed(warm)
    assert warm.metadata.language_info == plain.metadata.language_info
    for cell in warm.cells:
        times = cell.metadata.get("papermill", {})
        if times.get("start_time"):
            assert times["start_time"] <= times["end_time"] and times["duration"] >= 0


CYCLES_IN_A_LOOP = """import gc, json, weakref
class Node:
    pass
kept = []
for i in range(200_000):  # four young collections' worth of let-go cycles, made in one cell
    node = Node()
    node.itself = node
    if i % 1000 == 0:
        kept.append(weakref.ref(node))
print(json.dumps({"threshold": gc.get_threshold()[0], "freed": sum(r() is None for r in kept)}))"""


def test_a_warm_kernel_collects_young_objects_less_often_yet_a_cell_making_cycles_stays_bounded(
        kernel, tmp_path):
    from spiegelkit.run.kernel_state import YOUNG_COLLECTION_EVERY

    done = kernel.run_notebook(make_notebook(tmp_path / "cycles.ipynb", CYCLES_IN_A_LOOP),
                               tmp_path / "out.ipynb", {}, tmp_path)
    seen = json.loads(printed(done))
    assert seen["threshold"] == YOUNG_COLLECTION_EVERY > 700
    assert seen["freed"] >= 150  # Python's own collections freed them while the cell ran


def test_let_go_cycles_among_frozen_objects_are_freed_once_the_kernels_memory_grew():
    # kernel_state.collect in this process: what survives a collection is frozen; a cycle let
    # go afterwards waits for the full collection that memory growth of 10% sets off.
    import gc
    import weakref

    from spiegelkit.run import kernel_state

    class Node:
        pass

    try:
        kernel_state.collect()  # a full one first: nothing measured yet in this process
        node = Node()
        node.itself = node
        alive = weakref.ref(node)
        kernel_state.collect()  # node survives and is frozen
        del node
        measured = kernel_state._resident_after_full[0]
        kernel_state._resident_after_full[0] = 2 ** 62  # as if the memory had not grown since
        kernel_state.collect()  # so the frozen objects are not walked
        assert alive() is not None
        kernel_state._resident_after_full[0] = 1024  # as if it had grown by far more than 10%
        kernel_state.collect()
        assert alive() is None
        assert 1024 < kernel_state._resident_after_full[0] < 2 ** 62  # measured anew after it
        assert measured > 0
    finally:
        gc.unfreeze()
