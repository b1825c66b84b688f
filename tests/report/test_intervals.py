"""``--interval``/``--level`` (issue 19 item 6) and the ``--model auto`` rule (issue 20 item 2)
on the 300-customer simulated log.

The intervals are checked against the library's own interval machinery called here on a
refit (the report must pass the same numbers through), and the forecast band against an
independent delta method: FHL (2005) eq. 7 in closed form with scipy's ``hyp2f1``, central
differences on the natural parameters and the natural-scale covariance. The ``auto`` choice
is checked against the documented rule applied here to a table from ``compare_models``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import custvalue.clv
from custvalue.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD, actual_repeat_transactions, compare_models
from custvalue.rfm import rfm_summary
from custvalue.units import UNITS_PER_MONTH

from .conftest import CAL_END, assert_untouched, base_args, close, run, scores

KW = dict(customer_col="cust", date_col="when", monetary_col="value")


def _summaries(small_log: pd.DataFrame, freq: str = "W") -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The calibration and whole-history summaries the report fits and scores (docs/report.md)."""
    end = pd.to_datetime(small_log["when"]).max().strftime("%Y-%m-%d")
    cal = rfm_summary(small_log, calibration_end=CAL_END, observation_end=end, freq=freq, **KW)
    now = rfm_summary(small_log, observation_end=end, freq=freq, **KW)
    return cal, now, end


def _tracking(small_log: pd.DataFrame, now: pd.DataFrame, end: str) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The tracking grid of docs/report.md: weeks from the first day of the log to the
    observation end in steps of ceil(span / 200) (at least 1), the end included; each
    customer's first purchase on that axis; the actual cumulative repeat transactions."""
    origin = pd.to_datetime(small_log["when"]).min()
    span = (pd.Timestamp(end) - origin).days / 7.0
    grid = np.append(np.arange(0.0, span, max(1.0, np.ceil(span / 200.0))), span)
    births = span - now["T"].to_numpy()
    actual = actual_repeat_transactions(small_log, customer_col="cust", date_col="when",
                                        origin=origin.strftime("%Y-%m-%d"), times=grid)["cumulative"]
    return grid, births, actual


# ---- --model auto ---------------------------------------------------------------------------

def _documented_rule(table: pd.DataFrame) -> str:
    """docs/report.md: rank the models on AIC, histogram chi-square, holdout MAE and tracking
    error (those present), rank 1 = lowest, ties share the better rank, a missing value ranks
    last; the smallest sum of ranks wins, ties go to the lower AIC."""
    criteria = [c for c in ("aic", "histogram_chi2", "holdout_mae", "tracking_mape") if c in table]
    total = sum(table[c].rank(method="min", na_option="bottom") for c in criteria)
    return min(table.index, key=lambda m: (total[m], table.at[m, "aic"]))


def test_model_auto_is_the_documented_rule_on_the_compare_models_table(capsys, tmp_path, log_csv, small_log):
    out = tmp_path / "out"
    rc, stdout, _ = run(capsys, base_args(log_csv, out) + ["--model", "auto"])
    assert rc == 0
    cal, now, end = _summaries(small_log)
    grid, births, actual = _tracking(small_log, now, end)
    cal_t = (pd.Timestamp(CAL_END) - pd.to_datetime(small_log["when"]).min()).days / 7.0
    fits = [BetaGeo().fit(cal), ModifiedBetaGeo().fit(cal), ParetoNBD().fit(cal)]
    table = compare_models(*fits, data=cal, names=["BG/NBD", "MBG/NBD", "Pareto/NBD"], first_purchase=births,
                           tracking=actual[actual.index > cal_t])
    best = _documented_rule(table)
    assert f"{best})" in stdout
    written = pd.read_csv(out / "model_comparison.csv", index_col="model")
    assert written.columns.tolist() == table.columns.tolist()
    assert close(written.to_numpy(float), table.to_numpy(float), rtol=1e-6)
    flat = " ".join((out / "report.html").read_text(encoding="utf-8").split())
    assert "sum of ranks" in flat and "chi-square of the calibration repeat-purchase histogram" in flat
    assert "tracking error" in flat and f"it picked the {best} model" in flat


@pytest.mark.parametrize("override,want", [
    # the four criteria disagree: AIC + holdout MAE alone would pick BG/NBD (ranks 1 + 1)
    ({"aic": [100.0, 101.0, 102.0], "histogram_chi2": [30.0, 10.0, 20.0], "holdout_mae": [0.5, 0.6, 0.7],
      "tracking_mape": [9.0, 1.0, 5.0]}, "MBG/NBD"),
    # a tie in the sum of ranks goes to the lower AIC
    ({"aic": [101.0, 100.0, 102.0], "histogram_chi2": [10.0, 20.0, 30.0], "holdout_mae": [0.6, 0.5, 0.7],
      "tracking_mape": [1.0, 5.0, 9.0]}, "MBG/NBD"),
    # a missing tracking error ranks last
    ({"aic": [100.0, 100.0, 102.0], "histogram_chi2": [10.0, 10.0, 30.0], "holdout_mae": [0.5, 0.5, 0.7],
      "tracking_mape": [np.nan, 5.0, 9.0]}, "MBG/NBD"),
])
def test_model_auto_ranks_all_four_criteria(override, want, monkeypatch, capsys, tmp_path, log_csv):
    real = custvalue.clv.compare_models

    def rigged(*args, **kwargs):
        return real(*args, **kwargs).assign(**override)

    monkeypatch.setattr(custvalue.clv, "compare_models", rigged)
    table = pd.DataFrame(override, index=["BG/NBD", "MBG/NBD", "Pareto/NBD"])
    assert _documented_rule(table) == want
    rc, stdout, _ = run(capsys, base_args(log_csv, tmp_path / "out") + ["--model", "auto", "--interval", "none"])
    assert rc == 0 and f"{want})" in stdout


# ---- --interval and --level -----------------------------------------------------------------

QUANTITIES = ("p_alive", "expected_purchases", "clv")


def test_scores_carry_the_library_intervals(baseline, small_log):
    """The default (--interval delta, --level 0.95): lower and upper columns beside P(alive),
    expected purchases and CLV, equal to the library's intervals on the same fits."""
    from custvalue.clv import GammaGamma, clv

    s = scores(baseline)
    for q in QUANTITIES:
        assert [f"{q}_lower", f"{q}_upper"] == s.columns[s.columns.get_loc(q) + 1:s.columns.get_loc(q) + 3].tolist()
        assert (s[f"{q}_lower"] <= s[q] * (1 + 1e-9)).all() and (s[q] <= s[f"{q}_upper"] * (1 + 1e-9)).all()
    assert (s["clv_upper"] > s["clv_lower"]).mean() > 0.99
    cal, now, _ = _summaries(small_log)
    res = BetaGeo().fit(cal)
    gg = GammaGamma().fit(cal[~((cal["frequency"] > 0) & (cal["monetary_value"] <= 0))])
    assert not ((now["frequency"] > 0) & (now["monetary_value"] <= 0)).any()
    want = {"p_alive": res.p_alive(now, interval="delta"),
            "expected_purchases": res.expected_purchases(now, horizon=12 * UNITS_PER_MONTH["W"], interval="delta"),
            "clv": clv(res, gg, now, months=12, monthly_discount_rate=0.01, freq="W", interval="delta")}
    for q, frame in want.items():
        frame = frame.reindex(s.index)
        assert close(s[q], frame["estimate"], rtol=1e-6), q
        assert close(s[f"{q}_lower"], frame["lower"], rtol=1e-6) and close(s[f"{q}_upper"], frame["upper"], rtol=1e-6)


def _eq7(t: np.ndarray, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """FHL (2005) eq. 7, E[X(t)] of a new BG/NBD customer, with scipy's Gauss hypergeometric."""
    z = t / (alpha + t)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1.0, z))


def test_forecast_band_is_the_delta_method_of_the_cohort_curve(small_log):
    """The band against an independent delta method: the cohort curve summed customer by
    customer from FHL eq. 7, its gradient by central differences in the natural parameters
    and the natural-scale covariance (to first order the delta method does not depend on the
    scale the parameters are differentiated on)."""
    from custvalue.report._band import cohort_band

    cal, now, end = _summaries(small_log)
    grid, births, _ = _tracking(small_log, now, end)
    res = BetaGeo().fit(cal)
    band = cohort_band(res, births, grid, interval="delta", level=0.9)
    theta, cov = res.params.to_numpy(), res.cov_params.to_numpy()
    age = grid[:, None] - births[None, :]

    def curve(p):
        return np.where(age > 0, _eq7(np.maximum(age, 1e-12), *p), 0.0).sum(axis=1)

    jac = np.empty((grid.size, 4))
    for j in range(4):
        h = 1e-5 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (curve(up) - curve(down)) / (2 * h)
    est = curve(theta)
    se = np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac))
    z = stats.norm.ppf(0.95)
    later = est > 1.0
    assert close(band["estimate"], est, rtol=1e-8)
    b = band.to_numpy()[later]  # estimate, lower, upper
    half = z * se[later] / est[later]
    assert close(np.log(b[:, 2] / b[:, 0]), half, rtol=1e-4) and close(np.log(b[:, 0] / b[:, 1]), half, rtol=1e-4)
    # parameter draws give about the same band (200 draws: the quantiles within 15%)
    sim = cohort_band(res, births, grid, interval="simulate", level=0.9, n_draws=200, seed=3)
    width, sim_width = (band["upper"] - band["lower"])[later], (sim["upper"] - sim["lower"])[later]
    assert np.allclose(sim_width, width, rtol=0.15)


def test_interval_none_simulate_and_level(capsys, tmp_path, log_csv, baseline):
    base = scores(baseline)
    rc, _, _ = run(capsys, base_args(log_csv, tmp_path / "none") + ["--interval", "none"])
    assert rc == 0
    plain = scores(tmp_path / "none")
    assert not any(c.endswith(("_lower", "_upper")) for c in plain.columns)
    pd.testing.assert_frame_equal(plain, base[plain.columns])
    page = (tmp_path / "none" / "report.html").read_text(encoding="utf-8")
    assert "shaded band" not in page and "<b>Intervals.</b>" not in page

    rc, _, _ = run(capsys, base_args(log_csv, tmp_path / "narrow") + ["--level", "0.8"])
    assert rc == 0
    narrow = scores(tmp_path / "narrow")
    for q in ("expected_purchases", "clv"):
        assert ((narrow[f"{q}_upper"] - narrow[f"{q}_lower"]) <= (base[f"{q}_upper"] - base[f"{q}_lower"])).all()
    assert "The shaded band is the 80% interval" in (tmp_path / "narrow" / "report.html").read_text(encoding="utf-8")

    runs = []
    for name in ("sim1", "sim2"):
        rc, _, _ = run(capsys, base_args(log_csv, tmp_path / name) + ["--interval", "simulate"])
        assert rc == 0
        runs.append(scores(tmp_path / name))
    pd.testing.assert_frame_equal(runs[0], runs[1])  # seeded
    sim = runs[0]
    pd.testing.assert_frame_equal(sim[plain.columns], plain)
    for q in ("expected_purchases", "clv"):  # 200 draws against the delta method: the same scale
        ratio = (sim[f"{q}_upper"] - sim[f"{q}_lower"]) / (base[f"{q}_upper"] - base[f"{q}_lower"])
        assert 0.7 < ratio.median() < 1.3, q
    assert "200 draws of the parameters" in (tmp_path / "sim1" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args,message", [(["--level", "1.5"], "level (of the intervals) must lie in (0, 1)"),
                                          (["--level", "nan"], "level must be finite")])
def test_bad_level_is_refused_before_anything_is_written(args, message, capsys, tmp_path, log_csv):
    rc, _, err = run(capsys, base_args(log_csv, tmp_path / "out") + args)
    assert rc == 2 and message in err
    assert_untouched(tmp_path / "out")


def test_bad_interval_is_a_usage_error(capsys, tmp_path, log_csv):
    with pytest.raises(SystemExit) as exc:
        run(capsys, base_args(log_csv, tmp_path / "out") + ["--interval", "bootstrap"])
    assert exc.value.code == 2 and "invalid choice: 'bootstrap'" in capsys.readouterr().err
    assert_untouched(tmp_path / "out")


def test_customers_without_spend_information_get_the_purchase_part(capsys, tmp_path, small_log):
    """A repeat buyer whose repeat purchases total 0 is scored at the population mean spend;
    the CLV interval then counts the purchase model's uncertainty only: it equals clv() with
    that spend given as a number."""
    from custvalue.clv import GammaGamma, clv

    log = small_log.copy()
    repeaters = log.groupby("cust")["when"].nunique()
    who = repeaters[repeaters >= 3].index[0]
    first = log.loc[log["cust"] == who, "when"].min()
    log.loc[(log["cust"] == who) & (log["when"] > first), "value"] = 0.0
    csv = tmp_path / "tx.csv"
    log.to_csv(csv, index=False)
    rc, _, _ = run(capsys, base_args(str(csv), tmp_path / "out"))
    assert rc == 0
    s = scores(tmp_path / "out")
    assert s.loc[who, "clv_lower"] < s.loc[who, "clv"] < s.loc[who, "clv_upper"]
    cal, now, _ = _summaries(log)
    res = BetaGeo().fit(cal)
    gg = GammaGamma().fit(cal[~((cal["frequency"] > 0) & (cal["monetary_value"] <= 0))])
    mean_spend = gg.expected_spend(frequency=[0], monetary_value=[0.0]).iloc[0]
    want = clv(res, pd.Series([mean_spend], index=[who]), now.loc[[who]], months=12, monthly_discount_rate=0.01,
               freq="W", interval="delta")
    assert close(s.loc[[who], ["clv", "clv_lower", "clv_upper"]].to_numpy(), want.to_numpy(), rtol=1e-6)
    others = s.drop(index=who)
    assert (others["clv_lower"] <= others["clv"] * (1 + 1e-9)).all()

