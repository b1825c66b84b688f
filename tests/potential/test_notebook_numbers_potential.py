"""The numbers quoted in the text of notebooks/02_multivariate_probit_potential_value.ipynb,
recomputed here at the notebook's full-run settings (6,000 customers, 40 draws)."""

import json
from pathlib import Path

import numpy as np

from custvalue.potential import (MultivariateProbit, evaluate_value, hit_rates, mape, ols_potential_value,
                                 potential_value, univariate_probits, value_matrix)
from custvalue.simulate.potential import simulate_potential_base

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_multivariate_probit_potential_value.ipynb"


def _numbers():
    N, DRAWS = 6_000, 40
    base = simulate_potential_base(N, n_products=5, seed=2001)
    est = np.random.default_rng(1).random(N) < 0.5
    ie, ih = base.covariates.index[est], base.covariates.index[~est]
    y_est, X_est = base.ownership.loc[ie], base.covariates.loc[ie]
    y_h, X_h = base.ownership.loc[ih], base.covariates.loc[ih]
    mvp = MultivariateProbit(y_est, X_est, n_draws=DRAWS, seed=0).fit()
    uni = univariate_probits(y_est, X_est)
    k = base.beta.size
    z_beta = ((mvp.beta - base.beta) / mvp.bse.to_numpy()[:k].reshape(5, -1).T).to_numpy().ravel()
    r, c = np.tril_indices(5, -1)
    z_corr = (mvp.corr.to_numpy()[r, c] - base.corr.to_numpy()[r, c]) / mvp.corr_bse.to_numpy()[r, c]
    z = np.concatenate([z_beta, z_corr])
    rate = y_est.mean()
    hits = {
        "naive": hit_rates(y_h, mvp.predict(X_h), base_rate=rate)["naive_hit_rate"].mean(),
        "uni": hit_rates(y_h, uni.predict(X_h), base_rate=rate)["hit_rate"].mean(),
        "mvp": hit_rates(y_h, mvp.predict(X_h), base_rate=rate)["hit_rate"].mean(),
        "cond": hit_rates(y_h, mvp.conditional_probability(y_h, X_h), base_rate=rate)["hit_rate"].mean(),
    }
    m = base.margins
    realised = y_h.to_numpy() @ m.to_numpy()
    pv_mvp = potential_value(mvp, X_h, m, owned=base.owned.loc[ih])
    pv_uni = potential_value(uni, X_h, m)
    pv_ols = ols_potential_value(y_est, X_est, m, data=X_h)
    vt = evaluate_value(realised, {"MVP": pv_mvp["potential_value"], "uni": pv_uni["potential_value"], "OLS": pv_ols})
    true_pv = base.potential_value.loc[ih]
    tm = {"MVP": mape(true_pv, pv_mvp["potential_value"]), "uni": mape(true_pv, pv_uni["potential_value"]),
          "OLS": mape(true_pv, pv_ols)}
    vm = value_matrix(pv_mvp["current_value"], pv_mvp["potential_value"])
    return dict(lr=mvp.lr_test_independence(), z=z, hits=hits, vt=vt, tm=tm, seg=vm.table["share"])


def _text():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown").replace("\n", " ")


def _check_recovery_and_lr(numbers, text):
    lr, z = numbers["lr"], numbers["z"]
    assert f"chi2({lr.df}) = {lr.statistic:.0f}" in text
    assert f"within {np.ceil(np.abs(z).max() * 10) / 10:.1f} standard errors" in text
    assert f"mean squared z = {np.mean(z ** 2):.2f}" in text
    assert np.abs(z).max() < 2.5 and lr.pvalue < 1e-50


def _check_hit_rates(numbers, text):
    h = numbers["hits"]
    assert f"naive {h['naive']:.3f}, univariate probits {h['uni']:.3f}" in text
    assert f"multivariate marginal {h['mvp']:.3f}, multivariate conditional on the other products {h['cond']:.3f}" in text
    assert h["cond"] > h["mvp"] > h["naive"]
    assert abs(h["mvp"] - h["uni"]) < 0.005


def _check_potential_value(numbers, text):
    vt, tm = numbers["vt"], numbers["tm"]
    assert f"MAPE {vt.loc['MVP', 'mape']:.2f} for the multivariate probit, {vt.loc['uni', 'mape']:.2f} univariate, " \
           f"{vt.loc['OLS', 'mape']:.2f} OLS" in text
    assert f"(MAPE {100 * tm['MVP']:.2f}% multivariate, {100 * tm['uni']:.2f}% univariate) than OLS ({100 * tm['OLS']:.2f}%)" in text
    assert tm["MVP"] < tm["OLS"] and tm["uni"] < tm["OLS"]
    assert abs(vt.loc["MVP", "mape"] - vt.loc["uni", "mape"]) < 0.005


def _check_segments(numbers, text):
    assert f"holds {100 * numbers['seg']['II']:.1f}% of the holdout" in text


def test_numbers_quoted_in_the_notebook():
    """One test (the fit is shared and runs once, whatever the xdist distribution)."""
    numbers, text = _numbers(), _text()
    _check_recovery_and_lr(numbers, text)
    _check_hit_rates(numbers, text)
    _check_potential_value(numbers, text)
    _check_segments(numbers, text)
