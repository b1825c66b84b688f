"""The multivariate probit model of product ownership (Verhoef & Donkers 2001, section 3):
the specification (data, design, likelihood, fit); the fitted results are in
:mod:`custvalue.potential.mvprobit.results`.

Customer ``i`` owns product ``j`` (at any firm) when ``x_ij' beta_j + e_ij > 0`` with
``e_i ~ N(0, Sigma)`` and ``Sigma`` a correlation matrix.  The likelihood of a customer's
ownership pattern is a J-dimensional normal orthant probability: exact for J = 1 (probit)
and J = 2 (bivariate normal CDF), simulated with GHK and fixed scrambled Halton draws for
J >= 3 (simulated maximum likelihood; Train 2009, chapter 10).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, special

from ..._deprecation import renamed_arguments
from ..._validation import (align_by_label, as_float_array, check_positive_scalar, check_whole_number,
                           describe_rows, formula_data, formula_roles)
from ...base import LikelihoodModel
from ...base.transforms import check_in_domain
from ...exceptions import ConvergenceWarning, DataError, ModelSpecificationError, SimulationWarning
from ...math import ghk, probit
from ._common import MIN_DRAWS, check_n_draws, is_constant
from .results import MultivariateProbitResults

__all__ = ["MultivariateProbit"]


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
    n_draws : int, default 100
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
    >>> res = MultivariateProbit(base.ownership, base.covariates, n_draws=50).fit()
    >>> res.corr.shape
    (3, 3)
    """

    results_class = MultivariateProbitResults

    @renamed_arguments(draws="n_draws")
    def __init__(self, y: Any, X: Any, *, n_draws: int = 100, seed: int = 0, method: str = "auto",
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
        n_draws = check_n_draws(n_draws)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise DataError(f"seed must be an integer; received {seed!r}.")
        if method == "ghk" and n_draws < MIN_DRAWS:
            # stacklevel 3: past the renamed_arguments wrapper, at the caller
            warnings.warn(f"n_draws={n_draws} is small: the simulated likelihood is biased for few draws "
                          f"(use at least {MIN_DRAWS}, typically 100 or more).", SimulationWarning, stacklevel=3)

        self.products = products
        self.index = index
        self.y = Y
        self.n_draws = n_draws
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
        if self.add_constant and not any(is_constant(arr[:, k]) for k in range(arr.shape[1])):
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

    @property
    def draws(self) -> int:
        """Deprecated: renamed ``n_draws`` (issue 17); warns with a ``FutureWarning``."""
        warnings.warn("MultivariateProbit.draws is renamed MultivariateProbit.n_draws; the old name still works "
                      "in this release and will be removed in the next.", FutureWarning, stacklevel=2)
        return self.n_draws

    def _draws_for(self, index: pd.Index, n_draws: int | None = None) -> np.ndarray:
        keys = ghk.customer_keys(index, self.seed)
        return ghk.halton_draws(keys, n_draws or self.n_draws, max(self.n_products - 1, 0), seed=self.seed)

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
        k = sum(self._k_beta) + (dg.shape[1] if self.correlated else 0)
        S = np.empty((mu.shape[0], k))
        pos = 0
        for j, x in enumerate(self.X):  # loop over products: S[:, block j] = dmu_j x_j
            np.multiply(dmu[:, [j]], x, out=S[:, pos:pos + x.shape[1]])
            pos += x.shape[1]
        if self.correlated:
            S[:, pos:] = dg
        return ll, S

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
        p = self._as_params(params)
        memo = getattr(self, "_score_memo", None)  # set by fit() for its covariance only
        if memo is not None and memo[0] == p.tobytes():
            return memo[1]
        return self._evaluate(p)[1]

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

    def _pairwise_corr(self, betas: list[np.ndarray], corr0: np.ndarray, steps: int = 2) -> np.ndarray:
        """Pairwise correlations: each ``rho_ac`` by the exact bivariate probit with the
        coefficients held at their univariate estimates (Ashford & Sowden 1970; Greene 2018,
        section 17.9.1), ``steps`` one-dimensional BHHH steps from ``corr0``, all pairs at once.

        With ``P11 = Phi_2(mu_a, mu_c; rho)`` the four cells are ``P11``, ``Phi(mu_a) - P11``,
        ``Phi(mu_c) - P11`` and ``1 - Phi(mu_a) - Phi(mu_c) + P11``, so
        ``d log P / d rho = q_a q_c phi_2(mu_a, mu_c; rho) / P`` (Greene 2018, eq. 17-48);
        one ``rho`` per pair keeps :func:`~custvalue.math.ghk.bvn_cdf` on its vectorised path.
        Each pair is consistent for its correlation, so the matrix (repaired to be positive
        definite) starts the joint fit within sampling error of its optimum.
        """
        J = self.n_products
        rows, cols = np.tril_indices(J, -1)
        mu = np.column_stack([x @ b for x, b in zip(self.X, betas)])
        Phi = special.ndtr(mu)
        n, P = mu.shape[0], rows.size
        h = mu[:, rows].T.ravel()  # pair-major: each pair's customers contiguous
        k = mu[:, cols].T.ravel()
        ya, yc = self.y[:, rows].T, self.y[:, cols].T
        s = (2.0 * ya - 1.0) * (2.0 * yc - 1.0)
        # P = a + s * P11 for the observed cell: (1, 1): 0 + P11; (1, 0): Phi_a - P11; ...
        base = ya * (1.0 - yc) * Phi[:, rows].T + (1.0 - ya) * yc * Phi[:, cols].T \
            + (1.0 - ya) * (1.0 - yc) * (1.0 - Phi[:, rows].T - Phi[:, cols].T)
        w = self.weights
        rho = corr0[rows, cols].copy()
        for _ in range(steps):  # loop over steps; all pairs and customers at once
            r = np.repeat(rho, n)
            with np.errstate(all="ignore"):
                P11 = ghk.bvn_cdf(h, k, r).reshape(P, n)
                d = s * ghk.bvn_pdf(h, k, r).reshape(P, n) / np.maximum(base + s * P11, 1e-300)
            g = d @ w
            info = (d * d) @ w
            if not (np.all(np.isfinite(g)) and np.all(info > 0)):
                return corr0
            rho = np.clip(rho + g / info, -0.95, 0.95)
        corr = np.eye(J)
        corr[rows, cols] = corr[cols, rows] = rho
        ev, V = np.linalg.eigh(corr)
        if ev.min() < 0.05:  # repair to a positive-definite correlation matrix
            corr = (V * np.clip(ev, 0.05, None)) @ V.T
            dd = np.sqrt(np.diag(corr))
            corr = corr / np.outer(dd, dd)
        return corr

    def initial_point(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Where :meth:`fit` starts: the univariate-probit coefficients and, for the GHK
        likelihood, the pairwise bivariate-probit correlations (exact bivariate normal CDF,
        :meth:`_pairwise_corr`), which start the joint fit within sampling error of its
        optimum; otherwise :meth:`start_params`.

        Returns
        -------
        tuple
            ``(theta0, None)``: start values in the order of ``param_names``, no curvature.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(2000, n_products=3, seed=1)
        >>> model = MultivariateProbit(base.ownership, base.covariates, n_draws=50)
        >>> theta0, h = model.initial_point()
        >>> theta0.shape, h is None
        ((15,), True)
        """
        if not (self.correlated and self.method == "ghk"):
            return super().initial_point()
        betas = list(self._univariate["betas"])
        corr = self._pairwise_corr(betas, self._univariate["corr"])
        return np.concatenate([*betas, ghk.cpc_from_corr(corr)]), None

    def _fit_bhhh(self, x: np.ndarray, maxiter: int, gtol: float
                  ) -> tuple[np.ndarray, float, np.ndarray, int, bool, str]:
        """BHHH steps (Berndt, Hall, Hall & Hausman 1974; Train 2009, section 8.3.2) with
        step halving: the information is the outer product of the per-customer exact
        scores, which one GHK pass returns with the log-likelihood.  For a correctly
        specified model the outer product approximates minus the Hessian, so the steps
        converge linearly at a small rate (a few passes from :meth:`initial_point`).

        Returns ``(params, llf, scores, n_iter, converged, message)``; ``converged`` False
        with a message saying why when a step fails (the caller then continues with BFGS).
        """
        w = self.weights
        unit = bool((w == 1.0).all())
        scale = self.nobs

        def evaluate(p: np.ndarray) -> tuple[float, np.ndarray]:
            with np.errstate(all="ignore"):
                ll_i, S = self._evaluate(p)
            ll = float(w @ ll_i)
            return (ll, S) if np.isfinite(ll) and np.all(np.isfinite(S)) else (-np.inf, S)

        ll, S = evaluate(x)
        if not np.isfinite(ll):
            return x, ll, S, 0, False, "BHHH: log-likelihood not finite at the start"
        for it in range(maxiter + 1):
            g = w @ S
            if np.max(np.abs(g)) < gtol * scale:
                return x, ll, S, it, True, "BHHH: gradient below gtol"
            if it == maxiter:
                break
            info = S.T @ S if unit else (S * w[:, None]).T @ S
            try:
                step = linalg.cho_solve(linalg.cho_factor(info), g)
            except (linalg.LinAlgError, ValueError):
                return x, ll, S, it, False, "BHHH: outer product of the scores is singular"
            big = np.max(np.abs(step))
            if big > 1.0:  # a step of more than 1 in any parameter is cut to 1
                step = step / big
            a = 1.0
            for _ in range(30):  # step halving
                ll_new, S_new = evaluate(x + a * step)
                if ll_new >= ll - 1e-12 * abs(ll):
                    break
                a *= 0.5
            else:
                return x, ll, S, it, False, "BHHH: no step increases the log-likelihood"
            x, ll, S = x + a * step, ll_new, S_new
        return x, ll, S, maxiter, False, "BHHH: maximum number of iterations reached"

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-7,
            cov_type: str = "hessian") -> MultivariateProbitResults:
        """Maximise the (simulated) log-likelihood with the exact gradient.

        The GHK likelihood is maximised by BHHH steps (:meth:`_fit_bhhh`) from
        :meth:`initial_point`, continuing with BFGS if a step fails; the exact likelihoods
        (J <= 2, independent probits) by BFGS (:meth:`custvalue.base.LikelihoodModel.fit`).
        Both stop at the same gradient tolerance, so they reach the same optimum.

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
        if not (self.correlated and self.method == "ghk"):
            return super().fit(start_params=start_params, maxiter=maxiter, gtol=gtol,
                               cov_type=cov_type)  # type: ignore[return-value]
        if cov_type not in {"hessian", "opg", "robust"}:
            raise ModelSpecificationError(
                f"cov_type must be 'hessian', 'opg' or 'robust'; received {cov_type!r}.")
        maxiter = check_whole_number(maxiter, "maxiter", minimum=0)
        gtol = check_positive_scalar(gtol, "gtol")
        if start_params is None:
            x0 = self.initial_point()[0]
        else:
            x0 = check_in_domain(self._as_params(start_params, "start_params"), self._transforms,
                                 tuple(self.param_names), "start_params")
        # at most 50 BHHH steps: far from the optimum the outer product can be a poor
        # curvature estimate, and BFGS then takes over from the last point
        x, llf, S, n_iter, converged, message = self._fit_bhhh(np.asarray(x0, dtype=float),
                                                               min(maxiter, 50), gtol)
        if not converged and (n_iter < maxiter or not np.isfinite(llf)):  # BFGS continues
            return super().fit(start_params=x, maxiter=maxiter - n_iter, gtol=gtol,
                               cov_type=cov_type)  # type: ignore[return-value]
        if not converged:
            warnings.warn(
                f"{type(self).__name__}.fit did not converge after {n_iter} iterations "
                f"({message}); check the data for extreme rows, try other start_params "
                f"or a larger maxiter.", ConvergenceWarning, stacklevel=2)
        self._score_memo = (x.tobytes(), S)  # the OPG needs the scores at x: no second pass
        try:
            cov = self._covariance(x, cov_type)
        finally:
            del self._score_memo
        return self.results_class(self, x, cov, llf, converged=converged, message=message,
                                  n_iter=n_iter, cov_type=cov_type)

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
            Passed to the constructor (``n_draws``, ``seed``...).

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

