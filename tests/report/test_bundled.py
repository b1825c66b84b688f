"""The main job: `custvalue report` on the bundled data and on a user's file."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from custvalue.cli import main
from custvalue.report import run_report


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return run_report(output=out, progress=None)


def test_default_report_on_bundled_cdnow(default_report):
    r = default_report
    scores = pd.read_csv(r.scores, index_col="customer_id")
    assert r.n_customers == len(scores) == 23570
    assert {"expected_purchases_12m", "p_alive", "expected_spend", "clv", "value_tier"} <= set(scores.columns)
    assert scores["p_alive"].between(0, 1).all() and (scores["clv"] >= 0).all()
    tiers = scores["value_tier"].value_counts()
    assert tiers["small"] == pytest.approx(0.5 * 23570, abs=2)
    params = pd.read_csv(r.params, index_col=[0, 1])
    assert set(params.loc["BG/NBD"].index) == {"r", "alpha", "a", "b"}
    html = r.html.read_text()
    assert html.count("<img src='data:image/png;base64,") == 4
    assert "Holdout check" in html
    # the holdout forecast is informative: better than predicting everyone's calibration rate
    assert r.holdout_mae < 1.0


def test_cli_runs_and_reports_user_file_errors(tmp_path, capsys):
    good = pd.DataFrame({"cust": np.repeat(np.arange(30), 3),
                         "when": pd.date_range("2021-01-01", periods=90, freq="D").astype(str),
                         "value": np.linspace(5, 50, 90)})
    path = tmp_path / "tx.csv"
    good.sample(frac=1, random_state=0).to_csv(path, index=False)
    rc = main(["report", "--transactions", str(path), "--customer-col", "cust", "--date-col", "when",
               "--monetary-col", "value", "--freq", "D", "--output", str(tmp_path / "out"), "--quiet"])
    assert rc == 0
    assert (tmp_path / "out" / "report.html").exists()
    # 30 customers buying like clockwork: the purchase-rate distribution collapses, and the
    # report says so in a note (HTML), not as a Python warning line
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Note on the fit" in page and "r/alpha" in page
    assert "HeterogeneityWarning" not in capsys.readouterr().err
    bad = good.assign(when=good["when"].where(good.index != 7, "31/31/2021"))
    bad.to_csv(path, index=False)
    rc = main(["report", "--transactions", str(path), "--customer-col", "cust", "--date-col", "when",
               "--monetary-col", "value", "--output", str(tmp_path / "out2"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "date_col 'when'" in err and "do not match" in err and "'31/31/2021'" in err and "Traceback" not in err
    rc = main(["report", "--transactions", str(path), "--customer-col", "id", "--quiet",
               "--output", str(tmp_path / "out3")])
    assert rc == 2 and "customer_col='id' is not a column" in capsys.readouterr().err


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "custvalue", "report", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--calibration-end" in out.stdout
