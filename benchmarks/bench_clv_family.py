"""The buy-till-you-die family (issue 3): Pareto/NBD, MBG/NBD and BG/BB fits vs lifetimes.

* Pareto/NBD maximum-likelihood fit on 1e4 and 1e5 simulated customers (CDNOW-like
  parameters, T ~ U(27, 39) weeks, so rows do not compress) vs
  ``lifetimes.ParetoNBDFitter.fit``.
* MBG/NBD fit on 1e5 and 1e6 customers vs ``lifetimes.ModifiedBetaGeoFitter.fit``.
* BG/BB fit on 1e5 and 1e6 customers (6 opportunities; both tools get the same raw rows,
  custvalue compresses them to the distinct histories itself) vs
  ``lifetimes.BetaGeoBetaBinomFitter.fit``.
* Pareto/NBD CLV over 12 months (with Gamma-Gamma) on 1e5 customers vs
  ``lifetimes.GammaGammaFitter.customer_lifetime_value`` with a ``ParetoNBDFitter``.

Inputs are built once per case, outside the timed callables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from benchmarks._harness import Case

PNBD = dict(r=0.55, alpha=10.58, s=0.61, beta=11.67)
MBG = dict(r=0.5, alpha=6.0, a=0.9, b=3.0)
BGBB = dict(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
SIZES = {"pnbd": (10_000, 100_000), "mbg": (100_000, 1_000_000), "bgbb": (100_000, 1_000_000),
         "clv": (100_000,)}
SMOKE = {"pnbd": (500,), "mbg": (500,), "bgbb": (500,), "clv": (500,)}


def _lifetimes():
    try:
        import lifetimes  # noqa: F401
    except ImportError:
        return None
    return lifetimes


def _check_fit(names):
    def check(ours, peer) -> None:
        theirs = peer.params_[list(names)].to_numpy()
        ll_peer = float(ours.model.loglike(theirs))
        assert ours.llf >= ll_peer - 1e-6 * abs(ll_peer), (
            f"our llf {ours.llf:.6f} below the likelihood at lifetimes' params {ll_peer:.6f}")
        assert np.allclose(ours.params.to_numpy(), theirs, rtol=5e-2), (
            f"params differ: ours {ours.params.to_numpy()}, lifetimes {theirs}")
    return check


def _check_close(ours, peer) -> None:
    a, b = np.asarray(ours, dtype=float), np.asarray(peer, dtype=float)
    assert np.allclose(a, b, rtol=1e-6, atol=1e-9), f"max abs diff {np.max(np.abs(a - b)):.3g}"


def _pnbd_case(n: int) -> Case:
    from custvalue.clv import ParetoNBD
    from custvalue.simulate.btyd import simulate_paretonbd

    rng = np.random.default_rng(7)
    d = simulate_paretonbd(n, **PNBD, T=rng.uniform(27.0, 39.0, n), seed=rng)
    f, rec, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = lambda: ParetoNBD().fit(frequency=f, recency=rec, T=T)  # noqa: E731
    lt = _lifetimes()
    peer = None if lt is None else (lambda: lt.ParetoNBDFitter().fit(f, rec, T))
    return Case("Pareto/NBD fit", n, "customers", ours, peer, "lifetimes ParetoNBDFitter.fit",
                peer_max_size=100_000, check=_check_fit(("r", "alpha", "s", "beta")),
                notes="simulated, T ~ U(27, 39) weeks (rows do not compress)")


def _mbg_case(n: int) -> Case:
    from custvalue.clv import ModifiedBetaGeo
    from custvalue.simulate.btyd import simulate_modbetageo

    rng = np.random.default_rng(8)
    d = simulate_modbetageo(n, **MBG, T=rng.uniform(26.0, 78.0, n), seed=rng)
    f, rec, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = lambda: ModifiedBetaGeo().fit(frequency=f, recency=rec, T=T)  # noqa: E731
    lt = _lifetimes()
    peer = None if lt is None else (lambda: lt.ModifiedBetaGeoFitter().fit(f, rec, T))
    return Case("MBG/NBD fit", n, "customers", ours, peer, "lifetimes ModifiedBetaGeoFitter.fit",
                peer_max_size=1_000_000, check=_check_fit(("r", "alpha", "a", "b")),
                notes="simulated, T ~ U(26, 78) weeks")


def _bgbb_case(n: int) -> Case:
    from custvalue.clv import BetaGeoBetaBinom
    from custvalue.simulate.btyd import simulate_bgbb

    d = simulate_bgbb(n, **BGBB, n_periods=6, seed=9)
    f, rec, per = (d[c].to_numpy() for c in ("frequency", "recency", "n_periods"))
    ours = lambda: BetaGeoBetaBinom().fit(frequency=f, recency=rec, n_periods=per)  # noqa: E731
    lt = _lifetimes()
    peer = None
    if lt is not None:
        fs, rs, ps = pd.Series(f), pd.Series(rec), pd.Series(per)
        peer = lambda: lt.BetaGeoBetaBinomFitter().fit(fs, rs, ps)  # noqa: E731
    return Case("BG/BB fit", n, "customers", ours, peer, "lifetimes BetaGeoBetaBinomFitter.fit",
                peer_max_size=1_000_000, check=_check_fit(("alpha", "beta", "gamma", "delta")),
                notes="6 opportunities, raw rows to both tools")


def _clv_case(n: int) -> Case:
    from custvalue.clv import GammaGamma, ParetoNBD, clv
    from custvalue.simulate.btyd import simulate_paretonbd

    rng = np.random.default_rng(10)
    d = simulate_paretonbd(n, **PNBD, T=rng.uniform(27.0, 39.0, n), seed=rng)
    d["monetary_value"] = np.where(d["frequency"] > 0, rng.gamma(6.0, 15.0 / rng.gamma(4.0, 1.0, n)), 0.0)
    res = ParetoNBD().fit(d)
    gg = GammaGamma().fit(d)
    ours = lambda: clv(res, gg, d, months=12, monthly_discount_rate=0.01, freq="W")  # noqa: E731
    lt = _lifetimes()
    peer = None
    if lt is not None:
        pf = lt.ParetoNBDFitter()
        pf.params_ = pd.Series({k: float(res.params[k]) for k in ("r", "alpha", "s", "beta")})
        pf.predict = pf.conditional_expected_number_of_purchases_up_to_time
        ggf = lt.GammaGammaFitter()
        ggf.params_ = pd.Series({"p": float(gg.params["p"]), "q": float(gg.params["q"]),
                                 "v": float(gg.params["gamma"])})
        fr, rc, TT, mv = (d[c] for c in ("frequency", "recency", "T", "monetary_value"))

        def peer():
            # lifetimes differences its cumulative predictions starting at t = 0, where
            # log(1 - 1) = -inf gives the right value (0 purchases) with a divide-by-zero warning
            with np.errstate(divide="ignore"):
                return ggf.customer_lifetime_value(pf, fr, rc, TT, mv, time=12, discount_rate=0.01, freq="W")
    return Case("CLV 12 months (Pareto/NBD + Gamma-Gamma)", n, "customers", ours, peer,
                "lifetimes customer_lifetime_value", check=_check_close,
                notes="fixed fitted parameters given to both tools")


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """Pareto/NBD, MBG/NBD and BG/BB fits and Pareto/NBD CLV, one case at a time."""
    want = (lambda n: True) if not sizes else (lambda n: n in set(sizes))  # noqa: E731
    table = SMOKE if smoke else SIZES
    for key, make in (("pnbd", _pnbd_case), ("mbg", _mbg_case), ("bgbb", _bgbb_case), ("clv", _clv_case)):
        for n in table[key]:
            if want(n):
                yield make(n)
