"""Scale-out benchmarks (issue 9): streaming scoring from Parquet and the Dask path.

* Streaming: score p_alive, expected purchases (52 weeks) and 12-month CLV for 1e7 customers
  read from Parquet in record batches of 1e6 rows (the default), written back to Parquet. Both this and the peer
  (the in-memory route a user would otherwise take: ``pandas.read_parquet`` + the same
  scoring) run in a *fresh Python process*, whose peak resident memory (``VmHWM`` from
  ``/proc/self/status``, interpreter and imports included) is reported in the notes as ``peak_rss_process_mib``
  together with the time spent scoring inside the process; the wall time in the table
  includes the interpreter start (~1-2 s).
* Dask: ``custvalue.dask.rfm_summary`` (threaded scheduler, 8 partitions; a shuffle on the
  customer column) against the in-memory ``custvalue.rfm.rfm_summary`` on the same log, and
  ``custvalue.dask.fit`` of BG/NBD from compressed statistics against the in-memory fit.
  Both checks are exact equality.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Case

TRUE = dict(r=0.25, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0)
STREAM_SIZES = (10_000_000,)
DASK_TX_SIZES = (1_000_000, 10_000_000)
DASK_FIT_SIZES = (1_000_000,)
SMOKE = {"stream": (5_000,), "dask_tx": (10_000,), "dask_fit": (3_000,)}
ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, pickle, sys, time
import pandas as pd
from custvalue.streaming import score_parquet, score_frame
src, models, mode, dest = sys.argv[1:5]
bg, gg = pickle.load(open(models, "rb"))
t0 = time.perf_counter()
if mode == "stream":
    rep = score_parquet(src, bg, gg, destination=dest)
    total = float(rep.totals["clv"])
else:
    d = pd.read_parquet(src).set_index("customer_id")
    out = score_frame(d, bg, gg)
    out.to_parquet(dest)
    total = float(out["clv"].sum())
dt = time.perf_counter() - t0
# VmHWM is this process's own peak RSS; ru_maxrss would include the pre-exec peak of the
# forked parent (Linux keeps it across execve), i.e. the benchmark runner's memory
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": dt, "maxrss_mib": int(hwm) / 1024, "clv_total": total}))
"""


def _run_child(src: Path, models: Path, mode: str, dest: Path, extra: dict) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(src), str(models), mode, str(dest)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} scoring process failed: {proc.stderr.strip()[-800:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    extra[f"{mode}_peak_rss_process_mib"] = f"{info['maxrss_mib']:.0f}"
    extra[f"{mode}_scoring_s_in_process"] = f"{info['seconds']:.3g}"
    return info["clv_total"]


def _in_process(src: Path, models: Path, mode: str, dest: Path) -> float:
    from custvalue.streaming import score_frame, score_parquet

    with models.open("rb") as f:
        bg, gg = pickle.load(f)
    if mode == "stream":
        return float(score_parquet(src, bg, gg, destination=dest, batch_rows=5_000).totals["clv"])
    return float(score_frame(pd.read_parquet(src).set_index("customer_id"), bg, gg)["clv"].sum())


def _stream_case(n: int, workdir: Path, fresh_process: bool = True) -> Case:
    from custvalue.clv import BetaGeo, GammaGamma
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(9)
    d = simulate_betageo(n, **TRUE, T=rng.uniform(26.0, 78.0, n), seed=rng)[
        ["frequency", "recency", "T", "monetary_value"]]
    fit_rows = d.iloc[: min(n, 100_000)]
    models = workdir / f"models_{n}.pkl"
    with models.open("wb") as f:
        pickle.dump((BetaGeo().fit(fit_rows), GammaGamma().fit(fit_rows)), f)
    src = workdir / f"base_{n}.parquet"
    d.reset_index().to_parquet(src, row_group_size=250_000)
    del d, fit_rows
    extra: dict = {"source_mib": f"{src.stat().st_size / 2**20:.0f}"}
    if fresh_process:
        ours = lambda: _run_child(src, models, "stream", workdir / f"s_{n}.parquet", extra)  # noqa: E731
        peer = lambda: _run_child(src, models, "memory", workdir / f"m_{n}.parquet", extra)  # noqa: E731
    else:  # smoke: same code in this process (no interpreter start-up)
        ours = lambda: _in_process(src, models, "stream", workdir / f"s_{n}.parquet")  # noqa: E731
        peer = lambda: _in_process(src, models, "memory", workdir / f"m_{n}.parquet")  # noqa: E731

    def check(a: float, b: float) -> None:
        assert np.isclose(a, b, rtol=1e-10), f"total CLV differs: streaming {a}, in memory {b}"

    return Case("streaming score from Parquet (p_alive, E[X], CLV)", n, "customers", ours, peer,
                "in-memory read_parquet + same scoring", check=check, extra=extra,
                notes=("fresh process each; wall time includes interpreter start"
                       if fresh_process else "in-process (smoke)"))


def _dask_rfm_case(n_tx: int, npartitions: int = 8) -> Case:
    import dask
    import dask.dataframe as dd

    import custvalue.dask as cdask
    from benchmarks.bench_foundation import _transactions
    from custvalue.rfm import rfm_summary

    tx = _transactions(n_tx, seed=21)
    ddf = dd.from_pandas(tx, npartitions=npartitions)
    kw = dict(customer_col="customer_id", date_col="date", monetary_col="amount",
              calibration_end=tx["date"].min() + pd.Timedelta(days=273))

    def ours():
        with dask.config.set(scheduler="threads"):
            return cdask.rfm_summary(ddf, **kw).compute().sort_index()

    def check(a: pd.DataFrame, b: pd.DataFrame) -> None:
        pd.testing.assert_frame_equal(a, b, check_exact=True)

    return Case(f"dask rfm_summary ({npartitions} partitions, threads)", n_tx, "transactions",
                ours, lambda: rfm_summary(tx, **kw), "custvalue.rfm in-memory", check=check,
                notes="exact equality checked")


def _dask_fit_case(n: int) -> Case:
    import dask
    import dask.dataframe as dd

    import custvalue.dask as cdask
    from custvalue.clv import BetaGeo
    from custvalue.simulate import simulate_betageo

    d = simulate_betageo(n, **TRUE, T=np.round(np.random.default_rng(4).uniform(26, 78, n)),
                         seed=4)[["frequency", "recency", "T"]]
    d["recency"] = np.round(d["recency"])  # weekly resolution: the data compress
    ddf = dd.from_pandas(d, npartitions=8)

    def ours():
        with dask.config.set(scheduler="threads"):
            return cdask.fit(BetaGeo, ddf)

    def check(a, b) -> None:
        assert np.array_equal(a.params.to_numpy(), b.params.to_numpy()), "params differ"

    return Case("dask BG/NBD fit from compressed statistics", n, "customers", ours,
                lambda: BetaGeo().fit(d), "custvalue BetaGeo in-memory", check=check,
                notes="recency and T in whole weeks")


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """Streaming and Dask cases, one size at a time."""
    want = (lambda n: True) if not sizes else (lambda n: n in set(sizes))  # noqa: E731
    pick = (lambda k, full: SMOKE[k] if smoke else full)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="custvalue-bench-") as tmp:
        for n in pick("stream", STREAM_SIZES):
            if want(n):
                yield _stream_case(n, Path(tmp), fresh_process=not smoke)
        for n in pick("dask_tx", DASK_TX_SIZES):
            if want(n):
                yield _dask_rfm_case(n)
        for n in pick("dask_fit", DASK_FIT_SIZES):
            if want(n):
                yield _dask_fit_case(n)
