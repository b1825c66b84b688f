"""Catalogue of custvalue.segment: pyramid, concentration, RFM, churn, states, key customers,
trust, upgrades."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from custvalue import segment as S

from . import _data as D
from ._framework import LABELLED, NUMBER, NUMERIC, Entry, Target, bad, function, no_input, one_row, replaced

G = "custvalue.segment."
LEVEL = ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")
SEED = ("text", "fraction", "negative")


def values(n: int = 20) -> pd.Series:
    """Customer values with labels (a few ties, one zero)."""
    v = np.linspace(0.0, 190.0, n)
    v[3] = v[4]
    return pd.Series(v, index=pd.Index([f"c{i:02d}" for i in range(n)], name="customer_id"), name="value")


VALUES_BAD = (*NUMERIC, "empty")
CUTS = (("not summing to 100", lambda v: (1, 19, 30)), ("negative", lambda v: (-1, 21, 30, 50)),
        ("NaN", lambda v: (np.nan, 20, 30, 50)), ("text", lambda v: ("1", 19, 30, 50)))
LABELS = (("wrong length", lambda v: ("a", "b")), ("duplicated", lambda v: ("a", "a", "b", "c")))


def rfm_frame() -> pd.DataFrame:
    return pd.DataFrame({"frequency": [0.0, 2, 5, 1, 3, 4], "recency": [0.0, 10, 30, 5, 20, 25],
                         "T": [40.0, 40, 35, 30, 25, 30], "monetary_value": [0.0, 20, 15, 50, 30, 10]},
                        index=pd.Index(list("abcdef"), name="customer_id"))


def score_frame() -> pd.DataFrame:
    return pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3]}, index=pd.Index(list("abc"), name="customer_id"))


def at_risk() -> pd.DataFrame:
    return S.churn_value_at_risk(pd.Series([0.1, 0.2, 0.5, 0.9], index=list("abcd")),
                                 pd.Series([1000.0, 500.0, 20.0, 5.0], index=list("abcd")),
                                 cut_points=(50, 50), labels=("key", "small"))


def key_data(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(n, 4)), columns=["value", "potential", "growth", "reference"],
                        index=pd.Index([f"k{i:02d}" for i in range(n)], name="customer_id"))


def tiers(values_: list[str]) -> pd.Series:
    cat = pd.CategoricalDtype(["key", "small"], ordered=True)
    return pd.Series(values_, index=pd.Index(list("abcd")[:len(values_)], name="customer_id"), dtype=cat)


def transitions_frame() -> pd.DataFrame:
    return pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=["key", "small"], columns=["key", "small"])


@cache
def _trust_survey() -> pd.DataFrame:
    return D.survey(300, seed=1)


def _state_log() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 2, 3],
                         "date": ["2020-01-10", "2020-02-03", "2020-01-20", "2020-03-15"]})


def _prospects() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 2, 4], "identified": ["2019-12-01", "2020-01-01", "2020-01-05"],
                         "targeted": ["2019-12-15", None, "2020-02-01"]})


CATALOGUE: dict[str, Entry] = {
    G + "customer_pyramid": function(
        S.customer_pyramid, lambda: {"values": values(), "cut_points": (10, 20, 30, 40), "labels": ("a", "b", "c", "d")},
        {"values": VALUES_BAD, "cut_points": CUTS, "labels": LABELS},
        {"one customer": one_row("values"), "huge values": replaced(values=lambda: values() * 1e300)}),
    G + "pyramid_summary": function(
        S.pyramid_summary, lambda: {"values": values(), "top": 20.0, "tiers": S.customer_pyramid(values(), cut_points=(10, 20, 30, 40),
                                                                                  labels=("a", "b", "c", "d")),
                                    "cut_points": (10, 20, 30, 40), "labels": ("a", "b", "c", "d")},
        {"values": (*VALUES_BAD, *LABELLED), "top": ("nan", "negative", "zero", ("above 100", lambda v: 150.0), "text"),
         "tiers": ("misaligned", "duplicated_ids", "nan", "empty")},
        {"one customer": lambda a: {**a, "values": a["values"].iloc[:1], "tiers": None},
         "empty top tier": (lambda a: {**a, "tiers": None, "cut_points": (1, 19, 30, 50)},
                            "NaN mean/min/max of an empty tier (documented)"),
         "all zero": lambda a: {**a, "values": a["values"] * 0.0, "tiers": None},
         "huge values": lambda a: {**a, "values": a["values"] * 1e300}}),
    G + "PyramidSummary": Entry("results", (
        Target("summary", lambda: {}, lambda: S.pyramid_summary(values()).summary(),
               finite_exempt="NaN mean/min/max of an empty tier (documented)"),)),
    G + "plot_pyramid": function(
        S.plot_pyramid, lambda: {"summary": S.pyramid_summary(values())},
        {"summary": (("not a PyramidSummary", lambda v: v.table),)}),
    G + "DEFAULT_CUT_POINTS": no_input("constant: the pyramid of CRM theory, 1/19/30/50%"),
    G + "DEFAULT_LABELS": no_input("constant: the pyramid's tier names"),
    G + "lorenz_curve": function(
        S.lorenz_curve, lambda: {"values": values(), "n_points": 11},
        {"values": VALUES_BAD, "n_points": ("nan", "negative", "zero", "fraction", "text")},
        {"one customer": one_row("values"), "all zero": replaced(values=[0.0, 0.0]),
         "huge values": replaced(values=lambda: values() * 1e300)}),
    G + "gini": function(
        S.gini, lambda: {"values": values()}, {"values": VALUES_BAD},
        {"one customer": one_row("values"), "all zero": replaced(values=[0.0, 0.0]),
         "huge values": replaced(values=lambda: values() * 1e300)}),
    G + "top_share": function(
        S.top_share, lambda: {"values": values(), "top": 20.0},
        {"values": VALUES_BAD, "top": ("nan", "negative", "zero", ("above 100", lambda v: 150.0), "text")},
        {"one customer": one_row("values"), "all zero": replaced(values=[0.0, 0.0]),
         "huge values": replaced(values=lambda: values() * 1e300)}),
    G + "abc_classes": function(
        S.abc_classes, lambda: {"values": values(), "shares": (80.0, 15.0, 5.0), "labels": ("A", "B", "C")},
        {"values": VALUES_BAD, "shares": CUTS[:3], "labels": LABELS},
        {"one customer": one_row("values"), "all zero": replaced(values=[0.0, 0.0])}),
    G + "plot_lorenz": function(
        S.plot_lorenz, lambda: {"values": values(), "n_points": 11},
        {"values": VALUES_BAD, "n_points": ("nan", "negative", "zero", "text")}),
    G + "concentration_summary": function(
        S.concentration_summary, lambda: {"values": values(), "tops": (1.0, 20.0, 50.0), "n_points": 11},
        {"values": VALUES_BAD, "tops": (("NaN", lambda v: (np.nan,)), ("above 100", lambda v: (150.0,)),
                                                       ("text", lambda v: ("20",))),
         "n_points": ("nan", "negative", "zero", "text")},
        {"one customer": one_row("values"), "all zero": replaced(values=[0.0, 0.0])}),
    G + "Concentration": Entry("results", (
        Target("produced by concentration_summary", lambda: {}, lambda: S.concentration_summary(values())),)),
    G + "rfm_scores": function(
        S.rfm_scores, lambda: {"data": rfm_frame(), "q": 3, "method": "rank"},
        {"data[frequency]": (*NUMERIC, "negative", "fraction", "wrong_column"),
         "data[recency]": (*NUMERIC, "negative", "wrong_column"), "data[T]": (*NUMERIC, "negative", "zero"),
         "data[monetary_value]": (*NUMERIC, "wrong_column"), "data": ("empty",),
         "q": ("nan", "negative", "zero", "fraction", "text", ("one", lambda v: 1)),
         "method": (("unknown method", lambda v: "ranks"),)},
        {"one customer": one_row("data"), "ties": lambda a: {**a, "data": rfm_frame().assign(monetary_value=1.0)}}),
    G + "rfm_segments": function(
        S.rfm_segments, lambda: {"scores": score_frame(), "segment_map": S.RFM_SEGMENT_MAP},
        {"scores[r_score]": (*NUMERIC, "negative", "zero", "fraction", ("6", lambda v: v + 5), "wrong_column"),
         "scores[f_score]": (*NUMERIC, "negative", "fraction", "wrong_column"), "scores": ("empty",),
         "segment_map": (("wrong shape", lambda v: (("a", "b"),)),)},
        {"one customer": one_row("scores")}),
    G + "quantile_scores": function(
        S.quantile_scores, lambda: {"metric": values(), "q": 4, "method": "rank"},
        {"metric": VALUES_BAD, "q": ("nan", "negative", "zero", "fraction", "text"),
         "method": (("unknown method", lambda v: "ranks"),)},
        {"one customer": one_row("metric"), "ties": replaced(metric=[1.0, 1.0, 1.0, 1.0])}),
    G + "RFM_SEGMENT_MAP": no_input("constant: the default (r_score, f_score) -> segment grid"),
    G + "churn_value_at_risk": function(
        S.churn_value_at_risk,
        lambda: {"p_alive": pd.Series([0.9, 0.2, 0.5, 1.0], index=list("abcd")),
                 "value": pd.Series([100.0, 50.0, 10.0, 5.0], index=list("abcd")),
                 "cut_points": (50, 50), "labels": ("key", "other")},
        {"p_alive": (*NUMERIC, "negative", "above_one", *LABELLED, "empty"),
         "value": (*NUMERIC, *LABELLED, "empty"),
         "cut_points": (("negative", lambda v: (-10, 110)), ("NaN", lambda v: (np.nan, 50)), ("text", lambda v: ("50", 50))),
         "labels": (("wrong length", lambda v: v[:1]), ("duplicated", lambda v: (v[0], v[0])))},
        {"one customer": one_row("p_alive", "value"),
         "huge values": lambda a: {**a, "value": a["value"] * 1e300}},
        extra=[Target("call(model)", lambda: {"p_alive": D.fitted("bg"), "value": D.cdnow(12)["monetary_value"],
                                              "data": D.cdnow(12)},
                      S.churn_value_at_risk,
                      {"data[frequency]": ("nan", "text", "negative"),
                       "data": bad("misaligned", "duplicated_ids", "empty", names=("data", "p_alive", "frequency")),
                       "value": ("nan", "text", *LABELLED)}),
               Target("call(tiers)", lambda: {"p_alive": pd.Series([0.9, 0.2, 0.5, 1.0], index=list("abcd")),
                                              "value": pd.Series([100.0, 50.0, 10.0, 5.0], index=list("abcd")),
                                              "tiers": tiers(["key", "key", "small", "small"])},
                      S.churn_value_at_risk, {"tiers": ("nan", *LABELLED, "empty")})]),
    G + "winback_campaign": function(
        S.winback_campaign, lambda: {"at_risk": at_risk(), "response_rate": 0.3, "cost": 10.0},
        {"at_risk[value_at_risk]": ("nan", "inf", "text", "wrong_column"),
         "at_risk[value]": ("nan", "text"), "at_risk[tier]": ("nan", "wrong_column"),
         "at_risk": ("empty",),
         "response_rate": (*NUMBER, "negative", "above_one",
                           ("mapping missing a tier", lambda v: {"key": 0.3}),
                           ("mapping with text", lambda v: {"key": "0.3", "small": 0.3})),
         "cost": (*NUMBER, "negative", ("mapping with NaN", lambda v: {"key": np.nan, "small": 1.0}))},
        {"one customer": one_row("at_risk")}),
    G + "POLICY_THRESHOLDS": no_input("constant: share of a tier worth winning back -> policy"),
    G + "CUSTOMER_STATES": no_input("constant: the five customer states of CRM theory"),
    G + "customer_states": function(
        S.customer_states,
        lambda: {"transactions": _state_log(), "prospects": _prospects(), "lost_after": 2, "end": "2020-05",
                 "period_alias": "M", "start": "2019-12"},
        {"transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
         "prospects[customer_id]": ("nan", "wrong_column"),
         "prospects[identified]": ("text", "wrong_column"), "prospects[targeted]": ("text",),
         "lost_after": ("nan", "negative", "zero", "fraction", "text"),
         "end": ("text", ("before start", lambda v: "2019-01")), "start": ("text",),
         "period_alias": (("unknown unit", lambda v: "fortnight"),)},
        {"one transaction": lambda a: {**a, "transactions": a["transactions"].iloc[:1], "prospects": None}},
        finite_exempt="NaN before a customer is known (documented: no state yet)"),
    G + "state_mix": function(
        S.state_mix, lambda: {"panel": D.wide_state_panel(), "states": ["current", "lost"]},
        {"panel": ("empty", ("unknown state", lambda v: v.replace("lost", "gone"))),
         "states": (("duplicated", lambda v: ["current", "current"]),)},
        {"one customer": one_row("panel")}),
    G + "migration": function(
        S.migration, lambda: {"panel": D.wide_state_panel(), "states": ["current", "lost"], "level": 0.95,
                              "ci_method": "wilson"},
        {"panel": bad("empty", ("unknown state", lambda v: v.replace("lost", "gone")), names=("panel", "transitions")),
         "level": LEVEL, "ci_method": (("unknown method", lambda v: "exact"),)},
        {"one customer": one_row("panel")},
        finite_exempt="NaN intervals for a state with no observed move out (documented)"),
    G + "project_state_mix": function(
        S.project_state_mix, lambda: {"transitions": [[0.5, 0.5], [0.0, 1.0]], "initial": [100, 0], "horizon": 2},
        {"transitions": ("nan", "negative", "text", "empty", ("rows not summing to 1", lambda v: [[0.5, 0.2], [0, 1]])),
         "initial": ("nan", "inf", "negative", "text", "empty", "misaligned"),
         "horizon": ("nan", "negative", "fraction", "text", "none")},
        {"long horizon": replaced(horizon=10_000), "huge counts": replaced(initial=[1e300, 0.0])}),
    G + "DEFAULT_WEIGHTS": no_input("constant: the weights of the key-customer criteria (Customer quality review)"),
    G + "key_customer_score": function(
        S.key_customer_score, lambda: {"data": key_data(), "weights": {"value": 3.0, "potential": 1.0},
                                       "scaling": "rank"},
        {"data[value]": (*NUMERIC, "wrong_column"), "data[potential]": ("nan", "text", "nullable_na"),
         "data": ("empty",),
         "weights": (("negative", lambda v: {"value": -1.0, "potential": 1.0}),
                     ("NaN", lambda v: {"value": np.nan, "potential": 1.0}),
                     ("text", lambda v: {"value": "3", "potential": 1.0}),
                     ("all zero", lambda v: {"value": 0.0, "potential": 0.0}),
                     ("unknown column", lambda v: {"value": 1.0, "loyalty": 1.0})),
         "scaling": (("unknown scaling", lambda v: "ranks"),)},
        {"one customer": one_row("data"), "constant column": lambda a: {**a, "data": a["data"].assign(value=1.0),
                                                                        "scaling": "zscore"}}),
    G + "weight_sensitivity": function(
        S.weight_sensitivity, lambda: {"data": key_data(), "n_draws": 20, "seed": 1, "top": 20.0,
                                       "concentration": 50.0, "delta": 0.1},
        {"data[value]": (*NUMERIC, "wrong_column"), "data": ("empty",),
         "n_draws": ("nan", "negative", "zero", "fraction", "text"), "seed": SEED,
         "top": ("nan", "negative", "zero", ("above 100", lambda v: 150.0), "text"),
         "concentration": ("nan", "negative", "zero", "text"), "delta": ("nan", "negative", "text")},
        {"ties": lambda a: {**a, "data": a["data"].assign(value=1.0, potential=1.0, growth=1.0, reference=1.0)},
         "one draw": replaced(n_draws=1)}),
    G + "WeightSensitivity": Entry("results", (
        Target("produced by weight_sensitivity", lambda: {},
               lambda: S.weight_sensitivity(key_data(), n_draws=20, seed=1)),)),
    G + "roc_auc": function(
        S.roc_auc, lambda: {"y": pd.Series([0, 0, 1, 1], index=list("abcd")),
                            "score": pd.Series([0.1, 0.4, 0.35, 0.8], index=list("abcd"))},
        {"y": ("nan", "text", ("2", lambda v: v * 2), "nullable_na", *LABELLED, "empty"),
         "score": (*NUMERIC, *LABELLED, "empty")},
        {"one class": replaced(y=[0, 0, 0, 0], score=[0.1, 0.2, 0.3, 0.4]),
         "huge scores": lambda a: {**a, "score": a["score"] * 1e300}}),
    G + "trust_vs_satisfaction": function(
        S.trust_vs_satisfaction, lambda: {"data": _trust_survey(), "seed": 2, "test_size": 0.3, "level": 0.05},
        {"data[repurchase]": ("nan", "text", ("2", lambda v: v * 0 + 2), "wrong_column"),
         "data[satisfaction]": (*NUMERIC, "wrong_column"), "data[trust]": ("nan", "text", "wrong_column"),
         "data": ("empty",), "seed": SEED,
         "test_size": ("nan", "negative", "zero", "above_one", "text"),
         "level": ("nan", "negative", "zero", "above_one", "text")},
        {"small sample": lambda a: {**a, "data": a["data"].iloc[:40]}}),
    G + "TrustSatisfactionComparison": Entry("results", (
        Target("summary", lambda: {}, lambda: S.trust_vs_satisfaction(_trust_survey(), seed=2).summary()),)),
    G + "tier_transitions": function(
        S.tier_transitions, lambda: {"before": tiers(["key", "key", "small", "small"]),
                                     "after": tiers(["key", "small", "small", "small"]), "normalize": True},
        {"before": ("nan", *LABELLED, "empty"), "after": ("nan", *LABELLED, "empty")},
        {"one customer": one_row("before", "after")},
        finite_exempt="NaN rows for tiers with no customer before (documented)"),
    G + "upgrade_value": function(
        S.upgrade_value, lambda: {"transitions": transitions_frame(), "tier_values": {"key": 100.0, "small": 10.0},
                                  "discount_rate": 0.1, "horizon": 10},
        {"transitions": ("nan", "negative", "text", "empty"),
         "tier_values": (("missing a tier", lambda v: {"key": 100.0}), ("NaN", lambda v: {"key": np.nan, "small": 1.0}),
                         ("text", lambda v: {"key": "100", "small": 10.0})),
         "discount_rate": ("nan", "inf", "text", "numeric_text", "none", ("-1", lambda v: -1.0)),
         "horizon": ("nan", "negative", "fraction", "text")},
        {"infinite horizon": replaced(horizon=None)},
        finite_exempt="the top tier has no upgrade: NaN upgrade_value (documented)"),
}
