"""compare_models against hand computations: log-likelihoods from the published closed forms
(BG/NBD FHL 2005 eq. 6, MBG/NBD BDF 2007 eq. A.4) and from numerical integration (Pareto/NBD,
FH05 eq. 19, scipy quad), AIC/BIC from those, holdout errors from the closed-form conditional
expectations (FHL eq. 10, BDF, SMC 1987) with numpy, and the tracking error from FHL eq. 7."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import betaln, gammaln, hyp2f1

from custvalue.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD, actual_repeat_transactions, compare_models
from custvalue.datasets import load_cdnow_sample_transactions
from custvalue.exceptions import DataError
from custvalue.rfm import rfm_summary


@pytest.fixture(scope="module")
def cdnow():
    tx = load_cdnow_sample_transactions()
    cal = rfm_summary(tx, customer_col="customer_id", date_col="date", calibration_end="1997-09-30",
                      observation_end="1998-06-30")
    fits = {"BG/NBD": BetaGeo().fit(cal), "MBG/NBD": ModifiedBetaGeo().fit(cal), "Pareto/NBD": ParetoNBD().fit(cal)}
    return tx, cal, fits


def _columns(cal):
    return (cal[c].to_numpy(float) for c in ("frequency", "recency", "T"))


def _bgnbd_ll(p, x, tx, T, shift=0):
    r, alpha, a, b = p
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + shift) - betaln(a, b)
    alive = (alpha + T) ** -(r + x)
    dead = np.where((x > 0) | (shift > 0), a / (b + x - 1 + shift) * (alpha + tx) ** -(r + x), 0.0)
    return base + np.log(alive + dead)


def _pnbd_parts(p, x, tx, T):
    """(alive term, s * A) of FH05 eq. (19) per row, A by adaptive quadrature."""
    r, alpha, s, beta = p
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    A = np.array([integrate.quad(lambda u, k=k: (alpha + u) ** -(r + x[k]) * (beta + u) ** -(s + 1),
                                 tx[k], T[k], epsabs=0, epsrel=1e-12, limit=200)[0] for k in range(x.size)])
    return alive, s * A


def _pnbd_ll(p, x, tx, T):
    r, alpha, s, beta = p
    alive, sA = _pnbd_parts(p, x, tx, T)
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.log(alive + sA)


def _unique(x, tx, T):
    rows, inv = np.unique(np.c_[x, tx, T], axis=0, return_inverse=True)
    return rows[:, 0], rows[:, 1], rows[:, 2], inv.reshape(-1)


def test_loglik_aic_bic_against_hand_computation(cdnow):
    _, cal, fits = cdnow
    table = compare_models(*fits.values(), data=cal, names=list(fits))
    x, tx, T = _columns(cal)
    ux, utx, uT, inv = _unique(x, tx, T)
    hand = {
        "BG/NBD": _bgnbd_ll(fits["BG/NBD"].params.to_numpy(), x, tx, T).sum(),
        "MBG/NBD": _bgnbd_ll(fits["MBG/NBD"].params.to_numpy(), x, tx, T, shift=1).sum(),
        "Pareto/NBD": _pnbd_ll(fits["Pareto/NBD"].params.to_numpy(), ux, utx, uT)[inv].sum(),
    }
    n = len(cal)
    for name, ll in hand.items():
        assert table.at[name, "n_params"] == 4
        assert table.at[name, "llf"] == pytest.approx(ll, rel=1e-10)
        assert table.at[name, "aic"] == pytest.approx(2 * 4 - 2 * ll, rel=1e-10)
        assert table.at[name, "bic"] == pytest.approx(4 * np.log(n) - 2 * ll, rel=1e-10)
    # FHL 2005 report -9582.4 for the BG/NBD on this sample
    assert table.at["BG/NBD", "llf"] == pytest.approx(-9582.4, abs=0.05)


def _bgnbd_conditional(p, t, x, tx, T, shift=0):
    """FHL eq. (10) (shift=0) and its MBG/NBD counterpart (shift=1), published forms."""
    r, alpha, a, b = p
    z = t / (alpha + T + t)
    c = a + b + x - 1 + shift
    head = c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x + shift, c, z))
    odds = np.where((x > 0) | (shift > 0), a / (b + x - 1 + shift) * ((alpha + T) / (alpha + tx)) ** (r + x), 0.0)
    return head / (1 + odds)


def _pnbd_conditional(p, t, x, tx, T):
    """SMC 1987 / FH05 eq. (22): P(alive) x (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]."""
    r, alpha, s, beta = p
    alive, sA = _pnbd_parts(p, x, tx, T)
    p_alive = alive / (alive + sA)
    return p_alive * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))


def test_holdout_mae_rmse_against_numpy(cdnow):
    _, cal, fits = cdnow
    table = compare_models(*fits.values(), data=cal, names=list(fits))
    x, tx, T = _columns(cal)
    t = float(cal["duration_holdout"].iloc[0])
    actual = cal["frequency_holdout"].to_numpy(float)
    ux, utx, uT, inv = _unique(x, tx, T)
    pred = {
        "BG/NBD": _bgnbd_conditional(fits["BG/NBD"].params.to_numpy(), t, x, tx, T),
        "MBG/NBD": _bgnbd_conditional(fits["MBG/NBD"].params.to_numpy(), t, x, tx, T, shift=1),
        "Pareto/NBD": _pnbd_conditional(fits["Pareto/NBD"].params.to_numpy(), t, ux, utx, uT)[inv],
    }
    for name, e in pred.items():
        err = e - actual
        assert table.at[name, "holdout_mae"] == pytest.approx(np.mean(np.abs(err)), rel=1e-8)
        assert table.at[name, "holdout_rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-8)
        assert table.at[name, "holdout_bias"] == pytest.approx(np.mean(err), rel=1e-7)
        assert table.at[name, "holdout_predicted"] == pytest.approx(e.sum(), rel=1e-8)
        assert table.at[name, "holdout_actual"] == actual.sum() == 1882  # FHL 2005: weeks 40-78


def _bgnbd_p_n(p, n, t, shift=0):
    """P(X(t)=n) of a new customer, FHL 2005 eq. (8) (shift=1: the MBG/NBD of BDF 2007), with the
    tail of the negative binomial as 1 minus the finite sum, in plain numpy."""
    r, alpha, a, b = p
    j = np.arange(n)
    nb = lambda k: np.exp(gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * np.log(alpha / (alpha + t))  # noqa: E731
                          + k * np.log(t / (alpha + t)))
    first = np.exp(betaln(a, b + n + shift) - betaln(a, b)) * nb(n)
    if n == 0 and not shift:
        return first
    tail = 1.0 - sum(nb(k) for k in j)
    return first + np.exp(betaln(a + 1, b + n - 1 + shift) - betaln(a, b)) * tail


def test_histogram_chi_square_against_fhl_eq8(cdnow):
    _, cal, fits = cdnow
    table = compare_models(fits["BG/NBD"], fits["MBG/NBD"], data=cal, names=["BG/NBD", "MBG/NBD"])
    T = cal["T"].to_numpy(float)
    observed = np.bincount(np.minimum(cal["frequency"].to_numpy(), 7), minlength=8)
    for name, shift in (("BG/NBD", 0), ("MBG/NBD", 1)):
        p = fits[name].params.to_numpy()
        expected = np.array([_bgnbd_p_n(p, n, T, shift).sum() for n in range(7)])
        expected = np.r_[expected, len(cal) - expected.sum()]
        chi2 = ((observed - expected) ** 2 / expected).sum()
        assert table.at[name, "histogram_chi2"] == pytest.approx(chi2, rel=1e-8)
        assert table.at[name, "histogram_p_value"] == pytest.approx(stats.chi2.sf(chi2, 8 - 1 - 4), rel=1e-8)
    with pytest.raises(DataError, match="max_frequency must be at least"):
        compare_models(fits["BG/NBD"], data=cal, max_frequency=4)


def test_tracking_error_against_fhl_eq7(cdnow):
    tx, cal, fits = cdnow
    weeks = np.arange(40.0, 79.0)
    actual = actual_repeat_transactions(tx, customer_col="customer_id", date_col="date", origin="1997-01-01",
                                        times=weeks)["cumulative"]
    births = 272 / 7 - cal["T"].to_numpy()  # weeks from 1997-01-01 to the first purchase (1997-09-30 is day 272)
    got = compare_models(fits["BG/NBD"], data=cal, first_purchase=births, tracking=actual)
    r, alpha, a, b = fits["BG/NBD"].params.to_numpy()
    age = np.clip(weeks[:, None] - births[None, :], 0, None)
    new = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + age)) ** r * hyp2f1(r, b, a + b - 1, age / (alpha + age)))
    expected = np.where(age > 0, new, 0.0).sum(axis=1)
    mape = 100 * np.mean(np.abs(expected - actual.to_numpy()) / actual.to_numpy())
    assert got.at["BetaGeo", "tracking_mape"] == pytest.approx(mape, rel=1e-8)
    assert got.index.tolist() == ["BetaGeo"]  # default names: the model classes


def test_without_holdout_only_the_fit_columns(cdnow):
    _, cal, fits = cdnow
    plain = cal[["frequency", "recency", "T"]]
    table = compare_models(fits["BG/NBD"], data=plain)
    assert table.columns.tolist() == ["n_params", "llf", "aic", "bic", "histogram_chi2", "histogram_p_value"]


def test_holdout_given_explicitly_and_per_customer_durations(cdnow):
    _, cal, fits = cdnow
    res = fits["BG/NBD"]
    base = compare_models(res, data=cal)
    same = compare_models(res, data=cal[["frequency", "recency", "T"]], holdout=cal["frequency_holdout"],
                          duration=39.0)
    pd.testing.assert_frame_equal(base, same)
    # per-customer holdout lengths: each customer's own forecast
    dur = np.where(np.arange(len(cal)) % 2 == 0, 39.0, 13.0)
    mixed = compare_models(res, data=cal, duration=dur)
    pred = np.where(dur == 39.0, res.expected_purchases(cal, horizon=39.0), res.expected_purchases(cal, horizon=13.0))
    assert mixed.at["BetaGeo", "holdout_predicted"] == pytest.approx(pred.sum(), rel=1e-12)


@pytest.mark.parametrize("kwargs,match", [
    ({"names": ["a"]}, "one label per model"),
    ({"names": ["a", "a"]}, "distinct"),
    ({"holdout": "nope"}, "not a column"),
    ({"duration": -1.0}, "duration must be > 0"),
    ({"tracking": pd.Series([1.0], index=[40.0])}, "first_purchase"),
])
def test_errors(cdnow, kwargs, match):
    _, cal, fits = cdnow
    models = [fits["BG/NBD"], fits["MBG/NBD"]]
    with pytest.raises(DataError, match=match):
        compare_models(*models, data=cal, **kwargs)
    with pytest.raises(DataError, match="at least one fitted model"):
        compare_models(data=cal)
