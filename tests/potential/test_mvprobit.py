"""MultivariateProbit against independent references: statsmodels Probit (J = 1), the
bivariate normal CDF from scipy (J = 2), finite differences, and recovery of known
parameters from bases simulated from the model."""

import pickle

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.potential import MultivariateProbit
from custvalue.simulate.potential import simulate_potential_base

from ..conftest import IN_CI


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.endog.rename("GRADE").to_frame(), data.exog


def test_one_product_equals_statsmodels_probit(spector):
    y, X = spector
    ref = sm.Probit(y["GRADE"], sm.add_constant(X)).fit(disp=0, tol=1e-12)
    # start far from statsmodels' estimate so that agreement tests our likelihood and gradient
    res = MultivariateProbit(y, X).fit(start_params=np.zeros(4), gtol=1e-10)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), atol=1e-6)
    assert res.llf == pytest.approx(ref.llf, abs=1e-8)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(res.predict()["GRADE"], ref.predict(), atol=1e-7)
    # marginal effects: average and at the means, against statsmodels' get_margeff
    for at in ("overall", "mean"):
        me = res.marginal_effects(at=at)["GRADE"]
        np.testing.assert_allclose(me.to_numpy(), ref.get_margeff(at=at).margeff, atol=1e-6)
    assert res.lr_test_independence().df == 0


def _bivariate_loglike_reference(y, mu, rho):
    q = 2 * y - 1
    out = []
    for i in range(len(y)):
        r = q[i, 0] * q[i, 1] * rho
        out.append(np.log(stats.multivariate_normal.cdf(q[i] * mu[i], mean=[0, 0], cov=[[1, r], [r, 1]],
                                                        abseps=1e-12, releps=1e-12)))
    return np.array(out)


def test_two_products_equal_the_exact_bivariate_probit():
    base = simulate_potential_base(400, n_products=2, seed=4)
    model = MultivariateProbit(base.ownership, base.covariates)
    assert model.method == "exact"
    res = model.fit()
    mu = res.linear_index().to_numpy()
    rho = res.corr.iloc[1, 0]
    ref = _bivariate_loglike_reference(base.ownership.to_numpy().astype(float), mu, rho)
    np.testing.assert_allclose(model.loglike_obs(res.params.to_numpy()), ref, atol=1e-8)
    assert res.llf == pytest.approx(ref.sum(), abs=1e-6)
    # at the optimum the exact score vanishes
    assert np.abs(model.score(res.params)).max() < 1e-3
    # and GHK with many draws approaches the exact likelihood
    ghk_model = MultivariateProbit(base.ownership, base.covariates, method="ghk", n_draws=500)
    assert ghk_model.loglike(res.params) == pytest.approx(res.llf, abs=0.05)


def test_analytic_gradient_equals_finite_differences_of_simulated_likelihood():
    base = simulate_potential_base(300, n_products=4, seed=5)
    model = MultivariateProbit(base.ownership, base.covariates, n_draws=30)
    rng = np.random.default_rng(0)
    p = model.start_params() + rng.normal(scale=0.1, size=len(model.param_names))
    g = model.score(p)
    num = np.empty_like(g)
    for k in range(p.size):
        e = np.zeros_like(p)
        e[k] = 1e-6
        num[k] = (model.loglike(p + e) - model.loglike(p - e)) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)
    # the optimiser's path (d/d L summed inside the kernel, X_j' dmu_j) gives the same numbers
    ll, g2 = model.loglike_and_score(p)
    assert ll == pytest.approx(model.loglike_obs(p).sum(), rel=1e-14)
    np.testing.assert_allclose(g2, g, rtol=1e-10, atol=1e-10)
    # with customer weights it is the weighted sum of the per-customer values
    model.weights = rng.uniform(0.5, 2.0, model.weights.size)
    ll_w, g_w = model.loglike_and_score(p)
    assert ll_w == pytest.approx(model.weights @ model.loglike_obs(p), rel=1e-14)
    np.testing.assert_allclose(g_w, model.weights @ model.score_obs(p), rtol=1e-10, atol=1e-10)


def test_recovery_standard_errors_and_lr_test():
    """n = 10,000 customers, J = 4 products: estimates within about 2 SE of the truth,
    Hessian, OPG and sandwich standard errors agree, and the LR test rejects Sigma = I."""
    J, n = 4, 10_000
    base = simulate_potential_base(n, n_products=J, seed=2024)
    model = MultivariateProbit(base.ownership, base.covariates, n_draws=20 if IN_CI else 50, seed=1)
    res = model.fit()
    assert res.converged
    k = base.beta.size
    beta_z = (res.beta - base.beta).to_numpy() / res.bse.to_numpy()[:k].reshape(J, -1).T
    r, c = np.tril_indices(J, -1)
    z_corr = (res.corr.to_numpy()[r, c] - base.corr.to_numpy()[r, c]) / res.corr_bse.to_numpy()[r, c]
    z = np.concatenate([beta_z.ravel(), z_corr])
    assert np.abs(z).max() < 3.5, z
    assert np.mean(z ** 2) < 2.0, z  # about chi-square(k) / k
    # Hessian vs outer-product vs sandwich standard errors
    p = res.params.to_numpy()
    opg = np.sqrt(np.diag(model._covariance(p, "opg")))
    np.testing.assert_allclose(res.bse.to_numpy() / opg, 1.0, atol=0.1)
    h_inv = res.cov_params.to_numpy()
    s = model.score_obs(p)
    robust = np.sqrt(np.diag(h_inv @ (s.T @ s) @ h_inv))
    np.testing.assert_allclose(robust / res.bse.to_numpy(), 1.0, atol=0.1)
    # LR test of independence; the restricted llf is the sum of statsmodels' probits
    lr = res.lr_test_independence()
    assert lr.df == 6 and lr.statistic > 0 and lr.pvalue < 1e-10
    ref = sum(sm.Probit(base.ownership[q], sm.add_constant(base.covariates)).fit(disp=0).llf
              for q in base.ownership.columns)
    assert res.llf_independent == pytest.approx(ref, abs=1e-6)


def test_recovery_with_six_products():
    """n = 10,000, J = 6 (39 parameters), OPG standard errors: estimates within about 2 SE."""
    J, n = 6, 10_000
    base = simulate_potential_base(n, n_products=J, seed=606)
    model = MultivariateProbit(base.ownership, base.covariates, n_draws=20 if IN_CI else 30, seed=2)
    res = model.fit(cov_type="opg")
    assert res.converged
    k = base.beta.size
    beta_z = (res.beta - base.beta).to_numpy() / res.bse.to_numpy()[:k].reshape(J, -1).T
    r, c = np.tril_indices(J, -1)
    z_corr = (res.corr.to_numpy()[r, c] - base.corr.to_numpy()[r, c]) / res.corr_bse.to_numpy()[r, c]
    z = np.concatenate([beta_z.ravel(), z_corr])
    assert np.abs(z).max() < 3.5, z
    assert np.mean(z ** 2) < 2.0, z


def test_results_do_not_depend_on_row_order():
    base = simulate_potential_base(600, n_products=3, seed=8)
    perm = np.random.default_rng(0).permutation(600)
    m1 = MultivariateProbit(base.ownership, base.covariates, n_draws=20)
    m2 = MultivariateProbit(base.ownership.iloc[perm], base.covariates.iloc[perm], n_draws=20)
    p = m1.start_params() + 0.05
    assert m1.loglike(p) == pytest.approx(m2.loglike(p), rel=1e-12)
    ll1 = pd.Series(m1.loglike_obs(p), index=m1.index)
    ll2 = pd.Series(m2.loglike_obs(p), index=m2.index)
    pd.testing.assert_series_equal(ll1, ll2.loc[ll1.index])
    s1 = pd.DataFrame(m1.score_obs(p), index=m1.index)
    s2 = pd.DataFrame(m2.score_obs(p), index=m2.index)
    pd.testing.assert_frame_equal(s1, s2.loc[s1.index], check_exact=True)  # bit for bit
    m3 = MultivariateProbit(base.ownership, base.covariates, n_draws=20, seed=99)
    assert m3.loglike(p) != m1.loglike(p)


@pytest.fixture(scope="module")
def trivariate():
    base = simulate_potential_base(800, n_products=3, seed=11)
    res = MultivariateProbit(base.ownership, base.covariates, n_draws=30).fit()
    return base, res


def test_predictions_keep_the_customer_index(trivariate):
    base, res = trivariate
    new = base.covariates.iloc[:50].set_axis(pd.Index([f"c{i}" for i in range(50)], name="customer_id"))
    pred = res.predict(new)
    assert list(pred.index) == list(new.index)
    np.testing.assert_allclose(pred.to_numpy(), stats.norm.cdf(res.linear_index(new).to_numpy()))
    jp = res.joint_probability({"car": 1, "home": 0, "life": 1}, new)
    assert jp.index.equals(new.index) and ((jp > 0) & (jp < 1)).all()


def test_joint_and_conditional_probabilities_match_scipy(trivariate):
    base, res = trivariate
    X = base.covariates.iloc[:3]
    mu = res.linear_index(X).to_numpy()
    corr = res.corr.to_numpy()
    owned = base.ownership.iloc[:3].to_numpy().astype(float)

    def mvn(pattern, i):
        q = 2 * np.asarray(pattern, float) - 1
        return stats.multivariate_normal.cdf(q * mu[i], mean=np.zeros(3), cov=corr * np.outer(q, q),
                                             abseps=1e-6, releps=1e-6)

    jp = res.joint_probability([1, 1, 0], X, n_draws=3000).to_numpy()
    np.testing.assert_allclose(jp, [mvn([1, 1, 0], i) for i in range(3)], rtol=5e-3, atol=5e-4)
    cond = res.conditional_probability(owned, X, n_draws=3000).to_numpy()
    for i in range(3):
        for j in range(3):
            y1, y0 = owned[i].copy(), owned[i].copy()
            y1[j], y0[j] = 1, 0
            ref = mvn(y1, i) / (mvn(y1, i) + mvn(y0, i))
            assert cond[i, j] == pytest.approx(ref, abs=3e-3)


def test_bivariate_conditional_probability_is_exact():
    base = simulate_potential_base(800, n_products=2, seed=12)
    res = MultivariateProbit(base.ownership, base.covariates).fit()
    mu = res.linear_index().to_numpy()[:4]
    rho = res.corr.iloc[1, 0]
    cond = res.conditional_probability(np.ones((4, 2)), base.covariates.iloc[:4]).to_numpy()
    for i in range(4):
        both = stats.multivariate_normal.cdf(mu[i], mean=[0, 0], cov=[[1, rho], [rho, 1]], abseps=1e-12)
        np.testing.assert_allclose(cond[i, 0], both / stats.norm.cdf(mu[i, 1]), atol=1e-7)


def test_results_are_frozen_pickle_and_summarise(trivariate):
    _, res = trivariate
    with pytest.raises(AttributeError):
        res.params = None
    clone = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(clone.corr, res.corr)
    text = str(res.summary())
    assert "LR test" in text and "Correlations" in text
    assert "<table" in res.summary()._repr_html_()
    assert res.corr_table().shape == (3, 4)


def test_list_of_designs_and_formulas():
    base = simulate_potential_base(800, n_products=2, seed=13)
    X = base.covariates
    res_list = MultivariateProbit(base.ownership, [X[["age", "income"]], X[["homeowner"]]]).fit()
    assert list(res_list.beta.index) == ["const", "age", "income", "homeowner"]
    assert np.isnan(res_list.beta.loc["homeowner", "car"])
    df = base.ownership.join(X)
    res_f = MultivariateProbit.from_formula(["car ~ age + income", "home ~ homeowner"], df).fit()
    np.testing.assert_allclose(res_f.params.to_numpy(), res_list.params.to_numpy(), atol=1e-6)


# ---- bad input ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return simulate_potential_base(200, n_products=3, seed=3)


def test_non_binary_y_is_rejected(small):
    y = small.ownership.copy()
    y.iloc[5, 1] = 2
    with pytest.raises(DataError, match=r"y must be binary.*home.*customer_id: 5"):
        MultivariateProbit(y, small.covariates)


def test_constant_column_of_y_is_rejected(small):
    y = small.ownership.copy()
    y["life"] = 1
    with pytest.raises(DataError, match=r"both 0 and 1.*'life': 1"):
        MultivariateProbit(y, small.covariates)


def test_collinear_covariates_are_rejected(small):
    X = small.covariates.assign(age2=2 * small.covariates["age"])
    with pytest.raises(DataError, match="collinear"):
        MultivariateProbit(small.ownership, X)


def test_missing_values_are_rejected(small):
    X = small.covariates.copy()
    X.iloc[7, 0] = np.nan
    with pytest.raises(DataError, match=r"finite.*customer_id: 7"):
        MultivariateProbit(small.ownership, X)
    y = small.ownership.astype(float)
    y.iloc[3, 0] = np.nan
    with pytest.raises(DataError, match=r"y must be finite"):
        MultivariateProbit(y, small.covariates)


def test_perfect_separation_is_rejected(small):
    y = small.ownership.copy()
    y["car"] = (small.covariates["age"] > 0).astype(int)
    with pytest.raises(DataError, match="perfect separation"):
        MultivariateProbit(y, small.covariates)


def test_too_few_draws(small):
    with pytest.raises(DataError, match="draws must be an integer >= 1"):
        MultivariateProbit(small.ownership, small.covariates, n_draws=0)
    with pytest.warns(UserWarning, match="n_draws=5 is small"):
        MultivariateProbit(small.ownership, small.covariates, n_draws=5)


def test_other_specification_errors(small):
    with pytest.raises(ModelSpecificationError, match="J <= 2"):
        MultivariateProbit(small.ownership, small.covariates, method="exact")
    with pytest.raises(DataError, match="one row per customer"):
        MultivariateProbit(small.ownership, small.covariates.iloc[:-1].to_numpy())
    with pytest.raises(DataError, match="unique"):
        MultivariateProbit(small.ownership.set_axis([0] * 200), small.covariates)
    with pytest.raises(DataError, match="list of J = 3"):
        MultivariateProbit(small.ownership, [small.covariates] * 2)
