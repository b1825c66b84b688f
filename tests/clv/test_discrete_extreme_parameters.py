"""BG/BB and sBG kernels where a Beta mixing distribution degenerates: (α, β) or (γ, δ) run
off together at a fixed ratio (one transaction or dropout probability for everyone), as a
fit does on data drawn with a homogeneous p or θ.

References: the independent mpmath forms of ``tests/reference/mp_btyd_others.py`` (FHS 2010
eqs. 5, 7, 8, 13, 14; FH07 eqs. 6-8; FH10 eqs. 4, 6; evaluated at 30 to 200 digits until two
precisions agree), and, for gradients, mpmath's derivative of the log-likelihood written
here at 50 digits. Scales 1e2 to 1e14 of the pair, and the published (ordinary) parameters.
Before the log-gamma/beta/digamma differences of custvalue.math.special, betaln and psi
differences kept only ~1e-16 (α+β) absolute: the BG/BB log-likelihood erred by ~1e-5 at
1e11 and by ~0.1-1 at 1e14, DERT and the sBG DEL by up to their whole value.
"""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest

from custvalue.clv import BetaGeoBetaBinom, ShiftedBetaGeometric
from custvalue.exceptions import ConvergenceWarning
from custvalue.math import bgbb, sbg
from custvalue.simulate.btyd import simulate_bgbb
from tests.reference import mp_btyd_others as R


@pytest.fixture(autouse=True)
def _fifty_digits():
    """mpmath's precision is global (other modules set their own): 50 digits per test."""
    with mp.workdps(50):
        yield


SCALES = [1e2, 1e5, 1e8, 1e11, 1e14]
BGBB = (1.204, 0.750, 0.657, 2.783)  # FHS 2010, donations
PAIRS = {"ab": (0, 1), "gd": (2, 3), "both": (0, 1, 2, 3)}
GRID = [("ordinary", 1.0)] + [(pair, s) for s in SCALES for pair in PAIRS]
ROWS = [(0, 0, 6), (3, 5, 6), (6, 6, 6), (2, 4, 20), (7, 18, 20)]


def _scaled(pair, s):
    p = list(BGBB)
    for j in PAIRS.get(pair, ()):
        p[j] *= s
    return tuple(p)


def _rows():
    return (np.array([r[i] for r in ROWS], dtype=float) for i in range(3))


def _mp_bgbb_loglike(alpha, beta, gamma, delta, x, t_x, n):
    """log L of FHS eq. (5) at the current mpmath precision (for mp.diff)."""
    def lB(p, q):
        return mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q)
    lab, lgd = lB(alpha, beta), lB(gamma, delta)
    tot = mp.exp(lB(alpha + x, beta + n - x) - lab + lB(gamma, delta + n) - lgd)
    for i in range(int(n - t_x)):
        y = t_x + i
        tot += mp.exp(lB(alpha + x, beta + y - x) - lab + lB(gamma + 1, delta + y) - lgd)
    return mp.log(tot)


def _close(got, want, rel, abs_=0.0):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.abs(got - want)
    assert np.all(err <= rel * np.abs(want) + abs_), (got, want, err / np.maximum(np.abs(want), 1e-300))


@pytest.mark.parametrize("pair,s", GRID)
def test_bgbb_loglike_p_alive_and_expectations_when_a_pair_runs_off(pair, s):
    par = _scaled(pair, s)
    x, t_x, n = _rows()
    _close(bgbb.loglike(*par, x, t_x, n), [R.bgbb_loglike(*par, *r) for r in ROWS], 1e-13, 1e-13)
    _close(bgbb.p_alive(*par, x, t_x, n), [R.bgbb_p_alive(*par, *r) for r in ROWS], 1e-12, 1e-15)
    _close(bgbb.conditional_expected_purchases(5.0, *par, x, t_x, n),
           [R.bgbb_conditional_expected(5, *par, *r) for r in ROWS], 1e-12)
    _close(bgbb.expected_purchases_new_customer(np.array([1.0, 6.0, 40.0]), *par),
           [R.bgbb_expected_new(t, *par) for t in (1, 6, 40)], 1e-12)


@pytest.mark.parametrize("pair,s", GRID)
def test_bgbb_dert_when_a_pair_runs_off(pair, s):
    par = _scaled(pair, s)
    x, t_x, n = _rows()
    _close(bgbb.dert(0.1, *par, x, t_x, n), [R.bgbb_dert(0.1, *par, *r) for r in ROWS], 1e-12)
    _close(bgbb.dert(0.1, *par, x, t_x, n, horizon=10),
           [R.bgbb_dert(0.1, *par, *r, horizon=10) for r in ROWS], 1e-12)


@pytest.mark.parametrize("pair,s", [("ordinary", 1.0)] + [(p, s) for s in (1e5, 1e11, 1e14) for p in PAIRS])
def test_bgbb_purchase_count_probabilities_when_a_pair_runs_off(pair, s):
    par = _scaled(pair, s)
    k = np.arange(9.0)
    _close(bgbb.probability_of_purchases(k, 8, *par), [R.bgbb_probability(int(j), 8, *par) for j in k],
           1e-12, 1e-300)
    # conditional PMF: [k = 0] (1 - P(alive)) + P(alive) P(X(t) = k; α+x, β+n-x, γ, δ+n)
    x, t_x, n = 3, 5, 6
    pa = R.bgbb_p_alive(*par, x, t_x, n)
    post = (par[0] + x, par[1] + n - x, par[2], par[3] + n)
    want = [(1 - pa if j == 0 else 0.0) + pa * R.bgbb_probability(int(j), 5, *post) for j in k[:6]]
    _close(bgbb.conditional_probability_of_purchases(k[:6], 5, *par, x, t_x, n), want, 1e-12, 1e-300)


@pytest.mark.parametrize("pair,s", [("ordinary", 1.0), ("ab", 1e5), ("ab", 1e11), ("gd", 1e8), ("gd", 1e14),
                                    ("both", 1e11), ("both", 1e14)])
def test_bgbb_gradient_in_log_parameters_matches_mpmath_derivative(pair, s):
    par = _scaled(pair, s)
    x, t_x, n = _rows()
    g = bgbb.score(*par, x, t_x, n) * np.array(par)
    for i, row in enumerate(ROWS):
        th = [mp.log(mp.mpf(v)) for v in par]
        want = []
        for k in range(4):
            def f(u, k=k):
                q = [mp.exp(v) for v in th]
                q[k] = mp.exp(u)
                return _mp_bgbb_loglike(*q, *row)
            want.append(float(mp.diff(f, th[k])))
        _close(g[i], want, 1e-10, 1e-11)


# ---- sBG ---------------------------------------------------------------------------------
SBG = (0.704, 1.182)  # FH07, regular segment
SBG_GRID = [1.0] + SCALES


def _mp_sbg_loglike(a, b, t, censored):
    def lB(p, q):
        return mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q)
    return lB(a, b + t) - lB(a, b) if censored else lB(a + 1, b + t - 1) - lB(a, b)


@pytest.mark.parametrize("s", SBG_GRID)
def test_sbg_likelihood_survival_and_gradient_when_alpha_and_beta_run_off(s):
    a, b = SBG[0] * s, SBG[1] * s
    t = np.array([1.0, 2.0, 7.0, 30.0, 1.0, 7.0, 30.0])
    c = np.array([False, False, False, False, True, True, True])
    # log-gamma differences of size t log(a+b) cancel: 1e-16 t log(a+b) is their rounding
    _close(sbg.survival(a, b, t[:4]), [R.sbg_survival(a, b, v) for v in t[:4]], 3e-13)
    _close(sbg.churn_probability(a, b, t[:4]),
           [float(mp.exp(_mp_sbg_loglike(mp.mpf(a), mp.mpf(b), int(v), False))) for v in t[:4]], 3e-13)
    ll = sbg.loglike(a, b, t, c)
    _close(ll, [float(_mp_sbg_loglike(mp.mpf(a), mp.mpf(b), int(v), bool(w))) for v, w in zip(t, c)], 1e-13, 3e-13)
    g = sbg.score(a, b, t, c) * np.array([a, b])
    for i in range(t.size):
        la, lb = mp.log(mp.mpf(a)), mp.log(mp.mpf(b))
        want = [float(mp.diff(lambda u: _mp_sbg_loglike(mp.exp(u), mp.exp(lb), int(t[i]), bool(c[i])), la)),
                float(mp.diff(lambda u: _mp_sbg_loglike(mp.exp(la), mp.exp(u), int(t[i]), bool(c[i])), lb))]
        _close(g[i], want, 1e-10, 1e-12)


def _mp_survival_sum(a, b, d, n, weight):
    """Σ_j weight(j) S(n+1+j)/S(n) z^j (z = 1/(1+d)) term by term at 50 digits, until the
    rest (below term z/(1-z): each ratio (b+i)/(a+b+i) z < z) is below 1e-30 of the sum."""
    a, b, d = mp.mpf(a), mp.mpf(b), mp.mpf(d)
    z = 1 / (1 + d)
    s = (b + n) / (a + b + n)  # S(n+1)/S(n)
    tot, j = mp.mpf(0), 0
    while True:
        tot += weight(j) * s
        if s * z / (1 - z) * (j + 2) < mp.mpf(10) ** -30 * tot:
            return tot
        s *= (b + n + 1 + j) / (a + b + n + 1 + j) * z
        j += 1


def _mp_del(a, b, d):
    """DEL = Σ_{t>=0} S(t)/(1+d)^t, FH10 eq. (4) before its closed form."""
    return float(1 + _mp_survival_sum(a, b, d, 0, lambda j: 1) / (1 + mp.mpf(d)))


def _mp_derl(a, b, d, n):
    """DERL = Σ_{j>=0} S(n+1+j)/S(n) /(1+d)^j, FH10 eq. (6) before its closed form."""
    return float(_mp_survival_sum(a, b, d, n, lambda j: 1))


def _mp_elasticity(a, b, d, n):
    """d log DERL / d log(1-θ): term j of DERL carries (1-θ)^(j+1)."""
    return float(_mp_survival_sum(a, b, d, n, lambda j: j + 1) / _mp_survival_sum(a, b, d, n, lambda j: 1))


@pytest.mark.parametrize("s", SBG_GRID)
@pytest.mark.parametrize("d", [0.1, 0.01])
def test_sbg_del_derl_and_elasticity_when_alpha_and_beta_run_off(s, d):
    a, b = SBG[0] * s, SBG[1] * s
    _close(sbg.discounted_expected_lifetime(a, b, d), _mp_del(a, b, d), 1e-12)
    nr = np.array([0.0, 4.0, 100.0])
    _close(sbg.derl(a, b, d, nr), [_mp_derl(a, b, d, v) for v in nr], 1e-12)
    _close(sbg.retention_elasticity(a, b, d, nr), [_mp_elasticity(a, b, d, v) for v in nr], 1e-12)


# ---- fits that run a pair off -------------------------------------------------------------
def _fit_quietly(fit):
    """Run a fit; it must finish converged or say why (ConvergenceWarning)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = fit()
    warned = any(issubclass(w.category, ConvergenceWarning) for w in record)
    assert res.converged or warned
    return res


def test_bgbb_fit_with_a_homogeneous_transaction_probability():
    """p = 0.6 for everyone: alpha and beta run off together. The fit converges (before, BFGS
    stopped on rounding noise with a ConvergenceWarning at alpha ~ 4e6), the reported
    log-likelihood is the exact one at the estimate, and along the ray it runs off on (alpha,
    beta scaled up to 1e14) the model's log-likelihood stays the exact one (it had been up to
    250 above it at 1e13: a spurious optimum made of rounding)."""
    d = simulate_bgbb(20_000, alpha=0.6e9, beta=0.4e9, gamma=0.66, delta=2.8, n_periods=10, seed=5)
    model = BetaGeoBetaBinom(d[["frequency", "recency", "n_periods"]])
    res = _fit_quietly(lambda: model.fit())
    assert res.converged
    p = res.params.to_numpy()
    mean = p[0] / (p[0] + p[1])
    assert mean == pytest.approx(0.6, abs=0.01)
    rows = list(zip(*(model.data[c].astype(int) for c in ("frequency", "recency", "n_periods"))))

    def exact(q):
        return sum(float(w) * R.bgbb_loglike(*q, *r) for r, w in zip(rows, model.weights))
    assert res.llf == pytest.approx(exact(p), abs=1e-9 * abs(res.llf))
    for s in (1e8, 1e11, 1e14):
        q = np.array([mean * s, (1 - mean) * s, p[2], p[3]])
        assert model.loglike(q) == pytest.approx(exact(q), abs=1e-9 * abs(res.llf))


def test_sbg_fit_with_a_homogeneous_churn_probability():
    """θ = 0.3 for everyone (geometric durations): alpha and beta run off together; the fit
    converges and its log-likelihood, and the model's along the ray to 1e14, are exact."""
    rng = np.random.default_rng(11)
    T = rng.geometric(0.3, 20_000).astype(float)
    horizon = 8.0
    model = ShiftedBetaGeometric(duration=np.minimum(T, horizon), censored=T > horizon)
    res = _fit_quietly(lambda: model.fit())
    assert res.converged
    a, b = res.params.to_numpy()
    mean = a / (a + b)
    assert mean == pytest.approx(0.3, abs=0.01)
    t, c, w = model.data["duration"], model.data["censored"].astype(bool), model.weights

    def exact(a, b):
        return sum(float(wi) * float(_mp_sbg_loglike(mp.mpf(a), mp.mpf(b), int(ti), bool(ci)))
                   for ti, ci, wi in zip(t, c, w))
    assert res.llf == pytest.approx(exact(a, b), abs=1e-9 * abs(res.llf))
    for s in (1e8, 1e11, 1e14):
        assert model.loglike(np.array([mean * s, (1 - mean) * s])) == pytest.approx(
            exact(mean * s, (1 - mean) * s), abs=1e-9 * abs(res.llf))
