"""Coverage of the 90% forecast intervals on bases simulated from known parameters (issue 19,
item 3), with the machinery of ``benchmarks/bench_coverage.py``.

* Always run: a few replications check the machinery, and the randomised coverage measure
  is checked on counts drawn from the forecast distribution itself (where it must be nominal
  whatever the fit).
* ``@pytest.mark.slow`` (``pytest -m slow tests/clv/test_coverage.py``, several minutes):
  200 replications per model (BG/NBD with the delta method and Pareto/NBD with the simulated
  interval, at the CDNOW estimates, 1,000 customers, 39-week holdout). The aggregate
  interval's coverage lies in [0.86, 0.94]; the customers'
  randomised coverage is within 3 points of 90% and their integer intervals cover as often
  as the model says they should (at-least coverage = content, within 3 points). The figures
  of ``docs/models/clv.md`` come from the benchmark at 2,000 customers.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_coverage as bench
from custvalue.clv import BetaGeo


def test_machinery_on_a_few_replications():
    study = bench.coverage_study("bgnbd", 2, 300, seed=1, customer_reps=1)
    assert len(study) == 2 and study["covered"].dtype == bool
    assert (study["lower"] < study["estimate"]).all() and (study["estimate"] < study["upper"]).all()
    assert (study["se_parameters"] > 0).all() and (study["se_process"] > 0).all()
    assert study["randomised"].notna().sum() == 1
    s = bench.summarise(study)
    assert 0 <= s["aggregate_coverage"] <= 1 and 0 <= s["customer_randomised"] <= 1
    assert s["customer_at_least"] >= 0.9 - 0.1  # few customers: loose
    # seeded
    again = bench.coverage_study("bgnbd", 2, 300, seed=1, customer_reps=1)
    assert again.equals(study)


def test_pareto_replication_runs():
    row = bench.replicate("pnbd", 300, 3, customers=False)
    assert row["lower"] < row["estimate"] < row["upper"] and "randomised" not in row


def test_randomised_coverage_is_nominal_for_counts_drawn_from_the_forecast():
    # fit once, then draw every customer's count from the fitted conditional distribution:
    # the randomised PIT is then exactly uniform, so its coverage is 0.9 up to sampling error
    rng = np.random.default_rng(4)
    base = bench.simulate_base("bgnbd", 3000, rng)
    calib = base[["frequency", "recency", "T"]]
    res = BetaGeo().fit(calib)
    pmf = res.conditional_probability_of_purchases(np.arange(120), bench.HOLDOUT, calib).to_numpy()
    cdf = np.cumsum(pmf, axis=1)
    u = rng.random(len(base))
    base = base.assign(holdout=(cdf < u[:, None]).sum(axis=1))
    cov = bench.customer_coverage(res, base)
    assert abs(cov["randomised"] - 0.9) < 0.016  # binomial sd 0.005
    assert abs(cov["at_least"] - cov["content"]) < 0.016
    assert cov["content"] >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("model, interval", [("bgnbd", "delta"), ("pnbd", "simulate")])
def test_coverage_over_200_replications(model, interval):
    # the Pareto/NBD's delta-method aggregate interval over-covers a little (0.945 at 2,000
    # customers, docs/models/clv.md): its weakly identified s and beta make the summed
    # expectation non-normal; the simulated interval covers 0.925 there
    study = bench.coverage_study(model, 200, 1000, seed=2026, customer_reps=20, interval=interval)
    s = bench.summarise(study)
    assert 0.86 <= s["aggregate_coverage"] <= 0.94, s
    assert abs(s["customer_randomised"] - 0.9) <= 0.03, s
    assert abs(s["customer_at_least"] - s["customer_content"]) <= 0.03, s
    # ignoring the parameter uncertainty under-covers the total
    assert s["aggregate_coverage_process_only"] < s["aggregate_coverage"]
