"""State-dependence logit: switching costs in money terms from a brand-choice panel.

The utility of brand ``j`` for customer ``i`` at occasion ``t`` is

    u_ijt = asc_j + alpha * price_ijt + gamma * 1[j == y_i,t-1] + e_ijt,

a conditional logit (McFadden 1974) with a lagged-choice dummy.  ``gamma`` is the utility of
staying with last time's brand; dividing by the price coefficient turns it into money, the
price cut a rival must offer to make the customer indifferent: ``S = gamma / |alpha|``
(Dubé, Hitsch & Rossi 2010, "State dependence and alternative explanations for consumer
inertia", RAND J. Econ. 41(3):417-445, section 5).  With ``state_dependence="brand"`` every
brand has its own ``gamma_j`` and switching cost.

Persistent taste differences across customers also make them repeat their brand, so a naive
model confuses heterogeneity with state dependence and over-states ``gamma`` (Heckman 1981;
Keane 1997, JBES 15(3):310-327).  :class:`RandomInterceptLogit` adds normal person-level brand
intercepts, integrated by simulation (Train 2009, ch. 6 and 10), and handles the initial
condition with Wooldridge's (2005, J. Appl. Econometrics 20(1):39-54) device of conditioning
the intercepts on the first observed choice.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .._deprecation import renamed_arguments
from .._validation import (as_float_array, as_generator, check_level, check_whole_number, describe_rows,
                           resolve_columns)
from ..base import LikelihoodModel, LikelihoodResults, Summary
from ..base.identification import describe_direction, null_directions
from ..exceptions import DataError, IdentificationWarning, InitialConditionsWarning, ModelSpecificationError
from ..math import clogit

__all__ = ["ChoicePanel", "StateDependenceLogit", "StateDependenceResults", "RandomInterceptLogit",
           "InitialConditionsWarning", "prepare_choice_panel"]


@dataclass(frozen=True)
class ChoicePanel:
    """A validated brand-choice panel, sorted by customer and occasion.

    Attributes
    ----------
    brands : list
        Brand labels; position ``j`` in the arrays is ``brands[j]``.
    price : ndarray, shape (n, J)
        Prices at the estimation occasions (every occasion that has a previous one).
    chosen : ndarray of int, shape (n,)
        Position of the chosen brand.
    lag : ndarray of int, shape (n,)
        Position of the brand chosen at the previous occasion.
    initial : ndarray of int, shape (n,)
        Position of the brand chosen at the customer's first observed occasion.
    person : ndarray of int, shape (n,)
        Customer code (0..n_customers-1) of each estimation row, non-decreasing.
    customers : pandas.Index
        Customer ids, in code order.
    row_index : pandas.Index
        Labels of the input rows used for estimation.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "occasion": [0, 1, 2, 0, 1],
    ...                    "choice": ["A", "B", "B", "A", "A"],
    ...                    "price_A": [1.0, 1.2, 1.1, 1.0, 0.9],
    ...                    "price_B": [1.1, 1.0, 1.0, 1.2, 1.3]})
    >>> panel = prepare_choice_panel(df)
    >>> panel.brands, panel.chosen.tolist(), panel.lag.tolist(), panel.person.tolist()
    (['A', 'B'], [1, 1, 0], [0, 1, 0], [0, 0, 1])
    >>> panel.group_starts.tolist()
    [0, 2]
    """

    brands: list
    price: np.ndarray
    chosen: np.ndarray
    lag: np.ndarray
    initial: np.ndarray
    person: np.ndarray
    customers: pd.Index
    row_index: pd.Index

    @property
    def n_brands(self) -> int:
        """Number of brands ``J``."""
        return len(self.brands)

    @property
    def group_starts(self) -> np.ndarray:
        """First estimation row of each customer (rows are sorted by customer)."""
        return np.flatnonzero(np.r_[True, self.person[1:] != self.person[:-1]])


def _price_columns(prices: Mapping[Any, str] | Sequence[str] | None,
                   data: Any) -> dict[Any, str]:
    if prices is None:
        cols = [c for c in (data.columns if isinstance(data, pd.DataFrame) else (data or {}))
                if isinstance(c, str) and c.startswith("price_")]
        if not cols:
            raise DataError("prices is required: a mapping {brand: price column} or a list of "
                            "'price_<brand>' columns; none was given and data has no price_* columns.")
        prices = cols
    if isinstance(prices, Mapping):
        return dict(prices)
    prices = list(prices)
    return {(c[len("price_"):] if isinstance(c, str) and c.startswith("price_") else c): c
            for c in prices}


@renamed_arguments(customer="customer_col")
def prepare_choice_panel(
    data: pd.DataFrame | Mapping[str, Any],
    *,
    prices: Mapping[Any, str] | Sequence[str] | None = None,
    choice: str = "choice",
    customer_col: str = "customer_id",
    occasion: str = "occasion",
) -> ChoicePanel:
    """Validate a wide brand-choice panel and build the arrays of the state-dependence logit.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of columns
        One row per customer and purchase occasion.
    prices : mapping or sequence, optional
        ``{brand: column}`` giving each brand's price column, or a list of ``"price_<brand>"``
        columns; default every ``price_*`` column of ``data``.
    choice, customer_col, occasion : str, default "choice", "customer_id", "occasion"
        Names of the chosen-brand, customer-id and occasion-number columns.

    Returns
    -------
    ChoicePanel

    Raises
    ------
    DataError
        Fewer than two brands; a choice that is not one of the brands; non-finite prices;
        non-integer occasions; duplicated or non-consecutive occasions within a customer
        (a gap makes the lagged choice unknown); no customer with two or more occasions.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "occasion": [0, 1, 2, 0, 1],
    ...                    "choice": ["A", "B", "B", "A", "A"],
    ...                    "price_A": [1.0, 1.2, 1.1, 1.0, 0.9],
    ...                    "price_B": [1.1, 1.0, 1.0, 1.2, 1.3]})
    >>> panel = prepare_choice_panel(df)
    >>> panel.price.shape  # first occasions only supply the lagged choice
    (3, 2)
    >>> panel.initial.tolist(), panel.customers.tolist()
    ([0, 0, 0], [1, 2])
    """
    if not isinstance(data, (pd.DataFrame, Mapping)):
        raise DataError("data must be a DataFrame (or a mapping of columns) with one row per "
                        f"customer and purchase occasion; received {type(data).__name__}.")
    pcols = _price_columns(prices, data)
    brands = list(pcols)
    if len(brands) < 2:
        raise DataError(f"a choice panel needs at least two brands (price columns); received "
                        f"{len(brands)}: {brands}.")
    customer = customer_col
    raw, index = resolve_columns(data, [customer, occasion, choice, *pcols.values()], {})
    n_rows = len(raw[choice])
    if index is None:
        index = pd.RangeIndex(n_rows, name="row")
    price = np.column_stack([as_float_array(raw[c], c, index=index) for c in pcols.values()])
    occ = as_float_array(raw[occasion], occasion, index=index)
    frac = occ != np.floor(occ)
    if frac.any():
        raise DataError(f"{occasion} must hold whole numbers (purchase occasion 0, 1, 2, ...); "
                        + describe_rows(frac, index))
    codes = pd.Index(brands).get_indexer(pd.Index(np.asarray(raw[choice], dtype=object)))
    outside = codes < 0
    if outside.any():
        bad = np.asarray(raw[choice], dtype=object)[outside][:3]
        raise DataError(f"{choice} must be one of the brands {brands} (the choice set); received "
                        f"{list(bad)}; " + describe_rows(outside, index))
    cust_codes, customers = pd.factorize(pd.Series(np.asarray(raw[customer], dtype=object)), sort=True)
    if (cust_codes < 0).any():
        raise DataError(f"{customer} must not be missing; " + describe_rows(cust_codes < 0, index))
    order = np.lexsort((occ, cust_codes))
    c_s, o_s = cust_codes[order], occ[order]
    same = np.r_[False, c_s[1:] == c_s[:-1]]
    step = np.r_[0.0, np.diff(o_s)]
    dup = same & (step == 0)
    if dup.any():
        mask = np.zeros(n_rows, dtype=bool)
        mask[order[dup]] = True
        raise DataError(f"each ({customer}, {occasion}) pair must appear once; "
                        + describe_rows(mask, index))
    gap = same & (step != 1)
    if gap.any():
        mask = np.zeros(n_rows, dtype=bool)
        mask[order[gap]] = True
        raise DataError(f"the panel has gaps: {occasion} must run consecutively (1 apart) within "
                        f"each {customer}, otherwise the previous choice is unknown; fill or split "
                        f"the panel; " + describe_rows(mask, index))
    if not same.any():
        raise DataError(f"no {customer} has two or more consecutive occasions; the state-dependence "
                        f"logit needs a previous choice.")
    ch_s = codes[order].astype(np.intp)
    first = np.r_[True, ~same[1:]]
    first_pos = np.maximum.accumulate(np.where(first, np.arange(n_rows), 0))
    est = same
    cust_est = c_s[est]
    _, person = np.unique(cust_est, return_inverse=True)
    return ChoicePanel(
        brands=brands,
        price=price[order][est],
        chosen=ch_s[est],
        lag=ch_s[np.flatnonzero(est) - 1],
        initial=ch_s[first_pos[est]],
        person=person.astype(np.intp),
        customers=pd.Index(customers[np.unique(cust_est)], name=customer),
        row_index=index[order[est]],
    )


def _naive_newton(X: np.ndarray, chosen: np.ndarray, maxiter: int = 100) -> np.ndarray:
    """Maximise the concave conditional-logit log-likelihood (McFadden 1974) by Newton steps
    with step halving, from zeros.

    A singular Hessian (an unidentified design, reported at fit time) gives minimum-norm
    steps, which leave the flat directions where they are.
    """
    beta = np.zeros(X.shape[2])
    ll, g = (v.sum(axis=0) for v in clogit.loglike_and_score(beta, X, chosen))
    for _ in range(maxiter):
        try:
            step = np.linalg.lstsq(-clogit.hessian(beta, X), g, rcond=None)[0]
        except (np.linalg.LinAlgError, ValueError):
            break
        if not np.all(np.isfinite(step)):
            break
        for _ in range(30):  # halve until the log-likelihood does not fall
            ll_new, g_new = (v.sum(axis=0) for v in clogit.loglike_and_score(beta + step, X, chosen))
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        else:
            break
        beta, ll, g = beta + step, ll_new, g_new
        if np.max(np.abs(step)) < 1e-10 * max(1.0, float(np.max(np.abs(beta)))):
            break
    return beta


def _onehot(codes: np.ndarray, J: int) -> np.ndarray:
    out = np.zeros((codes.shape[0], J))
    out[np.arange(codes.shape[0]), codes] = 1.0
    return out


class StateDependenceResults(LikelihoodResults):
    """Fitted state-dependence logit, with money-metric switching costs.

    Returned by :meth:`StateDependenceLogit.fit` and :meth:`RandomInterceptLogit.fit`.

    Attributes
    ----------
    model : StateDependenceLogit or RandomInterceptLogit
        The fitted model.
    params : pandas.Series
        ``asc_*``, ``alpha``, ``gamma`` (or ``gamma_*``), and for the random-intercept model
        ``init_*`` and ``sigma_*``.
    cov_params : pandas.DataFrame
        Estimated covariance of ``params``.
    llf, nobs, converged, message, n_iter, cov_type
        As in :class:`custvalue.base.LikelihoodResults` (``nobs`` counts occasions for the
        naive logit, customers for the random-intercept model).

    Examples
    --------
    >>> from custvalue.simulate.switching import simulate_choice_panel
    >>> res = StateDependenceLogit(simulate_choice_panel(300, 4, brands=3, seed=1)).fit()
    >>> list(res.params.index), res.nobs, res.is_heterogeneity_model
    (['asc_B', 'asc_C', 'alpha', 'gamma'], 900.0, False)
    """

    def switching_cost(self, level: float = 0.95) -> pd.DataFrame:
        """Money-metric switching cost ``gamma / |alpha|`` with delta-method standard errors.

        The money metric needs a price coefficient that is negative and significantly
        different from zero at ``level``:

        * ``alpha >= 0`` (higher prices no less attractive): the ratio has no money meaning;
          ``estimate``, ``std err`` and the interval are NaN;
        * ``alpha < 0`` but not significant at ``level``: the estimate is reported, but the
          confidence set of a ratio whose denominator's interval contains zero is unbounded
          (Fieller 1954), so ``std err``, ``lower`` and ``upper`` are NaN;
        * a delta-method variance that is negative or undefined (a covariance matrix that is
          not positive semi-definite, or unidentified parameters) gives NaN, never 0.

        Each case issues an :class:`~custvalue.exceptions.IdentificationWarning` saying why.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the Wald interval (and of the significance check of
            ``alpha``).

        Returns
        -------
        pandas.DataFrame
            One row per state-dependence coefficient (``"all brands"`` or each brand) with
            ``estimate``, ``std err``, ``lower`` and ``upper``.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> res = StateDependenceLogit(simulate_choice_panel(300, 4, brands=3, seed=1)).fit()
        >>> res.switching_cost().round(2).to_numpy().tolist()  # true: 1.2 / 2.0 = 0.6
        [[0.65, 0.05, 0.55, 0.74]]
        """
        level = check_level(level)
        names = [n for n in self.params.index if n == "gamma" or n.startswith("gamma_")]
        a = float(self.params["alpha"])
        cov = self.cov_params
        z = stats.norm.ppf(0.5 + level / 2)
        se_a = float(self.bse["alpha"])
        if not a < 0:
            warnings.warn(
                f"the price coefficient alpha = {a:.4g} is not negative, so gamma/|alpha| is no "
                "money amount (customers would not dislike higher prices): the switching cost is "
                "NaN. Check the price columns (units, signs) and the model.",
                IdentificationWarning, stacklevel=2)
        elif not (np.isfinite(se_a) and abs(a) / se_a > z):
            warnings.warn(
                f"the price coefficient alpha = {a:.4g} (std err {se_a:.3g}) is not significantly "
                f"different from zero at level {level:g}: the confidence set of gamma/|alpha| is "
                "then unbounded (Fieller 1954), so the switching cost has no interval (NaN). More "
                "price variation or more occasions are needed to put it in money terms.",
                IdentificationWarning, stacklevel=2)
        rows = {}
        for n in names:
            g = float(self.params[n])
            est, se = np.nan, np.nan
            if a < 0:
                est = float(clogit.money_metric(g, a))
                if np.isfinite(se_a) and abs(a) / se_a > z:
                    se = self._delta_se(clogit.money_metric_gradient(g, a), [n, "alpha"], cov)
            label = "all brands" if n == "gamma" else n[len("gamma_"):]
            rows[label] = {"estimate": est, "std err": se, "lower": est - z * se, "upper": est + z * se}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "switching cost"
        return out

    @staticmethod
    def _delta_se(grad: Any, names: list[str], cov: pd.DataFrame) -> float:
        """Delta-method standard error; NaN with a warning when the variance is not >= 0."""
        g = np.array([float(v) for v in grad])
        var = float(g @ cov.loc[names, names].to_numpy() @ g)
        if np.isfinite(var) and var >= 0:
            return float(np.sqrt(var))
        warnings.warn(
            f"the delta-method variance of the switching cost from {names} is "
            f"{'negative' if np.isfinite(var) else 'undefined'} ({var:.3g}): the covariance "
            "matrix is not positive semi-definite there (the fit may not be at a maximum, or the "
            "parameters are not identified); the standard error is NaN, not 0.",
            IdentificationWarning, stacklevel=3)
        return np.nan

    def summary(self, level: float = 0.95) -> Summary:  # noqa: D102
        s = super().summary(level)
        s.tables.append(("Money-metric switching cost gamma/|alpha| (delta method)",
                         self.switching_cost(level)))
        s.info[1] = ("Occasions (nobs)" if not isinstance(self.model, RandomInterceptLogit)
                     else "Customers (nobs)", self.nobs)
        s.notes.extend(self.model._notes())
        if self.bse.isna().any():
            s.notes.append(f"standard errors are NaN for {list(self.bse.index[self.bse.isna()])}: "
                           "not identified by the data or a covariance that is not positive "
                           "definite (see the IdentificationWarning at fit time).")
        return s

    summary.__doc__ = LikelihoodResults.summary.__doc__

    @cached_property
    def is_heterogeneity_model(self) -> bool:
        """Whether person-level intercepts were integrated out."""
        return isinstance(self.model, RandomInterceptLogit)


class StateDependenceLogit(LikelihoodModel):
    """Conditional logit with brand intercepts, price and a lagged-choice dummy.

    ``u_ijt = asc_j + alpha price_ijt + gamma 1[j == y_i,t-1] + e_ijt`` (McFadden 1974 with
    the state dependence of Keane 1997, eq. 1; switching cost ``gamma/|alpha|`` as in Dubé,
    Hitsch & Rossi 2010).  The first occasion of each customer only supplies the lagged
    choice.  Likelihood, gradient and Hessian are analytic and vectorised over occasions.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of columns
        One row per customer and purchase occasion (see :func:`prepare_choice_panel`).
    prices : mapping or sequence, optional
        ``{brand: price column}`` or ``"price_<brand>"`` column names; default all
        ``price_*`` columns.  The first brand is the reference (no intercept).
    choice, customer_col, occasion : str, default "choice", "customer_id", "occasion"
        Column names of the chosen brand, the customer id and the purchase occasion.
    state_dependence : {"common", "brand"}, default "common"
        One ``gamma`` for all brands, or one ``gamma_<brand>`` per brand (brand-specific
        switching costs).

    Raises
    ------
    ModelSpecificationError
        When the design cannot identify a coefficient combination whatever the choices (the
        log-likelihood is flat along it): prices that do not differ across brands within
        occasions (``alpha``), ``state_dependence="brand"`` with two brands, or a brand that
        is never the previous choice.  The message names the combination.

    Warns
    -----
    IdentificationWarning
        At fit time, when the information matrix at the estimate is (numerically) singular:
        the flat directions are named and the standard errors of the parameters involved are
        NaN; from :meth:`StateDependenceResults.switching_cost` when the price coefficient is
        not negative and significant (the money metric is then NaN or has no interval).

    Notes
    -----
    Without controls for persistent taste differences, ``gamma`` also absorbs them and is
    biased upward (spurious state dependence); use :class:`RandomInterceptLogit`.

    Examples
    --------
    >>> from custvalue.simulate.switching import simulate_choice_panel
    >>> panel = simulate_choice_panel(2000, 6, seed=3)
    >>> res = StateDependenceLogit(panel).fit()
    >>> round(float(res.switching_cost()["estimate"].iloc[0]), 1)
    0.6
    """

    results_class = StateDependenceResults
    check_identification = True

    @renamed_arguments(customer="customer_col")
    def __init__(self, data: pd.DataFrame | Mapping[str, Any], *,
                 prices: Mapping[Any, str] | Sequence[str] | None = None, choice: str = "choice",
                 customer_col: str = "customer_id", occasion: str = "occasion",
                 state_dependence: str = "common"):
        if state_dependence not in {"common", "brand"}:
            raise ModelSpecificationError(
                f"state_dependence must be 'common' or 'brand'; received {state_dependence!r}.")
        self.state_dependence = state_dependence
        self.panel = prepare_choice_panel(data, prices=prices, choice=choice, customer_col=customer_col,
                                          occasion=occasion)
        self.X, names = self._design()
        self._check_design(names)
        self.param_names = tuple(names)
        self.param_transforms = {n: "identity" for n in names}
        self.weights = np.ones(self.X.shape[0])

    # -- design ------------------------------------------------------------------------------
    def _check_design(self, names: list[str]) -> None:
        """Refuse a design that cannot identify its coefficients, whatever the choices.

        Only differences of utilities across the brands of an occasion enter the logit, so a
        combination ``d`` of coefficients is identified only if ``x_nj' d`` varies across
        brands ``j`` on some occasion ``n``: the null space of
        ``sum_n sum_j (x_nj - xbar_n)(x_nj - xbar_n)'`` is the set of directions along which
        the log-likelihood is flat at every parameter value (the logit information matrix
        has the same null space for any choice probabilities in (0, 1)).
        """
        Xc = (self.X - self.X.mean(axis=1, keepdims=True)).reshape(-1, self.X.shape[2])
        dirs = null_directions(Xc.T @ Xc, names, rtol=1e-10)  # one BLAS product
        if dirs:
            which = "; ".join(describe_direction(d) for d in dirs)
            raise ModelSpecificationError(
                f"{type(self).__name__}: the design does not identify the coefficient "
                f"combination(s) {which}: the log-likelihood is flat along them whatever "
                f"the choices, given these prices and previous choices. "
                f"{self._identification_hint(dirs)}")

    def _identification_hint(self, directions: list) -> str:
        involved = {n for d in directions for n, w in zip(d.index, d.attrs["weight"]) if w >= 0.05}
        hints = []
        if "alpha" in involved:
            hints.append("The prices do not vary across brands within occasions (or only "
                         "together with other terms), so the price coefficient alpha, and with "
                         "it the money metric gamma/|alpha|, is not identified: the data need "
                         "price differences between brands.")
        brands = self.panel.brands
        if any(n.startswith("init_") for n in involved):
            never = [b for j, b in enumerate(brands) if not (self.panel.initial == j).any()]
            hints.append(f"Brand(s) {never} are never a customer's first observed choice, so "
                         "their init_<brand> term is not identified: use "
                         "initial_conditions='exogenous' or data where every brand starts some "
                         "sequence." if never else
                         "The Wooldridge terms init_<brand> need three or more brands (with two, "
                         "only init_A + init_B and asc_B - init_A are identified): use "
                         "initial_conditions='exogenous'.")
        if any(n.startswith("gamma_") for n in involved):
            never = [b for j, b in enumerate(brands) if not (self.panel.lag == j).any()]
            hints.append(f"Brand(s) {never} are never the previous choice, so their gamma_<brand> "
                         "is not identified: use state_dependence='common'." if never else
                         "Brand-specific state dependence needs three or more brands (with two, "
                         "only gamma_A + gamma_B and asc_B - gamma_A are identified): use "
                         "state_dependence='common'.")
        if any(n.startswith("asc_") for n in involved) and not hints:
            hints.append("A brand may never (or always) be chosen; check the choice column.")
        return " ".join(hints) or ("Fix one parameter of each combination or add data that "
                                   "separates them.")

    def _design(self) -> tuple[np.ndarray, list[str]]:
        p = self.panel
        J = p.n_brands
        eye = np.eye(J)
        blocks = [np.broadcast_to(eye[1:].T, (p.price.shape[0], J, J - 1)), p.price[:, :, None]]
        names = [f"asc_{b}" for b in p.brands[1:]] + ["alpha"]
        lag = _onehot(p.lag, J)
        if self.state_dependence == "common":
            blocks.append(lag[:, :, None])
            names.append("gamma")
        else:
            blocks.append(lag[:, :, None] * eye[None, :, :])
            names += [f"gamma_{b}" for b in p.brands]
        return np.concatenate(blocks, axis=2), names

    def _notes(self) -> list[str]:
        return ["gamma also absorbs persistent taste differences across customers; compare with "
                "RandomInterceptLogit before reading it as a switching cost."]

    # -- likelihood ----------------------------------------------------------------------------
    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        return clogit.loglike(params, self.X, self.panel.chosen)

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        return clogit.score(params, self.X, self.panel.chosen)

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        # one pass over the utilities gives both the value and the score
        ll, sc = clogit.loglike_and_score(params, self.X, self.panel.chosen)
        return float(self.weights @ ll), self.weights @ sc

    def hessian(self, params: Any) -> np.ndarray:
        """Analytic Hessian of the log-likelihood (McFadden 1974).

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
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(300, 4, brands=3, seed=1)
        >>> model = StateDependenceLogit(panel)
        >>> model.hessian(model.fit().params).shape
        (4, 4)
        """
        return clogit.hessian(self._as_params(params), self.X, weights=self.weights)

    def start_params(self) -> np.ndarray:
        return np.zeros(len(self.param_names))

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-9,
            cov_type: str = "hessian") -> StateDependenceResults:
        """Fit by maximum likelihood (BFGS on the analytic gradient).

        Parameters
        ----------
        start_params : array-like or mapping, optional
            Starting values (default zeros).
        maxiter, gtol, cov_type
            See :meth:`custvalue.base.LikelihoodModel.fit`; ``cov_type="robust"`` gives the
            sandwich (use it for clustered designs only with care: rows are occasions).

        Returns
        -------
        StateDependenceResults
            ``params`` (``asc_*``, ``alpha``, ``gamma`` or ``gamma_*``), ``bse``,
            ``switching_cost()``, ``summary()``.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(300, 4, brands=3, seed=1)
        >>> model = StateDependenceLogit(panel)
        >>> model.fit().params.round(2).tolist()  # true alpha -2.0, gamma 1.2
        [-0.14, 0.03, -1.86, 1.2]
        """
        return super().fit(start_params=start_params, maxiter=maxiter, gtol=gtol,
                           cov_type=cov_type)  # type: ignore[return-value]

    def long_format(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The design in statsmodels' long layout, for cross-checks with ``ConditionalLogit``.

        Returns
        -------
        endog : numpy.ndarray, shape (n * J,)
            1 for the chosen brand, 0 otherwise (one row per occasion and brand).
        exog : numpy.ndarray, shape (n * J, k)
            The design, columns in the order of ``param_names``.
        groups : numpy.ndarray of int, shape (n * J,)
            Occasion number of each row.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(300, 4, brands=3, seed=1)
        >>> model = StateDependenceLogit(panel)
        >>> [a.shape for a in model.long_format()]
        [(2700,), (2700, 4), (2700,)]
        """
        n, J, k = self.X.shape
        endog = _onehot(self.panel.chosen, J).ravel()
        return endog, self.X.reshape(n * J, k), np.repeat(np.arange(n), J)


class RandomInterceptLogit(StateDependenceLogit):
    """State-dependence logit with normal person-level brand intercepts (simulated ML).

    ``u_ijt = asc_j + c_j 1[j == y_i0] + sigma_j z_ij + alpha price_ijt + gamma 1[j == y_i,t-1]
    + e_ijt`` with ``z_ij ~ N(0, 1)`` for every brand after the first.  The person-level
    intercepts are integrated out by simulation with scrambled Halton draws (Train 2009,
    sections 9.3.3 and 10.1); the likelihood is per customer.  The ``init_<brand>`` terms
    ``c_j`` let the intercepts' mean depend on the first observed choice (Wooldridge 2005),
    which handles the initial-conditions problem (Heckman 1981).

    Parameters
    ----------
    data, prices, choice, customer_col, occasion, state_dependence
        As in :class:`StateDependenceLogit`.
    n_draws : int, default 200
        Halton draws per customer.
    initial_conditions : {"wooldridge", "exogenous"}, default "wooldridge"
        ``"exogenous"`` drops the ``init_*`` terms and issues an
        :class:`InitialConditionsWarning`.  ``"wooldridge"`` needs three or more brands: with
        two, ``init_A``, ``init_B`` and ``asc_B`` enter the utility difference only as
        ``asc_B - init_A`` and ``init_A + init_B``, so the model is refused.
    seed : int or numpy.random.Generator, default 0
        Scrambling of the Halton draws (fixed per model, so the simulated likelihood is smooth).

    Raises
    ------
    ModelSpecificationError
        For two brands with ``initial_conditions="wooldridge"``, or any design that cannot
        identify its coefficients (see :class:`StateDependenceLogit`).

    Warns
    -----
    IdentificationWarning
        At fit time, when the information matrix at the estimate is singular (e.g. a brand
        never chosen): the warning names the flat directions and their standard errors are
        NaN.

    Examples
    --------
    >>> from custvalue.simulate.switching import simulate_choice_panel
    >>> panel = simulate_choice_panel(200, 5, heterogeneity=1.0, seed=4)
    >>> res = RandomInterceptLogit(panel, n_draws=20).fit()
    >>> list(res.params.index)[:4]
    ['asc_B', 'asc_C', 'asc_D', 'alpha']
    """

    # loglike_score_hessian is exact: fit takes trust-region Newton steps
    analytic_hessian = True

    @renamed_arguments(customer="customer_col")
    def __init__(self, data: pd.DataFrame | Mapping[str, Any], *,
                 prices: Mapping[Any, str] | Sequence[str] | None = None, choice: str = "choice",
                 customer_col: str = "customer_id", occasion: str = "occasion",
                 state_dependence: str = "common", n_draws: int = 200,
                 initial_conditions: str = "wooldridge",
                 seed: int | np.random.Generator = 0):
        if initial_conditions not in {"wooldridge", "exogenous"}:
            raise ModelSpecificationError("initial_conditions must be 'wooldridge' or 'exogenous'; "
                                          f"received {initial_conditions!r}.")
        n_draws = check_whole_number(n_draws, "n_draws", minimum=1)
        if initial_conditions == "exogenous":
            warnings.warn(
                "initial_conditions='exogenous' treats each customer's first observed choice as "
                "independent of the random intercepts although the same tastes produced it "
                "(Heckman 1981); gamma is then biased. Use initial_conditions='wooldridge'.",
                InitialConditionsWarning, stacklevel=3)  # 3: past the renamed_arguments wrapper
        self.initial_conditions = initial_conditions
        self.n_draws = n_draws
        super().__init__(data, prices=prices, choice=choice, customer_col=customer_col, occasion=occasion,
                         state_dependence=state_dependence)
        J = self.panel.n_brands
        self.loading = np.eye(J)[:, 1:]
        self.group_starts = self.panel.group_starts
        n_people = self.group_starts.size
        as_generator(seed)  # a bad seed raises a DataError naming it; the draws use the seed as given
        qmc = stats.qmc.Halton(d=J - 1, scramble=True, seed=seed)
        u = qmc.random(n_people * self.n_draws)
        # special.ndtri is what stats.norm.ppf evaluates, without its argument handling
        self.draws = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)).reshape(n_people, self.n_draws, J - 1)
        self.k_beta = self.X.shape[2]
        sig = [f"sigma_{b}" for b in self.panel.brands[1:]]
        self.param_names = self.param_names + tuple(sig)
        self.param_transforms = {**self.param_transforms, **{s: "log" for s in sig}}
        self.weights = np.ones(n_people)

    def _design(self) -> tuple[np.ndarray, list[str]]:
        X, names = super()._design()
        if self.initial_conditions == "wooldridge":
            J = self.panel.n_brands
            if J == 2:
                raise ModelSpecificationError(
                    "RandomInterceptLogit with two brands and initial_conditions='wooldridge' is "
                    "not identified: the intercepts' shifts init_A and init_B and asc_B enter the "
                    "utility difference only as asc_B - init_A and init_A + init_B, so the "
                    "log-likelihood is flat along (asc_B, init_A, init_B) + t * (1, 1, -1). Use "
                    "three or more brands, or initial_conditions='exogenous' (which treats the "
                    "first choice as exogenous; see InitialConditionsWarning).")
            init = _onehot(self.panel.initial, J)[:, :, None] * np.eye(J)[None, :, :]
            X = np.concatenate([X, init], axis=2)
            names = names + [f"init_{b}" for b in self.panel.brands]
        return X, names

    def _notes(self) -> list[str]:
        ic = ("intercepts conditioned on the first observed choice (Wooldridge 2005)"
              if self.initial_conditions == "wooldridge" else
              "initial conditions treated as exogenous: gamma may be biased (Heckman 1981)")
        return [f"simulated ML with {self.n_draws} Halton draws per customer; {ic}."]

    def _split(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return params[: self.k_beta], params[self.k_beta:]

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        b, s = self._split(params)
        return clogit.mixed_loglike(b, s, self.X, self.panel.chosen, self.group_starts,
                                    self.draws, self.loading)

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        b, s = self._split(params)
        return clogit.mixed_score(b, s, self.X, self.panel.chosen, self.group_starts,
                                  self.draws, self.loading)

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        # one pass over the simulated utilities gives both the value and the score
        b, s = self._split(params)
        ll, sc = clogit.mixed_loglike_and_score(b, s, self.X, self.panel.chosen,
                                                self.group_starts, self.draws, self.loading)
        return float(self.weights @ ll), self.weights @ sc

    def loglike_score_hessian(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Simulated log-likelihood, its gradient and its exact Hessian from one compiled pass
        over customers x draws x occasions (``fit`` then takes Newton steps).

        Parameters
        ----------
        params : numpy.ndarray
            Natural parameters, in the order of ``param_names``.

        Returns
        -------
        tuple of (float, numpy.ndarray, numpy.ndarray)
            Log-likelihood, gradient ``(k,)`` and Hessian ``(k, k)``.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(150, 4, brands=3, heterogeneity=1.0, seed=2)
        >>> model = RandomInterceptLogit(panel, n_draws=10)
        >>> ll, g, h = model.loglike_score_hessian(model.start_params())
        >>> g.shape, h.shape
        ((9,), (9, 9))
        """
        b, s = self._split(params)
        ll, sc, h = clogit.mixed_loglike_and_score(b, s, self.X, self.panel.chosen, self.group_starts,
                                                   self.draws, self.loading, hessian=True,
                                                   weights=self.weights)
        return float(self.weights @ ll), self.weights @ sc, h

    def hessian(self, params: Any) -> np.ndarray:
        """Exact Hessian of the simulated log-likelihood (Train 2009, eq. 10.1, differentiated twice).

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
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(150, 4, brands=3, heterogeneity=1.0, seed=2)
        >>> model = RandomInterceptLogit(panel, n_draws=10)
        >>> model.hessian(model.fit().params).shape
        (9, 9)
        """
        return LikelihoodModel.hessian(self, params)

    def start_params(self) -> np.ndarray:
        """The naive (fixed-intercept) conditional logit's estimate on the same design, and
        ``sigma = 0.5``.

        The naive log-likelihood is globally concave (McFadden 1974), so a few Newton steps
        on its analytic Hessian reach its maximum.

        Returns
        -------
        numpy.ndarray
            Start values in the order of ``param_names``.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(150, 4, brands=3, heterogeneity=1.0, seed=2)
        >>> RandomInterceptLogit(panel, n_draws=10).start_params().shape
        (9,)
        """
        return np.r_[_naive_newton(self.X, self.panel.chosen), np.full(self.panel.n_brands - 1, 0.5)]

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-9,
            cov_type: str = "hessian") -> StateDependenceResults:
        """Fit by simulated maximum likelihood (trust-region Newton on the exact Hessian).

        The simulated log-likelihood, its score and its Hessian come from one compiled pass
        over customers x draws x occasions; the standard errors use that Hessian at the
        estimate.

        Parameters
        ----------
        start_params : array-like or mapping, optional
            Default: the naive state-dependence logit's estimates and ``sigma = 0.5``.
        maxiter, gtol, cov_type
            See :meth:`custvalue.base.LikelihoodModel.fit`.

        Returns
        -------
        StateDependenceResults
            Adds ``sigma_<brand>`` (and ``init_<brand>``) to the parameters.

        Examples
        --------
        >>> from custvalue.simulate.switching import simulate_choice_panel
        >>> panel = simulate_choice_panel(150, 4, brands=3, heterogeneity=1.0, seed=2)
        >>> model = RandomInterceptLogit(panel, n_draws=10)
        >>> list(model.fit().params.index)  # three brands: with two, init_* are not identified
        ['asc_B', 'asc_C', 'alpha', 'gamma', 'init_A', 'init_B', 'init_C', 'sigma_B', 'sigma_C']
        """
        return LikelihoodModel.fit(self, start_params=start_params, maxiter=maxiter, gtol=gtol,
                                   cov_type=cov_type)  # type: ignore[return-value]
