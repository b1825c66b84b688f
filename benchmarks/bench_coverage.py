"""Coverage of the forecast intervals, measured on simulated bases (issue 19, item 3).

Each replication draws a base of customers from known BG/NBD or Pareto/NBD parameters
(the CDNOW estimates; ages T ~ U(27, 39) weeks, as in the CDNOW cohort), fits the model on
the calibration period and forms 90% intervals for the 39-week holdout:

* **Aggregate**: the realised total of holdout purchases against
  ``aggregate_purchases_interval`` (parameter uncertainty of the summed expectation, by the
  delta method, plus the summed process variances). Coverage = share of replications whose
  realised total lies in the interval.
* **Customer level**: each customer's realised holdout count against
  ``purchases_predictive_interval`` (parameters at the estimates). The counts are discrete,
  so three numbers are reported: the *at-least* coverage of the integer intervals
  ``[lower, upper]`` (whose model probability is >= 90%, often much more for customers
  who will most likely buy nothing), that model probability averaged over the customers
  (*content*: what the at-least coverage should equal), and the *randomised* coverage, the
  share of the randomised PIT ``U = F(Y-1) + V P(Y)``, ``V ~ U(0, 1)``, that falls in
  ``[0.05, 0.95]``, taken in expectation over ``V``: each customer contributes
  ``|[F(Y-1), F(Y)] ∩ [0.05, 0.95]| / P(Y)``. Under the true model U is exactly uniform, so
  the randomised coverage is nominal (90%) when the forecast distribution is right.

Usage::

    python -m benchmarks.bench_coverage                     # 200 replications of each model
    python -m benchmarks.bench_coverage --reps 20 --models bgnbd

``cases(smoke)`` times one replication for ``benchmarks.run``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks._harness import Case

#: The CDNOW estimates (FHL 2005 table; Fader, Hardie & Lee's Pareto/NBD note).
TRUTH = {"bgnbd": dict(r=0.243, alpha=4.414, a=0.793, b=2.426),
         "pnbd": dict(r=0.553, alpha=10.58, s=0.606, beta=11.67)}
HOLDOUT = 39.0
LEVEL = 0.9


def simulate_base(model: str, n_customers: int, rng: np.random.Generator) -> pd.DataFrame:
    """A calibration base and each customer's holdout purchases (``holdout``) from the truth.

    Parameters
    ----------
    model : {"bgnbd", "pnbd"}
        Which model draws the base.
    n_customers : int
        Customers in the base.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``holdout``.
    """
    from custvalue.simulate import simulate_betageo, simulate_paretonbd

    T = rng.uniform(27.0, 39.0, n_customers)
    if model == "bgnbd":
        base = simulate_betageo(n_customers, T=T, horizon=HOLDOUT, seed=rng, **TRUTH[model])
        base["holdout"] = base["frequency_holdout"]
    else:
        base = simulate_paretonbd(n_customers, T=T, seed=rng, **TRUTH[model])
        remaining = rng.exponential(1.0, n_customers) / base["true_mu"].to_numpy()  # memoryless
        active = np.where(base["true_alive"].to_numpy(), np.minimum(remaining, HOLDOUT), 0.0)
        base["holdout"] = rng.poisson(base["true_lambda"].to_numpy() * active)
    return base[["frequency", "recency", "T", "holdout"]]


def _model_class(model: str) -> Any:
    from custvalue.clv import BetaGeo, ParetoNBD

    return {"bgnbd": BetaGeo, "pnbd": ParetoNBD}[model]


def customer_coverage(res: Any, base: pd.DataFrame, level: float = LEVEL) -> dict[str, float]:
    """At-least, content and randomised coverage of the customers' predictive intervals.

    Parameters
    ----------
    res : fitted transaction-model results
    base : pandas.DataFrame
        Customers with their calibration columns and realised ``holdout`` counts.
    level : float, default 0.9
        Probability content of the intervals.

    Returns
    -------
    dict
        ``at_least``, ``content`` and ``randomised`` (means over the customers).
    """
    y = base["holdout"].to_numpy().astype(int)
    pi = res.purchases_predictive_interval(HOLDOUT, base[["frequency", "recency", "T"]], level=level)
    lower, upper = pi["lower"].to_numpy(), pi["upper"].to_numpy()
    top = int(max(y.max(), upper.max())) + 2
    pmf = res.conditional_probability_of_purchases(np.arange(top), HOLDOUT, base[["frequency", "recency", "T"]])
    cdf = np.cumsum(pmf.to_numpy(), axis=1)
    rows = np.arange(len(y))
    f_y = cdf[rows, y]
    f_before = np.where(y > 0, cdf[rows, np.maximum(y - 1, 0)], 0.0)
    f_below_lower = np.where(lower > 0, cdf[rows, np.maximum(lower - 1, 0)], 0.0)
    q_lo, q_hi = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    overlap = np.clip(np.minimum(f_y, q_hi) - np.maximum(f_before, q_lo), 0.0, None)
    return {"at_least": float(((lower <= y) & (y <= upper)).mean()),
            "content": float((cdf[rows, upper] - f_below_lower).mean()),
            "randomised": float((overlap / np.maximum(f_y - f_before, 1e-300)).mean())}


def replicate(model: str, n_customers: int, seed: Any, *, level: float = LEVEL, customers: bool = True,
              interval: str = "delta") -> dict[str, Any]:
    """One replication: simulate, fit on the calibration period, score the holdout.

    Parameters
    ----------
    model : {"bgnbd", "pnbd"}
    n_customers : int
    seed : int or numpy.random.Generator
    level : float, default 0.9
    customers : bool, default True
        Also measure the customer-level coverage (the costlier part).
    interval : {"delta", "simulate"}, default "delta"
        How the aggregate interval takes the parameter uncertainty (200 draws for
        ``"simulate"``, seeded by the replication).

    Returns
    -------
    dict
        The realised total, the aggregate interval and whether it covers, the parameter and
        process standard errors, whether the process-only interval (parameters taken as
        known) covers, and the customer-level coverages.
    """
    rng = np.random.default_rng(seed)
    base = simulate_base(model, n_customers, rng)
    calib = base[["frequency", "recency", "T"]]
    res = _model_class(model)().fit(calib)
    agg = res.aggregate_purchases_interval(HOLDOUT, calib, level=level, interval=interval, seed=rng)
    actual = float(base["holdout"].sum())
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    process_only = z * agg["se_process"]  # the same forecast with the parameters taken as known
    row = {"model": model, "actual": actual, **agg.to_dict(),
           "covered": bool(agg["lower"] <= actual <= agg["upper"]),
           "covered_process_only": bool(abs(actual - agg["estimate"]) <= process_only)}
    if customers:
        row.update(customer_coverage(res, base, level))
    return row


def coverage_study(model: str, n_reps: int, n_customers: int = 2000, *, seed: int = 2026,
                   customer_reps: int | None = None, level: float = LEVEL, interval: str = "delta") -> pd.DataFrame:
    """``n_reps`` replications (seeded: replication ``i`` uses the ``i``-th child of ``seed``).

    Parameters
    ----------
    model : {"bgnbd", "pnbd"}
    n_reps : int
        Replications for the aggregate coverage.
    n_customers : int, default 2000
        Customers per base.
    seed : int, default 2026
    customer_reps : int, optional
        Replications (the first ones) that also measure the customer-level coverage
        (default: all).
    level : float, default 0.9
    interval : {"delta", "simulate"}, default "delta"
        Method of the aggregate interval.

    Returns
    -------
    pandas.DataFrame
        One row per replication.
    """
    children = np.random.SeedSequence(seed).spawn(n_reps)
    limit = n_reps if customer_reps is None else customer_reps
    rows = [replicate(model, n_customers, np.random.default_rng(c), level=level, customers=i < limit,
                      interval=interval)
            for i, c in enumerate(children)]
    return pd.DataFrame(rows)


def summarise(study: pd.DataFrame) -> dict[str, float]:
    """Aggregate coverage (with its binomial standard error) and mean customer coverages."""
    cov = float(study["covered"].mean())
    out = {"replications": len(study), "aggregate_coverage": cov,
           "aggregate_coverage_se": float(np.sqrt(cov * (1 - cov) / len(study))),
           "aggregate_coverage_process_only": float(study["covered_process_only"].mean()),
           "mean_se_parameters": float(study["se_parameters"].mean()),
           "mean_se_process": float(study["se_process"].mean()),
           "z_sd": float(((study["actual"] - study["estimate"])
                          / np.hypot(study["se_parameters"], study["se_process"])).std(ddof=1))}
    if "randomised" in study:
        part = study.dropna(subset=["randomised"])
        out.update(customer_replications=len(part), customer_at_least=float(part["at_least"].mean()),
                   customer_content=float(part["content"].mean()),
                   customer_randomised=float(part["randomised"].mean()))
    return out


def cases(smoke: bool = False) -> Iterator[Case]:
    """One replication of each model (simulate, fit, aggregate and customer coverage)."""
    n = 300 if smoke else 2000
    for model in ("bgnbd", "pnbd"):
        yield Case(f"coverage replication {model}", n, "customers",
                   lambda model=model: replicate(model, n, 1),
                   notes="simulate a base, fit, 90% aggregate and customer-level intervals of the holdout")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--customer-reps", type=int, default=None)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--models", default="bgnbd,pnbd")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--interval", default="delta", help="aggregate interval method: delta or simulate")
    args = ap.parse_args(argv)
    for model in args.models.split(","):
        t0 = time.perf_counter()
        study = coverage_study(model, args.reps, args.customers, seed=args.seed, customer_reps=args.customer_reps,
                               interval=args.interval)
        s = summarise(study)
        s.update(seconds=round(time.perf_counter() - t0, 1), load_1min=round(os.getloadavg()[0], 2))
        print(model, args.interval, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()}, flush=True)


if __name__ == "__main__":
    main()
