"""Failure modes of ``custvalue report``: each checks the exit code, the message (rows, values,
what to do) and that the output folder was left as it was (no partial report, no leftovers)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .conftest import assert_untouched, base_args, run, write_csv

ROOT = Path(__file__).resolve().parents[2]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _no_leftovers(parent: Path, name: str) -> None:
    left = [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]
    assert not left, left


# -- the transactions --------------------------------------------------------------------------

def test_missing_file(capsys, tmp_path):
    rc, _, err = run(capsys, base_args(str(tmp_path / "nope.csv"), tmp_path / "out"))
    assert rc == 2 and "does not exist" in err and "nope.csv" in err
    assert_untouched(tmp_path / "out")


def test_not_utf8(capsys, tmp_path, small_log):
    path = tmp_path / "tx.csv"
    small_log.assign(cust=small_log["cust"].str.replace("C1", "Café")).to_csv(path, index=False, encoding="latin-1")
    rc, _, err = run(capsys, base_args(str(path), tmp_path / "out"))
    assert rc == 2 and "not UTF-8" in err and "save it as UTF-8" in err
    assert_untouched(tmp_path / "out")


def test_missing_column_lists_the_columns(capsys, tmp_path, log_csv):
    args = base_args(log_csv, tmp_path / "out")
    args[args.index("--customer-col") + 1] = "id"
    rc, _, err = run(capsys, args)
    assert rc == 2 and "customer_col='id' is not a column" in err and "['cust', 'when', 'value']" in err
    assert "Traceback" not in err
    assert_untouched(tmp_path / "out")


def test_wrong_separator_is_named(capsys, tmp_path, small_log):
    csv = write_csv(small_log, tmp_path / "tx.csv", sep=";")
    rc, _, err = run(capsys, base_args(csv, tmp_path / "out") + ["--sep", ","])
    assert rc == 2 and "semicolon-separated: pass --sep ';'" in err
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("bad,expect", [
    ("31/31/2021", "do not match"),       # a typo in an otherwise ISO column
    ("2021/02/30", "do not match"),       # a day that does not exist
])
def test_bad_date_names_line_and_value(bad, expect, capsys, tmp_path, small_log):
    log = small_log.copy()
    log.loc[7, "when"] = bad
    rc, _, err = run(capsys, base_args(write_csv(log, tmp_path / "tx.csv"), tmp_path / "out"))
    assert rc == 2
    assert "date_col 'when'" in err and expect in err and "first line: 9" in err and repr(bad) in err
    assert "Traceback" not in err
    assert_untouched(tmp_path / "out")


def test_mixed_date_formats(capsys, tmp_path, small_log):
    log = small_log.copy()
    when = pd.to_datetime(log["when"])
    log["when"] = when.dt.strftime("%d/%m/%Y").where(log.index % 2 == 0, when.dt.strftime("%m/%d/%Y"))
    rc, _, err = run(capsys, base_args(write_csv(log, tmp_path / "tx.csv"), tmp_path / "out"))
    assert rc == 2 and "one format" in err and "--date-format" in err
    assert_untouched(tmp_path / "out")


def test_currency_strings_name_lines_values_and_the_fix(capsys, tmp_path, small_log):
    log = small_log.astype({"value": object})
    log.loc[3, "value"] = "$29.33"
    log.loc[10, "value"] = "$1,299.00"
    rc, _, err = run(capsys, base_args(write_csv(log, tmp_path / "tx.csv"), tmp_path / "out"))
    assert rc == 2
    assert "monetary_col 'value' must hold numbers; 2 value(s) are not numbers" in err
    assert "line 5: '$29.33'" in err and "line 12: '$1,299.00'" in err
    assert "without currency symbols" in err and "1299.00" in err
    assert_untouched(tmp_path / "out")


def test_decimal_commas_are_explained(capsys, tmp_path, small_log):
    log = small_log.assign(value=small_log["value"].map(lambda v: f"{v:.2f}".replace(".", ",")))
    csv = write_csv(log, tmp_path / "tx.csv", sep=";")
    rc, _, err = run(capsys, base_args(csv, tmp_path / "out"))
    assert rc == 2 and "decimal commas" in err and "line 2" in err
    assert_untouched(tmp_path / "out")


def test_missing_amounts_name_lines(capsys, tmp_path, small_log):
    log = small_log.copy()
    log.loc[[4, 20], "value"] = np.nan
    rc, _, err = run(capsys, base_args(write_csv(log, tmp_path / "tx.csv"), tmp_path / "out"))
    assert rc == 2 and "monetary_col column 'value' has missing values" in err and "first line: 6, 22" in err
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("option,value,expect", [
    ("--calibration-end", "2019-06-30", "calibration_end 2019-06-30 must lie on or after the first purchase"),
    ("--calibration-end", "2022-01-31", "before the observation end (2021-06-29)"),
    ("--observation-end", "2019-12-31", "observation_end 2019-12-31 is before the first purchase"),
    ("--calibration-end", "30 Febtember", "could not read '30 Febtember' as a date"),
])
def test_dates_checked_against_the_data(option, value, expect, capsys, tmp_path, log_csv):
    args = base_args(log_csv, tmp_path / "out")
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    rc, _, err = run(capsys, args)
    assert rc == 2 and expect in err
    if "could not read" not in expect:  # the message gives the data's range
        assert "the purchases run from 2020-01-01 to 2021-06-29" in err
    assert_untouched(tmp_path / "out")


def test_too_few_repeat_buyers(capsys, tmp_path, small_log):
    first = small_log.drop_duplicates("cust")  # one purchase each, then two customers come back
    log = pd.concat([first, first.iloc[:2].assign(when="2020-04-15")], ignore_index=True)
    args = base_args(write_csv(log, tmp_path / "tx.csv"), tmp_path / "out")
    args[args.index("--calibration-end") + 1] = "none"
    rc, _, err = run(capsys, args)
    assert rc == 2 and "only 2 customer(s) made a repeat purchase in the calibration period (up to 2020-04-15)" in err
    assert "--calibration-end" in err
    assert_untouched(tmp_path / "out")


@pytest.mark.parametrize("option,value,expect", [
    ("--margin", "30", "for 30% pass 0.3"),
    ("--discount-rate", "5", "monthly_discount_rate must lie in"),
    ("--horizon", "0", "months (the horizon) must be a whole number of months >= 1"),
    ("--active-threshold", "0.2", "0 <= lapsed_threshold < active_threshold <= 1"),
    ("--winback-response-rate", "0", "probability in (0, 1]"),
    ("--winback-cost", "-1", "winback_cost must be >= 0"),
])
def test_bad_option_values(option, value, expect, capsys, tmp_path, log_csv):
    rc, _, err = run(capsys, base_args(log_csv, tmp_path / "out") + [option, value])
    assert rc == 2 and expect in err
    assert_untouched(tmp_path / "out")


# -- the output folder -------------------------------------------------------------------------

def test_existing_report_needs_force(capsys, tmp_path, log_csv, baseline):
    out = tmp_path / "out"
    shutil.copytree(baseline, out)
    before = _digest(out)
    rc, _, err = run(capsys, base_args(log_csv, out) + ["--margin", "0.5"])
    assert rc == 2 and "already holds a report" in err and "--force" in err and "Nothing was written" in err
    assert _digest(out) == before
    rc, _, _ = run(capsys, base_args(log_csv, out) + ["--margin", "0.5", "--force"])
    assert rc == 0
    after = _digest(out)
    assert after.keys() == before.keys() and after["scores.csv"] != before["scores.csv"]
    _no_leftovers(tmp_path, "out")


def test_folder_with_other_files_is_never_replaced(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    rc, _, err = run(capsys, base_args(log_csv, out) + ["--force"])
    assert rc == 2 and "not part of a custvalue report" in err and "thesis.tex" in err
    assert (out / "thesis.tex").read_text() == "precious" and len(list(out.iterdir())) == 1


def test_empty_folder_is_used(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    out.mkdir()
    assert run(capsys, base_args(log_csv, out))[0] == 0 and (out / "report.html").exists()


def test_output_is_a_file(capsys, tmp_path, log_csv):
    out = tmp_path / "out"
    out.write_text("x")
    rc, _, err = run(capsys, base_args(log_csv, out) + ["--force"])
    assert rc == 2 and "exists and is not a folder" in err and out.read_text() == "x"


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_unwritable_folder(where, capsys, tmp_path, log_csv):
    if where == "under-a-file":
        (tmp_path / "afile").write_text("x")
        out = tmp_path / "afile" / "report"
    else:  # read-only even for root
        out = Path("/proc/custvalue-report-test")
    rc, _, err = run(capsys, base_args(log_csv, out))
    assert rc == 2 and "cannot write the report under" in err and "choose another --output" in err
    assert not out.exists()


def test_new_parent_folders_are_created(capsys, tmp_path, log_csv):
    out = tmp_path / "a" / "b" / "out"
    assert run(capsys, base_args(log_csv, out))[0] == 0 and (out / "report.html").exists()


def test_failure_while_writing_keeps_the_previous_report(capsys, tmp_path, log_csv, baseline, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(baseline, out)
    before = _digest(out)
    real = pd.DataFrame.to_csv

    def disk_full(self, path, *a, **k):
        if str(path).endswith("winback.csv"):
            raise OSError(28, "No space left on device")
        return real(self, path, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    rc, _, err = run(capsys, base_args(log_csv, out) + ["--force", "--margin", "0.5"])
    assert rc == 1 and "No space left on device" in err and "nothing was replaced" in err
    assert _digest(out) == before
    _no_leftovers(tmp_path, "out")


def test_failure_after_validation_leaves_no_folder(capsys, tmp_path, log_csv, monkeypatch):
    from custvalue.report import _run

    def broken(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(_run.figs, "pyramid", broken)  # Ctrl-C while drawing
    rc, _, err = run(capsys, base_args(log_csv, tmp_path / "a" / "out"))
    assert rc == 130 and "interrupted" in err
    assert not (tmp_path / "a").exists()


# -- Ctrl-C in a real process, on a large log ----------------------------------------------------

@pytest.fixture(scope="module")
def large_csv(tmp_path_factory):
    """About 180,000 purchases of 60,000 simulated customers."""
    from custvalue.simulate import simulate_betageo_transactions

    tx = simulate_betageo_transactions(60_000, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=7)
    path = tmp_path_factory.mktemp("large") / "tx.csv"
    pd.DataFrame({"cust": tx["customer_id"], "when": tx["date"].dt.strftime("%Y-%m-%d"),
                  "value": tx["amount"].round(2)}).to_csv(path, index=False)
    return str(path)


def _interrupt(args: list[str], at: str, sig: int = signal.SIGINT) -> tuple[int, str]:
    """Run ``python -m custvalue <args>``, send ``sig`` when the progress line ``at`` appears."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "custvalue", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(at):
            proc.send_signal(sig)
            break
    rest = proc.communicate(timeout=120)[1]
    return proc.returncode, "".join(seen) + rest


@pytest.mark.parametrize("at", ["[3/9]", "[7/9]"])
def test_sigint_mid_run_writes_nothing(at, tmp_path, large_csv):
    out = tmp_path / "out"
    args = [a for a in base_args(large_csv, out) if a != "--quiet"]
    rc, err = _interrupt(args, at)
    assert rc == 130, err
    assert "interrupted" in err and "was left as it was before the run" in err and "Traceback" not in err
    assert_untouched(out)


def test_sigint_keeps_the_previous_report(tmp_path, large_csv, baseline):
    out = tmp_path / "out"
    shutil.copytree(baseline, out)
    before = _digest(out)
    args = [a for a in base_args(large_csv, out) if a != "--quiet"] + ["--force"]
    rc, err = _interrupt(args, "[7/9]")
    assert rc == 130, err
    assert _digest(out) == before
    _no_leftovers(tmp_path, "out")


def test_sigterm_cleans_up_too(tmp_path, large_csv):
    out = tmp_path / "out"
    rc, err = _interrupt([a for a in base_args(large_csv, out) if a != "--quiet"], "[5/9]", signal.SIGTERM)
    assert rc == 128 + signal.SIGTERM, err
    assert_untouched(out)
