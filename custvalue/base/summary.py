"""A single summary object that prints as text and renders as HTML in Jupyter."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from ..exceptions import DataError

__all__ = ["Summary"]


class Summary:
    """Summary of a fitted model: a header of fit statistics and one or more tables.

    ``print(summary)`` gives plain text; Jupyter renders ``_repr_html_`` as tables.

    Parameters
    ----------
    title : str
        Heading.
    info : sequence of (str, object)
        Fit statistics shown as ``label  value`` lines (floats with 6 significant digits).
    tables : sequence of (str, pandas.DataFrame)
        Named tables shown after the header.
    notes : sequence of str, optional
        Lines printed at the end as ``Note: ...``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.base import Summary
    >>> s = Summary("Demo", [("Customers", 3)], [("Parameters", pd.DataFrame({"estimate": [0.5]}, index=["r"]))])
    >>> print(s)
    Demo
    ========================================
    Customers  3
    <BLANKLINE>
    Parameters
    --------------------
       estimate
    r       0.5
    """

    def __init__(self, title: str, info: Sequence[tuple[str, object]],
                 tables: Sequence[tuple[str, pd.DataFrame]], notes: Sequence[str] = ()):
        for name, rows, kind in (("info", info, "(label, value)"), ("tables", tables, "(name, DataFrame)")):
            if isinstance(rows, (str, bytes)) or not all(
                    isinstance(r, (tuple, list)) and len(r) == 2 for r in rows):
                raise DataError(f"{name} must be a sequence of {kind} pairs; received {rows!r}.")
        bad = [name for name, t in tables if not isinstance(t, pd.DataFrame)]
        if bad:
            raise DataError(f"tables must pair each name with a pandas DataFrame; not a DataFrame: {bad}.")
        self.title = title
        self.info = list(info)
        self.tables = list(tables)
        self.notes = list(notes)

    @staticmethod
    def _fmt(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    def as_text(self) -> str:
        """The summary as plain text (what ``print`` shows).

        Returns
        -------
        str

        Examples
        --------
        >>> from custvalue.base import Summary
        >>> Summary("Demo", [("Customers", 3), ("Log-likelihood", -1.5)], []).as_text().splitlines()[2:]
        ['Customers       3', 'Log-likelihood  -1.5']
        """
        lines = [self.title, "=" * max(len(self.title), 40)]
        width = max((len(k) for k, _ in self.info), default=0)
        lines += [f"{k:<{width}}  {self._fmt(v)}" for k, v in self.info]
        for name, table in self.tables:
            lines += ["", name, "-" * max(len(name), 20),
                      table.to_string(float_format=lambda x: f"{x:.6g}")]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def as_html(self) -> str:
        """The summary as HTML tables (what Jupyter renders).

        Returns
        -------
        str

        Examples
        --------
        >>> from custvalue.base import Summary
        >>> Summary("Demo", [("Customers", 3)], []).as_html().splitlines()[0]
        '<h4>Demo</h4>'
        """
        info = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(self._fmt(v))}</td></tr>"
            for k, v in self.info
        )
        parts = [f"<h4>{html.escape(self.title)}</h4>", f"<table>{info}</table>"]
        for name, table in self.tables:
            parts.append(f"<p><b>{html.escape(name)}</b></p>")
            parts.append(table.to_html(float_format=lambda x: f"{x:.6g}"))
        parts += [f"<p><i>Note: {html.escape(n)}</i></p>" for n in self.notes]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.as_html()
