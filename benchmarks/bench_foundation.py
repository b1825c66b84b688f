"""Foundation benchmarks (issue 2): BG/NBD fit, CLV and transaction summaries vs lifetimes.

* BG/NBD maximum-likelihood fit on simulated continuous-time customers (1e5, 1e6 vs
  ``lifetimes.BetaGeoFitter.fit``; 1e7 ours only). Ages T are drawn uniformly in 26-78 weeks,
  so rows barely compress (the honest case for a fit).
* CLV of 1e6 customers over 12 months (BG/NBD + Gamma-Gamma, fixed fitted parameters) vs
  ``lifetimes.GammaGammaFitter.customer_lifetime_value``.
* ``rfm_summary`` of 1e6, 1e7, 1e8 transactions vs
  ``lifetimes.utils.summary_data_from_transaction_data`` (peer up to 1e7), in days
  (``freq="D"``) so that both tools define every column the same way and the check is exact.

Inputs are built once per size, outside the timed callables; ``cases`` yields them one at a
time so that only one size is in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from benchmarks._harness import Case

TRUE = dict(r=0.25, alpha=4.0, a=0.8, b=2.5)
SPEND = dict(p=6.0, q=4.0, gamma=15.0)
FIT_SIZES = (100_000, 1_000_000, 10_000_000)
CLV_SIZES = (1_000_000,)
RFM_SIZES = (1_000_000, 10_000_000, 100_000_000)
SMOKE = {"fit": (2_000,), "clv": (2_000,), "rfm": (5_000,)}


def _lifetimes():
    try:
        import lifetimes  # noqa: F401
    except ImportError:
        return None
    return lifetimes


def _customers(n: int, seed: int = 2) -> pd.DataFrame:
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(seed)
    T = rng.uniform(26.0, 78.0, n)
    return simulate_betageo(n, **TRUE, **SPEND, T=T, seed=rng)[
        ["frequency", "recency", "T", "monetary_value"]]


def _transactions(n_tx: int, seed: int = 3) -> pd.DataFrame:
    """At least ``n_tx`` simulated transactions, cut to exactly ``n_tx`` rows.

    Above 1e7 rows a 1e7-row log is tiled with fresh customer ids (the same process, built
    in a fraction of the memory of one big simulation).
    """
    from custvalue.simulate import simulate_betageo_transactions

    block = min(n_tx, 10_000_000)
    per_customer = 2.9  # mean rows per customer at these parameters (first + repeats)
    tx = simulate_betageo_transactions(int(block / per_customer * 1.1) + 10, **TRUE, **SPEND,
                                       seed=seed)
    while len(tx) < block:  # rare: a short draw
        seed += 1000
        more = simulate_betageo_transactions(block // 10 + 10, **TRUE, **SPEND, seed=seed)
        more["customer_id"] += tx["customer_id"].max() + 1
        tx = pd.concat([tx, more], ignore_index=True)
    tx = tx.iloc[:block].reset_index(drop=True)
    if n_tx <= block:
        return tx
    reps = -(-n_tx // block)
    span = int(tx["customer_id"].max()) + 1
    ids = tx["customer_id"].to_numpy()
    out = pd.DataFrame({
        "customer_id": np.concatenate([ids + k * span for k in range(reps)])[:n_tx],
        "date": np.tile(tx["date"].to_numpy(), reps)[:n_tx],
        "amount": np.tile(tx["amount"].to_numpy(), reps)[:n_tx],
    })
    return out


# -- checks -----------------------------------------------------------------------------------
def _check_fit(ours, peer) -> None:
    theirs = peer.params_[["r", "alpha", "a", "b"]].to_numpy()
    mine = ours.params[["r", "alpha", "a", "b"]].to_numpy()
    # same likelihood: our optimum must be at least as good as the peer's, and close to it
    ll_peer = float(ours.model.loglike(theirs))
    assert ours.llf >= ll_peer - 1e-6 * abs(ll_peer), (
        f"our llf {ours.llf:.6f} below the likelihood at lifetimes' params {ll_peer:.6f}")
    assert np.allclose(mine, theirs, rtol=2e-2), f"params differ: ours {mine}, lifetimes {theirs}"


def _check_close(rtol: float):
    def check(ours, peer) -> None:
        a = np.asarray(ours, dtype=float)
        b = np.asarray(peer, dtype=float)
        assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
        assert np.allclose(a, b, rtol=rtol, atol=1e-9), (
            f"max abs diff {np.max(np.abs(a - b)):.3g}")
    return check


def _check_rfm(ours: pd.DataFrame, peer: pd.DataFrame) -> None:
    peer = peer.sort_index()
    assert ours.index.equals(peer.index.rename(ours.index.name)), "customers differ"
    for col in ("frequency", "recency", "T"):
        assert np.array_equal(ours[col].to_numpy(float), peer[col].to_numpy(float)), f"{col} differs"
    assert np.allclose(ours["monetary_value"], peer["monetary_value"], rtol=1e-10), \
        "monetary_value differs"


# -- cases ------------------------------------------------------------------------------------
def _fit_case(n: int) -> Case:
    from custvalue.clv import BetaGeo

    d = _customers(n)
    f, rec, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = lambda: BetaGeo().fit(frequency=f, recency=rec, T=T)  # noqa: E731
    lt = _lifetimes()
    peer = None
    if lt is not None:
        def peer():
            return lt.BetaGeoFitter().fit(f, rec, T)
    return Case("BG/NBD fit", n, "customers", ours, peer, "lifetimes BetaGeoFitter.fit",
                peer_max_size=1_000_000, check=_check_fit,
                notes="simulated continuous-time customers, T ~ U(26, 78) weeks")


def _clv_case(n: int) -> Case:
    from custvalue.clv import BetaGeo, GammaGamma, clv

    d = _customers(n, seed=5)
    sub = d.iloc[: min(n, 100_000)]  # parameters only need a fit, not a fit on all n
    bg = BetaGeo().fit(sub)
    gg = GammaGamma().fit(sub)
    ours = lambda: clv(bg, gg, d, months=12, monthly_discount_rate=0.01, freq="W")  # noqa: E731
    lt = _lifetimes()
    peer = None
    if lt is not None:
        bgf = lt.BetaGeoFitter()
        bgf.params_ = pd.Series({k: float(bg.params[k]) for k in ("r", "alpha", "a", "b")})
        bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
        ggf = lt.GammaGammaFitter()
        ggf.params_ = pd.Series({"p": float(gg.params["p"]), "q": float(gg.params["q"]),
                                 "v": float(gg.params["gamma"])})
        fr, rc, TT, mv = (d[c] for c in ("frequency", "recency", "T", "monetary_value"))

        def peer():
            return ggf.customer_lifetime_value(bgf, fr, rc, TT, mv, time=12,
                                               discount_rate=0.01, freq="W")
    return Case("CLV 12 months (BG/NBD + Gamma-Gamma)", n, "customers", ours, peer,
                "lifetimes customer_lifetime_value", check=_check_close(1e-8),
                notes="fixed fitted parameters given to both tools")


def _rfm_case(n: int) -> Case:
    from custvalue.rfm import rfm_summary

    tx = _transactions(n)
    end = tx["date"].max()
    ours = lambda: rfm_summary(tx, customer_col="customer_id", date_col="date",  # noqa: E731
                               monetary_col="amount", freq="D", observation_end=end)
    lt = _lifetimes()
    peer = None
    if lt is not None:
        from lifetimes.utils import summary_data_from_transaction_data

        def peer():
            return summary_data_from_transaction_data(
                tx, "customer_id", "date", monetary_value_col="amount",
                observation_period_end=end, freq="D")
    return Case("rfm_summary from transactions", n, "transactions", ours, peer,
                "lifetimes summary_data_from_transaction_data", peer_max_size=10_000_000,
                check=_check_rfm, notes="freq='D' (both tools count whole days)")


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """BG/NBD fit, CLV and rfm_summary cases, one size at a time."""
    want = (lambda n: True) if not sizes else (lambda n: n in set(sizes))  # noqa: E731
    fit_s, clv_s, rfm_s = ((SMOKE["fit"], SMOKE["clv"], SMOKE["rfm"]) if smoke
                           else (FIT_SIZES, CLV_SIZES, RFM_SIZES))
    for n in fit_s:
        if want(n):
            yield _fit_case(n)
    for n in clv_s:
        if want(n):
            yield _clv_case(n)
    for n in rfm_s:
        if want(n):
            yield _rfm_case(n)
