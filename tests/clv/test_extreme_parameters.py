"""Every prediction of the Pareto/NBD, BG/BB, sBG, Gamma-Gamma and Markov-migration models,
anywhere in parameter space, against the independent mpmath references of
``tests/reference/mp_btyd_others.py`` (issue 14).

* A fixed grid of hard points (integer and large shapes, shapes near 1, α and β far apart,
  x = 500, T = 1e4, horizons 0 and 1e4, discount rates near 0 and large) runs by default.
* Seeded sweeps (``@pytest.mark.slow``) draw every shape and scale log-uniformly on
  [1e-2, 1e4] (15% whole numbers, 10% within 1e-12..1e-2 of 1), x in 0..500, t_x <= T
  log-uniform up to 1e4 (t_x = T in a fifth of the draws), horizons 0..1e4 and discount
  rates 1e-6..3, and assert a relative error <= 1e-8 (``RTOL``) everywhere, or the documented
  error for the regimes that have no finite answer.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import (BetaGeo, BetaGeoBetaBinom, GammaGamma, MarkovChain, ModifiedBetaGeo, ParetoNBD,
                           ShiftedBetaGeometric, clv, cohort_repeat_transactions)
from custvalue.exceptions import DataError
from custvalue.math import bgbb as kb
from custvalue.math import gammagamma as kg
from custvalue.math import paretonbd as kp
from custvalue.math import sbg as ks
from custvalue.math.logconcave import interpolate_smooth, log_integral
from tests.reference import mp_btyd_others as R

RTOL = 1e-8       # one bound for every prediction (none needs a looser one)
TINY = 1e-300     # values below this underflow in double precision: compared absolutely
WEEKLY = float(np.log(1.15) / 52)


def assert_close(got, ref, what=""):
    got = float(got)
    assert np.isfinite(got), f"{what}: got {got}, reference {ref}"
    assert abs(got - ref) <= RTOL * abs(ref) + TINY, (
        f"{what}: got {got!r}, reference {ref!r}, relative error {abs(got - ref) / max(abs(ref), TINY):.3g}")


# ---- draws ---------------------------------------------------------------------------------
def draw_shape(rng):
    """Log-uniform on [1e-2, 1e4], with whole numbers (15%) and values near 1 (10%)."""
    u = rng.random()
    v = 10 ** rng.uniform(-2, 4)
    if u < 0.15:
        return float(max(1, round(v)))
    if u < 0.25:
        return float(1 + rng.choice([-1, 1]) * 10 ** rng.uniform(-12, -2))
    return float(v)


def draw_history(rng):
    """(x, t_x, T): T log-uniform on [1e-2, 1e4], x in 0..500, t_x = T in 20% of buyers."""
    T = float(10 ** rng.uniform(-2, 4))
    x = int(rng.integers(0, 501)) if rng.random() < 0.7 else int(rng.integers(0, 5))
    tx = 0.0 if x == 0 else (T if rng.random() < 0.2 else float(T * rng.random()))
    return x, tx, T


def draw_discrete_history(rng):
    """(x, t_x, n) for BG/BB: n log-uniform on 1..1e4 opportunities, x <= min(t_x, 500)."""
    n = int(10 ** rng.uniform(0, 4))
    x = int(rng.integers(0, min(n, 500) + 1))
    tx = 0 if x == 0 else int(rng.integers(x, n + 1))
    return x, tx, n


def draw_horizon(rng):
    return 0.0 if rng.random() < 0.1 else float(10 ** rng.uniform(-2, 4))


def draw_rate(rng):
    return float(10 ** rng.uniform(-6, 0.5))


# ---- the fixed grid --------------------------------------------------------------------------
PNBD_PARAMS = [
    (0.553, 10.578, 10.0, 11.669),          # issue: integer s >= 8 (scipy hyperu NaN)
    (0.553, 10.578, 1500.0, 2500.0),        # issue: (β+T)^s overflows
    (0.55, 10.58, 1.0, 11.67),              # s = 1 exactly
    (3.0, 0.5, 1.0 + 1e-11, 1e3),           # s a hair above 1
    (1e4, 1e4, 1e4, 1e4),                   # everything large
    (0.01, 1e4, 0.01, 0.01),                # α, β 1e6 apart (quadrature rows)
    (0.5, 50.0, 8.0, 0.6),                  # β << α, integer s
]
PNBD_ROWS = [(0, 0.0, 1e4), (2, 30.43, 38.86), (500, 9e3, 1e4), (26, 1.0, 1.0), (1, 0.01, 0.02)]


@pytest.fixture(scope="module")
def pnbd_grid():
    """Each parameter set with three of the rows (all rows meet every kind of parameters)."""
    return [(p, PNBD_ROWS[(i + j) % len(PNBD_ROWS)]) for i, p in enumerate(PNBD_PARAMS) for j in range(3)]


def test_pareto_nbd_p_alive_and_expectations_on_the_grid(pnbd_grid):
    for i, (p, (x, tx, T)) in enumerate(pnbd_grid):
        assert_close(kp.p_alive(*p, x, tx, T), R.pnbd_p_alive(*p, x, tx, T), f"p_alive{p, x, tx, T}")
        t = (0.0, 52.0, 1e4)[i % 3]
        assert_close(kp.conditional_expected_purchases(t, *p, x, tx, T),
                     R.pnbd_conditional_expected(t, *p, x, tx, T), f"E[Y({t})]{p, x, tx, T}")
    for p in PNBD_PARAMS:
        for t in (0.0, 0.01, 39.0, 1e4):
            assert_close(kp.expected_purchases_new_customer(t, *p), R.pnbd_expected_new(t, *p), f"E[X({t})]{p}")


def test_pareto_nbd_dert_on_the_grid(pnbd_grid):
    for i, (p, (x, tx, T)) in enumerate(pnbd_grid[::2]):
        delta, H = ((WEEKLY, None), (1e-6, 1e4), (2.0, 39.0), (2.0, None), (WEEKLY, 0.0))[i % 5]
        assert_close(kp.dert(delta, *p, x, tx, T, horizon=H), R.pnbd_dert(delta, *p, x, tx, T, horizon=H),
                     f"DERT(H={H}, δ={delta}){p, x, tx, T}")


def test_pareto_nbd_probability_of_purchases_on_the_grid():
    for i, p in enumerate(PNBD_PARAMS[:4] + [(0.5, 10.0, 2.0, 20.0), (1e3, 1.0, 5.0, 1e4)]):
        n, t = ((0, 39.0), (7, 0.3), (50, 100.0), (20, 1e4))[i % 4]
        assert_close(kp.probability_of_purchases(n, t, *p), R.pnbd_probability(n, t, *p), f"P(X({t})={n}){p}")


BGBB_PARAMS = [
    (1.204, 0.750, 0.657, 2.783),           # FHS 2010 donations
    (1.2, 0.75, 20.0, 139.0),               # issue: integer γ, large δ (scipy 2F1 inf)
    (1.2, 0.75, 150.0, 450.0),              # issue: Γ ratios overflow
    (0.5, 3.0, 1.0, 5.0),                   # γ = 1 exactly
    (2.0, 2.0, 1.0 + 1e-10, 1e4),           # γ a hair above 1
    (1e4, 0.01, 1e4, 1e4),
]
BGBB_ROWS = [(0, 0, 1), (3, 4, 6), (500, 9000, 10000), (6, 6, 6)]


def test_bgbb_predictions_on_the_grid():
    for i, p in enumerate(BGBB_PARAMS):
        x, tx, n = BGBB_ROWS[i % len(BGBB_ROWS)]
        t, d = (0, 1, 1000)[i % 3], (1e-6, 3.0, 0.1)[i % 3]
        assert_close(kb.p_alive(*p, x, tx, n)[0], R.bgbb_p_alive(*p, x, tx, n), f"p_alive{p, x, tx, n}")
        assert_close(kb.conditional_expected_purchases(t, *p, x, tx, n),
                     R.bgbb_conditional_expected(t, *p, x, tx, n), f"E[X(n, n+{t})]{p, x, tx, n}")
        assert_close(float(kb.dert(d, *p, x, tx, n)), R.bgbb_dert(d, *p, x, tx, n), f"DERT(d={d}){p, x, tx, n}")
        assert_close(float(kb.dert(d, *p, x, tx, n, horizon=30)), R.bgbb_dert(d, *p, x, tx, n, horizon=30),
                     f"DERT(H=30){p, x, tx, n}")
        assert_close(kb.expected_purchases_new_customer(1000 - t, *p), R.bgbb_expected_new(1000 - t, *p),
                     f"E[X({1000 - t})]{p}")
        k, tt = ((0, 6), (3, 6), (20, 60))[i % 3]
        assert_close(kb.probability_of_purchases(k, tt, *p), R.bgbb_probability(k, tt, *p), f"P(X({tt})={k}){p}")


SBG_PARAMS = [(0.704, 1.182), (1e4, 1e4), (0.01, 1e4), (1.0, 1.0 + 1e-11), (3.0, 0.01), (0.3, 0.4)]
SBG_CASES = [(0.704, 1.182, 0.1, 0), (0.704, 1.182, 0.1, 5), (1e4, 1e4, 1e-6, 0), (1e4, 1e4, 3.0, 1000),
             (0.01, 1e4, 1e-6, 1000), (0.01, 1e4, 3.0, 0), (1.0, 1.0 + 1e-11, 1e-6, 0),
             (1.0, 1.0 + 1e-11, 3.0, 1000), (3.0, 0.01, 1e-6, 1000), (0.3, 0.4, 0.1, 0), (0.3, 0.4, 1e-6, 3)]


def test_sbg_predictions_on_the_grid():
    for a, b in SBG_PARAMS:
        for t in (1, 7, 1000):
            assert_close(ks.survival(a, b, t), R.sbg_survival(a, b, t), f"S({t})")
            assert_close(ks.retention_rate(a, b, t), R.sbg_retention(a, b, t), f"r({t})")
    for a, b, d, n in SBG_CASES:
        assert_close(ks.discounted_expected_lifetime(a, b, d), R.sbg_del(a, b, d), f"DEL({a}, {b}, {d})")
        assert_close(ks.derl(a, b, d, n), R.sbg_derl(a, b, d, n), f"DERL({a}, {b}, {d}, {n})")
        assert_close(ks.retention_elasticity(a, b, d, n), R.sbg_elasticity(a, b, d, n),
                     f"elasticity({a}, {b}, {d}, {n})")


def test_gamma_gamma_expected_spend_near_the_boundary_and_far_from_it():
    for p, q, g, x, m in [(6.25, 3.74, 15.45, 2, 22.35), (0.5, 0.5 + 1e-10, 1.0, 1, 2.0),
                          (0.1, 0.9 + 1e-12, 3.0, 1, 2.0), (1e4, 1e-2, 1e4, 500, 1e-2),
                          (0.01, 1.0 + 1e-12, 1e4, 0, 0.0), (1e-2, 1e4, 1e-2, 500, 1e4)]:
        assert_close(kg.expected_spend(p, q, g, x, m), R.gg_expected_spend(p, q, g, x, m), f"E[Z]{p, q, g, x, m}")
    # q + p x <= 1: no finite mean
    assert np.isinf(kg.expected_spend(0.3, 0.1, 1.0, 3, 5.0))


def test_markov_values_for_rates_near_zero_and_long_horizons():
    P = [[1 - 1e-9, 1e-9, 0.0], [0.3, 0.5, 0.2], [0.0, 1e-6, 1 - 1e-6]]
    Rw = [100.0, 10.0, 1.0]
    chain = MarkovChain(P)
    for d, h in ((1e-9, None), (1e-3, None), (2.0, None), (1e-6, 10_000), (0.05, 1), (0.05, 0), (-0.5, 20)):
        for inc in (True, False):
            got = chain.value(Rw, d, h, include_current=inc).to_numpy()
            for g, r in zip(got, R.markov_value(P, Rw, d, h, inc)):
                assert_close(g, r, f"V(d={d}, T={h}, current={inc})")


# ---- the examples of the issue ------------------------------------------------------------------
def test_issue_examples():
    # Pareto/NBD DERT: NaN for integer s >= 8 and for large s
    v = float(kp.dert(WEEKLY, 0.553, 10.578, 10.0, 11.669, 2, 30.43, 38.86))
    assert abs(v - 0.0350556) < 1e-7  # mpmath, quoted in the issue
    x, tx, T = np.array([0.0, 2.0, 100.0]), np.array([0.0, 30.43, 38.0]), np.array([38.86, 38.86, 38.86])
    big = kp.dert(WEEKLY, 0.553, 10.578, 1500.0, 2500.0, x, tx, T)
    for i in range(3):
        assert_close(big[i], R.pnbd_dert(WEEKLY, 0.553, 10.578, 1500.0, 2500.0, x[i], tx[i], T[i]), "s = 1500")
    # BG/BB: DERT inf for integer γ with large δ; NaN beyond γ ~ 150 with δ = 3γ
    assert abs(float(kb.dert(0.1, 1.2, 0.75, 20.0, 139.0, 3, 4, 6)) - 0.784313) < 1e-6
    for g in (150.0, 300.0):
        assert_close(kb.conditional_expected_purchases(5, 1.2, 0.75, g, 3 * g, 3, 4, 6),
                     R.bgbb_conditional_expected(5, 1.2, 0.75, g, 3 * g, 3, 4, 6), f"γ={g}")
        assert_close(float(kb.dert(0.1, 1.2, 0.75, g, 3 * g, 3, 4, 6)), R.bgbb_dert(0.1, 1.2, 0.75, g, 3 * g, 3, 4, 6),
                     f"γ={g}")


def _results(model_cls, params, **data):
    """Results holding given parameters (no fit), for the prediction methods."""
    model = model_cls(**data)
    k = len(params)
    return model.results_class(model, np.asarray(params, dtype=float), np.full((k, k), np.nan), np.nan,
                               converged=True, message="", n_iter=0)


RFM = dict(frequency=[1.0], recency=[1.0], T=[2.0])
OPP = dict(frequency=[1.0], recency=[1.0], n_periods=[2.0])


@pytest.mark.parametrize("model_cls, params, data", [
    (BetaGeo, (0.243, 4.414, 0.793, 2.426), RFM), (ModifiedBetaGeo, (0.5, 6.0, 0.9, 3.0), RFM),
    (ParetoNBD, (0.55, 10.58, 0.61, 11.67), RFM), (BetaGeoBetaBinom, (1.204, 0.75, 0.657, 2.783), OPP)])
def test_probability_of_purchases_over_an_empty_period(model_cls, params, data):
    res = _results(model_cls, params, **data)
    assert res.probability_of_purchases(0, horizon=0) == 1.0
    assert res.probability_of_purchases(3, horizon=0) == 0.0
    assert res.probability_of_purchases([0, 1, 2], horizon=0.0).tolist() == [1.0, 0.0, 0.0]
    assert res.dert(discount_rate=0.01, horizon=0, **data).iloc[0] == 0.0


def test_dert_of_many_customers_interpolated_in_log_b_plus_t_equals_the_integrals():
    """Above 100 distinct β+T the DERT integral comes from a checked Chebyshev interpolant."""
    rng = np.random.default_rng(14)
    T = np.concatenate([rng.uniform(0.01, 1e4, 400), [38.86]])
    x = rng.integers(0, 50, T.size).astype(float)
    tx = T * rng.random(T.size)
    for p, delta, H in (((0.553, 10.578, 10.0, 11.669), WEEKLY, None), ((0.553, 10.578, 1500.0, 2500.0), 1e-6, 1e4),
                        ((0.55, 10.58, 1.0 + 1e-11, 11.67), 2.0, 39.0)):
        many = kp.dert(delta, *p, x, tx, T, horizon=H)
        one = np.array([float(kp.dert(delta, *p, x[i], tx[i], T[i], horizon=H)) for i in range(0, T.size, 40)])
        np.testing.assert_allclose(many[::40], one, rtol=1e-12, atol=1e-300)
        assert_close(many[-1], R.pnbd_dert(delta, *p, x[-1], tx[-1], T[-1], horizon=H), f"interpolated DERT{p}")


def test_interpolate_smooth_falls_back_to_the_function_where_it_is_not_smooth():
    y = np.linspace(-1.0, 1.0, 500)
    root = lambda v: np.sqrt(np.abs(v))  # noqa: E731  (not analytic at 0: pieces split, then direct)
    np.testing.assert_allclose(interpolate_smooth(root, y), root(y), rtol=0, atol=1e-13)
    f = interpolate_smooth(lambda v: np.where(v > 0.5, np.inf, v), y)        # not finite: direct
    np.testing.assert_allclose(f, np.where(y > 0.5, np.inf, y), rtol=0, atol=1e-13)
    np.testing.assert_allclose(interpolate_smooth(np.exp, y), np.exp(y), rtol=1e-14)


def test_results_dert_and_new_customer_dert_use_the_kernels():
    p = (0.553, 10.578, 10.0, 11.669)
    res = _results(ParetoNBD, p, **RFM)
    rate = float(np.expm1(WEEKLY))
    v = res.dert(frequency=[2], recency=[30.43], T=[38.86], discount_rate=rate)
    assert_close(v.iloc[0], R.pnbd_dert(WEEKLY, *p, 2, 30.43, 38.86), "results DERT")
    v = res.dert(frequency=[2], recency=[30.43], T=[38.86], discount_rate=rate, horizon=1e4)
    assert_close(v.iloc[0], R.pnbd_dert(WEEKLY, *p, 2, 30.43, 38.86, horizon=1e4), "results DERT(H)")
    assert_close(res.dert_new_customer(discount_rate=rate), R.pnbd_dert(WEEKLY, *p, 0, 0.0, 0.0), "new DERT")
    # BG/BB: a slowly discounted new customer (the sum used to stop after 2,000 opportunities)
    q = (1.204, 0.75, 0.657, 2.783)
    bb = _results(BetaGeoBetaBinom, q, **OPP)
    assert_close(bb.dert_new_customer(discount_rate=1e-4), R.bgbb_dert(1e-4, *q, 0, 0, 0), "BG/BB new DERT")
    assert_close(bb.dert_new_customer(discount_rate=1e-4, horizon=50), R.bgbb_dert(1e-4, *q, 0, 0, 0, horizon=50),
                 "BG/BB new DERT(H)")


def test_clv_and_cohort_forecast_with_extreme_pareto_nbd_parameters():
    p = (0.553, 10.578, 1500.0, 2500.0)
    res = _results(ParetoNBD, p, **RFM)
    d = pd.DataFrame({"frequency": [0.0, 200.0], "recency": [0.0, 38.0], "T": [38.86] * 2,
                      "monetary_value": [0.0, 35.0]})
    spend = np.array([30.0, 34.0])
    value = clv(res, spend, d, months=12, monthly_discount_rate=0.01, freq="W")
    times = 4.345 * np.arange(1, 13)
    disc = 1.01 ** -np.arange(1, 13)
    for i, row in d.iterrows():
        cum = [R.pnbd_conditional_expected(t, *p, row["frequency"], row["recency"], row["T"]) for t in times]
        ref = spend[i] * float(np.diff(np.r_[0.0, cum]) @ disc)
        assert_close(value.iloc[i], ref, f"clv row {i}")
    births = np.array([0.0, 0.0, 3.5, 10.0])
    f = cohort_repeat_transactions(res, births, [1.0, 10.0, 1e4])
    for t, got in zip([1.0, 10.0, 1e4], f["cumulative"]):
        ref = sum(R.pnbd_expected_new(t - b, *p) for b in births if t > b)
        assert_close(got, ref, f"cohort at {t}")


# ---- regimes without a finite answer raise ------------------------------------------------------
def test_regimes_without_a_finite_value_raise():
    gg = _results(GammaGamma, (0.3, 0.1, 1.0), frequency=[3.0], monetary_value=[5.0])
    with pytest.raises(DataError, match=r"q \+ p \* frequency <= 1"):
        gg.expected_spend(frequency=[3.0, 0.0], monetary_value=[5.0, 0.0])
    sbg = _results(ShiftedBetaGeometric, (0.7, 1.2), duration=[1.0, 3.0], censored=[False, True])
    with pytest.raises(DataError, match="alpha > 1"):
        sbg.discounted_expected_lifetime(0.0)
    with pytest.raises(DataError, match="diverges"):
        sbg.discounted_expected_residual_lifetime(-0.1)
    with pytest.raises(DataError, match="alpha > 2"):
        sbg.retention_elasticity(0.0)
    ok = _results(ShiftedBetaGeometric, (2.5, 1.2), duration=[1.0, 3.0], censored=[False, True])
    assert_close(ok.discounted_expected_lifetime(0.0), 1 + 1.2 / 1.5, "DEL at d = 0, α > 1")
    with pytest.raises(DataError, match="overflows"):
        MarkovChain([[0.5, 0.5], [0.5, 0.5]]).value([1.0, 1.0], -0.9, horizon=10_000)
    pnbd = _results(ParetoNBD, (0.55, 10.58, 0.61, 11.67), **RFM)
    with pytest.raises(DataError, match="> 0 for an infinite horizon"):
        pnbd.dert(discount_rate=0.0, **RFM)
    with pytest.raises(DataError, match=">= 0 for the DERT of a continuous-time model"):
        pnbd.dert(discount_rate=-0.1, horizon=10.0, **RFM)
    # undiscounted over a horizon: E[Y(H)]
    assert_close(pnbd.dert(discount_rate=0.0, horizon=10.0, **RFM).iloc[0],
                 R.pnbd_conditional_expected(10.0, 0.55, 10.58, 0.61, 11.67, 1.0, 1.0, 2.0), "DERT(d = 0, H)")
    # a negative rate over opportunities (BG/BB) is a finite sum
    q = (1.204, 0.75, 0.657, 2.783)
    assert_close(float(kb.dert(-0.05, *q, 3, 4, 6, horizon=30)), R.bgbb_dert(-0.05, *q, 3, 4, 6, horizon=30),
                 "BG/BB DERT(d < 0)")


# ---- the references and the integrator themselves -----------------------------------------------
@pytest.mark.slow
def test_references_agree_with_their_alternative_forms():
    # FHL 2006 eq. (19) (2F1 sums) and the mixture integral by mpmath quadrature
    for n, t, p in ((3, 39.0, (0.55, 10.58, 0.61, 11.67)), (40, 100.0, (2.0, 3.0, 8.0, 0.5))):
        assert R.pnbd_probability(n, t, *p) == pytest.approx(R.pnbd_probability_integral(n, t, *p), rel=1e-14)
    # FHL-JMR eq. (2) with Tricomi's U and the incomplete-gamma form over a horizon of 1e6/δ
    p = (0.553, 10.578, 10.0, 11.669)
    assert R.pnbd_dert(0.01, *p, 2, 30.43, 38.86) == pytest.approx(
        R.pnbd_dert(0.01, *p, 2, 30.43, 38.86, horizon=1e8), rel=1e-14)
    # FHS eq. (14) with 2F1 (d < 0.01) and its partial sums (the rest is below 1.005^-12000)
    q = (1.2, 0.75, 20.0, 139.0)
    assert R.bgbb_dert(0.005, *q, 3, 4, 6) == pytest.approx(R.bgbb_dert(0.005, *q, 3, 4, 6, horizon=12000),
                                                            rel=1e-14)


def test_log_integral_closed_forms():
    import mpmath as mp
    # Beta functions: ∫ θ^{a-1}(1-θ)^{b-1} dθ with θ = logistic(u): p = a, c1 = a + b (the b
    # of the reference is the one the rounded c1 stands for)
    for a, b in ((0.01, 0.01), (1e4, 0.02), (0.5, 1e4), (3000.0, 7000.0)):
        c1 = a + b
        got = float(log_integral(a, c1, 0.0, 1.0, 1.0, 0.0, -np.inf, np.inf))
        with mp.workdps(40):
            ref = float(mp.log(mp.beta(a, mp.mpf(c1) - a)))
        # rounding of φ = p u - c1 log(1+e^u) near its mode (|p u| ~ 1e5 for a = 1e4)
        assert abs(got - ref) <= 5e-11, (a, b, got, ref)
    # ∫_0^H e^{-zτ} dτ = (1 - e^{-zH})/z (u = log τ: p = 1, z e^u)
    for z, H in ((1e-9, 1e4), (3.0, 1e-3), (1e2, np.inf)):
        got = np.exp(log_integral(1.0, 0.0, 0.0, 1.0, 1.0, z, -np.inf, np.log(H)))
        assert got == pytest.approx(-np.expm1(-z * H) / z, rel=1e-13)
    # empty interval, divergent integral
    assert log_integral(1.0, 2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0) == -np.inf
    assert np.isnan(log_integral(1.0, 0.5, 0.0, 1.0, 1.0, 0.0, -np.inf, np.inf))


# ---- the seeded sweeps (slow) --------------------------------------------------------------------
SEEDS = range(8)
N_DRAWS = 25


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_sweep_pareto_nbd(seed):
    rng = np.random.default_rng(1400 + seed)
    for _ in range(N_DRAWS):
        p = tuple(draw_shape(rng) for _ in range(4))
        x, tx, T = draw_history(rng)
        t, delta = draw_horizon(rng), draw_rate(rng)
        what = f"{p} x={x} t_x={tx} T={T} t={t} δ={delta}"
        assert_close(kp.p_alive(*p, x, tx, T), R.pnbd_p_alive(*p, x, tx, T), "p_alive " + what)
        assert_close(kp.conditional_expected_purchases(t, *p, x, tx, T),
                     R.pnbd_conditional_expected(t, *p, x, tx, T), "E[Y] " + what)
        assert_close(kp.expected_purchases_new_customer(t, *p), R.pnbd_expected_new(t, *p), "E[X] " + what)
        assert_close(kp.dert(delta, *p, x, tx, T), R.pnbd_dert(delta, *p, x, tx, T), "DERT " + what)
        assert_close(kp.dert(delta, *p, x, tx, T, horizon=t), R.pnbd_dert(delta, *p, x, tx, T, horizon=t),
                     "DERT(H) " + what)
        n = int(rng.integers(0, 60)) if rng.random() < 0.8 else int(rng.integers(0, 501))
        assert_close(kp.probability_of_purchases(n, t, *p), R.pnbd_probability(n, t, *p), f"P(X={n}) " + what)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_sweep_bgbb(seed):
    rng = np.random.default_rng(2400 + seed)
    for _ in range(N_DRAWS):
        p = tuple(draw_shape(rng) for _ in range(4))
        x, tx, n = draw_discrete_history(rng)
        t, d = int(draw_horizon(rng)), draw_rate(rng)
        what = f"{p} x={x} t_x={tx} n={n} t={t} d={d}"
        assert_close(kb.p_alive(*p, x, tx, n)[0], R.bgbb_p_alive(*p, x, tx, n), "p_alive " + what)
        assert_close(kb.conditional_expected_purchases(t, *p, x, tx, n),
                     R.bgbb_conditional_expected(t, *p, x, tx, n), "E[X(n, n+t)] " + what)
        assert_close(kb.expected_purchases_new_customer(t, *p), R.bgbb_expected_new(t, *p), "E[X(t)] " + what)
        assert_close(float(kb.dert(d, *p, x, tx, n)), R.bgbb_dert(d, *p, x, tx, n), "DERT " + what)
        h = min(t, 2000)
        assert_close(float(kb.dert(d, *p, x, tx, n, horizon=h)), R.bgbb_dert(d, *p, x, tx, n, horizon=h),
                     "DERT(H) " + what)
        k = int(rng.integers(0, min(t, 60) + 1))
        assert_close(kb.probability_of_purchases(k, min(t, 2000), *p), R.bgbb_probability(k, min(t, 2000), *p),
                     f"P(X={k}) " + what)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_sweep_sbg_gamma_gamma_markov(seed):
    rng = np.random.default_rng(3400 + seed)
    for _ in range(N_DRAWS):
        a, b = draw_shape(rng), draw_shape(rng)
        d = draw_rate(rng)
        n = int(10 ** rng.uniform(0, 4)) if rng.random() < 0.8 else 0
        t = int(10 ** rng.uniform(0, 4))
        what = f"α={a} β={b} d={d} n={n} t={t}"
        assert_close(ks.survival(a, b, t), R.sbg_survival(a, b, t), "S " + what)
        assert_close(ks.retention_rate(a, b, t), R.sbg_retention(a, b, t), "r " + what)
        assert_close(ks.discounted_expected_lifetime(a, b, d), R.sbg_del(a, b, d), "DEL " + what)
        assert_close(ks.derl(a, b, d, n), R.sbg_derl(a, b, d, n), "DERL " + what)
        assert_close(ks.retention_elasticity(a, b, d, n), R.sbg_elasticity(a, b, d, n), "elasticity " + what)
        pp, q, g = draw_shape(rng), draw_shape(rng), draw_shape(rng)
        x = int(rng.integers(0, 501))
        m = float(10 ** rng.uniform(-2, 4)) if x > 0 else 0.0
        ref = R.gg_expected_spend(pp, q, g, x, m)
        got = float(kg.expected_spend(pp, q, g, x, m))
        if ref > 0:
            assert_close(got, ref, f"E[Z] p={pp} q={q} γ={g} x={x} m={m}")
        else:  # q + p x <= 1: no finite mean
            assert np.isinf(got)
    for _ in range(N_DRAWS):
        k = int(rng.integers(1, 6))
        P = rng.dirichlet(np.full(k, 10 ** rng.uniform(-2, 1)), size=k)
        if rng.random() < 0.5:  # states that are rarely left
            stay = 1 - 10 ** rng.uniform(-8, -1, size=k)
            P = P * (1 - stay)[:, None]
            P[np.arange(k), np.arange(k)] += stay
        P = P / P.sum(axis=1, keepdims=True)
        Rw = rng.uniform(0, 100, size=k)
        d = float(10 ** rng.uniform(-9, 0.5))
        h = None if rng.random() < 0.6 else int(10 ** rng.uniform(0, 3.5))
        inc = bool(rng.random() < 0.7)
        got = MarkovChain(P).value(Rw, d, h, include_current=inc).to_numpy()
        for gi, ri in zip(got, R.markov_value(P.tolist(), Rw.tolist(), d, h, inc)):
            assert_close(gi, ri, f"Markov k={k} d={d} T={h} current={inc}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_sweep_log_integral(seed):
    """The integrator against mpmath quadrature of the same integral, over the whole family."""
    import mpmath as mp
    rng = np.random.default_rng(4400 + seed)
    for _ in range(15):
        lg = lambda a, b: float(10 ** rng.uniform(a, b))  # noqa: E731
        p = lg(-2, 4)
        c1 = lg(-2, 4) + (p if rng.random() < 0.5 else 0.0)
        c2 = lg(-2, 4) if rng.random() < 0.6 else 0.0
        a2 = lg(-8, 4) if rng.random() < 0.9 else 0.0
        b2, z = lg(-4, 4), (lg(-9, 2) if rng.random() < 0.5 else 0.0)
        lo = -np.inf if rng.random() < 0.6 else float(rng.uniform(-20, 10))
        hi = np.inf if rng.random() < 0.5 else (lo if np.isfinite(lo) else -20.0) + lg(-3, 1.5)
        if not np.isfinite(hi) and z == 0 and p >= c1 + c2:
            c1 = p + lg(-2, 3)
        got = float(log_integral(p, c1, c2, a2, b2, z, lo, hi))
        with mp.workdps(30):
            P_, C1, C2, A2, B2, Z = (mp.mpf(v) for v in (p, c1, c2, a2, b2, z))

            def phi(u):
                e = mp.exp(u)
                return P_ * u - C1 * mp.log1p(e) - C2 * mp.log(A2 + B2 * e) - Z * e

            def dphi(u):
                e = mp.exp(u)
                return P_ - C1 * e / (1 + e) - C2 * B2 * e / (A2 + B2 * e) - Z * e
            ref = float(R._logconcave_quad(phi, dphi, mp.mpf(lo) if np.isfinite(lo) else None,
                                           mp.mpf(hi) if np.isfinite(hi) else None))
        # log-space: the absolute error is the relative error of the integral; rounding of
        # φ itself (|p u| up to ~1e5) allows ~1e-11
        assert abs(got - ref) <= 1e-10, (p, c1, c2, a2, b2, z, lo, hi, got, ref)


def test_no_runtime_warnings_from_the_kernels_on_the_grid():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kp.dert(WEEKLY, 0.553, 10.578, 1500.0, 2500.0, [0, 2], [0.0, 30.43], [38.86, 38.86])
        kb.dert(0.1, 1.2, 0.75, 150.0, 450.0, [0, 3], [0, 4], [6, 6])
        kb.conditional_expected_purchases(5, 1.2, 0.75, 150.0, 450.0, [0, 3], [0, 4], [6, 6])
