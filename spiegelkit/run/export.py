"""The HTML handout from an executed notebook, made with nbconvert and our own template.

The ``spiegelkit`` template extends JupyterLab's and drops everything that would load from
the network (require.js, MathJax, Mermaid, widget scripts): the handout is one
self-contained file, readable offline. Code cells and prompts are hidden.
"""

from __future__ import annotations

import threading
from pathlib import Path

import nbformat
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.exporters import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from spiegelkit.outputs import write_text
from spiegelkit.paths import NBCONVERT_TEMPLATES as TEMPLATE_DIR


class HandoutExporter(HTMLExporter):
    """nbconvert's HTML exporter without the BeautifulSoup pass it ends with.

    That pass re-parses the finished page only to give images without alt text a
    placeholder and to make code cells and outputs focusable. Every chart of a handout
    has its own alt text and a handout shows no code; re-parsing its 13,000 tags took
    a third of the export time of a group.

    Public API only: the filters that ``HTMLExporter.from_notebook_node`` registers, then
    ``TemplateExporter.from_notebook_node``, which prepares the resources (with
    HTMLExporter's own preparation) and renders the template. The widget filter is given
    this notebook's metadata directly. ``tests/test_jupyter_internals.py`` checks that the
    result is HTMLExporter's page before its BeautifulSoup pass.
    """

    MARKDOWN_KEPT = 512  # texts: a notebook's markdown cells, for all handouts of a batch

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._markdown_kept: dict[tuple[str, str], str] = {}

    def from_notebook_node(self, nb, resources=None, **kw):
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata={"": nb.metadata}, parent=self))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    @pass_context
    def markdown2html(self, context, source):
        """HTMLExporter's markdown filter, its HTML kept per text and notebook folder: the
        handouts of a group show the same markdown cells, and rendering them was a fifth of
        a version's export. A cell with attachments is rendered every time."""
        if context.get("cell", {}).get("attachments"):
            return super().markdown2html(context, source)
        kept = self._markdown_kept
        key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
        if key not in kept:
            if len(kept) >= self.MARKDOWN_KEPT:
                kept.clear()
            kept[key] = super().markdown2html(context, source)
        return kept[key]


def html_exporter() -> HTMLExporter:
    exporter = HandoutExporter(template_name="spiegelkit", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.language_code = "nl"
    exporter.embed_images = True
    exporter.optimistic_validation = True  # the notebook is checked once, not after each step
    return exporter


def notebook_to_html(notebook: nbformat.NotebookNode, title: str) -> str:
    notebook.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(notebook)
    return body


def with_stable_cell_ids(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give papermill's injected parameters cell a fixed id instead of a random one, so
    that the same group gives the same handout, byte for byte."""
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    return notebook


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
