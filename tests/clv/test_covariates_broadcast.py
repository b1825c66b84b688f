"""Static covariates, continuous: the BG/NBD and MBG/NBD predictions take each customer's own
(α_i, a_i, b_i) in one broadcasting kernel call (no loop over covariate profiles), and the
Pareto/NBD likelihood with one α_i, β_i per customer runs through the fused series kernel.

References: the scalar kernels evaluated customer by customer at each customer's parameters
(few customers); the per-row quadrature of the Pareto/NBD integral; and the speed of a
1e5-customer prediction call.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo, ModifiedBetaGeo
from custvalue.math import betageo as bgk
from custvalue.math import modbetageo as mbgk
from custvalue.math import paretonbd as pk
from custvalue.math import special
from custvalue.math.dert import continuous_dert, continuous_rate
from custvalue.math.special import digamma_diff, lgamma_ratio, trigamma_diff
from custvalue.simulate import simulate_betageo_covariates, simulate_modbetageo_covariates

FAMILY = {
    "bg": (BetaGeo, bgk, simulate_betageo_covariates, dict(r=0.25, alpha=4.0, a=0.8, b=2.5)),
    "mbg": (ModifiedBetaGeo, mbgk, simulate_modbetageo_covariates, dict(r=0.5, alpha=6.0, a=0.9, b=3.0)),
}
COLS = ["channel", "score"]


def _base(which: str, n: int, seed: int) -> pd.DataFrame:
    _, _, sim, truth = FAMILY[which]
    rng = np.random.default_rng(seed)
    Z = pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float), "score": rng.normal(size=n)})
    return sim(Z, **truth, T=rng.uniform(20.0, 52.0, n).round(1), purchase_coefficients={"channel": 0.5, "score": -0.2},
               dropout_coefficients={"channel": -0.6, "score": 0.3}, seed=seed + 1)


@pytest.fixture(scope="module", params=["bg", "mbg"])
def fitted(request):
    model = FAMILY[request.param][0]
    res = model(purchase_covariates=COLS, dropout_covariates=COLS).fit(_base(request.param, 3000, 3))
    return request.param, res


def _own(res, frame):
    p = res.params
    eta_p = sum(p[f"purchase.{c}"] * frame[c].to_numpy() for c in COLS)
    eta_d = sum(p[f"dropout.{c}"] * frame[c].to_numpy() for c in COLS)
    return p["r"], p["alpha"] * np.exp(-eta_p), p["a"] * np.exp(eta_d), p["b"] * np.exp(eta_d)


def test_predictions_equal_the_scalar_kernel_customer_by_customer(fitted):
    which, res = fitted
    kern = FAMILY[which][1]
    head = _base(which, 7, 11)
    assert head["score"].nunique() == 7  # a continuous covariate: every customer a profile of their own
    r, al, a, b = _own(res, head)
    x, tx, T = (head[c].to_numpy() for c in ("frequency", "recency", "T"))
    hs = np.array([5.0, 39.0, 104.0])
    ns = np.arange(4.0)
    rows = list(zip(al, a, b, x, tx, T))
    ref_e = np.array([kern.conditional_expected_purchases(hs, r, q1, q2, q3, xi, ti, Ti)
                      for q1, q2, q3, xi, ti, Ti in rows])
    np.testing.assert_allclose(res.expected_purchases(head, horizon=hs).to_numpy(), ref_e, rtol=1e-11)
    ref_n = np.array([kern.expected_purchases_new_customer(hs, r, q1, q2, q3) for q1, q2, q3, *_ in rows])
    np.testing.assert_allclose(res.expected_purchases_new_customer(hs, data=head).to_numpy(), ref_n, rtol=1e-11)
    ref_p = np.array([kern.probability_of_purchases(ns, 39.0, r, q1, q2, q3) for q1, q2, q3, *_ in rows])
    np.testing.assert_allclose(res.probability_of_purchases(ns, 39.0, data=head).to_numpy(), ref_p, rtol=1e-11)
    ref_c = np.array([kern.conditional_probability_of_purchases(ns, 39.0, r, q1, q2, q3, xi, ti, Ti)
                      for q1, q2, q3, xi, ti, Ti in rows])
    np.testing.assert_allclose(res.conditional_probability_of_purchases(ns, 39.0, head).to_numpy(), ref_c,
                               rtol=1e-11)
    delta = float(continuous_rate(0.01))
    ref_d = [continuous_dert(lambda t, q=q: kern.conditional_expected_purchases(
        np.asarray(t)[None, :], r, *q[:3], *(np.array([[v]]) for v in q[3:])), delta,
        scale=kern.time_scale(r, *q))[0] for q in rows]
    # the model's quadrature refines its panels to the smallest time scale of all customers
    np.testing.assert_allclose(res.dert(head, discount_rate=0.01).to_numpy(), ref_d, rtol=1e-8)


@pytest.mark.parametrize("which", ["bg", "mbg"])
def test_per_row_dropout_mean_kernel_equals_rows_one_at_a_time(which):
    rng = np.random.default_rng(2)
    n = 300
    a = rng.uniform(0.2, 5.0, n)
    b = rng.uniform(0.3, 8.0, n)
    x = rng.integers(0, 30, n).astype(float)
    base = rng.uniform(1.0, 80.0, n)
    r = 0.7
    t = np.array([[0.5, 20.0, 300.0, 4000.0]])
    shift = 0.0 if which == "bg" else 1.0
    C = a + b + x - 1.0 + shift
    A = a + b - 1.0 - r + shift
    got = special.geometric_dropout_mean(t, base, a, A, C, C, x=x, s0=r, beta0=b + shift)
    ref = np.vstack([special.geometric_dropout_mean(t, [base[i]], a[i], A[i], [C[i]], [C[i]], x=[x[i]], s0=r,
                                                    beta0=b[i] + shift) for i in range(n)])
    np.testing.assert_allclose(got, ref, rtol=1e-13)


@pytest.mark.parametrize("which", ["bg", "mbg"])
def test_a_1e5_customer_prediction_is_one_fast_call(which):
    model, _, _, truth = FAMILY[which]
    res = model(purchase_covariates=COLS, dropout_covariates=COLS).fit(_base(which, 2000, 4))
    big = _base(which, 100_000, 5)
    res.expected_purchases(big.head(200), horizon=39.0)  # compiled
    res.expected_purchases(big, horizon=39.0)  # the parallel twin compiled
    t0 = time.perf_counter()
    e = res.expected_purchases(big, horizon=39.0)
    took = time.perf_counter() - t0
    assert e.shape == (100_000,) and np.isfinite(e).all()
    assert took < 5.0  # measured 0.1 s on 2 busy cores; a loop over profiles took minutes


@pytest.mark.parametrize("r, s, log_alpha, log_beta, spread", [
    (0.55, 0.61, np.log(10.58), np.log(11.67), 0.7),   # CDNOW-like, α_i and β_i close
    (0.55, 0.61, np.log(10.58), np.log(11.67), 2.5),   # ratios up to e^±5: some rows to the quadrature
    (2.0, 0.3, 0.0, np.log(5.0), 1.0),
    (0.2, 3.0, np.log(50.0), np.log(0.8), 1.0),
    (0.55, 0.61, np.log(10.0), np.log(900.0), 0.5),   # β/α ~ 90: z near 0.99
])
def test_pareto_per_row_series_kernel_equals_the_quadrature(r, s, log_alpha, log_beta, spread):
    """The fused series kernel with one α_i, β_i per row (the fit with continuous covariates)
    against the per-row quadrature of A (``_quadrature._log_A_row``, the previous path):
    log-likelihood, P(alive), gradient and Hessian in (r, log α_i, s, log β_i)."""
    from custvalue.math.paretonbd import _covariates as pc

    rng = np.random.default_rng(8)
    n = 3000
    T = rng.uniform(27, 39, n).round(1)
    x = rng.poisson(1.5, n).astype(float)
    x[:12] = [0, 0, 1, 2, 5, 50, 200, 300, 0, 1, 3, 7]
    tx = np.where(x > 0, T * rng.uniform(0, 1, n).round(2), 0.0)
    tx[20:30] = T[20:30]  # t_x = T: no integral
    z = rng.normal(size=n)
    la = log_alpha - spread * z
    lb = log_beta + spread * rng.normal(size=n)
    ll, g, h, p1 = pk.individual_loglike(r, s, la, lb, x, tx, T, hess=True)
    xu, idx = np.unique(x, return_inverse=True)
    lv_const = lgamma_ratio(r, xu)
    lv_dr = digamma_diff(r, xu)
    lv_trig = trigamma_diff(r, xu)
    ref = [np.empty(n), np.empty((n, 4)), np.empty((n, 10)), np.empty(n)]
    with np.errstate(all="ignore"):
        pc._individual_rows(r, s, la, lb, x, tx, T, idx.astype(np.int64), lv_const, lv_dr, lv_trig, True,
                            ref[0], ref[1], ref[2], ref[3])
    for got, want in zip((ll, g, h, p1), ref):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())


@pytest.mark.parametrize("shift", [0, 1])
def test_bgnbd_per_row_hessian_equals_the_scalar_kernel_row_by_row(shift):
    """The per-row Hessian of :func:`custvalue.math.betageo.individual_loglike` in
    (r, log α_i, log a_i, log b_i) against the scalar kernel's exact Hessian
    (``weighted_loglike_score_hessian``, natural parameters) of each row alone, moved to the
    log scales: ``H_log = D H D + diag(D g)``, ``D = diag(1, α, a, b)``."""
    rng = np.random.default_rng(5)
    n = 24
    r = 0.7
    al, a, b = rng.uniform(0.5, 20.0, n), rng.uniform(0.2, 5.0, n), rng.uniform(0.3, 9.0, n)
    T = rng.uniform(20.0, 52.0, n)
    x = rng.integers(0, 12, n).astype(float)
    x[:3] = [0.0, 0.0, 40.0]
    tx = np.where(x > 0, T * rng.uniform(0.05, 1.0, n), 0.0)
    tx[3] = T[3] if x[3] > 0 else tx[3]
    ll, g, h = bgk.individual_loglike(r, np.log(al), np.log(a), np.log(b), x, tx, T, shift=shift, hess=True)
    ll2, g2 = bgk.individual_loglike(r, np.log(al), np.log(a), np.log(b), x, tx, T, shift=shift)
    np.testing.assert_array_equal(ll, ll2)
    np.testing.assert_array_equal(g, g2)
    tri = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)]
    for i in range(n):
        _, gi, Hi = bgk.weighted_loglike_score_hessian(r, al[i], a[i], b[i], x[i:i + 1], tx[i:i + 1], T[i:i + 1],
                                                       np.ones(1), shift=shift)
        D = np.array([1.0, al[i], a[i], b[i]])
        ref = D[:, None] * Hi * D[None, :] + np.diag(np.r_[0.0, (D * gi)[1:]])
        np.testing.assert_allclose(D * gi, g[i], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose([h[i, j] for j in range(10)], [ref[p, q] for p, q in tri], rtol=1e-9,
                                   atol=1e-10 * np.abs(ref).max())
