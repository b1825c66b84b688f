"""The main job on the bundled CDNOW log (what `make demo` runs), and the Python API."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from custvalue.report import alive_states, run_report


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "custvalue-report"
    return run_report(output=out, progress=None)


def test_default_report_on_bundled_cdnow(default_report):
    r = default_report
    assert r.model == "BG/NBD"
    scores = pd.read_csv(r.scores, index_col="customer_id")
    assert r.n_customers == len(scores) == 23570
    assert {"expected_purchases", "p_alive", "state", "expected_spend", "clv", "clv_if_active",
            "value_tier"} <= set(scores.columns)
    assert scores["p_alive"].between(0, 1).all() and (scores["clv"] >= 0).all()
    assert scores["value_tier"].value_counts()["small"] == pytest.approx(0.5 * 23570, abs=2)
    assert (scores.loc[scores["frequency"] == 0, "p_alive"] == 1).all()  # BG/NBD, FHL eq. 13
    params = pd.read_csv(r.params, index_col=[0, 1])
    assert set(params.loc["BG/NBD"].index) == {"r", "alpha", "a", "b"}
    # the holdout forecast is informative: better than predicting everyone's calibration rate
    assert r.holdout_mae < 1.0
    assert sorted(p.name for p in r.folder.iterdir()) == ["model_comparison.csv", "params.csv", "report.html",
                                                          "scores.csv", "tiers.csv", "winback.csv"]


def test_report_says_what_was_done(default_report):
    page = default_report.html.read_text(encoding="utf-8")
    flat = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert page.count("<img ") == 6 and "http" not in page.replace("http-equiv", "")  # self-contained
    assert "from 1997-01-01 to 1997-09-30 only" in flat and "scored at the observation end, 1998-06-30" in flat
    assert "get P(alive) = 1 under the BG/NBD" in flat and "no occasion to drop out" in flat
    assert "1/10 sample of 2,357 customers" in flat and "full log of 23,570 customers" in flat
    for section in ("Model fit and forecast check", "P(alive) and customer states", "Value tiers",
                    "Churn value at risk and win-back", "Win-back list"):
        assert section in flat
    assert flat.count("Reading:") >= 8
    assert "Unique rows" not in flat and "value_tier" not in flat.split("Files")[0]
    # the forecast band (docs/report.md quotes these numbers)
    assert ("by the observation end the model expects 41,301 repeat transactions (39,923 to 42,727); 43,966 "
            "happened") in flat


def test_bundled_scores_have_intervals(default_report):
    scores = pd.read_csv(default_report.scores, index_col="customer_id")
    for q in ("p_alive", "expected_purchases", "clv"):
        lower, upper = scores[f"{q}_lower"], scores[f"{q}_upper"]
        assert (lower <= scores[q] * (1 + 1e-9)).all() and (scores[q] <= upper * (1 + 1e-9)).all()
    one_time = scores["frequency"] == 0  # BG/NBD: P(alive) = 1 whatever the parameters, a flat interval
    assert (scores.loc[one_time, "p_alive_lower"] == 1).all() and (scores.loc[~one_time, "p_alive_lower"] < 1).all()


def test_report_numbers_agree_with_the_files(default_report):
    r = default_report
    scores = pd.read_csv(r.scores, index_col="customer_id")
    tiers = pd.read_csv(r.folder / "tiers.csv", index_col="tier")
    assert tiers["n_customers"].tolist() == scores["value_tier"].value_counts()[tiers.index].tolist()
    assert tiers["clv"].sum() == pytest.approx(scores["clv"].sum(), rel=1e-12)
    var = ((1 - scores["p_alive"]) * scores["clv_if_active"]).groupby(scores["value_tier"]).sum()
    assert np.allclose(tiers["value_at_risk"], var[tiers.index], rtol=1e-9)
    wb = pd.read_csv(r.winback, index_col="customer_id")
    assert set(wb["state"]) <= {"at risk", "lapsed"} and (wb["expected_net_value"] > 0).all()
    page = r.html.read_text(encoding="utf-8")
    assert f"{scores['clv'].sum():,.2f}" in page  # money with two decimals
    share = (scores["state"] == "active").mean()
    assert f"({share:.1%}) are active" in page


def test_alive_states_thresholds():
    p = pd.Series([1.0, 0.7, 0.69, 0.3, 0.29, 0.0], index=list("abcdef"))
    got = alive_states(p)
    assert got.tolist() == ["active", "active", "at risk", "at risk", "lapsed", "lapsed"]
    assert got.index.equals(p.index) and got.cat.ordered
    assert alive_states(p, active_threshold=1.0, lapsed_threshold=0.0).tolist() == ["active"] + ["at risk"] * 5


def test_dataframe_input_and_dayfirst(tmp_path):
    from custvalue.simulate import simulate_betageo_transactions

    tx = simulate_betageo_transactions(600, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=5)
    tx = tx[tx["date"].dt.day <= 12]
    text = tx.assign(date=tx["date"].dt.strftime("%d/%m/%Y"))
    a = run_report(tx, output=tmp_path / "a", progress=None, calibration_end="2020-09-30")
    b = run_report(text, output=tmp_path / "b", progress=None, calibration_end="30/09/2020", dayfirst=True)
    pd.testing.assert_frame_equal(pd.read_csv(a.scores), pd.read_csv(b.scores))


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "custvalue", "report", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--calibration-end" in out.stdout and "--model" in out.stdout
