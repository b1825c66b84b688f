"""The recipe of docs/scale.md runs as written: the three paths to a customer table from
Parquet files (out of core on one machine, Dask on a LocalCluster, Dask on a cluster) give
the in-memory ``rfm_summary`` of the whole log."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custvalue.rfm import rfm_summary
from custvalue.simulate import simulate_betageo_transactions

import distributed  # noqa: E402,F401 - the test extra installs it: a missing one must fail, not skip

DOC = Path(__file__).resolve().parents[2] / "docs" / "scale.md"


def _recipe_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Three paths to 1e9 transactions"):]
    return re.findall(r"```python\n(.*?)```", section, re.S)[:3]


@pytest.fixture()
def log_files(tmp_path, monkeypatch):
    """Three Parquet files of one log (dates as Parquet date32), the working directory."""
    folder = tmp_path / "transactions"
    folder.mkdir()
    parts = []
    for k in range(3):
        tx = simulate_betageo_transactions(400, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=k)
        tx["customer_id"] += 1_000 * k
        tx["date"] = tx["date"].to_numpy().astype("datetime64[D]")
        tx["amount"] = np.round(tx["amount"] * 4) / 4  # exact sums in any order
        pq.write_table(pa.table({"customer_id": tx["customer_id"].to_numpy(),
                                 "date": pa.array(tx["date"].to_numpy().astype("datetime64[D]"), pa.date32()),
                                 "amount": tx["amount"].to_numpy()}), folder / f"part-{k}.parquet")
        parts.append(tx)
    monkeypatch.chdir(tmp_path)
    return pd.concat(parts, ignore_index=True)


@pytest.mark.filterwarnings("ignore::UserWarning")  # dask's "large graph" advice, fit warnings
def test_the_three_paths_of_the_recipe_give_the_in_memory_summary(log_files):
    one_machine, local_cluster, cluster = _recipe_blocks()
    want = rfm_summary(log_files, customer_col="customer_id", date_col="date", monetary_col="amount",
                       freq="W", observation_end="2021-06-30")

    ns1: dict = {}
    exec(one_machine, ns1)  # noqa: S102 - the documented code, run as written
    pd.testing.assert_frame_equal(ns1["summary"], want, check_exact=True)
    assert ns1["report"].n_customers == len(want)
    assert Path("scores.parquet").exists()

    # in-process workers: the same code without spawning processes inside the test run
    local = local_cluster.replace("LocalCluster(n_workers=2, threads_per_worker=1)",
                                  "LocalCluster(n_workers=2, threads_per_worker=1, processes=False, "
                                  "dashboard_address=None)")
    assert local != local_cluster
    ns2: dict = {}
    try:
        exec(local, ns2)  # noqa: S102
        got = ns2["summary"].compute().sort_index()
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        np.testing.assert_array_equal(ns2["bg"].params.to_numpy(), ns1["bg"].params.to_numpy())
        scores = pd.read_parquet("scores/").sort_index()
        assert len(scores) == len(want) and list(scores.columns) == ["p_alive", "expected_purchases", "clv"]
    finally:
        if "client" in ns2:
            cluster_obj = ns2["client"].cluster
            ns2["client"].close()
            cluster_obj.close()

    # a real cluster: only the client (a scheduler address) and the storage paths change
    compile(cluster, "docs/scale.md (cluster)", "exec")
    assert re.search(r'Client\("tcp://[^"]+:8786"\)', cluster)
