"""The HTML handout from an executed notebook, made with nbconvert and our own template.

The ``spiegelkit`` template extends JupyterLab's and drops everything that would load from
the network (require.js, MathJax, Mermaid, widget scripts): the handout is one
self-contained file, readable offline. Code cells and prompts are hidden.
"""

from __future__ import annotations

import threading
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from spiegelkit.outputs import write_text

TEMPLATE_DIR = Path(__file__).parent / "templates" / "nbconvert"


def html_exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="spiegelkit", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.language_code = "nl"
    exporter.embed_images = True
    return exporter


def notebook_to_html(notebook: nbformat.NotebookNode, title: str) -> str:
    notebook.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(notebook)
    return body


_thread = threading.local()


def handout_html(notebook: nbformat.NotebookNode, title: str) -> str:
    """Like :func:`notebook_to_html`, with one exporter per thread, made on first use:
    building an exporter loads and compiles its templates, which a batch pays once."""
    if not hasattr(_thread, "exporter"):
        _thread.exporter = html_exporter()
    notebook.metadata["title"] = title
    body, _ = _thread.exporter.from_notebook_node(notebook)
    return body


def export_handout(notebook_path: Path, html_path: Path, title: str) -> Path:
    """Write the handout for an executed notebook, atomically."""
    notebook = nbformat.read(notebook_path, as_version=4)
    write_text(html_path, notebook_to_html(notebook, title))
    return html_path
