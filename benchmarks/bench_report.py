"""The main job's start-up (issue 16): ``python -m custvalue report`` on the bundled CDNOW log,
as a new user runs it.

* **cold**: a first run: a fresh process with empty caches, both numba's (``NUMBA_CACHE_DIR``)
  and Python's bytecode (``PYTHONPYCACHEPREFIX``), so every compiled kernel and every ``.pyc``
  of custvalue, numpy, pandas, scipy, matplotlib... is built again, as in a fresh virtual
  environment. Every timed call gets new empty folders, so a repeated run is cold as well.
* **warm**: the same command once the caches are filled (the caches of an untimed first run).

Both are whole processes (interpreter start, imports, reading, fitting, figures, writing),
timed from the outside. Goals on two cores: cold under 15 s, warm under 5 s. The machine
load at the start of each case is recorded in the results table. The smoke case (run by the
test suite) times the report in-process on a 300-customer simulated log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._harness import Case

ROOT = Path(__file__).resolve().parents[1]
N_CDNOW = 23_570


def _report_process(out: Path, numba_cache: Path, pycache: Path) -> str:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(numba_cache), PYTHONPYCACHEPREFIX=str(pycache),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "custvalue", "report", "--output", str(out), "--force"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"custvalue report failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stderr


def _cold(work: Path) -> str:
    run_dir = Path(tempfile.mkdtemp(dir=work, prefix="cold-"))
    try:
        err = _report_process(run_dir / "report", run_dir / "numba", run_dir / "pycache")
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
    yield Case("report, cold first run (empty numba and bytecode caches)", N_CDNOW, "customers",
               lambda: _cold(work), check=_check_done,
               notes="python -m custvalue report on the bundled CDNOW log; goal < 15 s on 2 cores")
    warm_numba, warm_pyc = work / "numba", work / "pycache"
    _report_process(work / "prime", warm_numba, warm_pyc)  # fills the caches, untimed
    yield Case("report, warm run (caches filled)", N_CDNOW, "customers",
               lambda: _report_process(work / "warm", warm_numba, warm_pyc), check=_check_done,
               notes="python -m custvalue report on the bundled CDNOW log; goal < 5 s on 2 cores")
