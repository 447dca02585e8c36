"""Every use of another library's private API, in one place, pinned to the versions it works with.

spiegelkit keeps kernels warm and resets them between groups; for that it reaches past
the public API of some libraries. Each reach is one function here, and
``tests/test_jupyter_internals.py`` checks both that the installed versions are within
:data:`SUPPORTED` and that each access still works. When a test fails after an upgrade,
this module is the only one to adapt.

- **jupyter_client**: the process of a local kernel (``km.provisioner.process``): the
  watchdog sends it SIGINT and kills it; ``pid`` is public on the provisioner, the
  ``Popen`` is not.
- **ipykernel**: the error of a cell as the kernel's shell sends it to its client
  (``ZMQInteractiveShell._showtraceback``), to keep it as the cell's output when the kernel
  runs a notebook's cells itself (:mod:`spiegelkit.run.cells`).
- **pandas**: the names of all registered options (``pandas._config.config``), to put
  them back as a new kernel has them.
- **IPython**: a reset of the namespace without the garbage collection that the flush of
  its output cache runs (``displayhook.do_full_cache``): the engine collects once, after
  the whole reset, instead of twice (a third of a reset's time, five resets per group);
  and the cells' input history that such a reset keeps (``history_manager``'s lists and
  caches), so that a reset kernel has ``In == [""]`` as a new one.

nbconvert needs none: :class:`spiegelkit.run.export.HandoutExporter` uses its public API
only (see there).
"""

from __future__ import annotations

import contextlib
import re
from importlib.metadata import version

# distribution -> (lowest, first unsupported) version; the accesses below are checked on these
SUPPORTED = {
    "jupyter_client": ("8.6", "9"),
    "ipykernel": ("6.29", "8"),
    "pandas": ("2.2", "4"),
    "ipython": ("8.20", "10"),
}


def installed_versions() -> dict[str, str]:
    return {name: version(name) for name in SUPPORTED}


def unsupported_versions() -> dict[str, str]:
    """The installed libraries whose version lies outside :data:`SUPPORTED` (name -> version)."""
    return {name: found for name, found in installed_versions().items()
            if not _numbers(SUPPORTED[name][0]) <= _numbers(found) < _numbers(SUPPORTED[name][1])}


def _numbers(text: str) -> tuple[int, ...]:
    """'0.10.2' -> (0, 10, 2); a pre-release counts as its release ('3.0.0rc1' -> (3, 0, 0))."""
    return tuple(int(n) for n in re.match(r"\d+(?:\.\d+)*", text).group().split("."))


def kernel_process(km):
    """The ``subprocess.Popen`` of a kernel started by a jupyter_client kernel manager with
    its local provisioner (None before the start and after the end)."""
    provisioner = km.provisioner
    return None if provisioner is None else provisioner.process


@contextlib.contextmanager
def errors_to(shell, record):
    """Within it, a failing cell's error goes to ``record(etype, evalue, traceback_lines)``
    instead of to the kernel's client; the lines are IPython's traceback, coloured as the
    shell colours it for a client."""
    shell._showtraceback = record
    try:
        yield
    finally:
        del shell._showtraceback  # the shell's own method again


def pandas_option_names() -> list[str]:
    """Every registered pandas option that is not deprecated (pandas lists them nowhere
    public; ``describe_option`` only prints them)."""
    from pandas._config import config

    return [key for key in config._registered_options if key not in config._deprecated_options]


def reset_without_collecting(shell) -> None:
    """``shell.reset(new_session=False)`` without the ``gc.collect()`` of IPython's output
    cache flush (``DisplayHook.flush``), for the caller to collect once afterwards. What
    the flush clears is cleared all the same: the ``_1``, ``_2`` ... names by the reset of
    the namespace, ``Out`` by the reset of the history; the hook's own references to the
    last three results are dropped here."""
    hook = shell.displayhook
    for name in ("_", "__", "___"):
        setattr(hook, name, "")
    full, hook.do_full_cache = hook.do_full_cache, 0
    try:
        shell.reset(new_session=False)
    finally:
        hook.do_full_cache = full


def forget_inputs(history) -> None:
    """Forget the cells run so far, as a new kernel has none (``In == [""]``).

    ``reset(new_session=False)`` keeps them, and a kernel with its history in memory (as the
    engine starts it) writes none of them out, so they piled up: some 12 KB per handout,
    75 MB over the 6,280 handouts of a national run."""
    history.input_hist_parsed[:] = [""]
    history.input_hist_raw[:] = [""]
    with history.db_input_cache_lock:
        history.db_input_cache.clear()
    with history.db_output_cache_lock:
        history.db_output_cache.clear()
