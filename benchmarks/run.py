"""Run every benchmark and write the results table.

Usage::

    python -m benchmarks.run                      # every module, full sizes
    python -m benchmarks.run --smoke              # tiny sizes (what the test suite runs)
    python -m benchmarks.run --only foundation    # modules (or cases) whose name contains it
    python -m benchmarks.run --only foundation:CLV  # module:case, both by substring
    python -m benchmarks.run --sizes 1e4,1e5      # only cases at these sizes
    python -m benchmarks.run --peer-cap-seconds 120

Every ``benchmarks/bench_*.py`` module defines ``cases(smoke: bool) -> list[Case]`` (see
:mod:`benchmarks._harness`); it may also ``yield`` its cases, so that the inputs of one size
are built and freed before the next. A module whose ``cases`` also takes ``sizes=`` receives
the ``--sizes`` list, otherwise the sizes only filter its cases. Rows are written to
``results.csv``/``results.md`` as each case finishes, replacing the rows of the same
(module, case, size) and keeping the others (``--fresh`` starts a new table).

How things are measured (documented in ``results.md`` too):

* **Wall time**: ``time.perf_counter`` around the call, with no memory tracing active. A call
  that finishes in under a second is repeated (up to 5 runs or ~2 s in total), one of 1-20 s
  runs twice (a first call may include one-off costs such as numba compiling into its cache),
  and the best run is kept; ours and the peer get the same treatment.
* **Peak memory**: two honest numbers. ``peak_traced_mib`` is the peak of Python and numpy
  allocations during a *separate* run of ours under ``tracemalloc`` (numpy reports its buffers
  to it; allocations made by C libraries such as Arrow are not seen). ``peak_rss_delta_mib``
  is the peak resident set size sampled every 5 ms by a thread during the timed run, minus
  the RSS just before it (it sees every allocation, but memory the process already holds and
  reuses does not show). The traced run is skipped when ours took longer than
  ``--trace-cap-seconds``.
* **Peer**: the tool a user would otherwise pick, on the same pre-built inputs, in the same
  run. With a time cap the peer runs in a forked child process (copy-on-write: it sees the
  same inputs) that is stopped at the cap; the row then says ``not run (cap: > S s)``. Once
  numba's OpenMP thread pool runs in the process, forking is unsafe: the peer then runs
  in-process and a peer slower than the cap is reported as ``over cap`` (with its time). Sizes
  above the case's ``peer_max_size`` are reported as ``not run (cap)``. A peer whose package
  is missing is reported as ``peer not installed``. ``ratio`` is peer time / our time (> 1:
  custvalue is faster). The case's ``check`` compares our output with the peer's.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks._harness import Case, measure

__all__ = ["discover", "run_case", "run", "machine_description", "CaseResult", "main"]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
COLUMNS = [
    "module", "case", "size", "unit", "ours_s", "ours_ns_per_unit", "ours_runs",
    "peak_traced_mib", "peak_rss_delta_mib", "peer_name", "peer_s", "peer_ns_per_unit",
    "ratio", "peer_status", "check", "notes", "load_1min", "measured_utc",
]


@dataclass
class CaseResult:
    """One row of the results table."""

    module: str
    case: str
    size: int
    unit: str
    ours_s: float = math.nan
    ours_runs: int = 0
    peak_traced_mib: float = math.nan
    peak_rss_delta_mib: float = math.nan
    peer_name: str = ""
    peer_s: float = math.nan
    peer_status: str = ""
    check: str = ""
    notes: str = ""
    error: str = ""
    extra: dict = field(default_factory=dict)
    load_1min: float = math.nan  # machine load when the case started (shared machines)
    measured_utc: str = ""

    @property
    def ratio(self) -> float:
        return self.peer_s / self.ours_s if self.peer_s > 0 and self.ours_s > 0 else math.nan

    def row(self) -> dict[str, Any]:
        extra = dict(self.extra)
        if "bytes" in extra and self.ours_s > 0:  # bandwidth achieved by ours
            extra["GB/s"] = f"{extra['bytes'] / self.ours_s / 1e9:.3g}"
        notes = "; ".join(x for x in [self.notes, self.error,
                                      *(f"{k}={v}" for k, v in extra.items())] if x)
        ns = lambda s: s / self.size * 1e9 if self.size and s == s else math.nan  # noqa: E731
        return {
            "module": self.module, "case": self.case, "size": self.size, "unit": self.unit,
            "ours_s": _fmt(self.ours_s), "ours_ns_per_unit": _fmt(ns(self.ours_s)),
            "ours_runs": self.ours_runs, "peak_traced_mib": _fmt(self.peak_traced_mib),
            "peak_rss_delta_mib": _fmt(self.peak_rss_delta_mib), "peer_name": self.peer_name,
            "peer_s": _fmt(self.peer_s), "peer_ns_per_unit": _fmt(ns(self.peer_s)),
            "ratio": _fmt(self.ratio), "peer_status": self.peer_status, "check": self.check,
            "notes": notes, "load_1min": _fmt(self.load_1min), "measured_utc": self.measured_utc,
        }


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.4g}"


# -- discovery ------------------------------------------------------------------------------
def discover(only: str | None = None) -> list[str]:
    """Names of the ``benchmarks.bench_*`` modules (filtered by ``only`` if given)."""
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if only:
        hits = [n for n in names if only in n]
        return hits if hits else names  # ``only`` may name a case instead of a module
    return names


def _cases(mod: Any, smoke: bool, sizes: Sequence[int] | None) -> Iterator[Case]:
    """The module's cases, consumed lazily: a module may ``yield`` them so that the inputs
    of one size are built (and freed) before the next."""
    fn = mod.cases
    params = inspect.signature(fn).parameters
    if sizes and "sizes" in params:
        yield from fn(smoke=smoke, sizes=list(sizes))
        return
    for c in (fn(smoke=smoke) if "smoke" in params else fn(smoke)):
        if not sizes or c.size in set(sizes):
            yield c


# -- timing ---------------------------------------------------------------------------------
class _RssSampler:
    """Peak resident set size (MiB) above the level at start, sampled by a thread."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        try:
            import psutil
            self._proc = psutil.Process()
        except ImportError:  # pragma: no cover - psutil ships with the test extras
            self._proc = None

    def _rss(self) -> int:
        return self._proc.memory_info().rss if self._proc is not None else 0

    def __enter__(self):
        self.base = self._rss()
        self.peak = self.base
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def delta_mib(self) -> float:
        return (self.peak - self.base) / 2**20 if self._proc is not None else math.nan


def _best_time(fn: Callable[[], Any], *, min_total: float = 2.0, max_runs: int = 5,
               sample_rss: bool = False) -> tuple[Any, float, int, float]:
    """Run ``fn``; repeat fast calls; return (last result, best seconds, runs, rss delta MiB)."""
    sampler = _RssSampler() if sample_rss else None
    if sampler is not None:
        with sampler:
            out, best, _ = measure(fn, trace_memory=False)
    else:
        out, best, _ = measure(fn, trace_memory=False)
    runs, total = 1, best
    while best < 1.0 and runs < max_runs and total < min_total:
        out, dt, _ = measure(fn, trace_memory=False)
        best, runs, total = min(best, dt), runs + 1, total + dt
    if 1.0 <= best <= 20.0 and runs == 1 and max_runs > 1:
        # a slow first call may carry one-off costs (numba compiling into its cache,
        # first-touch page faults): one more run, the best kept, for both tools alike
        out, dt, _ = measure(fn, trace_memory=False)
        best, runs = min(best, dt), runs + 1
    return out, best, runs, (sampler.delta_mib if sampler is not None else math.nan)


def _is_missing_module(exc: BaseException) -> bool:
    return isinstance(exc, ModuleNotFoundError)


def _run_check(case: Case, ours: Any, peer: Any) -> str:
    if case.check is None:
        return ""
    try:
        case.check(ours, peer)
    except AssertionError as exc:
        return f"FAILED: {str(exc).strip().splitlines()[0] if str(exc).strip() else 'assertion'}"
    except Exception as exc:  # noqa: BLE001 - reported in the table
        return f"FAILED: {type(exc).__name__}: {exc}"
    return "passed"


def _peer_child(conn, case: Case, ours: Any, max_runs: int) -> None:  # pragma: no cover
    try:
        peer_out, best, _, _ = _best_time(case.peer, max_runs=max_runs)
        conn.send(("ok", best, _run_check(case, ours, peer_out), dict(case.extra)))
    except BaseException as exc:  # noqa: BLE001
        status = "peer not installed" if _is_missing_module(exc) else "error"
        conn.send((status, math.nan, f"{type(exc).__name__}: {exc}", dict(case.extra)))
    finally:
        conn.close()


def _fork_is_safe() -> bool:
    """False once numba has started its GNU OpenMP thread pool in this process: a forked
    child would abort ("fork() called from a process already using GNU OpenMP"). The peer
    then runs in-process, where a time cap can be reported but not enforced."""
    nb = sys.modules.get("numba")
    if nb is None:
        return True
    try:
        layer = nb.threading_layer()
    except ValueError:  # no parallel region has run yet
        return True
    return layer != "omp"


def _run_peer(case: Case, ours: Any, cap: float | None, grace: float = 30.0,
              max_runs: int = 5) -> tuple[str, float, str]:
    """(status, seconds, check) for the case's peer; ``grace`` covers repeats and the check."""
    if cap is None or cap <= 0 or not _fork_is_safe():
        try:
            peer_out, best, _, _ = _best_time(case.peer, max_runs=max_runs)
        except Exception as exc:  # noqa: BLE001
            status = "peer not installed" if _is_missing_module(exc) else "error"
            return status, math.nan, f"{type(exc).__name__}: {exc}"
        if cap is not None and cap > 0 and best > cap:  # could not be stopped: say so
            return f"over cap ({best:.0f} s > {cap:g} s; in-process, not stoppable)", best, \
                _run_check(case, ours, peer_out)
        return "ok", best, _run_check(case, ours, peer_out)
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_peer_child, args=(send, case, ours, max_runs), daemon=True)
    proc.start()
    send.close()
    # a peer is repeated only while its runs take < 1 s (<= ~2 s more); the check comes after
    ready = recv.poll(cap + grace)
    if not ready:
        proc.kill()
        proc.join()
        return f"not run (cap: > {cap:g} s)", math.nan, ""
    try:
        status, secs, check, extra = recv.recv()
        case.extra.update(extra)  # notes the peer recorded (e.g. its own memory figures)
    except EOFError:
        status, secs, check = "error", math.nan, f"peer process died (exit code {proc.exitcode})"
    proc.join()
    if status == "ok" and secs > cap:
        return f"not run (cap: > {cap:g} s)", math.nan, ""
    if status == "error":
        return "error", math.nan, check
    if status == "peer not installed":
        return status, math.nan, ""
    return status, secs, check


def run_case(case: Case, module: str = "", *, peer_cap_seconds: float | None = None,
             trace: bool = True, trace_cap_seconds: float = 60.0, run_peer: bool = True,
             sample_rss: bool = True, peer_grace_seconds: float = 30.0,
             max_runs: int = 5) -> CaseResult:
    """Time one case (ours, then the peer on the same inputs) and check them against each other."""
    res = CaseResult(module=module, case=case.name, size=int(case.size), unit=case.unit,
                     peer_name=case.peer_name, notes=case.notes, extra=case.extra,
                     load_1min=os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan,
                     measured_utc=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"))
    try:
        ours, res.ours_s, res.ours_runs, res.peak_rss_delta_mib = _best_time(
            case.ours, sample_rss=sample_rss, max_runs=max_runs)
    except Exception as exc:  # noqa: BLE001 - a failing case is a row, not a crash
        res.error = f"ours failed: {type(exc).__name__}: {exc}"
        res.peer_status = "not run (ours failed)" if case.peer is not None else ""
        return res
    if trace and res.ours_s <= trace_cap_seconds:
        try:
            _, _, res.peak_traced_mib = measure(case.ours, trace_memory=True)
        except Exception as exc:  # noqa: BLE001 - e.g. MemoryError: tracing holds a second copy
            res.error = f"traced run failed: {type(exc).__name__}: {exc}"
    if case.peer is None:
        res.peer_status = "peer not installed" if case.peer_name else ""
        if case.check is not None and not case.peer_name:
            res.check = _run_check(case, ours, None)
        return res
    if case.peer_max_size is not None and case.size > case.peer_max_size:
        res.peer_status = "not run (cap)"
        return res
    if not run_peer:
        res.peer_status = "not run (--no-peer)"
        return res
    res.peer_status, res.peer_s, check = _run_peer(case, ours, peer_cap_seconds,
                                                   peer_grace_seconds, max_runs)
    if res.peer_status == "ok" or res.peer_status.startswith("over cap"):
        res.check = check
    elif check:
        res.error = f"peer: {check}"
    return res


# -- machine --------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return math.nan


def _version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001
        return "not installed"


def machine_description() -> dict[str, str]:
    """CPU model, cores, RAM, load, OS and the versions of the libraries that matter."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        commit = ""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    d = {
        "date (UTC)": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "git commit": commit or "unknown",
        "CPU": _cpu_model(),
        "cores (usable)": f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}",
        "RAM": f"{_ram_gib():.1f} GiB",
        "load average at start (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in load),
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }
    for pkg in ("numpy", "scipy", "pandas", "statsmodels", "lifetimes", "pyarrow", "dask",
                "distributed", "pymc-marketing"):
        d[pkg] = _version(pkg)
    return d


# -- output ---------------------------------------------------------------------------------
def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return str(row["module"]), str(row["case"]), str(row["size"])


def write_results(results: Sequence[CaseResult], out_dir: Path, *, merge: bool = True,
                  machine: dict[str, str] | None = None, header_notes: Sequence[str] = ()) -> Path:
    """Write ``results.csv`` and ``results.md``; rows of earlier runs with other keys are kept."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "results.csv"
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    if merge and csv_path.exists():
        with csv_path.open(newline="") as f:
            for r in csv.DictReader(f):
                rows[_key(r)] = r
    for res in results:
        r = res.row()
        rows[_key(r)] = r
        if res.case != "(module)":  # the module runs again: drop its earlier failure row
            rows.pop((res.module, "(module)", "0"), None)
    ordered = sorted(rows.values(), key=lambda r: (r["module"], r["case"], int(float(r["size"]))))
    with csv_path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(ordered)
    machine = machine or machine_description()
    lines = ["# Benchmark results", "",
             "Written by `python -m benchmarks.run` (see `benchmarks/run.py` for how each number "
             "is measured). `ratio` = peer time / custvalue time (> 1: custvalue is faster); "
             "`ns/unit` = wall time per customer or transaction.", "",
             "## Machine (latest run)", ""]
    lines += [f"- **{k}**: {v}" for k, v in machine.items()]
    lines += ["", "Peak memory: `traced` = peak numpy/Python allocations in a separate "
              "`tracemalloc` run of ours; `RSS+` = peak resident memory above the level "
              "before the timed run (sampled every 5 ms). `load` = the machine's 1-minute load "
              "average when the case started (rows are measured at different times; on a "
              "shared 2-core machine a load above 2 inflates wall times). Rows measured "
              "before the load column existed show it empty.", ""]
    lines += list(header_notes)
    lines += ["", "| module | case | size | unit | ours (s) | ns/unit | peak traced MiB | "
              "peak RSS+ MiB | peer | peer (s) | ratio | peer status | check | load | notes |",
              "|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|---|---|---:|---|"]
    for r in ordered:
        size = int(float(r["size"]))
        lines.append("| " + " | ".join([
            r["module"].removeprefix("bench_"), r["case"], f"{size:.0e}".replace("e+0", "e"),
            r["unit"], r["ours_s"], r["ours_ns_per_unit"], r["peak_traced_mib"],
            r["peak_rss_delta_mib"], r["peer_name"], r["peer_s"], r["ratio"], r["peer_status"],
            r["check"], str(r.get("load_1min") or ""),
            str(r["notes"]).replace("|", "/")]) + " |")
    (out_dir / "results.md").write_text("\n".join(lines) + "\n")
    return csv_path


# -- driver ---------------------------------------------------------------------------------
def _parse_sizes(text: str | None) -> list[int] | None:
    if not text:
        return None
    return [int(float(s)) for s in text.replace(" ", "").split(",") if s]


def _split_only(only: str | None) -> tuple[str | None, str | None]:
    """``"module"``, ``"module:case"`` or ``":case"`` -> (module filter, case filter)."""
    if not only:
        return None, None
    if ":" in only:
        mod, case = only.split(":", 1)
        return mod or None, case or None
    return only, None


def run(*, smoke: bool = False, only: str | None = None, sizes: Sequence[int] | None = None,
        peer_cap_seconds: float | None = 600.0, trace: bool = True,
        trace_cap_seconds: float = 60.0, run_peer: bool = True,
        log: Callable[[str], None] | None = None,
        on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Run the selected benchmark modules; return one :class:`CaseResult` per case.

    ``only`` selects modules whose name contains it (or, if none does, cases whose name
    contains it); ``"module:case"`` selects both. ``on_result`` is called after every case
    (the command line uses it to write the tables as it goes).
    """
    mod_only, case_only = _split_only(only)
    if mod_only and case_only is None and not any(mod_only in n for n in discover()):
        mod_only, case_only = None, only
    out: list[CaseResult] = []
    for name in discover(mod_only):
        if mod_only and mod_only not in name:
            continue
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
            for case in _cases(mod, smoke, sizes):
                if case_only and case_only not in case.name:
                    continue
                res = run_case(case, name, peer_cap_seconds=peer_cap_seconds, trace=trace,
                               trace_cap_seconds=trace_cap_seconds, run_peer=run_peer,
                               max_runs=1 if smoke else 5)
                del case
                out.append(res)
                if on_result:
                    on_result(res)
                if log:
                    r = res.row()
                    log(f"{name:24s} {res.case:40s} {res.size:>11,d} ours {r['ours_s']:>9s}s "
                        f"peer {r['peer_s'] or '-':>9s}s ratio {r['ratio'] or '-':>7s} "
                        f"{res.peer_status} {res.check} {res.error}")
        except Exception as exc:  # noqa: BLE001 - a broken module is reported, others still run
            status = "peer not installed" if _is_missing_module(exc) else "module failed"
            res = CaseResult(module=name, case="(module)", size=0, unit="", peer_status=status,
                             error=f"{type(exc).__name__}: {exc}")
            out.append(res)
            if on_result:
                on_result(res)
            if log:
                log(f"{name}: {status}: {type(exc).__name__}: {exc}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m benchmarks.run --help``)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny sizes (written to results/tmp)")
    p.add_argument("--only", help="run modules (or cases) whose name contains this text; "
                                  "'module:case' filters both")
    p.add_argument("--sizes", help="comma-separated sizes to run, e.g. 1e4,1e5,1e6")
    p.add_argument("--peer-cap-seconds", type=float, default=600.0,
                   help="stop a peer after this many seconds and report 'not run (cap)' "
                        "(0: no cap, peer runs in-process)")
    p.add_argument("--trace-cap-seconds", type=float, default=60.0,
                   help="skip the separate tracemalloc run when ours took longer than this")
    p.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run")
    p.add_argument("--no-peer", action="store_true", help="time custvalue only")
    p.add_argument("--out", help="output folder (default benchmarks/results, "
                                 "benchmarks/results/tmp for --smoke)")
    p.add_argument("--fresh", action="store_true",
                   help="replace the table instead of updating the rows that were re-run")
    args = p.parse_args(argv)
    out_dir = Path(args.out) if args.out else (RESULTS_DIR / "tmp" if args.smoke else RESULTS_DIR)
    machine = machine_description()
    log = lambda s: print(s, flush=True)  # noqa: E731 - CLI output
    log("machine: " + "; ".join(f"{k}={v}" for k, v in machine.items()))
    t0 = time.perf_counter()
    notes = _header_notes()
    done: list[CaseResult] = []

    def write_one(res: CaseResult) -> None:  # rows land in the table as they finish
        write_results([res], out_dir, merge=bool(done) or not args.fresh, machine=machine,
                      header_notes=notes)
        done.append(res)

    try:
        results = run(smoke=args.smoke, only=args.only, sizes=_parse_sizes(args.sizes),
                      peer_cap_seconds=args.peer_cap_seconds, trace=not args.no_trace,
                      trace_cap_seconds=args.trace_cap_seconds, run_peer=not args.no_peer,
                      log=log, on_result=write_one)
    except KeyboardInterrupt:  # pragma: no cover
        traceback.print_exc()
        return 130
    path = out_dir / "results.csv"
    log(f"wrote {path} and results.md in {time.perf_counter() - t0:.1f} s")
    failed = [r for r in results if r.check.startswith("FAILED") or r.error.startswith("ours")
              or r.case == "(module)"]
    return 1 if failed else 0


def _header_notes() -> list[str]:
    notes = []
    if _version("pymc-marketing") == "not installed":
        notes.append("PyMC-Marketing MAP peers: not run. `pip install pymc-marketing` (0.19.2) "
                     "resolves here but would downgrade the environment's numba (0.68 -> 0.65) "
                     "and llvmlite (0.50 -> 0.47), which other parts of the stack use, so it "
                     "is not installed in the benchmark environment.")
    return notes


if __name__ == "__main__":
    sys.exit(main())
