"""A single summary object that prints as text and renders as HTML in Jupyter."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
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
    tables : sequence of (str, pandas.DataFrame), optional
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
                 tables: Sequence[tuple[str, pd.DataFrame]] = (), notes: Sequence[str] = ()):
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
        """The summary as HTML tables (what Jupyter renders for every results object).

        The same content and number format as :meth:`as_text` (floats with 6 significant
        digits); every label, cell and note is HTML-escaped, so names such as ``"S -> L"`` or
        ``"<10"`` display as written.

        Returns
        -------
        str
            A ``<div>`` holding the title, a table of the header statistics, each named table
            and the notes.

        Examples
        --------
        >>> from custvalue.base import Summary
        >>> Summary("Demo", [("Customers", 3)], []).as_html().splitlines()[1]
        '<h4>Demo</h4>'
        """
        info = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(self._fmt(v))}</td></tr>"
            for k, v in self.info
        )
        parts = ["<div class='custvalue-summary'>", f"<h4>{html.escape(self.title)}</h4>"]
        if info:
            parts.append(f"<table>{info}</table>")
        for name, table in self.tables:
            parts.append(f"<p><b>{html.escape(name)}</b></p>")
            parts.append(table.to_html(float_format=lambda x: f"{x:.6g}", escape=True))
        parts += [f"<p><i>Note: {html.escape(n)}</i></p>" for n in self.notes]
        parts.append("</div>")
        return "\n".join(parts)

    def as_line(self, width: int = 120) -> str:
        """The title and header statistics on one line, ``<title: label=value, ...>``.

        The short ``repr`` of every results object; floats have 6 significant digits, as in
        :meth:`as_text`, and a line longer than ``width`` characters is cut and ends in
        ``...>``. The tables and notes are left out (they are in :meth:`as_text`).

        Parameters
        ----------
        width : int, default 120
            Longest line returned (at least 10 characters).

        Returns
        -------
        str

        Examples
        --------
        >>> from custvalue.base import Summary
        >>> Summary("BetaGeoResults", [("nobs", 2357.0), ("llf", -9582.4292), ("converged", True)]).as_line()
        '<BetaGeoResults: nobs=2357, llf=-9582.43, converged=True>'
        """
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 10:
            raise DataError(f"width must be a whole number of characters >= 10; received {width!r}.")
        fields = ", ".join(f"{k}={self._fmt(v)}" for k, v in self.info)
        line = f"<{self.title}: {fields}>" if fields else f"<{self.title}>"
        line = " ".join(line.split())  # one line whatever the labels hold
        return line if len(line) <= width else line[:width - 4] + "...>"

    def __str__(self) -> str:
        return self.as_text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.as_html()
