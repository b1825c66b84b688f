"""custvalue.dask equals the in-memory path exactly: rfm_summary, fits from compressed
sufficient statistics, and map_partitions scoring; clear errors for bad Dask input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dask.dataframe as dd  # the test extra installs dask: a missing one must fail, not skip
import dask.distributed as distributed

import custvalue.dask as cdask  # noqa: E402
from custvalue.clv import BetaGeo, GammaGamma  # noqa: E402
from custvalue.exceptions import DataError  # noqa: E402
from custvalue.rfm import rfm_summary  # noqa: E402
from custvalue.simulate import simulate_betageo_transactions  # noqa: E402
from custvalue.streaming import score_frame  # noqa: E402

KW = dict(customer_col="customer_id", date_col="date", monetary_col="amount")


@pytest.mark.filterwarnings("ignore::UserWarning")  # dask's "large graph" advice
def test_local_cluster_equals_in_memory_on_1e6_transactions_in_8_partitions():
    tx = simulate_betageo_transactions(350_000, r=0.25, alpha=4.0, a=0.8, b=2.5,
                                       seed=11).iloc[:1_000_000]
    assert len(tx) == 1_000_000
    mem = rfm_summary(tx, **KW, calibration_end="2021-01-01")
    bg_mem = BetaGeo().fit(mem)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        ddf = dd.from_pandas(tx, npartitions=8)
        assert ddf.npartitions == 8
        summary = cdask.rfm_summary(ddf, **KW, calibration_end="2021-01-01")
        got = summary.compute().sort_index()
        pd.testing.assert_frame_equal(got, mem, check_exact=True)

        sd = dd.from_pandas(mem, npartitions=8)
        bg = cdask.fit(BetaGeo, sd)
        np.testing.assert_array_equal(bg.params.to_numpy(), bg_mem.params.to_numpy())
        assert bg.llf == bg_mem.llf and bg.nobs == bg_mem.nobs == len(mem)
        np.testing.assert_array_equal(bg.bse.to_numpy(), bg_mem.bse.to_numpy())

        scores = cdask.score(sd, bg, outputs=["p_alive", "expected_purchases"]).compute()
        want = score_frame(mem, bg_mem, outputs=["p_alive", "expected_purchases"])
        scores = scores.sort_index()
        assert scores.index.equals(want.index)
        np.testing.assert_array_equal(scores["p_alive"], want["p_alive"])
        # each partition interpolates within its own frequency groups (see
        # custvalue.math.special.geometric_dropout_mean): equal to ~1e-14, not bit for bit
        np.testing.assert_allclose(scores["expected_purchases"], want["expected_purchases"],
                                   rtol=1e-12, atol=0)


def test_gamma_gamma_and_clv_scores_equal_in_memory(cdnow_summary):
    d = cdnow_summary
    ddf = dd.from_pandas(d, npartitions=5)
    gg, gg_mem = cdask.fit(GammaGamma(), ddf), GammaGamma().fit(d)
    np.testing.assert_array_equal(gg.params.to_numpy(), gg_mem.params.to_numpy())
    assert gg.nobs == gg_mem.nobs
    bg = BetaGeo().fit(d)
    got = cdask.score(ddf, bg, gg, outputs=["clv", "expected_spend"]).compute()
    want = score_frame(d, bg, gg_mem, outputs=["clv", "expected_spend"])
    assert list(got.columns) == ["clv", "expected_spend"] and got.index.equals(want.index)
    np.testing.assert_array_equal(got["expected_spend"], want["expected_spend"])
    # CLV: the partitions and the whole table may interpolate over different intervals, or
    # not at all (see custvalue.math.special.geometric_dropout_mean): ~1e-14 relative
    np.testing.assert_allclose(got["clv"], want["clv"], rtol=1e-12, atol=0)


def test_weights_column_is_summed_like_in_memory_weights(cdnow_summary):
    d = cdnow_summary[["frequency", "recency", "T"]].copy()
    d["n"] = np.arange(len(d)) % 3 + 1
    res = cdask.fit(BetaGeo, dd.from_pandas(d, npartitions=4), weights_col="n")
    mem = BetaGeo().fit(d, weights=d["n"])
    np.testing.assert_array_equal(res.params.to_numpy(), mem.params.to_numpy())
    assert res.nobs == d["n"].sum()


def test_missing_column_is_a_clear_error(cdnow_summary):
    tx = dd.from_pandas(pd.DataFrame({"customer_id": [1, 2], "day": ["2020-01-01"] * 2}),
                        npartitions=1)
    with pytest.raises(DataError, match=r"missing the column\(s\) \['date'\].*'day'"):
        cdask.rfm_summary(tx, customer_col="customer_id", date_col="date")
    with pytest.raises(DataError, match=r"missing the column\(s\) \['T'\]"):
        cdask.fit(BetaGeo, dd.from_pandas(cdnow_summary.drop(columns="T"), npartitions=2))
    with pytest.raises(DataError, match="must be a dask DataFrame"):
        cdask.fit(BetaGeo, cdnow_summary)


def test_mixed_date_types_across_partitions_is_a_clear_error():
    tx = simulate_betageo_transactions(300, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=3)
    half = len(tx) // 2
    text = tx.iloc[half:].assign(date=tx["date"].iloc[half:].dt.strftime("%Y-%m-%d"))
    mixed = dd.concat([dd.from_pandas(tx.iloc[:half], npartitions=2),
                       dd.from_pandas(text, npartitions=2)])
    with pytest.raises(DataError, match=r"different kinds of dates.*'datetime': \[0, 1\].*'text': \[2, 3\]"):
        cdask.rfm_summary(mixed, **KW)
    # the same log with one kind of date throughout is fine and equals in memory
    all_text = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d"))
    got = cdask.rfm_summary(dd.from_pandas(all_text, npartitions=3), **KW).compute().sort_index()
    pd.testing.assert_frame_equal(got, rfm_summary(tx, **KW), check_exact=True)


def test_bad_period_is_reported_like_in_memory():
    tx = simulate_betageo_transactions(200, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=4)
    ddf = dd.from_pandas(tx, npartitions=2)
    with pytest.raises(DataError, match="calibration_end must lie within the data"):
        cdask.rfm_summary(ddf, **KW, calibration_end="1990-01-01")
    with pytest.raises(DataError, match="freq must be one of"):
        cdask.rfm_summary(ddf, **KW, freq="Y")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_tx=st.integers(1, 60), n_cust=st.integers(1, 8), parts=st.integers(1, 4),
       seed=st.integers(0, 10_000), cal=st.booleans())
def test_random_logs_summarise_identically(n_tx, n_cust, parts, seed, cal):
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 40, n_tx)
    tx = pd.DataFrame({"customer_id": rng.integers(0, n_cust, n_tx),
                       "date": np.datetime64("2021-03-01", "D") + day,
                       "amount": rng.gamma(2.0, 10.0, n_tx).round(2)})
    tx["date"] = tx["date"].astype("datetime64[ns]")
    kw = dict(KW, freq="D")
    if cal:
        if day.min() >= day.max():
            return
        kw["calibration_end"] = np.datetime64("2021-03-01", "D") + int(day.min())
    want = rfm_summary(tx, **kw)
    got = cdask.rfm_summary(dd.from_pandas(tx, npartitions=parts), **kw).compute().sort_index()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 3)),
                     min_size=1, max_size=40), parts=st.integers(1, 7), fan_in=st.integers(2, 8))
def test_compressed_statistics_count_every_row_once(rows, parts, fan_in):
    df = pd.DataFrame(rows, columns=["a", "b", "c"]).astype(float)
    stats = cdask.compressed_statistics(dd.from_pandas(df, npartitions=parts), ["a", "b", "c"],
                                        split_every=fan_in)
    want = df.value_counts().sort_index()
    got = stats.set_index(["a", "b", "c"])["weights"]
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert list(got.index) == list(want.index)


def _model(path: str):
    import importlib

    mod, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(mod), name)


@pytest.mark.parametrize("path", ["custvalue.clv.betageo.BetaGeo",
                                  "custvalue.clv.modbetageo.ModifiedBetaGeo",
                                  "custvalue.clv.paretonbd.ParetoNBD",
                                  "custvalue.clv.gammagamma.GammaGamma"])
def test_every_continuous_time_model_fits_identically_from_partitions(path, cdnow_summary):
    cls = _model(path)
    d = cdnow_summary
    got = cdask.fit(cls, dd.from_pandas(d, npartitions=6))
    want = cls().fit(d)
    np.testing.assert_array_equal(got.params.to_numpy(), want.params.to_numpy())
    assert got.llf == want.llf and got.nobs == want.nobs


def test_discrete_time_bgbb_fits_identically_with_a_weights_column():
    from custvalue.datasets import load_donations

    cls = _model("custvalue.clv.bgbb.BetaGeoBetaBinom")
    d = load_donations()
    got = cdask.fit(cls, dd.from_pandas(d, npartitions=3), weights_col="weights")
    want = cls().fit(d, weights=d["weights"])
    np.testing.assert_array_equal(got.params.to_numpy(), want.params.to_numpy())
    assert got.nobs == want.nobs == d["weights"].sum()


def test_continuous_time_rows_fit_from_partitions_to_rounding():
    """Rows that do not repeat (continuous ages) are fitted uncompressed in memory, so the
    partitioned fit (sorted unique rows) agrees to rounding rather than bit for bit."""
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(8)
    d = simulate_betageo(150_000, r=0.25, alpha=4.0, a=0.8, b=2.5,
                         T=rng.uniform(26, 78, 150_000), seed=rng)[["frequency", "recency", "T"]]
    want = BetaGeo().fit(d)
    assert want.model.n_unique == len(d)  # the in-memory model kept the raw rows
    got = cdask.fit(BetaGeo, dd.from_pandas(d, npartitions=4))
    np.testing.assert_allclose(got.params.to_numpy(), want.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(got.bse.to_numpy(), want.bse.to_numpy(), rtol=1e-9)
    assert got.llf == pytest.approx(want.llf, rel=1e-12) and got.nobs == want.nobs
