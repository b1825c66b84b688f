"""Shy (2002): switching costs from prices and customer bases, with sampling uncertainty.

Shy, O. (2002), "A quick-and-easy method for estimating switching costs", International
Journal of Industrial Organization 20(1):71-87.  Under undercut-proof pricing, the switching
cost of firm ``i``'s customers is ``S_i = p_i - p_u N_u / (N_i + N_u)`` where ``p`` are prices
net of marginal cost, ``N`` customer bases and ``u`` the rival whose undercutting ``i`` fears
(the smallest firm; the smallest firm itself fears the second smallest).  The formulas live in
:mod:`custvalue.math.shy`; this module validates input, chooses rivals, propagates sampling
error (delta method or parametric bootstrap) and returns a tidy table.

With more than two firms, Shy's rival assignment imposes one undercutting condition per firm;
``rival="all"`` imposes every pairwise condition instead (each firm is protected against the
rival with the strongest incentive to undercut it), see :func:`undercut_proof_prices`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._deprecation import renamed_arguments
from .._validation import (align_to_index, as_float_array, as_generator, check_level,
                           check_whole_number, describe_rows, resolve_columns)
from ..base import FrozenMixin, Summary
from ..exceptions import DataError, ModelSpecificationError, NegativeSwitchingCostWarning
from ..math import shy as kernel

__all__ = ["ShyResults", "NegativeSwitchingCostWarning", "shy_switching_costs",
           "undercut_proof_prices"]


def _market(data, price, customers, marginal_cost, need_price=True):
    names = ["customers"] + (["price"] if need_price else [])
    scalar_mc = marginal_cost is not None and np.ndim(marginal_cost) == 0
    raw, index = resolve_columns(data, names, {"price": price, "customers": customers,
                                                "marginal_cost": None if scalar_mc else marginal_cost},
                                 optional=["marginal_cost"])
    if scalar_mc:
        raw["marginal_cost"] = marginal_cost
    N = as_float_array(raw["customers"], "customers", index=index)
    if index is None:
        index = pd.RangeIndex(N.shape[0], name="firm")
    elif index.name is None:
        index = index.rename("firm")
    if N.shape[0] < 2:
        raise DataError(f"Shy's method needs at least two firms; received {N.shape[0]}.")
    if (N <= 0).any():
        raise DataError("customers must be > 0 for every firm (a firm without customers has no "
                        "switching cost to estimate); " + describe_rows(N <= 0, index))
    mc = np.zeros_like(N)
    if raw.get("marginal_cost") is not None:
        mc_in = as_float_array(raw["marginal_cost"], "marginal_cost", index=index)
        mc = np.broadcast_to(mc_in, N.shape).astype(float)
    p = as_float_array(raw["price"], "price", index=index) if need_price else None
    if p is not None:
        low = p <= mc
        if low.any():
            raise DataError("price must be above marginal_cost (Shy's prices are margins over "
                            "marginal cost); " + describe_rows(low, index))
    return N, p, mc, index


def _align_per_firm(data: Any, firm_inputs: dict, **others: Any) -> list:
    """``others`` matched to the firms by label: the rows of ``data`` (a DataFrame) or of the
    first Series among ``firm_inputs`` (as :func:`resolve_columns` orders them); arrays and
    scalars by position."""
    ref, ref_name = (data.index, "data") if isinstance(data, pd.DataFrame) else next(
        ((v.index, k) for k, v in firm_inputs.items() if isinstance(v, pd.Series)), (None, ""))
    return [align_to_index(v, k, ref, f"the firms ({ref_name})") for k, v in others.items()]


def _rivals(rival: Any, N: np.ndarray, index: pd.Index, margin: np.ndarray | None = None) -> np.ndarray:
    if rival is None or (isinstance(rival, str) and rival == "smallest"):
        return kernel.default_rival(N)
    if isinstance(rival, str) and rival == "all" and margin is not None:
        return kernel.pairwise_rival(margin, N)
    labels = list(index)
    if isinstance(rival, Mapping):
        out = kernel.default_rival(N)
        for firm, r in rival.items():
            if firm not in labels or r not in labels:
                raise ModelSpecificationError(f"rival maps firms to firms; {firm!r} -> {r!r} is not "
                                              f"in the firms {labels}.")
            if firm == r:
                raise ModelSpecificationError(f"a firm cannot be its own rival ({firm!r}).")
            out[labels.index(firm)] = labels.index(r)
        return out
    if rival in labels:
        u = labels.index(rival)
        out = np.full(N.shape[0], u, dtype=np.intp)
        others = np.flatnonzero(np.arange(N.shape[0]) != u)
        out[u] = others[np.argmin(N[others])]
        return out
    raise ModelSpecificationError(f"rival must be 'smallest', 'all', a firm label in {labels} or a "
                                  f"mapping {{firm: rival}}; received {rival!r}.")


def _per_firm(arr: np.ndarray, name: str, n: int) -> np.ndarray:
    """One value for every firm, or one per firm."""
    if arr.size not in (1, n):
        raise DataError(f"{name} must be one number or one per firm ({n}); received {arr.size}.")
    return np.broadcast_to(arr, (n,)).astype(float)


def _se(value: Any, name: str, n: int, index: pd.Index) -> np.ndarray:
    if value is None:
        return np.zeros(n)
    arr = _per_firm(as_float_array(value, name, index=index), name, n)
    if (arr < 0).any():
        raise DataError(f"{name} must be >= 0; " + describe_rows(arr < 0, index))
    return arr


class ShyResults(FrozenMixin):
    """Shy (2002) switching-cost estimates for a market (immutable).

    Attributes
    ----------
    switching_costs : pandas.Series
        ``S_i`` indexed by firm.
    bse : pandas.Series
        Standard errors (delta method or bootstrap standard deviation); NaN when no sampling
        error was supplied.
    rival : pandas.Series
        The firm whose undercutting each firm fears.
    margin : pandas.Series
        Price net of marginal cost.
    price, marginal_cost : pandas.Series
        Observed prices and marginal costs.
    customers : pandas.Series
        Customer bases.
    method : str
        ``"delta"`` or ``"bootstrap"``.

    Examples
    --------
    >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5)
    >>> res
    <ShyResults: 0=6, 1=4>
    >>> res.bse.round(3).tolist()
    [0.539, 0.583]
    """

    def __init__(self, S, se, rival, margin, price, mc, N, index, method, boot):
        self.switching_costs = pd.Series(S, index=index, name="switching_cost")
        self.bse = pd.Series(se, index=index, name="std_err")
        self.rival = pd.Series(np.asarray(index)[rival], index=index, name="rival")
        self.margin = pd.Series(margin, index=index, name="margin")
        self.price = pd.Series(price, index=index, name="price")
        self.marginal_cost = pd.Series(mc, index=index, name="marginal_cost")
        self.customers = pd.Series(N, index=index, name="customers")
        self.method = method
        self._boot = boot
        self._freeze()

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Intervals at confidence ``level``: Wald (delta) or percentile (bootstrap).

        The Wald interval is on the natural scale: a switching cost is unbounded (it may be
        negative), so no transform applies.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level in (0, 1).

        Returns
        -------
        pandas.DataFrame
            ``lower`` and ``upper`` indexed by firm (NaN without sampling error).

        Examples
        --------
        >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5)
        >>> res.conf_int(0.95).round(3).to_numpy().tolist()
        [[4.945, 7.055], [2.857, 5.143]]
        """
        level = check_level(level)
        if self.method == "bootstrap" and self._boot is not None:
            q = np.quantile(self._boot, [0.5 - level / 2, 0.5 + level / 2], axis=0)
            lo, hi = q[0], q[1]
        else:
            z = stats.norm.ppf(0.5 + level / 2)
            lo = self.switching_costs - z * self.bse
            hi = self.switching_costs + z * self.bse
        return pd.DataFrame({"lower": np.asarray(lo, dtype=float), "upper": np.asarray(hi, dtype=float)},
                            index=self.switching_costs.index)

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """The tidy table: one row per firm.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of ``lower`` and ``upper``.

        Returns
        -------
        pandas.DataFrame
            Indexed by firm. Columns: ``customers``, ``share``, ``price``, ``marginal_cost``,
            ``margin``, ``rival``, ``switching_cost``, ``std_err``, ``lower``, ``upper`` and
            ``ratio`` (``S / margin``, the share of the margin that lock-in protects, as in
            Shy 2002, tables 1-2).

        Examples
        --------
        >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5)
        >>> res.table()["ratio"].tolist()
        [0.6, 0.4]
        """
        ci = self.conf_int(level)
        return pd.DataFrame({
            "customers": self.customers,
            "share": self.customers / self.customers.sum(),
            "price": self.price,
            "marginal_cost": self.marginal_cost,
            "margin": self.margin,
            "rival": self.rival,
            "switching_cost": self.switching_costs,
            "std_err": self.bse,
            "lower": ci["lower"],
            "upper": ci["upper"],
            "ratio": self.switching_costs / self.margin,
        })

    @cached_property
    def negative(self) -> pd.Index:
        """Firms whose estimate is negative (prices not undercut-proof for them)."""
        return self.switching_costs.index[self.switching_costs.to_numpy() < 0]

    def summary(self, level: float = 0.95) -> Summary:
        """The table with a header (text with ``print``, HTML in Jupyter).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals in :meth:`table`.

        Returns
        -------
        custvalue.base.Summary
            Method, number of firms, interval type, :meth:`table` and a note on negative
            estimates.

        Examples
        --------
        >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.5)
        >>> print(res.summary())  # doctest: +ELLIPSIS
        Switching costs (Shy 2002)
        ...
        """
        kind = {"delta": "delta method, Wald on the natural scale (S may be negative)",
                "bootstrap": "parametric bootstrap, percentile"}[self.method]
        info = [("Method", "Shy (2002) undercut-proof"), ("Firms", len(self.switching_costs)),
                ("Intervals", kind if np.isfinite(self.bse).any() else "none (no sampling error)")]
        notes = [f"negative estimate for {list(self.negative)}: prices are not undercut-proof there"] \
            if len(self.negative) else []
        return Summary("Switching costs (Shy 2002)", info, [("Estimates", self.table(level))], notes)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return Summary("ShyResults", list(self.switching_costs.items())).as_line()


@renamed_arguments(n_boot="n_draws")
def shy_switching_costs(
    data: pd.DataFrame | Mapping[str, Any] | None = None,
    *,
    price: Any = None,
    customers: Any = None,
    marginal_cost: Any = None,
    rival: Any = "smallest",
    price_se: Any = None,
    customers_se: Any = None,
    method: str = "delta",
    n_draws: int = 2000,
    seed: int | np.random.Generator | None = None,
) -> ShyResults:
    """Switching costs implied by undercut-proof prices (Shy 2002).

    ``S_i = p_i - p_u N_u / (N_i + N_u)`` with ``p`` the price net of marginal cost and ``u``
    the rival firm ``i`` fears (Shy 2002, section 3 for two firms, section 4 for ``n``).

    Parameters
    ----------
    data : pandas.DataFrame or mapping, optional
        One row per firm (the index names the firms) with ``price``, ``customers`` and
        optionally ``marginal_cost``.
    price, customers, marginal_cost : array-like, optional
        The same columns as arrays (override ``data``); ``marginal_cost`` defaults to 0.
    rival : "smallest", "all", firm label or mapping, default "smallest"
        Who undercuts whom: the smallest firm (and the second smallest for the smallest
        firm itself; Shy 2002, section 4), one firm for all others, or ``{firm: rival}``
        overrides.  ``"all"``: every firm fears every rival, so ``S_i = p_i - min_{u != i}
        p_u N_u / (N_i + N_u)``, the smallest switching cost that makes the observed prices
        undercut-proof against all rivals at once (the inverse of
        :func:`undercut_proof_prices` with ``rival="all"``); the bootstrap re-chooses the
        rivals in every replication.
    price_se, customers_se : float or array-like, optional
        Standard errors of prices and customer counts (e.g. from survey sampling), assumed
        independent.  Without them no interval is computed.
    method : {"delta", "bootstrap"}, default "delta"
        Delta method on the analytic Jacobian, or a parametric bootstrap (normal draws,
        customer counts truncated at > 0) with percentile intervals.
    n_draws : int, default 2000
        Parametric-bootstrap draws (at least 2: the standard error is their standard deviation).
    seed : int or numpy.random.Generator, optional
        Randomness of the bootstrap.

    Returns
    -------
    ShyResults
        ``switching_costs``, ``bse``, ``conf_int(level)``, ``table(level)``, ``summary()``.

    Warns
    -----
    NegativeSwitchingCostWarning
        When an estimate is negative.

    Examples
    --------
    >>> res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40])
    >>> res.switching_costs.tolist()
    [6.0, 4.0]
    """
    if method not in {"delta", "bootstrap"}:
        raise ModelSpecificationError(f"method must be 'delta' or 'bootstrap'; received {method!r}.")
    B = check_whole_number(n_draws, "n_draws", minimum=2)  # one replication has no spread
    rng = as_generator(seed)
    price_se, customers_se = _align_per_firm(data, {"customers": customers, "price": price,
                                                    "marginal_cost": marginal_cost},
                                             price_se=price_se, customers_se=customers_se)
    N, p, mc, index = _market(data, price, customers, marginal_cost)
    margin = p - mc
    r = _rivals(rival, N, index, margin)
    S = kernel.switching_costs(margin, N, r)
    sp = _se(price_se, "price_se", N.size, index)
    sn = _se(customers_se, "customers_se", N.size, index)
    boot = None
    if not (sp.any() or sn.any()):
        se = np.full(N.size, np.nan)
    elif method == "delta":
        d_p, d_n = kernel.switching_cost_jacobian(margin, N, r)
        cov = d_p @ np.diag(sp**2) @ d_p.T + d_n @ np.diag(sn**2) @ d_n.T
        se = np.sqrt(np.diag(cov))
    else:
        pb = margin + sp * rng.standard_normal((B, N.size))
        nb = N + sn * rng.standard_normal((B, N.size))
        nb = np.where(nb > 0, nb, N.min() * 1e-6)
        if isinstance(rival, str) and rival == "all":  # the binding rival moves with the draws
            pw = kernel.undercut_weights(nb) * pb[:, None, :]
            boot = pb - pw.min(axis=-1)
        else:
            boot = kernel.switching_costs(pb, nb, r)
        se = boot.std(axis=0, ddof=1)
    res = ShyResults(S, se, r, margin, p, mc, N, index, method, boot)
    if len(res.negative):
        warnings.warn(f"negative switching-cost estimate for firm(s) {list(res.negative)}: their "
                      f"prices are not undercut-proof against their rivals, so Shy's model does not "
                      f"describe them.", NegativeSwitchingCostWarning,
                      stacklevel=3)  # past the renamed_arguments wrapper
    return res


def undercut_proof_prices(
    switching_costs: Any,
    customers: Any,
    *,
    marginal_cost: Any = None,
    rival: Any = "all",
) -> pd.Series:
    """Prices at which no rival gains by undercutting, given switching costs (Shy 2002).

    Rival ``u`` gains by undercutting firm ``i`` (pricing just below ``p_i - S_i`` to win
    ``i``'s customers while keeping its own) unless ``p_u N_u >= (p_i - S_i)(N_i + N_u)``, the
    undercut-proof (UPP) condition of Shy (2002, section 3), with ``p`` net of marginal cost.

    * ``rival="all"`` (default): every one of the ``n (n - 1)`` pairwise conditions holds.
      The prices are the highest that satisfy them all, the unique solution of
      ``p_i = S_i + min_{u != i} p_u N_u / (N_i + N_u)``
      (:func:`custvalue.math.shy.pairwise_undercut_proof_prices`): each firm's condition binds
      against the rival with the strongest incentive to undercut it.
    * ``rival="smallest"``, a firm label or a mapping: Shy's (2002, section 4) assignment, in
      which firm ``i`` fears one rival ``u(i)`` only (by default the smallest firm; the
      smallest fears the second smallest).  Exactly the ``n`` conditions
      ``p_u(i) N_u(i) = (p_i - S_i)(N_i + N_u(i))`` hold, with equality; this is the exact
      inverse of :func:`shy_switching_costs` with the same ``rival``, but with three or more
      firms some other pairwise conditions can fail (e.g. ``S = 1``, customers
      ``[100, 10, 5]``: firm 0 earns 110.2 but 120.0 by undercutting firm 2).

    For two firms both readings are Shy's closed form
    ``p_A = (N_A + N_B)(N_A + 2 N_B) S / (N_A^2 + N_A N_B + N_B^2)`` for a common ``S``.

    Parameters
    ----------
    switching_costs : float or array-like
        ``S_i >= 0`` of each firm's customers (one value for all firms, or one per firm).
    customers : array-like or Series
        Customer bases (> 0); a Series' index names the firms.
    marginal_cost : float or array-like, optional
        Added to the undercut-proof margins (default 0).
    rival : "all", "smallest", firm label or mapping, default "all"
        Which undercutting conditions are imposed (see above).

    Returns
    -------
    pandas.Series
        Prices indexed by firm.

    Raises
    ------
    DataError
        On negative, missing or non-numeric switching costs or customers, fewer than two
        firms, or prices that overflow.

    Examples
    --------
    >>> undercut_proof_prices([6.0, 4.0], [60, 40]).tolist()
    [10.0, 10.0]
    >>> undercut_proof_prices(1.0, [100, 10, 5]).round(4).tolist()
    [1.0974, 1.6817, 2.0451]
    """
    switching_costs, = _align_per_firm(None, {"customers": customers, "marginal_cost": marginal_cost},
                                       switching_costs=switching_costs)
    N, _, mc, index = _market(None, None, customers, marginal_cost, need_price=False)
    S = _per_firm(as_float_array(switching_costs, "switching_costs", index=_firm_labels(switching_costs)),
                  "switching_costs", N.size)
    if (S < 0).any():
        raise DataError("switching_costs must be >= 0 (a cost customers pay to switch); "
                        + describe_rows(S < 0, index if S.size == N.size else None))
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        if isinstance(rival, str) and rival == "all":
            margin, _ = kernel.pairwise_undercut_proof_prices(S, N)
        else:
            margin = kernel.undercut_proof_prices(S, N, _rivals(rival, N, index))
        prices = margin + mc
    if not np.all(np.isfinite(prices)):
        raise DataError("the undercut-proof prices overflow float64; rescale switching_costs "
                        "and customers (e.g. to thousands).")
    return pd.Series(prices, index=index, name="price")


def _firm_labels(values: Any) -> pd.Index | None:
    return values.index if isinstance(values, pd.Series) else None
