"""Issue 15: the switching-cost models no longer report numbers they cannot identify.

* designs that cannot identify a coefficient combination are refused up front
  (two brands with Wooldridge's initial conditions, two brands with brand-specific state
  dependence, no price variation across brands);
* a singular information matrix at the estimate (a brand never chosen) gives an
  IdentificationWarning naming the flat direction and NaN standard errors for it, while the
  identified parameters keep the standard errors of the model without the flat direction
  (statsmodels' ConditionalLogit on the reduced choice set);
* a price coefficient that is not negative and significant gives no money-metric interval;
* a negative delta-method variance gives NaN, never a zero-width interval;
* well-identified panels do not warn.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from custvalue.exceptions import ConvergenceWarning, IdentificationWarning, ModelSpecificationError
from custvalue.math import clogit
from custvalue.simulate.switching import simulate_choice_panel
from custvalue.switching import (InitialConditionsWarning, RandomInterceptLogit,
                                 StateDependenceLogit, prepare_choice_panel)


def test_two_brands_with_wooldridge_is_flat_and_refused():
    panel = simulate_choice_panel(100, 4, brands=2, heterogeneity=1.0, seed=2)
    # independent check of the claim with the kernel: the simulated log-likelihood is
    # flat along (asc_B, init_A, init_B) + (2, 2, -2)
    cp = prepare_choice_panel(panel)
    n = cp.chosen.size
    eA, eB = np.tile([1.0, 0.0], (n, 1)), np.tile([0.0, 1.0], (n, 1))
    lag = np.eye(2)[cp.lag]
    X = np.stack([eB, cp.price, lag, eA * (cp.initial == 0)[:, None], eB * (cp.initial == 1)[:, None]],
                 axis=2)  # asc_B, alpha, gamma, init_A, init_B
    draws = np.random.default_rng(0).standard_normal((cp.group_starts.size, 50, 1))
    loading = np.array([[0.0], [1.0]])
    theta = np.array([0.3, -2.0, 1.2, 0.5, -0.4])
    ll = [clogit.mixed_loglike(theta + t * np.array([2.0, 0, 0, 2.0, -2.0]), [0.8], X, cp.chosen,
                               cp.group_starts, draws, loading).sum() for t in (0.0, 1.0, -3.0)]
    np.testing.assert_allclose(ll, ll[0], rtol=1e-12)
    with pytest.raises(ModelSpecificationError,
                       match=r"two brands.*\(asc_B, init_A, init_B\) \+ t \* \(1, 1, -1\)"):
        RandomInterceptLogit(panel, n_draws=10)
    # the exogenous version is identified
    with pytest.warns(InitialConditionsWarning):
        RandomInterceptLogit(panel, n_draws=10, initial_conditions="exogenous")


def test_brand_specific_state_dependence_needs_three_brands():
    panel = simulate_choice_panel(100, 4, brands=2, seed=2)
    with pytest.raises(ModelSpecificationError,
                       match=r"\(asc_B, gamma_A, gamma_B\) \+ t \* \(1, 1, -1\).*state_dependence='common'"):
        StateDependenceLogit(panel, state_dependence="brand")


@pytest.mark.parametrize("model", [StateDependenceLogit, RandomInterceptLogit])
def test_no_price_variation_across_brands_is_refused(model):
    # before: alpha stayed at ~0 and the switching cost came out as 1e15
    panel = simulate_choice_panel(200, 4, brands=3, seed=3)
    panel["price_B"] = panel["price_A"]
    panel["price_C"] = panel["price_A"]
    with pytest.raises(ModelSpecificationError, match=r"\(alpha\) \+ t \* \(1\).*price differences"):
        model(panel)
    # a constant price gap is absorbed by the brand intercepts: alpha is not identified either
    panel["price_B"] = panel["price_A"] + 0.5
    with pytest.raises(ModelSpecificationError, match=r"\(asc_B, alpha\) \+ t \* \(0\.5, -1\)"):
        model(panel)


def test_never_chosen_brand_flags_its_intercept_and_keeps_the_rest():
    from statsmodels.discrete.conditional_models import ConditionalLogit

    panel = simulate_choice_panel(300, 5, brands=3, intercepts=[0.0, -30.0], seed=3)
    assert "C" not in set(panel["choice"])
    model = StateDependenceLogit(panel)
    with pytest.warns(IdentificationWarning, match=r"flat along \(asc_C\) \+ t \* \(1\)"):
        res = model.fit()
    assert np.isnan(res.bse["asc_C"])
    assert np.isfinite(res.bse.drop("asc_C")).all()
    # reference: the same logit on the choice set without brand C (statsmodels)
    endog, exog, groups = model.long_format()
    keep = np.tile([True, True, False], endog.size // 3)
    cols = [model.param_names.index(n) for n in ("asc_B", "alpha", "gamma")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = ConditionalLogit(endog[keep], exog[keep][:, cols], groups=groups[keep]).fit(
            method="newton", maxiter=100, tol=1e-12, disp=False)
    np.testing.assert_allclose(res.params[["asc_B", "alpha", "gamma"]].to_numpy(), sm.params,
                               rtol=1e-5)
    np.testing.assert_allclose(res.bse[["asc_B", "alpha", "gamma"]].to_numpy(), sm.bse, rtol=1e-4)
    sc = res.switching_cost()  # gamma and alpha are identified: a proper interval
    assert np.isfinite(sc.to_numpy()).all()
    assert "not identified" in str(res.summary())


def test_positive_price_coefficient_gives_no_switching_cost():
    # before: a "switching cost" gamma/|alpha| with a confidence interval
    res = StateDependenceLogit(simulate_choice_panel(400, 5, brands=3, alpha=1.0, seed=3)).fit()
    assert res.params["alpha"] > 0
    with pytest.warns(IdentificationWarning, match=r"alpha = 1\.\d+ is not negative"):
        sc = res.switching_cost()
    assert sc.isna().all().all()


def test_insignificant_price_coefficient_gives_no_interval():
    res = StateDependenceLogit(simulate_choice_panel(150, 3, brands=3, alpha=-0.1, seed=1)).fit()
    a, se = res.params["alpha"], res.bse["alpha"]
    assert a < 0 and abs(a) / se < 1.96  # this panel's alpha is not significant at 95%
    with pytest.warns(IdentificationWarning, match="not significantly different from zero.*Fieller"):
        sc = res.switching_cost(0.95).iloc[0]
    assert sc["estimate"] == pytest.approx(res.params["gamma"] / abs(a))
    assert np.isnan(sc[["std err", "lower", "upper"]].to_numpy(dtype=float)).all()
    # at a level where alpha is significant, the interval is back
    level = 0.9 * (2 * stats.norm.cdf(abs(a) / se) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentificationWarning)
        assert np.isfinite(res.switching_cost(level).iloc[0].to_numpy()).all()


def _delta_variance(model, params):
    """Delta-method variance of gamma/|alpha| from the inverse negative Hessian at params,
    and whether alpha is significantly negative there (so that the variance is used)."""
    names = list(model.param_names)
    cov = np.linalg.inv(-model.hessian(params))
    ig, ia = names.index("gamma"), names.index("alpha")
    a, g = params["alpha"], params["gamma"]
    grad = np.array([1 / abs(a), g / a**2])  # d(g/|a|)/d(g, a) for a < 0, by hand
    significant = cov[ia, ia] > 0 and a < 0 and abs(a) / np.sqrt(cov[ia, ia]) > 1.96
    return grad @ cov[np.ix_([ig, ia], [ig, ia])] @ grad, significant


def test_negative_delta_method_variance_is_nan_not_zero():
    # a fit stopped (maxiter=0) at a point where the Hessian is indefinite, so that the
    # delta-method variance of gamma/|alpha| is negative; before, it was clipped to 0 (a
    # zero-width interval)
    panel = simulate_choice_panel(150, 4, brands=3, heterogeneity=1.0, seed=2)
    model = RandomInterceptLogit(panel, n_draws=10)
    rng = np.random.default_rng(0)
    for _ in range(200):  # find such a point (the first few draws usually do)
        start = dict(zip(model.param_names, rng.normal(0, 1.5, len(model.param_names))))
        start.update({n: abs(v) + 0.05 for n, v in start.items() if n.startswith("sigma")})
        var, significant = _delta_variance(model, start)
        if significant and var < 0:
            break
    else:  # pragma: no cover
        pytest.fail("no start point with a negative delta-method variance found")
    with pytest.warns(ConvergenceWarning):
        res = model.fit(start_params=start, maxiter=0)
    with pytest.warns(IdentificationWarning, match="delta-method variance .* is negative"):
        sc = res.switching_cost().iloc[0]
    assert np.isnan(sc["std err"]) and np.isnan(sc["lower"]) and np.isnan(sc["upper"])


@pytest.mark.parametrize("kind", ["naive", "random_intercept"])
def test_well_identified_panels_do_not_warn(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentificationWarning)
        if kind == "naive":
            res = StateDependenceLogit(simulate_choice_panel(300, 5, brands=3, seed=3),
                                       state_dependence="brand").fit()
        else:
            res = RandomInterceptLogit(simulate_choice_panel(200, 5, brands=3, heterogeneity=1.0,
                                                             seed=4), n_draws=20).fit()
        sc = res.switching_cost()
        str(res.summary())
    assert np.isfinite(res.bse).all()
    assert np.isfinite(sc.to_numpy()).all()
