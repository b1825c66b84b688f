"""Pareto/NBD with time-varying covariates (issue 18, item 6): 1e5 customers x 52 weekly
periods, 2 covariates on the purchase process and 1 on the dropout process; goal: fit in
under 30 s on 2 cores.

``ours`` binds the data (transaction log + long covariate frame -> pieces) and fits; the
"peer" column is the no-covariate :class:`custvalue.clv.ParetoNBD` fit on the same customers'
frequency, recency and T, in the same run (the issue asks for the covariate fit side by side
with the plain one).

Run alone: one row per stage with the wall time, the CPU time of the process (both cores; on
an idle two-core machine the parallel kernels' wall time approaches half of it) and the load
average::

    PYTHONPATH=. python -m benchmarks.bench_paretonbd_tv [n_customers]

or through ``python -m benchmarks.run --only paretonbd_tv``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd

from benchmarks._harness import Case

TRUTH = dict(r=0.8, alpha=6.0, s=0.6, beta=20.0)
GAMMA_P = {"promo": 0.5, "season": -0.3}
GAMMA_D = {"promo": -0.4}
SIZES = (100_000,)
SMOKE = (2_000,)


def _base(n: int):
    from custvalue.simulate import simulate_paretonbd_tv

    return simulate_paretonbd_tv(n, **TRUTH, gamma_purchase=GAMMA_P, gamma_dropout=GAMMA_D,
                                 calibration_periods=52, horizon=0, acquisition_periods=1, seed=1)


def _fit(base):
    from custvalue.clv import ParetoNBDTimeVarying

    return ParetoNBDTimeVarying(purchase_covariates=list(GAMMA_P), dropout_covariates=list(GAMMA_D)).fit(
        base.transactions, base.covariates, calibration_end=base.calibration_end)


def _rft(base) -> pd.DataFrame:
    tx = base.transactions
    g = tx.groupby("customer_id")["date"]
    first, last, n = g.min(), g.max(), g.nunique()
    week = pd.Timedelta(days=7)
    return pd.DataFrame({"frequency": (n - 1).astype(float), "recency": (last - first) / week,
                         "T": (base.calibration_end - first) / week})


def cases(smoke: bool) -> Iterator[Case]:
    from custvalue.clv import ParetoNBD

    for n in SMOKE if smoke else SIZES:
        base = _base(n)
        rft = _rft(base)

        def check(ours, peer):
            assert ours.converged and peer.converged

        yield Case("ParetoNBDTimeVarying.fit (52 weekly periods, 2+1 covariates)", n, "customers",
                   lambda b=base: _fit(b), lambda d=rft: ParetoNBD().fit(d),
                   peer_name="custvalue ParetoNBD, no covariates", check=check,
                   notes="ours includes building the pieces from the transaction log and the "
                         f"{n * 52:,}-row covariate frame")


def main(argv: list[str]) -> None:
    from custvalue.clv import ParetoNBD, ParetoNBDTimeVarying

    n = int(float(argv[0])) if argv else SIZES[0]
    _fit(_base(2_000))  # compile (numba cache) outside the timings
    rows = []

    clock = [time.process_time()]

    def row(stage, seconds, extra=""):
        load = os.getloadavg()
        cpu, clock[0] = time.process_time() - clock[0], time.process_time()
        rows.append((stage, n, seconds, cpu, load))
        print(f"{stage:<46} n={n:>7} wall {seconds:7.2f} s  cpu {cpu:7.2f} s  "
              f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}  {extra}", flush=True)

    clock[0] = time.process_time()
    t = time.perf_counter()
    base = _base(n)
    row("simulate_paretonbd_tv", time.perf_counter() - t, f"{len(base.covariates):,} covariate rows")
    t = time.perf_counter()
    model = ParetoNBDTimeVarying(base.transactions, base.covariates, purchase_covariates=list(GAMMA_P),
                                 dropout_covariates=list(GAMMA_D), calibration_end=base.calibration_end)
    row("bind (log + covariate frame -> pieces)", time.perf_counter() - t, f"{model._dt.size:,} pieces")
    p = np.array([base.params[k] for k in model.param_names])
    model.loglike_and_score(p)
    clock[0] = time.process_time()
    t = time.perf_counter()
    for _ in range(3):
        model.loglike_and_score(p)
    row("one log-likelihood + gradient pass (mean of 3)", (time.perf_counter() - t) / 3)
    clock[0] = time.process_time()
    t = time.perf_counter()
    res = model.fit()
    row("fit (bound model)", time.perf_counter() - t, f"converged={res.converged} n_iter={res.n_iter}")
    t = time.perf_counter()
    res = _fit(base)
    row("fit from the frames (bind + fit)", time.perf_counter() - t)
    rft = _rft(base)
    ParetoNBD().fit(rft.iloc[:2000])  # compile outside the timing
    clock[0] = time.process_time()
    t = time.perf_counter()
    plain = ParetoNBD().fit(rft)
    row("ParetoNBD.fit, no covariates (same customers)", time.perf_counter() - t, f"converged={plain.converged}")
    print(pd.DataFrame({"estimate": res.params, "bse": res.bse, "truth": pd.Series(base.params)}).round(4))


if __name__ == "__main__":
    main(sys.argv[1:])
