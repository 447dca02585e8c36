"""What the papermill path costs a group handout: the same handout made two ways in one warm
kernel, one right after the other, for groups of the national demo set.

    .venv/bin/python bench/protocol.py [--groups 20]

1. through papermill, as a batch makes every group handout (``WarmKernel.run_notebook``):
   papermill parameterises the notebook, its engine ``spiegelkit-warm`` hands the cells to
   the kernel in one request and takes their outputs back, papermill writes the executed
   notebook, then the handout is exported and its downloads written (until 2 December 2026
   nbclient sent the cells one by one: 116 ms more per group);
2. the cells run inside the kernel, as a batch makes the per-practice versions
   (``WarmKernel.make_versions`` with ``focus_agb`` None): no messages per cell, no
   notebook written.

The two ways alternate which goes first; the figure that counts is the one made first for
its group (the second finds the group's analysis and chart marks kept). Both give the same
handout, byte for byte, which the script checks. Prints wall milliseconds per group.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batch as groupbench  # noqa: E402  bench/batch.py: the national demo set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20, help="groups to time (default 20)")
    args = parser.parse_args()

    from spiegelkit.inputs.group import load_group
    from spiegelkit.outputs import write_text
    from spiegelkit.render.downloads import write_embedded_downloads
    from spiegelkit.run.batch import GROUP_NOTEBOOK, notebook_parameters
    from spiegelkit.run.engine import shutdown_kernels, thread_kernel
    from spiegelkit.run.export import handout_html, with_stable_cell_ids

    paths = groupbench.national_params()[:args.groups + 1]  # the first pays the imports
    out = groupbench.RESULTS / "protocol"
    shutil.rmtree(out, ignore_errors=True)
    (out / "papermill").mkdir(parents=True)
    (out / "kernel").mkdir()
    kernel, cwd = thread_kernel(), GROUP_NOTEBOOK.parent
    first: dict[str, list[float]] = {"papermill": [], "kernel": []}
    for n, path in enumerate(paths):
        group = load_group(path)
        title = f"Spiegelbijeenkomst {group.params.group_name}"
        order = ("papermill", "kernel") if n % 2 else ("kernel", "papermill")
        for way in order:
            started = time.perf_counter()
            target = out / way / group.group_id / "handout.html"
            target.parent.mkdir(exist_ok=True)
            if way == "papermill":
                done = kernel.run_notebook(GROUP_NOTEBOOK, target.with_suffix(".ipynb"),
                                           notebook_parameters(group), cwd)
                html = handout_html(with_stable_cell_ids(done), title)
                write_embedded_downloads(html, target.parent)
                write_text(target, html)
            else:
                kernel.make_versions(GROUP_NOTEBOOK, [notebook_parameters(group)], [target], title, cwd)
            if n and way == order[0]:
                first[way].append(time.perf_counter() - started)
    shutdown_kernels()
    same = sum((out / "papermill" / p.stem / "handout.html").read_bytes()
               == (out / "kernel" / p.stem / "handout.html").read_bytes() for p in paths)
    pm, ik = (statistics.median(first[w]) * 1000 for w in ("papermill", "kernel"))
    print(f"group handout, made first for its group ({args.groups} groups, one warm kernel): "
          f"through papermill {pm:.0f} ms, cells in the kernel {ik:.0f} ms "
          f"({pm - ik:.0f} ms for papermill)")
    print(f"the same handout both ways: {same} of {len(paths)}")


if __name__ == "__main__":
    main()
