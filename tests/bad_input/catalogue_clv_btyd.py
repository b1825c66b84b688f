"""Catalogue of the buy-till-you-die models added for issue 19: MBG/CNBD-k and BG/CNBD-k
(custvalue.clv.cnbdk, custvalue.math.cnbdk, custvalue.simulate.simulate_cnbdk) and GGom/NBD
(custvalue.clv.ggomnbd, custvalue.math.ggomnbd, custvalue.simulate.simulate_ggomnbd)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from custvalue import clv, simulate
from custvalue.math import cnbdk, ggomnbd

from . import _data as D
from ._framework import LABELLED, NUMBER, NUMERIC, Entry, Target, function, one_row, replaced
from .catalogue_clv import DISCOUNT, HORIZON, INTERVAL, LEVEL, N_DRAWS, RFT_BAD, WEIGHTS_BAD
from .catalogue_math import M, PER_ITERATION, HELPER, _btyd_family, documented, kernel
from .catalogue_misc import COUNT, SEED, SHAPE

C = "custvalue.clv."

CNBD_BAD = {**RFT_BAD, "data[sum_log_interpurchase]": (*NUMERIC, "huge", "wrong_column")}


def cdnow_litt(n: int | None = None) -> pd.DataFrame:
    """The catalogue's CDNOW customers with a ``sum_log_interpurchase`` column (the gaps of
    ``frequency`` equal purchases spread over ``recency``; 0 without repeats)."""
    d = D.cdnow(n)
    x = d["frequency"].to_numpy(dtype=float)
    gap = np.divide(d["recency"].to_numpy(), x, out=np.ones_like(x), where=x > 0)
    d["sum_log_interpurchase"] = np.where(x > 0, x * np.log(np.maximum(gap, 1.0 / 7.0)), 0.0)
    return d


@cache
def fitted(name: str):
    if name == "mbgcnbd":
        return clv.ModifiedBetaGeoCNBD(k=2).fit(cdnow_litt())
    if name == "bgcnbd":
        return clv.BetaGeoCNBD(k=2).fit(cdnow_litt())
    base = simulate.simulate_ggomnbd(5000, r=0.6, alpha=5.0, b=0.05, s=1.2, beta=2.0, T=np.linspace(20, 104, 5000),
                                     seed=5)
    return clv.GammaGompertzNBD().fit(base)  # identified (on CDNOW b runs to 0: NaN standard errors)


def _weights(d: pd.DataFrame) -> pd.Series:
    return pd.Series(1.0, index=d.index, name="weights")


def _model(name: str, model, data, bad_cols: dict, settings: dict | None = None) -> Entry:
    settings = settings or {}
    return Entry("class", (
        Target("__init__", lambda: {"data": data(), **settings}, model,
               {**bad_cols, **({"k": ("nan", "zero", "negative", "fraction", "text"),
                                "max_k": ("nan", "zero", "negative", "fraction", "text",
                                          ("100 (too many)", lambda v: 100))} if settings else {})}),
        Target("fit", lambda: {"data": data(), "weights": _weights(data())},
               lambda **a: model(**settings).fit(**a), {**bad_cols, **WEIGHTS_BAD},
               {"one_row": one_row("data", "weights")}),
        Target("fit(maxiter, start_params)", lambda: {"data": data(), "maxiter": 200,
                                                     "start_params": list(fitted(name).params)},
               lambda **a: model(**settings).fit(**a),
               {"maxiter": (*NUMBER, "negative", "fraction"),
                "start_params": ("nan", "inf", "negative", "text", "empty", "misaligned")}),
    ))


def _results(name: str, data, bad_cols: dict) -> Entry:
    """Predictions of a fitted model: the same targets as catalogue_clv._transaction_results."""
    res = lambda: fitted(name)  # noqa: E731
    cols = ("frequency", "recency", "T")
    data_edges = {"one_row": one_row("data")}
    return Entry("results", (
        Target("p_alive", lambda: {"data": data()}, lambda **a: res().p_alive(**a), bad_cols, data_edges),
        Target("p_alive(arrays)", lambda: {c: data()[c] for c in cols}, lambda **a: res().p_alive(**a),
               {cols[0]: (*NUMERIC, "negative", "empty", *LABELLED),
                cols[1]: (*NUMERIC, "negative", *LABELLED), cols[2]: (*NUMERIC, "zero", *LABELLED)}),
        Target("expected_purchases", lambda: {"data": data(), "horizon": 10.0},
               lambda **a: res().expected_purchases(**a),
               {**bad_cols, "horizon": HORIZON}, {**data_edges, "long horizon": replaced(horizon=1e3)}),
        Target("expected_purchases(horizons)", lambda: {"data": data(), "horizon": [1.0, 5.0, 10.0]},
               lambda **a: res().expected_purchases(**a), {"horizon": ("nan", "negative", "text", "empty")}),
        Target("expected_purchases_new_customer", lambda: {"horizon": 10.0},
               lambda **a: res().expected_purchases_new_customer(**a), {"horizon": HORIZON},
               {"zero horizon": replaced(horizon=0.0), "long horizon": replaced(horizon=1e3)}),
        Target("probability_of_purchases", lambda: {"n": [0, 1, 2], "horizon": 10.0},
               lambda **a: res().probability_of_purchases(**a),
               {"n": ("nan", "negative", "fraction", "text", "empty"), "horizon": HORIZON},
               {"many purchases": replaced(n=[0, 50, 200])}),
        Target("dert", lambda: {"data": data(), "discount_rate": 0.01, "horizon": 20.0},
               lambda **a: res().dert(**a),
               {**bad_cols, "discount_rate": DISCOUNT, "horizon": ("nan", "inf", "negative", "text")},
               {**data_edges, "infinite horizon": replaced(horizon=None)}),
        Target("dert_new_customer", lambda: {"discount_rate": 0.01, "horizon": 20.0},
               lambda **a: res().dert_new_customer(**a),
               {"discount_rate": DISCOUNT, "horizon": ("nan", "negative", "text")},
               {"infinite horizon": replaced(horizon=None)}),
        Target("p_alive(interval)", lambda: {"data": data(), "interval": "delta", "level": 0.9},
               lambda **a: res().p_alive(**a), {"interval": INTERVAL, "level": LEVEL}),
        Target("expected_purchases(interval)",
               lambda: {"data": data(), "horizon": 10.0, "interval": "simulate", "level": 0.9, "n_draws": 20,
                        "seed": 1},
               lambda **a: res().expected_purchases(**a),
               {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",),
                "horizon": ("nan", "negative", "text", ("two horizons", lambda v: [1.0, 2.0]))}),
        Target("conditional_probability_of_purchases", lambda: {"n": [0, 1, 2], "horizon": 10.0, "data": data()},
               lambda **a: res().conditional_probability_of_purchases(**a),
               {**bad_cols, "n": ("nan", "negative", "fraction", "text", "empty"),
                "horizon": (*HORIZON, "zero")}, {**data_edges, "many purchases": replaced(n=[0, 50, 200])}),
        Target("purchases_predictive_interval", lambda: {"horizon": 10.0, "data": data(), "level": 0.8},
               lambda **a: res().purchases_predictive_interval(**a),
               {**bad_cols, "horizon": (*HORIZON, "zero"), "level": LEVEL}, data_edges),
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: res().conf_int(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: res().summary(**a), {"level": LEVEL}),
    ))


# -- math kernels ---------------------------------------------------------------------------
X3, TX3, T3 = np.array([0.0, 2.0, 5.0]), np.array([0.0, 20.0, 30.0]), np.array([39.0, 39.0, 35.0])
LITT3 = np.array([0.0, 2.5, 6.0])
CN = dict(r=0.5, alpha=3.0, a=0.8, b=2.5)
GG = dict(r=0.55, alpha=10.6, b=0.01, s=0.6, beta=0.1)


def _rft(**params):
    return lambda: {**params, "x": X3, "t_x": TX3, "T": T3}


def _cnbdk_kernels() -> dict[str, Entry]:
    out = _btyd_family(cnbdk, "cnbdk", {**CN, "k": 2}, ("r", "alpha", "a", "b"), _rft(**CN, k=2))
    one = {"one customer": lambda a: {k: (v[:1] if isinstance(v, np.ndarray) else v) for k, v in a.items()}}
    for f in ("loglike", "loglike_and_score"):
        out[f"{M}cnbdk.{f}"] = documented(getattr(cnbdk, f), lambda: {**_rft(**CN)(), "litt": LITT3, "k": 3},
                                          PER_ITERATION, one)
    out[f"{M}cnbdk.x_levels"] = documented(cnbdk.x_levels, lambda: {"x": X3}, HELPER)
    out[f"{M}cnbdk.purchases_at_least"] = kernel(
        cnbdk.purchases_at_least, lambda: {"n": np.array([[0.0, 1.0, 2.0]]), "t": 10.0, **CN, "k": 2,
                                           "x": X3[:, None], "t_x": TX3[:, None], "T": T3[:, None]},
        {n: "positive" for n in CN})
    return out


def _ggomnbd_kernels() -> dict[str, Entry]:
    out = _btyd_family(ggomnbd, "ggomnbd", GG, ("r", "alpha", "b", "s", "beta"), _rft(**GG), with_dert="delta",
                       dert_rule="nonnegative")
    out[f"{M}ggomnbd.survival"] = kernel(ggomnbd.survival, lambda: {"t": np.array([0.0, 10.0, 39.0]), "b": 0.01,
                                                                    "s": 0.6, "beta": 0.1},
                                         {"b": "positive", "s": "positive", "beta": "positive"},
                                         {"long time": replaced(t=np.array([1e5]))})
    for name in ("weighted_loglike_and_score", "weighted_loglike_score_hessian"):
        out[f"{M}ggomnbd.{name}"] = documented(getattr(ggomnbd, name), lambda: {**_rft(**GG)(), "weights": np.ones(3)},
                                               PER_ITERATION)
    out[f"{M}ggomnbd.x_levels"] = documented(ggomnbd.x_levels, lambda: {"x": X3}, HELPER)
    return out


def _sim(**kw):
    return lambda: {"n_customers": 50, **kw, "seed": 1}


CATALOGUE: dict[str, Entry] = {
    C + "ModifiedBetaGeoCNBD": _model("mbgcnbd", clv.ModifiedBetaGeoCNBD, cdnow_litt, CNBD_BAD, {"k": 2, "max_k": 12}),
    C + "BetaGeoCNBD": _model("bgcnbd", clv.BetaGeoCNBD, cdnow_litt, CNBD_BAD, {"k": 2, "max_k": 3}),
    C + "GammaGompertzNBD": _model("ggomnbd", clv.GammaGompertzNBD, D.cdnow, RFT_BAD),
    C + "ModifiedBetaGeoCNBDResults": _results("mbgcnbd", lambda: D.cdnow(12), RFT_BAD),
    C + "BetaGeoCNBDResults": _results("bgcnbd", lambda: D.cdnow(12), RFT_BAD),
    C + "GammaGompertzNBDResults": _results("ggomnbd", lambda: D.cdnow(12), RFT_BAD),
    **_cnbdk_kernels(),
    **_ggomnbd_kernels(),
    "custvalue.simulate.simulate_cnbdk": function(
        simulate.simulate_cnbdk, _sim(k=2, r=0.9, alpha=2.0, a=0.8, b=2.5, T=39.0, horizon=10.0, variant="MBG"),
        {"n_customers": COUNT, "k": COUNT, "r": SHAPE, "alpha": SHAPE, "a": SHAPE, "b": SHAPE,
         "T": ("nan", "negative", "zero", "text"), "horizon": ("nan", "negative", "zero", "text"),
         "variant": (("unknown variant", lambda v: "Pareto"),), "seed": SEED},
        {"one customer": replaced(n_customers=1), "BG variant": replaced(variant="BG")}),
    "custvalue.simulate.simulate_ggomnbd": function(
        simulate.simulate_ggomnbd, _sim(r=0.6, alpha=5.0, b=0.05, s=1.2, beta=2.0, T=39.0, horizon=10.0),
        {"n_customers": COUNT, "r": SHAPE, "alpha": SHAPE, "b": SHAPE, "s": SHAPE, "beta": SHAPE,
         "T": ("nan", "negative", "zero", "text"), "horizon": ("nan", "negative", "zero", "text"), "seed": SEED},
        {"one customer": replaced(n_customers=1), "huge T": replaced(T=1e4)}),
}
