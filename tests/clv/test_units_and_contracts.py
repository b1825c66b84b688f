"""Issue 17, parts 1 and 3: one convention for time and money, and the explicit contract
between the transaction models and their kernels.

- the renamed keywords (``clv(months=, monthly_discount_rate=)``, the scorers' ``months=``)
  accept the old names with a FutureWarning and give the identical number;
- one table of period lengths (:mod:`custvalue.units`) read by every module;
- the discount factor written once (:func:`custvalue.math.dert.discount_factors`), checked
  against closed-form geometric sums;
- every kernel module satisfies :class:`custvalue.clv._kernel.TransactionKernel`, and its
  declared capabilities agree with what its functions accept.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import rfm, units
from custvalue.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD, clv
from custvalue.clv import value as value_mod
from custvalue.clv._kernel import KernelCapabilities, TransactionKernel, capabilities
from custvalue.math import betageo, bgbb, modbetageo, paretonbd
from custvalue.math.dert import discount_factors, discrete_dert, increment_weights
from custvalue.streaming import score_frame, score_parquet

KERNELS = {BetaGeo: betageo, ModifiedBetaGeo: modbetageo, ParetoNBD: paretonbd, BetaGeoBetaBinom: bgbb}


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    d = cdnow_summary.iloc[:300]
    return d, BetaGeo().fit(d), GammaGamma().fit(d)


def _old_and_new(fn, old: dict, new: dict):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = fn(**old)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        after = fn(**new)
    future = [w for w in caught if issubclass(w.category, FutureWarning)]
    return before, after, future


# -- renamed keywords ---------------------------------------------------------------------
@pytest.mark.parametrize("old,new", [
    ({"horizon": 7}, {"months": 7}),
    ({"discount_rate": 0.03}, {"monthly_discount_rate": 0.03}),
    ({"horizon": 5, "discount_rate": 0.02}, {"months": 5, "monthly_discount_rate": 0.02}),
])
def test_clv_old_keywords_warn_and_give_the_same_number(fits, old, new):
    d, bg, gg = fits
    before, after, future = _old_and_new(lambda **k: clv(bg, gg, d, freq="W", **k), old, new)
    assert len(future) == len(old)
    for name in old:
        assert any(name in str(w.message) for w in future)
    np.testing.assert_array_equal(before.to_numpy(), after.to_numpy())


def test_clv_signature_shows_only_the_new_names():
    params = inspect.signature(clv).parameters
    assert "months" in params and "monthly_discount_rate" in params
    assert "horizon" not in params and "discount_rate" not in params


def test_clv_refuses_old_and_new_name_together(fits):
    d, bg, gg = fits
    with pytest.raises(TypeError, match="months"):
        clv(bg, gg, d, horizon=3, months=3)


@pytest.mark.parametrize("old,new", [
    ({"clv_horizon": 6}, {"months": 6}),
    ({"discount_rate": 0.02}, {"monthly_discount_rate": 0.02}),
])
def test_score_frame_old_keywords_warn_and_give_the_same_numbers(fits, old, new):
    d, bg, gg = fits
    before, after, future = _old_and_new(lambda **k: score_frame(d, bg, gg, outputs=["clv"], **k), old, new)
    assert len(future) == 1
    pd.testing.assert_frame_equal(before, after)
    # and the scorer's months are clv's months
    direct = clv(bg, gg, d, months=new.get("months", 12),
                 monthly_discount_rate=new.get("monthly_discount_rate", 0.01))
    np.testing.assert_array_equal(after["clv"].to_numpy(), direct.to_numpy())


def test_score_parquet_old_keywords_warn_and_give_the_same_numbers(fits, tmp_path):
    d, bg, gg = fits
    path = tmp_path / "base.parquet"
    d.rename_axis("customer_id").reset_index().to_parquet(path)
    before, after, future = _old_and_new(
        lambda **k: score_parquet(path, bg, gg, outputs=["clv"], batch_rows=100, **k).scores,
        {"clv_horizon": 4, "discount_rate": 0.02}, {"months": 4, "monthly_discount_rate": 0.02})
    assert len(future) == 2
    pd.testing.assert_frame_equal(before, after)


def test_dask_score_old_keywords_warn_and_give_the_same_numbers(fits):
    import dask.dataframe as dd
    from custvalue.dask import score

    d, bg, gg = fits
    ddf = dd.from_pandas(d, npartitions=2)
    before, after, future = _old_and_new(
        lambda **k: score(ddf, bg, gg, outputs=["clv"], **k).compute(),
        {"clv_horizon": 4, "discount_rate": 0.02}, {"months": 4, "monthly_discount_rate": 0.02})
    assert len(future) == 2
    pd.testing.assert_frame_equal(before, after)


# -- one table of period lengths ----------------------------------------------------------
def test_period_tables_have_one_source():
    assert rfm.TIME_UNITS is units.DAYS_PER_UNIT
    assert value_mod.PERIOD_LENGTH is units.UNITS_PER_MONTH
    # the calendar month and the CLV (lifetimes) month, as documented in the glossary
    assert units.DAYS_PER_UNIT["M"] == 365.25 / 12
    assert units.UNITS_PER_MONTH["D"] == 30.0 and units.UNITS_PER_MONTH["W"] == 4.345


def test_clv_month_is_the_table_month(fits):
    """clv's month in weeks is UNITS_PER_MONTH["W"]: the same customers' CLV from a monthly
    sum of the conditional expectation at k * 4.345 weeks, discounted by hand."""
    d, bg, _ = fits
    one = d.iloc[:3]
    k = np.arange(1, 4)
    cum = bg.expected_purchases(one, horizon=units.UNITS_PER_MONTH["W"] * k).to_numpy()
    inc = np.diff(cum, axis=1, prepend=0.0)
    by_hand = inc @ (1.05 ** -k)
    got = clv(bg, np.ones(3), one, months=3, monthly_discount_rate=0.05, freq="W")
    np.testing.assert_allclose(got.to_numpy(), by_hand, rtol=1e-13)


# -- the discounting formula --------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(d=st.floats(-0.5, 2.0), n=st.integers(1, 60))
def test_discount_factors_sum_to_the_annuity(d, n):
    """Σ_{k=1}^n (1+d)^-k = (1 - (1+d)^-n) / d (n for d = 0)."""
    total = float(discount_factors(d, np.arange(1, n + 1)).sum())
    closed = n if d == 0 else -np.expm1(-n * np.log1p(d)) / d  # accurate for tiny d too
    assert total == pytest.approx(closed, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(d=st.floats(-0.5, 2.0), e=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30))
def test_increment_weights_are_summation_by_parts(d, e):
    cum = np.cumsum(e)  # a non-decreasing cumulative quantity
    direct = sum(e[k] / (1.0 + d) ** (k + 1) for k in range(len(e)))
    assert float(cum @ increment_weights(d, len(e))) == pytest.approx(direct, rel=1e-10, abs=1e-12)


def test_increment_weights_per_customer_rates_are_the_scalar_rows():
    rates = np.array([0.0, 0.01, 0.3])
    grid = increment_weights(rates, 5)
    assert grid.shape == (3, 5)
    for row, d in zip(grid, rates):
        np.testing.assert_array_equal(row, increment_weights(d, 5))


def test_discrete_dert_uses_the_same_discounting():
    f = lambda i: np.asarray(i, dtype=float)[None, :] ** 2  # noqa: E731
    i = np.arange(1, 6, dtype=float)
    by_hand = sum((i[k] ** 2 - (i[k - 1] ** 2 if k else 0.0)) / 1.1 ** i[k] for k in range(5))
    assert float(discrete_dert(f, 0.1, 5)[0]) == pytest.approx(by_hand, rel=1e-14)


# -- the kernel contract ------------------------------------------------------------------
@pytest.mark.parametrize("model", list(KERNELS), ids=lambda m: m.__name__)
def test_kernel_modules_satisfy_the_protocol(model):
    kernel = KERNELS[model]
    assert model.results_class.kernel is kernel
    assert isinstance(kernel, TransactionKernel)
    assert isinstance(capabilities(kernel), KernelCapabilities)


@pytest.mark.parametrize("model", list(KERNELS), ids=lambda m: m.__name__)
def test_kernel_argument_order_is_horizon_params_history(model):
    kernel = KERNELS[model]
    params = list(model.param_names)
    history = ["x", "t_x", "n_periods" if capabilities(kernel).discrete else "T"]

    def names(fn):
        return [p.name for p in inspect.signature(fn).parameters.values()
                if p.default is inspect.Parameter.empty]

    assert names(kernel.p_alive) == params + history
    assert names(kernel.conditional_expected_purchases) == ["t"] + params + history
    assert names(kernel.expected_purchases_new_customer) == ["t"] + params
    assert names(kernel.probability_of_purchases)[1:] == ["t"] + params


@pytest.mark.parametrize("model", list(KERNELS), ids=lambda m: m.__name__)
def test_declared_capabilities_match_the_functions(model):
    """What a kernel declares is what its functions accept (the probes this replaced)."""
    kernel = KERNELS[model]
    caps = capabilities(kernel)
    cep = inspect.signature(kernel.conditional_expected_purchases).parameters
    assert caps.horizon_weights == ("horizon_weights" in cep)
    assert caps.time_scale == callable(getattr(kernel, "time_scale", None))
    dert = getattr(kernel, "dert", None)
    assert caps.closed_dert(finite=False) == (dert is not None)
    assert caps.closed_dert(finite=True) == (dert is not None and "horizon" in inspect.signature(dert).parameters)
    assert caps.discrete == (model is BetaGeoBetaBinom)


def test_capabilities_refuse_an_undeclared_or_inconsistent_kernel():
    import types

    bare = types.ModuleType("bare")
    with pytest.raises(TypeError, match="does not declare"):
        capabilities(bare)
    bare.DISCRETE, bare.DERT_HORIZONS, bare.HORIZON_WEIGHTS, bare.TIME_SCALE = False, ("finite",), False, False
    with pytest.raises(TypeError, match="dert"):
        capabilities(bare)
    bare.DERT_HORIZONS = ("someday",)
    with pytest.raises(TypeError, match="subset"):
        capabilities(bare)


# -- the model base is generic in its results type ----------------------------------------
def _results_argument(cls):
    """The results type a model class passes to its generic base (``Base[ResultsT]``)."""
    import typing

    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and isinstance(args[0], type):
                return args[0]
    return None


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom, GammaGamma],
                         ids=lambda m: m.__name__)
def test_fit_is_inherited_and_typed_by_the_generic_base(model):
    from custvalue.clv._base import CustomerModel

    assert "fit" not in vars(model)  # no override that only narrows the return type
    assert model.fit is CustomerModel.fit
    assert _results_argument(model) is model.results_class


def test_sbg_is_a_customer_model_with_its_results_type():
    from custvalue.clv import ShiftedBetaGeometric, ShiftedBetaGeometricResults
    from custvalue.clv._base import CustomerModel

    assert issubclass(ShiftedBetaGeometric, CustomerModel)
    assert ShiftedBetaGeometric.data_columns == ("duration", "censored")
    assert _results_argument(ShiftedBetaGeometric) is ShiftedBetaGeometricResults
    res = ShiftedBetaGeometric().fit([1000, 631, 468, 382])
    assert type(res) is ShiftedBetaGeometricResults
