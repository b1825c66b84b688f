"""Loyalty segments, indicators, observed path analysis, the semopy adapter and the simulator."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from custvalue.exceptions import DataError, ModelSpecificationError
from custvalue.loyalty import (SEGMENTS, ImproperSolutionWarning, dick_basu_segments, fit_sem,
                               load_ecsi_synthetic, loyalty_indicators, path_analysis, segment_table)
from custvalue.loyalty._data import ECSI_SYNTHETIC_N, ECSI_SYNTHETIC_SEED
from custvalue.simulate.loyalty import (DEFAULT_STRUCTURE, implied_covariance, simulate_loyalty_survey,
                                        simulate_path_model)

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
    with pytest.raises(DataError, match="n must be an integer"):
        simulate_loyalty_survey(1)
