"""Catalogue of custvalue.math, the kernels (float arrays in, no pandas).

The prediction kernels users call directly check their parameters at the entry (a shape of
0 or NaN raises a DataError naming it); the data arrays are the caller's (the model classes
validate them). The log-likelihood kernels the optimiser calls at every iteration, and the
linear-algebra helpers called per bootstrap draw, check nothing: their entries say why
(``unchecked``) and give a valid call whose output must be finite.
"""

from __future__ import annotations

import numpy as np

from custvalue.math import (betageo, bgbb, clogit, dert, gammagamma, ghk, logconcave, markov, modbetageo,
                            ordinal, paretonbd, pls, probit, retention, sbg, shy, special)

from ._framework import Entry, Target, bad, replaced

M = "custvalue.math."

#: the bad values tried for a parameter under each rule (see custvalue.math._checks.RULES)
RULE_KINDS = {
    "positive": ("nan", "inf", "zero", "negative", "text"),
    "nonnegative": ("nan", "inf", "negative", "text"),
    "rate": ("nan", "inf", "text", ("-1", lambda v: -1.0)),
    "probability": ("nan", "negative", "above_one", "text"),
    "correlation": ("nan", "text", ("1", lambda v: 1.0)),
    "level": ("nan", "zero", "text", ("1", lambda v: 1.0)),
    "nonzero": ("nan", "zero", "text"),
    "finite": ("nan", "inf", "text"),
    "above_one": ("nan", "text", ("1", lambda v: 1.0)),
    "count": ("nan", "zero", "fraction", "text"),
    "count0": ("nan", "negative", "fraction", "text"),
    "transition": ("nan", "negative", "text", ("rows not summing to 1", lambda v: np.asarray(v) * 0.5)),
}

PER_ITERATION = ("called by the optimiser at every iteration: parameters and data are trusted "
                 "(the model class checks the data and the start values)")
PER_DRAW = "called per bootstrap draw or inside a fit on matrices the calling class built"
PER_DRAWS = ("called by interval='simulate' / 'bootstrap' on the parameter draws the interval machinery "
             "built (inside the parameters' ranges); a draw the kernel cannot evaluate gives nan, and the "
             "caller falls back to the checked path")
HELPER = "an internal building block of the kernels (trusted inputs, called inside other kernels)"


def kernel(fn, args, rules: dict, edges=None, *, finite_exempt: str = "") -> Entry:
    """A checked kernel: ``rules`` restates the parameter domains the kernel checks."""
    bad_spec = {name: bad(*RULE_KINDS[rule], names=name) for name, rule in rules.items()}
    return Entry("function", (Target("call", args, fn, bad_spec, edges or {}, finite_exempt),))


def documented(fn, args, why: str, edges=None, *, finite_exempt: str = "") -> Entry:
    """A kernel that checks nothing (``why``); its valid call must give finite output."""
    return Entry("function", (Target("call", args, fn, {}, edges or {}, finite_exempt),), unchecked=why)


# -- data ---------------------------------------------------------------------------------
X3, TX3, T3 = np.array([0.0, 2.0, 5.0]), np.array([0.0, 20.0, 30.0]), np.array([39.0, 39.0, 35.0])
BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
PN = dict(r=0.55, alpha=10.58, s=0.61, beta=11.67)
BB = dict(alpha=1.204, beta=0.75, gamma=0.657, delta=2.783)
XB, TXB, NB = np.array([0.0, 2.0, 5.0]), np.array([0.0, 3.0, 6.0]), np.array([6.0, 6.0, 6.0])
P2 = np.array([[0.8, 0.2], [0.0, 1.0]])
S4 = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
ODM = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
ADJ = np.array([[0, 0], [1, 0]])
R2 = np.array([[1.0, 0.4], [0.4, 1.0]])
XC = np.array([[[0.0], [1.0], [2.0]]])
CHOLS = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 1.0]]))


def _rft(**params):
    return lambda: {**params, "x": X3, "t_x": TX3, "T": T3}


def _bb(**extra):
    return lambda: {**BB, "x": XB, "t_x": TXB, "n_periods": NB, **extra}


def _btyd_family(mod, name: str, P: dict, names: tuple[str, ...], data, *, with_dert: str | None = None,
                 dert_rule: str = "positive", extra_checked: tuple[str, ...] = ()) -> dict[str, Entry]:
    """The prediction kernels of a purchase-count model (checked) and its likelihood kernels
    (documented)."""
    rules = {n: "positive" for n in names}
    huge = {names[1]: 1e12}
    out = {
        f"{M}{name}.p_alive": kernel(mod.p_alive, data, rules, {"huge scale": replaced(**huge)}),
        f"{M}{name}.expected_purchases_new_customer": kernel(
            mod.expected_purchases_new_customer, lambda: {"t": np.array([1.0, 10.0, 39.0]), **P}, rules,
            {"long horizon": replaced(t=np.array([1e6]))}),
        f"{M}{name}.conditional_expected_purchases": kernel(
            mod.conditional_expected_purchases, lambda: {"t": np.array([[1.0, 10.0]]), **data(),
                                                         "x": data()["x"][:, None],
                                                         **{k: v[:, None] for k, v in data().items()
                                                            if k in ("t_x", "T", "n_periods")}},
            rules, {"long horizon": replaced(t=np.array([[1e5]]))}),
        f"{M}{name}.probability_of_purchases": kernel(
            mod.probability_of_purchases, lambda: {"t": 10.0, **P, "n": np.array([0.0, 1.0, 2.0])},
            rules),
    }
    if hasattr(mod, "conditional_probability_of_purchases"):
        def conditional():
            cols = {k: v[:, None] for k, v in data().items() if isinstance(v, np.ndarray)}
            return {"n": np.array([[0.0, 1.0, 2.0]]), "t": 10.0, **P, **cols}
        out[f"{M}{name}.conditional_probability_of_purchases"] = kernel(
            mod.conditional_probability_of_purchases, conditional, rules)
    for f in extra_checked:  # log_alive_odds: -inf when x = 0 (P(dead) = 0), documented
        out[f"{M}{name}.{f}"] = kernel(getattr(mod, f), data, rules,
                                       finite_exempt="-inf for customers without repeat purchases (documented)")
    if with_dert:  # the rate's own rule (finite horizons allow 0, BG/BB's d > -1); > 0 checked when infinite
        out[f"{M}{name}.dert"] = kernel(mod.dert, lambda: {with_dert: 0.05, **data()},
                                        {with_dert: dert_rule, **rules},
                                        {"finite horizon, zero rate": replaced(**{with_dert: 0.0, "horizon": 10})})
    for f in ("loglike", "score", "loglike_and_score"):
        if hasattr(mod, f) and f in mod.__all__:
            out[f"{M}{name}.{f}"] = documented(getattr(mod, f), data, PER_ITERATION,
                                               {"one customer": lambda a: {k: (v[:1] if isinstance(v, np.ndarray)
                                                                               else v) for k, v in a.items()}})
    return out


CATALOGUE: dict[str, Entry] = {
    **_btyd_family(betageo, "betageo", BG, ("r", "alpha", "a", "b"), _rft(**BG),
                   extra_checked=("log_alive_odds",)),
    M + "betageo.weighted_loglike_and_score": documented(
        betageo.weighted_loglike_and_score, lambda: {**_rft(**BG)(), "weights": np.ones(3)}, PER_ITERATION),
    M + "betageo.weighted_loglike_score_hessian": documented(
        betageo.weighted_loglike_score_hessian, lambda: {**_rft(**BG)(), "weights": np.ones(3)}, PER_ITERATION),
    M + "betageo.x_levels": documented(betageo.x_levels, lambda: {"x": X3}, HELPER),
    M + "betageo.p_alive_logit_se": kernel(
        betageo.p_alive_logit_se, lambda: {**_rft(**BG)(), "cov": np.diag([0.013, 0.378, 0.186, 0.705]) ** 2},
        {n: "positive" for n in ("r", "alpha", "a", "b")}, {"huge scale": replaced(alpha=1e12)}),
    M + "betageo.p_alive_draw_quantiles": documented(
        betageo.p_alive_draw_quantiles,
        lambda: {"draws": np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5]]), "x": X3, "t_x": TX3,
                 "T": T3, "q": [0.05, 0.95]}, PER_DRAWS),
    M + "betageo.expected_purchases_draw_quantiles": documented(
        betageo.expected_purchases_draw_quantiles,
        lambda: {"draws": np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5]]), "t": 39.0, "x": X3,
                 "t_x": TX3, "T": T3, "q": [0.05, 0.95]}, PER_DRAWS),
    M + "betageo.expected_purchases_log_se": kernel(
        betageo.expected_purchases_log_se,
        lambda: {**_rft(**BG)(), "t": 39.0, "cov": np.diag([0.013, 0.378, 0.186, 0.705]) ** 2},
        {n: "positive" for n in ("r", "alpha", "a", "b")}),
    M + "modbetageo.expected_purchases_log_se": kernel(
        modbetageo.expected_purchases_log_se,
        lambda: {**_rft(**BG)(), "t": 39.0, "cov": np.diag([0.013, 0.378, 0.186, 0.705]) ** 2},
        {n: "positive" for n in ("r", "alpha", "a", "b")}),
    M + "modbetageo.p_alive_logit_se": kernel(
        modbetageo.p_alive_logit_se, lambda: {**_rft(**BG)(), "cov": np.diag([0.013, 0.378, 0.186, 0.705]) ** 2},
        {n: "positive" for n in ("r", "alpha", "a", "b")}, {"huge scale": replaced(alpha=1e12)}),
    M + "modbetageo.p_alive_draw_quantiles": documented(
        modbetageo.p_alive_draw_quantiles,
        lambda: {"draws": np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5]]), "x": X3, "t_x": TX3,
                 "T": T3, "q": [0.05, 0.95]}, PER_DRAWS),
    M + "modbetageo.expected_purchases_draw_quantiles": documented(
        modbetageo.expected_purchases_draw_quantiles,
        lambda: {"draws": np.array([[0.243, 4.414, 0.793, 2.426], [0.25, 4.0, 0.8, 2.5]]), "t": 39.0, "x": X3,
                 "t_x": TX3, "T": T3, "q": [0.05, 0.95]}, PER_DRAWS),
    M + "betageo.individual_loglike": documented(
        betageo.individual_loglike,
        lambda: {"r": 0.243, "log_alpha": np.log([4.4, 2.0, 9.0]), "log_a": np.log([0.79, 0.5, 2.0]),
                 "log_b": np.log([2.4, 1.0, 5.0]), "x": X3, "t_x": TX3, "T": T3}, PER_ITERATION),
    M + "betageo.purchase_count_probability": kernel(
        betageo.purchase_count_probability, lambda: {"n": np.array([0.0, 1.0, 2.0]), "t": 10.0, **BG, "shift": 1},
        {n: "positive" for n in ("r", "alpha", "a", "b")}),
    M + "betageo.time_scale": documented(betageo.time_scale, _rft(**BG), HELPER),
    **_btyd_family(modbetageo, "modbetageo", BG, ("r", "alpha", "a", "b"), _rft(**BG)),
    **_btyd_family(paretonbd, "paretonbd", PN, ("r", "alpha", "s", "beta"), _rft(**PN), with_dert="continuous_rate",
                   dert_rule="nonnegative"),
    M + "paretonbd.weighted_loglike_and_score": documented(
        paretonbd.weighted_loglike_and_score, lambda: {**_rft(**PN)(), "weights": np.ones(3)}, PER_ITERATION),
    M + "paretonbd.weighted_loglike_score_hessian": documented(
        paretonbd.weighted_loglike_score_hessian, lambda: {**_rft(**PN)(), "weights": np.ones(3)}, PER_ITERATION),
    M + "paretonbd.data_levels": documented(paretonbd.data_levels, lambda: {"x": X3, "t_x": TX3}, HELPER),
    M + "paretonbd.individual_loglike": documented(
        paretonbd.individual_loglike,
        lambda: {"r": 0.55, "s": 0.61, "log_alpha": np.log([10.58, 5.0, 20.0]), "log_beta": np.log([11.67, 30.0, 2.0]),
                 "x": X3, "t_x": TX3, "T": T3, "hess": True}, PER_ITERATION),
    M + "paretonbd.individual_loglike_sums": documented(
        paretonbd.individual_loglike_sums,
        lambda: {"r": 0.55, "s": 0.61, "log_alpha": np.log([10.58, 5.0, 20.0]), "log_beta": np.log([11.67, 30.0, 2.0]),
                 "x": X3, "t_x": TX3, "T": T3, "weights": None, "X": np.array([[1.0, 0.5], [0.0, -1.0], [1.0, 2.0]]),
                 "shifts": np.array([1, 3]), "hess": True}, PER_ITERATION),
    M + "paretonbd.individual_p_alive": documented(
        paretonbd.individual_p_alive, lambda: {**_rft(**PN)(), "alpha": np.array([10.58, 5.0, 20.0])}, HELPER),
    **_btyd_family(bgbb, "bgbb", BB, ("alpha", "beta", "gamma", "delta"), _bb(), with_dert="d", dert_rule="rate"),
    # -- Gamma-Gamma ----------------------------------------------------------------------
    M + "gammagamma.loglike": documented(
        gammagamma.loglike, lambda: {"p": 6.25, "q": 3.74, "gamma": 15.45, "x": np.array([2.0, 1.0]),
                                     "m": np.array([22.35, 11.77])}, PER_ITERATION),
    M + "gammagamma.score": documented(
        gammagamma.score, lambda: {"p": 6.25, "q": 3.74, "gamma": 15.45, "x": np.array([2.0, 1.0]),
                                   "m": np.array([22.35, 11.77])}, PER_ITERATION),
    M + "gammagamma.expected_spend": kernel(
        gammagamma.expected_spend, lambda: {"p": 6.25, "q": 3.74, "gamma": 15.45, "x": np.array([2.0, 0.0]),
                                            "m": np.array([22.35, 0.0])},
        {"p": "positive", "q": "positive", "gamma": "positive"}),
    M + "gammagamma.population_mean_spend": kernel(
        gammagamma.population_mean_spend, lambda: {"p": 6.25, "q": 3.74, "gamma": 15.45},
        {"p": "positive", "q": "above_one", "gamma": "positive"}),
    # -- sBG ------------------------------------------------------------------------------
    **{M + f"sbg.{f}": kernel(getattr(sbg, f), lambda: {"alpha": 0.704, "beta": 1.182, "t": np.array([1.0, 2.0, 7.0])},
                              {"alpha": "positive", "beta": "positive", "t": "nonnegative"},
                              {"late": replaced(t=np.array([1e4]))})
       for f in ("log_churn_probability", "churn_probability", "log_survival", "survival", "retention_rate")},
    M + "sbg.loglike": documented(sbg.loglike, lambda: {"alpha": 0.704, "beta": 1.182, "t": np.array([1.0, 7.0]),
                                                        "censored": np.array([False, True])}, PER_ITERATION),
    M + "sbg.score": documented(sbg.score, lambda: {"alpha": 0.704, "beta": 1.182, "t": np.array([1.0, 7.0]),
                                                    "censored": np.array([False, True])}, PER_ITERATION),
    M + "sbg.discounted_expected_lifetime": kernel(
        sbg.discounted_expected_lifetime, lambda: {"alpha": 0.704, "beta": 1.182, "d": 0.1},
        {"alpha": "positive", "beta": "positive", "d": "rate"},
        {"undiscounted": (replaced(d=0.0), "infinite when alpha <= 1 and d = 0 (the sum diverges; documented)")}),
    M + "sbg.derl": kernel(
        sbg.derl, lambda: {"alpha": 0.704, "beta": 1.182, "d": 0.1, "n_renewals": np.array([0.0, 4.0])},
        {"alpha": "positive", "beta": "positive", "d": "rate", "n_renewals": "nonnegative"}),
    M + "sbg.retention_elasticity": kernel(
        sbg.retention_elasticity, lambda: {"alpha": 0.704, "beta": 1.182, "d": 0.1, "n_renewals": np.array([0.0, 4.0])},
        {"alpha": "positive", "beta": "positive", "d": "rate", "n_renewals": "nonnegative"}),
    # -- retention --------------------------------------------------------------------------
    **{M + f"retention.{f}": kernel(getattr(retention, f), lambda: {"margin": 100.0, "retention": 0.8, "d": 0.1,
                                                                          "horizon": 5.0},
                                    {"margin": "finite", "retention": "probability", "d": "rate",
                                     "horizon": "nonnegative"},
                                    {"infinite horizon": replaced(horizon=None)})
       for f in ("clv_end", "clv_start")},
    **{M + f"retention.{f}": kernel(getattr(retention, f), lambda: {"retention": 0.8, "d": 0.1},
                                    {"retention": "probability", "d": "rate"})
       for f in ("elasticity_end", "elasticity_start")},
    # -- DERT quadrature --------------------------------------------------------------------
    M + "dert.continuous_rate": kernel(dert.continuous_rate, lambda: {"discount_rate": 0.1},
                                       {"discount_rate": "rate"}),
    M + "dert.continuous_dert": kernel(
        dert.continuous_dert, lambda: {"cumulative": lambda t: 2.0 * np.asarray(t)[None, :], "delta": 0.1,
                                       "horizon": 52.0, "n_nodes": 10},
        {"delta": "positive", "horizon": "nonnegative", "n_nodes": "count"},
        {"infinite horizon": replaced(horizon=None)}),
    M + "dert.discount_factors": kernel(dert.discount_factors, lambda: {"discount_rate": 0.1, "periods": [1.0, 2.5]},
                                        {"discount_rate": "rate", "periods": "nonnegative"}),
    M + "dert.increment_weights": kernel(dert.increment_weights, lambda: {"discount_rate": 0.1, "n_periods": 3},
                                         {"discount_rate": "rate", "n_periods": "count0"},
                                         {"per-customer rates": replaced(discount_rate=np.array([0.0, 0.1]))}),
    M + "dert.discrete_dert": kernel(
        dert.discrete_dert, lambda: {"cumulative": lambda i: 0.5 * np.asarray(i, dtype=float)[None, :],
                                     "discount_rate": 0.05, "horizon": 4},
        {"discount_rate": "rate", "horizon": "count0"}),
    # -- special functions (inside the kernels) ---------------------------------------------
    M + "logconcave.log_integral": documented(
        logconcave.log_integral, lambda: {"p": np.array([0.5, 2.0]), "c1": 1.0, "c2": 0.0, "a2": 1.0, "b2": 1.0,
                                          "z": np.array([0.1, 1.0]), "lo": -np.inf, "hi": np.inf}, HELPER),
    M + "logconcave.interpolate_smooth": documented(
        lambda fun, y: logconcave.interpolate_smooth(fun, y),
        lambda: {"fun": np.sin, "y": np.linspace(0.0, 3.0, 400)}, HELPER),
    M + "special.geometric_dropout_mean": documented(
        special.geometric_dropout_mean, lambda: {"t": [[39.0]], "base": [4.414], "a": 0.793,
                                                 "A": 0.793 + 2.426 - 1 - 0.243, "C": [0.793 + 2.426 - 1],
                                                 "K": [0.793 + 2.426 - 1]}, HELPER),
    M + "special.horizon_grid": documented(
        lambda t, rows: special.horizon_grid(t, rows), lambda: {"t": np.array([[1.0, 2.0, 3.0]]),
                                                               "rows": np.array([[0.0], [5.0]])}, HELPER),
    M + "special.lgamma_ratio": documented(special.lgamma_ratio, lambda: {"z": np.array([0.5, 1e14]), "h": 3.0},
                                           HELPER),
    M + "special.digamma_diff": documented(special.digamma_diff, lambda: {"z": np.array([0.5, 1e14]), "h": 3.0},
                                           HELPER),
    M + "special.trigamma_diff": documented(special.trigamma_diff, lambda: {"z": np.array([0.5, 1e14]), "h": 3.0},
                                            HELPER),
    M + "special.log_beta_ratio": documented(special.log_beta_ratio, lambda: {"a": np.array([0.8, 2e13]),
                                                                            "b": np.array([2.4, 6e13]), "h": 3.0},
                                             HELPER),
    # -- conditional logit -------------------------------------------------------------------
    M + "clogit.utilities": documented(clogit.utilities, lambda: {"beta": np.array([0.5]), "X": XC}, PER_ITERATION),
    M + "clogit.log_probabilities": documented(clogit.log_probabilities, lambda: {"V": np.array([[0.0, 1.0]])},
                                               PER_ITERATION),
    M + "clogit.probabilities": documented(clogit.probabilities, lambda: {"beta": np.array([0.5]), "X": XC},
                                           PER_ITERATION),
    M + "clogit.loglike": documented(clogit.loglike, lambda: {"beta": np.array([0.5]), "X": XC,
                                                              "chosen": np.array([2])}, PER_ITERATION),
    M + "clogit.score": documented(clogit.score, lambda: {"beta": np.array([0.5]), "X": XC,
                                                          "chosen": np.array([2])}, PER_ITERATION),
    M + "clogit.loglike_and_score": documented(clogit.loglike_and_score, lambda: {
        "beta": np.array([0.5]), "X": XC, "chosen": np.array([2])}, PER_ITERATION),
    M + "clogit.hessian": documented(clogit.hessian, lambda: {"beta": np.array([0.5]), "X": XC}, PER_ITERATION),
    **{M + f"clogit.{f}": documented(getattr(clogit, f), lambda: {
        "beta": np.array([0.0]), "sigma": np.array([1.0]), "X": np.zeros((2, 2, 1)), "chosen": np.array([0, 1]),
        "group_starts": np.array([0]), "draws": np.array([[[-1.0], [1.0]]]), "loading": np.array([[1.0], [0.0]])},
        PER_ITERATION) for f in ("mixed_loglike", "mixed_score", "mixed_loglike_and_score")},
    M + "clogit.logsumexp": documented(clogit.logsumexp, lambda: {"a": np.array([0.0, np.log(3.0)])}, HELPER),
    M + "clogit.money_metric": kernel(clogit.money_metric, lambda: {"gamma": 1.5, "alpha": -0.5},
                                      {"gamma": "finite", "alpha": "nonzero"}),
    M + "clogit.money_metric_gradient": kernel(clogit.money_metric_gradient, lambda: {"gamma": 1.5, "alpha": -0.5},
                                               {"gamma": "finite", "alpha": "nonzero"}),
    # -- GHK and the bivariate normal ----------------------------------------------------------
    M + "ghk.ghk_loglike": documented(
        ghk.ghk_loglike, lambda: {"mu": np.zeros((1, 2)), "y": np.ones((1, 2)), "chol": CHOLS,
                                  "u": ghk.halton_draws(ghk.customer_keys(np.arange(1), seed=0), 50, 1)},
        PER_ITERATION),
    M + "ghk.halton_draws": kernel(
        ghk.halton_draws, lambda: {"keys": ghk.customer_keys(range(3)), "n_draws": 20, "n_dims": 2, "seed": 0},
        {"n_draws": "count", "n_dims": "count0", "seed": "count0"}),
    M + "ghk.customer_keys": kernel(ghk.customer_keys, lambda: {"labels": ["a", "b"], "seed": 1},
                                    {"seed": "count0"}),
    M + "ghk.cpc_cholesky": documented(ghk.cpc_cholesky, lambda: {"gamma": np.array([0.3]), "n_dims": 2},
                                       PER_ITERATION),
    M + "ghk.corr_from_cholesky": documented(ghk.corr_from_cholesky, lambda: {"L": CHOLS}, PER_ITERATION),
    M + "ghk.cpc_from_corr": documented(ghk.cpc_from_corr, lambda: {"corr": np.array([[1.0, 0.3], [0.3, 1.0]])},
                                        PER_DRAW),
    M + "ghk.bvn_cdf": kernel(ghk.bvn_cdf, lambda: {"h": 0.0, "k": 0.5, "rho": 0.5}, {"rho": "correlation"},
                              {"far tail": replaced(h=-40.0, k=40.0)}),
    M + "ghk.bvn_pdf": kernel(ghk.bvn_pdf, lambda: {"h": 0.0, "k": 0.5, "rho": 0.5}, {"rho": "correlation"}),
    M + "ghk.bvprobit_loglike": documented(ghk.bvprobit_loglike, lambda: {"mu": np.zeros((1, 2)),
                                                                          "y": np.ones((1, 2)), "rho": 0.5},
                                           PER_ITERATION),
    # -- probit and ordinal --------------------------------------------------------------------
    M + "probit.probit_loglike": documented(probit.probit_loglike, lambda: {"mu": np.array([0.0, 1.0]),
                                                                           "y": np.array([1.0, 0.0])}, PER_ITERATION),
    M + "probit.probit_newton": documented(
        probit.probit_newton, lambda: {"X": np.column_stack([np.ones(6), np.arange(6.0)]),
                                       "y": np.array([0, 0, 1, 0, 1, 1])}, PER_DRAW),
    M + "probit.probit_sums": documented(probit.probit_sums, lambda: {"X": np.ones((2, 1)), "y": np.array([1.0, 0.0]),
                                                                     "beta": np.zeros(1)}, PER_ITERATION),
    M + "ordinal.cuts": documented(ordinal.cuts, lambda: {"theta": np.array([-1.0, 0.0, np.log(0.5)])}, PER_ITERATION),
    **{M + f"ordinal.{f}": documented(getattr(ordinal, f), lambda: {
        "params": np.array([0.3, -0.5, 0.0]), "X": np.array([[0.5], [-1.0], [2.0]]), "y": np.array([0, 1, 2]),
        "n_levels": 3}, PER_ITERATION) for f in ("ordered_loglike_obs", "ordered_score_obs", "ordered_score")},
    # -- Markov chains ---------------------------------------------------------------------------
    M + "markov.discounted_value": kernel(
        markov.discounted_value, lambda: {"P": P2, "R": np.array([100.0, 0.0]), "d": 0.1, "horizon": 12},
        {"P": "probability", "R": "finite", "d": "rate", "horizon": "count0"},
        {"infinite horizon": replaced(horizon=None)}),
    M + "markov.discounted_value_path": kernel(
        markov.discounted_value_path, lambda: {"P": P2, "R": np.array([100.0, 0.0]), "d": 0.1, "horizon": 3},
        {"P": "probability", "R": "finite", "d": "rate", "horizon": "count0"}),
    M + "markov.n_step": kernel(markov.n_step, lambda: {"P": P2, "t": 3}, {"P": "probability", "t": "count0"}),
    M + "markov.state_distribution": kernel(
        markov.state_distribution, lambda: {"P": P2, "initial": np.array([1.0, 0.0]), "horizon": 3},
        {"P": "probability", "initial": "nonnegative", "horizon": "count0"}),
    M + "markov.stationary_distribution": kernel(
        markov.stationary_distribution, lambda: {"P": np.array([[0.9, 0.1], [0.5, 0.5]])}, {"P": "transition"}),
    M + "markov.fundamental_matrix": kernel(
        markov.fundamental_matrix, lambda: {"P": P2, "transient": np.array([True, False])}, {"P": "transition"}),
    M + "markov.transition_counts": kernel(
        markov.transition_counts, lambda: {"src": np.array([0, 0, 1]), "dst": np.array([0, 1, 1]), "n_states": 2},
        {"n_states": "count"}),
    M + "markov.counts_loglike": kernel(
        markov.counts_loglike, lambda: {"counts": np.array([[4.0, 2.0], [1.0, 1.0]]),
                                        "P": np.array([[2 / 3, 1 / 3], [0.5, 0.5]])},
        {"counts": "nonnegative", "P": "probability"}),
    **{M + f"markov.{f}": kernel(getattr(markov, f), lambda: {"p": np.array([2 / 3, 1 / 3]), "n_trials": np.array([6.0, 6.0]),
                                                              "level": 0.95},
                                 {"p": "probability", "n_trials": "nonnegative", "level": "level"})
       for f in ("wilson_interval", "wald_interval")},
    M + "markov.goodman_interval": kernel(
        markov.goodman_interval, lambda: {"p": np.array([[2 / 3, 1 / 3]]), "n_trials": np.array([[6.0]]),
                                                "level": 0.95},
        {"p": "probability", "n_trials": "nonnegative", "level": "level"}),
    M + "markov.value_jacobian": kernel(
        markov.value_jacobian, lambda: {"P": P2, "R": np.array([100.0, 0.0]), "d": 0.1, "horizon": 4},
        {"P": "probability", "R": "finite", "d": "rate", "horizon": "count0"},
        {"infinite horizon": replaced(horizon=None)}),
    M + "markov.value_variance": documented(
        markov.value_variance, lambda: {"jacobian": markov.value_jacobian(P2, np.array([100.0, 0.0]), 0.1),
                                        "P": P2, "n_from": np.array([10.0, 5.0])},
        "called by TransitionMatrixResults.value(interval='delta') on the estimate's own matrix, counts and "
        "the derivatives it has just computed"),
    M + "markov.batched_values": documented(
        markov.batched_values, lambda: {"matrices": np.stack([P2, P2]), "R": np.array([100.0, 0.0]), "d": 0.1},
        "called by TransitionMatrixResults.value(interval='simulate' / 'bootstrap') on redrawn stochastic "
        "matrices; the rewards and rate were checked by the caller"),
    # -- Shy's switching costs ---------------------------------------------------------------
    M + "shy.default_rival": kernel(shy.default_rival, lambda: {"customers": np.array([50.0, 30.0, 20.0])},
                                    {"customers": "positive"}),
    M + "shy.switching_costs": kernel(
        shy.switching_costs, lambda: {"prices": np.array([10.0, 10.0]), "customers": np.array([60.0, 40.0]),
                                      "rival": np.array([1, 0])}, {"prices": "finite", "customers": "positive"}),
    M + "shy.switching_cost_jacobian": kernel(
        shy.switching_cost_jacobian, lambda: {"prices": np.array([10.0, 10.0]), "customers": np.array([60.0, 40.0]),
                                              "rival": np.array([1, 0])}, {"prices": "finite", "customers": "positive"}),
    M + "shy.undercut_proof_prices": kernel(
        shy.undercut_proof_prices, lambda: {"switching_costs": np.array([6.0, 4.0]), "customers": np.array([60.0, 40.0]),
                                            "rival": np.array([1, 0])},
        {"switching_costs": "nonnegative", "customers": "positive"}),
    M + "shy.undercut_weights": kernel(shy.undercut_weights, lambda: {"customers": np.array([60.0, 40.0])},
                                       {"customers": "positive"},
                                       finite_exempt="inf on the diagonal: a firm never undercuts itself (documented)"),
    M + "shy.pairwise_rival": kernel(
        shy.pairwise_rival, lambda: {"prices": np.array([1.1, 1.7, 2.1]), "customers": np.array([100.0, 10.0, 5.0])},
        {"prices": "finite", "customers": "positive"}),
    M + "shy.pairwise_undercut_proof_prices": kernel(
        shy.pairwise_undercut_proof_prices, lambda: {"switching_costs": np.ones(3),
                                                     "customers": np.array([100.0, 10.0, 5.0])},
        {"switching_costs": "nonnegative", "customers": "positive"}),
    M + "shy.two_firm_switching_costs": kernel(
        shy.two_firm_switching_costs, lambda: {"p_a": 10.0, "p_b": 10.0, "n_a": 60.0, "n_b": 40.0},
        {"p_a": "finite", "p_b": "finite", "n_a": "positive", "n_b": "positive"}),
    M + "shy.two_firm_prices": kernel(
        shy.two_firm_prices, lambda: {"s_a": 6.0, "s_b": 4.0, "n_a": 60.0, "n_b": 40.0},
        {"s_a": "nonnegative", "s_b": "nonnegative", "n_a": "positive", "n_b": "positive"}),
    # -- PLS path models (matrices built by PLSPM; called per bootstrap draw) ----------------------
    M + "pls.initial_weights": documented(pls.initial_weights, lambda: {"S": S4, "odm": ODM}, PER_DRAW),
    M + "pls.normalise_weights": documented(pls.normalise_weights, lambda: {"S": S4, "W": ODM}, PER_DRAW),
    M + "pls.lv_correlation": documented(pls.lv_correlation, lambda: {"S": S4, "W": ODM}, PER_DRAW),
    M + "pls.inner_weights": documented(pls.inner_weights, lambda: {"R": R2, "adj": ADJ, "scheme": "path"}, PER_DRAW),
    M + "pls.outer_update": documented(pls.outer_update, lambda: {"S": S4, "W": ODM, "E": np.array([[0.0, 0.387], [0.387, 0.0]]),
                                                                  "odm": ODM, "mode_b": np.array([False, False])}, PER_DRAW),
    M + "pls.pls_weights": documented(pls.pls_weights, lambda: {"S": S4, "odm": ODM, "adj": ADJ,
                                                                "mode_b": np.array([False, False])}, PER_DRAW),
    M + "pls.sign_fix": documented(pls.sign_fix, lambda: {"S": S4, "W": -ODM, "odm": ODM}, PER_DRAW),
    M + "pls.path_coefficients": documented(pls.path_coefficients, lambda: {"R": R2, "adj": ADJ}, PER_DRAW),
    M + "pls.effects": documented(pls.effects, lambda: {"B": np.array([[0, 0, 0], [0.5, 0, 0], [0.2, 0.4, 0]])}, PER_DRAW),
    M + "pls.loadings": documented(pls.loadings, lambda: {"S": S4, "W": ODM}, PER_DRAW),
    M + "pls.block_reliability": documented(pls.block_reliability, lambda: {"S": S4, "load": pls.loadings(S4, ODM),
                                                                            "odm": ODM}, PER_DRAW),
    M + "pls.htmt": documented(pls.htmt, lambda: {"S": S4, "odm": ODM}, PER_DRAW,
                               finite_exempt="NaN on the diagonal (a block with itself; documented)"),
    M + "pls.gof": documented(pls.gof, lambda: {"load": pls.loadings(S4, ODM), "odm": ODM, "r2": np.array([0.0, 0.15]),
                                                "endogenous": np.array([False, True])}, PER_DRAW),
    M + "pls.weighted_covariances": documented(
        pls.weighted_covariances, lambda: {"X": np.array([[-1.5, -1.0], [-0.5, -2.0], [0.5, 2.0], [1.5, 1.0]]),
                                           "weights": np.full((1, 4), 0.25)}, PER_DRAW),
    M + "pls.bootstrap_covariances": documented(
        lambda **a: list(pls.bootstrap_covariances(**a)),
        lambda: {"X": np.array([[1., 2.], [2., 1.], [3., 5.], [4., 4.]]), "n_boot": 5, "rng": np.random.default_rng(0),
                 "chunk": 2}, PER_DRAW),
    M + "pls.jackknife_covariances": documented(
        pls.jackknife_covariances, lambda: {"X": np.array([[1., 2.], [2., 1.], [3., 5.], [4., 4.]]),
                                            "rng": np.random.default_rng(0)}, PER_DRAW),
}


# -- Pareto/NBD with time-varying covariates (issue 18, item 2) ----------------------------
from custvalue.math import paretonbd_tv  # noqa: E402


def _tv_pieces() -> dict:
    """Three customers over 2-3 weekly pieces, one purchase and one dropout covariate."""
    z = np.array([[0.0], [1.0], [0.5], [-1.0], [0.2], [0.0], [1.5]])
    return {"x": X3, "offsets": np.array([0, 2, 5, 7]), "death_start": np.array([0, 3, 6]),
            "dt": np.array([20.0, 19.0, 5.0, 15.0, 19.0, 20.0, 15.0]), "zp": z, "zd": z * 0.5}


TV_P = {**PN, "gamma_purchase": [0.3], "gamma_dropout": [-0.2]}
TV_RULES = {n: "positive" for n in ("r", "alpha", "s", "beta")}


def _tv_future() -> dict:
    pa, A, C = paretonbd_tv.state_at_T(**TV_P, **_tv_pieces())
    return {**TV_P, "x": X3, "A_T": A, "C_T": C, "alive": pa, "offsets": np.array([0, 1, 2, 3]),
            "dt": np.array([4.0, 4.0, 4.0]), "zp": np.ones((3, 1)), "zd": np.ones((3, 1))}


CATALOGUE.update({
    M + "paretonbd_tv.loglike_and_score": documented(
        paretonbd_tv.loglike_and_score, lambda: {**TV_P, **_tv_pieces(), "sum_zp": np.array([[0.0], [1.0], [2.0]])},
        PER_ITERATION),
    M + "paretonbd_tv.weighted_loglike_and_score": documented(
        paretonbd_tv.weighted_loglike_and_score,
        lambda: {**TV_P, **_tv_pieces(), "sum_zp": np.array([[0.0], [1.0], [2.0]]), "weights": np.ones(3)},
        PER_ITERATION),
    M + "paretonbd_tv.state_at_T": kernel(paretonbd_tv.state_at_T, lambda: {**TV_P, **_tv_pieces()}, TV_RULES),
    M + "paretonbd_tv.p_alive": kernel(paretonbd_tv.p_alive, lambda: {**TV_P, **_tv_pieces()}, TV_RULES,
                                       {"huge scale": replaced(alpha=1e12, beta=1e12)}),
    M + "paretonbd_tv.conditional_expected_purchases": kernel(
        paretonbd_tv.conditional_expected_purchases, _tv_future, TV_RULES, {"s = 1": replaced(s=1.0)}),
})
