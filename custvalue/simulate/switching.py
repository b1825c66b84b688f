"""Simulators for switching-cost studies, with known ground truth.

* :func:`simulate_choice_panel`: a brand-choice panel from a logit with price sensitivity
  ``alpha`` and state dependence ``gamma`` (money-metric switching cost ``gamma / |alpha|``),
  optionally with persistent person-level brand preferences (the heterogeneity that a naive
  state-dependence logit mistakes for switching costs; Keane 1997, JBES 15(3):310-327;
  Dubé, Hitsch & Rossi 2010, RAND J. Econ. 41(3):417-445).
* :func:`simulate_upp_market`: a market of ``n`` firms at the undercut-proof prices of
  Shy (2002, IJIO 20:71-87) for known switching costs.

Every draw takes ``seed`` (an int, ``None`` or a :class:`numpy.random.Generator`); the loop is
over purchase occasions, never over customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (align_by_label, as_float_array, as_generator, check_finite_scalar,
                           check_positive_scalar, check_whole_number)
from ..exceptions import DataError
from ..math import clogit
from ..math import shy as shy_kernel

__all__ = ["simulate_choice_panel", "simulate_upp_market"]


def _brand_labels(n_brands: int | Sequence[Any]) -> list[Any]:
    if isinstance(n_brands, (str, bytes)) or np.ndim(n_brands) == 0:  # a number of brands
        k = check_whole_number(n_brands, "brands (a number of brands, or their labels)", minimum=0)
        labels = [chr(ord("A") + j) if k <= 26 else f"b{j}" for j in range(k)]
    else:
        labels = list(n_brands)
    if len(labels) < 2:
        raise DataError(f"a choice panel needs at least two brands; received {len(labels)}.")
    if len(set(labels)) != len(labels):
        raise DataError(f"brand labels must be unique; received {labels}.")
    return labels


def simulate_choice_panel(
    n_customers: int,
    n_occasions: int,
    *,
    brands: int | Sequence[Any] = 4,
    alpha: float = -2.0,
    gamma: float | Sequence[float] = 1.2,
    intercepts: Sequence[float] | None = None,
    heterogeneity: float | Sequence[float] = 0.0,
    price_mean: float | Sequence[float] = 2.0,
    price_sd: float = 0.25,
    burn_in: int = 10,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate a brand-choice panel with known price sensitivity and switching cost.

    Customer ``i`` at occasion ``t`` picks the brand maximising
    ``u_ijt = a_ij + alpha * price_ijt + gamma_j * 1[j == y_i,t-1] + e_ijt`` with Gumbel ``e``
    (a conditional logit, McFadden 1974).  Person intercepts are
    ``a_ij = intercepts_j + heterogeneity_j * z_ij`` with ``z ~ N(0, 1)`` for brands after the
    first (the first brand is the reference, ``a_i0 = 0``).  The process runs ``burn_in``
    occasions before the recorded ones, so the first recorded choice is an *endogenous*
    initial condition, correlated with ``a_i`` (Heckman 1981).

    Parameters
    ----------
    n_customers, n_occasions : int
        Panel size; ``n_occasions >= 2``.
    brands : int or sequence, default 4
        Number of brands (labelled ``"A"``, ``"B"``, ...) or the labels themselves.
    alpha : float, default -2.0
        Price coefficient (negative).
    gamma : float or sequence, default 1.2
        State dependence: utility bonus of the brand bought last time (one value, or one per
        brand).  The money-metric switching cost is ``gamma / |alpha|`` (0.6 by default).
    intercepts : sequence, optional
        Mean brand intercepts, one per brand after the first; default zeros.
    heterogeneity : float or sequence, default 0.0
        Standard deviation(s) of the person-level intercepts (0: no heterogeneity).
    price_mean : float or sequence, default 2.0
        Median price of each brand; prices are ``price_mean * exp(price_sd * N(0, 1))``,
        drawn independently per customer, brand and occasion.
    price_sd : float, default 0.25
        Log-scale dispersion of prices.
    burn_in : int, default 10
        Occasions simulated before the first recorded one.
    seed : int, numpy.random.Generator or None
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        One row per customer and occasion: ``customer_id``, ``occasion`` (0, 1, ...),
        ``choice`` (brand label) and ``price_<brand>`` for every brand.  ``attrs["truth"]``
        holds the true parameters and switching cost(s).

    Examples
    --------
    >>> panel = simulate_choice_panel(100, 5, seed=1)
    >>> list(panel.columns)
    ['customer_id', 'occasion', 'choice', 'price_A', 'price_B', 'price_C', 'price_D']
    >>> panel.attrs["truth"]["switching_cost"]
    0.6
    """
    labels = _brand_labels(brands)
    J = len(labels)
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    T = check_whole_number(n_occasions, "n_occasions (the first choice is the initial condition)",
                           minimum=2)
    burn_in = check_whole_number(burn_in, "burn_in", minimum=0)
    if check_finite_scalar(alpha, "alpha") == 0:
        raise DataError("alpha (the price coefficient) must not be 0; received 0.")
    check_positive_scalar(price_sd, "price_sd", allow_zero=True)
    g = np.broadcast_to(as_float_array(gamma, "gamma"), (J,)).copy()
    b = np.zeros(J)
    if intercepts is not None:
        b[1:] = as_float_array(intercepts, "intercepts")
    sd = np.zeros(J)
    sd[1:] = np.broadcast_to(np.asarray(heterogeneity, dtype=float), (J - 1,))
    if (sd < 0).any():
        raise DataError(f"heterogeneity must be >= 0; received {heterogeneity!r}.")
    pm = np.broadcast_to(np.asarray(price_mean, dtype=float), (J,))
    if (pm <= 0).any():
        raise DataError(f"price_mean must be > 0; received {price_mean!r}.")
    rng = as_generator(seed)

    a = b + sd * rng.standard_normal((n, J))                     # person intercepts (n, J)
    rows = np.arange(n)
    last = np.full(n, -1, dtype=np.intp)
    choices = np.empty((n, T), dtype=np.intp)
    prices = np.empty((n, T, J))
    for t in range(int(burn_in) + T):                            # loop over occasions only
        price = pm * np.exp(price_sd * rng.standard_normal((n, J)))
        u = a + alpha * price + rng.gumbel(size=(n, J))
        has_last = last >= 0
        u[rows[has_last], last[has_last]] += g[last[has_last]]
        last = np.argmax(u, axis=1)
        if t >= burn_in:
            choices[:, t - burn_in] = last
            prices[:, t - burn_in] = price
    out = pd.DataFrame({
        "customer_id": np.repeat(np.arange(n), T),
        "occasion": np.tile(np.arange(T), n),
        "choice": np.asarray(labels, dtype=object)[choices.ravel()],
    })
    for j, lab in enumerate(labels):
        out[f"price_{lab}"] = prices[:, :, j].ravel()
    sc = clogit.money_metric(g, alpha)
    out.attrs["truth"] = {
        "alpha": float(alpha),
        "gamma": float(g[0]) if np.all(g == g[0]) else dict(zip(labels, g.tolist())),
        "switching_cost": float(sc[0]) if np.all(sc == sc[0]) else dict(zip(labels, sc.tolist())),
        "intercepts": dict(zip(labels[1:], b[1:].tolist())),
        "heterogeneity": dict(zip(labels[1:], sd[1:].tolist())),
        "brands": labels,
    }
    return out


def simulate_upp_market(
    customers: Sequence[float] | pd.Series,
    switching_costs: float | Sequence[float] | pd.Series,
    *,
    marginal_cost: float | Sequence[float] = 0.0,
    rival: Sequence[int] | None = None,
    firms: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """A market of ``n`` firms at the undercut-proof prices implied by known switching costs.

    Prices solve the binding UPP conditions ``p_u N_u = (p_i - S_i)(N_i + N_u)`` of Shy (2002,
    section 3) for every firm ``i`` and its feared undercutter ``u`` (by default the smallest
    firm, and the second smallest for the smallest itself), then marginal cost is added.

    Parameters
    ----------
    customers : array-like or Series
        Customers of each firm (> 0). A Series' index names the firms.
    switching_costs : float or array-like
        True switching cost of each firm's customers (one value for all, or one per firm).
    marginal_cost : float or array-like, default 0
        Marginal cost added to the undercut-proof margins.
    rival : sequence of int, optional
        Position of the firm each firm fears; default :func:`custvalue.math.shy.default_rival`.
    firms : sequence, optional
        Firm labels (default the Series index or 0..n-1).

    Returns
    -------
    pandas.DataFrame
        Indexed by firm with ``customers``, ``price``, ``marginal_cost`` and the true
        ``switching_cost``.

    Examples
    --------
    >>> simulate_upp_market([60, 40], 5.0)["price"].round(4).tolist()
    [9.2105, 10.5263]
    """
    # per-firm inputs matched by firm label (Series), by position otherwise
    aligned = align_by_label(customers=customers, switching_costs=switching_costs, marginal_cost=marginal_cost)
    customers, switching_costs, marginal_cost = (aligned[k] for k in ("customers", "switching_costs",
                                                                      "marginal_cost"))
    index = customers.index if isinstance(customers, pd.Series) and firms is None else None
    N = as_float_array(customers, "customers")
    if (N <= 0).any():
        from .._validation import describe_rows
        raise DataError("customers must be > 0 for every firm; " + describe_rows(N <= 0, index))
    if N.shape[0] < 2:
        raise DataError(f"a market needs at least two firms; received {N.shape[0]}.")
    S = np.broadcast_to(as_float_array(switching_costs, "switching_costs"), N.shape).copy()
    mc = np.broadcast_to(as_float_array(marginal_cost, "marginal_cost"), N.shape).copy()
    r = shy_kernel.default_rival(N) if rival is None else np.asarray(rival, dtype=np.intp)
    margin = shy_kernel.undercut_proof_prices(S, N, r)
    idx = pd.Index(firms if firms is not None else (index if index is not None else range(N.size)),
                   name="firm")
    return pd.DataFrame({"customers": N, "price": margin + mc, "marginal_cost": mc,
                         "switching_cost": S}, index=idx)
