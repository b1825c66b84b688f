"""ShiftedBetaGeometric: published FH 2007 estimates, recovery, closed forms vs direct sums."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from custvalue.clv import ShiftedBetaGeometric, survivors_to_durations
from custvalue.exceptions import DataError
from custvalue.math import sbg as kernel
from custvalue.simulate.sbg import simulate_sbg, simulate_sbg_survivors
from tests.conftest import IN_CI
from tests.reference.fh2007_sbg import ESTIMATES, N_CALIBRATION_YEARS, SURVIVORS


def _direct_survival(alpha, beta, t_max):
    """S(0..t_max) as a product of retention rates (an independent route to the closed form)."""
    t = np.arange(1, t_max + 1)
    return np.concatenate([[1.0], np.cumprod((beta + t - 1) / (alpha + beta + t - 1))])


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_fh2007_published_estimates(segment):
    s = SURVIVORS[segment].to_numpy()[: N_CALIBRATION_YEARS + 1]
    res = ShiftedBetaGeometric().fit(s)
    ref = ESTIMATES[segment]
    assert res.converged
    assert res.params["alpha"] == pytest.approx(ref["alpha"], abs=5e-4)
    assert res.params["beta"] == pytest.approx(ref["beta"], abs=5e-4)
    assert res.llf == pytest.approx(ref["llf"], abs=0.05)


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_fh2007_forecast_tracks_holdout(segment):
    # FH 2007 figure 4: the sBG fitted on years 0-7 projects years 8-12 closely.
    s = SURVIVORS[segment].to_numpy()
    res = ShiftedBetaGeometric().fit(s[: N_CALIBRATION_YEARS + 1])
    years = np.arange(8, 13)
    proj = res.expected_survivors(list(years), cohort_size=1000).to_numpy()
    assert np.max(np.abs(proj - s[years]) / s[years]) < 0.05


def test_durations_equal_survivor_fit():
    s = SURVIVORS["regular"].to_numpy()[:8]
    rows = survivors_to_durations(s)
    raw_t = np.repeat(rows["duration"].to_numpy(), rows["weights"].astype(int))
    raw_c = np.repeat(rows["censored"].to_numpy(), rows["weights"].astype(int))
    a = ShiftedBetaGeometric().fit(s)
    b = ShiftedBetaGeometric().fit(duration=raw_t, censored=raw_c)
    c = ShiftedBetaGeometric().fit(duration=rows["duration"], censored=rows["censored"],
                                   weights=rows["weights"])
    assert b.llf == pytest.approx(a.llf, rel=1e-10)
    assert c.llf == pytest.approx(a.llf, rel=1e-10)
    np.testing.assert_allclose(b.params, a.params, rtol=1e-5)


def test_recovery_from_simulated_durations():
    n = 4000 if IN_CI else 20000
    truth = {"alpha": 0.9, "beta": 2.5}
    d = simulate_sbg(n, n_periods=8, seed=11, **truth)
    res = ShiftedBetaGeometric().fit(duration=d["duration"], censored=d["censored"])
    for k, v in truth.items():
        assert abs(res.params[k] - v) < 4 * res.bse[k], (k, res.params[k], res.bse[k])


def test_recovery_from_simulated_survivors():
    truth = {"alpha": 1.5, "beta": 6.0}
    s = simulate_sbg_survivors(20000, n_periods=10, seed=3, **truth)
    assert s[0] == 20000 and np.all(np.diff(s) <= 0)
    res = ShiftedBetaGeometric().fit(s)
    for k, v in truth.items():
        assert abs(res.params[k] - v) < 4 * res.bse[k]


def test_score_matches_numerical_gradient():
    t = np.array([1, 2, 5, 3, 7, 0.0])
    c = np.array([0, 0, 0, 1, 1, 1], dtype=bool)
    a, b = 0.8, 2.3
    g = kernel.score(a, b, t, c)
    h = 1e-6
    num_a = (kernel.loglike(a + h, b, t, c) - kernel.loglike(a - h, b, t, c)) / (2 * h)
    num_b = (kernel.loglike(a, b + h, t, c) - kernel.loglike(a, b - h, t, c)) / (2 * h)
    np.testing.assert_allclose(g[:, 0], num_a, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g[:, 1], num_b, rtol=1e-6, atol=1e-8)


def test_survival_churn_and_retention_consistent_with_direct_product():
    a, b = 0.704, 1.182
    S = _direct_survival(a, b, 30)
    np.testing.assert_allclose(kernel.survival(a, b, np.arange(31)), S, rtol=1e-12)
    np.testing.assert_allclose(kernel.churn_probability(a, b, np.arange(1, 31)), S[:-1] - S[1:], rtol=1e-10)


@pytest.mark.parametrize("a,b,d", [(0.704, 1.182, 0.1), (0.668, 3.806, 0.1), (2.0, 5.0, 0.02)])
def test_del_and_derl_equal_direct_sums(a, b, d):
    S = _direct_survival(a, b, 6000)
    z = 1 / (1 + d)
    disc = z ** np.arange(S.size)
    assert kernel.discounted_expected_lifetime(a, b, d) == pytest.approx((S * disc).sum(), rel=1e-8)
    for n in (0, 1, 4):
        # P(T > n+1+j | T > n) = S(n+1+j)/S(n), j >= 0
        direct = (S[n + 1:] / S[n] * disc[: S.size - n - 1]).sum()
        assert kernel.derl(a, b, d, n) == pytest.approx(direct, rel=1e-8)
    # DEL = 1 + DERL(n=0)/(1+d): a new customer pays now and then has n = 0 renewals ahead.
    assert kernel.discounted_expected_lifetime(a, b, d) == pytest.approx(1 + z * kernel.derl(a, b, d, 0))


@pytest.mark.parametrize("a,b,d,n", [(0.704, 1.182, 0.1, 0), (0.668, 3.806, 0.1, 3), (3.0, 1.0, 0.15, 1)])
def test_retention_elasticity_matches_integral_over_theta(a, b, d, n):
    z = 1 / (1 + d)

    def derl_scaled(eps):
        # E over the posterior Beta(a, b+n) of the homogeneous DERL r/(1 - r z), r = (1-θ)(1+eps)
        f = lambda th: stats.beta.pdf(th, a, b + n) * (1 - th) * (1 + eps) / (1 - (1 - th) * (1 + eps) * z)
        return integrate.quad(f, 0, 1, limit=200)[0]

    eps = 1e-5
    num = (np.log(derl_scaled(eps)) - np.log(derl_scaled(-eps))) / (np.log1p(eps) - np.log1p(-eps))
    assert kernel.retention_elasticity(a, b, d, n) == pytest.approx(num, rel=1e-5)
    assert derl_scaled(0.0) == pytest.approx(kernel.derl(a, b, d, n), rel=1e-7)


def test_retention_elasticity_homogeneous_limit():
    r, d = 0.8, 0.1
    scale = 1e7  # Beta(a, b) concentrated at theta = 1 - r
    a, b = (1 - r) * scale, r * scale
    assert kernel.retention_elasticity(a, b, d, 0) == pytest.approx((1 + d) / (1 + d - r), rel=1e-4)


def test_results_methods_frozen_and_pickle():
    res = ShiftedBetaGeometric().fit(SURVIVORS["high_end"].to_numpy()[:8])
    s = res.survival([0, 1, 2])
    assert s.index.name == "t" and s.iloc[0] == 1.0
    assert isinstance(res.survival(3), float)
    assert res.retention_rate([1, 2, 3]).is_monotonic_increasing
    derl = res.discounted_expected_residual_lifetime(0.1, [0, 1, 2, 5])
    assert derl.index.name == "n_renewals" and derl.is_monotonic_increasing
    assert res.clv(100.0, 0.1) == pytest.approx(100 * res.discounted_expected_lifetime(0.1))
    with pytest.raises(AttributeError):
        res.llf = 0.0
    again = pickle.loads(pickle.dumps(res))
    assert again.params.equals(res.params)
    assert "alpha" in str(res.summary())


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.05, 20), b=st.floats(0.05, 20), t=st.integers(1, 200))
def test_property_survival_decreasing_and_probabilities(a, b, t):
    tt = np.arange(0, t + 1)
    S = kernel.survival(a, b, tt)
    assert np.all((S >= 0) & (S <= 1))
    assert np.all(np.diff(S) <= 1e-15)
    p = kernel.churn_probability(a, b, tt[1:])
    assert np.all((p >= 0) & (p <= 1))
    r = kernel.retention_rate(a, b, tt[1:])
    assert np.all((r >= 0) & (r <= 1)) and np.all(np.diff(r) >= -1e-15)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.1, 10), b=st.floats(0.1, 10), n=st.integers(0, 20),
       d1=st.floats(0.01, 0.5), step=st.floats(0.01, 0.5))
def test_property_derl_decreasing_in_discount_rate(a, b, n, d1, step):
    lo, hi = kernel.derl(a, b, d1, n), kernel.derl(a, b, d1 + step, n)
    assert np.isfinite(lo) and hi < lo
    assert kernel.discounted_expected_lifetime(a, b, d1 + step) < kernel.discounted_expected_lifetime(a, b, d1)


@pytest.mark.parametrize("survivors,match", [
    ([1000, 631, 700, 500], "must not increase"),
    ([1000, 631, np.nan], "finite"),
    ([1000, -1, 0], ">= 0"),
    ([0, 0, 0], "cohort size"),
    ([1000], "at least two"),
])
def test_bad_survivors(survivors, match):
    with pytest.raises(DataError, match=match):
        ShiftedBetaGeometric().fit(survivors)


def test_bad_durations_and_rates():
    with pytest.raises(DataError, match="duration must be >= 0"):
        ShiftedBetaGeometric().fit(duration=[1, -2, 3], censored=[0, 0, 1])
    with pytest.raises(DataError, match="churned"):
        ShiftedBetaGeometric().fit(duration=[0, 2, 3], censored=[0, 0, 1])
    with pytest.raises(DataError, match="censored is required"):
        ShiftedBetaGeometric().fit(duration=[1, 2])
    with pytest.raises(DataError, match="boolean"):
        ShiftedBetaGeometric().fit(duration=[1, 2], censored=[0, 2])
    with pytest.raises(DataError, match="needs data"):
        ShiftedBetaGeometric().fit()
    res = ShiftedBetaGeometric().fit(SURVIVORS["regular"].to_numpy()[:8])
    for bad in (-1.0, -2.0, np.nan):
        with pytest.raises(DataError, match="discount_rate"):
            res.discounted_expected_residual_lifetime(bad)
        with pytest.raises(DataError, match="discount_rate"):
            res.discounted_expected_lifetime(bad)
    with pytest.raises(DataError, match="n_renewals"):
        res.discounted_expected_residual_lifetime(0.1, -1)
