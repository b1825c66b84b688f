"""Catalogue of custvalue.clv: the buy-till-you-die classes and their results, spend, value,
retention, sBG and the Markov chain (custvalue.markov, re-exported by custvalue.clv)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from custvalue import clv, markov

from . import _data as D
from ._framework import (LABELLED, NUMBER, NUMERIC, Entry, Target, bad, function, no_input,
                         one_row, replaced, scaled)

C = "custvalue.clv."

RFT_BAD = {
    "data[frequency]": (*NUMERIC, "negative", "fraction", "huge", "wrong_column"),
    "data[recency]": (*NUMERIC, "negative", "huge", "wrong_column"),
    "data[T]": (*NUMERIC, "negative", "zero", "huge", "wrong_column"),
    "data": ("empty",),
}
BGBB_BAD = {
    "data[frequency]": (*NUMERIC, "negative", "fraction", "wrong_column"),
    "data[recency]": (*NUMERIC, "negative", "fraction", "wrong_column"),
    "data[n_periods]": (*NUMERIC, "negative", "zero", "fraction", "huge", "wrong_column"),
    "data": ("empty",),
}
GG_BAD = {
    "data[frequency]": (*NUMERIC, "negative", "fraction", "wrong_column"),
    "data[monetary_value]": (*NUMERIC, "negative", "huge", "wrong_column"),
    "data": ("empty",),
}
WEIGHTS_BAD = {"weights": (*NUMERIC, "negative", *LABELLED, "empty"), "data": ("duplicated_ids",)}
HORIZON = ("nan", "inf", "-inf", "negative", "text", "numeric_text", "none")
DISCOUNT = ("nan", "inf", "-inf", "text", "numeric_text", "none", ("-1", lambda v: -1.0))
LEVEL = ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")
INTERVAL = ("text", "nan", ("'jackknife' (not offered)", lambda v: "jackknife"))
BOOTSTRAP_OPTIONS = {"executor": ("text", ("a function, not an executor", lambda v: print)),
                     "progress": ("text", ("a number", lambda v: 3))}
N_DRAWS = ("nan", "negative", "fraction", "text", ("3 (too few)", lambda v: 3))


def _weights(d: pd.DataFrame) -> pd.Series:
    return pd.Series(1.0, index=d.index, name="weights")


def _customer_model(name: str, model: type, data, bad_cols: dict, *, edges=None) -> Entry:
    """Constructor and fit of a customer-level model (columns of ``data``, weights)."""
    edges = edges or {}
    return Entry("class", (
        Target("__init__", lambda: {"data": data()}, model, {k: v for k, v in bad_cols.items()}),
        Target("fit", lambda: {"data": data(), "weights": _weights(data())},
               lambda **a: model().fit(**a), {**bad_cols, **WEIGHTS_BAD},
               {"one_row": one_row("data", "weights"), **edges}),
        Target("fit(maxiter, start_params)", lambda: {"data": data(), "maxiter": 200,
                                                     "start_params": list(D.fitted(name).params)},
               lambda **a: model().fit(**a),
               {"maxiter": (*NUMBER, "negative", "fraction"),
                "start_params": ("nan", "inf", "negative", "text", "empty", "misaligned")}),
    ))


def _transaction_results(name: str, data, cols: tuple[str, ...], bad_cols: dict) -> Entry:
    """Predictions of a fitted purchase-count model."""
    res = lambda: D.fitted(name)  # noqa: E731
    data_edges = {"one_row": one_row("data")}
    return Entry("results", (
        Target("p_alive", lambda: {"data": data()}, lambda **a: res().p_alive(**a), bad_cols, data_edges),
        Target("p_alive(arrays)", lambda: {c: data()[c] for c in cols},
               lambda **a: res().p_alive(**a),
               {cols[0]: (*NUMERIC, "negative", "empty", *LABELLED),
                cols[1]: (*NUMERIC, "negative", *LABELLED), cols[2]: (*NUMERIC, "zero", *LABELLED)}),
        Target("expected_purchases", lambda: {"data": data(), "horizon": 10.0},
               lambda **a: res().expected_purchases(**a),
               {**bad_cols, "horizon": HORIZON}, {**data_edges, "huge horizon": replaced(horizon=1e6)}),
        Target("expected_purchases(horizons)", lambda: {"data": data(), "horizon": [1.0, 5.0, 10.0]},
               lambda **a: res().expected_purchases(**a), {"horizon": ("nan", "negative", "text", "empty")}),
        Target("expected_purchases_new_customer", lambda: {"horizon": 10.0},
               lambda **a: res().expected_purchases_new_customer(**a), {"horizon": HORIZON},
               {"zero horizon": replaced(horizon=0.0), "huge horizon": replaced(horizon=1e6)}),
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
        Target("dert_new_customer(interval)",
               lambda: {"discount_rate": 0.01, "horizon": 20.0, "interval": "delta", "level": 0.9, "n_draws": 20,
                        "seed": 1},
               lambda **a: res().dert_new_customer(**a),
               {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",),
                "discount_rate": DISCOUNT},
               {"simulate": replaced(interval="simulate"), "infinite horizon": replaced(horizon=None)}),
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
        Target("expected_purchases_new_customer(interval)",
               lambda: {"horizon": [5.0, 10.0], "interval": "simulate", "level": 0.9, "n_draws": 20, "seed": 1,
                        "executor": None,
                        "progress": False},
               lambda **a: res().expected_purchases_new_customer(**a), {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
               {"delta": replaced(interval="delta")}),
        Target("dert(interval)",
               lambda: {"data": data(), "discount_rate": 0.01, "horizon": 20.0, "interval": "delta", "level": 0.9,
                        "n_draws": 20, "seed": 1, "executor": None, "progress": False},
               lambda **a: res().dert(**a), {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
               {"simulate": replaced(interval="simulate")}),
        Target("p_alive(bootstrap)",
               lambda: {"data": data(), "interval": "bootstrap", "n_draws": 10, "seed": 1, "executor": None,
                        "progress": False},
               lambda **a: res().p_alive(**a),
               {**BOOTSTRAP_OPTIONS, "n_draws": N_DRAWS, "seed": ("text",)}),
        Target("aggregate_purchases_interval", lambda: {"horizon": 10.0, "data": data(), "level": 0.8, "interval": "delta"},
               lambda **a: res().aggregate_purchases_interval(**a),
               {**bad_cols, "horizon": (*HORIZON, "zero"), "level": LEVEL, "interval": INTERVAL},
               {**data_edges, "parameters known": replaced(interval=None),
                "simulate": replaced(interval="simulate", n_draws=20, seed=1)}),
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: res().conf_int(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: res().summary(**a), {"level": LEVEL}),
    ))


def _value_args(**extra):
    return lambda: {"purchases_results": D.fitted("pnbd"), "spend_results": D.fitted("gg"),
                    "data": D.cdnow(20), **extra}


VALUE_DATA_BAD = {
    "data[frequency]": ("nan", "text", "negative", "wrong_column"),
    "data[monetary_value]": ("nan", "text", "negative", "wrong_column"),
    "data": ("empty",),
}


def _per_customer(arg: str, value: float = 1.0):
    return lambda a: {**a, arg: pd.Series(value, index=a["data"].index)}


def _with_covariates(n: int | None = 300) -> pd.DataFrame:
    """CDNOW rows with two static covariates (a dummy and a numeric one)."""
    d = D.cdnow(n)
    d["channel"] = np.arange(len(d)) % 2 * 1.0
    d["age"] = np.linspace(-1.0, 1.0, len(d))
    return d


COV_KW = {"purchase_covariates": ["channel"], "dropout_covariates": ["age"]}
COV_BAD = {"data[channel]": ("nan", "inf", "text", "nullable_na", "wrong_column"),
           "data[age]": ("nan", "inf", "text", "wrong_column")}


def _covariate_targets(model: type) -> tuple[Target, ...]:
    """The covariate keywords of a transaction model: construction, fit and predictions."""
    fitted = lambda: model(**COV_KW).fit(_with_covariates())  # noqa: E731
    return (
        Target("__init__(covariates)", lambda: {"data": _with_covariates(), **COV_KW, "shared_covariates": [], "l2_penalty": 0.1}, model,
               {**COV_BAD, "purchase_covariates": (("not names", lambda v: [1.0]), ("a data column", lambda v: ["T"])),
                "shared_covariates": (("also a purchase covariate", lambda v: ["channel"]),),
                "l2_penalty": ("nan", "negative", "text", ("unknown key", lambda v: {"life": 1.0}))},
               {"constant covariate": lambda a: {**a, "data": a["data"].assign(age=1.0)}}),
        Target("p_alive(covariates)", lambda: {"data": _with_covariates(12)}, lambda **a: fitted().p_alive(**a),
               COV_BAD),
        Target("expected_purchases_new_customer(covariates)", lambda: {"horizon": 10.0, "data": _with_covariates(5)},
               lambda **a: fitted().expected_purchases_new_customer(**a),
               {"data[channel]": ("nan", "text", "wrong_column"), "data": (("none", lambda v: None),)}),
    )


CATALOGUE: dict[str, Entry] = {
    C + "BetaGeo": Entry("class", (*_customer_model("bg", clv.BetaGeo, D.cdnow, RFT_BAD).targets,
                                   *_covariate_targets(clv.BetaGeo))),
    C + "ParetoNBD": Entry("class", (*_customer_model("pnbd", clv.ParetoNBD, D.cdnow, RFT_BAD).targets,
                                     *_covariate_targets(clv.ParetoNBD))),
    C + "ModifiedBetaGeo": Entry("class", (*_customer_model("mbg", clv.ModifiedBetaGeo, D.cdnow, RFT_BAD).targets,
                                   *_covariate_targets(clv.ModifiedBetaGeo))),
    C + "BetaGeoBetaBinom": _customer_model("bgbb", clv.BetaGeoBetaBinom, D.donations, BGBB_BAD),
    C + "GammaGamma": _customer_model("gg", clv.GammaGamma, D.cdnow, GG_BAD),
    C + "BetaGeoResults": _transaction_results("bg", lambda: D.cdnow(12), ("frequency", "recency", "T"),
                                               RFT_BAD),
    C + "ParetoNBDResults": _transaction_results("pnbd", lambda: D.cdnow(12), ("frequency", "recency", "T"),
                                                 RFT_BAD),
    C + "ModifiedBetaGeoResults": _transaction_results("mbg", lambda: D.cdnow(12),
                                                       ("frequency", "recency", "T"), RFT_BAD),
    C + "BetaGeoBetaBinomResults": _transaction_results("bgbb", D.donations,
                                                        ("frequency", "recency", "n_periods"), BGBB_BAD),
    C + "GammaGammaResults": Entry("results", (
        Target("expected_spend", lambda: {"data": D.cdnow(12)},
               lambda **a: D.fitted("gg").expected_spend(**a), GG_BAD,
               {"one_row": one_row("data"), "huge spend": scaled("data", 1e9, "monetary_value")}),
        Target("expected_spend(interval)",
               lambda: {"data": D.cdnow(12), "interval": "delta", "level": 0.9, "n_draws": 20, "seed": 1,
                        "executor": None, "progress": False},
               lambda **a: D.fitted("gg").expected_spend(**a), {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
               {"simulate": replaced(interval="simulate"), "bootstrap": replaced(interval="bootstrap", n_draws=10)}),
        Target("spend_predictive_interval", lambda: {"data": D.cdnow(12), "level": 0.9},
               lambda **a: D.fitted("gg").spend_predictive_interval(**a),
               {**GG_BAD, "level": (*LEVEL, ("numeric text", lambda v: "0.9"))},
               {"one_row": one_row("data"), "huge spend": scaled("data", 1e9, "monetary_value")}),
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: D.fitted("gg").conf_int(**a), {"level": LEVEL}),
    )),
    C + "clv": function(
        clv.clv, _value_args(months=6, monthly_discount_rate=0.01, margin=0.3, freq="W"),
        {**VALUE_DATA_BAD, "months": (*HORIZON, "zero", "fraction"), "monthly_discount_rate": DISCOUNT,
         "margin": ("nan", "inf", "text", "none"), "freq": (("unknown unit", lambda v: "Y"),)},
        {"one_row": one_row("data"), "per-customer margin": _per_customer("margin", 0.3),
         "long horizon": replaced(months=600)},
        extra=[Target("call(per-customer inputs)",
                      lambda: {**_value_args()(), "margin": pd.Series(0.3, index=D.cdnow(20).index),
                               "monthly_discount_rate": pd.Series(0.01, index=D.cdnow(20).index),
                               "spend_results": D.fitted("gg").expected_spend(D.cdnow(20))},
                      clv.clv,
                      {"margin": ("nan", "text", "nullable_na", *LABELLED, "empty"),
                       "monthly_discount_rate": ("nan", "text", *LABELLED, ("-1", lambda v: v * 0 - 1)),
                       "spend_results": ("nan", "inf", "text", "nullable_na", *LABELLED, "empty")}),
               Target("call(interval)", _value_args(months=6, margin=0.3, interval="simulate", level=0.9, n_draws=20, seed=2,
                                                   executor=None, progress=False),
                      clv.clv,
                      {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",),
                       "margin": (("negative margin", lambda v: -1.0),), **BOOTSTRAP_OPTIONS},
                      {"delta": replaced(interval="delta"), "one_row": one_row("data"),
                       "bootstrap": replaced(interval="bootstrap", n_draws=10)})]),
    C + "compare_models": function(
        lambda results, **a: clv.compare_models(*results, **a),
        lambda: {"results": [D.fitted("bg"), D.fitted("pnbd")], "data": D.cdnow(20),
                 "holdout": pd.Series(np.arange(20.0) % 3, index=D.cdnow(20).index), "duration": 39.0, "max_frequency": 7},
        {"results": (("not a fitted model", lambda v: [v[0], 1.0]), ("none", lambda v: [])),
         "holdout": ("nan", "inf", "text", "negative", "fraction", *LABELLED, "empty"),
         "duration": ("nan", "inf", "negative", "zero", "text"),
         "max_frequency": ("nan", "negative", "zero", "fraction", "text", "none", ("below k + 1", lambda v: 3)),
         "data": ("empty",)},
        {"one_row": one_row("data", "holdout")}),
    # -- model-checking twins (custvalue.clv.diagnostics) --------------------------------------
    C + "repeat_purchase_histogram": function(
        clv.repeat_purchase_histogram, lambda: {"results": D.fitted("bg"), "data": D.cdnow(20), "max_frequency": 7,
                                                "weights": _weights(D.cdnow(20))},
        {**RFT_BAD, "max_frequency": ("nan", "negative", "zero", "fraction", "text", "none"),
         "weights": ("nan", "inf", "negative", "text", *LABELLED),
         "results": (("not results", lambda v: 1.0),)},
        {"one_row": one_row("data", "weights"),
         "BG/BB donations": replaced(results=lambda: D.fitted("bgbb"), data=D.donations, weights=None)}),
    C + "holdout_by_frequency": function(
        clv.holdout_by_frequency, lambda: {"results": D.fitted("bg"), "data": D.cdnow(20), "duration": 39.0,
                                           "max_frequency": 7,
                                           "holdout": pd.Series(np.arange(20.0) % 3, index=D.cdnow(20).index)},
        {**RFT_BAD, "holdout": ("nan", "inf", "text", "negative", "fraction", *LABELLED, "empty", "none"),
         "duration": ("nan", "inf", "negative", "zero", "text"),
         "max_frequency": ("nan", "negative", "zero", "fraction", "text", "none"),
         "results": (("not results", lambda v: 1.0),)},
        {"one_row": one_row("data", "holdout")}),
    C + "holdout_by_recency": function(
        clv.holdout_by_recency, lambda: {"results": D.fitted("pnbd"), "data": D.cdnow(20), "duration": 39.0,
                                         "holdout": pd.Series(np.arange(20.0) % 3, index=D.cdnow(20).index),
                                         "bins": 4},
        {**RFT_BAD, "holdout": ("nan", "inf", "text", "negative", "fraction", *LABELLED, "empty", "none"),
         "duration": ("nan", "inf", "negative", "zero", "text"),
         "bins": ("nan", "negative", "zero", "fraction", "text", "none")},
        {"one_row": one_row("data", "holdout")}),
    C + "tracking_table": function(
        clv.tracking_table, lambda: {"results": D.fitted("bg"), "first_purchase": 38.86 - D.cdnow(20)["T"],
                                     "actual": pd.DataFrame({"cumulative": [3.0, 7.0, 12.0]},
                                                            index=pd.Index([13.0, 26.0, 39.0], name="time"))},
        {"actual[cumulative]": ("nan", "inf", "text", "wrong_column"), "actual": ("empty",),
         "first_purchase": ("nan", "inf", "text", "empty"),
         "results": (("not results", lambda v: 1.0),)}),
    C + "frequency_recency_matrix": function(
        clv.frequency_recency_matrix, lambda: {"results": D.fitted("bg"), "T": 39.0, "which": "expected_purchases",
                                               "horizon": 13.0, "max_frequency": 5, "n_points": 4},
        {"T": (*NUMBER, "negative", "zero"), "horizon": ("nan", "inf", "negative", "zero", "text", "none"),
         "which": (("unknown", lambda v: "clv"),), "max_frequency": ("nan", "negative", "fraction", "text", "none"),
         "n_points": ("nan", "negative", "zero", "fraction", "text", "none"),
         "results": (("discrete-time BG/BB", lambda v: D.fitted("bgbb")),)},
        {"P(alive), frequency 0 only": replaced(which="p_alive", max_frequency=0)}),
    C + "p_alive_history": function(
        clv.p_alive_history, lambda: {"results": D.fitted("pnbd"), "dates": pd.Series(pd.to_datetime(["1997-01-01", "1997-01-18", "1997-08-02"])),
                                      "observation_end": "1997-09-30", "freq": "W", "n_points": 10},
        {"dates": ("nan", "text", "empty"), "observation_end": ("text", "none"),
         "freq": (("unknown unit", lambda v: "Y"),), "n_points": ("nan", "negative", "zero", "fraction", "text"),
         "results": (("discrete-time BG/BB", lambda v: D.fitted("bgbb")),)},
        {"one purchase on the last day": replaced(dates=["1997-09-30"]),
         "days as the unit": replaced(freq="D")}),
    C + "heterogeneity_density": function(
        clv.heterogeneity_density, lambda: {"results": D.fitted("pnbd"), "which": "dropout", "n_points": 20},
        {"which": (("unknown", lambda v: "spend"),), "n_points": ("nan", "negative", "zero", "fraction", "text"),
         "results": (("a spend model", lambda v: D.fitted("gg")),)},
        {"BG/BB purchase": replaced(results=lambda: D.fitted("bgbb"), which="purchase")}),
    C + "retention_table": function(
        clv.retention_table, lambda: {"results": D.fitted("sbg"), "survivors": pd.Series([1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0])},
        {"survivors": ("nan", "inf", "negative", "text", "empty", ("increasing", lambda v: v[::-1])),
         "results": (("a transaction model", lambda v: D.fitted("bg")),)},
        {"two periods": replaced(survivors=pd.Series([100.0, 60.0]))},
        finite_exempt="retention is not defined at t = 0 (NaN in both retention columns, documented)"),
    C + "p_alive_by_pattern": function(
        clv.p_alive_by_pattern, lambda: {"results": D.fitted("bgbb"), "n_periods": 6},
        {"n_periods": ("nan", "negative", "zero", "fraction", "text"),
         "results": (("a continuous-time model", lambda v: D.fitted("bg")),)},
        {"one opportunity": replaced(n_periods=1)},
        finite_exempt="impossible purchase patterns (x > t_x; x > 0 with t_x = 0) are NaN, documented"),
    C + "customer_npv": function(
        clv.customer_npv, _value_args(discount_rate=0.0027, horizon=None, margin=0.3),
        {**VALUE_DATA_BAD, "discount_rate": (*DISCOUNT, "zero"), "margin": ("nan", "inf", "text", "none"),
         "horizon": ("nan", "negative", "text")},
        {"one_row": one_row("data"), "finite horizon": replaced(horizon=52.0), "zero horizon": replaced(horizon=0.0),
         "per-customer margin": _per_customer("margin", 0.3)}),
    C + "customer_equity": function(
        clv.customer_equity, _value_args(discount_rate=0.0027, acquisitions=[10.0] * 8, margin=1.0),
        {**VALUE_DATA_BAD, "discount_rate": (*DISCOUNT, "zero"),
         "acquisitions": ("nan", "inf", "negative", "text", "empty"),
         "margin": ("nan", "inf", "text", "none")},
        {"one_row": one_row("data")}),
    C + "customer_value_table": function(
        clv.customer_value_table, _value_args(discount_rate=0.0027, step=1e-3),
        {**VALUE_DATA_BAD, "discount_rate": (*DISCOUNT, "zero"), "step": ("nan", "negative", "zero", "text")},
        {"one_row": one_row("data"), "revenue": _per_customer("revenue", 10.0)},
        extra=[Target("call(revenue)", _value_args(discount_rate=0.0027,
                                                   revenue=pd.Series(10.0, index=D.cdnow(20).index)),
                      clv.customer_value_table,
                      {"revenue": ("nan", "inf", "text", "nullable_na", *LABELLED, "empty")})]),
    C + "cohort_repeat_transactions": function(
        clv.cohort_repeat_transactions,
        lambda: {"results": D.fitted("bg"), "first_purchase": (38.86 - D.cdnow()["T"]), "times": [39.0, 78.0]},
        {"first_purchase": (*NUMERIC, "empty"), "times": ("nan", "inf", "text", "numeric_text", "empty")},
        {"one customer": one_row("first_purchase")},
        extra=[Target("call(interval)",
                      lambda: {"results": D.fitted("bg"), "first_purchase": (38.86 - D.cdnow()["T"]),
                               "times": [0.0, 39.0, 78.0], "interval": "delta", "level": 0.9, "n_draws": 20,
                               "seed": 1, "executor": None, "progress": False},
                      clv.cohort_repeat_transactions, {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
                      {"simulate": replaced(interval="simulate")})]),
    C + "actual_repeat_transactions": function(
        clv.actual_repeat_transactions,
        lambda: {"transactions": D.transactions(), "customer_col": "customer_id", "date_col": "date",
                 "origin": "1997-01-01", "times": [39.0, 78.0], "freq": "W"},
        {"transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
         "transactions": ("empty",), "origin": ("nan", "text", "none"),
         "times": ("nan", "inf", "text", "numeric_text", "empty"), "freq": (("unknown unit", lambda v: "Y"),)},
        {"one transaction": one_row("transactions")}),
    C + "ShiftedBetaGeometric": Entry("class", (
        Target("__init__", lambda: {"survivors": [1000, 631, 468, 382]}, clv.ShiftedBetaGeometric,
               {"survivors": ("nan", "inf", "negative", "text", "numeric_text", "nullable_na", "empty",
                              ("rising", lambda v: [1000, 1200, 468, 382]))}),
        Target("fit(survivors)", lambda: {"survivors": pd.Series([1000, 631, 468, 382, 326])},
               lambda **a: clv.ShiftedBetaGeometric().fit(**a),
               {"survivors": (*NUMERIC, "negative", "empty")},
               {"two periods": replaced(survivors=[1000, 600]), "huge cohort": replaced(
                   survivors=[1e12, 6e11, 4e11])}),
        Target("fit(duration)", lambda: {
            "duration": pd.Series([1, 1, 2, 3, 3], index=list("abcde")),
            "censored": pd.Series([False, False, False, True, True], index=list("abcde")),
            "weights": pd.Series([30.0, 10, 20, 40, 5], index=list("abcde"))},
               lambda **a: clv.ShiftedBetaGeometric().fit(**a),
               {"duration": (*NUMERIC, "negative", "fraction", "empty", *LABELLED),
                "censored": ("nan", "text", ("2", lambda v: v.astype(int) * 2), *LABELLED),
                "weights": ("nan", "inf", "negative", "text", *LABELLED)},
               {"one customer": one_row("duration", "censored", "weights")}),
    )),
    C + "ShiftedBetaGeometricResults": Entry("results", tuple(
        Target(m, args, (lambda m: lambda **a: getattr(D.fitted("sbg"), m.split("(")[0])(**a))(m), b, e)
        for m, args, b, e in [
            ("survival", lambda: {"t": [0, 1, 2]}, {"t": ("nan", "negative", "fraction", "text", "empty")},
             {"late": replaced(t=[10_000])}),
            ("churn_probability", lambda: {"t": [1, 2]}, {"t": ("nan", "zero", "negative", "fraction", "text")},
             {"late": replaced(t=[10_000])}),
            ("retention_rate", lambda: {"t": [1, 2]}, {"t": ("nan", "zero", "negative", "fraction", "text")},
             {"late": replaced(t=[10_000])}),
            ("expected_survivors", lambda: {"t": [1, 2], "cohort_size": 500.0},
             {"t": ("nan", "negative", "text"), "cohort_size": ("nan", "negative", "zero", "text")}, {}),
            ("discounted_expected_lifetime", lambda: {"discount_rate": 0.1},
             {"discount_rate": (*DISCOUNT, "zero", "negative")}, {"tiny rate": replaced(discount_rate=1e-9)}),
            ("discounted_expected_residual_lifetime", lambda: {"discount_rate": 0.1, "n_renewals": [0, 4]},
             {"discount_rate": (*DISCOUNT, "zero"), "n_renewals": ("nan", "negative", "fraction", "text")},
             {"many renewals": replaced(n_renewals=[10_000])}),
            ("survival(interval)", lambda: {"t": [0, 1, 2], "interval": "delta", "level": 0.9, "n_draws": 20, "seed": 1,
                                  "executor": None, "progress": False}, {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
             {"simulate": replaced(interval="simulate")}),
            ("retention_rate(interval)", lambda: {"t": [1, 2], "interval": "delta", "level": 0.9, "n_draws": 20, "seed": 1,
                                        "executor": None, "progress": False}, {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
             {"bootstrap": replaced(interval="bootstrap", n_draws=10)}),
            ("discounted_expected_residual_lifetime(interval)",
             lambda: {"discount_rate": 0.1, "n_renewals": [0, 4], "interval": "delta", "level": 0.9, "n_draws": 20,
                      "seed": 1, "executor": None, "progress": False}, {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
             {"simulate": replaced(interval="simulate"), "rates": replaced(discount_rate=[0.1, 0.2], n_renewals=0)}),
            ("discounted_expected_lifetime(interval)",
             lambda: {"discount_rate": [0.1, 0.2], "interval": "delta", "level": 0.9, "n_draws": 20, "seed": 1,
                      "executor": None, "progress": False},
             {"interval": INTERVAL, "level": LEVEL, "n_draws": N_DRAWS, "seed": ("text",), **BOOTSTRAP_OPTIONS},
             {"simulate": replaced(interval="simulate"), "bootstrap": replaced(interval="bootstrap", n_draws=10)}),
            ("retention_elasticity", lambda: {"discount_rate": 0.1, "n_renewals": [0, 4]},
             {"discount_rate": (*DISCOUNT, "zero"), "n_renewals": ("nan", "negative", "fraction", "text")}, {}),
            ("clv", lambda: {"margin": 100.0, "discount_rate": 0.1},
             {"margin": ("nan", "inf", "text", "none"), "discount_rate": (*DISCOUNT, "zero")}, {}),
            ("residual_value", lambda: {"margin": 100.0, "discount_rate": 0.1, "n_renewals": 4},
             {"margin": ("nan", "inf", "text"), "discount_rate": (*DISCOUNT, "zero"),
              "n_renewals": ("nan", "negative", "fraction", "text")}, {}),
        ])),
    C + "survivors_to_durations": function(
        clv.survivors_to_durations, lambda: {"survivors": pd.Series([1000, 631, 468])},
        {"survivors": (*NUMERIC, "negative", "empty", ("rising", lambda v: v[::-1]))},
        {"huge": replaced(survivors=[1e15, 1e14])}),
    C + "retention_clv": function(
        clv.retention_clv,
        lambda: {"data": pd.DataFrame({"m": [100.0, 50.0, 20.0], "r": [0.8, 0.5, 0.9]},
                                      index=pd.Index(["a", "b", "c"], name="customer_id")),
                 "margin": "m", "retention": "r", "discount_rate": 0.1, "timing": "end"},
        {"data[m]": ("nan", "inf", "text", "numeric_text", "nullable_na", "categorical"),
         "data[r]": (*NUMERIC, "negative", "above_one", "wrong_column"),
         "discount_rate": DISCOUNT, "timing": (("unknown timing", lambda v: "middle"),),
         "data": ("empty",)},
        {"one_row": one_row("data"), "finite horizon": replaced(horizon=12),
         "retention one": replaced(discount_rate=0.1, data=lambda: pd.DataFrame({"m": [1.0], "r": [1.0]}))},
        extra=[Target("call(Series)", lambda: {
            "margin": pd.Series([100.0, 50.0, 20.0], index=list("abc")),
            "retention": pd.Series([0.8, 0.5, 0.9], index=list("abc")),
            "discount_rate": pd.Series([0.1, 0.1, 0.1], index=list("abc")), "horizon": 5},
            clv.retention_clv,
            {"margin": ("nan", "text", "nullable_na", *LABELLED, "empty"),
             "retention": ("nan", "negative", "above_one", "text", *LABELLED),
             "discount_rate": ("nan", "text", *LABELLED),
             "horizon": ("nan", "negative", "fraction", "text")})]),
    C + "retention_clv_elasticity": function(
        clv.retention_clv_elasticity, lambda: {"retention": pd.Series([0.8, 0.5], index=["a", "b"]),
                                               "discount_rate": pd.Series([0.1, 0.2], index=["a", "b"]),
                                               "timing": "end"},
        {"retention": (*NUMERIC, "negative", "above_one", *LABELLED, "empty"), "discount_rate": DISCOUNT,
         "timing": (("unknown timing", lambda v: "middle"),)}),
    C + "MarkovChain": Entry("class", (
        Target("__init__", lambda: {"P": [[0.8, 0.2], [0.0, 1.0]], "states": ["active", "lost"]},
               clv.MarkovChain,
               {"P": ("nan", "inf", "negative", "text", "empty", ("rows not summing to 1", lambda v: [[0.5, 0.2], [0, 1]]),
                      ("not square", lambda v: [[0.8, 0.2]])),
                "states": (("wrong length", lambda v: ["active"]), ("duplicated", lambda v: ["a", "a"]))}),
        *(Target(m, args, (lambda m: lambda **a: getattr(
            clv.MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"]), m)(**a))(m), b, e)
          for m, args, b, e in [
              ("value", lambda: {"rewards": {"active": 100.0, "lost": 0.0}, "discount_rate": 0.1},
               {"rewards": (("NaN reward", lambda v: {"active": np.nan, "lost": 0.0}),
                            ("unknown state", lambda v: {"active": 1.0, "gone": 0.0}),
                            ("text reward", lambda v: {"active": "100", "lost": 0.0})),
                "discount_rate": DISCOUNT},
               {"finite horizon": replaced(horizon=12, discount_rate=0.0)}),
              ("value_path", lambda: {"rewards": [100.0, 0.0], "discount_rate": 0.1, "horizon": 3},
               {"rewards": ("nan", "inf", "text", "empty"), "discount_rate": DISCOUNT,
                "horizon": ("nan", "negative", "fraction", "text", "none")}, {}),
              ("n_step", lambda: {"horizon": 2}, {"horizon": ("nan", "negative", "fraction", "text", "none")},
               {"many steps": replaced(horizon=10_000)}),
              ("state_distribution", lambda: {"initial": "active", "horizon": 2},
               {"initial": (("unknown state", lambda v: "gone"), ("NaN", lambda v: [np.nan, 1.0]),
                            ("negative share", lambda v: [1.5, -0.5])),
                "horizon": ("nan", "negative", "fraction", "text")}, {}),
              ("expected_time_to_absorption", lambda: {"absorbing": "lost"},
               {"absorbing": (("unknown state", lambda v: "gone"),)}, {}),
              ("absorption_probabilities", lambda: {"absorbing": None}, {}, {}),
              ("simulate", lambda: {"n_customers": 5, "horizon": 3, "initial": "active", "seed": 1},
               {"n_customers": ("nan", "negative", "zero", "fraction", "text"),
                "horizon": ("nan", "negative", "fraction", "text"),
                "initial": (("unknown state", lambda v: "gone"),), "seed": ("text", "fraction", "negative")}, {}),
              ("monte_carlo_value", lambda: {"rewards": [100.0, 0.0], "discount_rate": 0.1, "horizon": 3,
                                             "n_customers": 50, "seed": 1},
               {"rewards": ("nan", "text", "empty"), "discount_rate": DISCOUNT,
                "n_customers": ("nan", "negative", "zero", "fraction", "text"), "seed": ("text", "fraction")}, {}),
          ]),
        Target("stationary_distribution", lambda: {},
               lambda: clv.MarkovChain([[0.9, 0.1], [0.5, 0.5]]).stationary_distribution()),
        # the chain's methods are the one entry point (issue 17): a bad matrix given to them
        Target("expected_time_to_absorption(P)", lambda: {"P": [[0.75, 0.25], [0.0, 1.0]]},
               lambda P: clv.MarkovChain(P).expected_time_to_absorption(),
               {"P": ("nan", "inf", "negative", "text", "empty",
                      ("no absorbing state", lambda v: [[0.5, 0.5], [0.5, 0.5]]))},
               {"slow absorption": replaced(P=[[1 - 1e-9, 1e-9], [0.0, 1.0]])}),
        Target("value(P)", lambda: {"P": [[0.8, 0.2], [0.0, 1.0]]},
               lambda P: clv.MarkovChain(P).value([100.0, 0.0], 0.1, 24),
               {"P": ("nan", "inf", "negative", "text", "empty")}),
    )),
    C + "TransitionMatrixResults": Entry("results", tuple(
        Target(m, args, (lambda m: lambda **a: getattr(D.transition_results(), m)(**a))(m), b, e)
        for m, args, b, e in [
            ("conf_int", lambda: {"level": 0.9, "method": "wilson"},
             {"level": tuple(k for k in LEVEL if k != "none"),
              "method": (("unknown method", lambda v: "exact"),)}, {}),
            ("clv_conf_int", lambda: {"rewards": {"current": 10.0, "lost": 0.0}, "discount_rate": 0.1,
                                      "n_draws": 49, "seed": 0},
             {"discount_rate": DISCOUNT, "n_draws": ("nan", "negative", "zero", "fraction", "text"),
              "seed": ("text", "fraction"), "rewards": (("NaN reward", lambda v: {"current": np.nan, "lost": 0.0}),)},
             {}),
            ("value", lambda: {"rewards": {"current": 10.0, "lost": 0.0}, "discount_rate": 0.1,
                               "interval": "bootstrap", "level": 0.9, "n_draws": 49, "seed": 0},
             {"discount_rate": DISCOUNT + (("several rates", lambda v: [0.1, 0.2]),),
              "interval": (("unknown method", lambda v: "exact"),), "level": tuple(k for k in LEVEL if k != "none"),
              "n_draws": ("nan", "negative", "zero", "fraction", "text"), "seed": ("text", "fraction"),
              "rewards": (("NaN reward", lambda v: {"current": np.nan, "lost": 0.0}),)},
             {"delta": lambda a: {**a, "interval": "delta"}, "simulate": lambda a: {**a, "interval": "simulate"},
              "no discounting": lambda a: {**a, "discount_rate": 0.0}}),
            ("summary", lambda: {}, {}, {}),

        ]) + (Target("method level", lambda: {"level": 0.9, "method": "wilson"},
                     lambda **a: D.transition_results().conf_int(**a), {}),)),
    C + "estimate_transition_matrix": function(
        clv.estimate_transition_matrix,
        lambda: {"data": D.state_panel(), "customer_col": "customer_id", "period": "period", "state": "state",
                 "level": 0.95, "ci_method": "wilson", "states": ["current", "lost"]},
        {"data[state]": ("wrong_column",), "data[customer_id]": ("nan", "wrong_column"),
         "data[period]": ("nan", "wrong_column"), "data": ("empty",),
         "level": LEVEL, "ci_method": (("unknown method", lambda v: "exact"),),
         "states": (("missing a state", lambda v: ["current"]),)},
        {"one customer": lambda a: {**a, "data": a["data"].iloc[:3]}},
        extra=[Target("call(wide, weights)", lambda: {"data": D.wide_state_panel(),
                                                       "weights": pd.Series(1.0, index=D.wide_state_panel().index)},
                      clv.estimate_transition_matrix,
                      {"weights": ("nan", "inf", "negative", "text", *LABELLED, "empty")}),
               Target("call(sequences)", lambda: {"data": [["a", "a", "b"], ["a", "b", "b"]]},
                      clv.estimate_transition_matrix,
                      {"data": bad("empty", ("one state each", lambda v: [["a"], ["b"]]),
                                   names=("data", "transitions"))})]),
    "custvalue.markov.as_chain": function(
        markov.as_chain, lambda: {"P": [[0.75, 0.25], [0.0, 1.0]], "states": ["active", "lost"], "name": "transitions"},
        {"P": ("nan", "inf", "negative", "text", "empty", ("not square", lambda v: [[0.9, 0.1]])),
         "states": (("wrong length", lambda v: ["active"]), ("duplicated", lambda v: ["a", "a"]))}),
    C + "recency_states": function(
        clv.recency_states,
        lambda: {"transactions": pd.DataFrame({"customer_id": [1, 1, 2, 3],
                                               "date": ["2020-01-05", "2020-03-02", "2020-02-10", "2020-01-20"]}),
                 "n_classes": 3, "period_alias": "M"},
        {"transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
         "transactions": ("empty",), "n_classes": ("nan", "negative", "zero", "fraction", "text"),
         "period_alias": (("unknown unit", lambda v: "fortnight"),), "start": ("text",)},
        {"one transaction": one_row("transactions")}),
    C + "decomposition.ELASTICITY_LEVERS": no_input("constant: the population parameter behind each elasticity"),
    C + "value.PERIOD_LENGTH": no_input("constant: months per model time unit"),
}
# the per-kind start argument of recency_states is optional: give it a valid value to corrupt
_rs = CATALOGUE[C + "recency_states"].targets[0]
CATALOGUE[C + "recency_states"] = Entry("function", (Target(
    _rs.label, lambda: {**_rs.args(), "start": "2020-01"}, _rs.call, _rs.bad, _rs.edges,
    finite_exempt="<NA> before a customer's first purchase (documented: no state yet)"),))


# -- Pareto/NBD with time-varying covariates (issue 18, item 2) ----------------------------
@functools.cache
def _tv_base():
    from custvalue.simulate import simulate_paretonbd_tv

    return simulate_paretonbd_tv(300, r=0.8, alpha=6.0, s=0.6, beta=20.0, gamma_purchase={"promo": 0.5},
                                 gamma_dropout={"promo": -0.4}, calibration_periods=26, horizon=4, seed=3)


def _tv_args() -> dict:
    b = _tv_base()
    return {"transactions": b.transactions.copy(), "covariates": b.covariates.copy(),
            "calibration_end": b.calibration_end}


TV_SETTINGS = {"purchase_covariates": ["promo"], "dropout_covariates": ["promo"]}
TV_BAD = {
    "transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
    "transactions": ("empty",), "covariates[promo]": ("nan", "inf", "text", "numeric_text", "wrong_column"),
    "covariates[period]": ("nan", "text", "wrong_column"), "covariates[customer_id]": ("wrong_column",),
    "covariates": ("empty", ("a period missing", lambda v: v.drop(index=v.index[3])),
                   ("promo constant", lambda v: v.assign(promo=1.0))),
    "calibration_end": (("not a date", lambda v: "soon"), ("before every purchase", lambda v: "1990-01-01")),
}


@functools.cache
def _tv_fitted():
    import warnings

    with warnings.catch_warnings():  # a small base: the mixing distributions may run off
        warnings.simplefilter("ignore")
        return clv.ParetoNBDTimeVarying(**TV_SETTINGS).fit(**_tv_args())


CATALOGUE[C + "ParetoNBDTimeVarying"] = Entry("class", (
    Target("__init__", lambda: {**_tv_args(), "freq": "W"}, lambda **a: clv.ParetoNBDTimeVarying(**a, **TV_SETTINGS),
           {**TV_BAD, "freq": (("unknown unit", lambda v: "fortnight"),)},
           {"one customer": lambda a: {**a, "transactions": a["transactions"].query("customer_id == 0"),
                                       "covariates": a["covariates"].query("customer_id == 0")}}),
    Target("fit", _tv_args, lambda **a: clv.ParetoNBDTimeVarying(**TV_SETTINGS).fit(**a), TV_BAD),
))
CATALOGUE[C + "ParetoNBDTimeVaryingResults"] = Entry("results", (
    Target("p_alive", lambda: {}, lambda **a: _tv_fitted().p_alive(**a), {}),
    Target("expected_purchases", lambda: {"horizon": 4.0, "covariates": _tv_base().covariates.copy()},
           lambda **a: _tv_fitted().expected_purchases(**a),
           {"horizon": HORIZON, "covariates[promo]": ("nan", "text", "wrong_column"), "covariates": ("empty",)},
           {"horizon inside a period": replaced(horizon=0.5)}),
    Target("conf_int", lambda: {"level": 0.9}, lambda **a: _tv_fitted().conf_int(**a), {"level": LEVEL}),
))
