"""PLS-PM: recovery, bootstrap (vectorised = resampling the data; coverage near nominal),
mode B and scheme fixed points, spec parsing, and clear errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.exceptions import ConvergenceWarning, DataError, ModelSpecificationError
from custvalue.loyalty import PLSPM, ModelSpec, plspm
from custvalue.loyalty.pls import _estimates
from custvalue.simulate.loyalty import LoyaltyStructure, implied_covariance, simulate_path_model

from ._models import ECSI, load_mobi

STRUCT = LoyaltyStructure(
    ("A", "B", "C"), {("A", "B"): 0.5, ("A", "C"): 0.2, ("B", "C"): 0.4},
    {"A": {"a1": .8, "a2": .7, "a3": .75}, "B": {"b1": .8, "b2": .75, "b3": .7},
     "C": {"c1": .85, "c2": .7, "c3": .75}})
SPEC = "A =~ a1 + a2 + a3; B =~ b1 + b2 + b3; C =~ c1 + c2 + c3; B ~ A; C ~ A + B"


def _population(spec, scheme="path", scale=True):
    """PLS estimand: the algorithm applied to the exact population covariance."""
    S = implied_covariance(STRUCT)
    dummy = pd.DataFrame(np.random.default_rng(0).normal(size=(20, len(S))), columns=S.columns)
    m = PLSPM(spec, dummy, scale=scale)
    est, conv = _estimates(S.loc[m.items, m.items].to_numpy()[None], m, scheme, 1e-12, 1000)
    assert conv.all()
    return {k: v[0] for k, v in est.items()}


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_recovers_population_values(scheme):
    truth = _population(SPEC, scheme)
    d = simulate_path_model(STRUCT, 20_000, seed=7)
    res = plspm(SPEC, d, scheme=scheme, scale=True)
    np.testing.assert_allclose(res.paths.to_numpy(), truth["path"], atol=0.025)
    np.testing.assert_allclose(res.loadings.to_numpy(), truth["loading"], atol=0.02)
    # the PLS estimand is attenuated relative to the true latent paths (finite items) but ordered alike
    assert truth["path"][0] < 0.5 and truth["path"][0] > 0.35


def test_mode_b_fixed_point_is_ols_of_inner_estimate():
    spec = ModelSpec.from_string(SPEC, modes={"A": "B"})
    d = simulate_path_model(STRUCT, 3000, seed=3)
    res = PLSPM(spec, d, scale=True).fit(scheme="factorial", tol=1e-12, maxiter=500)
    Y = res.scores
    # factorial scheme: Z_A = sum_j cor(Y_A, Y_j) Y_j over neighbours B and C
    Z = sum(np.corrcoef(Y["A"], Y[v])[0, 1] * Y[v] for v in ("B", "C"))
    X = (d[["a1", "a2", "a3"]] - d[["a1", "a2", "a3"]].mean()) / d[["a1", "a2", "a3"]].std(ddof=0)
    b = sm.OLS(Z.to_numpy(), X.to_numpy()).fit().params
    w = res.weights[["a1", "a2", "a3"]].to_numpy()
    np.testing.assert_allclose(b / np.linalg.norm(b), w / np.linalg.norm(w), atol=1e-8)
    assert res.reliability.loc["A", "mode"] == "B"


def test_vectorised_bootstrap_equals_refitting_resampled_data():
    d = simulate_path_model(STRUCT, 120, seed=1)
    res = plspm(SPEC, d, scale=True)
    boot = res.bootstrap(6, seed=42)
    idx = np.random.default_rng(42).integers(0, len(d), size=(6, len(d)))
    for b in range(6):  # the test refits each resample the slow way
        ref = plspm(SPEC, d.iloc[idx[b]], scale=True)
        np.testing.assert_allclose(boot.draws.loc[b, "path"].to_numpy(), ref.paths.to_numpy(), atol=1e-10)
        np.testing.assert_allclose(boot.draws.loc[b, ("gof", "GoF")], ref.gof, atol=1e-10)


def test_bootstrap_is_seeded_and_chunking_invariant():
    d = simulate_path_model(STRUCT, 200, seed=2)
    res = plspm(SPEC, d, scale=True)
    a = res.bootstrap(50, seed=9).draws
    b = res.bootstrap(50, seed=9).draws
    pd.testing.assert_frame_equal(a, b)
    c = res.bootstrap(50, seed=9, chunk=50).draws
    pd.testing.assert_frame_equal(a, c)


def test_bootstrap_coverage_near_nominal():
    """Small simulation study: 95% percentile and BCa intervals cover the PLS estimand."""
    truth = _population(SPEC)
    target = np.r_[truth["path"], truth["indirect"]]
    rng = np.random.default_rng(2026)
    hits = {"percentile": [], "bca": []}
    for _ in range(40):  # replications of the study
        d = simulate_path_model(STRUCT, 300, seed=rng)
        boot = plspm(SPEC, d, scale=True).bootstrap(200, seed=rng, method="bca")
        ci = boot.conf_int()
        ci = pd.concat([ci.xs("path", level="kind"), ci.xs("indirect", level="kind")])
        hits["bca"].append((ci["lower"].to_numpy() <= target) & (target <= ci["upper"].to_numpy()))
        D = pd.concat([boot.draws["path"], boot.draws["indirect"]], axis=1).to_numpy()
        lo, hi = np.quantile(D, [0.025, 0.975], axis=0)  # percentile interval from the same draws
        hits["percentile"].append((lo <= target) & (target <= hi))
    for method, h in hits.items():
        cover = np.mean(h)
        assert 0.88 <= cover <= 0.99, (method, cover)


def test_bca_differs_from_percentile_but_brackets_estimate():
    res = plspm(ECSI, load_mobi(), scale=True)
    bca = res.bootstrap(300, seed=1, method="bca").table
    pct = res.bootstrap(300, seed=1).table
    assert not np.allclose(bca.iloc[:, -2], pct.iloc[:, -2])
    paths = bca.xs("path", level="kind")
    assert ((paths.iloc[:, -2] <= paths["estimate"]) & (paths["estimate"] <= paths.iloc[:, -1])).all()
    # standard errors of the percentile and BCa runs are the same draws
    np.testing.assert_allclose(bca["std_err"], pct["std_err"])


def test_non_convergence_says_so():
    d = simulate_path_model(STRUCT, 300, seed=4)
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 iterations"):
        res = plspm(SPEC, d, scale=True, maxiter=1)
    assert res.converged is False
    assert "did not converge" in res.summary().as_text()


def test_bad_inputs_raise_clear_errors():
    d = simulate_path_model(STRUCT, 100, seed=5)
    with pytest.raises(DataError, match=r"items \['c3'\] are not columns"):
        plspm(SPEC, d.drop(columns="c3"), scale=True)
    with pytest.raises(DataError, match=r"items \['b2'\] are constant"):
        plspm(SPEC, d.assign(b2=4.0), scale=True)
    bad = d.copy()
    bad.iloc[7, 0] = np.nan
    with pytest.raises(DataError, match="first respondent_id: 7"):
        plspm(SPEC, bad, scale=True)
    spend = d.assign(a1=d.a1 * 100 + 500)  # one item in currency units
    with pytest.raises(DataError, match="different scales.*scale=True"):
        plspm(SPEC, spend)
    assert plspm(SPEC, spend, scale=True).converged
    with pytest.raises(ModelSpecificationError, match="cycle"):
        plspm("A =~ a1 + a2; B =~ b1 + b2; C =~ c1 + c2; B ~ A; C ~ B; A ~ C", d)
    with pytest.raises(ModelSpecificationError, match="single item"):
        plspm("A <~ a1; B =~ b1 + b2; B ~ A", d)
    with pytest.raises(ModelSpecificationError, match="no measurement block"):
        plspm("A =~ a1 + a2; B ~ A", d)
    with pytest.raises(ModelSpecificationError, match="used by blocks"):
        ModelSpec.from_string("A =~ a1 + a2; B =~ a2 + b1; B ~ A")
    with pytest.raises(ModelSpecificationError, match="cannot parse"):
        ModelSpec.from_string("A =~ 0.5*a1 + a2; B =~ b1; B ~ A")
    with pytest.raises(ModelSpecificationError, match="scheme"):
        PLSPM(SPEC, d, scale=True).fit(scheme="mode-c")


def test_builder_equals_parser_and_round_trips():
    a = ModelSpec.from_string(SPEC)
    b = (ModelSpec.build({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"]},
                         {"B": ["A"], "C": ["A", "B"]}))
    assert a == b
    assert ModelSpec.from_string(a.to_string()) == a
    step = ModelSpec.build({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}, [("A", "B")])
    step = step.add_block("C", ["c1", "c2", "c3"]).add_path("A", "C").add_path("B", "C")
    assert step == a


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["path", "centroid", "factorial"]))
def test_results_invariant_to_item_rescaling_when_standardised(seed, scheme):
    d = simulate_path_model(STRUCT, 80, seed=seed)
    scaled = d * np.arange(1, 10) + 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r1 = plspm(SPEC, d, scheme=scheme, scale=True, maxiter=300)
        r2 = plspm(SPEC, scaled, scheme=scheme, scale=True, maxiter=300)
    np.testing.assert_allclose(r1.paths, r2.paths, atol=1e-10)
    assert 0 <= r1.gof <= 1
    assert (r1.r2.between(0, 1)).all()


def test_row_blocked_cross_products_equal_precomputed(monkeypatch):
    """Large data sets form the cross products per block of rows; the covariances are the same."""
    import custvalue.math.pls as kernels

    X = np.random.default_rng(0).normal(size=(500, 6))
    X -= X.mean(0)
    full = list(kernels.bootstrap_covariances(X, 7, np.random.default_rng(1), chunk=3))
    monkeypatch.setattr(kernels, "_CROSS_BUDGET", 200)
    blocked = list(kernels.bootstrap_covariances(X, 7, np.random.default_rng(1), chunk=3))
    for a, b in zip(full, blocked):
        np.testing.assert_allclose(a, b, atol=1e-13)
