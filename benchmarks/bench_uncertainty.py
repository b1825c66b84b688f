"""Cost of the parameter-uncertainty intervals beside the point predictions (issue 19, item 5).

For a BG/NBD fitted on CDNOW-like simulated customers, each row times one prediction at
1e6 customers (``T ~ U(27, 39)`` weeks, so rows do not compress) and, as its "peer", the
point prediction of the same quantity on the same inputs in the same run; ``ratio`` is then
point time / interval time (below 1: the interval costs more). Targets of the issue: the
delta method under 2x the point cost (ratio above 0.5); ``simulate`` with 200 draws for
1e6 customers under 30 s and 2 GB.

``python -m benchmarks.bench_uncertainty`` prints the rows with the load average;
``python -m benchmarks.run --only uncertainty`` writes them to the results table.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator

import numpy as np

from benchmarks._harness import Case

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)


def _setup(n: int):
    from custvalue.clv import BetaGeo
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(1)
    base = simulate_betageo(n, T=rng.uniform(27.0, 39.0, n), seed=rng, **BG)[["frequency", "recency", "T"]]
    res = BetaGeo().fit(base.iloc[: min(n, 50_000)])
    return res, base


def cases(smoke: bool = False) -> Iterator[Case]:
    """Delta and simulate intervals of P(alive) and expected purchases, beside the point."""
    n = 2_000 if smoke else 1_000_000
    res, base = _setup(n)
    point = {"p_alive": lambda: res.p_alive(base),
             "expected_purchases": lambda: res.expected_purchases(base, horizon=39.0)}
    calls = [("p_alive delta", "p_alive", lambda: res.p_alive(base, interval="delta")),
             ("expected_purchases delta", "expected_purchases",
              lambda: res.expected_purchases(base, horizon=39.0, interval="delta")),
             ("p_alive simulate 200", "p_alive", lambda: res.p_alive(base, interval="simulate", seed=1)),
             ("expected_purchases simulate 200", "expected_purchases",
              lambda: res.expected_purchases(base, horizon=39.0, interval="simulate", seed=1))]
    for name, what, fn in calls:
        yield Case(name, n, "customers", fn, peer=point[what], peer_name=f"{what} point (same run)",
                   notes="ratio = point time / interval time")


def _rss() -> int:
    """Resident set size of this process in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _peak_extra_rss(fn) -> tuple[float, float, float]:
    """``(seconds, peak resident memory above the start, peak resident memory)`` of one call,
    in GB, the memory sampled every 5 ms by a thread."""
    import threading

    start, peak, done = _rss(), [0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            done.wait(0.005)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    t0 = time.perf_counter()
    try:
        fn()
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        th.join()
    top = max(peak[0], _rss())
    return elapsed, (top - start) / 2 ** 30, top / 2 ** 30


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=float, default=1e6)
    ap.add_argument("--skip-simulate", action="store_true")
    ap.add_argument("--skip-delta", action="store_true")
    args = ap.parse_args(argv)
    n = int(args.customers)
    res, base = _setup(n)
    rows = [("p_alive", lambda: res.p_alive(base), "delta", lambda: res.p_alive(base, interval="delta")),
            ("expected_purchases", lambda: res.expected_purchases(base, horizon=39.0), "delta",
             lambda: res.expected_purchases(base, horizon=39.0, interval="delta"))]
    if args.skip_delta:
        rows = []
    if not args.skip_simulate:
        rows += [("p_alive", lambda: res.p_alive(base), "simulate 200",
                  lambda: res.p_alive(base, interval="simulate", seed=1)),
                 ("expected_purchases", lambda: res.expected_purchases(base, horizon=39.0), "simulate 200",
                  lambda: res.expected_purchases(base, horizon=39.0, interval="simulate", seed=1))]
    warm = base.iloc[: min(n, 120_000)]  # above the size at which the parallel kernels run
    warmers = {"p_alive": lambda: res.p_alive(warm, interval="simulate", n_draws=10, seed=1),
               "expected_purchases": lambda: res.expected_purchases(warm, horizon=39.0, interval="simulate",
                                                                    n_draws=10, seed=1)}
    for what, point, kind, interval in rows:
        point(), interval() if kind == "delta" else warmers[what]()  # compile (or load) the kernels first
        best_p, best_i, mem, total = np.inf, np.inf, 0.0, 0.0
        for _ in range(5 if kind == "delta" else 1):
            t0 = time.perf_counter()
            point()
            best_p = min(best_p, time.perf_counter() - t0)
            seconds, extra, top = _peak_extra_rss(interval)
            best_i, mem, total = min(best_i, seconds), max(mem, extra), max(total, top)
        print(f"{what:20s} n={n:>9,d} point {best_p:7.3f} s  {kind:13s} {best_i:7.3f} s  "
              f"x{best_i / best_p:6.2f}  peak +{mem:5.2f} GB (process {total:4.2f} GB)  "
              f"load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
