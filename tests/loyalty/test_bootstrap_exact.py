"""The exact bootstrap path for rating-scale items (issue 21): the same resamples as the
double-precision path, and each resample's covariance equal to numpy's covariance of the
materialised resample (the independent reference)."""

from unittest import mock

import numpy as np
import pytest

from custvalue.loyalty import PLSPM, ModelSpec
from custvalue.math import pls as K
from custvalue.simulate.loyalty import DEFAULT_STRUCTURE, simulate_path_model

SPEC = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Satisfaction ~ Image + Expectation
Loyalty ~ Satisfaction + Image
"""


def _items(n, seed=4):
    rng = np.random.default_rng(seed)
    return rng.integers(1, 8, size=(n, 5)).astype(float) + rng.integers(0, 3, size=(n, 1))


@pytest.mark.parametrize("scale", [False, True])
def test_each_resample_is_numpys_covariance_of_the_resample(scale):
    X = _items(301)
    assert K._small_integer_data(X)
    got = np.concatenate(list(K.bootstrap_covariances(X, 7, np.random.default_rng(2), scale=scale, chunk=3)))
    rng = np.random.default_rng(2)
    idx = np.concatenate([rng.integers(0, 301, size=(b, 301)) for b in (3, 3, 1)])
    for r in range(7):
        ref = np.cov(X[idx[r]], rowvar=False, bias=True)
        if scale:
            ref = np.corrcoef(X[idx[r]], rowvar=False)
        np.testing.assert_allclose(got[r], ref, rtol=1e-12, atol=1e-14)


def test_integer_path_equals_the_float_path_and_blocks_do_not_matter():
    X = _items(500)
    ref = np.concatenate(list(K.bootstrap_covariances(X - X.mean(0), 9, np.random.default_rng(7))))
    got = np.concatenate(list(K.bootstrap_covariances(X, 9, np.random.default_rng(7))))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
    with mock.patch.object(K, "_EXACT32", 2.0 ** 11):  # many small blocks of rows
        blocked = np.concatenate(list(K.bootstrap_covariances(X, 9, np.random.default_rng(7))))
    np.testing.assert_array_equal(blocked, got)  # exact integer sums: bit for bit


def test_small_integer_data():
    assert K._small_integer_data(np.array([[1.0, -7.0], [3.0, 2.0]]))
    assert not K._small_integer_data(np.array([[0.5, 1.0]]))
    assert not K._small_integer_data(np.array([[100.0, 1.0]]))  # products of 10,000 > 2^12
    assert not K._small_integer_data(np.array([[np.nan, 1.0]]))
    assert not K._small_integer_data(np.empty((0, 2)))


def test_pls_bootstrap_equals_the_previous_bootstrap():
    spec = ModelSpec.from_string(SPEC)
    data = simulate_path_model(DEFAULT_STRUCTURE, 400, seed=3, discrete=True)[list(spec.items)]
    res = PLSPM(spec, data, scale=True).fit(scheme="path")
    new = res.bootstrap(60, seed=5)
    with mock.patch.object(K, "_small_integer_data", lambda X: False):
        old = res.bootstrap(60, seed=5)
    np.testing.assert_allclose(new.draws.to_numpy(), old.draws.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(new.table.to_numpy(), old.table.to_numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox])
def test_counts_are_those_of_integers_and_the_generator_moves_on_alike(bitgen):
    a, b = np.random.Generator(bitgen(9)), np.random.Generator(bitgen(9))
    for n, k in [(1001, 3), (2, 7), (5000, 2), (1001, 1)]:  # odd counts leave half a word
        idx = a.integers(0, n, size=(k, n))
        ref = np.stack([np.bincount(row, minlength=n) for row in idx]).astype(np.float32)
        np.testing.assert_array_equal(K._counts(b, n, k), ref)
    assert a.integers(0, 10 ** 9, 4).tolist() == b.integers(0, 10 ** 9, 4).tolist()
    assert a.random() == b.random()


def test_byte_path_equals_the_single_precision_path_bit_for_bit():
    """1-10 ratings take the byte products (issue 21); switching them off gives the float32
    products of the same draws: exact integer moments, so the covariances are identical."""
    rng = np.random.default_rng(8)
    X = rng.integers(1, 11, size=(3001, 6)).astype(float)
    assert K._byte_products(X, np.triu_indices(6)) is not None
    got = np.concatenate(list(K.bootstrap_covariances(X, 23, np.random.default_rng(3), chunk=9)))
    with mock.patch.object(K, "_byte_products", lambda X, iu: None):
        ref = np.concatenate(list(K.bootstrap_covariances(X, 23, np.random.default_rng(3), chunk=9)))
    np.testing.assert_array_equal(got, ref)
    idx = np.random.default_rng(3).integers(0, 3001, size=(9, 3001))
    np.testing.assert_allclose(got[4], np.cov(X[idx[4]], rowvar=False, bias=True), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("top", [12, 40])
def test_items_beyond_a_byte_take_the_single_precision_path(top):
    rng = np.random.default_rng(top)
    X = rng.integers(-top, top + 1, size=(400, 4)).astype(float)
    assert K._small_integer_data(X) and K._byte_products(X, np.triu_indices(4)) is None
    got = np.concatenate(list(K.bootstrap_covariances(X, 5, np.random.default_rng(1))))
    idx = np.random.default_rng(1).integers(0, 400, size=(5, 400))
    for r in range(5):
        np.testing.assert_allclose(got[r], np.cov(X[idx[r]], rowvar=False, bias=True), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("leftover", [False, True])
def test_resample_starts_follow_integers_through_rejections(leftover):
    """numpy draws integers(0, n) by Lemire's method, rejecting some 32-bit values; with
    n = 3e9 three in ten are rejected. The starts found by the vectorised scan, decoded in
    Python, give exactly numpy's draws, and the generator moves on alike."""
    n, size, b = 3_000_000_000, 1001, 3
    a, g = np.random.default_rng(12), np.random.default_rng(12)
    if leftover:  # an odd number of 32-bit draws leaves half a word in the generator
        a.integers(0, 5, size=1)
        g.integers(0, 5, size=1)
    ref = a.integers(0, n, size=(b, size))
    st = g.bit_generator.state
    raw = g.bit_generator.random_raw(b * size + 64)
    halves = raw.view(np.uint32)
    first, has_first = int(st["uinteger"]), bool(st["has_uint32"])
    starts = K._resample_starts(halves, first, has_first, n, b, size)
    stream = ([first] if has_first else []) + halves.tolist()
    for r in range(b):
        vals = [v for v in stream[starts[r]:starts[r + 1]] if (v * n) % 2 ** 32 >= 2 ** 32 % n]
        assert [(v * n) >> 32 for v in vals] == ref[r].tolist()
    assert starts[b] - starts[0] > b * size  # rejections happened


def _kernels():
    from custvalue.math._int8_products import HAS_VNNI

    return [False, True] if HAS_VNNI else [False]  # the vpdpbusd kernel where the CPU has it


@pytest.mark.parametrize("vnni", _kernels())
def test_byte_products_are_exact_at_the_byte_limits(vnni):
    from custvalue.math._int8_products import COLS, DEPTH, ROWS, accumulate_products

    rng = np.random.default_rng(5)
    n = 2 * DEPTH + 77  # three depth slices, the last one short (and not a multiple of 64)
    A = rng.integers(0, 256, size=(3 * ROWS, n)).astype(np.uint8)
    B = rng.integers(-128, 128, size=(2 * COLS, n)).astype(np.int8)
    A[0], B[0], B[1] = 255, -128, 127  # the largest products, all of one sign
    C = np.full((A.shape[0], B.shape[0]), 7, dtype=np.int64)
    accumulate_products(A, B, C, vnni=vnni)
    np.testing.assert_array_equal(C, 7 + A.astype(np.int64) @ B.T.astype(np.int64))
