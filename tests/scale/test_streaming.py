"""Streaming scoring from Parquet equals in-memory scoring, in bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeo, GammaGamma, clv
from custvalue.exceptions import DataError
from custvalue.simulate import simulate_betageo
from custvalue.streaming import OUTPUTS, score_frame, score_parquet

import pyarrow  # noqa: E402,F401 - the test extra installs it: a missing one must fail, not skip


def _assert_same_scores(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """P(alive) and expected spend are bit-identical. Expected purchases and CLV agree to
    1e-12 relative: on large inputs the expectation kernel interpolates within each group
    of customers sharing a frequency, between the group's youngest and oldest customer, so
    a batch and the whole table interpolate over slightly different intervals (each to
    about 1e-14 of the exact series)."""
    assert list(got.columns) == list(want.columns) and got.index.equals(want.index)
    for col in want.columns:
        if col in ("clv", "expected_purchases"):
            np.testing.assert_allclose(got[col], want[col], rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy())


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return BetaGeo().fit(cdnow_summary), GammaGamma().fit(cdnow_summary)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = simulate_betageo(30_000, r=0.25, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
                         T=np.linspace(20.0, 60.0, 30_000), seed=7)
    d = d[["frequency", "recency", "T", "monetary_value"]]
    d.index = pd.Index(np.arange(len(d)) * 7 + 1000, name="customer_id")  # ids != positions
    path = tmp_path_factory.mktemp("stream") / "base.parquet"
    d.reset_index().to_parquet(path, row_group_size=4_000)
    return d, path


def test_streaming_equals_in_memory_exactly(fitted, base):
    bg, gg = fitted
    d, path = base
    rep = score_parquet(path, bg, gg, outputs=OUTPUTS, horizon=26.0, batch_rows=3_000)
    assert rep.n_customers == len(d) and rep.n_batches >= 10
    want = pd.DataFrame({
        "p_alive": bg.p_alive(d), "expected_purchases": bg.expected_purchases(d, horizon=26.0),
        "expected_spend": gg.expected_spend(d), "clv": clv(bg, gg, d)})
    _assert_same_scores(rep.scores, want)
    assert rep.totals["clv"] == pytest.approx(want["clv"].sum(), rel=1e-12)


def test_destination_file_holds_the_same_scores(fitted, base, tmp_path):
    bg, gg = fitted
    d, path = base
    seen = []
    out = tmp_path / "scores.parquet"
    rep = score_parquet(path, bg, gg, destination=out, batch_rows=7_000, progress=seen.append,
                        months=6, monthly_discount_rate=0.02, margin=0.3)
    assert rep.scores is None and rep.destination == out and sum(seen) == len(d)
    got = pd.read_parquet(out)
    want = score_frame(d, bg, gg, months=6, monthly_discount_rate=0.02, margin=0.3)
    _assert_same_scores(got, want)


def test_memory_does_not_grow_with_the_number_of_customers(fitted, tmp_path):
    bg, gg = fitted
    peaks = {}
    for n in (20_000, 80_000):
        d = simulate_betageo(n, r=0.25, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
                             T=40.0, seed=n)[["frequency", "recency", "T", "monetary_value"]]
        path = tmp_path / f"b{n}.parquet"
        d.reset_index().to_parquet(path, row_group_size=5_000)
        del d
        tracemalloc.start()
        score_parquet(path, bg, gg, destination=tmp_path / f"s{n}.parquet", batch_rows=5_000)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # four times the customers, about the same peak (in memory it would be ~4x)
    assert peaks[80_000] < 1.3 * peaks[20_000], peaks


def test_bad_requests_are_clear_errors(fitted, base, tmp_path):
    bg, gg = fitted
    _, path = base
    with pytest.raises(DataError, match="outputs must be a non-empty selection"):
        score_parquet(path, bg, gg, outputs=["value"])
    with pytest.raises(DataError, match="need spend_results"):
        score_parquet(path, bg, outputs=["clv"])
    with pytest.raises(DataError, match="batch_rows must be"):
        score_parquet(path, bg, gg, batch_rows=0)
    with pytest.raises(DataError, match="could not open"):
        score_parquet(tmp_path / "nope.parquet", bg, gg)
    pd.DataFrame({"frequency": [1.0], "recency": [1.0]}).to_parquet(tmp_path / "short.parquet")
    with pytest.raises(DataError, match=r"missing the column\(s\) \['T'\]"):
        score_parquet(tmp_path / "short.parquet", bg, outputs=["p_alive"])
    pd.DataFrame({"customer_id": [5, 6], "frequency": [1.0, 2.0], "recency": [3.0, 9.0],
                  "T": [2.0, 10.0]}).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataError, match=r"recency must be <= T.*customer_id: 5"):
        score_parquet(tmp_path / "bad.parquet", bg, outputs=["p_alive"])


def test_without_id_column_customers_are_numbered_in_reading_order(fitted, tmp_path):
    bg, _ = fitted
    d = pd.DataFrame({"frequency": [0.0, 2.0, 1.0], "recency": [0.0, 5.0, 1.0],
                      "T": [8.0, 9.0, 10.0]})
    d.to_parquet(tmp_path / "noid.parquet")
    rep = score_parquet(tmp_path / "noid.parquet", bg, outputs=["p_alive"], batch_rows=2)
    assert rep.scores.index.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(rep.scores["p_alive"].to_numpy(), bg.p_alive(d).to_numpy())


def test_a_folder_of_parquet_files_is_read_in_file_order(fitted, base, tmp_path):
    bg, gg = fitted
    d, _ = base
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, start in enumerate(range(0, len(d), 12_000)):
        d.iloc[start:start + 12_000].reset_index().to_parquet(folder / f"part-{k:02d}.parquet")
    rep = score_parquet(folder, bg, gg, outputs=["p_alive", "clv"], batch_rows=5_000)
    assert rep.n_customers == len(d)
    _assert_same_scores(rep.scores, score_frame(d, bg, gg, outputs=["p_alive", "clv"]))


def test_an_error_in_a_later_batch_stops_the_reader_and_writer_threads(fitted, base, tmp_path):
    """The reader thread decodes ahead and the writer thread writes behind: a customer who
    violates the model in the fourth batch is still named, and no thread is left running."""
    import threading

    bg, gg = fitted
    d, _ = base
    bad = d.iloc[:20_000].copy()
    bad.iloc[15_500, bad.columns.get_loc("recency")] = bad["T"].iloc[15_500] + 1.0
    path = tmp_path / "late_bad.parquet"
    bad.reset_index().to_parquet(path, row_group_size=4_000)
    before = set(threading.enumerate())
    with pytest.raises(DataError, match=f"recency must be <= T.*customer_id: {bad.index[15_500]}"):
        score_parquet(path, bg, gg, destination=tmp_path / "s.parquet", batch_rows=4_000)
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("custvalue-score")]
