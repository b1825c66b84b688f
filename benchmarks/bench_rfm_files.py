"""Out-of-core customer summaries (issue 21): ``rfm_summary_from_files`` against DuckDB, Polars
and the in-memory ``rfm_summary``, on a BG/NBD transaction log written to Parquet.

The log is simulated by :func:`custvalue.simulate.simulate_betageo_transactions` in blocks of
customers, each block appended to one Parquet file (row groups of 1e6 rows), so no size needs
the whole log in memory: about 90 transactions per customer (same-day repeats included), so
1e7 transactions are 1.1e5 customers and 1e8 are 1.1e6.

Every engine computes the same per-customer frequency (repeat purchase days), recency, T (in
days) and mean repeat-day spend, sorted by customer:

* ``custvalue``: :func:`custvalue.rfm_files.rfm_summary_from_files` (batches of 1e6 rows);
* ``duckdb``: one SQL query over ``read_parquet`` (two threads, the machine's cores);
* ``polars``: a lazy query over ``scan_parquet`` collected with the streaming engine;
* ``memory``: ``pandas.read_parquet`` + :func:`custvalue.rfm.rfm_summary`.

Each engine runs in a fresh Python process; the time is measured inside it (imports and
interpreter start excluded) and its peak resident memory is ``VmHWM``. The engines' results
are compared with custvalue's: counts, recency and T exactly, mean spend to 1e-9 relative.

Run ``python -m benchmarks.bench_rfm_files --sizes 10000000 100000000`` for the table of one
run (times, ratios, peak RSS, load); ``benchmarks.run --only rfm_files`` runs the cases
through the common harness (custvalue against each peer).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Case

SIZES = (10_000_000,)
SMOKE_SIZES = (5_000,)
TX_PER_CUSTOMER = 90
# BG/NBD with about 1.3 purchases a week and rare dropout: ~100 purchase rows per customer over
# the 546-day log (rows on the same day included)
PARAMS = dict(r=4.0, alpha=3.0, a=0.1, b=50.0)
ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("custvalue", "duckdb", "polars", "memory")
OBSERVATION_END = "2021-06-30"  # 546 days after the simulator's start, 2020-01-01

_CHILD = r"""
import json, sys, time
from benchmarks.bench_rfm_files import compute, prepare
engine, src, dest, end = sys.argv[1:5]
prepare(engine)
t0 = time.perf_counter()
out = compute(engine, src, end)
dt = time.perf_counter() - t0
out.to_parquet(dest)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": dt, "peak_rss_mib": int(hwm) / 1024, "customers": len(out)}))
"""


def prepare(engine: str) -> None:
    """Import what ``engine`` needs (outside the timed part)."""
    import importlib

    importlib.import_module({"custvalue": "custvalue.rfm_files", "memory": "custvalue.rfm"}.get(engine, engine))


def compute(engine: str, src: str | Path, end: str) -> pd.DataFrame:
    """customer_id, frequency, recency, T (days) and mean repeat-day spend by one engine."""
    cols = ["frequency", "recency", "T", "monetary_value"]
    kw = dict(customer_col="customer_id", date_col="date", monetary_col="amount", freq="D", observation_end=end)
    if engine == "custvalue":
        from custvalue.rfm_files import rfm_summary_from_files

        return rfm_summary_from_files(src, **kw)[cols].reset_index()
    if engine == "memory":
        from custvalue.rfm import rfm_summary

        return rfm_summary(pd.read_parquet(src), **kw)[cols].reset_index()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute("SET enable_progress_bar = false")
        # a memory cap (DuckDB then spills its hash tables to disk) and where to spill: set
        # by main's --duckdb-memory-limit / --duckdb-temp-directory for runs beyond RAM
        if os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT"):
            con.execute(f"SET memory_limit = '{os.environ['BENCH_DUCKDB_MEMORY_LIMIT']}'")
        if os.environ.get("BENCH_DUCKDB_TEMP_DIRECTORY"):
            con.execute(f"SET temp_directory = '{os.environ['BENCH_DUCKDB_TEMP_DIRECTORY']}'")
        return con.execute(f"""
            WITH d AS (SELECT customer_id, "date" AS day, sum(amount) AS spend
                       FROM read_parquet('{src}') WHERE "date" <= DATE '{end}' GROUP BY customer_id, "date"),
                 c AS (SELECT customer_id, count(*) - 1 AS frequency, min(day) AS first, max(day) AS last,
                              sum(spend) AS total, arg_min(spend, day) AS first_spend
                       FROM d GROUP BY customer_id)
            SELECT customer_id, frequency, CAST(last - first AS DOUBLE) AS recency,
                   CAST(DATE '{end}' - first AS DOUBLE) AS T,
                   CASE WHEN frequency > 0 THEN (total - first_spend) / frequency ELSE 0 END AS monetary_value
            FROM c ORDER BY customer_id""").df()
    import polars as pl

    end_day = pl.lit(pd.Timestamp(end).date())
    q = (pl.scan_parquet(src).filter(pl.col("date") <= end_day)
         .group_by(["customer_id", "date"]).agg(pl.col("amount").sum().alias("spend"))
         .group_by("customer_id")
         .agg(pl.len().alias("n"), pl.col("date").min().alias("first"), pl.col("date").max().alias("last"),
              pl.col("spend").sum().alias("total"), pl.col("spend").sort_by("date").first().alias("first_spend"))
         .select("customer_id", (pl.col("n") - 1).alias("frequency"),
                 (pl.col("last") - pl.col("first")).dt.total_days().cast(pl.Float64).alias("recency"),
                 (end_day - pl.col("first")).dt.total_days().cast(pl.Float64).alias("T"),
                 pl.when(pl.col("n") > 1).then((pl.col("total") - pl.col("first_spend")) / (pl.col("n") - 1))
                 .otherwise(0.0).alias("monetary_value"))
         .sort("customer_id"))
    return q.collect(engine="streaming").to_pandas()


def write_log(path: Path, n_transactions: int, *, seed: int = 21, block_customers: int = 20_000) -> int:
    """Simulate about ``n_transactions`` rows into one Parquet file, a block of customers at a time.

    Returns the number of rows written (whole blocks of customers, so slightly above or below).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from custvalue.simulate import simulate_betageo_transactions

    n_customers = max(1, n_transactions // TX_PER_CUSTOMER)
    rng = np.random.default_rng(seed)
    schema = pa.schema([("customer_id", pa.int64()), ("date", pa.date32()), ("amount", pa.float64())])
    rows = 0
    with pq.ParquetWriter(path, schema) as w:
        for lo in range(0, n_customers, block_customers):
            m = min(block_customers, n_customers - lo)
            tx = simulate_betageo_transactions(m, **PARAMS, seed=rng)
            # real logs arrive in time order, not grouped by customer
            tx = tx.iloc[rng.permutation(len(tx))]
            w.write_table(pa.table({"customer_id": tx["customer_id"].to_numpy() + lo,
                                    "date": pa.array(tx["date"].to_numpy().astype("datetime64[D]"), pa.date32()),
                                    "amount": np.round(tx["amount"].to_numpy(), 2)}, schema=schema),
                          row_group_size=1_000_000)
            rows += len(tx)
    return rows


def run_engine(engine: str, src: Path, dest: Path, fresh_process: bool = True) -> dict:
    """Run one engine in a fresh process (or in this one, for the smoke run); its in-process
    seconds and peak RSS (NaN in this process)."""
    if not fresh_process:
        prepare(engine)
        t0 = time.perf_counter()
        out = compute(engine, src, OBSERVATION_END)
        dt = time.perf_counter() - t0
        out.to_parquet(dest)
        return {"seconds": dt, "peak_rss_mib": float("nan"), "customers": len(out)}
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _CHILD, engine, str(src), str(dest), OBSERVATION_END],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed: {proc.stderr.strip()[-1500:]}")
    return json.loads([x for x in proc.stdout.splitlines() if x.startswith("{")][-1])


def check_same(ours: Path, peer: Path) -> None:
    """The peer's per-customer frequency, recency and T equal ours; mean spend to 1e-9."""
    a, b = pd.read_parquet(ours), pd.read_parquet(peer)
    assert np.array_equal(a["customer_id"].to_numpy(), b["customer_id"].to_numpy()), "customers differ"
    for col in ("frequency", "recency", "T"):
        assert np.array_equal(a[col].to_numpy(np.float64), b[col].to_numpy(np.float64)), f"{col} differs"
    np.testing.assert_allclose(a["monetary_value"], b["monetary_value"], rtol=1e-9, atol=1e-9)


def _installed(engine: str) -> bool:
    import importlib.util

    return engine in ("custvalue", "memory") or importlib.util.find_spec(engine) is not None


def _size_cases(n: int, tmp: Path, fresh_process: bool) -> list[Case]:
    src = tmp / f"log_{n}.parquet"
    rows = write_log(src, n)
    extra = {"rows": rows, "source_mib": f"{src.stat().st_size / 2**20:.0f}"}
    dest = {e: tmp / f"{e}_{n}.parquet" for e in ENGINES}

    def timed(engine: str, into: dict) -> None:
        info = run_engine(engine, src, dest[engine], fresh_process)
        into[f"{engine}_s_in_process"] = f"{info['seconds']:.3g}"
        into[f"{engine}_peak_rss_mib"] = f"{info['peak_rss_mib']:.0f}"

    out = []
    for peer, name in (("duckdb", "DuckDB SQL"), ("polars", "Polars lazy (streaming)"),
                       ("memory", "custvalue.rfm in-memory (read_parquet + rfm_summary)")):
        case_extra = dict(extra)
        out.append(Case(f"rfm summary from Parquet vs {peer}", rows, "transactions",
                        lambda e=case_extra: timed("custvalue", e),
                        (lambda e=case_extra, p=peer: timed(p, e)) if _installed(peer) else None, name,
                        check=lambda _a, _b, p=peer: check_same(dest["custvalue"], dest[p]),
                        extra=case_extra,
                        notes=("fresh process each; wall time includes interpreter start" if fresh_process
                               else "in-process (smoke)")))
    return out


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """custvalue from files against DuckDB, Polars and the in-memory rfm_summary, per size."""
    with tempfile.TemporaryDirectory(prefix="custvalue-bench-rfm-") as tmp:
        for n in sizes or (SMOKE_SIZES if smoke else SIZES):
            yield from _size_cases(n, Path(tmp), fresh_process=not smoke)


def _log_rows(src: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(src).metadata.num_rows


def record(n: int, rows: int, source_mib: float, results: dict, not_run: str = "") -> None:
    """Write the rows of one size to ``benchmarks/results`` (the harness's format and keys:
    custvalue against each peer; a peer without a result is reported as not run, with
    ``not_run`` as the reason)."""
    from benchmarks.run import RESULTS_DIR, CaseResult, write_results

    ours = results.get("custvalue")
    if ours is None:
        return
    names = {"duckdb": "DuckDB SQL", "polars": "Polars lazy (streaming)",
             "memory": "custvalue.rfm in-memory (read_parquet + rfm_summary)"}
    out = []
    for peer, name in names.items():
        info = results.get(peer)
        extra = {"rows": rows, "source_mib": f"{source_mib:.0f}",
                 "custvalue_peak_rss_mib": f"{ours['peak_rss_mib']:.0f}",
                 "custvalue_load": f"{ours['load_start']:.2f}-{ours['load_end']:.2f}"}
        res = CaseResult(module="bench_rfm_files", case=f"rfm summary from Parquet vs {peer}", size=rows,
                         unit="transactions", ours_s=ours["seconds"], ours_runs=1, peer_name=name,
                         notes="bench_rfm_files.main: fresh process each, one run, time measured inside it",
                         extra=extra, load_1min=ours["load_start"], measured_utc=ours["utc"])
        if info is None:
            res.peer_status = f"not run ({not_run})" if not_run else "not run"
        else:
            res.peer_s, res.peer_status, res.check = info["seconds"], "ok", info.get("check", "")
            extra[f"{peer}_peak_rss_mib"] = f"{info['peak_rss_mib']:.0f}"
            extra[f"{peer}_load"] = f"{info['load_start']:.2f}-{info['load_end']:.2f}"
        out.append(res)
    write_results(out, RESULTS_DIR)


def main(argv: Sequence[str] | None = None) -> None:
    """One run per engine and size; prints a Markdown table (times, ratios, peak RSS, load).

    With ``--workdir`` and ``--keep-log`` the simulated log stays on disk and a later call
    reuses it, and each engine's result is kept in ``result_<engine>_<n>.json`` there: the
    engines of one size can then be run one call at a time (e.g. at 1e9 transactions).
    ``--record`` writes the rows to ``benchmarks/results`` (custvalue against each peer).
    """
    from datetime import UTC, datetime

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--workdir", default=None, help="folder for the Parquet logs (default: a temporary one)")
    ap.add_argument("--engines", nargs="+", default=list(ENGINES))
    ap.add_argument("--keep-log", action="store_true", help="reuse the log if present, keep it afterwards")
    ap.add_argument("--record", action="store_true", help="write the rows to benchmarks/results")
    ap.add_argument("--not-run", default="", help="reason recorded for peers without a result")
    ap.add_argument("--duckdb-memory-limit", default=None, help="DuckDB memory_limit, e.g. 8GB (it spills beyond)")
    ap.add_argument("--duckdb-temp-directory", default=None, help="where DuckDB spills")
    args = ap.parse_args(argv)
    if args.duckdb_memory_limit:
        os.environ["BENCH_DUCKDB_MEMORY_LIMIT"] = args.duckdb_memory_limit
    if args.duckdb_temp_directory:
        os.environ["BENCH_DUCKDB_TEMP_DIRECTORY"] = args.duckdb_temp_directory
    import duckdb
    import polars

    print(f"duckdb {duckdb.__version__}, polars {polars.__version__}, python {sys.version.split()[0]}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="custvalue-bench-rfm-"))
    work.mkdir(parents=True, exist_ok=True)
    print("| transactions | customers | Parquet MiB | engine | seconds | ratio to custvalue | peak RSS MiB "
          "| load (1 min) start-end | check |")
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        for n in args.sizes:
            src = work / f"log_{n}.parquet"
            if args.keep_log and src.exists():
                rows = _log_rows(src)
                sys.stderr.write(f"reusing {src} ({rows:,} rows)\n")
            else:
                t0 = time.perf_counter()
                rows = write_log(src, n)
                sys.stderr.write(f"wrote {rows:,} rows in {time.perf_counter() - t0:.0f} s\n")
            results = {}
            for e in ENGINES:
                kept = work / f"result_{e}_{n}.json"
                if e not in args.engines and args.keep_log and kept.exists():
                    results[e] = json.loads(kept.read_text())
            for e in args.engines:
                load0 = os.getloadavg()[0]
                utc = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
                results[e] = run_engine(e, src, work / f"{e}_{n}.parquet")
                results[e].update(load_start=load0, load_end=os.getloadavg()[0], utc=utc)
                ours = results.get("custvalue", results[e])["seconds"]
                status = "" if e == "custvalue" else "ok"
                if e != "custvalue" and "custvalue" in results:
                    try:
                        check_same(work / f"custvalue_{n}.parquet", work / f"{e}_{n}.parquet")
                        results[e]["check"] = "passed"
                    except AssertionError as exc:
                        status = results[e]["check"] = f"differs: {exc}"
                (work / f"result_{e}_{n}.json").write_text(json.dumps(results[e]))
                print(f"| {rows:,} | {results[e]['customers']:,} | {src.stat().st_size / 2**20:.0f} | {e} | "
                      f"{results[e]['seconds']:.2f} | {results[e]['seconds'] / ours:.2f} | "
                      f"{results[e]['peak_rss_mib']:.0f} | {load0:.2f}-{results[e]['load_end']:.2f} | {status} |",
                      flush=True)
                if args.record:
                    record(n, rows, src.stat().st_size / 2**20, results, args.not_run)
            if not args.keep_log:
                src.unlink()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
