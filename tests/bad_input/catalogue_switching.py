"""Catalogue of custvalue.switching: choice panels and state-dependence logits, Shy's
switching costs and undercut-proof prices, brand-switching matrices, switching barriers."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from custvalue import switching as W

from . import _data as D
from ._framework import LABELLED, NUMBER, NUMERIC, Entry, Target, bad, function, no_input, replaced

S = "custvalue.switching."
LEVEL = ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")
PANEL_BAD = {
    "data[price_A]": NUMERIC, "data[price_B]": bad("wrong_column", names=("price_B", "choice")),
    "data[choice]": ("nan", ("unknown brand", lambda v: v.where(v.index != 1, "Z")), "wrong_column"),
    "data[customer_id]": ("nan", "wrong_column"), "data[occasion]": ("nan", "text", "wrong_column"),
    "data": ("empty", ("a repeated occasion", lambda v: pd.concat([v, v.iloc[:1]]))),
}


@cache
def sd_fit():
    return W.StateDependenceLogit(D.choice_panel(60, 4)).fit()


@cache
def shy():
    return W.shy_switching_costs(price=pd.Series([10.0, 10.0, 9.0], index=list("abc")),
                                 customers=pd.Series([60.0, 40.0, 30.0], index=list("abc")), price_se=0.5)


def brand_panel() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 1, 2, 2, 2, 3, 3], "occasion": [0, 1, 2, 0, 1, 2, 0, 1],
                         "choice": ["A", "A", "B", "B", "B", "A", "A", "B"]})


@cache
def brand_fit():
    return W.brand_switching_matrix(brand_panel())


@cache
def _survey() -> pd.DataFrame:
    return D.survey(150, seed=1)


def survey() -> pd.DataFrame:
    return _survey().copy()


@cache
def barriers():
    return W.switching_barrier_index(_survey())


CATALOGUE: dict[str, Entry] = {
    S + "prepare_choice_panel": function(
        W.prepare_choice_panel, lambda: {"data": D.choice_panel(), "choice": "choice", "customer_col": "customer_id",
                                         "occasion": "occasion", "prices": None},
        {**PANEL_BAD, "prices": bad(("unknown column", lambda v: {"A": "nope", "B": "price_B", "C": "price_C"}),
                                    names=("prices", "nope"))},
        {"two occasions each": lambda a: {**a, "data": a["data"][a["data"]["occasion"] < 2]}}),
    S + "ChoicePanel": Entry("results", (
        Target("produced by prepare_choice_panel", lambda: {}, lambda: W.prepare_choice_panel(D.choice_panel())),)),
    S + "InitialConditionsWarning": no_input("warning class"),
    S + "NegativeSwitchingCostWarning": no_input("warning class"),
    S + "StateDependenceLogit": Entry("class", (
        Target("__init__", lambda: {"data": D.choice_panel(), "state_dependence": "common"}, W.StateDependenceLogit,
               {**PANEL_BAD, "state_dependence": (("unknown form", lambda v: "sometimes"),)}),
        Target("fit", lambda: {"maxiter": 200, "cov_type": "hessian"},
               lambda **a: W.StateDependenceLogit(D.choice_panel()).fit(**a),
               {"maxiter": ("nan", "negative", "fraction", "text"), "cov_type": (("unknown", lambda v: "HC9"),)}),
    )),
    S + "RandomInterceptLogit": Entry("class", (
        Target("__init__", lambda: {"data": D.choice_panel(), "n_draws": 10, "seed": 0,
                                    "initial_conditions": "wooldridge"}, W.RandomInterceptLogit,
               {**PANEL_BAD, "n_draws": ("nan", "negative", "zero", "fraction", "text"),
                "seed": ("text", "fraction", "negative"),
                "initial_conditions": (("unknown", lambda v: "heckman"),)}),
        Target("fit", lambda: {"maxiter": 50},
               lambda **a: W.RandomInterceptLogit(D.choice_panel(30, 4), n_draws=5).fit(**a),
               {"maxiter": ("nan", "negative", "fraction", "text")}),
    )),
    S + "StateDependenceResults": Entry("results", (
        Target("switching_cost", lambda: {"level": 0.9}, lambda **a: sd_fit().switching_cost(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: sd_fit().summary(**a), {"level": LEVEL}),
    )),
    S + "shy_switching_costs": function(
        W.shy_switching_costs,
        lambda: {"price": pd.Series([10.0, 10.0, 9.0], index=list("abc")),
                 "customers": pd.Series([60.0, 40.0, 30.0], index=list("abc")),
                 "price_se": pd.Series([0.5, 0.5, 0.4], index=list("abc")),
                 "marginal_cost": pd.Series([1.0, 1.0, 1.0], index=list("abc")), "rival": "smallest",
                 "method": "delta", "n_draws": 200, "seed": 0},
        {"price": (*NUMERIC, "negative", *LABELLED, "empty"),
         "customers": (*NUMERIC, "negative", "zero", *LABELLED),
         "price_se": ("nan", "inf", "negative", "text", *LABELLED), "marginal_cost": ("nan", "inf", "text", *LABELLED),
         "rival": (("unknown rule", lambda v: "biggest"), ("out of range", lambda v: [5, 0, 1])),
         "method": (("unknown method", lambda v: "jackknife"),), "n_draws": ("nan", "negative", "zero", "text"),
         "seed": ("text", "fraction", "negative")},
        {"two firms": lambda a: {k: (v.iloc[:2] if isinstance(v, pd.Series) else v) for k, v in a.items()},
         "bootstrap": replaced(method="bootstrap"),
         "huge prices": lambda a: {**a, "price": a["price"] * 1e300}}),
    S + "ShyResults": Entry("results", (
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: shy().conf_int(**a), {"level": LEVEL}),
        Target("table", lambda: {"level": 0.9}, lambda **a: shy().table(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: shy().summary(**a), {"level": LEVEL}),
    )),
    S + "undercut_proof_prices": function(
        W.undercut_proof_prices, lambda: {"switching_costs": [6.0, 4.0, 3.0], "customers": [60.0, 40.0, 30.0],
                                          "marginal_cost": [1.0, 1.0, 1.0], "rival": "all"},
        {"switching_costs": (*NUMERIC, "negative", "empty", "misaligned"),
         "customers": (*NUMERIC, "negative", "zero", "misaligned"), "marginal_cost": ("nan", "inf", "text"),
         "rival": (("unknown rule", lambda v: "biggest"),)},
        {"one firm": replaced(switching_costs=[1.0], customers=[10.0], marginal_cost=None),
         "huge costs": replaced(switching_costs=[1e300, 1.0, 1.0])}),
    S + "brand_switching_matrix": function(
        W.brand_switching_matrix, lambda: {"data": brand_panel(), "brands": ["A", "B"], "level": 0.95,
                                           "ci_method": "wilson"},
        {"data[choice]": ("nan", "wrong_column"), "data[customer_id]": ("nan", "wrong_column"),
         "data[occasion]": ("nan", "wrong_column"), "data": ("empty",),
         "brands": (("missing a brand", lambda v: ["A"]), ("duplicated", lambda v: ["A", "A"])),
         "level": LEVEL, "ci_method": (("unknown method", lambda v: "exact"),)},
        {"one customer": lambda a: {**a, "data": a["data"].iloc[:3]}},
        finite_exempt="NaN intervals for a brand with no observed move out (documented)",
        extra=[Target("call(sequences)", lambda: {"data": [["A", "A", "B"], ["B", "B", "A", "A"]]},
                      W.brand_switching_matrix,
                      {"data": bad("empty", ("one purchase each", lambda v: [["A"], ["B"]]),
                                   names=("data", "transitions"))})]),
    S + "BrandSwitchingResults": Entry("results", (
        *(Target(m, lambda: {}, (lambda m: lambda: getattr(brand_fit(), m)())(m),
                 finite_exempt="NaN on the diagonal and for unreachable brands (documented)"
                 if m == "first_passage_times" else "")
          for m in ("retention_rates", "switching_rates", "stationary_shares", "expected_time_to_switch",
                    "first_passage_times", "table", "summary")),
        Target("customer_value", lambda: {"brand": "A", "margin": 10.0, "discount_rate": 0.1, "horizon": 12},
               lambda **a: brand_fit().customer_value(**a),
               {"brand": (("unknown brand", lambda v: "Z"),), "margin": NUMBER,
                "discount_rate": ("nan", "inf", "text", "numeric_text", "none", ("-1", lambda v: -1.0)),
                "horizon": ("nan", "negative", "fraction", "text")},
               {"infinite horizon": replaced(horizon=None)}),
    )),
    S + "BARRIER_KINDS": no_input("constant: the three kinds of switching barrier"),
    S + "DEFAULT_BARRIER_ITEMS": no_input("constant: the ECSI-style barrier items per kind"),
    S + "switching_barrier_index": function(
        W.switching_barrier_index, lambda: {"data": survey(), "items": dict(W.DEFAULT_BARRIER_ITEMS),
                                            "reverse": (), "scale": (1.0, 10.0), "standardize": False},
        {"data[SWCP1]": (*NUMERIC, "wrong_column"), "data[SWCF2]": ("nan", "text"),
         "data": bad("empty", names=("respondents", "survey items")),
         "items": bad(("unknown column", lambda v: {**v, "procedural": ["SWCP1", "NOPE"]}),
                      ("empty block", lambda v: {**v, "procedural": []}), names=("NOPE", "procedural")),
         "reverse": (("unknown item", lambda v: ["NOPE"]),),
         "scale": (("NaN", lambda v: (np.nan, 10.0)), ("reversed", lambda v: (10.0, 1.0)),
                   ("text", lambda v: ("1", 10.0)), ("values outside", lambda v: (2.0, 3.0)))},
        {"one respondent": lambda a: {**a, "data": a["data"].iloc[:1]},
         "standardized": replaced(standardize=True)}),
    S + "plot_switching_matrix": function(
        W.plot_switching_matrix, lambda: {"results": brand_fit()},
        {"results": (("not BrandSwitchingResults", lambda v: v.matrix),)}),
    S + "plot_switching_costs": function(
        W.plot_switching_costs, lambda: {"results": shy(), "level": 0.9},
        {"results": (("not ShyResults", lambda v: v.table()),), "level": LEVEL}),
    S + "BarrierIndex": Entry("results", (Target("summary", lambda: {}, lambda: barriers().summary()),)),
    S + "barrier_moderation": function(
        W.barrier_moderation, lambda: {"data": survey(), "response": "loyalty", "satisfaction": "satisfaction",
                                       "barriers": barriers(), "at": (-1.0, 0.0, 1.0), "level": 0.95},
        {"data[loyalty]": (*NUMERIC, "wrong_column"), "data[satisfaction]": ("nan", "text", "wrong_column"),
         "data": ("misaligned", "duplicated_ids", "empty"),
         "barriers": bad(("unknown column", lambda v: ["NOPE"]), ("not an index", lambda v: 1.0),
                         names=("barriers", "NOPE")),
         "at": (("NaN", lambda v: (np.nan,)), ("text", lambda v: ("1",)), ("empty", lambda v: ())),
         "level": LEVEL}),
}
