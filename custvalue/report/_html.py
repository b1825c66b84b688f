"""HTML building blocks of the report: one self-contained page (inline CSS, images as data
URIs, no scripts, nothing fetched), tables with one header row and formatted numbers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #ccc;padding-bottom:.2em}
h3{margin-top:1.2em;font-size:1.05em}
table{border-collapse:collapse;margin:.6em 0 1em 0;font-size:.92em}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
th{background:#f3f3f3;font-weight:600} td.l,th.l{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em;margin:.6em 0}
.reading{background:#eef5fb;border-left:4px solid #3b82c4;padding:.4em .8em;margin:.6em 0}
.small{color:#555;font-size:.9em} code{background:#f3f3f3;padding:0 .2em;white-space:nowrap}
"""

Formatter = Callable[[Any], str]


def esc(text: Any) -> str:
    return html.escape(str(text))


def fmt_int(v: Any) -> str:
    return f"{float(v):,.0f}"


def fmt_money(v: Any) -> str:
    return f"{float(v):,.2f}"


def fmt_pct(v: Any) -> str:
    return f"{100.0 * float(v):.1f}%"


def fmt_prob(v: Any) -> str:
    return f"{float(v):.3f}"


def fmt_num(v: Any) -> str:
    v = float(v)
    if not np.isfinite(v):
        return "n/a"
    return f"{v:,.1f}" if abs(v) >= 1000 else f"{v:.4g}"


def fmt_text(v: Any) -> str:
    return str(v)


def table(df: pd.DataFrame, formats: Mapping[str, Formatter], *, headers: Mapping[str, str] | None = None,
          index_header: str | None = None, caption: str | None = None) -> str:
    """One header row (the index gets a named column), every cell formatted by its column."""
    headers = dict(headers or {})
    cols = list(formats)
    head = [f"<th class='l'>{esc(index_header if index_header is not None else (df.index.name or ''))}</th>"]
    head += [f"<th{' class=' + chr(39) + 'l' + chr(39) if formats[c] is fmt_text else ''}>{esc(headers.get(c, c))}</th>"
             for c in cols]
    body = []
    for label, row in df.iterrows():  # report tables have a handful of rows
        cells = [f"<td class='l'>{esc(label)}</td>"]
        for c in cols:
            v = row[c]
            text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else formats[c](v)
            cls = " class='l'" if formats[c] is fmt_text else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(b64: str, alt: str) -> str:
    return f"<img alt='{esc(alt)}' src='data:image/png;base64,{b64}'/>"


_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def options(markup: str) -> str:
    """Command-line options (``--model``) as code that does not break across lines."""
    return _OPTION.sub(r"<code>\1</code>", markup)


def reading(text: str) -> str:
    """A plain-language reading of the numbers above it (text is escaped)."""
    return f"<p class='reading'><b>Reading:</b> {options(esc(text))}</p>"


def note(text: str) -> str:
    return f"<p class='note'>{options(esc(text))}</p>"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 customer"``, ``"2 customers"`` (thousands separated)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
