"""What a fresh kernel looks like, remembered once and restored before each notebook.

This module runs inside a long-lived kernel of :mod:`spiegelkit.run.engine`. ``remember``
is called once, right after the kernel started; ``restore`` before every notebook.

Restored, so that a notebook sees what it would see in a new kernel:

- the user namespace (IPython's ``%reset -f``: variables, ``In``/``Out``, ``_`` are
  gone), the cells' input history (``In == [""]``) and the execution count, which starts
  at 1 again;
- matplotlib: every open figure is closed and ``rcParams`` (seaborn's theme lives
  there) are back to those of a new kernel; its inline backend is active from the
  start (in a new kernel it becomes active with the first figure);
- pandas options, warning filters (so a warning shows again, as in a new kernel),
  the working directory, ``sys.path`` and ``os.environ``.

Not restored: the garbage collector's thresholds, set once (``YOUNG_COLLECTION_EVERY``).

Kept, because that is the point of a long-lived kernel: imported modules
(``sys.modules``) and whatever they hold, such as the data-folder cache of
:mod:`spiegelkit.inputs.dataset`, which is keyed by file times. A notebook must therefore not
change module-level state and rely on it; the group notebook does not.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings

import psutil

_fresh: dict = {}


def remember() -> None:
    """Note the state of this (new) kernel; imports matplotlib's pyplot and pandas first,
    so that their settings can be restored and their import is paid once."""
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas

    plt.switch_backend(matplotlib.get_backend())  # as a notebook's first figure does: inline, interactive

    _fresh.update(
        rc=matplotlib.rcParams.copy(),
        pandas={key: pandas.get_option(key) for key in _pandas_options()},
        warnings=list(warnings.filters),
        path=list(sys.path),
        environ=dict(os.environ),
    )
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    collect()  # what is imported now stays: the collection at every reset need not walk it


def restore(cwd: str, collect_cycles: bool = True) -> None:
    """Bring this kernel back to the remembered state, working in `cwd`; then free the last
    notebook's reference cycles (:func:`collect`), unless `collect_cycles` is False: the
    versions of a group, made one right after the other, leave theirs to Python's own
    collections until the next group's notebook (some 7 ms a version)."""
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas
    from IPython import get_ipython

    from spiegelkit.run.jupyter_internals import forget_inputs, reset_without_collecting

    shell = get_ipython()
    if shell is not None:
        reset_without_collecting(shell)  # collect() below does it once for the whole reset
        forget_inputs(shell.history_manager)
        shell.execution_count = 1
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # restoring deprecated settings must not warn
        matplotlib.rcParams.update(_fresh["rc"])
        for key, value in _fresh["pandas"].items():
            if pandas.get_option(key) != value:  # setting all of them takes 0.1 s
                pandas.set_option(key, value)
    warnings.resetwarnings()  # also forgets which warnings were already shown
    warnings.filters.extend(_fresh["warnings"])
    sys.path[:] = _fresh["path"]
    os.environ.clear()
    os.environ.update(_fresh["environ"])
    os.chdir(cwd)
    if collect_cycles:
        collect()


# Python collects its youngest objects every 700 new containers (lists, dicts, ...): some
# 40 times per handout, and what survives is walked again by the older generations. A
# notebook's objects live until the next reset, which collects them (collect()), so the
# kernel collects on its own only after this many new containers: still bounded for a
# cell that makes cycles in a loop, and 10-15% less CPU per practice version (18 national
# groups in one kernel: 96 -> 81 ms of the main thread per version, median).
YOUNG_COLLECTION_EVERY = 50_000
FULL_COLLECTION_GROWTH = 0.1  # resident memory grown by this share: collect all objects once
_resident_after_full = [0]


def collect() -> None:
    """Free the reference cycles the last notebook left (figures, frames), cheaply.

    A full collection walks every object of the kernel, and what a batch keeps in the
    kernel between groups (the groups of a folder for the year's obligations, data, caches)
    makes that 0.3 s per notebook at national size. So what survives a collection is frozen
    (``gc.freeze``): the next collections walk only what the next notebook made. What was
    kept and then let go is freed when its count drops to zero, as usual; only let-go cycles
    among the frozen objects wait for a collection that walks everything, made when the
    kernel's resident memory has grown by ``FULL_COLLECTION_GROWTH`` since the last one, so
    that memory stays flat over a long run. (Until December 2026 that was every 50
    notebooks, and each freed some 400 objects.)
    """
    resident = psutil.Process().memory_info().rss
    if resident > _resident_after_full[0] * (1 + FULL_COLLECTION_GROWTH):
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _resident_after_full[0] = psutil.Process().memory_info().rss
        return
    gc.collect()
    gc.freeze()


def _pandas_options() -> list[str]:
    from spiegelkit.run.jupyter_internals import pandas_option_names

    return pandas_option_names()
