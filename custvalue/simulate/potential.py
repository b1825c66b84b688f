"""Synthetic insurance-like customer bases for the multivariate probit potential-value model
(Verhoef & Donkers 2001): product ownership at any firm from a multivariate probit with
known coefficients and correlation matrix, product margins, and holdings at the focal firm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._validation import as_float_array, as_generator, check_finite_scalar, check_whole_number
from ..exceptions import DataError

__all__ = ["simulate_potential_base", "PotentialBase", "DEFAULT_PRODUCTS"]

DEFAULT_PRODUCTS = ("car", "home", "life", "health", "travel", "liability", "legal", "pension")
_COVARIATES = ("age", "income", "homeowner")
_BETA = np.array([
    # car   home  life  health travel liab  legal pension
    [0.8, 0.3, -0.2, 0.5, -0.6, 0.1, -0.9, -0.4],   # const
    [0.1, 0.3, 0.4, 0.2, -0.2, 0.1, 0.0, 0.5],      # age (standardised)
    [0.3, 0.4, 0.3, 0.2, 0.4, 0.2, 0.3, 0.5],       # income (standardised)
    [0.2, 0.9, 0.2, 0.1, 0.0, 0.4, 0.2, 0.1],       # homeowner (0/1)
])
_MARGINS = np.array([120.0, 150.0, 200.0, 180.0, 40.0, 60.0, 50.0, 300.0])


@dataclass(frozen=True)
class PotentialBase:
    """A simulated customer base with its ground truth.

    Attributes
    ----------
    covariates : pandas.DataFrame
        ``age`` and ``income`` (standardised), ``homeowner`` (0/1); index ``customer_id``.
    ownership : pandas.DataFrame
        0/1 ownership of each product at any firm (the multivariate probit outcome).
    owned : pandas.DataFrame
        0/1 holdings at the focal firm (a subset of ``ownership``).
    margins : pandas.Series
        Yearly margin per product.
    beta : pandas.DataFrame
        True coefficients (rows ``const`` and the covariates, columns products).
    corr : pandas.DataFrame
        True correlation matrix of the latent propensities.
    probability : pandas.DataFrame
        True marginal ownership probabilities ``Phi(x' beta_j)``.
    potential_value : pandas.Series
        True potential value ``sum_j P(own j) margin_j``.
    current_value : pandas.Series
        Margin of the products held at the focal firm.
    """

    covariates: pd.DataFrame
    ownership: pd.DataFrame
    owned: pd.DataFrame
    margins: pd.Series
    beta: pd.DataFrame
    corr: pd.DataFrame
    probability: pd.DataFrame
    potential_value: pd.Series
    current_value: pd.Series


def _default_corr(J: int, strength: float) -> np.ndarray:
    lag = np.abs(np.subtract.outer(np.arange(J), np.arange(J)))
    c = strength * 0.8 ** lag
    np.fill_diagonal(c, 1.0)
    return c


def simulate_potential_base(n_customers: int, n_products: int = 5, *, beta: Any = None,
                            corr: Any = None, margins: Any = None, corr_strength: float = 0.4,
                            focal_share: tuple[float, float] = (2.0, 3.0),
                            seed: int | np.random.Generator | None = None) -> PotentialBase:
    """Draw an insurance-like customer base with known multivariate-probit truth.

    Latent propensities ``y*_i = B' x_i + e_i`` with ``e_i ~ N(0, corr)``; ownership at any
    firm is ``y_ij = 1[y*_ij > 0]`` (Verhoef & Donkers 2001, eq. 1).  Each customer has a
    focal-firm share ``pi_i ~ Beta(*focal_share)`` and holds each owned product at the focal
    firm with probability ``pi_i``.  Fully vectorised.

    Parameters
    ----------
    n_customers : int
    n_products : int, default 5
        J, 1 to 8 with the default coefficients (any J when ``beta`` is given).
    beta : array-like, shape (4, J), optional
        Coefficients for ``const, age, income, homeowner``; defaults to a built-in table.
    corr : array-like, shape (J, J), optional
        Correlation matrix (positive definite, unit diagonal); defaults to
        ``corr_strength * 0.8**|j-k|`` off the diagonal.
    margins : array-like, length J, optional
        Yearly margin per product.
    corr_strength : float, default 0.4
        Scale of the default correlations (0 gives independent products).
    focal_share : (float, float), default (2, 3)
        Beta parameters of the focal firm's share of each customer's products.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    PotentialBase

    Examples
    --------
    >>> base = simulate_potential_base(1000, n_products=4, seed=0)
    >>> base.ownership.shape, list(base.covariates.columns)
    ((1000, 4), ['age', 'income', 'homeowner'])
    """
    n = check_whole_number(n_customers, "n_customers", minimum=1)
    J = check_whole_number(n_products, "n_products", minimum=1)
    fs = as_float_array(focal_share, "focal_share")
    if fs.size != 2 or (fs <= 0).any():
        raise DataError(f"focal_share must be two Beta shapes > 0; received {focal_share!r}.")
    if corr is None:
        cs = check_finite_scalar(corr_strength, "corr_strength")
        if not -1.0 < cs < 1.0:
            raise DataError(f"corr_strength must lie in (-1, 1); received {corr_strength!r}.")
    if beta is None:
        if not 1 <= J <= _BETA.shape[1]:
            raise DataError(f"n_products must be between 1 and {_BETA.shape[1]} with the default "
                            f"coefficients; received {J}. Pass beta= for more products.")
        B = _BETA[:, :J]
    else:
        B = as_float_array(beta, "beta", ndim=2)
        if B.shape != (len(_COVARIATES) + 1, J):
            raise DataError(f"beta must have shape ({len(_COVARIATES) + 1}, {J}) "
                            f"(const, {', '.join(_COVARIATES)} x products); received {B.shape}.")
    C = _default_corr(J, corr_strength) if corr is None else as_float_array(corr, "corr", ndim=2)
    if C.shape != (J, J) or not np.allclose(C, C.T) or not np.allclose(np.diag(C), 1.0):
        raise DataError(f"corr must be a symmetric ({J}, {J}) matrix with unit diagonal; "
                        f"received shape {C.shape}.")
    try:
        chol = np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        raise DataError("corr must be positive definite; its Cholesky factorisation failed.") from None
    m = _MARGINS[:J] if margins is None else as_float_array(margins, "margins")
    if m.shape != (J,):
        raise DataError(f"margins must have one entry per product ({J}); received {m.shape[0]}.")
    rng = as_generator(seed)  # a Generator passes through unchanged
    products = list(DEFAULT_PRODUCTS[:J]) if J <= len(DEFAULT_PRODUCTS) else [f"p{j + 1}" for j in range(J)]
    index = pd.RangeIndex(n, name="customer_id")
    X = np.column_stack([rng.standard_normal(n), rng.standard_normal(n),
                         (rng.random(n) < 0.6).astype(float)])
    mu = B[0] + X @ B[1:]
    y = (mu + rng.standard_normal((n, J)) @ chol.T > 0).astype(float)
    share = rng.beta(*focal_share, size=n)
    focal = y * (rng.random((n, J)) < share[:, None])
    P = special.ndtr(mu)
    frame = lambda a: pd.DataFrame(a, index=index, columns=products)  # noqa: E731
    return PotentialBase(
        covariates=pd.DataFrame(X, index=index, columns=list(_COVARIATES)),
        ownership=frame(y).astype(int),
        owned=frame(focal).astype(int),
        margins=pd.Series(m, index=products, name="margin"),
        beta=pd.DataFrame(B, index=["const", *_COVARIATES], columns=products),
        corr=pd.DataFrame(C, index=products, columns=products),
        probability=frame(P),
        potential_value=pd.Series(P @ m, index=index, name="potential_value"),
        current_value=pd.Series(focal @ m, index=index, name="current_value"),
    )
