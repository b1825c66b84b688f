"""Results of the multivariate probit (Verhoef & Donkers 2001): coefficients, correlations,
the LR test of independence and customer-level predictions (the specification is in
:mod:`custvalue.potential.mvprobit.specification`)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..._deprecation import renamed_arguments
from ..._validation import align_to_index, as_float_array, check_level, describe_rows
from ...base import LikelihoodResults
from ...base.lrtest import LRTestResult
from ...base.summary import Summary
from ...base.transforms import interval_on_scale
from ...exceptions import DataError, ModelSpecificationError
from ...math import ghk
from ._common import check_n_draws, is_constant

if TYPE_CHECKING:
    from .specification import MultivariateProbit

__all__ = ["MultivariateProbitResults"]


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
    >>> from custvalue.potential import MultivariateProbit
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
        >>> from custvalue.potential import MultivariateProbit
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

    def lr_test_independence(self) -> LRTestResult:
        """LR test of ``Sigma = I`` against the sum of univariate probits.

        Returns
        -------
        custvalue.base.lrtest.LRTestResult
            ``statistic = 2 (llf - llf_independent)``, ``df = J (J - 1) / 2`` and the
            chi-square p-value.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> from custvalue.potential import MultivariateProbit
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
        return LRTestResult(float(stat), int(df), p, float(self.llf_independent), float(self.llf))

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
        >>> from custvalue.potential import MultivariateProbit
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.predict().head(2).round(3).to_numpy().tolist()
        [[0.75, 0.825], [0.738, 0.728]]
        """
        mu, index, _ = self._mu(data)
        return pd.DataFrame(special.ndtr(mu), index=index, columns=self.model.products)

    def _pattern_prob(self, mu: np.ndarray, Y: np.ndarray, index: pd.Index, n_draws: int | None):
        m = self.model
        n_draws = None if n_draws is None else check_n_draws(n_draws)
        L, dL = m.chol(self.params.to_numpy())
        u = None
        if m.correlated and not (m.n_products == 2 and m.method == "exact"):
            u = m.u if (n_draws is None and index.equals(m.index) and m.u is not None) else \
                m._draws_for(index, n_draws)
        ll, _, _ = m._pattern_loglike(mu, Y, L, dL, u, gradient=False)
        return np.exp(ll)

    @renamed_arguments(draws="n_draws")
    def joint_probability(self, pattern: Any, data: Any = None, *, n_draws: int | None = None) -> pd.Series:
        """Probability of an ownership pattern, e.g. ``{"car": 1, "home": 0, "life": 1}``.

        Exact for J <= 2; GHK with the customer's own Halton draws otherwise.

        Parameters
        ----------
        pattern : mapping or sequence of 0/1, length J, or an (n, J) array / DataFrame
            The pattern (the same for every customer, or one row per customer).
        data : optional
            Covariates (the fitted customers when None).
        n_draws : int, optional
            Draws per customer (defaults to the model's).

        Returns
        -------
        pandas.Series
            Indexed by customer.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> from custvalue.potential import MultivariateProbit
        >>> model = MultivariateProbit(base.ownership, base.covariates)
        >>> res = model.fit()
        >>> res.joint_probability({"car": 1, "home": 1}).head(2).round(2).tolist()
        [0.65, 0.58]
        """
        mu, index, _ = self._mu(data)
        Y = self._pattern_array(pattern, mu.shape[0], index, "pattern")
        return pd.Series(self._pattern_prob(mu, Y, index, n_draws), index=index, name="probability")

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

    @renamed_arguments(draws="n_draws")
    def conditional_probability(self, owned: Any, data: Any = None, *, n_draws: int | None = None
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
        n_draws : int, optional
            Draws per customer (defaults to the model's).

        Returns
        -------
        pandas.DataFrame
            One row per customer, one column per product.

        Examples
        --------
        >>> from custvalue.simulate.potential import simulate_potential_base
        >>> base = simulate_potential_base(300, n_products=2, seed=1)
        >>> from custvalue.potential import MultivariateProbit
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
            p1 = self._pattern_prob(mu, y1, index, n_draws)
            p0 = self._pattern_prob(mu, y0, index, n_draws)
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
        >>> from custvalue.potential import MultivariateProbit
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
            keep = [k for k, nm in enumerate(names) if not is_constant(X[j][:, k])]
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
        >>> from custvalue.potential import MultivariateProbit
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
        >>> from custvalue.potential import MultivariateProbit
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
            info.append(("Halton draws per customer", m.n_draws))
        tables = list(base.tables)
        if m.correlated:
            lr = self.lr_test_independence()
            info += [("LR test Sigma = I", f"chi2({lr.df}) = {lr.statistic:.4g}, p = {lr.pvalue:.3g}")]
            tables.append(("Correlations (delta-method SE, Fisher-z intervals)", self.corr_table(level)))
        return Summary(f"{type(m).__name__} results", info, tables, base.notes)
