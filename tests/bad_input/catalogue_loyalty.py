"""Catalogue of custvalue.loyalty: regressions, curves, moderation, PLS, path analysis,
CB-SEM, Dick & Basu segments."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from custvalue import loyalty as L
from custvalue.loyalty.curves import curve_terms

from . import _data as D
from ._framework import LABELLED, NUMERIC, Entry, Target, bad, function, no_input, one_row, replaced

Y = "custvalue.loyalty."
LEVEL = ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")
SEED = ("text", "fraction", "negative")
PLS_SPEC = "S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S"
PLS_COLS = ["CUSA1", "CUSA2", "CUSA3", "CUSL1", "CUSL2", "CUSL3"]
# a bad model string: the error names the offending item or statement
BAD_SPECS = bad(("unknown column", lambda v: v.replace("CUSA3", "NOPE")), ("empty block", lambda v: "S =~ ; L =~ CUSL1"),
                ("not a spec", lambda v: 42), names=("spec", "NOPE", "S =~"))


@cache
def ecsi(n: int = 150) -> pd.DataFrame:
    return L.load_ecsi_synthetic().iloc[:n]


def pls_data() -> pd.DataFrame:
    return ecsi()[PLS_COLS].copy()


@cache
def ols():
    return L.from_formula("loy ~ sat * sc", D.regression_data())


@cache
def pls_fit():
    return L.plspm(PLS_SPEC, pls_data())


@cache
def pls_boot():
    return pls_fit().bootstrap(30, seed=0)


@cache
def path_fit():
    return L.path_analysis("sc ~ sat; loy ~ sc + sat", D.regression_data(), n_boot=30, seed=1)


def curve_data(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    s = rng.uniform(1, 10, n)
    return pd.DataFrame({"sat": s, "loy": 0.1 * s + 0.8 * np.maximum(s - 7, 0) + rng.normal(0, 0.5, n),
                         "g": np.repeat([0, 1], n // 2)},
                        index=pd.Index([f"r{i:03d}" for i in range(n)], name="respondent"))


@cache
def curve_fit():
    return L.satisfaction_curve(curve_data(), "loy", "sat", form="quadratic")


def db_data() -> pd.DataFrame:
    return pd.DataFrame({"attitude": [9.0, 9, 2, 2, 8, 3], "behaviour": [5.0, 0, 5, 0, 4, 1]},
                        index=pd.Index(list("abcdef"), name="customer_id"))


def indicators() -> pd.DataFrame:
    return pd.DataFrame({"repurchase": [1, 0, 1, 1], "complaint": [0, 1, 0, 0], "spend": [10.0, 5.0, 20.0, 5.0],
                         "group": ["x", "x", "y", "y"]}, index=pd.Index(list("abcd"), name="customer_id"))


FORMULA_DATA_BAD = {"data[sat]": (*NUMERIC, "wrong_column"), "data[loy]": (*NUMERIC, "wrong_column"),
                    "data": ("empty",)}

CATALOGUE: dict[str, Entry] = {
    Y + "from_formula": function(
        L.from_formula, lambda: {"formula": "loy ~ sat + sc", "data": D.regression_data(), "kind": "ols",
                                 "missing": "raise", "maxiter": 200},
        {**FORMULA_DATA_BAD, "formula": (("unknown column", lambda v: "loy ~ nope"), ("not a formula", lambda v: 42)),
         "kind": (("unknown kind", lambda v: "tobit"),), "missing": (("unknown policy", lambda v: "ignore"),),
         "maxiter": ("nan", "negative", "zero", "text")},
        {"logit": replaced(formula="rep ~ sat + sc", kind="logit"),
         "few rows": lambda a: {**a, "data": a["data"].iloc[:4]},
         "huge values": lambda a: {**a, "data": a["data"].assign(sat=a["data"]["sat"] * 1e150)}},
        extra=[Target("call(logit)", lambda: {"formula": "rep ~ sat", "data": D.regression_data(), "kind": "logit"},
                      L.from_formula, {"data[rep]": ("nan", "text", ("2", lambda v: v * 0 + 2), "categorical")})]),
    Y + "lr_test": function(
        L.lr_test, lambda: {"restricted": L.from_formula("loy ~ sat", D.regression_data()), "full": ols()},
        {"restricted": (("not results", lambda v: 1.0), ("other data", lambda v: L.from_formula(
            "loy ~ sat", D.regression_data().iloc[:30]))),
         "full": (("not nested (fewer terms)", lambda v: L.from_formula("loy ~ 1", D.regression_data())),)}),
    Y + "LoyaltyRegressionResults": Entry("results", (
        Target("predict", lambda: {"data": D.regression_data().iloc[:5]}, lambda **a: ols().predict(**a),
               {"data[sat]": ("nan", "text", "numeric_text", "nullable_na", "wrong_column")},
               {"one row": one_row("data"), "no rows": lambda a: {**a, "data": a["data"].iloc[:0]}}),
        Target("marginal_effects", lambda: {"variable": "sat", "data": D.regression_data(), "eps": 1e-4},
               lambda **a: ols().marginal_effects(**a),
               {"variable": (("unknown variable", lambda v: "nope"),), "data[sat]": ("nan", "text"),
                "eps": ("nan", "negative", "zero", "text")}),
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: ols().conf_int(**a), {"level": LEVEL}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: ols().summary(**a), {"level": LEVEL},
               finite_exempt="the intercept has no standardised coefficient: NaN (documented)"),
        Target("plot", lambda: {"variable": "sat", "grid": np.linspace(-2, 2, 5)}, lambda **a: ols().plot(**a),
               {"variable": (("unknown variable", lambda v: "nope"),), "grid": ("nan", "inf", "text", "empty")}),
    )),
    # the one LR-test result type (custvalue.base.lrtest, its first public module), produced here
    "custvalue.base.lrtest.LRTestResult": Entry("results", (
        Target("produced by lr_test", lambda: {},
               lambda: L.lr_test(L.from_formula("loy ~ sat", D.regression_data()), ols())),)),
    Y + "formula_variables": function(
        L.formula_variables, lambda: {"formula": "loy ~ sat * sc + np.log(x)", "columns": ["loy", "sat", "x", "sc"]},
        {"formula": (("not text", lambda v: 42),), "columns": (("not a sequence", lambda v: 42),)}),
    Y + "satisfaction_curve": function(
        L.satisfaction_curve, lambda: {"data": curve_data(), "response": "loy", "satisfaction": "sat",
                                       "form": "piecewise", "knots": [7.0], "df": 4},
        {"data[sat]": (*NUMERIC, "wrong_column"), "data[loy]": (*NUMERIC, "wrong_column"), "data": ("empty",),
         "knots": ("nan", "inf", "text", ("outside the data", lambda v: [100.0])),
         "form": (("unknown form", lambda v: "cubic"),),
         "response": bad(("unknown column", lambda v: "nope"), names="nope"),
         "satisfaction": bad(("unknown column", lambda v: "nope"), names="nope")},
        {"spline": replaced(form="spline", knots=None)},
        extra=[Target("call(spline)", lambda: {"data": curve_data(), "response": "loy", "satisfaction": "sat",
                                               "form": "spline", "df": 4},
                      L.satisfaction_curve, {"df": ("nan", "negative", "zero", "fraction", "text")})]),
    Y + "compare_curves": function(
        L.compare_curves, lambda: {"data": curve_data(), "response": "loy", "satisfaction": "sat", "group": "g",
                                   "form": "quadratic", "grid": [2.0, 5.0, 8.0]},
        {"data[sat]": (*NUMERIC, "wrong_column"), "data[g]": ("nan", "wrong_column"), "data": ("empty",),
         "group": (("unknown column", lambda v: "nope"),), "grid": ("nan", "inf", "text", "empty")},
        {"one group": lambda a: {**a, "data": a["data"].assign(g=0)}}),
    Y + "curve_slopes": function(
        L.curve_slopes, lambda: {"res": curve_fit(), "satisfaction": "sat", "grid": [2.0, 8.0]},
        {"grid": ("nan", "inf", "text", "numeric_text", "empty"), "satisfaction": (("unknown variable", lambda v: "nope"),),
         "res": (("not results", lambda v: 1.0),)}),
    Y + "CurveComparison": Entry("results", (
        Target("produced by compare_curves", lambda: {},
               lambda: L.compare_curves(curve_data(), "loy", "sat", "g", form="quadratic")),)),
    Y + "simple_slopes": function(
        L.simple_slopes, lambda: {"res": ols(), "focal": "sat", "moderator": "sc", "at": [-1.0, 0.0, 1.0],
                                  "level": 0.95},
        {"at": ("nan", "inf", "text", "numeric_text", "empty"), "level": LEVEL,
         "focal": bad(("unknown variable", lambda v: "nope"), names="nope"),
         "moderator": bad(("not in the model", lambda v: "loy"), names="loy")}),
    Y + "johnson_neyman": function(
        L.johnson_neyman, lambda: {"res": ols(), "focal": "sat", "moderator": "sc", "level": 0.95},
        {"level": LEVEL, "focal": bad(("unknown variable", lambda v: "nope"), names="nope"),
         "moderator": bad(("unknown variable", lambda v: "nope"), names="nope")}),
    Y + "moderated_regression": function(
        L.moderated_regression, lambda: {"data": D.regression_data(), "response": "loy", "focal": "sat",
                                         "moderator": "sc", "center": True},
        {"data[sat]": (*NUMERIC, "wrong_column"), "data[sc]": ("nan", "text", "wrong_column"), "data": ("empty",),
         "moderator": bad(("unknown column", lambda v: "nope"), names="nope")},
        {"few rows": lambda a: {**a, "data": a["data"].iloc[:6]}}),
    Y + "JohnsonNeymanResult": Entry("results", (
        Target("is_significant", lambda: {"m": [-2.0, 0.0, 3.0]},
               lambda **a: L.JohnsonNeymanResult((-1.0, 2.0), "outside", (-3.0, 3.0), 0.4, 0.95).is_significant(**a),
               {"m": ("nan", "text", "numeric_text")}),)),
    Y + "ModelSpec": Entry("class", (
        Target("from_string", lambda: {"text": PLS_SPEC}, L.ModelSpec.from_string,
               {"text": bad(("no blocks", lambda v: "L ~ S"), ("path to an unknown block", lambda v: v + "; X ~ S"),
                            ("empty block", lambda v: "S =~ ; L =~ CUSL1"), ("not text", lambda v: 42),
                            ("a block twice", lambda v: "S =~ a + b; S =~ c"),
                            names=("model", "block", "'X'", "'S =~'"))}),
        Target("__init__", lambda: {"blocks": {"S": ("a", "b"), "L": ("c", "d")}, "paths": (("S", "L"),)},
               L.ModelSpec,
               {"blocks": bad(("empty block", lambda v: {"S": (), "L": ("c",)}),
                              ("an item in two blocks", lambda v: {"S": ("a",), "L": ("a",)}), names="block"),
                "paths": bad(("unknown block", lambda v: (("S", "X"),)), ("a self loop", lambda v: (("S", "S"),)),
                             names="path")}),
        Target("add_block", lambda: {"name": "T", "items": ["t1", "t2"], "mode": "A"},
               lambda **a: L.ModelSpec.from_string(PLS_SPEC).add_block(**a),
               {"name": (("existing block", lambda v: "S"),), "items": ("empty",),
                "mode": (("unknown mode", lambda v: "C"),)}),
        Target("add_path", lambda: {"source": "T", "target": "L"},
               lambda **a: L.ModelSpec.from_string("S =~ a + b; L =~ c + d; L ~ S").add_block(
                   "T", ["e", "f"]).add_path(**a),
               {"source": (("unknown block", lambda v: "X"),), "target": (("unknown block", lambda v: "X"),)}),
    )),
    Y + "PLSPM": Entry("class", (
        Target("__init__", lambda: {"spec": PLS_SPEC, "data": pls_data()}, L.PLSPM,
               {"spec": BAD_SPECS, "data[CUSA1]": (*NUMERIC, "wrong_column"), "data[CUSL2]": ("nan", "text"),
                "data": ("empty", ("constant item", lambda v: v.assign(CUSA2=1.0)))},
               {"few rows": lambda a: {**a, "data": a["data"].iloc[:5]}}),
        Target("fit", lambda: {"scheme": "path", "tol": 1e-6, "maxiter": 100},
               lambda **a: L.PLSPM(PLS_SPEC, pls_data()).fit(**a),
               {"scheme": (("unknown scheme", lambda v: "factorial2"),), "tol": ("nan", "negative", "zero", "text"),
                "maxiter": ("nan", "negative", "zero", "fraction", "text")}),
    )),
    Y + "plspm": function(
        L.plspm, lambda: {"spec": PLS_SPEC, "data": pls_data(), "scheme": "centroid", "tol": 1e-6, "maxiter": 100},
        {"spec": BAD_SPECS, "data[CUSA1]": (*NUMERIC, "wrong_column"), "data": ("empty",),
         "scheme": (("unknown scheme", lambda v: "factorial2"),), "tol": ("nan", "negative", "zero", "text"),
         "maxiter": ("nan", "negative", "zero", "fraction", "text")},
        {"huge values": lambda a: {**a, "data": a["data"] * 1e150}}),
    Y + "PLSResults": Entry("results", (
        Target("predict_scores", lambda: {"data": pls_data().iloc[:5]}, lambda **a: pls_fit().predict_scores(**a),
               {"data[CUSA1]": ("nan", "text", "numeric_text", "nullable_na", "wrong_column"), "data": ("empty",)},
               {"one row": one_row("data")}),
        Target("bootstrap", lambda: {"n_boot": 20, "seed": 0, "level": 0.9, "method": "percentile"},
               lambda **a: pls_fit().bootstrap(**a),
               {"n_boot": ("nan", "negative", "zero", ("one", lambda v: 1), "fraction", "text"), "seed": SEED,
                "level": LEVEL, "method": (("unknown method", lambda v: "bcp"),)},
               {"bca": replaced(method="bca")}),
        Target("summary", lambda: {}, lambda: pls_fit().summary()),
    )),
    Y + "PLSBootstrapResults": Entry("results", (
        Target("conf_int", lambda: {"kind": "path"}, lambda **a: pls_boot().conf_int(**a),
               {"kind": (("unknown kind", lambda v: "paths2"),)}),
        Target("summary", lambda: {}, lambda: pls_boot().summary()),
    )),
    Y + "path_analysis": function(
        L.path_analysis, lambda: {"model": "sc ~ sat; loy ~ sc + sat", "data": D.regression_data(), "n_boot": 20,
                                  "seed": 1, "level": 0.95, "method": "percentile"},
        {"data[sat]": (*NUMERIC, "wrong_column"), "data[loy]": ("nan", "text", "wrong_column"), "data": ("empty",),
         "model": (("unknown column", lambda v: "sc ~ nope"), ("a cycle", lambda v: "sc ~ loy; loy ~ sc"),
                   ("not a model", lambda v: 42)),
         "n_boot": ("nan", "negative", ("one", lambda v: 1), "fraction", "text"), "seed": SEED, "level": LEVEL,
         "method": (("unknown method", lambda v: "bcp"),)},
        {"no bootstrap": replaced(n_boot=0), "few rows": lambda a: {**a, "data": a["data"].iloc[:6]}}),
    Y + "PathAnalysisResults": Entry("results", (
        Target("conf_int", lambda: {"kind": "indirect"}, lambda **a: path_fit().conf_int(**a),
               {"kind": (("unknown kind", lambda v: "paths2"),)}),
        Target("summary", lambda: {}, lambda: path_fit().summary()),
    )),
    Y + "fit_sem": function(
        L.fit_sem, lambda: {"description": "S =~ CUSA1 + CUSA2 + CUSA3\nL =~ CUSL1 + CUSL2 + CUSL3\nL ~ S",
                            "data": pls_data(), "obj": "MLW"},
        {"data[CUSA1]": (*NUMERIC, "wrong_column"), "data": ("empty", ("constant item", lambda v: v.assign(CUSA2=1.0))),
         "description": bad(("unknown column", lambda v: v.replace("CUSA3", "NOPE")),
                            ("empty block", lambda v: "S =~\nL =~ CUSL1"), ("not text", lambda v: 42),
                            names=("description", "NOPE", "S =~")),
         "obj": (("unknown objective", lambda v: "XYZ"),)}),
    Y + "path_layout": function(
        L.path_layout, lambda: {"results": path_fit()},
        {"results": (("not a path model", lambda v: v.paths),)},
        finite_exempt="r2 is NaN for exogenous constructs (documented)"),
    Y + "plot_path_diagram": function(
        L.plot_path_diagram, lambda: {"results": pls_fit()},
        {"results": (("not a path model", lambda v: v.summary()),)}),
    Y + "SEMResults": Entry("results", (
        Target("produced by fit_sem", lambda: {},
               lambda: L.fit_sem("S =~ CUSA1 + CUSA2 + CUSA3\nL =~ CUSL1 + CUSL2 + CUSL3\nL ~ S", pls_data())),)),
    Y + "ImproperSolutionWarning": no_input("warning class"),
    Y + "dick_basu_segments": function(
        L.dick_basu_segments, lambda: {"data": db_data(), "attitude": "attitude", "behaviour": "behaviour",
                                       "attitude_threshold": 5.0, "behaviour_threshold": "median"},
        {"data[attitude]": (*NUMERIC, "wrong_column"), "data[behaviour]": ("nan", "text", "wrong_column"),
         "data": ("empty",), "attitude_threshold": ("nan", "inf", "numeric_text", ("unknown rule", lambda v: "mode")),
         "behaviour_threshold": (("unknown rule", lambda v: "mode"),)},
        {"one customer": one_row("data")},
        extra=[Target("call(Series)", lambda: {"attitude": db_data()["attitude"], "behaviour": db_data()["behaviour"],
                                               "attitude_threshold": "mean"},
                      L.dick_basu_segments, {"attitude": ("nan", "text", *LABELLED, "empty"),
                                             "behaviour": ("nan", "text", *LABELLED)})]),
    Y + "segment_table": function(
        L.segment_table, lambda: {"segments": L.dick_basu_segments(db_data(), attitude_threshold=5.0),
                                  "values": pd.DataFrame({"spend": [10.0, 2, 8, 1, 6, 3]}, index=db_data().index)},
        {"segments": ("nan", *LABELLED, "empty"), "values[spend]": ("nan", "inf", "text", "nullable_na"),
         "values": ("misaligned", "duplicated_ids")},
        finite_exempt="NaN means of an empty segment (documented)"),
    Y + "loyalty_indicators": function(
        L.loyalty_indicators, lambda: {"data": indicators(), "by": "group"},
        {"data[repurchase]": ("nan", "text", ("2", lambda v: v * 2)),
         "data[spend]": ("nan", "inf", "text"), "data": ("empty",),
         "by": (("unknown column", lambda v: "nope"),)},
        {"one customer": one_row("data")},
        extra=[Target("call(by Series)", lambda: {"data": indicators(), "by": indicators()["group"]},
                      L.loyalty_indicators, {"by": ("nan", *LABELLED)})]),
    Y + "SEGMENTS": no_input("constant: the four Dick & Basu segments"),
    Y + "load_ecsi_synthetic": no_input("loader without arguments (deterministic synthetic ECSI survey)"),
    "custvalue.loyalty.curves.curve_terms": function(
        curve_terms, lambda: {"x": "sat", "form": "piecewise", "knots": [7.0], "df": 4},
        {"x": (("not a name", lambda v: 42),), "form": (("unknown form", lambda v: "cubic"),),
         "knots": ("nan", "inf", "text"), "df": ("nan", "negative", "zero", "fraction", "text")}),
}
