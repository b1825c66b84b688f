"""Every option of ``custvalue report --help``, each value end to end on a 300-customer
simulated log: exit code, message, output folder, and the option's effect on the numbers."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from custvalue import __version__, cli
from custvalue.cli import main
from custvalue.rfm import TIME_UNITS

from .conftest import CAL_END, assert_untouched, base_args, close, run, scores, write_csv


def _report_parser() -> argparse.ArgumentParser:
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["report"]


def test_help_states_every_default_and_explains_the_time_units(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    formatter = cli._HelpFormatter("custvalue")
    options = [a for a in _report_parser()._actions if a.option_strings and a.dest != "help"]
    assert len(options) == 26  # a new option needs a test below (--interval, --level: test_intervals.py)
    for action in options:
        assert action.option_strings[0] in text
        assert "default" in formatter._get_help_string(action), action.option_strings
    flat = " ".join(text.split())
    assert "D = days, W = weeks, M = months of 365.25/12 days" in flat
    assert "(default: W)" in flat and "(default: bgnbd)" in flat and "(default: 0.01)" in flat
    assert "Exit codes: 0 done, 2 input rejected" in flat


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"custvalue {__version__}"


def test_unknown_choice_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--freq", "Q", "--output", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "invalid choice: 'Q'" in capsys.readouterr().err
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_freq(freq, capsys, tmp_path, log_csv, small_log):
    out = tmp_path / "out"
    rc, stdout, err = run(capsys, base_args(log_csv, out) + ["--freq", freq])
    assert rc == 0 and err == ""
    s = scores(out)
    # T is the age at the observation end (the last purchase day) in the chosen unit
    first = pd.to_datetime(small_log.groupby("cust")["when"].min())
    end = pd.to_datetime(small_log["when"]).max()
    assert close(s["T"], (end - first.reindex(s.index)).dt.days / TIME_UNITS[freq])
    comp = pd.read_csv(out / "model_comparison.csv", index_col="model")
    assert np.isfinite(comp["tracking_mape"]).all() and np.isfinite(comp["holdout_mae"]).all()
    page = (out / "report.html").read_text(encoding="utf-8")
    words = {"D": "days", "W": "weeks", "M": "months"}[freq]
    assert f"count time in {words}" in page and page.count("<img ") == 6


@pytest.mark.parametrize("model,label,params", [("bgnbd", "BG/NBD", {"r", "alpha", "a", "b"}),
                                                ("mbgnbd", "MBG/NBD", {"r", "alpha", "a", "b"}),
                                                ("pnbd", "Pareto/NBD", {"r", "alpha", "s", "beta"})])
def test_model(model, label, params, capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    rc, stdout, _ = run(capsys, base_args(log_csv, out) + ["--model", model])
    assert rc == 0 and f"{label})" in stdout
    table = pd.read_csv(out / "params.csv", index_col=[0, 1])
    assert set(table.loc[label].index) == params and set(table.index.get_level_values(0)) == {label, "Gamma-Gamma"}
    assert pd.read_csv(out / "model_comparison.csv", index_col="model").index.tolist() == [label]
    s = scores(out)
    assert s["p_alive"].between(0, 1).all() and (s["clv"] >= 0).all()
    one_time = s["frequency"] == 0
    if model == "bgnbd":  # FHL 2005 eq. 13: no repeat purchase, no chance to drop out
        assert (s.loc[one_time, "p_alive"] == 1).all()
    else:
        assert (s.loc[one_time, "p_alive"] < 1).all()


def test_model_auto_fits_all_three_and_picks_by_the_stated_rule(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    rc, stdout, _ = run(capsys, base_args(log_csv, out) + ["--model", "auto"])
    assert rc == 0
    comp = pd.read_csv(out / "model_comparison.csv", index_col="model")
    assert comp.index.tolist() == ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    assert {"llf", "aic", "bic", "histogram_chi2", "holdout_mae", "holdout_rmse", "tracking_mape"} <= set(comp.columns)
    rank = sum(comp[c].rank(method="min") for c in ("aic", "histogram_chi2", "holdout_mae", "tracking_mape"))
    best = min(comp.index, key=lambda m: (rank[m], comp.at[m, "aic"]))
    assert f"{best})" in stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<code>--model</code> auto" in page and "sum of ranks" in page


def _with_returns(small_log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The log plus 6 returns (negative amounts) of earlier purchases, 10 days later."""
    rng = np.random.default_rng(3)
    pick = small_log.iloc[rng.choice(len(small_log), 6, replace=False)]
    ret = pick.assign(when=(pd.to_datetime(pick["when"]) + pd.Timedelta(days=10)).dt.strftime("%Y-%m-%d"),
                      value=-(pick["value"] * 0.5).round(2))
    return pd.concat([small_log, ret], ignore_index=True), ret


def test_returns_error_names_rows_and_the_two_policies(capsys, tmp_path, small_log):
    log, ret = _with_returns(small_log)
    csv = write_csv(log, tmp_path / "tx.csv")
    out = tmp_path / "out"
    rc, _, err = run(capsys, base_args(csv, out))
    assert rc == 2
    assert "6 negative amount(s)" in err and f"line {len(small_log) + 2}: {ret['value'].iloc[0]:g}" in err
    assert "--returns net" in err and "--returns drop" in err
    assert_untouched(out)


def test_returns_drop_equals_the_log_without_them(capsys, tmp_path, small_log, baseline):
    log, _ = _with_returns(small_log)
    out = tmp_path / "out"
    rc, _, _ = run(capsys, base_args(write_csv(log, tmp_path / "tx.csv"), out) + ["--returns", "drop"])
    assert rc == 0
    pd.testing.assert_frame_equal(scores(out), scores(baseline))
    assert "6 rows with negative amounts" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("holdout", [True, False])
def test_returns_net_reduces_average_purchase_value_by_the_returned_share(holdout, capsys, tmp_path, small_log,
                                                                          baseline):
    log, ret = _with_returns(small_log)
    out = tmp_path / "out"
    args = base_args(write_csv(log, tmp_path / "tx.csv"), out) + ["--returns", "net"]
    if not holdout:  # the calibration summary is then the scoring summary: netted once
        args[args.index("--calibration-end") + 1] = "none"
        baseline = tmp_path / "plain"
        plain = base_args(write_csv(small_log, tmp_path / "plain.csv"), baseline)
        plain[plain.index("--calibration-end") + 1] = "none"
        assert run(capsys, plain)[0] == 0
    rc, _, _ = run(capsys, args)
    assert rc == 0
    got, base = scores(out), scores(baseline)
    pd.testing.assert_frame_equal(got[["frequency", "recency", "T"]], base[["frequency", "recency", "T"]])
    spent = small_log.groupby("cust")["value"].sum()
    returned = -ret.groupby("cust")["value"].sum()
    share = (1 - returned.reindex(base.index, fill_value=0) / spent.reindex(base.index)).clip(lower=0)
    assert close(got["monetary_value"], base["monetary_value"] * share)
    changed = (got["monetary_value"] != base["monetary_value"]).sum()
    assert 1 <= changed <= 6


@pytest.mark.parametrize("sep,flag", [(";", ";"), ("\t", "tab"), ("|", "|"), (";", None), ("\t", None)],
                         ids=["semicolon", "tab", "bar", "semicolon-detected", "tab-detected"])
def test_sep(sep, flag, capsys, tmp_path, small_log, baseline):
    csv = write_csv(small_log, tmp_path / "tx.csv", sep=sep)
    out = tmp_path / "out"
    rc, _, _ = run(capsys, base_args(csv, out) + ([] if flag is None else ["--sep", flag]))
    assert rc == 0
    pd.testing.assert_frame_equal(scores(out), scores(baseline))
    name = {";": "semicolon", "\t": "tab", "|": "vertical bar"}[sep]
    assert f"tx.csv ({name}-separated)" in (out / "report.html").read_text(encoding="utf-8")


def test_date_format(capsys, tmp_path, small_log, baseline):
    log = small_log.assign(when=pd.to_datetime(small_log["when"]).dt.strftime("%d.%m.%Y"))
    out = tmp_path / "out"
    args = base_args(write_csv(log, tmp_path / "tx.csv"), out) + ["--date-format", "%d.%m.%Y"]
    args[args.index("--calibration-end") + 1] = "30.09.2020"  # the data's own format is accepted too
    rc, _, _ = run(capsys, args)
    assert rc == 0
    pd.testing.assert_frame_equal(scores(out), scores(baseline))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "read with the format %d.%m.%Y" in page and "Purchases run from 2020-01-01 to 2021-06-29" in page
    assert "from 2020-01-01 to 2020-09-30 only" in page and "30.09.2020" not in page  # echoed as ISO dates


@pytest.fixture(scope="module")
def early_days(small_log):
    """Only purchases on days 1-12 of a month: every dd/mm/yyyy date also reads as mm/dd/yyyy."""
    return small_log[pd.to_datetime(small_log["when"]).dt.day <= 12].reset_index(drop=True)


@pytest.mark.parametrize("flag,fmt", [("--dayfirst", "%d/%m/%Y"), ("--monthfirst", "%m/%d/%Y")])
def test_dayfirst_monthfirst(flag, fmt, capsys, tmp_path, early_days):
    iso = tmp_path / "iso"
    assert run(capsys, base_args(write_csv(early_days, tmp_path / "iso.csv"), iso))[0] == 0
    log = early_days.assign(when=pd.to_datetime(early_days["when"]).dt.strftime(fmt))
    csv = write_csv(log, tmp_path / "tx.csv")
    out = tmp_path / "out"
    rc, _, err = run(capsys, base_args(csv, out))  # ambiguous without the option
    assert rc == 2 and "ambiguous" in err and "--dayfirst or --monthfirst" in err and "line 2" in err
    assert_untouched(out)
    rc, _, _ = run(capsys, base_args(csv, out) + [flag])
    assert rc == 0
    pd.testing.assert_frame_equal(scores(out), scores(iso))


def test_calibration_end_none_means_no_holdout(capsys, tmp_path, log_csv):
    args = base_args(log_csv, tmp_path / "out")
    args[args.index("--calibration-end") + 1] = "none"
    rc, _, _ = run(capsys, args)
    assert rc == 0
    comp = pd.read_csv(tmp_path / "out" / "model_comparison.csv", index_col="model")
    assert "holdout_mae" not in comp and {"llf", "aic", "bic", "tracking_mape"} <= set(comp.columns)
    assert "there is no holdout period" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_calibration_end_splits_the_log(baseline, small_log):
    comp = pd.read_csv(baseline / "model_comparison.csv", index_col="model")
    when = pd.to_datetime(small_log["when"])
    # the holdout purchases of the calibration customers: purchase days after CAL_END
    cal_customers = small_log.loc[when <= CAL_END, "cust"].unique()
    hold = small_log[(when > CAL_END) & small_log["cust"].isin(cal_customers)]
    assert comp.at["BG/NBD", "holdout_actual"] == hold.drop_duplicates(["cust", "when"]).shape[0]
    page = (baseline / "report.html").read_text(encoding="utf-8")
    assert "from 2020-01-01 to 2020-09-30 only" in page and "from 2020-10-01 to 2021-06-29" in page


def test_observation_end(capsys, tmp_path, log_csv, small_log):
    out = tmp_path / "out"
    rc, _, _ = run(capsys, base_args(log_csv, out) + ["--observation-end", "2021-03-31"])
    assert rc == 0
    s = scores(out)
    first = pd.to_datetime(small_log.groupby("cust")["when"].min()).reindex(s.index)
    assert close(s["T"], (pd.Timestamp("2021-03-31") - first).dt.days / 7.0)
    later = int((pd.to_datetime(small_log["when"]) > "2021-03-31").sum())
    assert f"{later:,} transactions after the observation end 2021-03-31 were left out" in (
        out / "report.html").read_text(encoding="utf-8")


def test_horizon(capsys, tmp_path, log_csv, baseline):
    out = tmp_path / "out"
    assert run(capsys, base_args(log_csv, out) + ["--horizon", "24"])[0] == 0
    got, base = scores(out), scores(baseline)
    assert (got["clv"] >= base["clv"]).all() and (got["clv"] > base["clv"]).mean() > 0.9
    assert (got["expected_purchases"] >= base["expected_purchases"]).all()
    assert "over the next 24 months" in (out / "report.html").read_text(encoding="utf-8")


def test_discount_rate(capsys, tmp_path, log_csv, baseline):
    out = tmp_path / "out"
    assert run(capsys, base_args(log_csv, out) + ["--discount-rate", "0"])[0] == 0
    got, base = scores(out), scores(baseline)
    assert (got["clv"] >= base["clv"]).all() and (got["clv"] > base["clv"]).mean() > 0.9
    assert "discounted at 0.00% a month" in (out / "report.html").read_text(encoding="utf-8")


def test_margin_scales_value(capsys, tmp_path, log_csv, baseline):
    out = tmp_path / "out"
    assert run(capsys, base_args(log_csv, out) + ["--margin", "0.3"])[0] == 0
    got, base = scores(out), scores(baseline)
    assert close(got["clv"], 0.3 * base["clv"], rtol=1e-12)
    assert close(got["clv_if_active"], 0.3 * base["clv_if_active"], rtol=1e-12)
    assert "margin 0.3" in (out / "report.html").read_text(encoding="utf-8")


def test_state_thresholds(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    args = base_args(log_csv, out) + ["--active-threshold", "0.9", "--lapsed-threshold", "0.5"]
    assert run(capsys, args)[0] == 0
    s = scores(out)
    want = np.where(s["p_alive"] >= 0.9, "active", np.where(s["p_alive"] >= 0.5, "at risk", "lapsed"))
    assert (s["state"].to_numpy() == want).all() and len(set(want)) == 3
    assert "active P(alive) &gt;= 0.9, at risk in between, lapsed P(alive) &lt; 0.5" in (
        out / "report.html").read_text(encoding="utf-8")


def test_winback_rate_and_cost(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    args = base_args(log_csv, out) + ["--winback-response-rate", "0.5", "--winback-cost", "3"]
    assert run(capsys, args)[0] == 0
    s = scores(out)
    wb = pd.read_csv(out / "winback.csv", index_col="customer_id")
    value_at_risk = (1 - s["p_alive"]) * s["clv_if_active"]
    worth = s["state"].isin(["at risk", "lapsed"]) & (0.5 * value_at_risk - 3 > 0)
    assert set(wb.index) == set(s.index[worth]) and len(wb) > 0
    assert close(wb["expected_net_value"], 0.5 * value_at_risk.reindex(wb.index) - 3, rtol=1e-9)
    assert wb["rank"].tolist() == list(range(1, len(wb) + 1))
    assert (np.diff(wb["expected_net_value"].to_numpy()) <= 0).all()
    assert "response rate of 50% and a contact cost of 3.00" in (out / "report.html").read_text(encoding="utf-8")


def test_currency(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    assert run(capsys, base_args(log_csv, out) + ["--currency", "EUR"])[0] == 0
    assert "CLV (EUR)" in (out / "report.html").read_text(encoding="utf-8")


def test_progress_and_quiet(capsys, tmp_path, log_csv):
    args = base_args(log_csv, tmp_path / "loud")
    args.remove("--quiet")
    rc, stdout, err = run(capsys, args)
    assert rc == 0 and "[1/9] reading and checking the transactions" in err and "[9/9] done" in err
    assert stdout.startswith("wrote ")
    rc, _, err = run(capsys, base_args(log_csv, tmp_path / "quiet"))
    assert rc == 0 and err == ""


def test_column_options_and_the_default_calibration(capsys, tmp_path, small_log):
    """--customer-col/--date-col/--monetary-col are exercised by every test above; with the
    default names and no --calibration-end a user's file gets no holdout."""
    log = small_log.rename(columns={"cust": "customer_id", "when": "date", "value": "amount"})
    out = tmp_path / "out"
    rc, _, _ = run(capsys, ["report", "--transactions", write_csv(log, tmp_path / "tx.csv"), "--output", str(out),
                            "--quiet"])
    assert rc == 0
    assert "holdout_mae" not in pd.read_csv(out / "model_comparison.csv").columns
    assert "there is no holdout period" in (out / "report.html").read_text(encoding="utf-8")


def test_old_option_and_keyword_names_still_work(capsys, tmp_path, log_csv, baseline):
    """--horizon/--discount-rate are aliases of --months/--monthly-discount-rate (issue 17),
    and run_report's old keywords warn with a FutureWarning."""
    import pytest

    from custvalue.report import run_report

    out = tmp_path / "out"
    assert run(capsys, base_args(log_csv, out) + ["--horizon", "12", "--discount-rate", "0.01"])[0] == 0
    pd.testing.assert_frame_equal(scores(out), scores(baseline))
    with pytest.warns(FutureWarning, match="'horizon' is renamed 'months'"):
        run_report(str(log_csv), output=tmp_path / "kw", progress=None, horizon=12, customer_col="cust",
                   date_col="when", monetary_col="value", calibration_end=CAL_END)


def test_expected_purchases_cover_the_clv_months(tmp_path, log_csv):
    """Both columns count the same months: clv()'s month (4.345 weeks for weekly data), not
    the calendar month of 4.348 weeks."""
    from custvalue.math import betageo
    from custvalue.report import run_report

    rep = run_report(str(log_csv), output=tmp_path / "r", progress=None, months=6, freq="W", customer_col="cust",
                     date_col="when", monetary_col="value", calibration_end=CAL_END)
    got = pd.read_csv(rep.scores, index_col=0)
    par = pd.read_csv(rep.params).query("model == 'BG/NBD'").set_index("param")["estimate"]
    want = betageo.conditional_expected_purchases(
        np.array([[6 * 4.345]]), par["r"], par["alpha"], par["a"], par["b"],
        got[["frequency"]].to_numpy(), got[["recency"]].to_numpy(), got[["T"]].to_numpy())[:, 0]
    assert close(got["expected_purchases"].to_numpy(), want, rtol=1e-6)  # scores.csv keeps ~10 digits
