"""Loyalty segments, indicators, observed path analysis, the semopy adapter and the simulator."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from custvalue.exceptions import ConvergenceWarning, DataError, ModelSpecificationError
from custvalue.loyalty import (SEGMENTS, ImproperSolutionWarning, dick_basu_segments, fit_sem,
                               load_ecsi_synthetic, loyalty_indicators, path_analysis, segment_table)
from custvalue.loyalty._data import ECSI_SYNTHETIC_N, ECSI_SYNTHETIC_SEED
from custvalue.simulate.loyalty import (DEFAULT_STRUCTURE, implied_covariance, simulate_loyalty_survey,
                                        simulate_path_model)

from tests.reference.sem_lavaan import HS_CHI2, HS_LAVAAN, HS_MODEL, PD_CHI2, PD_LAVAAN, PD_MODEL

from ._models import load_mobi


def test_dick_basu_quadrants_by_hand():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"att": rng.normal(size=500), "beh": rng.poisson(2, 500)},
                     index=pd.Index(range(100, 600), name="customer_id"))
    seg = dick_basu_segments(d, attitude="att", behaviour="beh", attitude_threshold=0.0,
                             behaviour_threshold=2)
    assert seg.index.equals(d.index)
    hi_a, hi_b = d.att > 0, d.beh > 2
    assert (seg[hi_a & hi_b] == "loyalty").all()
    assert (seg[hi_a & ~hi_b] == "latent loyalty").all()
    assert (seg[~hi_a & hi_b] == "spurious loyalty").all()
    assert (seg[~hi_a & ~hi_b] == "no loyalty").all()
    tab = segment_table(seg, d)
    assert list(tab.index) == list(SEGMENTS) and tab["n"].sum() == 500
    assert tab.loc["loyalty", "att"] == pytest.approx(d.att[hi_a & hi_b].mean())
    with pytest.raises(DataError, match=r"columns \['attitude'\] are not in data"):
        dick_basu_segments(d, behaviour="beh")
    with pytest.raises(DataError, match="attitude must be finite"):
        dick_basu_segments(attitude=[1.0, np.nan], behaviour=[1, 2])


def test_loyalty_indicators_equal_groupby():
    d = simulate_loyalty_survey(3000, seed=1)
    seg = dick_basu_segments(d, attitude="loyalty", behaviour="purchases")
    out = loyalty_indicators(d.assign(segment=seg), by="segment")
    ref = d.groupby(seg.to_numpy(), observed=False)[["repurchase", "complaint", "spend"]].mean()
    np.testing.assert_allclose(out.loc[list(SEGMENTS), "repurchase_rate"], ref.loc[list(SEGMENTS), "repurchase"])
    np.testing.assert_allclose(out.loc[list(SEGMENTS), "mean_spend"], ref.loc[list(SEGMENTS), "spend"])
    # seed 001's claim on the simulated market: the loyal segment repurchases more than "no loyalty"
    assert out.loc["loyalty", "repurchase_rate"] > out.loc["no loyalty", "repurchase_rate"]
    with pytest.raises(DataError, match="must be 0/1"):
        loyalty_indicators(d.assign(repurchase=2))
    with pytest.raises(DataError, match="none of the indicator columns"):
        loyalty_indicators(d[["CUSA1"]])


def test_path_analysis_equals_equation_by_equation_ols():
    d = simulate_loyalty_survey(2000, seed=3)
    res = path_analysis("satisfaction ~ perceived_value + trust; loyalty ~ satisfaction + perceived_value",
                        d, n_boot=300, seed=1)
    ols = sm.OLS(d["loyalty"], sm.add_constant(d[["satisfaction", "perceived_value"]])).fit()
    assert res.paths["satisfaction -> loyalty"] == pytest.approx(ols.params["satisfaction"], abs=1e-10)
    assert res.r2["loyalty"] == pytest.approx(ols.rsquared, abs=1e-10)
    ols1 = sm.OLS(d["satisfaction"], sm.add_constant(d[["perceived_value", "trust"]])).fit()
    ind = res.effects.loc["perceived_value -> loyalty", "indirect"]
    assert ind == pytest.approx(ols1.params["perceived_value"] * ols.params["satisfaction"], abs=1e-10)
    # bootstrap SE of the indirect effect is close to the first-order delta (Sobel) SE
    a, b = ols1.params["perceived_value"], ols.params["satisfaction"]
    sobel = np.sqrt(a ** 2 * ols.bse["satisfaction"] ** 2 + b ** 2 * ols1.bse["perceived_value"] ** 2)
    se = res.table.loc[("indirect", "perceived_value -> loyalty"), "std_err"]
    assert 0.6 < se / sobel < 1.6
    std = path_analysis("satisfaction ~ perceived_value + trust; loyalty ~ satisfaction + perceived_value",
                        d, standardize=True, n_boot=0)
    assert std.table.empty and (std.paths.abs() < 1).all()
    with pytest.raises(DataError, match="not columns of data"):
        path_analysis("loyalty ~ nps", d, n_boot=0)
    with pytest.raises(ModelSpecificationError, match="cycle"):
        path_analysis("a ~ b; b ~ a", pd.DataFrame({"a": [1., 2, 3], "b": [2., 1, 3]}), n_boot=0)


def test_sem_adapter_flags_improper_solution_on_mobi():
    desc = ("Image =~ IMAG1 + IMAG2 + IMAG3\nSat =~ CUSA1 + CUSA2 + CUSA3\nLoy =~ CUSL1 + CUSL2 + CUSL3\n"
            "Sat ~ Image\nLoy ~ Sat + Image")
    with pytest.warns(ImproperSolutionWarning, match="standardised"):
        res = fit_sem(desc, load_mobi())
    assert not res.is_proper
    assert (res.improper["problem"] == "standardised |beta| > 1").any()
    assert res.paths["Sat -> Loy"] > 1


def test_sem_adapter_proper_on_simulated_data():
    d = simulate_path_model(DEFAULT_STRUCTURE, 3000, seed=5)
    desc = ("Sat =~ CUSA1 + CUSA2 + CUSA3\nTrust =~ TRUS1 + TRUS2 + TRUS3\nLoy =~ CUSL1 + CUSL2 + CUSL3\n"
            "Trust ~ Sat\nLoy ~ Sat + Trust")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImproperSolutionWarning)
        res = fit_sem(desc, d)
    assert res.is_proper
    # ML-SEM is consistent for the latent correlation-implied paths: Trust ~ Sat total effect
    _, phi = DEFAULT_STRUCTURE.latent_covariance()
    lat = list(DEFAULT_STRUCTURE.latent)
    assert res.paths["Sat -> Trust"] == pytest.approx(phi[lat.index("Satisfaction"), lat.index("Trust")], abs=0.05)
    with pytest.raises(DataError, match="not columns of data"):
        fit_sem(desc, d.drop(columns="TRUS2"))


def _estimates(res) -> dict:
    """(lval, op, rval) -> estimate, with each covariance under both orders of its variables."""
    est = res.estimates
    out = {(l, o, r): float(v) for l, o, r, v in zip(est["lval"], est["op"], est["rval"], est["Estimate"])}
    return out | {(r, o, l): v for (l, o, r), v in out.items() if o == "~~"}


@pytest.mark.parametrize("example, model, reference, chi2", [
    ("holzinger39", HS_MODEL, HS_LAVAAN, HS_CHI2),
    ("political_democracy", PD_MODEL, PD_LAVAAN, PD_CHI2),
], ids=["Holzinger-Swineford", "PoliticalDemocracy"])
def test_sem_default_settings_reach_lavaans_optimum(example, model, reference, chi2):
    """With default settings every estimate equals lavaan's to its three printed decimals;
    semopy's own default stopped at x3 loading 0.7305 (lavaan 0.729) and y2 variance 7.385
    (lavaan 7.373). Provenance: tests/reference/sem_lavaan.py."""
    import importlib

    data = importlib.import_module(f"semopy.examples.{example}").get_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = fit_sem(model, data)
    assert res.converged and res.n_iter > 0
    est = _estimates(res)
    assert set(reference) <= set(est)
    np.testing.assert_allclose([est[k] for k in reference], list(reference.values()), rtol=0, atol=1e-3)
    assert res.fit_stats["chi2"] == pytest.approx(chi2, abs=1e-3)
    key = ("x3", "~", "visual") if example == "holzinger39" else ("y2", "~~", "y2")
    assert est[key] == pytest.approx(reference[key], abs=1e-3)


def test_sem_reports_non_convergence():
    """A non-recursive pair (F ~ G, G ~ F) without instruments is not identified: the Hessian
    at the optimiser's point is singular, and the results say so instead of passing it off."""
    from semopy.examples import holzinger39

    with pytest.warns(ConvergenceWarning, match="not positive definite.*identified"):
        res = fit_sem("F =~ x1 + x2 + x3\nG =~ x4 + x5 + x6\nF ~ G\nG ~ F", holzinger39.get_data())
    assert not res.converged and "identified" in res.message


def test_sem_bad_input_names_the_problem():
    from semopy.examples import holzinger39

    d = holzinger39.get_data()
    with pytest.raises(DataError, match=r"data column 'x1' must be numeric; it holds text.*'n/a'"):
        fit_sem(HS_MODEL, d.assign(x1=d["x1"].astype(object).where(d.index > 5, "n/a")))
    with pytest.raises(DataError, match=r"data column 'x1' is categorical"):
        fit_sem(HS_MODEL, d.assign(x1=d["x1"].astype("category")))
    with pytest.raises(DataError, match=r"data column 'x1' must be finite.*first row: 3"):
        fit_sem(HS_MODEL, d.assign(x1=d["x1"].astype("Float64").mask(d.index == 3)))
    with pytest.raises(DataError, match=r"data column 'x9' must be finite"):
        fit_sem(HS_MODEL, d.assign(x9=np.inf))
    with pytest.raises(DataError, match=r"columns \['x2'\] are constant.*'x2' is 1 in every row"):
        fit_sem(HS_MODEL, d.assign(x2=1.0))
    with pytest.raises(DataError, match=r"singular: the columns \['x1', 'x2', 'x3'\] are an exact linear"):
        fit_sem(HS_MODEL, d.assign(x3=d["x1"] + d["x2"]))
    with pytest.raises(DataError, match=r"data has 5 rows for 9 observed variables"):
        fit_sem(HS_MODEL, d.iloc[:5])
    with pytest.raises(DataError, match=r"data has 1 rows"):
        fit_sem(HS_MODEL, d.iloc[:1])
    with pytest.raises(ModelSpecificationError, match=r"line 2 of the description, 'textual =~', is incomplete"):
        fit_sem("visual =~ x1 + x2 + x3\ntextual =~\nspeed =~ x7 + x8 + x9", d)
    with pytest.raises(ModelSpecificationError, match=r"line 1 .*'~~' needs a variable on each side"):
        fit_sem("x1 ~~ \nvisual =~ x1 + x2 + x3", d)
    with pytest.raises(ModelSpecificationError, match=r"obj must be one of \[.*'MLW'.*\]; received 'ML'"):
        fit_sem(HS_MODEL, d, obj="ML")
    with pytest.raises(ModelSpecificationError, match="xtol must be a positive number"):
        fit_sem(HS_MODEL, d, xtol=0)


def test_shipped_dataset_is_the_seeded_simulation():
    shipped = load_ecsi_synthetic()
    fresh = simulate_loyalty_survey(ECSI_SYNTHETIC_N, seed=ECSI_SYNTHETIC_SEED)
    assert list(shipped.columns) == list(fresh.columns)
    np.testing.assert_allclose(shipped.to_numpy(float), fresh.to_numpy(float), rtol=1e-5)


def test_simulator_matches_its_implied_covariance_and_scales():
    d = simulate_path_model(DEFAULT_STRUCTURE, 100_000, seed=6)
    S = implied_covariance(DEFAULT_STRUCTURE)
    C = d[S.columns].cov().to_numpy()
    assert np.abs(C - S.to_numpy()).max() < 0.02
    small = simulate_loyalty_survey(200, seed=1)
    assert len(small) == 200 and small.index.name == "respondent_id"
    assert small[["CUSA1", "CUSL3"]].isin(range(1, 11)).all().all()
    a = simulate_loyalty_survey(300, seed=np.random.default_rng(4))
    b = simulate_loyalty_survey(300, seed=np.random.default_rng(4))
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(DataError, match="n must be a whole number >= 2; received 1"):
        simulate_loyalty_survey(1)
