"""Potential value from a fitted ownership model, its baselines, and the customer value
matrix (Verhoef & Donkers 2001, sections 2 and 5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._validation import (align_by_label, align_to_index, as_float_array, as_generator, check_whole_number,
                           describe_rows)
from ..base.results import FrozenMixin
from ..exceptions import DataError
from ..math import ghk
from .mvprobit import MultivariateProbit, MultivariateProbitResults
from .mvprobit.specification import _check_collinearity

__all__ = ["potential_value", "univariate_probits", "ols_potential_value", "value_matrix",
           "ValueMatrix", "plot_value_matrix"]

_ACTIONS = {
    "I": "low current, low potential: cut service costs",
    "II": "low current, high potential: up-sell / cross-sell",
    "III": "high current, low potential: retain",
    "IV": "high current, high potential: keep at all costs",
}


def _margins(margins: Any, products: list[str]) -> np.ndarray:
    J = len(products)
    if isinstance(margins, dict):
        margins = pd.Series(margins)
    if isinstance(margins, pd.Series):
        missing = [p for p in products if p not in margins.index]
        if missing:
            raise DataError(f"margins must give a margin for every product {products}; missing {missing}.")
        margins = margins.loc[products].to_numpy()
    m = as_float_array(margins, "margins")
    if m.shape != (J,):
        raise DataError(f"margins must have one entry per product (J = {J}: {products}); "
                        f"received {m.shape[0]}.")
    return m


def _owned(owned: Any, index: pd.Index, products: list[str]) -> np.ndarray:
    if isinstance(owned, pd.DataFrame):
        missing = [p for p in products if p not in owned.columns]
        if missing:
            raise DataError(f"owned must have a column per product; missing {missing}.")
        owned = align_to_index(owned[products], "owned", index, "data (the scored customers)")
    arr = as_float_array(owned, "owned", index=index, ndim=2)
    if arr.shape != (len(index), len(products)):
        raise DataError(f"owned must have shape ({len(index)}, {len(products)}); received {arr.shape}.")
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        raise DataError("owned must be 0/1; " + describe_rows(bad.any(axis=1), index))
    return arr


def potential_value(results: MultivariateProbitResults, data: Any = None, margins: Any = None,
                    owned: Any = None) -> pd.DataFrame:
    """Potential value ``PV_i = sum_j P(y_ij = 1) m_j`` and its spread per customer.

    Verhoef & Donkers (2001, eq. 3): the potential value of a customer is the margin the firm
    would earn if the customer bought from it every product the customer is predicted to own
    (at any firm).  The standard deviation follows from the pairwise covariances of the
    ownership indicators, ``Cov(y_j, y_k) = Phi_2(mu_j, mu_k; rho_jk) - Phi(mu_j) Phi(mu_k)``
    (exact bivariate normal CDF).  With ``owned`` (the products held at the focal firm), the
    cross-sell gap is ``PV_i - sum_j owned_ij m_j``.

    Parameters
    ----------
    results : MultivariateProbitResults
        A fitted ownership model (correlated or independent probits).
    data : optional
        Covariates of the customers to score (the fitted customers when None).
    margins : array-like, Series or dict
        Margin per product (length J; Series/dict keyed by product name).
    owned : (n, J) DataFrame or array of 0/1, optional
        Current holdings at the focal firm; a DataFrame is matched to the scored customers
        by index label.

    Returns
    -------
    pandas.DataFrame
        ``potential_value``, ``pv_sd`` and, with ``owned``, ``current_value`` and
        ``cross_sell_gap``; indexed by customer.

    Examples
    --------
    >>> from custvalue.simulate.potential import simulate_potential_base
    >>> from custvalue.potential import MultivariateProbit
    >>> b = simulate_potential_base(3000, n_products=2, seed=0)
    >>> res = MultivariateProbit(b.ownership, b.covariates).fit()
    >>> pv = potential_value(res, b.covariates, b.margins, owned=b.owned)
    >>> list(pv.columns)
    ['potential_value', 'pv_sd', 'current_value', 'cross_sell_gap']
    """
    if not isinstance(results, MultivariateProbitResults):
        raise DataError(f"results must be a fitted MultivariateProbit (MultivariateProbitResults); "
                        f"received {type(results).__name__}.")
    if margins is None:
        raise DataError("margins is required: one margin per product.")
    products = list(results.model.products)
    m = _margins(margins, products)
    mu_df = results.linear_index(data)
    mu, index = mu_df.to_numpy(), mu_df.index
    P = special.ndtr(mu)
    corr = results.corr.to_numpy()
    pv = P @ m
    scale = float(np.max(np.abs(m))) or 1.0  # the variance in units of the largest margin: no overflow
    ms = m / scale
    var = (P * (1.0 - P)) @ (ms * ms)
    J = len(products)
    for a in range(J):  # loop over product pairs
        for b in range(a):
            if corr[a, b] != 0.0:
                cov = ghk.bvn_cdf(mu[:, a], mu[:, b], corr[a, b]) - P[:, a] * P[:, b]
                var += 2.0 * ms[a] * ms[b] * cov
    out = pd.DataFrame({"potential_value": pv, "pv_sd": scale * np.sqrt(np.clip(var, 0.0, None))}, index=index)
    if owned is not None:
        cur = _owned(owned, index, products) @ m
        out["current_value"] = cur
        out["cross_sell_gap"] = pv - cur
    return out


def univariate_probits(y: Any, X: Any, **kwargs: Any) -> MultivariateProbitResults:
    """The independent-probits baseline: one probit per product (``Sigma = I``).

    Parameters
    ----------
    y, X
        As for :class:`MultivariateProbit`.
    **kwargs
        Passed to :class:`MultivariateProbit`.

    Returns
    -------
    MultivariateProbitResults
        Use with :func:`potential_value` like the multivariate fit.

    Examples
    --------
    >>> from custvalue.simulate.potential import simulate_potential_base
    >>> b = simulate_potential_base(1000, n_products=3, seed=0)
    >>> univariate_probits(b.ownership, b.covariates).corr.to_numpy().trace()
    np.float64(3.0)
    """
    return MultivariateProbit(y, X, correlated=False, **kwargs).fit()


def ols_potential_value(y: Any, X: Any, margins: Any, data: Any = None) -> pd.Series:
    """Linear-regression baseline: OLS of the realised ownership value ``sum_j y_ij m_j`` on
    the covariates (with a constant), predicted for ``data`` (Verhoef & Donkers 2001, section 5).

    Parameters
    ----------
    y : (n, J) DataFrame or array of 0/1
        Ownership at any firm.
    X : DataFrame or array
        Covariates (a constant is added).  Rows are paired with ``y`` by index label when
        both are pandas objects, by position otherwise.
    margins : array-like, Series or dict
    data : DataFrame or array, optional
        Covariates to predict for (``X`` when None).

    Returns
    -------
    pandas.Series
        Predicted value, indexed by customer.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    >>> ols_potential_value(y, np.array([1.0, 2.0, 0.0, 1.0]), [10, 5]).round(3).tolist()
    [7.5, 15.0, 0.0, 7.5]
    """
    if isinstance(y, pd.Series):
        y = y.to_frame()
    aligned = align_by_label(y=y, X=X)  # rows matched by customer label (arrays by position)
    y, X = aligned["y"], aligned["X"]
    products = [str(c) for c in y.columns] if isinstance(y, pd.DataFrame) else None
    index = next((v.index for v in (y, X) if isinstance(v, (pd.DataFrame, pd.Series))), None)
    Y = as_float_array(y, "y", index=index, ndim=2) if np.ndim(y) == 2 else \
        as_float_array(y, "y", index=index).reshape(-1, 1)
    if products is None:
        products = [f"y{j + 1}" for j in range(Y.shape[1])]
    bad = (Y != 0) & (Y != 1)
    if bad.any():
        raise DataError("y must be binary (0 or 1) ownership; " + describe_rows(bad.any(axis=1), index))
    m = _margins(margins, products)
    if index is None:
        index = pd.RangeIndex(len(Y), name="customer_id")
    Xa = as_float_array(X, "X", index=index, ndim=2) if np.ndim(X) == 2 else \
        as_float_array(X, "X", index=index).reshape(-1, 1)
    names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else \
        [f"x{k + 1}" for k in range(Xa.shape[1])]
    design = np.column_stack([np.ones(len(Xa)), Xa])
    _check_collinearity(design, ["const", *names], "X")
    coef, *_ = np.linalg.lstsq(design, Y @ m, rcond=None)
    if data is not None:
        index = data.index if isinstance(data, (pd.DataFrame, pd.Series)) else pd.RangeIndex(len(data), name="customer_id")
        if isinstance(data, pd.DataFrame) and isinstance(X, pd.DataFrame):
            data = data[list(X.columns)]
        Xa = as_float_array(data, "data", ndim=2) if np.ndim(data) == 2 else as_float_array(data, "data").reshape(-1, 1)
    return pd.Series(np.column_stack([np.ones(len(Xa)), Xa]) @ coef, index=index, name="ols_value")


class ValueMatrix(FrozenMixin):
    """Current value x potential value segmentation (Verhoef & Donkers 2001, figure 1).

    Built by :func:`value_matrix`; the constructor arguments are stored as attributes of the
    same names.

    Parameters
    ----------
    segment : pandas.Series
        Segment label per customer (``"I"``-``"IV"`` for the 2x2 matrix, ``"C{a}-P{b}"`` for
        k x k quantile cells).
    table : pandas.DataFrame
        Per segment: customers, share, mean current and potential value (NaN for a segment
        with no customer) and (2x2) the recommended action.
    current_value, potential_value : pandas.Series
        The two value axes, indexed by customer.
    thresholds : tuple
        Split points used on the current and potential value axes.
    k : int
        Number of cells per axis.

    Examples
    --------
    >>> vm = value_matrix([0, 10, 0, 10], [1, 1, 5, 5])
    >>> vm.k, vm.thresholds
    (2, (5.0, 3.0))
    >>> vm.table["customers"].tolist()
    [1, 1, 1, 1]
    """

    def __init__(self, segment, table, current_value, potential_value, thresholds, k):
        self.segment = segment
        self.table = table
        self.current_value = current_value
        self.potential_value = potential_value
        self.thresholds = thresholds
        self.k = k
        self._freeze()

    def plot(self, ax: Any = None, **scatter_kwargs: Any):
        """Scatter of current vs potential value with the segment boundaries.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            A new figure is made when None.
        **scatter_kwargs
            Passed to :func:`plot_value_matrix` (``max_points``, ``seed``) and on to
            ``ax.scatter``.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> ax = value_matrix([0, 10, 0, 10], [1, 1, 5, 5]).plot()
        >>> ax.get_ylabel()
        'potential value'
        """
        return plot_value_matrix(self, ax=ax, **scatter_kwargs)

    def _repr_html_(self) -> str:
        return self.table.to_html(float_format=lambda x: f"{x:.4g}")

    def __repr__(self) -> str:
        return f"<ValueMatrix {self.k}x{self.k}>\n{self.table.to_string()}"


def value_matrix(current_value: Any, potential_value: Any, *, k: int = 2,
                 thresholds: tuple[float, float] | None = None) -> ValueMatrix:
    """Segment customers on current value x potential value.

    With ``k = 2`` (the default) customers are split at the medians (or at ``thresholds``)
    into the four cells of Verhoef & Donkers (2001): I low/low (cut costs), II low current /
    high potential (up-sell), III high current / low potential (retain), IV high/high (keep
    at all costs).  With ``k > 2`` the axes are cut at their k-quantiles.

    Parameters
    ----------
    current_value, potential_value : pandas.Series or array-like
        One value per customer.  pandas inputs are paired by index label (a different set
        of customers is a :class:`~custvalue.exceptions.DataError` naming them); plain
        arrays pair by position.
    k : int, default 2
    thresholds : (float, float), optional
        Split points for current and potential value (k = 2 only); values above the
        threshold are "high".

    Returns
    -------
    ValueMatrix

    Examples
    --------
    >>> vm = value_matrix([0, 10, 0, 10], [1, 1, 5, 5])
    >>> vm.segment.tolist()
    ['I', 'III', 'II', 'IV']
    """
    # the two axes are paired by customer label (plain arrays by position)
    aligned = align_by_label(current_value=current_value, potential_value=potential_value)
    current_value, potential_value = aligned["current_value"], aligned["potential_value"]
    index = next((v.index for v in (current_value, potential_value)
                  if isinstance(v, (pd.Series, pd.DataFrame))), None)
    cv = as_float_array(current_value, "current_value", index=index)
    pv = as_float_array(potential_value, "potential_value", index=index)
    if cv.shape != pv.shape:
        raise DataError(f"current_value and potential_value must have the same length; "
                        f"received {cv.size} and {pv.size}.")
    if index is None:
        index = pd.RangeIndex(cv.size, name="customer_id")
    k = check_whole_number(k, "k", minimum=2)
    if thresholds is not None and k != 2:
        raise DataError("thresholds apply to the 2x2 matrix (k = 2) only.")
    if thresholds is not None:
        thr_arr = as_float_array(thresholds, "thresholds")
        if thr_arr.shape != (2,):
            raise DataError(f"thresholds must be two numbers (current, potential); received {thresholds!r}.")
        thresholds = tuple(thr_arr.tolist())
    if k == 2:
        tc, tp = (np.median(cv), np.median(pv)) if thresholds is None else map(float, thresholds)
        hc, hp = cv > tc, pv > tp
        lab = np.array(["I", "II", "III", "IV"])[hc * 2 + hp]
        order = ["I", "II", "III", "IV"]
        thr: tuple = (float(tc), float(tp))
    else:
        qs = np.linspace(0, 1, k + 1)[1:-1]
        ec, ep = np.quantile(cv, qs), np.quantile(pv, qs)
        bc, bp = np.searchsorted(ec, cv, side="right"), np.searchsorted(ep, pv, side="right")
        lab = np.char.add(np.char.add("C", (bc + 1).astype(str)), np.char.add("-P", (bp + 1).astype(str)))
        order = [f"C{a}-P{b}" for a in range(1, k + 1) for b in range(1, k + 1)]
        thr = (tuple(ec), tuple(ep))
    seg = pd.Series(pd.Categorical(lab, categories=order), index=index, name="segment")
    df = pd.DataFrame({"segment": seg, "current_value": cv, "potential_value": pv}, index=index)
    g = df.groupby("segment", observed=False)
    table = pd.DataFrame({"customers": g.size(), "share": g.size() / len(df),
                          "mean_current_value": g["current_value"].mean(),
                          "mean_potential_value": g["potential_value"].mean()})
    if k == 2:
        table["action"] = [_ACTIONS[s] for s in table.index]
    return ValueMatrix(seg, table, pd.Series(cv, index=index, name="current_value"),
                       pd.Series(pv, index=index, name="potential_value"), thr, k)


def plot_value_matrix(matrix: ValueMatrix, ax: Any = None, *, max_points: int = 5000,
                      seed: int = 0, **scatter_kwargs: Any):
    """Plot current vs potential value coloured by segment, with the split lines.

    Parameters
    ----------
    matrix : ValueMatrix
    ax : matplotlib.axes.Axes, optional
        A new figure is made when None.
    max_points : int, default 5000
        Random subsample drawn for large bases (seeded).
    seed : int, default 0
    **scatter_kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_value_matrix(value_matrix([0, 10, 0, 10], [1, 1, 5, 5]))
    >>> ax.get_xlabel()
    'current value'
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4.5))
    if not isinstance(matrix, ValueMatrix):
        raise DataError(f"matrix must be a ValueMatrix (from value_matrix); received {type(matrix).__name__}.")
    max_points = check_whole_number(max_points, "max_points", minimum=1)
    rng = as_generator(seed)
    cv, pv, seg = matrix.current_value, matrix.potential_value, matrix.segment
    take = np.arange(len(cv))
    if len(take) > max_points:
        take = np.sort(rng.choice(len(take), max_points, replace=False))
    scatter_kwargs.setdefault("s", 6)
    scatter_kwargs.setdefault("alpha", 0.5)
    for name in seg.cat.categories:
        sel = take[(seg.iloc[take] == name).to_numpy()]
        if sel.size:
            ax.scatter(cv.iloc[sel], pv.iloc[sel], label=str(name), **scatter_kwargs)
    if matrix.k == 2:
        ax.axvline(matrix.thresholds[0], color="k", lw=0.8)
        ax.axhline(matrix.thresholds[1], color="k", lw=0.8)
    else:
        for t in matrix.thresholds[0]:
            ax.axvline(t, color="k", lw=0.5)
        for t in matrix.thresholds[1]:
            ax.axhline(t, color="k", lw=0.5)
    ax.set_xlabel("current value")
    ax.set_ylabel("potential value")
    ax.legend(title="segment", fontsize="small", markerscale=2)
    return ax
