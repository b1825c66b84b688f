"""The numbers quoted in notebooks/07_switching_costs.ipynb, recomputed with the notebook's
seeds and (full-run) sizes.  This is also where the issue's heterogeneity check lives: with
persistent taste differences the naive state-dependence logit is biased upward and the
random-intercept model is not."""

import numpy as np
import pandas as pd
import pytest

from custvalue.simulate.loyalty import simulate_loyalty_survey
from custvalue.simulate.switching import simulate_choice_panel, simulate_upp_market
from custvalue.switching import (RandomInterceptLogit, StateDependenceLogit, barrier_moderation,
                                 brand_switching_matrix, shy_switching_costs,
                                 switching_barrier_index, undercut_proof_prices)


def _repeat_rate(panel, n):
    return (panel.groupby("customer_id")["choice"].shift() == panel["choice"]).sum() / (len(panel) - n)


def test_shy_section():
    assert shy_switching_costs(price=[10.0, 10.0], customers=[60, 40]).switching_costs.tolist() == [6.0, 4.0]
    assert undercut_proof_prices([6.0, 4.0], [60, 40]).tolist() == pytest.approx([10.0, 10.0])
    truth = pd.Series([35.0, 28.0, 30.0, 20.0], index=["Alpha", "Beta", "Gamma", "Delta"])
    market = simulate_upp_market(pd.Series([4200.0, 2600.0, 1900.0, 800.0], index=truth.index), truth,
                                 marginal_cost=[40.0, 42.0, 45.0, 48.0])
    rng = np.random.default_rng(7)
    obs = market.assign(price=market["price"] + rng.normal(0, 1.5, 4),
                        customers=(market["customers"] * np.exp(rng.normal(0, 0.05, 4))).round())
    tab = shy_switching_costs(obs, price_se=1.5, customers_se=0.05 * obs["customers"]).table()
    assert ((tab["lower"] <= truth) & (truth <= tab["upper"])).all()      # every interval covers
    assert tab["ratio"].min() == pytest.approx(0.39, abs=0.005)           # "39-80% of the margin"
    assert tab["ratio"].max() == pytest.approx(0.80, abs=0.005)
    assert tab["ratio"].idxmin() == "Delta"                               # the smallest firm


def test_false_loyalty_curve():
    rates = {}
    for s in (0.0, 0.6, 1.5):
        d = simulate_choice_panel(20000, 6, alpha=-2.0, gamma=2.0 * s, seed=5)
        rates[s] = _repeat_rate(d, 20000)
    assert rates[0.0] == pytest.approx(0.25, abs=0.005)
    assert round(rates[0.6], 2) == 0.47
    assert round(rates[1.5], 2) == 0.78


def test_panel_A_naive_model_recovers_060():
    p = simulate_choice_panel(600, 10, alpha=-2.0, gamma=1.2, seed=2026)
    sc = StateDependenceLogit(p).fit().switching_cost().iloc[0]
    assert round(sc["estimate"], 2) == 0.63 and round(sc["std err"], 2) == 0.02
    assert abs(sc["estimate"] - 0.60) < 2 * sc["std err"]


def test_panel_B_naive_biased_upward_random_intercept_not():
    p = simulate_choice_panel(600, 10, alpha=-2.0, gamma=1.2, heterogeneity=2.0, seed=2026)
    naive = StateDependenceLogit(p).fit().switching_cost().iloc[0]
    het_res = RandomInterceptLogit(p, n_draws=50, seed=1).fit()
    het = het_res.switching_cost().iloc[0]
    assert het_res.converged
    assert round(naive["estimate"], 2) == 1.45 and naive["estimate"] > 2 * 0.60
    assert (naive["estimate"] - 0.60) / naive["std err"] == pytest.approx(20, abs=1.5)
    assert round(het["estimate"], 2) == 0.62 and round(het["std err"], 2) == 0.03
    assert abs(het["estimate"] - 0.60) < het["std err"]                   # within one SE


def test_panel_C_spurious_switching_cost():
    p = simulate_choice_panel(600, 10, alpha=-2.0, gamma=0.0, heterogeneity=2.0, seed=2026)
    assert round(_repeat_rate(p, 600), 2) == 0.46
    naive = StateDependenceLogit(p).fit().switching_cost().iloc[0]
    het = RandomInterceptLogit(p, n_draws=50, seed=1).fit().switching_cost().iloc[0]
    assert round(naive["estimate"], 2) == 0.77 and naive["lower"] > 0
    assert round(het["estimate"], 2) == 0.02 and round(het["std err"], 2) == 0.02
    assert het["lower"] < 0 < het["upper"]


def test_brand_switching_section():
    intercepts = [0.4, -0.3, 0.6]
    bs = brand_switching_matrix(simulate_choice_panel(3000, 6, intercepts=intercepts, seed=31))
    long_run = simulate_choice_panel(1000, 400, intercepts=intercepts, burn_in=50, seed=32)
    shares = long_run["choice"].value_counts(normalize=True).sort_index()
    assert float((bs.stationary_shares() - shares).abs().max()) < 0.01
    v = bs.customer_value("A", margin=10.0, discount_rate=0.05)
    assert v["A"] > v.drop("A").max()


def test_barrier_section():
    survey = simulate_loyalty_survey(2000, seed=1)
    barriers = switching_barrier_index(survey)
    alpha = barriers.reliability["cronbach_alpha"]
    assert round(alpha.min(), 2) == 0.60 and round(alpha.max(), 2) == 0.66
    mod = barrier_moderation(survey, "loyalty", "satisfaction", barriers).xs(0.0, level="at_sd")
    assert round(mod["interaction"].min(), 3) == -0.046 and round(mod["interaction"].max(), 3) == -0.043
    assert (mod["interaction_p"] < 0.01).all()
    probit = barrier_moderation(survey, "repurchase", "satisfaction", barriers, kind="probit")
    assert (probit.xs(0.0, level="at_sd")["interaction_p"] > 0.1).all()
