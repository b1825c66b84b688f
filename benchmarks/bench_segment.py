"""Segmentation benchmarks (issue 7): customer pyramid, Lorenz/Gini and RFM scores.

Peer: the obvious pandas code a user would write (``Series.rank`` + ``pd.cut`` for the
pyramid, ``sort_values`` + ``cumsum`` for the Lorenz curve and Gini, ``pd.qcut`` of
``rank(method="first")`` for RFM quintiles), on the same pre-built inputs.  Sizes: 1e6 and
1e7 customers (smoke: 5,000).  Each ``check`` asserts that both give the same tiers, the same
Gini and the same RFM scores.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from benchmarks._harness import Case

SIZES = (1_000_000, 10_000_000)
SMOKE_SIZES = (5_000,)
LABELS = ("important", "secondary", "ordinary", "small")


def _base(n: int, seed: int = 7) -> pd.DataFrame:
    """A synthetic customer base: lognormal value, Poisson repeat counts, ages in weeks."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1.0, 78.0, n).round(1)
    frequency = rng.poisson(1.5, n).astype(np.float64)
    recency = np.where(frequency > 0, (rng.uniform(0, 1, n) * T).round(1), 0.0)
    monetary = np.where(frequency > 0, rng.gamma(4.0, 10.0, n).round(2), 0.0)
    value = rng.lognormal(3.0, 1.2, n) - 5.0  # some customers cost more than they bring
    idx = pd.RangeIndex(n, name="customer_id")
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": T,
                         "monetary_value": monetary, "value": value}, index=idx)


# -- the pandas peer ----------------------------------------------------------------------
def _pandas_pyramid(value: pd.Series) -> pd.Series:
    pct = value.rank(method="first", ascending=False) / len(value) * 100
    return pd.cut(pct, bins=[0, 1, 20, 50, 100], labels=list(LABELS))


def _pandas_lorenz(value: pd.Series) -> tuple[pd.DataFrame, float]:
    v = value.sort_values().reset_index(drop=True)
    share = v.cumsum() / v.sum()
    pop = (v.index + 1) / len(v)
    n = len(v)
    g = float((2 * (v.index + 1) - n - 1).to_numpy() @ v.to_numpy() / (n * v.sum()))
    return pd.DataFrame({"customer_share": pop, "value_share": share}), g


def _pandas_rfm(d: pd.DataFrame) -> pd.DataFrame:
    def score(x: pd.Series) -> pd.Series:
        return pd.qcut(x.rank(method="first"), 5, labels=False) + 1
    return pd.DataFrame({"r_score": score(d["recency"] - d["T"]), "f_score": score(d["frequency"]),
                         "m_score": score(d["monetary_value"])})


# -- ours ---------------------------------------------------------------------------------
def _ours_all(d: pd.DataFrame):
    from custvalue.segment import concentration_summary, customer_pyramid, rfm_scores

    c = concentration_summary(d["value"])
    return customer_pyramid(d["value"]), (c.lorenz, c.gini), rfm_scores(d)


def _peer_all(d: pd.DataFrame):
    return _pandas_pyramid(d["value"]), _pandas_lorenz(d["value"]), _pandas_rfm(d)


# -- checks -------------------------------------------------------------------------------
def _check_pyramid(ours, peer) -> None:
    assert np.array_equal(np.asarray(ours.astype(str)), np.asarray(peer.astype(str))), "tiers differ"


def _check_lorenz(ours, peer) -> None:
    assert abs(ours[1] - peer[1]) < 1e-9, f"Gini differs: {ours[1]} vs {peer[1]}"


def _check_rfm(ours, peer) -> None:
    for c in ("r_score", "f_score", "m_score"):
        assert np.array_equal(ours[c].to_numpy(), peer[c].to_numpy()), f"{c} differs"


def _check_all(ours, peer) -> None:
    _check_pyramid(ours[0], peer[0])
    _check_lorenz(ours[1], peer[1])
    _check_rfm(ours[2], peer[2])


def cases(smoke: bool = False) -> Iterator[Case]:
    """Pyramid, Lorenz + Gini, RFM, and all three together, per size."""
    from custvalue.segment import concentration_summary, customer_pyramid, rfm_scores

    def lorenz_gini(v):
        c = concentration_summary(v)  # one sort for the curve, the Gini and the top shares
        return c.lorenz, c.gini

    for n in (SMOKE_SIZES if smoke else SIZES):
        d = _base(n)
        v = d["value"]
        yield Case("pyramid", n, "customers", lambda v=v: customer_pyramid(v),
                   peer=lambda v=v: _pandas_pyramid(v), peer_name="pandas rank + cut",
                   check=_check_pyramid)
        yield Case("lorenz+gini", n, "customers",
                   lambda v=v: lorenz_gini(v),
                   peer=lambda v=v: _pandas_lorenz(v), peer_name="pandas sort_values + cumsum",
                   check=_check_lorenz, notes="concentration_summary: full curve (n + 1 points), Gini, top shares")
        yield Case("rfm_scores", n, "customers", lambda d=d: rfm_scores(d),
                   peer=lambda d=d: _pandas_rfm(d), peer_name="pandas qcut(rank)",
                   check=_check_rfm, notes="R, F, M quintiles")
        yield Case("pyramid+lorenz+rfm", n, "customers", lambda d=d: _ours_all(d),
                   peer=lambda d=d: _peer_all(d), peer_name="pandas", check=_check_all,
                   notes="issue 7 target: a few seconds at 1e7")
        del d, v
