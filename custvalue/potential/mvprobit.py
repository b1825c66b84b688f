"""The multivariate probit model of product ownership (Verhoef & Donkers 2001, section 3).

Customer ``i`` owns product ``j`` (at any firm) when ``x_ij' beta_j + e_ij > 0`` with
``e_i ~ N(0, Sigma)`` and ``Sigma`` a correlation matrix.  The likelihood of a customer's
ownership pattern is a J-dimensional normal orthant probability: exact for J = 1 (probit)
and J = 2 (bivariate normal CDF), simulated with GHK and fixed scrambled Halton draws for
J >= 3 (simulated maximum likelihood; Train 2009, chapter 10).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special, stats

from .._validation import (align_by_label, align_to_index, as_float_array, check_level, describe_rows,
                           formula_data, formula_roles)
from ..base import LikelihoodModel, LikelihoodResults
from ..base.summary import Summary
from ..base.transforms import interval_on_scale
from ..exceptions import DataError, ModelSpecificationError
from ..math import ghk, probit

__all__ = ["MultivariateProbit", "MultivariateProbitResults", "LRTest"]

_MIN_DRAWS = 20


class LRTest(NamedTuple):
    """Likelihood-ratio test result.

    Attributes
    ----------
    statistic : float
        ``2 (llf_unrestricted - llf_restricted)``.
    df : int
        Number of restrictions.
    pvalue : float
        Chi-square p-value.

    Examples
    --------
    >>> test = LRTest(statistic=12.66, df=1, pvalue=0.0004)
    >>> test.df, test.pvalue < 0.05
    (1, True)
    """

    statistic: float
    df: int
    pvalue: float


def _check_draws(draws: Any) -> int:
    """Halton draws per customer: a whole number >= 1."""
    try:
        value = int(draws)
    except (TypeError, ValueError):
        raise DataError(f"draws must be an integer >= 1; received {draws!r}.") from None
    if value < 1 or value != draws:
        raise DataError(f"draws must be an integer >= 1; received {draws!r}.")
    return value


def _is_constant(col: np.ndarray) -> bool:
    return bool(col.size and np.all(col == col[0]) and col[0] != 0)


#: Smallest accepted ratio of the smallest to the largest singular value of a design with
#: columns scaled to unit root mean square.  The probit information matrix X'WX then has a
#: condition number below about 1e14, so coefficients computed in double precision
#: (eps = 2.2e-16) keep at least two correct digits; below it the design is numerically
#: rank-deficient (Newton steps on X'WX break down near 1e-9).
COLLINEARITY_TOL = 1e-7


def _check_collinearity(X: np.ndarray, names: Sequence[str], label: str) -> None:
    """Raise a DataError naming the columns of ``X`` that are (nearly) linearly dependent."""
    rms = np.sqrt(np.mean(X * X, axis=0))
    Z = X / np.where(rms > 0, rms, 1.0)
    _, s, Vt = np.linalg.svd(Z, full_matrices=False)
    small = s <= COLLINEARITY_TOL * s[0] if s.size and s[0] > 0 else np.ones(s.size, bool)
    if not small.any():
        return
    loadings = np.abs(Vt[small]).max(axis=0)
    involved = [names[k] for k in np.flatnonzero(loadings >= 0.1 * loadings.max())]
    exact = int((s <= s[0] * max(Z.shape) * np.finfo(float).eps).sum()) if s[0] > 0 else s.size
    kind = "collinear (rank-deficient)" if exact else "nearly collinear (numerically rank-deficient)"
    raise DataError(
        f"the covariates of {label} are {kind}: columns {involved} are (close to) a linear "
        f"combination of each other (smallest / largest singular value of the design with "
        f"columns scaled to unit size: {s[-1] / s[0]:.2g}, below {COLLINEARITY_TOL:g}), so "
        f"their coefficients are not identified; drop or combine redundant columns. All "
        f"columns: {list(names)}.")


class MultivariateProbit(LikelihoodModel):
    """Multivariate probit for the ownership of J products, fitted by (simulated) ML.

    ``y_ij = 1[x_ij' beta_j + e_ij > 0]``, ``e_i ~ N(0, Sigma)``, ``diag(Sigma) = 1``
    (Verhoef & Donkers 2001, eq. 1-2; Greene 2018, section 17.9).  The correlation matrix is
    parameterised by its canonical partial correlations ``tanh(gamma)`` (Lewandowski,
    Kurowicka & Joe 2009), so every parameter value gives a positive-definite ``Sigma``; for
    J = 2 ``gamma = atanh(rho)``.  The GHK simulator uses scrambled Halton draws fixed per
    customer and derived from the customer's index label and ``seed`` (not its row
    position), and the gradient is the exact gradient of the simulated log-likelihood.

    Parameters
    ----------
    y : pandas.DataFrame or array-like, shape (n, J)
        Ownership indicators (0/1), one column per product; the DataFrame index is the
        customer id carried into every prediction.
    X : pandas.DataFrame, array-like, or a list of J of them
        Covariates shared by all equations, or one design per equation.  pandas inputs are
        paired with ``y`` by index label (customer id), whatever their row order; a
        different set of labels raises a :class:`~custvalue.exceptions.DataError` naming
        them.  Plain arrays pair by position.
    draws : int, default 100
        Halton draws per customer for GHK (J >= 3, or ``method="ghk"``).
    seed : int, default 0
        Seed of the draws (digit scrambling and the per-customer key).
    method : {"auto", "exact", "ghk"}, default "auto"
        ``"auto"`` uses the exact likelihood for J <= 2 and GHK otherwise.
    correlated : bool, default True
        False fixes ``Sigma = I``: the sum of J independent univariate probits.
    add_constant : bool, default True
        Add a ``const`` column to each design that has no constant column.
    customer_id : array-like, optional
        Customer labels (default: the index of ``y`` or ``X``, else 0..n-1).  The Halton
        draws of a customer are derived from its label, so keep labels stable across runs.

    Examples
    --------
    >>> from custvalue.simulate.potential import simulate_potential_base
    >>> base = simulate_potential_base(2000, n_products=3, seed=1)
    >>> res = MultivariateProbit(base.ownership, base.covariates, draws=50).fit()
    >>> res.corr.shape
    (3, 3)
    """

    def __init__(self, y: Any, X: Any, *, draws: int = 100, seed: int = 0, method: str = "auto",
                 correlated: bool = True, add_constant: bool = True, customer_id: Any = None):
        index = None
        if isinstance(y, pd.Series):
            y = y.to_frame()
        # rows are paired by customer label, never by position (a reordered X would
        # otherwise fit silently wrong coefficients); plain arrays pair by position
        shared = not isinstance(X, (list, tuple))
        labels = ["X"] if shared else [f"X[{j}]" for j in range(len(X))]
        aligned = align_by_label(y=y, **dict(zip(labels, [X] if shared else list(X))))
        y = aligned["y"]
        X = aligned["X"] if shared else [aligned[k] for k in labels]
        if isinstance(y, pd.DataFrame):
            index = y.index
            products = [str(c) for c in y.columns]
        Y = as_float_array(y, "y", index=index, ndim=2) if np.ndim(y) == 2 else \
            as_float_array(y, "y", index=index).reshape(-1, 1)
        n, J = Y.shape
        if not isinstance(y, pd.DataFrame):
            products = [f"y{j + 1}" for j in range(J)]
        designs = [X] * J if shared else X
        if len(designs) != J:
            raise DataError(f"X must be one design shared by all equations or a list of J = {J} "
                            f"designs; received a list of {len(designs)}.")
        if index is None:
            for d in designs:
                if isinstance(d, (pd.DataFrame, pd.Series)):
                    index = d.index
                    break
        if customer_id is not None:
            index = pd.Index(customer_id, name="customer_id")
        if index is None:
            index = pd.RangeIndex(n, name="customer_id")
        if len(index) != n:
            raise DataError(f"customer_id must have one label per row of y ({n}); received {len(index)}.")
        if not index.is_unique:
            raise DataError("the customer index must be unique (draws are keyed by customer); "
                            + describe_rows(np.asarray(index.duplicated()), index))
        bad = (Y != 0) & (Y != 1)
        if bad.any():
            cols = [products[j] for j in np.flatnonzero(bad.any(axis=0))]
            raise DataError(f"y must be binary (0 or 1); columns {cols} hold other values; "
                            + describe_rows(bad.any(axis=1), index))
        mean = Y.mean(axis=0)
        flat = (mean == 0) | (mean == 1)
        if flat.any():
            cols = {products[j]: int(mean[j]) for j in np.flatnonzero(flat)}
            raise DataError(f"every column of y must contain both 0 and 1 (otherwise its equation is "
                            f"not identified); constant columns received: {cols}. Drop them.")
        if method not in {"auto", "exact", "ghk"}:
            raise ModelSpecificationError(f"method must be 'auto', 'exact' or 'ghk'; received {method!r}.")
        if method == "auto":
            method = "exact" if J <= 2 or not correlated else "ghk"
        if method == "exact" and J > 2 and correlated:
            raise ModelSpecificationError(
                f"method='exact' is available for J <= 2 products; received J = {J}. Use method='ghk'.")
        if method == "ghk" and correlated and J - 1 > ghk.MAX_HALTON_DIMS:
            raise DataError(
                f"y has J = {J} product columns; the correlated model simulates the J-dimensional "
                f"ownership probabilities with GHK on scrambled Halton draws, which use one prime "
                f"base per dimension (J - 1 dimensions), so it supports at most "
                f"J = {ghk.MAX_HALTON_DIMS + 1} products. Fit correlated=False (independent "
                f"probits, no limit), or model groups of at most {ghk.MAX_HALTON_DIMS + 1} "
                "related products.")
        draws = _check_draws(draws)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise DataError(f"seed must be an integer; received {seed!r}.")
        if method == "ghk" and draws < _MIN_DRAWS:
            warnings.warn(f"draws={draws} is small: the simulated likelihood is biased for few draws "
                          f"(use at least {_MIN_DRAWS}, typically 100 or more).", UserWarning, stacklevel=2)

        self.products = products
        self.index = index
        self.y = Y
        self.draws = draws
        self.seed = int(seed)
        self.method = method
        self.correlated = bool(correlated) and J > 1
        self.add_constant = bool(add_constant)
        self._columns: list[list[str] | None] = []
        self.exog_names: list[list[str]] = []
        self.X: list[np.ndarray] = []
        for j, d in enumerate(designs):
            Xj, names = self._prepare_design(d, n, index, f"X[{j}]" if isinstance(X, (list, tuple)) else "X")
            self.X.append(Xj)
            self.exog_names.append(names)
        for j in range(J if not shared else 1):
            _check_collinearity(self.X[j], self.exog_names[j],
                                f"equation {products[j]!r}" if not shared else "X")
        names = [f"{p}:{v}" for p, vs in zip(products, self.exog_names) for v in vs]
        self.n_products = J
        self.corr_pairs = [(products[a], products[b]) for a, b in zip(*np.tril_indices(J, -1))]
        if self.correlated:
            names += [f"atanh_pcorr[{a},{b}]" for a, b in self.corr_pairs]
        self.param_names = tuple(names)
        self.param_transforms = {nm: "identity" for nm in names}
        self.weights = np.ones(n)
        self._k_beta = [x.shape[1] for x in self.X]
        self.u = self._draws_for(index) if self.method == "ghk" else None
        self._univariate = self._fit_univariate()

    # ---- data ------------------------------------------------------------------------
    def _prepare_design(self, d: Any, n: int, index: pd.Index, label: str) -> tuple[np.ndarray, list[str]]:
        if isinstance(d, pd.Series):
            d = d.to_frame()
        if isinstance(d, pd.DataFrame):
            cols = [str(c) for c in d.columns]
            self._columns.append(list(d.columns))
        else:
            self._columns.append(None)
            cols = None
        arr = as_float_array(d, label, index=index if len(index) == n else None, ndim=2) \
            if np.ndim(d) == 2 else as_float_array(d, label).reshape(-1, 1)
        if cols is None:
            cols = [f"x{k + 1}" for k in range(arr.shape[1])]
        if arr.shape[0] != n:
            raise DataError(f"{label} must have one row per customer ({n}, the rows of y); "
                            f"received {arr.shape[0]}.")
        if self.add_constant and not any(_is_constant(arr[:, k]) for k in range(arr.shape[1])):
            arr = np.column_stack([np.ones(n), arr])
            cols = ["const", *cols]
        return arr, cols

    def design(self, data: Any = None) -> tuple[list[np.ndarray], pd.Index]:
        """The per-equation design matrices for ``data`` (the fitted data when None).

        Parameters
        ----------
        data : pandas.DataFrame, array-like or list of them, optional
            Covariates in the format given to the constructor (DataFrames are matched by
            column name).

        Returns
        -------
        designs : list of numpy.ndarray
            One ``(n, k_j)`` design per product (with ``const`` when the model added one).
        index : pandas.Index
            Customer labels of the rows.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> designs, index = model.design(base.covariates.head(3))
        >>> [x.shape for x in designs], index.tolist()
        ([(3, 4), (3, 4)], [0, 1, 2])
        """
        if data is None:
            return self.X, self.index
        designs = list(data) if isinstance(data, (list, tuple)) else [data] * self.n_products
        if len(designs) != self.n_products:
            raise DataError(f"data must be one design or a list of {self.n_products}; received {len(designs)}.")
        if isinstance(data, (list, tuple)):  # the equations' rows are matched by customer label
            aligned = align_by_label(**{f"data[{j}]": d for j, d in enumerate(designs)})
            designs = list(aligned.values())
        out: list[np.ndarray] = []
        index = None
        for j, d in enumerate(designs):
            if isinstance(d, pd.Series):
                d = d.to_frame()
            cols = self._columns[j] if j < len(self._columns) else None
            if isinstance(d, pd.DataFrame):
                index = d.index if index is None else index
                if cols is not None:
                    missing = [c for c in cols if c not in d.columns]
                    if missing:
                        raise DataError(f"data is missing the covariate columns {missing} used by "
                                        f"equation {self.products[j]!r}; columns received: {list(d.columns)}.")
                    d = d[cols]
            arr = as_float_array(d, "data", index=index, ndim=2) if np.ndim(d) == 2 else \
                as_float_array(d, "data").reshape(-1, 1)
            k = self.X[j].shape[1]
            if self.exog_names[j][0] == "const" and arr.shape[1] == k - 1:
                arr = np.column_stack([np.ones(arr.shape[0]), arr])
            if arr.shape[1] != k:
                raise DataError(f"data for equation {self.products[j]!r} must have {k} columns "
                                f"{self.exog_names[j]}; received {arr.shape[1]}.")
            out.append(arr)
        n = out[0].shape[0]
        if index is None or len(index) != n:
            index = pd.RangeIndex(n, name=self.index.name or "customer_id")
        return out, index

    def _draws_for(self, index: pd.Index, draws: int | None = None) -> np.ndarray:
        keys = ghk.customer_keys(index, self.seed)
        return ghk.halton_draws(keys, draws or self.draws, max(self.n_products - 1, 0), seed=self.seed)

    # ---- parameters ------------------------------------------------------------------
    def _split(self, params: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        betas, pos = [], 0
        for k in self._k_beta:
            betas.append(params[pos:pos + k])
            pos += k
        return betas, params[pos:]

    def linear_index(self, params: Any, X: list[np.ndarray] | None = None) -> np.ndarray:
        """``mu_ij = x_ij' beta_j`` as an (n, J) array.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.
        X : list of numpy.ndarray, optional
            Per-equation designs (default: the fitted data; see :meth:`design`).

        Returns
        -------
        numpy.ndarray, shape (n, J)
            Linear indices.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> model.linear_index(res.params)[:2].round(3).tolist()
        [[0.674, 0.935], [0.638, 0.607]]
        """
        betas, _ = self._split(self._as_params(params))
        X = self.X if X is None else X
        return np.column_stack([x @ b for x, b in zip(X, betas)])

    def chol(self, params: Any) -> tuple[np.ndarray, np.ndarray]:
        """Cholesky factor of the correlation matrix and its Jacobian in ``gamma``.

        ``gamma`` are the ``atanh`` canonical partial correlations (Lewandowski, Kurowicka &
        Joe 2009).

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        L : numpy.ndarray, shape (J, J)
            Lower-triangular Cholesky factor of ``Sigma`` (the identity when uncorrelated).
        dL : numpy.ndarray, shape (J (J - 1) / 2, J, J)
            Derivatives of ``L`` with respect to each ``gamma``.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> L, dL = model.chol(res.params)
        >>> L.round(3).tolist(), dL.shape
        ([[1.0, 0.0], [0.385, 0.923]], (1, 2, 2))
        """
        _, gamma = self._split(self._as_params(params))
        J = self.n_products
        if not self.correlated:
            return np.eye(J), np.zeros((0, J, J))
        return ghk.cpc_cholesky(gamma, J)

    def corr_matrix(self, params: Any) -> np.ndarray:
        """Correlation matrix ``Sigma`` at ``params``.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray, shape (J, J)
            ``Sigma = L L'`` with unit diagonal.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> model.corr_matrix(res.params).round(3).tolist()
        [[1.0, 0.385], [0.385, 1.0]]
        """
        return ghk.corr_from_cholesky(self.chol(params)[0])

    # ---- likelihood ------------------------------------------------------------------
    def _pattern_loglike(self, mu: np.ndarray, Y: np.ndarray, L: np.ndarray, dL: np.ndarray,
                         u: np.ndarray | None, gradient: bool):
        """Per-row log-probability of patterns ``Y`` with d/d mu and d/d gamma."""
        n, J = mu.shape
        if not self.correlated:
            ll, dmu = probit.probit_loglike(mu, Y)
            return ll.sum(axis=1), dmu, np.zeros((n, 0))
        if J == 2 and self.method == "exact":
            rho = L[1, 0]
            ll, dmu, drho = ghk.bvprobit_loglike(mu, Y, rho)
            return ll, dmu, (drho * (1.0 - rho * rho))[:, None]
        ll, dmu, dLc = ghk.ghk_loglike(mu, Y, L, u, gradient=gradient)
        dg = dLc.reshape(n, J * J) @ dL.reshape(-1, J * J).T if gradient else None
        return ll, dmu, dg

    def _evaluate(self, params: np.ndarray, gradient: bool = True):
        betas, _ = self._split(params)
        mu = np.column_stack([x @ b for x, b in zip(self.X, betas)])
        L, dL = self.chol(params)
        ll, dmu, dg = self._pattern_loglike(mu, self.y, L, dL, self.u, gradient)
        if not gradient:
            return ll, None
        blocks = [dmu[:, [j]] * x for j, x in enumerate(self.X)]
        if self.correlated:
            blocks.append(dg)
        return ll, np.hstack(blocks)

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        """Per-customer (simulated) log-likelihood.

        Exact (probit / bivariate normal CDF) for J <= 2, GHK-simulated otherwise.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray, shape (n,)
            Log-probability of each customer's ownership pattern.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> model.loglike_obs(res.params)[:2].round(3).tolist()
        [-0.424, -0.54]
        """
        return self._evaluate(self._as_params(params), gradient=False)[0]

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        """Per-customer exact gradient of the (simulated) log-likelihood.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray, shape (n, k)
            Scores with respect to the parameters, in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> model.score_obs(res.params).shape
        (300, 9)
        """
        return self._evaluate(self._as_params(params))[1]

    def loglike_and_score(self, params: Any) -> tuple[float, np.ndarray]:
        """Log-likelihood and its gradient from one pass of the simulator.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        loglike : float
            Log-likelihood summed over customers, weighted by ``self.weights`` (ones, as
            :meth:`loglike` does).
        score : numpy.ndarray, shape (k,)
            Its gradient.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> ll, g = model.loglike_and_score(res.params)
        >>> round(ll, 2), bool(abs(g).max() < 1e-3)  # zero gradient at the MLE
        (-301.3, True)
        """
        x = self._as_params(params)
        w = self.weights
        if not (self.correlated and self.method == "ghk"):
            ll, s = self._evaluate(x)
            return float(w @ ll), w @ s
        # GHK: the kernel sums d ll / d L over customers itself (no (n, J, J) array), and the
        # coefficient blocks are X_j' dmu_j (no (n, k) score matrix)
        betas, _ = self._split(x)
        mu = np.column_stack([X @ b for X, b in zip(self.X, betas)])
        L, dL = self.chol(x)
        unit = bool((w == 1.0).all())
        ll, dmu, dLsum = ghk.ghk_loglike(mu, self.y, L, self.u, sum_chol=unit)
        if not unit:  # customer weights: per-customer blocks, weighted
            dmu = dmu * w[:, None]
            dLsum = np.einsum("i,ijk->jk", w, dLsum)
        blocks = [X.T @ dmu[:, j] for j, X in enumerate(self.X)]
        blocks.append(np.einsum("jk,mjk->m", dLsum, dL))
        return float(w @ ll), np.concatenate(blocks)

    def _uses_newton(self) -> bool:
        return not self.correlated  # independent probits: exact Hessian, Newton steps

    def loglike_score_hessian(self, params: Any) -> tuple[float, np.ndarray, np.ndarray]:
        """Log-likelihood, gradient and Hessian; exact and block-diagonal for independent
        probits (one compiled pass per product, :func:`custvalue.math.probit.probit_sums`),
        otherwise the gradient with :meth:`hessian`'s differences.

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        tuple
            (log-likelihood, gradient of shape (k,), Hessian of shape (k, k)).

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates, correlated=False)
        >>> ll, g, H = model.loglike_score_hessian(model.start_params())
        >>> H.shape, bool(abs(g).max() < 1e-6)  # the start values are the univariate MLE
        ((8, 8), True)
        """
        x = self._as_params(params)
        if self.correlated:
            return super().loglike_score_hessian(x)
        betas, _ = self._split(x)
        H = np.zeros((x.size, x.size))
        g = np.empty(x.size)
        ll = 0.0
        pos = 0
        for j, (X, b) in enumerate(zip(self.X, betas)):
            ll_j, g_j, H_j = probit.probit_sums(X, self.y[:, j], b, self.weights)
            ll += ll_j
            g[pos:pos + b.size] = g_j
            H[pos:pos + b.size, pos:pos + b.size] = H_j
            pos += b.size
        return ll, g, H

    def hessian(self, params: Any) -> np.ndarray:
        """Hessian of the (simulated) log-likelihood.

        Closed form for independent probits, otherwise forward differences of the exact
        gradient (k + 1 simulator passes).

        Parameters
        ----------
        params : array-like or mapping
            Parameters in the order of ``param_names``, or a mapping name -> value.

        Returns
        -------
        numpy.ndarray
            Symmetric, shape ``(k, k)``.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> model.hessian(res.params).shape
        (9, 9)
        """
        x = self._as_params(params)
        if not self.correlated:
            return self.loglike_score_hessian(x)[2]
        g0 = self.loglike_and_score(x)[1]
        H = np.empty((x.size, x.size))
        for m in range(x.size):  # loop over parameters, not customers
            h = 1e-6 * max(abs(x[m]), 1.0)
            xp = x.copy()
            xp[m] += h
            H[:, m] = (self.loglike_and_score(xp)[1] - g0) / h
        return 0.5 * (H + H.T)


    # ---- start values and the independence benchmark ----------------------------------
    def _fit_univariate(self) -> dict[str, Any]:
        """Univariate probits per product (compiled Newton with the exact Hessian,
        :func:`custvalue.math.probit.probit_newton`): start values and the restricted
        log-likelihood of the LR test of independence."""
        betas, llf, gres = [], 0.0, []
        for j in range(self.n_products):
            try:
                b, ll_j, _, _, ok = probit.probit_newton(self.X[j], self.y[:, j])
            except np.linalg.LinAlgError:
                ok = False
            if not ok:
                raise DataError(
                    f"the univariate probit of product {self.products[j]!r} (used for start values) "
                    f"did not converge: check for covariates that perfectly predict ownership "
                    f"(perfect separation) or almost do (quasi-complete separation); the design "
                    f"{self.exog_names[j]} passed the collinearity check.") from None
            if np.all(np.abs(special.ndtr(self.X[j] @ b) - self.y[:, j]) < 1e-6):
                raise DataError(f"the covariates perfectly predict ownership of product {self.products[j]!r} "
                                f"(perfect separation): its coefficients are not identified.")
            if not np.all(np.isfinite(b)):
                raise DataError(f"the univariate probit of product {self.products[j]!r} has non-finite "
                                f"estimates; check for covariates that perfectly predict ownership.")
            betas.append(b)
            llf += float(ll_j)
            gres.append(probit.probit_loglike(self.X[j] @ b, self.y[:, j])[1])
        # one-step (score / information) estimates of the correlations at rho = 0: the
        # bivariate-probit score in rho at 0 is the product of the generalised residuals
        G = np.column_stack(gres)
        J = self.n_products
        corr = np.eye(J)
        for a in range(J):  # loops over product pairs
            for c in range(a):
                prod = G[:, a] * G[:, c]
                corr[a, c] = corr[c, a] = np.clip(prod.sum() / max((prod * prod).sum(), 1e-12), -0.9, 0.9)
        w, V = np.linalg.eigh(corr)
        if w.min() < 0.05:  # repair to a positive-definite correlation matrix
            corr = (V * np.clip(w, 0.05, None)) @ V.T
            d = np.sqrt(np.diag(corr))
            corr = corr / np.outer(d, d)
        return {"betas": betas, "llf": llf, "corr": corr}

    def start_params(self) -> np.ndarray:
        """Univariate-probit coefficients and one-step score estimates of the correlations.

        Returns
        -------
        numpy.ndarray, shape (k,)
            Start values in the order of ``param_names`` (correlations as ``atanh`` canonical
            partial correlations).

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> model.start_params().round(2).tolist()
        [0.65, 0.03, 0.19, 0.13, 0.47, 0.25, 0.42, 0.62, 0.33]
        """
        parts = list(self._univariate["betas"])
        if self.correlated:
            parts.append(ghk.cpc_from_corr(self._univariate["corr"]))
        return np.concatenate(parts)

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-7,
            cov_type: str = "hessian") -> MultivariateProbitResults:
        """Maximise the (simulated) log-likelihood with BFGS and the exact gradient.

        Parameters
        ----------
        start_params : array-like or mapping, optional
            Defaults to the univariate-probit estimates (statsmodels ``Probit``) and one-step
            score estimates of the correlations.
        maxiter : int, default 2000
            Maximum BFGS iterations.
        gtol : float, default 1e-7
            Gradient tolerance on the mean log-likelihood.
        cov_type : {"hessian", "opg", "robust"}, default "hessian"
            Covariance estimator (see :meth:`custvalue.base.LikelihoodModel.fit`).

        Returns
        -------
        MultivariateProbitResults
            Coefficients, correlations, LR test of independence and predictions.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.converged, round(res.llf, 2)
        (True, -301.3)
        """
        return super().fit(start_params=start_params, maxiter=maxiter, gtol=gtol,
                           cov_type=cov_type)  # type: ignore[return-value]

    @classmethod
    def from_formula(cls, formula: str | Sequence[str], data: pd.DataFrame, **kwargs: Any
                     ) -> MultivariateProbit:
        """Build the model from patsy formulas.

        Parameters
        ----------
        formula : str or list of str
            ``"car + home + life ~ age + income"`` (shared covariates) or one
            ``"product ~ covariates"`` formula per product.
        data : pandas.DataFrame
        **kwargs
            Passed to the constructor (``draws``, ``seed``...).

        Returns
        -------
        MultivariateProbit

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> b = simulate_potential_base(500, n_products=2, seed=0)
        >>> df = b.ownership.join(b.covariates)
        >>> m = MultivariateProbit.from_formula("car + home ~ age + income", df)
        >>> m.exog_names[0]
        ['Intercept', 'age', 'income']
        """
        import patsy

        formulas = [formula] if isinstance(formula, str) else list(formula)
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame; received {type(data).__name__}.")
        ys, Xs = [], []
        for f in formulas:
            if not isinstance(f, str) or f.count("~") != 1:
                raise ModelSpecificationError(f"each formula must be 'products ~ covariates'; received {f!r}.")
            lhs, rhs = f.split("~", 1)
            names = [t.strip() for t in lhs.split("+")]
            absent = [nm for nm in names if nm not in data.columns]
            if absent:
                raise DataError(f"the products {absent} on the left of {f!r} are not columns of data; "
                                f"columns received: {list(map(str, data.columns))}.")
            # text in a covariate used as a number is refused (C(column) declares a factor)
            checked = formula_data(rhs.strip(), data)
            used, _ = formula_roles(rhs, data.columns)
            na = checked[used].isna().to_numpy().any(axis=1) if used else np.zeros(len(data), bool)
            if na.any():
                cols = [c for c in used if checked[c].isna().any()]
                raise DataError(f"covariates {cols} of {f!r} have missing values; "
                                + describe_rows(na, data.index) + "; drop or impute them.")
            X = patsy.dmatrix(rhs, checked, return_type="dataframe", NA_action="raise")
            for name in names:
                ys.append(data[name].rename(name))
                Xs.append(X)
        Y = pd.concat(ys, axis=1)
        kwargs.setdefault("add_constant", False)
        return cls(Y, Xs if len(formulas) > 1 else Xs[0], **kwargs)


class MultivariateProbitResults(LikelihoodResults):
    """Fitted multivariate probit.

    Coefficients, correlations (with standard errors), the LR test of independence, and
    customer-level predictions indexed by customer id.

    Attributes
    ----------
    model : MultivariateProbit
        The fitted model.
    params : pandas.Series
        ``<product>:<covariate>`` coefficients and ``atanh_pcorr[a,b]`` correlation
        parameters.
    cov_params : pandas.DataFrame
        Estimated covariance of ``params``.
    llf, nobs, converged, message, n_iter, cov_type
        As in :class:`custvalue.base.LikelihoodResults`.

    Examples
    --------
    >>> from custvalue.simulate.potential import simulate_potential_base
    >>> base = simulate_potential_base(2000, n_products=2, seed=3)
    >>> res = MultivariateProbit(base.ownership, base.covariates).fit()
    >>> res.predict().shape
    (2000, 2)
    """

    model: MultivariateProbit

    # ---- parameters ------------------------------------------------------------------
    @cached_property
    def beta(self) -> pd.DataFrame:
        """Coefficients: rows are covariates, columns are products."""
        m = self.model
        betas, _ = m._split(self.params.to_numpy())
        order = list(dict.fromkeys(v for names in m.exog_names for v in names))
        return pd.DataFrame({p: pd.Series(b, index=names) for p, b, names in
                             zip(m.products, betas, m.exog_names)}).reindex(order)

    @cached_property
    def _corr_delta(self) -> tuple[np.ndarray, np.ndarray]:
        m = self.model
        J = m.n_products
        if not m.correlated:
            return np.eye(J), np.zeros((J * (J - 1) // 2,) * 2)
        L, dL = m.chol(self.params.to_numpy())
        corr, jac = ghk.corr_from_cholesky(L, dL)
        kb = sum(m._k_beta)
        cov_g = self.cov_params.to_numpy()[kb:, kb:]
        return corr, jac @ cov_g @ jac.T

    @property
    def corr(self) -> pd.DataFrame:
        """Estimated correlation matrix of the latent ownership propensities."""
        p = self.model.products
        return pd.DataFrame(self._corr_delta[0], index=p, columns=p)

    @property
    def corr_bse(self) -> pd.DataFrame:
        """Delta-method standard errors of :attr:`corr` (zero on the diagonal)."""
        J = self.model.n_products
        se = np.zeros((J, J))
        r, c = np.tril_indices(J, -1)
        with np.errstate(invalid="ignore"):
            v = np.sqrt(np.clip(np.diag(self._corr_delta[1]), 0, None))
        se[r, c] = v
        se[c, r] = v
        p = self.model.products
        return pd.DataFrame(se, index=p, columns=p)

    def corr_table(self, level: float = 0.95) -> pd.DataFrame:
        """Pairwise correlations with delta-method standard errors and Fisher-z intervals.

        The interval is the delta-method interval of ``atanh(corr)`` mapped back,
        ``tanh(atanh(corr) -+ z se / (1 - corr^2))``, so it stays inside (-1, 1) and is
        asymmetric about the estimate; ``std err`` is the natural-scale standard error.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``(product_a, product_b)``: ``corr``, ``std err`` and the interval
            bounds.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.corr_table().round(3).to_numpy().tolist()
        [[0.385, 0.1, 0.173, 0.563]]
        """
        J = self.model.n_products
        r, c = np.tril_indices(J, -1)
        corr, cov = self._corr_delta
        est = corr[r, c]
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        level = check_level(level)
        z = stats.norm.ppf(0.5 + level / 2)
        lower, upper = interval_on_scale(est, se, ("atanh",) * est.size, z)
        idx = pd.MultiIndex.from_tuples(self.model.corr_pairs, names=["product_a", "product_b"])
        pct = f"{100 * level:g}%"
        return pd.DataFrame({"corr": est, "std err": se, f"lower {pct}": lower,
                             f"upper {pct}": upper}, index=idx)

    @property
    def llf_independent(self) -> float:
        """Log-likelihood of J independent univariate probits (each at its own MLE)."""
        return float(self.model._univariate["llf"])

    def lr_test_independence(self) -> LRTest:
        """LR test of ``Sigma = I`` against the sum of univariate probits.

        Returns
        -------
        LRTest
            ``statistic = 2 (llf - llf_independent)``, ``df = J (J - 1) / 2`` and the
            chi-square p-value.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> test = res.lr_test_independence()
        >>> round(test.statistic, 1), test.df, bool(test.pvalue < 0.01)
        (12.7, 1, True)
        """
        J = self.model.n_products
        df = J * (J - 1) // 2
        stat = 2.0 * (self.llf - self.llf_independent)
        p = float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")
        return LRTest(float(stat), int(df), p)

    # ---- predictions -----------------------------------------------------------------
    def _mu(self, data: Any) -> tuple[np.ndarray, pd.Index, list[np.ndarray]]:
        X, index = self.model.design(data)
        return self.model.linear_index(self.params.to_numpy(), X), index, X

    def predict(self, data: Any = None) -> pd.DataFrame:
        """Marginal ownership probabilities ``P(y_ij = 1) = Phi(x_ij' beta_j)``.

        Parameters
        ----------
        data : DataFrame, array-like or list, optional
            Covariates of the customers to score (the fitted customers when None).

        Returns
        -------
        pandas.DataFrame
            One row per customer (index kept), one column per product.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.predict().head(2).round(3).to_numpy().tolist()
        [[0.75, 0.825], [0.738, 0.728]]
        """
        mu, index, _ = self._mu(data)
        return pd.DataFrame(special.ndtr(mu), index=index, columns=self.model.products)

    def _pattern_prob(self, mu: np.ndarray, Y: np.ndarray, index: pd.Index, draws: int | None):
        m = self.model
        draws = None if draws is None else _check_draws(draws)
        L, dL = m.chol(self.params.to_numpy())
        u = None
        if m.correlated and not (m.n_products == 2 and m.method == "exact"):
            u = m.u if (draws is None and index.equals(m.index) and m.u is not None) else \
                m._draws_for(index, draws)
        ll, _, _ = m._pattern_loglike(mu, Y, L, dL, u, gradient=False)
        return np.exp(ll)

    def joint_probability(self, pattern: Any, data: Any = None, *, draws: int | None = None) -> pd.Series:
        """Probability of an ownership pattern, e.g. ``{"car": 1, "home": 0, "life": 1}``.

        Exact for J <= 2; GHK with the customer's own Halton draws otherwise.

        Parameters
        ----------
        pattern : mapping or sequence of 0/1, length J, or an (n, J) array / DataFrame
            The pattern (the same for every customer, or one row per customer).
        data : optional
            Covariates (the fitted customers when None).
        draws : int, optional
            Draws per customer (defaults to the model's).

        Returns
        -------
        pandas.Series
            Indexed by customer.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.joint_probability({"car": 1, "home": 1}).head(2).round(2).tolist()
        [0.65, 0.58]
        """
        mu, index, _ = self._mu(data)
        Y = self._pattern_array(pattern, mu.shape[0], index, "pattern")
        return pd.Series(self._pattern_prob(mu, Y, index, draws), index=index, name="probability")

    def _pattern_array(self, pattern: Any, n: int, index: pd.Index | None = None,
                       name: str = "pattern") -> np.ndarray:
        prods = self.model.products
        if isinstance(pattern, dict):
            missing = [p for p in prods if p not in pattern]
            if missing:
                raise DataError(f"{name} must give 0/1 for every product; missing {missing}.")
            pattern = [pattern[p] for p in prods]
        if isinstance(pattern, pd.DataFrame):
            missing = [p for p in prods if p not in pattern.columns]
            if missing:
                raise DataError(f"{name} must have a column per product {prods}; missing {missing}.")
            # one row per customer: matched to the scored customers by label
            pattern = align_to_index(pattern[prods], name, index, "data (the scored customers)")
        per_customer = np.ndim(pattern) == 2
        arr = as_float_array(pattern, name, index=index if per_customer else None,
                             ndim=2 if per_customer else 1)
        if not per_customer and not np.isin(arr, (0.0, 1.0)).all():
            raise DataError(f"{name} must hold 0/1 only; received {arr.tolist()}.")
        if arr.ndim == 1:
            arr = np.broadcast_to(arr, (n, arr.size))
        if arr.shape != (n, len(prods)):
            raise DataError(f"{name} must be 0/1 with {len(prods)} entries (or shape ({n}, "
                            f"{len(prods)})); received shape {arr.shape}.")
        bad = ~np.isin(arr, (0.0, 1.0))
        if bad.any():
            raise DataError(f"{name} must hold 0/1 only; " + describe_rows(bad.any(axis=1), index))
        return np.ascontiguousarray(arr)

    def conditional_probability(self, owned: Any, data: Any = None, *, draws: int | None = None
                                ) -> pd.DataFrame:
        """``P(y_ij = 1 | y_ik for k != j)``: ownership of each product given the others held.

        Computed as ``P(y_j = 1, y_-j) / [P(y_j = 1, y_-j) + P(y_j = 0, y_-j)]`` with the
        same draws in numerator and denominator (exact for J <= 2).

        Parameters
        ----------
        owned : (n, J) array or DataFrame of 0/1
            Observed ownership of the other products (column j is ignored for product j).
        data : optional
            Covariates (the fitted customers when None).
        draws : int, optional
            Draws per customer (defaults to the model's).

        Returns
        -------
        pandas.DataFrame
            One row per customer, one column per product.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.conditional_probability(base.ownership).head(2).round(2).to_numpy().tolist()
        [[0.79, 0.87], [0.8, 0.79]]
        """
        mu, index, _ = self._mu(data)
        Y = self._pattern_array(owned, mu.shape[0], index, "owned")
        out = np.empty_like(mu)
        for j in range(mu.shape[1]):  # loop over products
            y1 = Y.copy()
            y1[:, j] = 1.0
            y0 = Y.copy()
            y0[:, j] = 0.0
            p1 = self._pattern_prob(mu, y1, index, draws)
            p0 = self._pattern_prob(mu, y0, index, draws)
            out[:, j] = p1 / (p1 + p0)
        return pd.DataFrame(out, index=index, columns=self.model.products)

    def marginal_effects(self, at: str = "overall", data: Any = None) -> pd.DataFrame:
        """Marginal effects of each covariate on ``P(y_j = 1)``: ``phi(x' beta_j) beta_jk``.

        Parameters
        ----------
        at : {"overall", "mean"}, default "overall"
            Average over customers of the customer-level effects, or at the covariate means.
        data : optional
            Covariates (the fitted customers when None).

        Returns
        -------
        pandas.DataFrame
            Rows are covariates (the constant excluded), columns products.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.marginal_effects().round(2).loc["income"].tolist()
        [0.06, 0.11]
        """
        if at not in {"overall", "mean"}:
            raise ModelSpecificationError(f"at must be 'overall' or 'mean'; received {at!r}.")
        mu, _, X = self._mu(data)
        cols = {}
        for j, (p, names) in enumerate(zip(self.model.products, self.model.exog_names)):
            b = self.beta[p].loc[names].to_numpy()
            if at == "overall":
                dens = stats.norm.pdf(mu[:, j]).mean()
            else:
                dens = stats.norm.pdf(X[j].mean(axis=0) @ b)
            keep = [k for k, nm in enumerate(names) if not _is_constant(X[j][:, k])]
            cols[p] = pd.Series(dens * b[keep], index=[names[k] for k in keep])
        return pd.DataFrame(cols)

    def linear_index(self, data: Any = None) -> pd.DataFrame:
        """Linear indices ``x_ij' beta_j`` (one column per product, index kept).

        Parameters
        ----------
        data : optional
            Covariates (the fitted customers when None).

        Returns
        -------
        pandas.DataFrame
            One row per customer (index kept), one column per product.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.linear_index().head(2).round(3).to_numpy().tolist()
        [[0.674, 0.935], [0.638, 0.607]]
        """
        mu, index, _ = self._mu(data)
        return pd.DataFrame(mu, index=index, columns=self.model.products)

    # ---- summary ---------------------------------------------------------------------
    def summary(self, level: float = 0.95) -> Summary:
        """Fit statistics, coefficients, correlations and the LR test of independence.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the coefficient and correlation intervals.

        Returns
        -------
        custvalue.base.Summary
            Text with ``print``, HTML in Jupyter.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> print(res.summary())  # doctest: +ELLIPSIS
        MultivariateProbit results
        ...
        """
        base = super().summary(level)
        m = self.model
        info = [*base.info, ("Products (J)", m.n_products), ("Likelihood", m.method if m.correlated
                                                               else "independent probits")]
        if m.method == "ghk" and m.correlated:
            info.append(("Halton draws per customer", m.draws))
        tables = list(base.tables)
        if m.correlated:
            lr = self.lr_test_independence()
            info += [("LR test Sigma = I", f"chi2({lr.df}) = {lr.statistic:.4g}, p = {lr.pvalue:.3g}")]
            tables.append(("Correlations (delta-method SE, Fisher-z intervals)", self.corr_table(level)))
        return Summary(f"{type(m).__name__} results", info, tables, base.notes)


MultivariateProbit.results_class = MultivariateProbitResults
