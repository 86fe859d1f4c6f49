"""The HTML rendering of an executed report notebook: code hidden, nothing loaded from the network.

`render_html` renders a notebook as one self-contained page in a few lines of house style;
`remote_resources` finds anything in a page that would make a browser fetch from the network
(a rendering with any is refused). Both are also importable from `workbench.runs.report`.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter

from workbench.errors import WorkbenchError

__all__ = ["remote_resources", "render_html"]

# The lab template's cells inside a page of our own: no script tags (the stock page loads
# require.js, MathJax, mermaid and the widget manager from a CDN) and a few lines of house style
# instead of JupyterLab's 250 kB theme, so the report opens offline and stays small.
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.8rem}h2{font-size:1.35rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #bbb;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#eef2f6}td.num{text-align:right;
font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:0 .2rem}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem}
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]{background:#fdd}
img,svg{max-width:100%;height:auto}a.anchor-link{display:none}
"""
_OFFLINE_TEMPLATE = (
    """{%- extends 'lab/base.html.j2' -%}
{%- block header -%}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ nb.metadata.get('title', resources['metadata']['name']) | escape_html }}</title>
<style>"""
    + _STYLE
    + """</style></head>
{%- endblock header -%}
{%- block body_header -%}<body><main>{%- endblock body_header -%}
{%- block body_footer -%}</main></body>{%- endblock body_footer -%}
{%- block footer -%}</html>{%- endblock footer -%}
"""
)
# What would make a reader's browser fetch something: a script, stylesheet, image or font
# from http(s) or a protocol-relative address. Plain links (<a href>) fetch nothing.
_REMOTE = re.compile(
    r"""<(?:script|img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<(?:link|image|use)\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def remote_resources(html: str) -> list[str]:
    """Every place in `html` that would load something over the network (empty when offline).

    Examples
    --------
    >>> remote_resources('<script src="https://cdn.example/x.js"></script><a href="https://a.b">')
    ['<script src="https://']
    """
    return [match.group(0) for match in _REMOTE.finditer(html)]


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook as self-contained HTML with the code and prompts hidden."""
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"workbench_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="workbench_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    remote = remote_resources(body)
    if remote:
        raise WorkbenchError(
            f"The HTML rendering of {notebook.name} would load {remote[0]!r} from the network; "
            "reports must open offline. Render charts as SVG or PNG instead."
        )
    target.write_text(body, encoding="utf-8")
    return target
