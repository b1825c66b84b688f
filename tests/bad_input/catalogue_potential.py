"""Catalogue of custvalue.potential: the multivariate probit, potential value, the value
matrix and the evaluation measures."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from custvalue import potential as P

from . import _data as D
from ._framework import LABELLED, NUMBER, NUMERIC, Entry, Target, bad, function, one_row

O = "custvalue.potential."
LEVEL = ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")
BINARY = ("nan", "text", ("2", lambda v: v * 2), "nullable_na", "negative")


def base():
    return D.potential_base()


def y() -> pd.DataFrame:
    return base().ownership.copy()


def X() -> pd.DataFrame:
    return base().covariates.copy()


@cache
def fitted():
    b = base()
    return P.MultivariateProbit(b.ownership, b.covariates, n_draws=20).fit()


def set_row(v, value):
    """``v`` (a DataFrame) with every column of its second row set to ``value``."""
    out = v.astype(object if isinstance(value, str) else float)
    out.iloc[1, :] = value
    return out


def actual() -> pd.Series:
    return pd.Series([10.0, 20.0, 0.0, 40.0, 15.0, 25.0, 5.0, 30.0, 35.0, 45.0],
                     index=pd.Index([f"c{i}" for i in range(10)], name="customer_id"))


def predicted() -> pd.Series:
    return actual() * 1.1 + 1.0


Y_BAD = ("empty", *LABELLED, ("a constant product", lambda v: v.assign(car=1)),
         ("NaN", lambda v: set_row(v, np.nan)), ("text", lambda v: set_row(v, "yes")),
         ("2", lambda v: v * 2))
X_BAD = ("empty", *LABELLED, ("NaN", lambda v: set_row(v, np.nan)), ("text", lambda v: set_row(v, "abc")),
         ("collinear", lambda v: v.assign(age2=v["age"] * 2.0)))

CATALOGUE: dict[str, Entry] = {
    O + "MultivariateProbit": Entry("class", (
        Target("__init__", lambda: {"y": y(), "X": X(), "n_draws": 20, "seed": 0, "method": "auto"},
               P.MultivariateProbit,
               {"y": Y_BAD, "X": X_BAD, "n_draws": ("nan", "negative", "zero", "fraction", "text"),
                "seed": ("text", "fraction"), "method": (("unknown method", lambda v: "gibbs"),)}),
        Target("fit", lambda: {"maxiter": 200, "start_params": None},
               lambda **a: P.MultivariateProbit(y(), X(), n_draws=20).fit(**a),
               {"maxiter": ("nan", "negative", "fraction", "text"),
                "start_params": (("NaN", lambda v: [np.nan] * 9), ("too short", lambda v: [0.1, 0.2]),
                                 ("text", lambda v: ["a"] * 9))}),
    )),
    O + "MultivariateProbitResults": Entry("results", (
        Target("predict", lambda: {"data": X().iloc[:5]}, lambda **a: fitted().predict(**a),
               {"data": ("wrong_column", ("NaN", lambda v: set_row(v, np.nan)), ("text", lambda v: set_row(v, "abc")))},
               {"one customer": one_row("data"), "huge covariates": lambda a: {**a, "data": a["data"] * 1e300}}),
        Target("joint_probability", lambda: {"pattern": {"car": 1, "home": 1}, "data": X().iloc[:5], "n_draws": 20},
               lambda **a: fitted().joint_probability(**a),
               {"pattern": (("unknown product", lambda v: {"boat": 1}), ("not 0/1", lambda v: {"car": 2, "home": 1}),
                            ("NaN", lambda v: {"car": np.nan, "home": 1})),
                "n_draws": ("nan", "negative", "zero", "fraction", "text")}),
        Target("conditional_probability", lambda: {"owned": y().iloc[:5], "data": X().iloc[:5]},
               lambda **a: fitted().conditional_probability(**a),
               {"owned": ("misaligned", "duplicated_ids", "empty", ("2", lambda v: v * 2),
                          ("NaN", lambda v: set_row(v, np.nan))),
                "data": bad("misaligned", "duplicated_ids", names=("data", "owned"))}),
        Target("marginal_effects", lambda: {"at": "overall", "data": X().iloc[:20]},
               lambda **a: fitted().marginal_effects(**a), {"at": (("unknown point", lambda v: "median"),)}),
        Target("linear_index", lambda: {"data": X().iloc[:5]}, lambda **a: fitted().linear_index(**a),
               {"data": ("wrong_column", ("NaN", lambda v: set_row(v, np.nan)))}),
        Target("corr_table", lambda: {"level": 0.9}, lambda **a: fitted().corr_table(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: fitted().summary(**a), {"level": LEVEL}),
        Target("lr_test_independence", lambda: {}, lambda: fitted().lr_test_independence()),
    )),
    O + "potential_value": function(
        P.potential_value, lambda: {"results": fitted(), "data": X().iloc[:10], "margins": base().margins,
                                    "owned": base().owned.iloc[:10]},
        {"margins": ("nan", "inf", "text", "nullable_na", "misaligned", "empty"),
         "owned": ("misaligned", "duplicated_ids", ("2", lambda v: v * 2), ("NaN", lambda v: set_row(v, np.nan))),
         "data": bad("misaligned", "duplicated_ids", "wrong_column", names=("data", "owned", "age")),
         "results": (("not results", lambda v: 1.0),)},
        {"one customer": one_row("data", "owned"), "huge margins": lambda a: {**a, "margins": a["margins"] * 1e300}}),
    O + "univariate_probits": function(
        P.univariate_probits, lambda: {"y": y(), "X": X()}, {"y": Y_BAD, "X": X_BAD}),
    O + "ols_potential_value": function(
        P.ols_potential_value, lambda: {"y": y(), "X": X(), "margins": base().margins},
        {"y": tuple(k for k in Y_BAD if not isinstance(k, tuple) or k[0] != "a constant product"), "X": X_BAD,
         "margins": ("nan", "inf", "text", "misaligned", "empty")},
        {"huge margins": lambda a: {**a, "margins": a["margins"] * 1e300}}),
    O + "value_matrix": function(
        P.value_matrix, lambda: {"current_value": actual(), "potential_value": predicted(), "k": 2,
                                 "thresholds": (20.0, 20.0)},
        {"current_value": (*NUMERIC, *LABELLED, "empty"), "potential_value": (*NUMERIC, *LABELLED),
         "k": ("nan", "negative", "zero", ("one", lambda v: 1), "fraction", "text"),
         "thresholds": (("NaN", lambda v: (np.nan, 1.0)), ("text", lambda v: ("20", 20.0)),
                        ("one value", lambda v: (20.0,)))},
        {"one customer": lambda a: {**a, "current_value": a["current_value"].iloc[:1],
                                    "potential_value": a["potential_value"].iloc[:1], "thresholds": None},
         "ties": lambda a: {**a, "current_value": a["current_value"] * 0 + 1.0, "thresholds": None}},
        finite_exempt="NaN mean values of an empty segment (documented)"),
    O + "ValueMatrix": Entry("results", (
        Target("plot", lambda: {}, lambda: P.value_matrix(actual(), predicted()).plot()),
        Target("produced by value_matrix", lambda: {}, lambda: P.value_matrix(actual(), predicted()),
               finite_exempt="NaN mean values of an empty segment (documented)"))),
    O + "plot_value_matrix": function(
        P.plot_value_matrix, lambda: {"matrix": P.value_matrix(actual(), predicted()), "max_points": 100, "seed": 0},
        {"matrix": (("not a ValueMatrix", lambda v: v.table),), "max_points": ("nan", "negative", "zero", "text"),
         "seed": ("text", "fraction", "negative")}, finite_exempt="NaN mean values of an empty segment (documented)"),
    O + "plot_correlation_matrix": function(
        P.plot_correlation_matrix, lambda: {"results": fitted(), "level": 0.9},
        {"results": (("not MultivariateProbitResults", lambda v: v.corr),), "level": LEVEL}),
    O + "ownership_calibration": function(
        P.ownership_calibration, lambda: {"y_true": y(), "probability": fitted().predict(X()), "n_bins": 5},
        {"y_true": ("misaligned", "duplicated_ids", "empty", ("2", lambda v: v * 2), ("NaN", lambda v: set_row(v, np.nan)),
                    ("a missing product", lambda v: v.iloc[:, :1])),
         "probability": ("misaligned", "duplicated_ids", ("3.0", lambda v: v * 0 + 3.0),
                         ("NaN", lambda v: set_row(v, np.nan)), ("text", lambda v: set_row(v, "abc"))),
         "n_bins": ("nan", "zero", "negative", "fraction", "text", "none", ("more than customers", lambda v: 10**6))},
        {"one group": lambda a: {**a, "n_bins": 1}}),
    O + "plot_ownership_calibration": function(
        P.plot_ownership_calibration, lambda: {"y_true": y(), "probability": fitted().predict(X()), "n_bins": 5},
        {"y_true": ("misaligned", ("2", lambda v: v * 2)), "probability": (("3.0", lambda v: v * 0 + 3.0),),
         "n_bins": ("zero", "fraction", "text")}),
    O + "hit_rates": function(
        P.hit_rates, lambda: {"y_true": y().iloc[:10], "probability": fitted().predict(X().iloc[:10]),
                              "threshold": 0.5},
        {"y_true": ("misaligned", "duplicated_ids", "empty", ("2", lambda v: v * 2), ("NaN", lambda v: set_row(v, np.nan))),
         "probability": ("misaligned", "duplicated_ids", ("3.0", lambda v: v * 0 + 3.0),
                         ("NaN", lambda v: set_row(v, np.nan))),
         "threshold": (*NUMBER, "negative", "above_one")},
        {"one customer": one_row("y_true", "probability")}),
    O + "mape": function(
        P.mape, lambda: {"actual": actual(), "predicted": predicted(), "exclude_zero": True},
        {"actual": (*NUMERIC, *LABELLED, "empty"), "predicted": (*NUMERIC, *LABELLED)},
        {"all zero": lambda a: {**a, "actual": a["actual"] * 0.0, "exclude_zero": False},
         "huge values": lambda a: {**a, "actual": a["actual"] * 1e300}}),
    O + "median_split_accuracy": function(
        P.median_split_accuracy, lambda: {"actual": actual(), "predicted": predicted()},
        {"actual": (*NUMERIC, *LABELLED, "empty"), "predicted": (*NUMERIC, *LABELLED)},
        {"ties": lambda a: {**a, "actual": a["actual"] * 0.0}}),
    O + "top_decile_lift": function(
        P.top_decile_lift, lambda: {"actual": actual(), "score": predicted()},
        {"actual": (*NUMERIC, *LABELLED, "empty"), "score": (*NUMERIC, *LABELLED)},
        {"all zero": lambda a: {**a, "actual": a["actual"] * 0.0}, "one customer": one_row("actual", "score")}),
    O + "gini": function(
        P.gini, lambda: {"actual": actual(), "score": predicted(), "normalize": True},
        {"actual": (*NUMERIC, *LABELLED, "empty"), "score": (*NUMERIC, *LABELLED)},
        {"all zero": lambda a: {**a, "actual": a["actual"] * 0.0}, "one customer": one_row("actual", "score")}),
    O + "evaluate_value": function(
        P.evaluate_value, lambda: {"actual": actual(), "predictions": {"good": predicted(), "flat": actual() * 0 + 20}},
        {"actual": (*NUMERIC, "empty"),
         "predictions": (("NaN prediction", lambda v: {"good": v["good"].mask(v["good"].index == "c1")}),
                         ("misaligned", lambda v: {"good": v["good"].set_axis([f"x{i}" for i in range(10)])}),
                         ("text", lambda v: {"good": v["good"].astype(object).mask(v["good"].index == "c1", "abc")}),
                         ("empty", lambda v: {}))}),
}
