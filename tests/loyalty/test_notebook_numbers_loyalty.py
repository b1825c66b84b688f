"""The numbers quoted in the text of notebooks 05 and 06 (full runs), recomputed."""

import warnings

import numpy as np
import pandas as pd
import pytest

from custvalue.loyalty import (compare_curves, curve_slopes, dick_basu_segments, fit_sem, from_formula,
                               johnson_neyman, load_ecsi_synthetic, loyalty_indicators, lr_test,
                               moderated_regression, path_analysis, plspm, satisfaction_curve,
                               segment_table, simple_slopes)
from custvalue.simulate.loyalty import DEFAULT_STRUCTURE, simulate_loyalty_survey

MODEL_06 = """
Image         =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation   =~ CUEX1 + CUEX2 + CUEX3
Quality       =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value         =~ PERV1 + PERV2
Satisfaction  =~ CUSA1 + CUSA2 + CUSA3
Complaints    =~ CUSCO
Trust         =~ TRUS1 + TRUS2 + TRUS3
SwitchingCost <~ SWCP1 + SWCP2 + SWCF1 + SWCF2 + SWCR1 + SWCR2
Loyalty       =~ CUSL1 + CUSL2 + CUSL3
Expectation   ~ Image
Quality       ~ Expectation
Value         ~ Expectation + Quality
Satisfaction  ~ Image + Expectation + Quality + Value
Complaints    ~ Satisfaction
Trust         ~ Image + Satisfaction
Loyalty       ~ Value + Satisfaction + Trust + SwitchingCost + Complaints
"""


def r(x, nd=3):
    return round(float(x), nd)


def test_notebook_05_numbers():
    d = simulate_loyalty_survey(20_000, seed=505)
    sat_hi, sat_lo = d["satisfaction"] >= 8, d["satisfaction"] <= 5
    assert r(1 - d.loc[sat_hi, "repurchase"].mean()) == 0.270
    assert r(d.loc[sat_lo, "repurchase"].mean()) == 0.367
    mod = moderated_regression(d, "loyalty", "satisfaction", "switching_cost", covariates=["trust", "perceived_value"])
    assert r(mod.params["satisfaction:switching_cost"]) == -0.076
    assert r(mod.bse["satisfaction:switching_cost"]) == 0.005
    sd = d["switching_cost"].std()
    ss = simple_slopes(mod, "satisfaction", "switching_cost", at=[-sd, 0.0, sd])
    assert [r(v) for v in ss["slope"]] == [0.367, 0.276, 0.185]
    jn = johnson_neyman(mod, "satisfaction", "switching_cost")
    assert [r(v, 2) for v in jn.bounds] == [3.22, 4.16]
    assert jn.significant == "outside" and jn.observed_range[1] < jn.bounds[0] and jn.share_significant == 1.0
    d["sc_group"] = pd.qcut(d["switching_cost"], 3, labels=["low", "mid", "high"]).astype(str)
    sub = d[d["sc_group"] != "mid"]
    cmp = compare_curves(sub, "loyalty", "satisfaction", "sc_group", knots=[6.0, 8.0])
    assert r(cmp.statistic, 1) == 177.6 and cmp.pvalue < 1e-100
    low = satisfaction_curve(sub[sub.sc_group == "low"], "loyalty", "satisfaction", knots=[6.0, 8.0])
    high = satisfaction_curve(sub[sub.sc_group == "high"], "loyalty", "satisfaction", knots=[6.0, 8.0])
    assert [r(v, 2) for v in curve_slopes(low, "satisfaction", grid=[4.0, 9.0])] == [0.50, 0.61]
    assert [r(v, 2) for v in curve_slopes(high, "satisfaction", grid=[4.0, 9.0])] == [0.34, 0.39]
    seg = dick_basu_segments(d, attitude="loyalty", behaviour="purchases")
    tab = segment_table(seg)
    assert [r(v) for v in tab["share"]] == [0.192, 0.292, 0.083, 0.433]
    ind = loyalty_indicators(d.assign(segment=seg), by="segment")
    assert r(ind.loc["spurious loyalty", "mean_satisfaction"], 2) == 6.78
    assert r(ind.loc["loyalty", "mean_satisfaction"], 2) == 7.75


def test_notebook_06_numbers():
    d = load_ecsi_synthetic()
    res = plspm(MODEL_06, d)
    boot = res.bootstrap(1000, seed=6, method="bca")
    tab = boot.table.xs("total", level="kind")
    got = {v: [r(tab.loc[f"{v} -> Loyalty", "estimate"]), r(tab.loc[f"{v} -> Loyalty"].iloc[-2]),
               r(tab.loc[f"{v} -> Loyalty"].iloc[-1])] for v in ("Satisfaction", "Value")}
    assert got == {"Satisfaction": [0.364, 0.316, 0.422], "Value": [0.336, 0.283, 0.386]}
    assert r(tab.loc["SwitchingCost -> Loyalty", "estimate"]) == 0.237
    assert r(tab.loc["Trust -> Loyalty", "estimate"]) == 0.212
    assert (tab.loc[[f"{v} -> Loyalty" for v in ("Satisfaction", "Value", "SwitchingCost", "Trust")]].iloc[:, -2] > 0).all()
    draws = boot.draws["total"]
    diff = draws["Value -> Loyalty"] - draws["Satisfaction -> Loyalty"]
    assert r(tab.loc["Value -> Loyalty", "estimate"] - tab.loc["Satisfaction -> Loyalty", "estimate"]) == -0.027
    assert [r(x) for x in np.quantile(diff, [0.025, 0.975])] == [-0.114, 0.056]
    st = DEFAULT_STRUCTURE
    T = np.linalg.inv(np.eye(len(st.latent)) - st.matrix()) - np.eye(len(st.latent))
    lat = list(st.latent)
    assert r(T[lat.index("Loyalty"), lat.index("Satisfaction")]) == 0.425
    assert r(T[lat.index("Loyalty"), lat.index("Value")]) == 0.378
    pa = path_analysis("satisfaction ~ perceived_value; trust ~ satisfaction; "
                       "loyalty ~ perceived_value + satisfaction + trust + switching_cost",
                       d, standardize=True, n_boot=0)
    assert r(pa.effects.loc["perceived_value -> loyalty", "total"]) == 0.418
    assert r(pa.effects.loc["satisfaction -> loyalty", "total"]) == 0.375
    t = lr_test(from_formula("repurchase ~ satisfaction", d, "logit"),
                from_formula("repurchase ~ satisfaction + perceived_value + trust + switching_cost", d, "logit"))
    assert r(t.statistic, 1) == 167.8 and t.df == 3 and f"{t.pvalue:.1e}" == "3.8e-36"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sem = fit_sem("Sat =~ CUSA1 + CUSA2 + CUSA3\nVal =~ PERV1 + PERV2\nTru =~ TRUS1 + TRUS2 + TRUS3\n"
                      "Swc =~ SWCP1 + SWCP2 + SWCF1 + SWCF2 + SWCR1 + SWCR2\nLoy =~ CUSL1 + CUSL2 + CUSL3\n"
                      "Sat ~ Val\nTru ~ Sat\nLoy ~ Val + Sat + Tru + Swc", d)
    assert sem.is_proper
    assert [r(sem.paths[p]) for p in ("Val -> Loy", "Sat -> Loy", "Tru -> Loy", "Swc -> Loy")] == \
        pytest.approx([0.253, 0.319, 0.236, 0.283], abs=1.5e-3)
