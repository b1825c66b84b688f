"""Fits whose mixing distribution collapses to a point say so (HeterogeneityWarning), and the
warning states only what is true.

The warning claims that in the homogeneous limit the likelihood and the predictions depend on
the two parameters of the collapsed distribution only through its mean. That claim is checked
here for every declared mixing pair of every model, independently of custvalue's closed forms:
the individual-level model (fixed rates / probabilities, written out below from the papers)
is integrated over the mixing distributions by Gauss-Legendre quadrature in quantile space,
at (shape, second) = (m k, k) for a gamma or (m k, (1 - m) k) for a beta, and the result
approaches the model with the mixing variable fixed at m as k grows, with error O(1/k). The
individual-level formulas are first checked against the library at moderate parameters.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from custvalue.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD
from custvalue.datasets import load_cdnow_summary, load_donations
from custvalue.exceptions import HeterogeneityWarning
from custvalue.simulate import simulate_betageo

MODELS = (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom, GammaGamma)


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD, GammaGamma])
def test_cdnow_fits_do_not_warn(cdnow_summary, model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeterogeneityWarning)
        model().fit(cdnow_summary)


def test_bgnbd_with_one_dropout_probability_for_everyone_warns_and_names_the_mean():
    """Beta(a, b) with a, b = 2,000, 6,000 is a point mass at p = 0.25 for all practical
    purposes: the fit runs a and b off together, and the warning reports a/(a+b)."""
    d = simulate_betageo(20_000, r=0.5, alpha=5.0, a=2000.0, b=6000.0, p=6.0, q=4.0, gamma=15.0,
                         T=np.random.default_rng(4).uniform(30, 80, 20_000), seed=9)
    with pytest.warns(HeterogeneityWarning, match=r"a/\(a\+b\) = 0\.2") as record:
        res = BetaGeo().fit(d)
    assert len(record) == 1
    text = str(record[0].message)
    a, b = res.params["a"], res.params["b"]
    assert f"a = {a:.4g} and b = {b:.4g} ran off together" in text
    assert f"a/(a+b) = {a / (a + b):.6g}" in text
    assert "beta distribution of dropout probabilities is close to a point mass" in text
    assert "homogeneous limit" in text
    assert "depend on a and b only through a/(a+b)" in text
    assert "fine" not in text  # no claim about the accuracy of numbers
    assert a / (a + b) == pytest.approx(0.25, abs=0.05)


def _fake_results(model, first, second, v1, v2):
    """Params with one pair run off (values v1, v2, standard errors NaN), others at 1."""
    names = list(model.param_names)
    params = pd.Series(1.0, index=names)
    params[first], params[second] = v1, v2
    bse = pd.Series(0.1, index=names)
    bse[first] = bse[second] = np.nan
    return types.SimpleNamespace(params=params, bse=bse)


@pytest.mark.parametrize("model, pair", [(m, mix) for m in MODELS for mix in m.mixing],
                         ids=lambda v: v.__name__ if isinstance(v, type) else f"{v[0]},{v[1]}")
def test_every_declared_pair_warns_with_its_identified_mean(model, pair):
    first, second, kind, what = pair
    res = _fake_results(model, first, second, 3000.0, 12000.0)
    with pytest.warns(HeterogeneityWarning) as record:
        model.__new__(model)._warn_if_homogeneous(res)
    assert len(record) == 1
    text = str(record[0].message)
    ratio, mean = ((f"{first}/{second}", 0.25) if kind == "gamma"
                   else (f"{first}/({first}+{second})", 0.2))
    assert f"{ratio} = {mean:g}" in text
    assert f"only through {ratio}." in text and what in text
    # a pair that is large but estimated (standard errors below the estimates) does not warn
    res.bse[first], res.bse[second] = 10.0, 10.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeterogeneityWarning)
        model.__new__(model)._warn_if_homogeneous(res)


# ---- the claim, by quadrature of the individual-level models --------------------------------
_U, _W = np.polynomial.legendre.leggauss(400)
_U, _W = (_U + 1) / 2, _W / 2


def _nodes(dist):
    """Quantile-space nodes and weights of a mixing distribution ("gamma", shape, rate),
    ("beta", a, b) or a point mass ("point", value)."""
    if dist[0] == "point":
        return np.array([dist[1]]), np.array([1.0])
    if dist[0] == "gamma":
        return stats.gamma.ppf(_U, dist[1], scale=1 / dist[2]), _W
    return stats.beta.ppf(_U, dist[1], dist[2]), _W


# Each individual-level model returns, for one customer history and horizon t:
# A (likelihood of the history and being alive at its end), L (likelihood of the history),
# E (expected purchases in the next t periods given alive) and N (expected purchases of a new
# customer in t periods).
def _bgnbd(lam, p, x, tx, T, t):
    """FHL 2005, section 3: Poisson(lam) purchases, dropout with probability p after each."""
    A = (1 - p) ** x * lam ** x * np.exp(-lam * T)
    D = np.where(x > 0, p * (1 - p) ** np.maximum(x - 1, 0) * lam ** x * np.exp(-lam * tx), 0.0)
    E = -np.expm1(-lam * p * t) / p
    return A, A + D, E, E


def _mbgnbd(lam, p, x, tx, T, t):
    """Batislam, Denizel & Filiztekin 2007: as BG/NBD, with a dropout chance at time 0 too."""
    A = (1 - p) ** (x + 1) * lam ** x * np.exp(-lam * T)
    D = p * (1 - p) ** x * lam ** x * np.exp(-lam * tx)
    E = -np.expm1(-lam * p * t) / p
    return A, A + D, E, (1 - p) * E


def _paretonbd(lam, mu, x, tx, T, t):
    """FH05 eq. (3): Poisson(lam) purchases, exponential(mu) lifetime."""
    A = lam ** x * np.exp(-(lam + mu) * T)
    D = lam ** x * mu / (lam + mu) * (np.exp(-(lam + mu) * tx) - np.exp(-(lam + mu) * T))
    E = lam / mu * -np.expm1(-mu * t)
    return A, A + D, E, E


def _bgbb(p, th, x, tx, n, t):
    """FHS 2010, eqs. (1)-(2): a purchase with probability p at each opportunity, dropout
    with probability th before each."""
    A = p ** x * (1 - p) ** (n - x) * (1 - th) ** n
    D = 0.0
    for i in range(int(np.max(n - tx))):
        D = D + np.where(i < n - tx, p ** x * (1 - p) ** (tx - x + i) * th * (1 - th) ** (tx + i), 0.0)
    E = p * (1 - th) * (1 - (1 - th) ** t) / th
    return A, A + D, E, E


def _gammagamma(nu, p, x, zbar, _unused, _t):
    """Fader, Hardie & Lee 2005 (spend note): x values ~ Gamma(p, nu), mean spend p / nu.
    A = L = the likelihood of the mean zbar in nu (up to factors free of nu)."""
    L = np.exp(p * x * np.log(nu) - nu * x * zbar)
    E = p / nu
    return L, L, E, E


def _predictions(indiv, dist1, dist2, x, tx, T, t):
    """P(alive), conditional expected purchases and the log-likelihood per customer, and the
    new-customer expectation, of the model mixed over dist1 x dist2."""
    a, wa = _nodes(dist1)
    b, wb = _nodes(dist2)
    A, L, E, N = indiv(a[:, None, None], b[None, :, None], x, tx, T, t)
    w = wa[:, None, None] * wb[None, :, None]
    EL, EA, EAE = (w * L).sum((0, 1)), (w * A).sum((0, 1)), (w * A * E).sum((0, 1))
    new = float((w * np.broadcast_to(N, L.shape)).sum((0, 1)).ravel()[0])
    return {"p_alive": EA / EL, "expected": EAE / EL, "loglike": np.log(EL), "new": new}


def _cdnow_rows():
    d = load_cdnow_summary().iloc[[0, 1, 5, 10, 20, 100, 700]]
    return d, (d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy())


def _donation_rows():
    d = load_donations().iloc[::3]
    return d, tuple(d[c].to_numpy().astype(float) for c in ("frequency", "recency", "n_periods"))


def _spend_rows():
    d = load_cdnow_summary()
    d = d[d["frequency"] > 0].iloc[[0, 3, 50, 200]]
    return d, (d["frequency"].to_numpy(), d["monetary_value"].to_numpy(), np.zeros(len(d)))


def _results(model, data, params):
    m = model(data)
    k = len(params)
    return model.results_class(m, np.asarray(params, dtype=float), np.eye(k), 0.0, converged=True,
                               message="", n_iter=0)


# model -> (individual-level function, data, horizon, kinds of the two mixing variables)
SETUP = {
    BetaGeo: (_bgnbd, _cdnow_rows, 39.0, ("gamma", "beta")),
    ModifiedBetaGeo: (_mbgnbd, _cdnow_rows, 39.0, ("gamma", "beta")),
    ParetoNBD: (_paretonbd, _cdnow_rows, 39.0, ("gamma", "gamma")),
    BetaGeoBetaBinom: (_bgbb, _donation_rows, 5.0, ("beta", "beta")),
    GammaGamma: (_gammagamma, _spend_rows, 0.0, ("gamma", "point")),
}
# moderate parameters (shapes >= 1, so the quantile-space rule is smooth) at which the
# individual-level formulas are checked against the library
MODERATE = {BetaGeo: [2.0, 20.0, 2.0, 5.0], ModifiedBetaGeo: [2.0, 20.0, 2.0, 5.0],
            ParetoNBD: [2.0, 20.0, 2.0, 30.0], BetaGeoBetaBinom: [2.0, 3.0, 2.0, 5.0],
            GammaGamma: [6.0, 10.0, 40.0]}


def _dists(model, params):
    kinds = SETUP[model][3]
    if model is GammaGamma:  # nu ~ Gamma(q, gamma); p is a fixed parameter
        return ("gamma", params[1], params[2]), ("point", params[0])
    return (kinds[0], params[0], params[1]), (kinds[1], params[2], params[3])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_individual_level_formulas_match_the_library_at_moderate_parameters(model):
    indiv, rows, t, _ = SETUP[model]
    data, cols = rows()
    params = MODERATE[model]
    res = _results(model, data, params)
    q = _predictions(indiv, *_dists(model, params), *cols, t)
    if model is GammaGamma:
        np.testing.assert_allclose(q["expected"], res.expected_spend(data).to_numpy(), rtol=1e-6)
        assert q["new"] == pytest.approx(res.population_mean_spend, rel=1e-5)  # 1/nu: heavier tail
        return
    np.testing.assert_allclose(q["p_alive"], res.p_alive(data).to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(q["expected"], res.expected_purchases(data, horizon=t).to_numpy(), rtol=2e-6)
    assert q["new"] == pytest.approx(res.expected_purchases_new_customer(t), rel=3e-6)


def _collapse(model, params, pair, k):
    """``params`` with the pair (first, second) at mean m and size k (k = None: the limit)."""
    first, second, kind, _ = pair
    names = list(model.param_names)
    i, j = names.index(first), names.index(second)
    m = params[i] / params[j] if kind == "gamma" else params[i] / (params[i] + params[j])
    p = list(params)
    if k is None:
        return p, (i, j, m)
    p[i], p[j] = (m * k, k) if kind == "gamma" else (m * k, (1 - m) * k)
    return p, (i, j, m)


@pytest.mark.parametrize("model, pair", [(m, mix) for m in MODELS for mix in m.mixing],
                         ids=lambda v: v.__name__ if isinstance(v, type) else f"{v[0]},{v[1]}")
def test_in_the_limit_predictions_depend_on_the_pair_only_through_its_mean(model, pair):
    """The claim of the warning: as (first, second) run off with the mean fixed at m, the
    likelihood and every prediction converge (error O(1/k)) to those of the model with the
    mixing variable fixed at m, which depends on the pair only through m."""
    indiv, rows, t, _ = SETUP[model]
    _, cols = rows()
    base = MODERATE[model]
    out = {}
    for k in (1e3, 1e5):
        p, _ = _collapse(model, base, pair, k)
        out[k] = _predictions(indiv, *_dists(model, p), *cols, t)
    _, (i, j, m) = _collapse(model, base, pair, None)
    d1, d2 = _dists(model, base)
    point = ("point", m)
    # the mixing variable fixed at its mean: the first distribution for GammaGamma (nu) and
    # for the first pair of the others, the second distribution otherwise
    limit = (_predictions(indiv, point, d2, *cols, t) if model is GammaGamma or i == 0
             else _predictions(indiv, d1, point, *cols, t))
    for key in ("p_alive", "expected", "loglike", "new"):
        if key == "p_alive" and model is GammaGamma:
            continue  # no dropout process: A = L
        err3 = np.max(np.abs(np.asarray(out[1e3][key]) - limit[key]) / np.abs(limit[key]))
        err5 = np.max(np.abs(np.asarray(out[1e5][key]) - limit[key]) / np.abs(limit[key]))
        assert err5 < 2e-3, (key, err5)
        assert err5 < err3 / 30 or err3 < 1e-9, (key, err3, err5)  # O(1/k): 100x for 100x k
