"""Satisfaction -> loyalty benchmarks (issue 5).

* ``pls_bootstrap_1000``: fit the ECSI path model (7 LVs, 24 items, path scheme) and bootstrap
  it with 1,000 resamples, on 250 and 100,000 respondents simulated by
  :func:`custvalue.simulate.loyalty.simulate_path_model`.  Ours estimates all resamples at once
  from their covariance matrices; for rating-scale (integer) items the resamples' moments are
  summed exactly (issue 21): 1-10 ratings take byte counts times byte cross products in a
  compiled register-blocked kernel, one task per core, the counts decoded on the cores from
  the generator's raw stream.  The peer PLS package on PyPI, ``plspm`` 0.5.7 (the Python port of R plspm), installs
  but crashes under pandas 3 (``InnerModel``: ``path.loc[dv,]`` raises "zip() argument 2 is
  longer than argument 1"), so the peer is what a user writes without a vectorised
  bootstrap: a loop that resamples rows and refits.  Check: bootstrap standard errors of the
  paths agree within 15%.
* ``pls_bootstrap_1000 vs previous``: the same call against the bootstrap before issue 21, side
  by side in one run: the double-precision path of
  :func:`custvalue.math.pls.bootstrap_covariances` on centred items, which is unchanged (it
  still serves non-integer data), timed by switching the integer path off.  Check: the same
  seed gives the same resamples and the same estimates to 1e-10.
* ``ordered_probit``: ``from_formula("CUSL1 ~ satisfaction + trust + switching_cost +
  perceived_value", kind="ordered_probit")`` on 100,000 and 1,000,000 respondents (1-10
  loyalty rating: 13 parameters) vs statsmodels ``OrderedModel.from_formula(...).fit(method=
  "bfgs")`` directly.  Ours is the same statsmodels model and optimiser given the analytic
  score of :mod:`custvalue.math.ordinal` (statsmodels differentiates numerically).  Check:
  coefficients agree to 1e-4.
"""

from __future__ import annotations

import os
from unittest import mock

import numpy as np

from benchmarks._harness import Case

PLS_SIZES = (250, 100_000)
PROBIT_SIZES = (100_000, 1_000_000)
N_BOOT = 1000

ECSI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""
FORMULA = "CUSL1 ~ satisfaction + trust + switching_cost + perceived_value"


def _pls_cases(n: int, n_boot: int) -> list[Case]:
    from custvalue.loyalty import PLSPM, ModelSpec
    from custvalue.simulate.loyalty import DEFAULT_STRUCTURE, simulate_path_model

    spec = ModelSpec.from_string(ECSI)
    data = simulate_path_model(DEFAULT_STRUCTURE, n, seed=11, discrete=True)[list(spec.items)]

    def ours_fit():
        return PLSPM(spec, data, scale=True).fit(scheme="path")

    def ours_boot():
        res = ours_fit()
        return res, res.bootstrap(n_boot, seed=1)

    def peer_boot():
        # what a user does without a vectorised bootstrap: resample rows, refit, collect
        rng = np.random.default_rng(1)
        res = ours_fit()
        rows = []
        for _ in range(n_boot):
            idx = rng.integers(0, n, n)
            rows.append(PLSPM(spec, data.iloc[idx], scale=True).fit(scheme="path").paths.to_numpy())
        return res, np.array(rows)

    def check_boot(ours, peer) -> None:
        res, boot = ours
        se_ours = boot.table.xs("path", level="kind")["std_err"].to_numpy()
        se_peer = peer[1].std(0, ddof=1)
        ratio = se_ours / se_peer
        assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio

    def previous_boot():
        # the bootstrap before issue 21: double-precision products on the centred items
        from custvalue.math import pls as K

        with mock.patch.object(K, "_small_integer_data", lambda X: False):
            return ours_boot()

    def check_same(ours, prev) -> None:
        a, b = ours[1].draws.to_numpy(), prev[1].draws.to_numpy()
        assert a.shape == b.shape, (a.shape, b.shape)
        assert np.abs(a - b).max() < 1e-10, np.abs(a - b).max()

    extra: dict = {}

    def with_load(fn, key):
        def run():
            out = fn()
            extra[key] = f"{os.getloadavg()[0]:.2f}"
            return out
        return run

    return [
        Case(f"pls_bootstrap_{n_boot}", n, "respondents", ours_boot, peer_boot,
             "resample-and-refit loop", check=check_boot,
             notes=f"ECSI model, {n_boot} resamples, path scheme; plspm 0.5.7 (PyPI) fails under pandas 3"),
        Case(f"pls_bootstrap_{n_boot} vs previous", n, "respondents", with_load(ours_boot, "load_after_ours"),
             with_load(previous_boot, "load_after_previous"), "previous bootstrap (float64 products)",
             check=check_same, extra=extra,
             notes=f"ECSI model, {n_boot} resamples, seed 1: same resamples, estimates equal to 1e-10; "
                   "under load the previous code's multithreaded float64 products spin (with one BLAS thread "
                   "both use similar CPU time: 3.7-3.9 s previous vs 1.9-3.7 s ours at load 6)"),
    ]


def _probit_case(n: int) -> Case:
    import statsmodels  # noqa: F401

    from custvalue.loyalty import from_formula
    from custvalue.simulate.loyalty import simulate_loyalty_survey

    data = simulate_loyalty_survey(n, seed=3)[["CUSL1", "satisfaction", "trust", "switching_cost",
                                               "perceived_value"]]

    def ours():
        return from_formula(FORMULA, data, kind="ordered_probit", engine="analytic")

    def peer():
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        return OrderedModel.from_formula(FORMULA, data, distr="probit").fit(method="bfgs", maxiter=2000,
                                                                            disp=False)

    def check(o, p) -> None:
        diff = np.abs(o.params.to_numpy() - np.asarray(p.params)).max()
        assert diff < 1e-4, diff

    return Case("ordered_probit", n, "respondents", ours, peer, "statsmodels OrderedModel",
                check=check, notes="1-10 rating, 4 predictors + 9 thresholds")


def cases(smoke: bool = False) -> list[Case]:
    """Benchmark cases; ``smoke=True`` uses tiny sizes and 20 resamples for the test suite."""
    if smoke:
        return [*_pls_cases(250, 20), _probit_case(2_000)]
    out: list[Case] = []
    for n in PLS_SIZES:
        out += _pls_cases(n, N_BOOT)
    out += [_probit_case(n) for n in PROBIT_SIZES]
    return out
