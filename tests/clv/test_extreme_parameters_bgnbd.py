"""BG/NBD and MBG/NBD predictions across the whole parameter box, against mpmath.

Every prediction of the two models -- P(alive), expected purchases of a new customer and of a
customer with a history, P(X(t) = n), DERT at a finite and an infinite horizon (conditional
and new customer), ``clv()`` and the cohort forecast -- is compared with the independent
references of :mod:`tests.reference.mp_betageo` (quadrature over the Beta-distributed dropout
probability at 30 digits; the published ``hyp2f1`` closed forms as a cross-check; DERT with the
purchase rate integrated out through the generalised exponential integral).

* The default run reads a stored grid of 547 cases (``tests/reference/mp_betageo_grid.csv``,
  written by ``python -m tests.reference.mp_betageo``: the issue's examples, corners of
  ``[1e-2, 1e4]^4`` with ``a`` in {0.01, 0.5, 1 - 1e-9, 1, 1 + 1e-9, 2, 3, 50, 1e4}, frequencies
  up to 500, ages and horizons up to 1e4 and 0, log-uniform draws) and checks a few points
  against mpmath live; a slow test recomputes the stored grid.
* ``@pytest.mark.slow``: a seeded hypothesis sweep with live mpmath references.

Accuracy asserted: relative error <= 1e-8 everywhere (values below 1e-290, where double
precision itself ends, to an absolute 1e-300); what is achieved is about 1e-11 (see
docs/models/clv.md, "Numerical range of the predictions").
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from custvalue.clv import BetaGeo, ModifiedBetaGeo, clv, cohort_repeat_transactions
from custvalue.clv.betageo import BetaGeoResults
from custvalue.clv.modbetageo import ModifiedBetaGeoResults
from custvalue.exceptions import DataError
from custvalue.math import betageo as bgk
from custvalue.math import modbetageo as mbgk
from custvalue.math import special
from tests.reference import mp_betageo as ref

RTOL = 1e-8
FLOOR = 1e-290  # below this only an absolute 1e-300 is asked (the end of double precision)
KERNELS = {"bg": bgk, "mbg": mbgk}


def _results(model: str, theta) -> BetaGeoResults | ModifiedBetaGeoResults:
    """Results carrying the given parameters (the data only define the model class)."""
    cls, res = (BetaGeo, BetaGeoResults) if model == "bg" else (ModifiedBetaGeo, ModifiedBetaGeoResults)
    m = cls(frequency=[1.0], recency=[1.0], T=[2.0])
    return res(m, np.array(theta, dtype=float), np.eye(4), 0.0, converged=True, message="", n_iter=0)


def _predict(row: dict) -> float:
    """One grid case through the public API."""
    res = _results(row["model"], (row["r"], row["alpha"], row["a"], row["b"]))
    hist = dict(frequency=[row["x"]], recency=[row["t_x"]], T=[row["T"]])
    kind, t = row["kind"], row["t"]
    horizon = None if t < 0 else t
    if kind == "p_alive":
        return float(res.p_alive(**hist).iloc[0])
    if kind == "new":
        return float(res.expected_purchases_new_customer(t))
    if kind == "cond":
        return float(res.expected_purchases(**hist, horizon=t).iloc[0])
    if kind == "prob":
        return float(res.probability_of_purchases(row["n"], t))
    if kind == "dert_cond":
        return float(res.dert(**hist, discount_rate=row["rate"], horizon=horizon).iloc[0])
    if kind == "dert_new":
        return float(res.dert_new_customer(discount_rate=row["rate"], horizon=horizon))
    if kind == "clv":
        return float(clv(res, np.array([1.0]), months=ref.CLV_MONTHS, monthly_discount_rate=row["rate"],
                         freq="W", **hist).iloc[0])
    if kind == "cohort":
        f = cohort_repeat_transactions(res, list(ref.COHORT_BIRTHS), [t])
        return float(f["cumulative"].iloc[0])
    raise ValueError(kind)


def _close(got: float, want: float, rtol: float = RTOL) -> bool:
    if abs(want) < FLOOR:
        return math.isfinite(got) and abs(got - want) <= 1e-300 + rtol * abs(want)
    return math.isfinite(got) and abs(got - want) <= rtol * abs(want)


GRID = ref.read_grid()


@pytest.mark.parametrize("kind", sorted({row["kind"] for row in GRID}))
def test_stored_grid(kind):
    """Every stored case of one prediction within 1e-8 of its mpmath value."""
    bad = []
    for row in GRID:
        if row["kind"] != kind:
            continue
        want = float(mpmath.mpf(row["value"]))
        got = _predict(row)
        if not _close(got, want):
            bad.append((row, got, want))
    assert not bad, f"{len(bad)} cases off, first: {bad[:3]}"


def test_grid_covers_the_box():
    """The stored grid reaches every edge the issue names."""
    for k in ("r", "alpha", "a", "b"):
        vals = [row[k] for row in GRID]
        assert min(vals) <= 1e-2 and max(vals) >= 1e4, k
    assert {1.0, 2.0, 3.0, 1 - 1e-9, 1 + 1e-9} <= {row["a"] for row in GRID}
    assert max(row["x"] for row in GRID) == 500 and max(row["T"] for row in GRID) >= 1e4
    cond = [row["t"] for row in GRID if row["kind"] == "cond"]
    assert min(cond) == 0.0 and max(cond) >= 1e4


def test_issue_examples_live():
    """The numbers of the issue, against mpmath computed now (the stored grid has the rest):
    (0.243, 4.414, a, 3a) for a = 50 and 1e4, where the series' (1-z)^(a-1) used to lose every
    digit; and the values the issue quotes from lifetimes and quadrature."""
    for a in (50.0, 1e4):
        theta = (0.243, 4.414, a, 3 * a)
        res = _results("bg", theta)
        assert _close(res.expected_purchases_new_customer(52.0),
                      float(ref.expected_new_quad("bg", 52.0, *theta, dps=20)))
        got = float(res.expected_purchases(frequency=[0], recency=[0.0], T=[39.0], horizon=39.0).iloc[0])
        assert _close(got, float(ref.conditional_quad("bg", 39.0, *theta, 0, 0.0, 39.0, dps=20)))
    res = _results("bg", (0.243, 4.414, 50.0, 150.0))
    np.testing.assert_allclose(res.expected_purchases_new_customer([13.0, 52.0]), [0.5026, 1.1400],
                               atol=5e-5)
    e = res.expected_purchases(frequency=[0], recency=[0.0], T=[39.0], horizon=52.0).iloc[0]
    assert e == pytest.approx(0.24676, abs=5e-6)


def test_references_agree_with_each_other():
    """The two mpmath references (quadrature over p; FHL eq. 10 with ``hyp2f1``) agree where
    mpmath's ``hyp2f1`` is reliable. (It is not everywhere: at a = 1000, b = 3000, t = 52 it
    returns 4.7e11 for an expectation of 1.13, which is why the grid uses the quadrature.)"""
    for model, t, theta, hist in [("bg", 39.0, (0.243, 4.414, 0.793, 2.426), (2, 30.43, 38.86)),
                                  ("mbg", 500.0, (2.0, 0.5, 0.3, 40.0), (7, 3.0, 10.0)),
                                  ("bg", 5.0, (0.05, 100.0, 1.0, 1e3), (0, 0.0, 1.0))]:
        q = ref.conditional_quad(model, t, *theta, *hist, dps=25)
        h = ref.conditional_hyp(model, t, *theta, *hist, dps=25)
        assert abs(q - h) <= mpmath.mpf("1e-20") * abs(q)


@settings(max_examples=40, deadline=None)
@given(st.floats(-2, 4), st.floats(-2, 4), st.floats(-2, 4), st.floats(-2, 4),
       st.integers(0, 500), st.floats(-2, 4), st.floats(0, 1), st.floats(-2, 4),
       st.sampled_from(["bg", "mbg"]))
def test_predictions_finite_nonnegative_monotone_and_bounded(lr, la, lal, lb, x, lT, frac, lt, model):
    """Without references: for log-uniform parameters every expectation is finite, >= 0,
    nondecreasing in the horizon and at most the rate bound ``P(alive) (r+x) t/(α+T)``
    (``E[Y | alive] <= E[λ] t``); P(X(t) = n) sums to at most 1."""
    r, a, alpha, b, T, t = (10.0 ** v for v in (lr, lal, la, lb, lT, lt))
    t_x = frac * T if x else 0.0
    k = KERNELS[model]
    ts = np.array([0.0, t / 10, t, 10 * t])
    cond = k.conditional_expected_purchases(ts[None, :], r, alpha, a, b, np.array([[x]]), np.array([[t_x]]),
                                            np.array([[T]]))[0]
    alive = float(k.p_alive(r, alpha, a, b, x, t_x, T))
    new = k.expected_purchases_new_customer(ts, r, alpha, a, b)
    for vals, bound in ((cond, alive * (r + x) / (alpha + T) * ts), (new, r / alpha * ts)):
        assert np.isfinite(vals).all() and (vals >= 0).all() and vals[0] == 0
        assert (np.diff(vals) >= -1e-12 * vals[1:]).all()
        assert (vals <= bound * (1 + 1e-10)).all()
    p = k.probability_of_purchases(np.arange(30), t, r, alpha, a, b)
    assert np.isfinite(p).all() and (p >= 0).all() and p.sum() <= 1 + 1e-10


def test_a_regime_neither_method_settles_raises_a_clear_error():
    """When neither the series nor the quadrature reaches 12 digits, the prediction raises a
    DataError naming the regime instead of returning a number (forced here by asking the two
    quadrature rules to agree exactly)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(special, "_QUAD_RTOL", -1.0)
        with pytest.raises(DataError, match=r"cannot be evaluated.*Beta\(1000, 3000\)"):
            bgk.expected_purchases_new_customer([52.0], 0.243, 4.414, 1000.0, 3000.0)


def test_interpolated_path_matches_mpmath_for_a_large_dropout_a():
    """A data set large enough for the frequency-group interpolation, with a = 1000 (the
    interpolation nodes come from the quadrature): a few customers against mpmath."""
    rng = np.random.default_rng(3)
    n = 6000
    x = rng.integers(0, 4, n).astype(float)
    T = rng.uniform(26.0, 78.0, n)
    t_x = np.where(x > 0, T * rng.uniform(size=n), 0.0)
    theta = (0.243, 4.414, 1000.0, 3000.0)
    got = bgk.conditional_expected_purchases(np.array([[13.0, 52.0]]), *theta, x[:, None], t_x[:, None],
                                             T[:, None])
    for i in (0, 1, 2):
        for k, t in enumerate((13.0, 52.0)):
            assert _close(got[i, k], float(ref.conditional_quad("bg", t, *theta, x[i], t_x[i], T[i], dps=25)))


# -- slow: live sweeps ----------------------------------------------------------------------------
def _loguniform():
    return st.floats(-2, 4).map(lambda v: 10.0 ** v)


_SHAPES = st.one_of(_loguniform(), st.sampled_from([1.0, 2.0, 3.0, 0.5, 1 - 1e-9, 1 + 1e-9, 1e4, 1e-2]))


@pytest.mark.slow
@seed(14)
@settings(max_examples=150, deadline=None)
@given(_SHAPES, _loguniform(), _SHAPES, _SHAPES, st.integers(0, 500), _loguniform(), st.floats(0, 1),
       st.one_of(st.just(0.0), _loguniform()), st.sampled_from(["bg", "mbg"]))
def test_sweep_expectations_against_mpmath(r, alpha, a, b, x, T, frac, t, model):
    """Seeded sweep: log-uniform shapes and scales over [1e-2, 1e4] (with integers, a near 1),
    x in 0..500, t_x <= T <= 1e4, horizons 0..1e4; conditional and new-customer expectations
    and P(alive) within 1e-8 of mpmath."""
    t_x = frac * T if x else 0.0
    res = _results(model, (r, alpha, a, b))
    hist = dict(frequency=[x], recency=[t_x], T=[T])
    got = float(res.expected_purchases(**hist, horizon=t).iloc[0])
    assert _close(got, float(ref.conditional_quad(model, t, r, alpha, a, b, x, t_x, T)))
    assert _close(float(res.expected_purchases_new_customer(t)),
                  float(ref.expected_new_quad(model, t, r, alpha, a, b)))
    assert _close(float(res.p_alive(**hist).iloc[0]), float(ref.p_alive(model, r, alpha, a, b, x, t_x, T)))


@pytest.mark.slow
@seed(15)
@settings(max_examples=60, deadline=None)
@given(_SHAPES, _loguniform(), _SHAPES, _SHAPES, _loguniform(), st.sampled_from(["bg", "mbg"]))
def test_sweep_probability_of_purchases_against_mpmath(r, alpha, a, b, t, model):
    res = _results(model, (r, alpha, a, b))
    ns = [0, 1, 2, 5, 20, 100, 500]
    got = res.probability_of_purchases(ns, t).to_numpy()
    for g, n in zip(got, ns):
        assert _close(g, float(ref.probability_of_purchases(model, n, t, r, alpha, a, b)))


@pytest.mark.slow
@seed(16)
@settings(max_examples=12, deadline=None)
@given(_SHAPES, _loguniform(), _SHAPES, _SHAPES, st.integers(0, 500), _loguniform(), st.floats(0, 1),
       st.one_of(st.none(), _loguniform()), st.sampled_from([0.001, 0.01, 0.1]), st.sampled_from(["bg", "mbg"]))
def test_sweep_dert_against_mpmath(r, alpha, a, b, x, T, frac, horizon, d, model):
    t_x = frac * T if x else 0.0
    res = _results(model, (r, alpha, a, b))
    delta = mpmath.log1p(d)
    got = float(res.dert(frequency=[x], recency=[t_x], T=[T], discount_rate=d, horizon=horizon).iloc[0])
    assert _close(got, float(ref.dert_quad(model, delta, r, alpha, a, b, x, t_x, T, horizon=horizon)))
    got = res.dert_new_customer(discount_rate=d, horizon=horizon)
    assert _close(got, float(ref.dert_quad(model, delta, r, alpha, a, b, horizon=horizon)))


@pytest.mark.slow
def test_stored_grid_is_what_mpmath_gives():
    """The stored grid is reproducible: a seeded sample of its cases recomputed now (to 15
    digits: mpmath.quad stops on its own error estimate, which leaves ~1e-17 between runs)."""
    rng = np.random.default_rng(0)
    cases = ref.grid_cases()
    assert len(cases) == len(GRID)
    for i in rng.choice(len(cases), 60, replace=False):
        c, row = cases[i], GRID[i]
        assert all(c[k] == row[k] for k in ("kind", "model", "r", "alpha", "a", "b", "x", "t", "n")), i
        with mpmath.workdps(30):
            want = mpmath.mpf(row["value"])
            got = ref.evaluate_case(c)
            assert abs(got - want) <= mpmath.mpf("1e-15") * abs(want) + mpmath.mpf("1e-320"), (i, got, want)


@pytest.mark.slow
def test_dert_references_agree():
    """DERT through E_{s+1} and quadrature over p, against the integral of the closed-form
    E[Y(t)] by parts."""
    for model, theta, hist, H, d in [("bg", (0.243, 4.414, 0.793, 2.426), (2, 30.43, 38.86), None, 0.01),
                                     ("mbg", (2.0, 0.01, 0.5, 20.0), (5, 0.005, 0.01), 100.0, 0.0005)]:
        delta = mpmath.log1p(d)
        q = ref.dert_quad(model, delta, *theta, *hist, horizon=H)
        p = ref.dert_by_parts(model, delta, *theta, *hist, horizon=H)
        assert abs(q - p) <= mpmath.mpf("1e-20") * abs(q)

