"""Survey + behaviour simulator for satisfaction -> loyalty studies, with known structure.

:func:`simulate_loyalty_survey` draws respondents from a linear structural model of the
ECSI family extended with the four determinants of loyalty of *On the core value of CRM* (perceived value,
satisfaction, trust, switching cost) and the source texts' other constructs:

* perceived value = total customer value (product, service, personnel, image) minus total
  customer cost (money, time, effort, energy) (*CRM theory*; Kotler's delivered value);
* satisfaction from perceived quality, value, image and expectation, with an expectation-
  disconfirmation effect (a negative direct path from expectation once quality is held fixed;
  Oliver 1980, JMR 17:460-469);
* switching costs of three kinds (procedural / time-effort, financial / economic, relational /
  emotional; Burnham, Frels & Mahajan 2003, JAMS 31:109-126), one latent with two items each;
* attitudinal loyalty with a satisfaction x switching-cost interaction (flatter curve under
  high switching costs: Jones & Sasser 1995; Jones, Mothersbaugh & Beatty 2000);
* behaviour: repurchase (probit on attitudinal loyalty and switching cost), purchase counts,
  spend, complaints, price sensitivity.

Latent variables are standard normal; items are ``loading * latent + noise`` with unit
variance, rounded to a 1-10 scale unless ``discrete=False``.  :func:`implied_covariance`
returns the exact population covariance of the continuous items (used by the tests to get the
population value of any PLS estimate).  Everything is vectorised over respondents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_generator, check_whole_number
from ..exceptions import DataError, ModelSpecificationError

__all__ = ["LoyaltyStructure", "simulate_loyalty_survey", "simulate_path_model", "implied_covariance",
           "DEFAULT_STRUCTURE"]


@dataclass(frozen=True)
class LoyaltyStructure:
    """Known structure of a simulated survey.

    Attributes
    ----------
    latent : tuple of str
        Latent variables in a causal (topological) order.
    paths : dict
        ``{(source, target): coefficient}`` between standardised latents.
    blocks : dict
        ``{latent: {item: loading}}``.
    interaction : dict
        ``{(a, b, target): coefficient}`` product terms (``a * b``) added to ``target``.
    """

    latent: tuple[str, ...]
    paths: dict
    blocks: dict
    interaction: dict = field(default_factory=dict)

    def matrix(self) -> np.ndarray:
        """Path matrix ``B[k, j]`` (effect of ``j`` on ``k``) in ``latent`` order."""
        pos = {v: i for i, v in enumerate(self.latent)}
        B = np.zeros((len(pos), len(pos)))
        for (a, b), c in self.paths.items():
            if pos[a] >= pos[b]:
                raise ModelSpecificationError(f"path {a} -> {b} goes against the latent order {self.latent}.")
            B[pos[b], pos[a]] = c
        return B

    def latent_covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """Disturbance variances ``psi`` making every latent variance 1, and the latent correlation."""
        B = self.matrix()
        L = B.shape[0]
        Sigma = np.zeros((L, L))
        psi = np.zeros(L)
        pos = {v: i for i, v in enumerate(self.latent)}
        for k in range(L):
            b = B[k, :k]
            cov_k = Sigma[:k, :k] @ b
            explained = float(b @ cov_k)
            inter = 0.0
            # a product of two standard normals with correlation r has variance 1 + r^2 and
            # zero covariance with every linear term (odd moments of a Gaussian vanish)
            for (a1, a2, t), g in self.interaction.items():
                if pos[t] == k:
                    r = Sigma[pos[a1], pos[a2]]
                    inter += g ** 2 * (1 + r ** 2)
            psi[k] = 1.0 - explained - inter
            if psi[k] <= 0:
                raise ModelSpecificationError(f"paths into {self.latent[k]!r} explain more than all of its "
                                              f"variance ({explained + inter:.3f}); reduce the coefficients.")
            Sigma[k, :k] = Sigma[:k, k] = cov_k
            Sigma[k, k] = 1.0
        return psi, Sigma


def _default_structure() -> LoyaltyStructure:
    latent = ("Image", "SwitchingCost", "Expectation", "Quality", "Value", "Satisfaction",
              "Complaints", "Trust", "Loyalty")
    paths = {
        ("Image", "Expectation"): 0.50,
        ("Expectation", "Quality"): 0.55,
        ("Expectation", "Value"): 0.05, ("Quality", "Value"): 0.55,
        ("Image", "Satisfaction"): 0.15, ("Expectation", "Satisfaction"): -0.10,
        ("Quality", "Satisfaction"): 0.45, ("Value", "Satisfaction"): 0.30,
        ("Satisfaction", "Complaints"): 0.50,
        ("Image", "Trust"): 0.20, ("Satisfaction", "Trust"): 0.50,
        ("Value", "Loyalty"): 0.25, ("Satisfaction", "Loyalty"): 0.30, ("Trust", "Loyalty"): 0.20,
        ("SwitchingCost", "Loyalty"): 0.20, ("Complaints", "Loyalty"): 0.05,
    }
    blocks = {
        "Image": {f"IMAG{i}": l for i, l in enumerate([0.75, 0.65, 0.60, 0.80, 0.75], 1)},
        "SwitchingCost": {"SWCP1": 0.75, "SWCP2": 0.70, "SWCF1": 0.75, "SWCF2": 0.70,
                          "SWCR1": 0.70, "SWCR2": 0.65},
        "Expectation": {f"CUEX{i}": l for i, l in enumerate([0.80, 0.70, 0.65], 1)},
        "Quality": {f"PERQ{i}": l for i, l in enumerate([0.80, 0.70, 0.78, 0.77, 0.75, 0.77, 0.78], 1)},
        "Value": {"PERV1": 0.90, "PERV2": 0.92},
        "Satisfaction": {f"CUSA{i}": l for i, l in enumerate([0.80, 0.85, 0.85], 1)},
        "Complaints": {"CUSCO": 0.95},
        "Trust": {f"TRUS{i}": l for i, l in enumerate([0.85, 0.80, 0.80], 1)},
        "Loyalty": {f"CUSL{i}": l for i, l in enumerate([0.85, 0.60, 0.88], 1)},
    }
    return LoyaltyStructure(latent, paths, blocks, {("Satisfaction", "SwitchingCost", "Loyalty"): -0.12})


DEFAULT_STRUCTURE = _default_structure()


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return as_generator(seed)


def _check_n(n: int) -> int:
    return check_whole_number(n, "n", minimum=2)


def _check_structure(structure: Any) -> LoyaltyStructure:
    if not isinstance(structure, LoyaltyStructure):
        raise DataError(f"structure must be a LoyaltyStructure (e.g. DEFAULT_STRUCTURE); received "
                        f"{type(structure).__name__}.")
    return structure


def _draw_latent(structure: LoyaltyStructure, n: int, rng: np.random.Generator) -> np.ndarray:
    psi, _ = structure.latent_covariance()
    B = structure.matrix()
    pos = {v: i for i, v in enumerate(structure.latent)}
    corr = _latent_corr(structure)
    L = len(structure.latent)
    eta = np.empty((n, L))
    zeta = rng.standard_normal((n, L)) * np.sqrt(psi)
    for k in range(L):  # loop over latent variables (topological order), vectorised over respondents
        eta[:, k] = eta[:, :k] @ B[k, :k] + zeta[:, k]
        for (a, b, t), g in structure.interaction.items():
            if pos[t] == k:
                prod = eta[:, pos[a]] * eta[:, pos[b]]
                # centre with the population mean E[ab] = corr(a, b)
                eta[:, k] += g * (prod - corr[pos[a], pos[b]])
    return eta


def _latent_corr(structure: LoyaltyStructure) -> np.ndarray:
    return structure.latent_covariance()[1]


def simulate_path_model(structure: LoyaltyStructure, n: int, *, seed: int | np.random.Generator | None = None,
                        discrete: bool = False, scale_points: int = 10, return_latent: bool = False
                        ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate item-level data from any :class:`LoyaltyStructure`.

    Parameters
    ----------
    structure : LoyaltyStructure
        Latent order, paths, blocks with loadings, interaction terms.
    n : int
        Respondents.
    seed : int or numpy.random.Generator, optional
        Seed or generator of all random draws.
    discrete : bool, default False
        Round items to a ``1..scale_points`` rating scale (mean near 70% of the scale).
    scale_points : int, default 10
        Number of rating-scale points when ``discrete``.
    return_latent : bool, default False
        Also return the latent scores.

    Returns
    -------
    pandas.DataFrame (and the latent DataFrame when ``return_latent``)
        Index ``respondent_id`` 0..n-1.

    Examples
    --------
    >>> d = simulate_path_model(DEFAULT_STRUCTURE, 500, seed=1)
    >>> d.shape
    (500, 33)
    """
    n = _check_n(n)
    _check_structure(structure)
    scale_points = check_whole_number(scale_points, "scale_points", minimum=2)
    rng = _rng(seed)
    eta = _draw_latent(structure, n, rng)
    pos = {v: i for i, v in enumerate(structure.latent)}
    cols = {}
    for lv, items in structure.blocks.items():
        lam = np.array(list(items.values()))
        if np.any(np.abs(lam) >= 1):
            raise ModelSpecificationError(f"loadings of {lv!r} must lie in (-1, 1); received {lam.tolist()}.")
        x = eta[:, [pos[lv]]] * lam + rng.standard_normal((n, lam.size)) * np.sqrt(1 - lam ** 2)
        for name, col in zip(items, x.T):
            cols[name] = col
    X = pd.DataFrame(cols)
    if discrete:
        X = _to_scale(X, scale_points)
    X.index = pd.RangeIndex(n, name="respondent_id")
    if return_latent:
        return X, pd.DataFrame(eta, columns=list(structure.latent), index=X.index)
    return X


def _to_scale(X: pd.DataFrame, points: int) -> pd.DataFrame:
    mid = 1 + 0.68 * (points - 1)
    sd = (points - 1) / 5.5
    vals = np.clip(np.round(mid + sd * X.to_numpy()), 1, points).astype(np.int64)
    return pd.DataFrame(vals, index=X.index, columns=X.columns)


def implied_covariance(structure: LoyaltyStructure) -> pd.DataFrame:
    """Population covariance (= correlation) of the continuous items of ``structure``.

    ``Sigma_x = Lambda Phi Lambda' + Theta`` with ``Phi`` the latent correlation (exact also
    with interaction terms, whose products are uncorrelated with every linear term).
    """
    _, Phi = _check_structure(structure).latent_covariance()
    pos = {v: i for i, v in enumerate(structure.latent)}
    names, lv_idx, lam = [], [], []
    for lv, items in structure.blocks.items():
        for it, l in items.items():
            names.append(it)
            lv_idx.append(pos[lv])
            lam.append(l)
    lam = np.array(lam)
    Lam = np.zeros((len(names), len(pos)))
    Lam[np.arange(len(names)), lv_idx] = lam
    S = Lam @ Phi @ Lam.T
    np.fill_diagonal(S, 1.0)
    return pd.DataFrame(S, index=names, columns=names)


def simulate_loyalty_survey(n: int, *, seed: int | np.random.Generator | None = None,
                            structure: LoyaltyStructure | None = None, discrete: bool = True,
                            scale_points: int = 10, repurchase: tuple[float, float, float] = (0.3, 0.8, 0.4),
                            return_truth: bool = False):
    """Simulate a customer survey joined to observed behaviour, with known structure.

    Parameters
    ----------
    n : int
        Respondents (vectorised; 200 to 1e6 and beyond).
    seed : int or numpy.random.Generator, optional
        Seed or generator of all random draws.
    structure : LoyaltyStructure, optional
        Default :data:`DEFAULT_STRUCTURE` (ECSI + trust + switching costs).
    discrete : bool, default True
        Items as 1..``scale_points`` ratings (else continuous standardised items).
    scale_points : int, default 10
        Number of rating-scale points when ``discrete``.
    repurchase : (float, float, float), default (0.3, 0.8, 0.4)
        ``(a, b_loyalty, b_switching)`` of the repurchase probit
        ``P(repurchase) = Phi(a + b_loyalty * Loyalty + b_switching * SwitchingCost)``.
    return_truth : bool, default False
        Also return a dict with the latent scores, paths, loadings and behaviour parameters.

    Returns
    -------
    pandas.DataFrame
        Items (IMAG1-5, CUEX1-3, PERQ1-7, PERV1-2, CUSA1-3, CUSCO, CUSL1-3, TRUS1-3, switching
        cost items SWCP1-2 procedural, SWCF1-2 financial, SWCR1-2 relational), perceived value
        components (``value_product``, ``value_service``, ``value_personnel``, ``value_image``,
        ``cost_money``, ``cost_time``, ``cost_effort``, ``cost_energy``; 1-10), indices
        ``satisfaction``, ``loyalty``, ``trust``, ``switching_cost``, ``perceived_value`` (item
        means), behaviour ``repurchase`` (0/1), ``purchases`` (count), ``spend``,
        ``complaint`` (0/1), ``price_sensitivity`` (1-10).  Index ``respondent_id``.

    Examples
    --------
    >>> d = simulate_loyalty_survey(1000, seed=3)
    >>> bool(d["repurchase"].between(0, 1).all())
    True
    """
    st = _check_structure(structure or DEFAULT_STRUCTURE)
    scale_points = check_whole_number(scale_points, "scale_points", minimum=2)
    rep = as_float_array(repurchase, "repurchase")
    if rep.size != 3:
        raise DataError(f"repurchase must be (a, b_loyalty, b_switching), three numbers; received "
                        f"{repurchase!r}.")
    need = {"Satisfaction", "Loyalty", "SwitchingCost", "Value", "Trust"}
    if not need <= set(st.latent):
        raise ModelSpecificationError(f"structure must contain the latents {sorted(need)}; it has {st.latent}.")
    rng = _rng(seed)
    items, eta = simulate_path_model(st, n, seed=rng, discrete=False, return_latent=True)
    n = len(items)
    val = eta["Value"].to_numpy()
    # value and cost components: total value (4 parts) minus total cost (4 parts) = Value
    tcv = 0.8 * val + 0.6 * rng.standard_normal(n)
    tcc = -0.45 * val + np.sqrt(1 - 0.45 ** 2) * rng.standard_normal(n)
    comp = {}
    for name, base in (("value_product", tcv), ("value_service", tcv), ("value_personnel", tcv),
                       ("value_image", tcv), ("cost_money", tcc), ("cost_time", tcc),
                       ("cost_effort", tcc), ("cost_energy", tcc)):
        comp[name] = 0.8 * base / base.std() + 0.6 * rng.standard_normal(n)
    comp = pd.DataFrame(comp, index=items.index)
    if discrete:
        items = _to_scale(items, scale_points)
        comp = _to_scale(comp, scale_points)
    out = pd.concat([items, comp], axis=1)
    for idx, cols in (("satisfaction", ["CUSA1", "CUSA2", "CUSA3"]), ("loyalty", ["CUSL1", "CUSL2", "CUSL3"]),
                      ("trust", ["TRUS1", "TRUS2", "TRUS3"]), ("perceived_value", ["PERV1", "PERV2"]),
                      ("switching_cost", ["SWCP1", "SWCP2", "SWCF1", "SWCF2", "SWCR1", "SWCR2"])):
        out[idx] = out[cols].mean(axis=1)
    loy = eta["Loyalty"].to_numpy()
    swc = eta["SwitchingCost"].to_numpy()
    sat = eta["Satisfaction"].to_numpy()
    a, bl, bs = rep
    out["repurchase"] = (a + bl * loy + bs * swc + rng.standard_normal(n) > 0).astype(np.int64)
    out["purchases"] = rng.poisson(np.exp(0.5 + 0.35 * loy + 0.2 * swc))
    out["spend"] = np.round(np.exp(3.5 + 0.2 * loy + 0.3 * rng.standard_normal(n)), 2)
    out["complaint"] = (-1.2 - 0.6 * sat + rng.standard_normal(n) > 0).astype(np.int64)
    ps = -0.6 * loy - 0.3 * swc + np.sqrt(1 - 0.45) * rng.standard_normal(n)
    out["price_sensitivity"] = np.clip(np.round(5.5 + 1.6 * ps), 1, 10).astype(np.int64)
    if not return_truth:
        return out
    truth = {"latent": eta, "paths": dict(st.paths), "interaction": dict(st.interaction),
             "loadings": {k: dict(v) for k, v in st.blocks.items()},
             "repurchase_probit": {"Intercept": a, "Loyalty": bl, "SwitchingCost": bs},
             "purchases_poisson": {"Intercept": 0.5, "Loyalty": 0.35, "SwitchingCost": 0.2},
             "complaint_probit": {"Intercept": -1.2, "Satisfaction": -0.6},
             "structure": st}
    return out, truth

