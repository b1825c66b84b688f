"""Customer-indexed predictions shared by every transaction (purchase-count) model.

Each model's kernel module provides ``p_alive``, ``conditional_expected_purchases``,
``expected_purchases_new_customer`` and ``probability_of_purchases`` with the model's
parameters first and ``(x, t_x, T)`` last; this mixin maps the results' parameters and the
user's data onto them and returns pandas objects indexed by customer.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, check_counts, check_positive_scalar

__all__ = ["TransactionResultsMixin"]


def _horizons(horizon: Any) -> np.ndarray:
    h = as_float_array(horizon, "horizon")
    if (h < 0).any():
        raise ValueError(f"horizon must be >= 0; received {horizon!r}.")
    return h


class TransactionResultsMixin:
    """Predictions of a fitted purchase-count model (BG/NBD, Pareto/NBD, MBG/NBD...)."""

    kernel: ModuleType

    def _theta(self) -> list[float]:
        return [float(v) for v in self.params.to_numpy()]  # type: ignore[attr-defined]

    def _customer_arrays(self, data: pd.DataFrame | None, columns: dict[str, Any]):
        arrays, index = self._rows(data, columns)  # type: ignore[attr-defined]
        cols = type(self.model).data_columns  # type: ignore[attr-defined]
        return [arrays[c] for c in cols], index

    def p_alive(self, data: pd.DataFrame | None = None, **columns: Any) -> pd.Series:
        """P(alive | history) per customer.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            Customers with the model's columns (``frequency``, ``recency``, ``T``).
        **columns
            The same columns as keyword arrays.

        Returns
        -------
        pandas.Series
            Probabilities in [0, 1] indexed like ``data``.
        """
        args, index = self._customer_arrays(data, columns)
        return self._series(self.kernel.p_alive(*self._theta(), *args), index, "p_alive")  # type: ignore[attr-defined]

    def expected_purchases(self, data: pd.DataFrame | None = None, *, horizon: Any,
                           **columns: Any) -> pd.Series | pd.DataFrame:
        """Expected purchases in the next ``horizon`` time units, given each customer's history.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            Customers with the model's columns.
        horizon : float or array-like
            Length of the future period, in the units of ``recency`` and ``T``. An array
            gives one column per horizon.
        **columns
            The model's columns as keyword arrays.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Indexed like ``data``.
        """
        args, index = self._customer_arrays(data, columns)
        h = _horizons(horizon)
        theta = self._theta()
        vals = self.kernel.conditional_expected_purchases(h[None, :], *theta,
                                                          *(a[:, None] for a in args))
        if np.ndim(horizon) == 0:
            return self._series(vals[:, 0], index, "expected_purchases")  # type: ignore[attr-defined]
        out = pd.DataFrame(vals, index=index, columns=pd.Index(h, name="horizon"))
        if index is None:
            out.index.name = "customer_id"
        return out

    def expected_purchases_new_customer(self, horizon: Any) -> float | pd.Series:
        """Expected purchases of a newly acquired customer over ``horizon`` (unconditional).

        Returns a float for a scalar horizon, else a Series indexed by horizon.
        """
        h = _horizons(horizon)
        vals = self.kernel.expected_purchases_new_customer(h, *self._theta())
        if np.ndim(horizon) == 0:
            return float(vals[0])
        return pd.Series(vals, index=pd.Index(h, name="horizon"), name="expected_purchases")

    def probability_of_purchases(self, n: Any, horizon: float) -> float | pd.Series:
        """P(X(horizon) = n) for a newly acquired customer.

        Parameters
        ----------
        n : int or array-like of int
            Number(s) of purchases.
        horizon : float
            Length of the period.

        Returns
        -------
        float or pandas.Series
            A float for scalar ``n``, else a Series indexed by ``n``.
        """
        nn = check_counts(as_float_array(n, "n"), "n")
        t = check_positive_scalar(horizon, "horizon")
        vals = self.kernel.probability_of_purchases(nn, t, *self._theta())
        if np.ndim(n) == 0:
            return float(vals[0])
        return pd.Series(vals, index=pd.Index(nn.astype(int), name="n"), name="probability")
