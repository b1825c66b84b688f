"""Differences of log-gamma, digamma and trigamma at large arguments
(:func:`custvalue.math.special.lgamma_ratio` and its siblings) against mpmath at 60 digits.

The direct differences of scipy's values keep ``1e-16 |log Γ(z)|`` absolute accuracy, which
is the whole difference once ``z`` passes ~1e13; these must stay at rounding of the
difference itself, relative, at every size.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betaln

from custvalue.math.special import digamma_diff, lgamma_ratio, log_beta_ratio, trigamma_diff

Z = [0.3, 2.0, 9.99, 10.0, 10.5, 37.0, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18]
H = [0.0, 0.5, 1.0, 3.0, 30.0, 400.0, 1e5, -0.2]
REFERENCES = {
    lgamma_ratio: lambda z, h: mp.loggamma(z + h) - mp.loggamma(z),
    digamma_diff: lambda z, h: mp.digamma(z + h) - mp.digamma(z),
    trigamma_diff: lambda z, h: mp.polygamma(1, z + h) - mp.polygamma(1, z),
}


def _relative_error(fn, z, h):
    with mp.workdps(60):  # mpmath's precision is global: other test modules set their own
        ref = REFERENCES[fn](mp.mpf(z), mp.mpf(h))
    got = float(fn(z, h))
    if ref == 0:
        return abs(got)
    return float(abs((mp.mpf(got) - ref) / ref))


@pytest.mark.parametrize("fn", list(REFERENCES), ids=lambda f: f.__name__)
def test_differences_match_mpmath_on_a_grid_from_small_to_huge_arguments(fn):
    errors = [_relative_error(fn, z, h) for z in Z for h in H if z + h > 0]
    assert max(errors) < 2e-14


@pytest.mark.parametrize("fn", list(REFERENCES), ids=lambda f: f.__name__)
@settings(max_examples=60, deadline=None)
@given(log_z=st.floats(-1.0, 17.0), h=st.integers(0, 500))
def test_differences_match_mpmath_anywhere(fn, log_z, h):
    z = 10.0 ** log_z
    assert _relative_error(fn, z, float(h)) < 5e-13


def test_the_direct_differences_fail_where_these_do_not():
    """The reason they exist: at z = 1e14 scipy's differences are off by ~0.1."""
    z, h = 1e14, 3.0
    with mp.workdps(60):
        ref = float(mp.loggamma(mp.mpf(z) + h) - mp.loggamma(mp.mpf(z)))
    from scipy.special import gammaln
    assert abs(gammaln(z + h) - gammaln(z) - ref) > 1e-3
    assert abs(lgamma_ratio(z, h) - ref) < 1e-13 * ref


@pytest.mark.parametrize("a, b", [(0.8, 2.4), (25.0, 75.0), (2.5e5, 7.5e5), (2.5e13, 7.5e13), (3.0, 1e15)])
def test_log_beta_ratio_matches_mpmath_in_absolute_terms(a, b):
    for h in (0.0, 1.0, 7.0, 250.0):
        with mp.workdps(60):
            ref = (mp.log(mp.beta(mp.mpf(a), mp.mpf(b) + h)) - mp.log(mp.beta(mp.mpf(a), mp.mpf(b))))
        assert abs(log_beta_ratio(a, b, h) - float(ref)) < 4e-14 * max(1.0, abs(float(ref)))
    if a + b < 1e3:  # where betaln is exact, the two agree
        assert log_beta_ratio(a, b, 3.0) == pytest.approx(betaln(a, b + 3.0) - betaln(a, b), abs=1e-14)


def test_broadcasting_and_scalars():
    out = lgamma_ratio(np.array([[1e12], [3.0]]), np.array([0.0, 1.0, 2.0]))
    assert out.shape == (2, 3)
    assert isinstance(digamma_diff(5.0, 1.0), float)
