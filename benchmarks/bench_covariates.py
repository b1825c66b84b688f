"""Static covariates in the Pareto/NBD (issue 18): the fit with two covariates on each
process, side by side with the fit without covariates on the same rows.

* ``dummies``: two dummy-coded covariates (``channel``, ``gender``) on each process, the
  case of the issue's target (1e5 customers under 2 s and at most 3x the fit without
  covariates; 1e6 under 20 s).  Few covariate patterns: one scalar-kernel pass per pattern.
* ``continuous``: a dummy and a standard-normal covariate on each process: every customer
  has a pattern of their own, so the likelihood runs through the per-customer kernel
  (:func:`custvalue.math.paretonbd.individual_loglike`: the fused series with one α_i, β_i
  per customer; the quadrature only where they are a hundred times apart).

Customers are drawn by :func:`custvalue.simulate.simulate_paretonbd_covariates` (CDNOW-like
parameters, T ~ U(27, 39) weeks on a 0.1 grid).  ``python -m benchmarks.bench_covariates
[dummies|continuous] [sizes...]`` runs the side-by-side table in one process (best of 3 after a warm-up, with
``os.getloadavg()``); ``python -m benchmarks.run --only covariates`` runs the harness cases.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd

from benchmarks._harness import Case

PNBD = dict(r=0.55, alpha=10.58, s=0.61, beta=11.67)
SIZES = (100_000, 1_000_000)
SMOKE = (2_000,)


def make_base(n: int, kind: str, seed: int = 1) -> pd.DataFrame:
    """A simulated base with two covariates per process (``kind``: dummies or continuous)."""
    from custvalue.simulate import simulate_paretonbd_covariates

    rng = np.random.default_rng(seed)
    Z = pd.DataFrame({"channel": rng.integers(0, 2, n).astype(float)})
    if kind == "dummies":
        Z["gender"] = rng.integers(0, 2, n).astype(float)
        other = "gender"
    else:
        Z["score"] = rng.normal(size=n)
        other = "score"
    T = rng.uniform(27.0, 39.0, n).round(1)
    return simulate_paretonbd_covariates(Z, **PNBD, T=T, purchase_coefficients={"channel": 0.5, other: -0.3},
                                         dropout_coefficients={"channel": -0.4, other: 0.3}, seed=seed + 1)


def _fits(base: pd.DataFrame, kind: str):
    from custvalue.clv import ParetoNBD

    other = "gender" if kind == "dummies" else "score"
    cols = ["channel", other]
    return (lambda: ParetoNBD(purchase_covariates=cols, dropout_covariates=cols).fit(base),
            lambda: ParetoNBD().fit(base))


def cases(smoke: bool) -> Iterator[Case]:
    """The harness cases: ours = with covariates, 'peer' = the same model without covariates."""
    for kind in ("dummies", "continuous"):
        for n in (SMOKE if smoke else SIZES):
            if kind == "continuous" and n > 100_000:
                continue
            base = make_base(n, kind)
            with_cov, without = _fits(base, kind)
            yield Case(f"pnbd_static_covariates_{kind}", n, "customers", with_cov, without,
                       peer_name="custvalue ParetoNBD without covariates",
                       notes="2 covariates on each process vs no covariates, same rows")


def _best(fn, runs: int = 3) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    """Side-by-side timings in one process, printed as a markdown table."""
    argv = sys.argv[1:] if argv is None else argv
    kinds = [a for a in argv if a in ("dummies", "continuous")] or ["dummies", "continuous"]
    sizes = [int(float(a)) for a in argv if a not in kinds] or list(SIZES)
    warm = make_base(5_000, "dummies")  # compile the kernels once, outside the timings
    for kind in ("dummies", "continuous"):
        w = make_base(5_000, kind)
        for f in _fits(w, kind):
            f()
    del warm
    print("| case | customers | with covariates (s) | without (s) | ratio | n_iter | load (1, 5, 15 min) |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        for n in sizes:
            base = make_base(n, kind)
            with_cov, without = _fits(base, kind)
            runs = 3 if n <= 100_000 else 1
            t_cov, res = _best(with_cov, runs)
            t_no, _ = _best(without, runs)
            load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
            print(f"| {kind} | {n:,} | {t_cov:.2f} | {t_no:.2f} | {t_cov / t_no:.2f} | {res.n_iter} | {load} |",
                  flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
