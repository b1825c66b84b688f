"""The main job's start-up (issue 16): ``python -m custvalue report`` on the bundled CDNOW log,
as a new user runs it.

* **cold**: a first run: a fresh process with an empty numba cache (``NUMBA_CACHE_DIR``), so
  every kernel the report uses is compiled, as in a fresh virtual environment (pip writes the
  installed packages' bytecode at install time, so those ``.pyc`` files exist there too).
  Every timed call gets a new empty folder, so a repeated run is cold as well.
* **warm**: the same command once the caches are filled (the caches of an untimed first run).

Both are whole processes (interpreter start, imports, reading, fitting, figures, writing),
timed from the outside; the child's CPU time (user + system) is recorded beside the wall time
(``cpu_s``), since on a shared machine the wall time also counts waiting for a core. Goals on two cores: cold under 15 s, warm under 5 s. The machine
load at the start of each case is recorded in the results table. The smoke case (run by the
test suite) times the report in-process on a 300-customer simulated log.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._harness import Case

ROOT = Path(__file__).resolve().parents[1]
N_CDNOW = 23_570


def _report_process(out: Path, numba_cache: Path, extra: dict | None = None) -> str:
    """Run the command; record the child's CPU seconds (user + system) in ``extra``: on a
    shared machine the wall time includes waiting for a core, the CPU time does not."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(numba_cache),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "custvalue", "report", "--output", str(out), "--force"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"custvalue report failed ({proc.returncode}): {proc.stderr[-2000:]}")
    if extra is not None:
        extra["cpu_s"] = f"{(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime):.2f}"
    return proc.stderr


def _cold(work: Path, extra: dict) -> str:
    run_dir = Path(tempfile.mkdtemp(dir=work, prefix="cold-"))
    try:
        err = _report_process(run_dir / "report", run_dir / "numba", extra)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    if "compiling numerical kernels" not in err:
        raise AssertionError("a cold run did not say that it compiles the kernels")
    return err


def _check_done(ours: str, peer: object) -> None:
    assert "[9/9] done" in ours


def cases(smoke: bool = False) -> Iterator[Case]:
    if smoke:
        import pandas as pd

        from custvalue.report import run_report
        from custvalue.simulate import simulate_betageo_transactions

        tx = simulate_betageo_transactions(300, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=16)
        out = Path(tempfile.mkdtemp(prefix="custvalue-bench-report-")) / "report"

        def small() -> int:
            return run_report(tx, calibration_end="2020-09-30", output=out, force=True, progress=None).n_customers

        def check(ours: int, peer: object) -> None:
            assert ours == tx["customer_id"].nunique() and isinstance(pd.read_csv(out / "scores.csv"), pd.DataFrame)

        yield Case("report, in-process (300 simulated customers)", 300, "customers", small, check=check)
        return
    work = Path(tempfile.mkdtemp(prefix="custvalue-bench-report-"))
    cold = Case("report, cold first run (empty numba cache)", N_CDNOW, "customers", lambda: None,
                check=_check_done, notes="python -m custvalue report on the bundled CDNOW log; goal < 15 s on 2 cores")
    cold.ours = lambda: _cold(work, cold.extra)
    yield cold
    warm_cache = work / "numba"
    _report_process(work / "prime", warm_cache)  # fills the cache, untimed
    warm = Case("report, warm run (cache filled)", N_CDNOW, "customers", lambda: None, check=_check_done,
                notes="python -m custvalue report on the bundled CDNOW log; goal < 5 s on 2 cores")
    warm.ours = lambda: _report_process(work / "warm", warm_cache, warm.extra)
    yield warm
