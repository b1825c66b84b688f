"""A small simulated transaction log (300 customers, BG/NBD + Gamma-Gamma, seeded) written as
a user's CSV, and a helper that runs ``custvalue report`` in-process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.cli import main

#: Calibration end of the simulated log (it runs from 2020-01-01 to 2021-06-29).
CAL_END = "2020-09-30"
TRUE = dict(r=0.25, alpha=4.0, a=0.8, b=2.5)


@pytest.fixture(scope="session")
def small_log() -> pd.DataFrame:
    """The log as a user would have it: columns ``cust``, ``when`` (ISO text), ``value``."""
    from custvalue.simulate import simulate_betageo_transactions

    tx = simulate_betageo_transactions(300, **TRUE, seed=16)
    return pd.DataFrame({"cust": tx["customer_id"].astype(str).radd("C"), "when": tx["date"].dt.strftime("%Y-%m-%d"),
                         "value": tx["amount"].round(2)})


def write_csv(df: pd.DataFrame, path, sep: str = ",") -> str:
    df.to_csv(path, sep=sep, index=False)
    return str(path)


@pytest.fixture
def log_csv(tmp_path, small_log) -> str:
    return write_csv(small_log, tmp_path / "tx.csv")


def base_args(csv: str, output) -> list[str]:
    return ["report", "--transactions", csv, "--customer-col", "cust", "--date-col", "when",
            "--monetary-col", "value", "--calibration-end", CAL_END, "--output", str(output), "--quiet"]


def run(capsys, args: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``custvalue <args>`` run in this process."""
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def scores(folder) -> pd.DataFrame:
    return pd.read_csv(f"{folder}/scores.csv", index_col="customer_id")


def assert_untouched(folder) -> None:
    """Nothing was created: no output folder and no temporary sibling left behind."""
    from pathlib import Path

    folder = Path(folder)
    assert not folder.exists(), f"{folder} was created"
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]
    assert not leftovers, leftovers


@pytest.fixture(scope="session")
def baseline(tmp_path_factory, small_log):
    """The default report on the small log (compared against by the option tests)."""
    import io
    import contextlib

    d = tmp_path_factory.mktemp("baseline")
    csv = write_csv(small_log, d / "tx.csv")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(base_args(csv, d / "out")) == 0
    return d / "out"


def close(a, b, rtol=1e-10, atol=1e-12) -> bool:
    return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol))
