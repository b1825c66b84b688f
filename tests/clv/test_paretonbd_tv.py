"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021): the likelihood
against the static Pareto/NBD and against direct numerical integration over (λ, μ), the
gradient against finite differences, recovery from the simulator, P(alive) and expected
purchases against the simulator's truth, and the data checks at the boundary."""

from __future__ import annotations

import pickle

import mpmath
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from custvalue.clv import ParetoNBDTimeVarying, ParetoNBDTimeVaryingResults
from custvalue.exceptions import DataError
from custvalue.math import paretonbd
from custvalue.math import paretonbd_tv as kernel
from custvalue.simulate import simulate_paretonbd_tv

WEEK = pd.Timedelta(days=7)
ORIGIN = pd.Timestamp("2024-01-01")
TRUTH = dict(r=0.8, alpha=6.0, s=0.6, beta=20.0)


@pytest.fixture(scope="module")
def base():
    return simulate_paretonbd_tv(4000, **TRUTH, gamma_purchase={"promo": 0.5, "season": -0.3},
                                 gamma_dropout={"promo": -0.4}, calibration_periods=40, horizon=8,
                                 acquisition_periods=6, seed=2024)


def _model(base, **kw):
    return ParetoNBDTimeVarying(base.transactions, base.covariates, purchase_covariates=["promo", "season"],
                                dropout_covariates=["promo"], calibration_end=base.calibration_end, **kw)


def _history(base):
    """frequency, recency, T per customer in weeks, computed here with pandas (independently of the model)."""
    tx = base.transactions[base.transactions["date"] <= base.calibration_end]
    g = tx.groupby("customer_id")["date"]
    first, last, n = g.min(), g.max(), g.nunique()
    return ((n - 1).astype(float), (last - first) / WEEK, (base.calibration_end - first) / WEEK)


# --- the likelihood ------------------------------------------------------------------------------

def test_constant_covariates_equal_the_static_paretonbd_with_customer_scales(base):
    """Covariates constant over time: the likelihood is the static Pareto/NBD's with
    alpha_i = alpha exp(-gamma_p'z_i), beta_i = beta exp(-gamma_d'z_i) (CLVTools' static model)."""
    cov = base.covariates.copy()
    for c in ("promo", "season"):
        cov[c] = cov.groupby("customer_id")[c].transform("first")
    sub = cov["customer_id"] < 300
    tx = base.transactions[base.transactions["customer_id"] < 300]
    m = ParetoNBDTimeVarying(tx, cov[sub], purchase_covariates=["promo", "season"], dropout_covariates=["promo"],
                             calibration_end=base.calibration_end)
    params = np.array([0.7, 5.0, 0.9, 15.0, 0.4, -0.2, -0.6])
    ll = m.loglike_obs(params)
    z = cov[sub].groupby("customer_id")[["promo", "season"]].first().loc[m.index]
    x, t_x, T = (v.loc[m.index].to_numpy() for v in _history(base))
    a_i = 5.0 * np.exp(-(z.to_numpy() @ np.array([0.4, -0.2])))
    b_i = 15.0 * np.exp(0.6 * z["promo"].to_numpy())
    ref = np.array([float(paretonbd.loglike(0.7, a_i[i], 0.9, b_i[i], x[i], t_x[i], T[i])) for i in range(len(x))])
    np.testing.assert_allclose(ll, ref, rtol=1e-9, atol=1e-9)


def _individual_quadrature(r, alpha, s, beta, x, purchases_cov_sum, A_knots, C_knots, a, c, dt, k_x):
    """log L by integrating the piecewise-constant-rate individual likelihood over the gamma
    densities of lambda and mu (scipy dblquad on the probability scale). The death integral
    for fixed (lambda, mu) is exact per piece."""
    def individual(lam, mu):
        alive = np.exp(-lam * A_knots[-1] - mu * C_knots[-1])
        k = np.arange(k_x, dt.size)
        rate = lam * a[k] + mu * c[k]
        dead = np.sum(mu * c[k] * np.exp(-lam * A_knots[k] - mu * C_knots[k]) * -np.expm1(-rate * dt[k]) / rate)
        return lam ** x * (alive + dead)

    g_l, g_m = stats.gamma(r, scale=1 / alpha), stats.gamma(s, scale=1 / beta)
    val, err = integrate.dblquad(lambda v, u: individual(g_l.ppf(u), g_m.ppf(v)), 0, 1, 0, 1,
                                 epsabs=0, epsrel=1e-11)
    return np.log(val) + purchases_cov_sum


def test_one_customer_against_integration_over_lambda_and_mu():
    """A hand-built customer over 7 weekly periods with changing covariates."""
    tx = pd.DataFrame({"customer_id": "ann",
                       "date": ORIGIN + pd.to_timedelta([2.5, 10.0, 17.5, 31.0], unit="D")})
    promo = np.array([0.0, 1.0, 0.3, -0.5, 1.2, 0.0, 0.7])
    cov = pd.DataFrame({"customer_id": "ann", "period": ORIGIN + WEEK * np.arange(7), "promo": promo,
                        "price": np.array([1.0, 0.5, -0.2, 0.1, 0.0, 0.4, -1.0])})
    cal = ORIGIN + pd.Timedelta(days=46)
    m = ParetoNBDTimeVarying(tx, cov, purchase_covariates=["promo", "price"], dropout_covariates=["promo"],
                             calibration_end=cal)
    gp, gd = np.array([0.6, -0.4]), np.array([-0.8])
    params = np.r_[0.9, 4.0, 0.7, 12.0, gp, gd]
    # the same customer by hand: time from the first purchase (day 2.5) in weeks
    bounds = np.r_[2.5, 7, 14, 21, 28, 35, 42, 46] / 7 - 2.5 / 7
    dt = np.diff(bounds)
    z = np.c_[promo, cov["price"]]
    a, c = np.exp(z @ gp), np.exp(promo * gd[0])
    # split the piece holding t_x (day 31, in week 4) there
    t_x = (31 - 2.5) / 7
    kx = 4
    dt = np.r_[dt[:kx], t_x - bounds[kx], bounds[kx + 1] - t_x, dt[kx + 1:]]
    a, c = np.insert(a, kx, a[kx]), np.insert(c, kx, c[kx])
    A_knots, C_knots = np.r_[0, np.cumsum(a * dt)], np.r_[0, np.cumsum(c * dt)]
    cov_sum = gp @ (z[1] + z[2] + z[4])  # repeat purchases on days 10 (week 1), 17.5 (week 2), 31 (week 4)
    ref = _individual_quadrature(0.9, 4.0, 0.7, 12.0, 3, cov_sum, A_knots, C_knots, a, c, dt, kx + 1)
    assert m.loglike_obs(params)[0] == pytest.approx(ref, rel=1e-8)


def test_gradient_matches_finite_differences(base):
    m = ParetoNBDTimeVarying(base.transactions[base.transactions["customer_id"] < 400],
                             base.covariates[base.covariates["customer_id"] < 400],
                             purchase_covariates=["promo", "season"], dropout_covariates=["promo", "season"],
                             calibration_end=base.calibration_end)
    p = np.array([0.7, 5.0, 0.9, 15.0, 0.4, -0.2, -0.6, 0.3])
    g = m.score_obs(p)
    num = np.empty_like(g)
    for j in range(p.size):  # loop over parameters
        h = 1e-6 * max(1.0, abs(p[j]))
        up, dn = p.copy(), p.copy()
        up[j] += h
        dn[j] -= h
        num[:, j] = (m.loglike_obs(up) - m.loglike_obs(dn)) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6)
    ll, gs = m.loglike_and_score(p)
    assert ll == pytest.approx(m.loglike_obs(p).sum())
    np.testing.assert_allclose(gs, g.sum(axis=0))


def test_heavy_buyer_and_extreme_scales_stay_finite():
    rng = np.random.default_rng(0)
    n, P = 20, 10
    dt = np.ones(n * P)
    offsets = np.arange(0, n * P + 1, P)
    death = offsets[:-1] + rng.integers(0, P, n)
    x = rng.integers(0, 400, n).astype(float)
    zp, zd = rng.normal(size=(n * P, 1)), rng.normal(size=(n * P, 1))
    for alpha, beta in ((0.01, 1e4), (1e4, 0.01), (1.0, 1.0)):
        ll, g = kernel.loglike_and_score(0.5, alpha, 0.5, beta, [1.5], [-1.5], x, offsets, death, dt, zp, zd,
                                         np.zeros((n, 1)))
        assert np.all(np.isfinite(ll)) and np.all(np.isfinite(g))


def test_heavy_buyer_keeps_the_dropout_term_against_mpmath():
    """A heavy buyer (x = 176 over 52 weekly periods, last purchase 3 days before T, three
    dummy covariates on each process), like customer 134 of CLVTools' stored reference
    ``tests/testthat/fitted_dyncov.rds``: there CLVTools 0.12.1 drops the dropout term (its
    2F1 terms are divided by ``alpha_1^(r+s+x)`` ~ 1e-350, which underflows to 0) and reports
    the alive-only term, 6.9e-3 below the likelihood (``benchmarks/compare_clvtools.py``).
    The log-likelihood here against mpmath (30 digits, the death integral of BMN's closed form
    by mpmath.quad on each piece), and away from the alive-only term."""
    rng = np.random.default_rng(134)
    r, alpha, s, beta, x = 0.7579, 4.7419, 0.5432, 22.1892, 176.0
    gp, gd = np.array([0.1, 0.1, 0.409961]), np.array([0.1, 0.1, 0.1])
    z = rng.integers(0, 2, size=(52, 3)).astype(float)
    t_x = 51 + 4 / 7
    dt = np.r_[np.ones(51), t_x - 51, 52 - t_x]  # the last week split at t_x
    z = np.vstack([z, z[-1]])
    a, c = np.exp(z @ gp), np.exp(z @ gd)
    sum_zp = rng.integers(0, 177, size=3).astype(float)
    ll, _ = kernel.loglike_and_score(r, alpha, s, beta, gp, gd, np.array([x]), np.array([0, 53]), np.array([52]),
                                     dt, z, z, sum_zp[None, :])
    with mpmath.workdps(30):  # mpmath's precision is global: set for this block only
        mp = mpmath.mpf
        A = sum(mp(a[k]) * mp(dt[k]) for k in range(52))
        C = sum(mp(c[k]) * mp(dt[k]) for k in range(52))
        k = 52
        integral = mpmath.quad(lambda u: mp(c[k]) * (alpha + A + mp(a[k]) * u) ** -(r + x)
                               * (beta + C + mp(c[k]) * u) ** -(s + 1), [0, mp(dt[k])])
        A_T, C_T = A + mp(a[k]) * mp(dt[k]), C + mp(c[k]) * mp(dt[k])
        alive = (alpha + A_T) ** -(r + x) * (beta + C_T) ** -s
        const = mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha) + s * mpmath.log(beta) + sum_zp @ gp
        ref = float(const + mpmath.log(alive + s * integral))
        alive_only = float(const + mpmath.log(alive))
    assert ll[0] == pytest.approx(ref, rel=1e-12, abs=1e-9)
    assert ll[0] - alive_only > 1e-3


# --- fitting -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted(base):
    return _model(base).fit()


def test_recovers_the_coefficients_within_three_standard_errors(fitted, base):
    assert fitted.converged
    truth = pd.Series(base.params)[fitted.params.index]
    z = (fitted.params - truth) / fitted.bse
    assert np.all(np.abs(z) < 3), z


def test_results_are_frozen_pickle_and_summarise(fitted):
    with pytest.raises(AttributeError):
        fitted.params = None
    again = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_series_equal(again.params, fitted.params)
    text = str(fitted.summary())
    assert "purchase.promo" in text and "dropout.promo" in text
    assert fitted.conf_int().shape == (7, 2)


def test_fit_does_not_mutate_and_gives_the_same_estimates(base, fitted):
    model = ParetoNBDTimeVarying(purchase_covariates=["promo", "season"], dropout_covariates=["promo"])
    res = model.fit(base.transactions, base.covariates, calibration_end=base.calibration_end)
    assert not model._bound
    np.testing.assert_allclose(res.params, fitted.params, rtol=1e-4)


# --- predictions against the simulator -----------------------------------------------------------

@pytest.fixture(scope="module")
def at_truth():
    """Predictions at the true parameters on a large base: only the formulas are tested."""
    b = simulate_paretonbd_tv(20000, **TRUTH, gamma_purchase={"promo": 0.7}, gamma_dropout={"promo": -0.5},
                              calibration_periods=26, horizon=13, acquisition_periods=4, seed=99)
    m = ParetoNBDTimeVarying(b.transactions, b.covariates, purchase_covariates=["promo"],
                             dropout_covariates=["promo"], calibration_end=b.calibration_end)
    p = np.array([b.params[n] for n in m.param_names])
    res = ParetoNBDTimeVaryingResults(m, p, np.zeros((p.size, p.size)), m.loglike(p), converged=True,
                                      message="truth", n_iter=0)
    return b, res


def test_p_alive_matches_the_share_alive_in_the_simulation(at_truth):
    b, res = at_truth
    pa = res.p_alive()
    alive = b.truth["true_alive"].loc[pa.index].astype(float)
    for group in (slice(None), pa < 0.5, pa >= 0.5):
        p, y = pa[group], alive[group]
        zscore = (y.sum() - p.sum()) / np.sqrt((p * (1 - p)).sum())
        assert abs(zscore) < 4, zscore


def test_expected_purchases_follow_the_future_covariate_path(at_truth):
    b, res = at_truth
    e = res.expected_purchases(13, b.covariates)
    y = b.truth["frequency_holdout"].loc[e.index]
    fut = b.covariates[b.covariates["period"] >= b.calibration_end].groupby("customer_id")["promo"].mean()
    high = (fut.loc[e.index] > fut.median()).to_numpy()
    for group in (slice(None), high, ~high):
        zscore = (y[group].sum() - e[group].sum()) / np.sqrt(((y[group] - e[group]) ** 2).sum())
        assert abs(zscore) < 4, zscore
    # the path matters: a path with promo held at 0 predicts other numbers
    flat = b.covariates.assign(promo=0.0)
    e0 = res.expected_purchases(13, flat)
    assert abs(e0.sum() - e.sum()) > 0.02 * e.sum()


def test_expected_purchases_without_covariates_equal_the_static_formula():
    x, tx, T = np.array([0.0, 3.0, 7.0]), np.array([0.0, 5.0, 20.0]), np.array([30.0, 30.0, 30.0])
    # pieces [0, 20) and [20, 30), the one holding t_x split there (customer 1 at 5; 20 is a boundary)
    dt = np.array([20.0, 10.0, 5.0, 15.0, 10.0, 20.0, 10.0])
    offsets, death = np.array([0, 2, 5, 7]), np.array([0, 3, 6])
    z0 = np.zeros((dt.size, 0))
    pa, A, C = kernel.state_at_T(0.55, 10.6, 0.61, 11.7, [], [], x, offsets, death, dt, z0, z0)
    np.testing.assert_allclose(pa, paretonbd.p_alive(0.55, 10.6, 0.61, 11.7, x, tx, T), rtol=1e-9)
    fut = np.array([4.0, 6.0] * 3)
    e = kernel.conditional_expected_purchases(0.55, 10.6, 0.61, 11.7, [], [], x, A, C, pa, np.arange(0, 7, 2),
                                              fut, np.zeros((6, 0)), np.zeros((6, 0)))
    ref = paretonbd.conditional_expected_purchases(10.0, 0.55, 10.6, 0.61, 11.7, x, tx, T)
    np.testing.assert_allclose(e, ref, rtol=1e-9)


def test_simulator_is_seeded_and_returns_the_truth():
    a = simulate_paretonbd_tv(300, **TRUTH, gamma_purchase={"promo": 0.5}, calibration_periods=10, seed=4)
    b = simulate_paretonbd_tv(300, **TRUTH, gamma_purchase={"promo": 0.5}, calibration_periods=10, seed=4)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    assert set(a.truth.columns) >= {"true_lambda", "true_mu", "true_alive", "frequency_holdout"}
    assert a.params == {**TRUTH, "purchase.promo": 0.5}
    assert (a.transactions.groupby("customer_id")["date"].min() == a.truth["first_purchase"]).all()


# --- data checks at the boundary -----------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    return simulate_paretonbd_tv(30, **TRUTH, gamma_purchase={"promo": 0.5}, calibration_periods=8, seed=5)


def _fit_small(small, cov, **kw):
    return ParetoNBDTimeVarying(small.transactions, cov, purchase_covariates=["promo"], **kw)


def test_missing_covariate_column_names_it(small):
    with pytest.raises(DataError, match="'promo' not found in covariates"):
        _fit_small(small, small.covariates.drop(columns="promo"))


def test_customer_without_covariate_rows_is_named(small):
    with pytest.raises(DataError, match=r"covariates has no rows for 1 customer \(first: 3\)"):
        _fit_small(small, small.covariates[small.covariates["customer_id"] != 3])


def test_gap_in_a_customers_periods_is_named(small):
    cov = small.covariates.drop(index=small.covariates.index[(small.covariates["customer_id"] == 2)][3])
    with pytest.raises(DataError, match="no gaps.*first: customer 2"):
        _fit_small(small, cov)


def test_uncovered_window_is_named(small):
    cov = small.covariates[small.covariates["period"] < small.covariates["period"].max()]
    with pytest.raises(DataError, match="must cover each customer's window"):
        _fit_small(small, cov, calibration_end=small.calibration_end)


def test_nan_covariate_names_the_rows(small):
    cov = small.covariates.copy()
    cov.loc[5, "promo"] = np.nan
    with pytest.raises(DataError, match=r"covariates\['promo'\] must be finite.*first row: 5"):
        _fit_small(small, cov)


def test_constant_covariate_is_a_data_error(small):
    with pytest.raises(DataError, match=r"covariates\['promo'\].*is constant"):
        _fit_small(small, small.covariates.assign(promo=1.0))


def test_duplicated_period_is_named(small):
    cov = pd.concat([small.covariates, small.covariates.iloc[[0]]])
    with pytest.raises(DataError, match="one row per customer and period"):
        _fit_small(small, cov)


@pytest.mark.filterwarnings("ignore::custvalue.exceptions.HeterogeneityWarning")  # 30 customers
def test_future_path_must_cover_the_horizon(small):
    res = _fit_small(small, small.covariates, calibration_end=small.calibration_end - 2 * WEEK).fit()
    with pytest.raises(DataError, match="must cover each customer's window"):
        res.expected_purchases(5, small.covariates)


def test_row_order_of_the_frames_does_not_matter(small):
    params = np.array([0.8, 6.0, 0.6, 20.0, 0.5])
    m = _fit_small(small, small.covariates)
    shuffled = ParetoNBDTimeVarying(small.transactions.sample(frac=1.0, random_state=1),
                                    small.covariates.sample(frac=1.0, random_state=2), purchase_covariates=["promo"])
    np.testing.assert_allclose(shuffled.loglike_obs(params), m.loglike_obs(params), rtol=1e-12)


def test_predictions_are_indexed_by_the_customer_labels(small):
    label = lambda f: f.assign(customer_id="c" + f["customer_id"].astype(str))  # noqa: E731
    m = ParetoNBDTimeVarying(label(small.transactions), label(small.covariates), purchase_covariates=["promo"])
    res = ParetoNBDTimeVaryingResults(m, np.array([0.8, 6.0, 0.6, 20.0, 0.5]), np.eye(5), 0.0, converged=True,
                                      message="", n_iter=0)
    pa = res.p_alive()
    assert pa.index.name == "customer_id" and set(pa.index) == {f"c{i}" for i in range(30)}
    assert pa.between(0, 1).all()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::custvalue.exceptions.HeterogeneityWarning")  # s, beta run off in a few bases
def test_coverage_of_the_95_percent_intervals_over_replications():
    """100 simulated bases: each coefficient's 95% interval covers the truth about 95% of the time."""
    truth = {"purchase.promo": 0.5, "purchase.season": -0.3, "dropout.promo": -0.4}
    hits = []
    for rep in range(100):  # replications, not customers
        b = simulate_paretonbd_tv(1500, **TRUTH, gamma_purchase={"promo": 0.5, "season": -0.3},
                                  gamma_dropout={"promo": -0.4}, calibration_periods=26, acquisition_periods=4,
                                  seed=1000 + rep)
        res = _model(b).fit()
        ci = res.conf_int(level=0.95).loc[list(truth)]
        hits.append([(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"]) for k, v in truth.items()])
    coverage = np.mean(hits, axis=0)
    assert np.all((coverage >= 0.88) & (coverage <= 0.995)), coverage


def test_purchase_at_calibration_end_uses_the_last_periods_covariates():
    """Two customers; ann's last purchase falls exactly on calibration_end, where her covariate rows end."""
    cal = ORIGIN + 3 * WEEK
    tx = pd.DataFrame({"customer_id": ["ann", "ann", "bob", "bob"],
                       "date": [ORIGIN, cal, ORIGIN + pd.Timedelta(days=2), ORIGIN + pd.Timedelta(days=9)]})
    cov = pd.DataFrame({"customer_id": ["ann"] * 3 + ["bob"] * 4,
                        "period": list(ORIGIN + WEEK * np.arange(3)) + list(ORIGIN + WEEK * np.arange(4)),
                        "promo": [0.0, 1.0, 2.0, 5.0, 6.0, 7.0, 8.0]})
    m = ParetoNBDTimeVarying(tx, cov, purchase_covariates=["promo"], calibration_end=cal)
    np.testing.assert_allclose(m._sum_zp[:, 0], [2.0, 6.0])
