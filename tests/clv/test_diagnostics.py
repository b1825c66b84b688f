"""The numeric twins of the BTYD model-checking plots against independent computations on CDNOW:
actual counts by pandas (value_counts, groupby, pd.cut), model numbers from lifetimes run in the
test (BG/NBD P(X(t)=n), conditional expectations, P(alive), new-customer expectations), the
Pareto/NBD P(X(t)=n) by scipy quadrature of its integral form, and the mixing densities from
their formulas in mpmath at 30 digits."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter
from scipy import integrate
from scipy.special import gammaln

from custvalue.clv import (BetaGeo, BetaGeoBetaBinom, ParetoNBD, actual_repeat_transactions, frequency_recency_matrix,
                           heterogeneity_density, holdout_by_frequency, holdout_by_recency, p_alive_history,
                           repeat_purchase_histogram, tracking_table)
from custvalue.datasets import load_cdnow_sample_transactions, load_donations
from custvalue.exceptions import DataError
from custvalue.rfm import rfm_summary


@pytest.fixture(scope="module")
def cdnow():
    tx = load_cdnow_sample_transactions()
    cal = rfm_summary(tx, customer_col="customer_id", date_col="date", calibration_end="1997-09-30",
                      observation_end="1998-06-30")
    return tx, cal, BetaGeo().fit(cal)


@pytest.fixture(scope="module")
def lifetimes_bg(cdnow):
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(cdnow[2].params.to_numpy(), index=["r", "alpha", "a", "b"])
    return bgf


def _cols(cal):
    return (cal[c].to_numpy(float) for c in ("frequency", "recency", "T"))


# -- repeat-purchase histogram -----------------------------------------------------------------
def test_histogram_actual_is_value_counts_and_model_sums_lifetimes(cdnow, lifetimes_bg):
    _, cal, res = cdnow
    h = repeat_purchase_histogram(res, cal, max_frequency=7)
    counts = cal["frequency"].clip(upper=7).value_counts().reindex(range(8), fill_value=0)
    assert h["actual"].tolist() == counts.astype(float).tolist()
    assert h.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    ages, n_customers = np.unique(cal["T"].to_numpy(float), return_counts=True)  # lifetimes takes a scalar t
    model = [sum(k * lifetimes_bg.probability_of_n_purchases_up_to_time(t, n) for t, k in zip(ages, n_customers))
             for n in range(7)]
    np.testing.assert_allclose(h["model"].to_numpy()[:7], model, rtol=1e-9)
    assert h["model"].iloc[7] == pytest.approx(len(cal) - sum(model), rel=1e-9)
    assert h["model"].sum() == pytest.approx(h["actual"].sum()) == len(cal)


def _pnbd_p_n(n, t, r, alpha, s, beta):
    """P(X(t)=n) of the Pareto/NBD: alive through t, or dead at tau < t after n purchases (FHL 2006
    note, eqs. 4-5), the second term by adaptive quadrature."""
    c = gammaln(r + n) - gammaln(r) - math.lgamma(n + 1)
    alive = math.exp(c + r * math.log(alpha / (alpha + t)) + n * math.log(t / (alpha + t))
                     + s * math.log(beta / (beta + t)))
    f = lambda u: u ** n * (alpha + u) ** -(r + n) * (beta + u) ** -(s + 1)  # noqa: E731
    dead = math.exp(c + r * math.log(alpha) + s * math.log(beta)) * s * integrate.quad(
        f, 0, t, epsabs=0, epsrel=1e-11, limit=200)[0]
    return alive + dead


def test_histogram_pareto_against_quadrature(cdnow_summary):
    res = ParetoNBD().fit(cdnow_summary)
    h = repeat_purchase_histogram(res, cdnow_summary, max_frequency=5)
    ages, n_customers = np.unique(cdnow_summary["T"].to_numpy(float), return_counts=True)
    p = res.params.to_numpy()
    model = [sum(k * _pnbd_p_n(n, t, *p) for t, k in zip(ages, n_customers)) for n in range(5)]
    np.testing.assert_allclose(h["model"].to_numpy()[:5], model, rtol=1e-7)
    assert h.index[-1] == "5+"


@pytest.fixture(scope="module")
def donations():
    d = load_donations()
    return d, BetaGeoBetaBinom().fit(d, weights=d["weights"])


def test_histogram_bgbb_weighted_rows(donations):
    d, res = donations       # one row per (x, t_x) pattern, weights = donors with that pattern
    h = repeat_purchase_histogram(res, d, max_frequency=3, weights=d["weights"])
    n = d["weights"].sum()   # 11,104 donors, each observed for 6 opportunities
    probs = res.probability_of_purchases(np.arange(3), 6)
    np.testing.assert_allclose(h["model"].to_numpy()[:3], n * probs.to_numpy(), rtol=1e-12)
    hand = d.groupby(d["frequency"].clip(upper=3))["weights"].sum()
    assert h["actual"].tolist() == hand.astype(float).tolist()
    assert h["model"].sum() == pytest.approx(n)


# -- holdout by frequency and recency ----------------------------------------------------------
def test_holdout_by_frequency_against_groupby(cdnow, lifetimes_bg):
    _, cal, res = cdnow
    got = holdout_by_frequency(res, cal, max_frequency=7)
    x, tx, T = _cols(cal)
    pred = lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T)
    frame = pd.DataFrame({"g": np.minimum(x, 7).astype(int), "actual": cal["frequency_holdout"], "model": pred})
    hand = frame.groupby("g").agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    assert got.index.tolist() == [str(i) for i in range(7)] + ["7+"]
    np.testing.assert_allclose(got["customers"], hand["customers"])
    np.testing.assert_allclose(got["actual"], hand["actual"], rtol=1e-12)
    np.testing.assert_allclose(got["model"], hand["model"], rtol=1e-7)


def test_holdout_by_recency_against_pd_cut(cdnow, lifetimes_bg):
    _, cal, res = cdnow
    got = holdout_by_recency(res, cal, bins=8)
    x, tx, T = _cols(cal)
    pred = lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T)
    edges = np.linspace(0, T.max(), 9)
    cut = pd.cut(tx, edges, right=False, labels=False)
    cut = np.where(np.isnan(cut), 7, cut)  # recency == max T closes the last bin
    frame = pd.DataFrame({"g": cut.astype(int), "actual": cal["frequency_holdout"].to_numpy(), "model": pred})
    hand = frame.groupby("g").agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    assert len(got) == len(hand)
    np.testing.assert_allclose(got["customers"], hand["customers"])
    np.testing.assert_allclose(got["actual"], hand["actual"], rtol=1e-12)
    np.testing.assert_allclose(got["model"], hand["model"], rtol=1e-7)
    np.testing.assert_allclose(got.index.left, edges[:-1][hand.index])
    assert got["customers"].sum() == len(cal)


def test_holdout_required(cdnow):
    _, cal, res = cdnow
    with pytest.raises(DataError, match="holdout"):
        holdout_by_frequency(res, cal[["frequency", "recency", "T"]])


# -- tracking ----------------------------------------------------------------------------------
def test_tracking_table_against_lifetimes_new_customer_sum(cdnow, lifetimes_bg):
    tx, cal, res = cdnow
    weeks = np.arange(1.0, 79.0)
    actual = actual_repeat_transactions(tx, customer_col="customer_id", date_col="date", origin="1997-01-01",
                                        times=weeks)
    births = 272 / 7 - cal["T"].to_numpy()
    got = tracking_table(res, actual, first_purchase=births)
    age = np.clip(weeks[:, None] - births[None, :], 0, None)
    per = lifetimes_bg.expected_number_of_purchases_up_to_time(age.ravel()).reshape(age.shape)
    cum = np.where(age > 0, per, 0.0).sum(axis=1)
    np.testing.assert_allclose(got["model_cumulative"], cum, rtol=1e-8)
    np.testing.assert_allclose(got["model_incremental"], np.diff(cum, prepend=0.0), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(got["actual_cumulative"], actual["cumulative"])
    np.testing.assert_array_equal(got["actual_incremental"], actual["incremental"])


# -- frequency x recency -----------------------------------------------------------------------
@pytest.mark.parametrize("which", ["p_alive", "expected_purchases"])
def test_frequency_recency_matrix_against_lifetimes(cdnow, lifetimes_bg, which):
    _, _, res = cdnow
    m = frequency_recency_matrix(res, T=38.86, which=which, horizon=52.0, max_frequency=6, n_points=5)
    F, R = np.meshgrid(np.arange(7.0), np.linspace(0, 38.86, 5), indexing="ij")
    R = np.where(F == 0, 0.0, R)
    T = np.full(F.shape, 38.86)
    hand = (lifetimes_bg.conditional_probability_alive(F, R, T) if which == "p_alive"
            else lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(52.0, F, R, T))
    np.testing.assert_allclose(m.to_numpy(), hand, rtol=1e-8)
    assert m.index.name == "frequency" and m.columns.name == "recency"


def test_frequency_recency_matrix_needs_horizon(cdnow):
    with pytest.raises(DataError, match="horizon"):
        frequency_recency_matrix(cdnow[2], T=39.0, which="expected_purchases")


# -- one customer through time -----------------------------------------------------------------
def test_p_alive_history_against_hand_history(cdnow, lifetimes_bg):
    tx, _, res = cdnow
    dates = tx.loc[tx["customer_id"] == 1, "date"]     # 1997-01-01, 01-18, 08-02, 12-12
    h = p_alive_history(res, dates, observation_end="1997-09-30", n_points=50)
    days = np.array([0, 17, 213]) / 7.0                # 12-12 is after observation_end: ignored
    times = h.index.to_numpy()
    assert np.all(np.diff(times) >= 0) and times[-1] == pytest.approx(272 / 7)
    for k, t in enumerate(times):
        if t == 0:
            assert h["p_alive"].iloc[k] == 1.0
            continue
        before = k + 1 < len(times) and times[k + 1] == t   # the first of a pair is "just before"
        seen = days[1:][days[1:] < t] if before else days[1:][days[1:] <= t]
        x, rec = len(seen), (seen[-1] if len(seen) else 0.0)
        assert (h["frequency"].iloc[k], h["recency"].iloc[k]) == pytest.approx((x, rec))
        expected = lifetimes_bg.conditional_probability_alive(np.array([x]), np.array([rec]), np.array([t]))[0]
        assert h["p_alive"].iloc[k] == pytest.approx(expected, rel=1e-9)
    # at the end the history is the customer's calibration summary
    assert h["frequency"].iloc[-1] == 2 and h["recency"].iloc[-1] == pytest.approx(213 / 7)


def test_p_alive_history_refuses_discrete_models(donations):
    res = donations[1]
    with pytest.raises(DataError, match="continuous-time"):
        p_alive_history(res, ["2020-01-01"], observation_end="2020-02-01")


# -- heterogeneity -----------------------------------------------------------------------------
def _mp_gamma_pdf(x, shape, rate):
    return rate ** shape * x ** (shape - 1) * mp.e ** (-rate * x) / mp.gamma(shape)


def _mp_beta_pdf(x, a, b):
    return x ** (a - 1) * (1 - x) ** (b - 1) / mp.beta(a, b)


@pytest.mark.parametrize("model,which,family,names", [
    (BetaGeo, "purchase", "gamma", ("r", "alpha")),
    (BetaGeo, "dropout", "beta", ("a", "b")),
    (ParetoNBD, "dropout", "gamma", ("s", "beta")),
])
def test_heterogeneity_density_against_mpmath(cdnow_summary, model, which, family, names):
    with mp.workdps(30):  # mpmath's precision is global: set here only
        res = model().fit(cdnow_summary)
        h = heterogeneity_density(res, which=which, n_points=40)
        u, v = (mp.mpf(float(res.params[n])) for n in names)
        pdf = _mp_gamma_pdf if family == "gamma" else _mp_beta_pdf
        hand = [float(pdf(mp.mpf(float(x)), u, v)) for x in h.index]
        np.testing.assert_allclose(h["density"].to_numpy(), hand, rtol=1e-10)
        if family == "gamma":   # the grid ends at the 99th percentile
            assert float(mp.gammainc(u, 0, v * mp.mpf(float(h.index[-1])), regularized=True)) == pytest.approx(0.99)
        else:
            assert 0 < h.index[0] and h.index[-1] < 1
        assert h.attrs["distribution"].startswith(family.capitalize())


def test_heterogeneity_bgbb_processes(donations):
    res = donations[1]
    p = heterogeneity_density(res, which="purchase", n_points=5)
    theta = heterogeneity_density(res, which="dropout", n_points=5)
    assert p.attrs["distribution"].startswith("Beta(alpha=") and theta.attrs["distribution"].startswith("Beta(gamma=")
    x = float(p.index[2])
    a, b = float(res.params["alpha"]), float(res.params["beta"])
    assert p["density"].iloc[2] == pytest.approx(float(_mp_beta_pdf(mp.mpf(x), a, b)), rel=1e-10)


@pytest.mark.parametrize("func,kwargs,match", [
    (heterogeneity_density, {"which": "spend"}, "which must be one of"),
    (frequency_recency_matrix, {"T": 39.0, "which": "clv"}, "which must be one of"),
])
def test_bad_choice(cdnow, func, kwargs, match):
    with pytest.raises(DataError, match=match):
        func(cdnow[2], **kwargs)


# -- sBG survival and retention against the data (FH 2007 figs. 2-3) ---------------------------
FH07_REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


def test_retention_table_against_the_closed_forms_and_the_counts():
    """Fit on the first 8 periods as FH07 do; the table's actual columns are the counts'
    ratios and its model columns FH07 eqs. 7-8 written here with scipy's betaln."""
    from scipy.special import betaln

    from custvalue.clv import ShiftedBetaGeometric, retention_table

    res = ShiftedBetaGeometric().fit(FH07_REGULAR[:8])
    a, b = float(res.params["alpha"]), float(res.params["beta"])
    table = retention_table(res, FH07_REGULAR)
    s = np.asarray(FH07_REGULAR, dtype=float)
    t = np.arange(s.size)
    np.testing.assert_allclose(table["actual_survival"], s / s[0], rtol=1e-15)
    np.testing.assert_allclose(table["actual_retention"].iloc[1:], s[1:] / s[:-1], rtol=1e-15)
    np.testing.assert_allclose(table["model_survival"], np.exp(betaln(a, b + t) - betaln(a, b)), rtol=1e-12)
    np.testing.assert_allclose(table["model_retention"].iloc[1:], (b + t[1:] - 1) / (a + b + t[1:] - 1), rtol=1e-12)
    assert np.isnan(table.loc[0, "actual_retention"]) and np.isnan(table.loc[0, "model_retention"])
    # FH07 report the 12-period projection of the regular cohort within a few points
    assert abs(table.loc[12, "model_survival"] - s[12] / s[0]) < 0.02


def test_plot_retention_draws_the_table():
    import matplotlib

    matplotlib.use("Agg")
    from custvalue.clv import ShiftedBetaGeometric, retention_table
    from custvalue.plotting import plot_retention

    res = ShiftedBetaGeometric().fit(FH07_REGULAR[:8])
    table = retention_table(res, FH07_REGULAR)
    for which in ("survival", "retention"):
        ax = plot_retention(res, FH07_REGULAR, which=which)
        model, actual = ax.get_lines()
        rows = table if which == "survival" else table.iloc[1:]
        np.testing.assert_array_equal(model.get_ydata(), rows[f"model_{which}"].to_numpy())
        np.testing.assert_array_equal(actual.get_ydata(), rows[f"actual_{which}"].to_numpy())
        np.testing.assert_array_equal(actual.get_xdata(), rows.index.to_numpy())


def test_retention_table_refuses_a_rising_cohort_and_other_models(cdnow_summary):
    from custvalue.clv import ShiftedBetaGeometric, retention_table

    res = ShiftedBetaGeometric().fit(FH07_REGULAR[:8])
    with pytest.raises(DataError, match="survivors must not increase"):
        retention_table(res, [1000, 1200, 468])
    with pytest.raises(DataError, match="ShiftedBetaGeometric"):
        retention_table(BetaGeo().fit(cdnow_summary), FH07_REGULAR)


# -- BG/BB P(alive) by pattern (FHS 2010 fig. 5, eq. 11) ---------------------------------------
def _bgbb_p_alive(a, b, g, d, x, tx, n):
    """FHS eq. 5 (likelihood) and the alive term's share of it, written out with betaln."""
    from scipy.special import betaln

    alive = np.exp(betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n) - betaln(g, d))
    dead = sum(np.exp(betaln(a + x, b + tx - x + i) - betaln(a, b) + betaln(g + 1, d + tx + i) - betaln(g, d))
               for i in range(n - tx))
    return alive / (alive + dead)


def test_p_alive_by_pattern_against_the_likelihood_terms(donations, cdnow_summary):
    import matplotlib

    matplotlib.use("Agg")
    from custvalue.clv import p_alive_by_pattern
    from custvalue.plotting import plot_p_alive_by_pattern

    data, res = donations
    a, b, g, d = (float(res.params[k]) for k in ("alpha", "beta", "gamma", "delta"))
    table = p_alive_by_pattern(res, n_periods=6)
    for tx in range(7):
        for x in range(7):
            possible = (x == 0 and tx == 0) or (1 <= x <= tx)
            got = table.loc[tx, x]
            if possible:
                assert got == pytest.approx(_bgbb_p_alive(a, b, g, d, x, tx, 6), rel=1e-10)
            else:
                assert np.isnan(got)
    ax = plot_p_alive_by_pattern(res, n_periods=6)
    drawn = ax.images[0].get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(drawn), table.isna().to_numpy())
    np.testing.assert_allclose(drawn.compressed(), table.to_numpy()[~table.isna().to_numpy()], rtol=0)
    with pytest.raises(DataError, match="BetaGeoBetaBinom"):
        p_alive_by_pattern(BetaGeo().fit(cdnow_summary), n_periods=6)
