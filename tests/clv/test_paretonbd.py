"""Pareto/NBD: published CDNOW estimates, the R BTYD vignette, lifetimes, mpmath and recovery."""


import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import ParetoNBDFitter

from custvalue.clv import ParetoNBD
from custvalue.exceptions import DataError, HeterogeneityWarning
from custvalue.math import paretonbd as k
from custvalue.simulate.btyd import simulate_paretonbd
from tests.conftest import IN_CI
from tests.reference import btyd_family as ref


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return ParetoNBD().fit(cdnow_summary)


@pytest.fixture(scope="module")
def peer(fitted):
    f = ParetoNBDFitter()
    f.params_ = pd.Series(fitted.params.to_numpy(), index=["r", "alpha", "s", "beta"])
    return f


def _mp_loglike(r, alpha, s, beta, x, t_x, T):
    """Independent closed form (FH05 eqs. 18-21) in 50-digit arithmetic with mpmath's 2F1."""
    with mp.workdps(50):  # mpmath's precision is global: set here only
        r, alpha, s, beta, x, t_x, T = (mp.mpf(v) for v in (r, alpha, s, beta, x, t_x, T))
        M, m = max(alpha, beta), min(alpha, beta)
        kk = s + 1 if alpha >= beta else r + x
        a = r + s + x

        def G(t):
            return (M + t) ** (-a) / a * mp.hyp2f1(a, kk, a + 1, (M - m) / (M + t))

        L = (mp.exp(mp.loggamma(r + x) - mp.loggamma(r)) * alpha ** r * beta ** s
             * ((alpha + T) ** (-(r + x)) * (beta + T) ** (-s) + s * (G(t_x) - G(T))))
        return float(mp.log(L))


def test_published_cdnow_estimates(fitted):
    for name, v in ref.PARETONBD_CDNOW.items():
        assert fitted.params[name] == pytest.approx(v, rel=2e-3), name
    assert fitted.llf == pytest.approx(ref.PARETONBD_CDNOW_LL, abs=0.05)
    assert fitted.converged


def test_btyd_vignette_conditional_expectation(fitted):
    c = ref.BTYD_VIGNETTE
    e = fitted.expected_purchases(frequency=[c["frequency"]], recency=[c["recency"]], T=[c["T"]],
                                  horizon=c["horizon"])
    assert e.iloc[0] == pytest.approx(c["expected"], abs=0.005)


def test_loglike_matches_lifetimes(cdnow_summary, fitted):
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    p = fitted.params.to_numpy()
    ours = k.loglike(*p, x, tx, T)
    theirs = ParetoNBDFitter._conditional_log_likelihood(p, x, tx, T)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_predictions_match_lifetimes(cdnow_summary, fitted, peer):
    d = cdnow_summary
    np.testing.assert_allclose(fitted.p_alive(d).to_numpy(),
                               peer.conditional_probability_alive(d["frequency"], d["recency"], d["T"]),
                               rtol=1e-8)
    for h in (1.0, 39.0, 78.0):
        np.testing.assert_allclose(
            fitted.expected_purchases(d, horizon=h).to_numpy(),
            peer.conditional_expected_number_of_purchases_up_to_time(h, d["frequency"], d["recency"], d["T"]),
            rtol=1e-8)
    t = np.array([1.0, 10.0, 39.0, 100.0])
    np.testing.assert_allclose(fitted.expected_purchases_new_customer(t).to_numpy(),
                               peer.expected_number_of_purchases_up_to_time(t), rtol=1e-10)


def test_fit_matches_lifetimes_fit_llf(cdnow_summary, fitted):
    # lifetimes' own fit (Nelder-Mead) reaches the same optimum (or a worse one), never better.
    f = ParetoNBDFitter().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    p = f.params_[["r", "alpha", "s", "beta"]].to_numpy()
    theirs = k.loglike(*p, *(cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))).sum()
    assert fitted.llf >= theirs - 1e-6
    np.testing.assert_allclose(p, fitted.params.to_numpy(), rtol=2e-2)


@pytest.mark.parametrize("params,row", [
    ((0.553, 10.58, 0.606, 11.67), (250, 38.5, 38.86)),     # heavy buyer, x > 200
    ((0.553, 10.58, 0.606, 11.67), (1000, 38.0, 38.86)),
    ((0.5, 1.0, 1.2, 30.0), (300, 10.0, 39.0)),             # alpha << beta
    ((2.0, 40.0, 0.3, 2.0), (500, 30.0, 39.0)),             # alpha >> beta (z = 0.93: hyp2f1 branch)
    ((1.0, 5.0, 1.0, 5.0), (3, 20.0, 20.0)),                # alpha == beta and t_x == T
    ((1.0, 5.0, 1.0, 5.0), (300, 20 - 1e-9, 20.0)),         # t_x just below T
    ((0.5, 0.5, 0.5, 50.0), (0, 0.0, 39.0)),
    ((5.0, 2.0, 5.0, 0.125), (161, 0.0, 1.0)),            # z = 0.94 and integer c-a-b: scipy's 2F1 is NaN
])
def test_loglike_extreme_rows_against_mpmath(params, row):
    assert float(k.loglike(*params, *row)) == pytest.approx(_mp_loglike(*params, *row), rel=1e-11, abs=1e-11)


def test_score_matches_finite_differences(cdnow_summary):
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    for p in ([0.55, 10.6, 0.61, 11.7], [0.55, 11.7, 0.61, 10.6], [0.5, 1.0, 1.2, 30.0], [2.0, 40.0, 0.3, 2.0]):
        p = np.array(p)
        g = k.score(*p, x, tx, T).sum(axis=0)
        num = np.empty(4)
        for j in range(4):
            hp, hm = p.copy(), p.copy()
            hp[j] *= 1 + 1e-6
            hm[j] *= 1 - 1e-6
            num[j] = (k.loglike(*hp, x, tx, T).sum() - k.loglike(*hm, x, tx, T).sum()) / (2e-6 * p[j])
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-4)


def test_probability_of_purchases_against_numerical_integration():
    r, alpha, s, beta, t = 0.55, 10.58, 0.61, 11.67, 20.0

    def direct(n):
        # P(X(t)=n) = E[Pois(n; λt) 1(τ>t)] + ∫_0^t f(τ) E[Pois(n; λτ)] dτ (gamma mixtures).
        nb = lambda u: mp.exp(mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)) * (alpha / (alpha + u)) ** r * (u / (alpha + u)) ** n
        with mp.workdps(30):  # mpmath's precision is global: set here only
            alive = nb(t) * (beta / (beta + t)) ** s
            dead = mp.quad(lambda u: s / beta * (beta / (beta + u)) ** (s + 1) * nb(u), [0, t])
            return float(alive + dead)

    n = np.arange(6)
    ours = k.probability_of_purchases(n, t, r, alpha, s, beta)
    np.testing.assert_allclose(ours, [direct(int(i)) for i in n], rtol=1e-8)
    total = k.probability_of_purchases(np.arange(400), t, r, alpha, s, beta).sum()
    assert total == pytest.approx(1.0, abs=1e-8)




def test_parameter_recovery():
    n = 4000 if IN_CI else 10000
    true = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
    rng = np.random.default_rng(11)
    d = simulate_paretonbd(n, **true, T=rng.uniform(27, 39, n), seed=rng)
    res = ParetoNBD().fit(d)
    z = (res.params - pd.Series(true)) / res.bse
    assert (z.abs() < 4).all(), z
    assert res.converged


def test_recovery_alpha_equals_beta_and_heavy_buyers():
    true = {"r": 2.0, "alpha": 2.0, "s": 0.8, "beta": 2.0}
    d = simulate_paretonbd(3000, **true, T=40.0, seed=5)
    assert d["frequency"].max() > 100
    res = ParetoNBD().fit(d)
    z = (res.params - pd.Series(true)) / res.bse
    assert (z.abs() < 4).all(), z


def test_large_subsampled_start_gives_same_optimum():
    d = simulate_paretonbd(6000, r=0.55, alpha=10.58, s=0.61, beta=11.67, T=np.linspace(20, 39, 6000), seed=3)
    m = ParetoNBD(d)
    assert m.n_unique > 3000          # the start comes from the subsample fit
    a = m.fit()
    b = m.fit(start_params=[1.0, 5.0, 1.0, 5.0])
    np.testing.assert_allclose(a.params, b.params, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(x=st.integers(0, 2000), frac=st.floats(0, 1), T=st.floats(0.5, 500),
       r=st.floats(0.05, 5), alpha=st.floats(0.1, 50), s=st.floats(0.05, 5), beta=st.floats(0.1, 50))
def test_p_alive_and_loglike_finite_for_any_history(x, frac, T, r, alpha, s, beta):
    t_x = frac * T if x > 0 else 0.0
    ll = k.loglike(r, alpha, s, beta, x, t_x, T)
    pa = k.p_alive(r, alpha, s, beta, x, t_x, T)
    assert np.isfinite(ll).all()
    assert np.all((pa >= 0) & (pa <= 1))
    e = k.conditional_expected_purchases(10.0, r, alpha, s, beta, x, t_x, T)
    assert np.isfinite(e).all() and np.all(e >= 0)


def test_scalar_equals_vector(cdnow_summary, fitted):
    d = cdnow_summary.iloc[:5]
    vec = fitted.p_alive(d)
    for i, (cid, row) in enumerate(d.iterrows()):
        one = fitted.p_alive(frequency=row["frequency"], recency=row["recency"], T=row["T"])
        assert one.iloc[0] == pytest.approx(vec.iloc[i], rel=1e-12)
    assert vec.index.equals(d.index)


def test_bad_input_errors():
    with pytest.raises(DataError, match="recency must be <= T"):
        ParetoNBD().fit(frequency=[1, 2], recency=[5.0, 50.0], T=[10.0, 40.0])
    with pytest.raises(DataError, match="frequency must be >= 0"):
        ParetoNBD(frequency=[-1], recency=[0.0], T=[3.0])
    with pytest.raises(DataError, match="finite"):
        ParetoNBD(frequency=[1.0], recency=[np.nan], T=[3.0])


# ---- the fused compiled kernel against the reference formulation -------------------------

_HARD_PARAMS = [
    (0.553, 10.58, 0.606, 11.67),     # CDNOW: alpha < beta, z small
    (0.553, 11.67, 0.606, 10.58),     # alpha > beta
    (1.0, 5.0, 1.0, 5.0),             # alpha == beta: z = 0
    (0.5, 1.0, 1.2, 30.0),            # alpha << beta: z up to 0.97 (coefficients inline)
    (2.0, 40.0, 0.3, 2.0),            # alpha >> beta: z up to 0.95
    (0.5, 0.5, 0.5, 80.0),            # z up to 0.994: rows with t_x < 0.3 go to the quadrature
    (0.05, 3.0, 4.0, 0.5),            # small r, large s
    (0.5, 0.01, 0.5, 50.0),           # z(0) = 0.9998: every row with t_x < T to the quadrature
]


def _hard_rows():
    """Heavy buyers, t_x == T, t_x just below T, t_x == 0 with x > 0, x = 0, tiny t_x."""
    rows = [(0, 0.0, 39.0), (0, 0.0, 0.5), (1, 0.0, 39.0), (3, 20.0, 20.0), (300, 20 - 1e-9, 20.0),
            (250, 38.5, 38.86), (1000, 38.0, 38.86), (500, 30.0, 39.0), (2, 0.01, 39.0), (2, 0.2, 39.0),
            (7, 1.5, 3.0), (40, 39.0, 39.0), (161, 0.5, 1.0), (1, 1e-6, 1e-5), (12, 5.0, 300.0)]
    x, t_x, T = (np.array(c, dtype=float) for c in zip(*rows))
    return x, t_x, T


@pytest.mark.parametrize("params", _HARD_PARAMS)
def test_fused_kernel_equals_reference_on_hard_rows(params):
    x, t_x, T = _hard_rows()
    ll, sc = k.loglike_and_score(*params, x, t_x, T)
    const, _, lse, g_ref = k._reference._parts(*params, x, t_x, T, grad=True)
    np.testing.assert_allclose(ll, const + lse, rtol=1e-12, atol=1e-12)
    # the reference differentiates scipy's 2F1 numerically for z > 0.9 (about 1e-10 relative)
    np.testing.assert_allclose(sc, g_ref, rtol=1e-7, atol=1e-8 * np.abs(g_ref).max())
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(sc))


@pytest.mark.parametrize("params", _HARD_PARAMS)
def test_fused_kernel_against_mpmath(params):
    x, t_x, T = _hard_rows()
    ours = k.loglike(*params, x, t_x, T)
    for i in (0, 2, 3, 4, 6, 8, 10, 12, 13):
        assert ours[i] == pytest.approx(_mp_loglike(*params, x[i], t_x[i], T[i]), rel=1e-11, abs=1e-11)


def _fd_hessian(p, x, t_x, T, w, rel=1e-5):
    num = np.empty((4, 4))
    for j in range(4):
        hp, hm = p.copy(), p.copy()
        h = rel * p[j]
        hp[j] += h
        hm[j] -= h
        num[:, j] = (k.weighted_loglike_and_score(*hp, x, t_x, T, w)[1]
                     - k.weighted_loglike_and_score(*hm, x, t_x, T, w)[1]) / (2 * h)
    return num


@pytest.mark.parametrize("params", _HARD_PARAMS[:5] + [(0.55, 10.6, 0.61, 10.6 * (1 + 1e-9))])
def test_hessian_matches_finite_differences(cdnow_summary, params):
    x, t_x, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    hx, ht, hT = _hard_rows()
    x, t_x, T = np.concatenate([x, hx]), np.concatenate([t_x, ht]), np.concatenate([T, hT])
    w = np.random.default_rng(0).integers(1, 4, x.size).astype(float)
    p = np.array(params)
    ll, g, H = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    ll2, g2 = k.weighted_loglike_and_score(*p, x, t_x, T, w)
    assert ll == ll2
    np.testing.assert_array_equal(g, g2)
    np.testing.assert_allclose(H, H.T, rtol=0, atol=0)
    np.testing.assert_allclose(H, _fd_hessian(p, x, t_x, T, w), rtol=1e-6, atol=1e-6 * np.abs(H).max())


@pytest.mark.parametrize("params", _HARD_PARAMS[5:])
def test_hessian_of_quadrature_rows_is_close(params):
    # alpha and beta over 100 times apart: rows with z > 0.99 take the quadrature, whose
    # Hessian is analytic too; against central differences of the gradient
    x, t_x, T = _hard_rows()
    p = np.array(params)
    w = np.ones(x.size)
    _, _, H = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    np.testing.assert_allclose(H, H.T, rtol=0, atol=0)
    np.testing.assert_allclose(H, _fd_hessian(p, x, t_x, T, w, rel=1e-5), rtol=1e-5, atol=1e-5 * np.abs(H).max())


def test_weighted_sums_equal_row_sums_and_do_not_depend_on_threads(monkeypatch):
    rng = np.random.default_rng(2)
    d = simulate_paretonbd(3000, r=0.55, alpha=10.58, s=0.61, beta=11.67, T=rng.uniform(5, 39, 3000), seed=rng)
    x, t_x, T = (d[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = rng.integers(1, 5, x.size).astype(float)
    p = (0.5, 9.0, 0.7, 14.0)
    ll_rows, sc_rows = k.loglike_and_score(*p, x, t_x, T)
    ll, g = k.weighted_loglike_and_score(*p, x, t_x, T, w)
    assert ll == pytest.approx(w @ ll_rows, rel=1e-13)
    np.testing.assert_allclose(g, w @ sc_rows, rtol=1e-12)
    serial = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    monkeypatch.setattr(k._fused, "_PARALLEL_ROWS", 0)
    parallel = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    assert serial[0] == parallel[0]                      # fixed row blocks: bitwise the same
    np.testing.assert_array_equal(serial[1], parallel[1])
    np.testing.assert_array_equal(serial[2], parallel[2])


def test_data_levels_for_whole_and_fractional_frequencies():
    for x in ([3.0, 0.0, 3.0, 7.0], [0.5, 0.0, 0.5, 7.25]):
        xu, idx, tmin = k.data_levels(x, [4.0, 0.0, 2.0, 9.0])
        np.testing.assert_array_equal(xu[idx], x)
        np.testing.assert_array_equal(tmin, [0.0, 2.0, 9.0])


def test_invalid_parameters_give_nan():
    ll, g = k.weighted_loglike_and_score(np.inf, 1.0, 1.0, 1.0, np.array([1.0]), np.array([1.0]),
                                         np.array([2.0]), np.ones(1))
    assert np.isnan(ll) and np.isnan(g).all()


def test_model_hessian_is_analytic_and_matches_numerical(cdnow_summary, fitted):
    from custvalue.base import numerical_jacobian

    model = fitted.model
    p = fitted.params.to_numpy()
    num = numerical_jacobian(lambda q: model.loglike_and_score(q)[1], p, rel_step=1e-5)
    np.testing.assert_allclose(model.hessian(p), 0.5 * (num + num.T), rtol=1e-6)
    ll, g, H = model.loglike_score_hessian(p)
    assert ll == pytest.approx(fitted.llf, abs=1e-8)
    assert np.all(np.linalg.eigvalsh(H) < 0)
    # the per-row outputs (OPG and robust covariances) still work
    assert model.score_obs(p).shape == (model.n_unique, 4)
    res = ParetoNBD().fit(cdnow_summary, cov_type="robust")
    assert np.all(np.isfinite(res.bse))


def test_newton_and_bfgs_reach_the_same_optimum(cdnow_summary, fitted):
    """The trust-region Newton fit (exact Hessian) against the base class's BFGS path with
    the Hessian from differences of the gradient."""

    class ParetoNBDBFGS(ParetoNBD):
        analytic_hessian = False

    bfgs = ParetoNBDBFGS().fit(cdnow_summary)
    np.testing.assert_allclose(fitted.params, bfgs.params, rtol=2e-5)
    np.testing.assert_allclose(fitted.bse, bfgs.bse, rtol=1e-4)
    assert fitted.llf == pytest.approx(bfgs.llf, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(r=st.floats(0.05, 5), alpha=st.floats(0.1, 50), s=st.floats(0.05, 5), beta=st.floats(0.1, 50),
       seed=st.integers(0, 2**16))
def test_hessian_equals_differences_of_the_gradient_for_any_parameters(r, alpha, s, beta, seed):
    rng = np.random.default_rng(seed)
    n = 40
    T = rng.uniform(0.5, 60, n)
    x = np.where(rng.random(n) < 0.4, 0, rng.geometric(0.1, n)).astype(float)
    t_x = np.where(x > 0, T * rng.random(n) ** 0.3, 0.0)
    t_x[:3] = np.where(x[:3] > 0, T[:3], 0.0)            # some customers bought at T
    w = rng.integers(1, 4, n).astype(float)
    p = np.array([r, alpha, s, beta])
    ll, g, h = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    assert np.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))
    hn = _fd_hessian(p, x, t_x, T, w, rel=1e-5)
    scale = np.sqrt(np.outer(np.abs(np.diag(hn)), np.abs(np.diag(hn))))
    noise = 1e-7 * (np.abs(hn).max() + np.abs(g).max() + 1.0)     # differencing error
    far = max(alpha, beta) > 100 * min(alpha, beta)               # reference rows: differenced Hessian
    tol = (1e-3 if far else 1e-5) * scale + 1e-6 * np.abs(hn) + noise
    assert np.all(np.abs(h - hn) <= tol)


# -- α and β far apart (z > 0.99): the quadrature ---------------------------------------------
_FAR_PARAMS = [(0.5, 10.0, 3.0, 3000.0),          # β >> α
               (0.5, 2000.0, 0.7, 5.0),           # α >> β
               (0.51, 10.43, 6.9e4, 1.33e6)]      # a fit heading to s, β -> ∞ (homogeneous dropout)


def _mp_log_A(params, x, t_x, T):
    """log ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ in mpmath, panels crowded towards t_x
    (where a heavy buyer's integrand falls fastest)."""
    import mpmath

    r, al, s, be = (mpmath.mpf(v) for v in params)
    with mpmath.workdps(30):
        f = lambda tau: mpmath.exp(-(r + x) * mpmath.log(al + tau) - (s + 1) * mpmath.log(be + tau))  # noqa: E731
        pts = [t_x + (T - t_x) * (mpmath.mpf(j) / 200) ** 3 for j in range(201)]
        return mpmath.log(mpmath.quad(f, pts))


@pytest.mark.parametrize("params", _FAR_PARAMS)
def test_quadrature_log_A_and_p_alive_match_mpmath(params):
    x = np.array([0.0, 1.0, 7.0, 150.0, 1000.0, 3.0])
    t_x = np.array([0.0, 0.3, 20.0, 3.0, 0.5, 51.9])
    T = np.array([40.0, 39.0, 39.0, 30.0, 52.0, 52.0])
    n = x.size
    lA, dA, hA = np.empty(n), np.empty((n, 4)), np.empty((n, 4, 4))
    k._quadrature._log_A_quadrature(*params, x, t_x, T, lA, dA, hA)
    lA = lA - (params[0] + x) * np.log(params[1]) - params[2] * np.log(params[3])  # Ã = α^(r+x) β^s A
    pa = k.p_alive(*params, x, t_x, T)
    import mpmath

    r, s = params[0], params[2]
    for i in range(n):
        want = _mp_log_A(params, x[i], t_x[i], T[i])
        assert lA[i] == pytest.approx(float(want), rel=1e-13, abs=1e-11)
        with mpmath.workdps(30):
            l1 = (-(r + x[i]) * mpmath.log(params[1] + T[i]) - s * mpmath.log(params[3] + T[i]))
            want_pa = 1 / (1 + s * mpmath.exp(want - l1))
        # log A and l1 are each ~1e5 at the third point: their difference keeps ~1e-10
        assert pa[i] == pytest.approx(float(want_pa), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("params", _FAR_PARAMS)
def test_quadrature_gradient_and_hessian_equal_differences(params):
    x, t_x, T = _hard_rows()
    keep = t_x < T
    x, t_x, T = x[keep], t_x[keep], T[keep]
    p = np.array(params)
    w = np.ones(x.size)
    ll, g, H = k.weighted_loglike_score_hessian(*p, x, t_x, T, w)
    num = np.empty(4)
    for j in range(4):
        h = 1e-6 * p[j]
        hp, hm = p.copy(), p.copy()
        hp[j] += h
        hm[j] -= h
        num[j] = (k.weighted_loglike_and_score(*hp, x, t_x, T, w)[0]
                  - k.weighted_loglike_and_score(*hm, x, t_x, T, w)[0]) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7 * np.abs(g).max())
    np.testing.assert_allclose(H, _fd_hessian(p, x, t_x, T, w, rel=1e-5), rtol=1e-5,
                               atol=1e-5 * np.abs(H).max())


def _mp_log_A_scaled(params, x, t_x, T, n=60):
    """log Ã = log(α^(r+x) β^s ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ) in mpmath, in
    u = log(α+τ) (T up to 1e300), with extra panels where (1+τ/β)^-(s+1) collapses."""
    import mpmath

    r, al, s, be = (mpmath.mpf(v) for v in params)
    with mpmath.workdps(25):
        u0, u1 = mpmath.log(al + t_x), mpmath.log(al + T)

        def f(u):
            tau = mpmath.exp(u) - al
            return mpmath.exp(u + (r + x) * (mpmath.log(al) - u) - s * mpmath.log1p(tau / be) - mpmath.log(be + tau))

        uc = mpmath.log(al + be / (s + 1))
        grid = [u0 + (u1 - u0) * mpmath.mpf(j) / n for j in range(n + 1)]
        grid += [uc + mpmath.mpf(d) / 4 for d in range(-40, 21)]
        return mpmath.log(mpmath.quad(f, sorted(p for p in set(grid) if u0 <= p <= u1)))


@pytest.mark.parametrize("params", [(0.2783, 7.868, 1.1e6, 3.26e296),   # a fit running off on T = 1e300
                                    (0.5, 10.0, 2.0, 1e12), (2.0, 10.0, 1e4, 1e8),
                                    (0.5, 2e12, 0.7, 5.0)])
def test_quadrature_at_extreme_scales_and_horizons_matches_mpmath(params):
    """Panels follow the slope of the log-integrand where it is, not its largest value on the
    interval: with β >> α the slope at T ((s+1) (α+T)/(β+T), here up to 1e6) used to size
    every panel from t_x on, 3e8 panels for one row with T = 1e300, and a bad-input fit hung
    there. Each row now takes a few hundred panels; values against mpmath."""
    rows = [(1.0, 1.71, 1e300), (3.0, 20.0, 38.0), (0.0, 0.0, 1e300), (0.0, 0.0, 1e15), (40.0, 3.0, 39.0)]
    x, t_x, T = (np.array(c, float) for c in zip(*rows))
    n = x.size
    lA, dA, hA = np.empty(n), np.empty((n, 4)), np.empty((n, 4, 4))
    k._quadrature._log_A_quadrature(*params, x, t_x, T, lA, dA, hA)
    for i, row in enumerate(rows):
        assert lA[i] == pytest.approx(float(_mp_log_A_scaled(params, *row)), rel=1e-11, abs=1e-10), row
    assert np.all(np.isfinite(dA)) and np.all(np.isfinite(hA))


def test_fit_with_homogeneous_dropout_heads_to_large_s_and_beta_and_recovers_the_rate():
    """Every customer drops out at the same rate (s, β -> ∞ with s/β = μ): the fit walks
    towards large s and β, where every row has z near 1. It used to take minutes (series of
    10^5-10^6 terms per row); with the quadrature it finishes like any other fit and
    recovers r, α and the dropout rate s/β."""
    rng = np.random.default_rng(1)
    d = simulate_paretonbd(5000, r=0.5, alpha=10.0, s=1e4, beta=2e5, T=rng.uniform(20, 52, 5000), seed=3)
    with pytest.warns(HeterogeneityWarning, match=r"s/beta = 0\.05"):
        res = ParetoNBD().fit(d)
    assert res.params["s"] > 100 and res.params["beta"] > 1000
    assert res.params["s"] / res.params["beta"] == pytest.approx(0.05, rel=0.15)
    for name, truth in (("r", 0.5), ("alpha", 10.0)):
        assert abs(res.params[name] - truth) < 3 * res.bse[name], (name, res.params[name], res.bse[name])
    pa = res.p_alive(d)
    assert np.isfinite(pa).all() and ((pa >= 0) & (pa <= 1)).all()
