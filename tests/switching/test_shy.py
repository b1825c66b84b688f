"""Shy (2002) switching costs: identities, closed forms, intervals and bad input."""


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.math import shy as kernel
from custvalue.simulate.switching import simulate_upp_market
from custvalue.switching import (NegativeSwitchingCostWarning, shy_switching_costs,
                                 undercut_proof_prices)


def test_two_firms_60_40_equal_prices_give_6_and_4():
    # Shy (2002), section 3: S_A = p_A - p_B N_B/(N_A+N_B) = 10 - 10*0.4 = 6, S_B = 10 - 10*0.6 = 4
    res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40])
    np.testing.assert_allclose(res.switching_costs.to_numpy(), [6.0, 4.0], rtol=0, atol=1e-12)
    assert res.rival.tolist() == [1, 0]
    np.testing.assert_allclose(res.table()["ratio"].to_numpy(), [0.6, 0.4])


def test_symmetric_closed_form_of_shy():
    # p_A = (N_A + N_B)(N_A + 2 N_B) S / (N_A^2 + N_A N_B + N_B^2), Shy (2002) eq. for UPP prices
    NA, NB, S = 60.0, 40.0, 5.0
    pa = (NA + NB) * (NA + 2 * NB) * S / (NA**2 + NA * NB + NB**2)
    pb = (NA + NB) * (NB + 2 * NA) * S / (NA**2 + NA * NB + NB**2)
    got = undercut_proof_prices(S, [NA, NB])
    np.testing.assert_allclose(got.to_numpy(), [pa, pb], rtol=1e-12)
    np.testing.assert_allclose(kernel.two_firm_prices(S, S, NA, NB), [pa, pb], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 10_000))
def test_prices_from_known_S_give_back_S(n, seed):
    rng = np.random.default_rng(seed)
    N = rng.uniform(1, 1000, n)
    S = rng.uniform(0.1, 50, n)
    mc = rng.uniform(0, 5, n)
    market = simulate_upp_market(N, S, marginal_cost=mc)
    # every UPP condition binds: p_u N_u = (p_i - S_i)(N_i + N_u)
    r = kernel.default_rival(N)
    m = market["price"].to_numpy() - mc
    np.testing.assert_allclose(m[r] * N[r], (m - S) * (N + N[r]), rtol=1e-9)
    res = shy_switching_costs(market)
    np.testing.assert_allclose(res.switching_costs.to_numpy(), S, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(sa=st.floats(0.1, 20), sb=st.floats(0.1, 20), na=st.floats(1, 1e4), nb=st.floats(1, 1e4))
def test_two_firm_closed_forms_are_inverse(sa, sb, na, nb):
    pa, pb = kernel.two_firm_prices(sa, sb, na, nb)
    got = kernel.two_firm_switching_costs(pa, pb, na, nb)
    np.testing.assert_allclose(got, [sa, sb], rtol=1e-9)
    np.testing.assert_allclose(undercut_proof_prices([sa, sb], [na, nb]).to_numpy(), [pa, pb], rtol=1e-9)


def test_default_rivals_smallest_and_second_smallest():
    N = np.array([500.0, 300.0, 100.0, 200.0])
    assert kernel.default_rival(N).tolist() == [2, 2, 3, 2]


def test_rival_options():
    d = pd.DataFrame({"price": [30.0, 25, 28, 35], "customers": [500, 300, 200, 100]},
                     index=pd.Index(list("WXYZ"), name="bank"))
    by_label = shy_switching_costs(d, rival="X")
    assert by_label.rival.tolist() == ["X", "Z", "X", "X"]
    mapped = shy_switching_costs(d, rival={"W": "Y"})
    assert mapped.rival["W"] == "Y" and mapped.rival["X"] == "Z"
    # S_W = 30 - 28*200/700
    assert mapped.switching_costs["W"] == pytest.approx(30 - 28 * 200 / 700)
    with pytest.raises(ModelSpecificationError, match="rival"):
        shy_switching_costs(d, rival="Q")
    with pytest.raises(ModelSpecificationError, match="own rival"):
        shy_switching_costs(d, rival={"W": "W"})


def _finite_difference_se(p, N, sp, sn, r):
    k = p.size
    J = np.zeros((k, 2 * k))
    x0 = np.r_[p, N]
    for j in range(2 * k):
        h = 1e-6 * max(1.0, abs(x0[j]))
        xp, xm = x0.copy(), x0.copy()
        xp[j] += h
        xm[j] -= h
        f = lambda x: x[:k] - x[:k][r] * x[k:][r] / (x[k:] + x[k:][r])  # Shy's formula, written out
        J[:, j] = (f(xp) - f(xm)) / (2 * h)
    return np.sqrt(np.diag(J @ np.diag(np.r_[sp, sn] ** 2) @ J.T))


def test_delta_method_matches_finite_differences_and_bootstrap():
    p = np.array([30.0, 25, 28, 35])
    N = np.array([500.0, 300, 200, 100])
    sp = np.array([0.5, 0.4, 0.6, 0.3])
    sn = np.array([20.0, 15, 10, 8])
    delta = shy_switching_costs(price=p, customers=N, price_se=sp, customers_se=sn)
    r = kernel.default_rival(N)
    np.testing.assert_allclose(delta.bse.to_numpy(), _finite_difference_se(p, N, sp, sn, r), rtol=1e-5)
    boot = shy_switching_costs(price=p, customers=N, price_se=sp, customers_se=sn,
                               method="bootstrap", n_draws=4000, seed=1)
    np.testing.assert_allclose(boot.bse.to_numpy(), delta.bse.to_numpy(), rtol=0.08)
    ci = delta.conf_int(0.9)
    assert (ci["lower"] < delta.switching_costs).all() and (ci["upper"] > delta.switching_costs).all()
    assert set(["switching_cost", "std_err", "lower", "upper", "share"]) <= set(delta.table().columns)


def test_no_sampling_error_gives_nan_intervals():
    res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40])
    assert res.bse.isna().all() and res.conf_int().isna().all().all()
    assert "none" in str(res.summary())


def test_negative_estimate_warns():
    with pytest.warns(NegativeSwitchingCostWarning, match="firm"):
        res = shy_switching_costs(price=[2.0, 20.0], customers=[60, 40])
    assert list(res.negative) == [0]


def test_marginal_cost_is_netted_out():
    a = shy_switching_costs(price=[15.0, 15.0], customers=[60, 40], marginal_cost=5.0)
    np.testing.assert_allclose(a.switching_costs.to_numpy(), [6.0, 4.0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(price=[10.0, 10.0], customers=[60, 0]), "customers must be > 0"),
    (dict(price=[10.0, 10.0], customers=[60, -5]), "customers must be > 0"),
    (dict(price=[10.0, 4.0], customers=[60, 40], marginal_cost=5.0), "above marginal_cost"),
    (dict(price=[10.0, 5.0], customers=[60, 40], marginal_cost=[1.0, 5.0]), "above marginal_cost"),
    (dict(price=[10.0], customers=[60]), "at least two firms"),
    (dict(price=[10.0, np.nan], customers=[60, 40]), "finite"),
    (dict(price=[10.0, 10.0], customers=[60, 40], price_se=-1.0), "price_se must be >= 0"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(DataError, match=match):
        shy_switching_costs(**kwargs)


def test_bad_input_names_the_firm():
    d = pd.DataFrame({"price": [10.0, 10.0, 3.0], "customers": [60, 40, 10], "marginal_cost": 4.0},
                     index=pd.Index(["big", "mid", "tiny"], name="firm"))
    with pytest.raises(DataError, match="first firm: tiny"):
        shy_switching_costs(d)
    with pytest.raises(DataError, match="at least two firms"):
        simulate_upp_market([10.0], 1.0)


def test_results_are_frozen_and_pickle():
    import pickle

    res = shy_switching_costs(price=[10.0, 10.0], customers=[60, 40], price_se=0.1)
    with pytest.raises(AttributeError):
        res.method = "x"
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(again.switching_costs, res.switching_costs)
    assert "<table" in res._repr_html_()
