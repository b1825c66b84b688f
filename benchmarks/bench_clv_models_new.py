"""The BTYD models added for issue 19: MBG/CNBD-k and GGom/NBD fits at 1e5 customers.

* MBG/CNBD-k fit at fixed k = 3, and with k chosen by likelihood (k = 1, 2, ... until the
  log-likelihood falls twice), on a base simulated from the model (BTYDplus's test
  parameters, T ~ U(36, 96) weeks: rows do not compress). Alongside: custvalue's MBG/NBD fit
  on the same rows (the k = 1 special case, the previous model a user would fit).
* GGom/NBD fit on a base simulated from the model, T ~ U(20, 80) weeks. Alongside:
  custvalue's Pareto/NBD fit on the same rows (the b -> 0 limit); and, in a second row, the
  previous GGom/NBD fit (BFGS and a differenced Hessian, before issue 19 item 5) on the
  same rows, checked to give the same estimates.

The R implementations (BTYDplus, CLVTools) are not run here. Each row records the load
average (run.py's ``load_1min``): the 2 s target is for an idle 2-core machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from benchmarks._harness import Case

CNBD = dict(r=0.85, alpha=1.45, a=0.79, b=2.42)
GGOM = dict(r=0.6, alpha=5.0, b=0.05, s=1.2, beta=2.0)
# the smoke size (500 customers) identifies s and beta only with more heterogeneity and longer ages
GGOM_SMOKE = dict(r=0.8, alpha=4.0, b=0.1, s=0.4, beta=1.0)
SIZES = (100_000,)
SMOKE = (500,)


def _cnbd_cases(n: int) -> Iterator[Case]:
    from custvalue.clv import ModifiedBetaGeo, ModifiedBetaGeoCNBD
    from custvalue.simulate import simulate_cnbdk

    rng = np.random.default_rng(12)
    d = simulate_cnbdk(n, k=3, **CNBD, T=rng.uniform(36.0, 96.0, n), seed=rng)
    cols = {c: d[c].to_numpy() for c in ("frequency", "recency", "T", "sum_log_interpurchase")}
    rft = {c: cols[c] for c in ("frequency", "recency", "T")}
    baseline = lambda: ModifiedBetaGeo().fit(**rft)  # noqa: E731
    yield Case("MBG/CNBD-k fit, k = 3 fixed", n, "customers", lambda: ModifiedBetaGeoCNBD(k=3).fit(**cols),
               baseline, "custvalue ModifiedBetaGeo.fit (k = 1, same rows)",
               notes="simulated MBG/CNBD-3, T ~ U(36, 96) weeks")
    yield Case("MBG/CNBD-k fit, k chosen by likelihood", n, "customers",
               lambda: ModifiedBetaGeoCNBD().fit(**cols), baseline,
               "custvalue ModifiedBetaGeo.fit (k = 1, same rows)",
               notes="fits k = 1..5 (stops after two falls)")


def _previous_ggom():
    """GammaGompertzNBD as fitted before issue 19 item 5: BFGS on the per-row score (from a
    BFGS fit on a subsample), standard errors from central differences of the score (ten
    more passes); the same likelihood and quadrature rule."""
    from custvalue.clv import GammaGompertzNBD
    from custvalue.clv._base import PurchaseCountModel

    class PreviousGammaGompertzNBD(GammaGompertzNBD):
        analytic_hessian = False

        def loglike_and_score(self, params):
            return PurchaseCountModel.loglike_and_score(self, params)

        def loglike_score_hessian(self, params):
            return PurchaseCountModel.loglike_score_hessian(self, params)

    return PreviousGammaGompertzNBD


def _same_estimates(ours, previous) -> None:
    """The estimates agree to the optimisers' tolerance (1e-5 relative, llf to 1e-8)."""
    np.testing.assert_allclose(ours.params.to_numpy(), previous.params.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.llf, previous.llf, rtol=1e-8)


def _ggom_cases(n: int) -> Iterator[Case]:
    from custvalue.clv import GammaGompertzNBD, ParetoNBD
    from custvalue.simulate import simulate_ggomnbd

    rng = np.random.default_rng(13)
    if n in SMOKE:
        d = simulate_ggomnbd(n, **GGOM_SMOKE, T=rng.uniform(52.0, 104.0, n), seed=rng)
    else:
        d = simulate_ggomnbd(n, **GGOM, T=rng.uniform(20.0, 80.0, n), seed=rng)
    cols = {c: d[c].to_numpy() for c in ("frequency", "recency", "T")}
    ours = lambda: GammaGompertzNBD().fit(**cols)  # noqa: E731
    yield Case("GGom/NBD fit", n, "customers", ours,
               lambda: ParetoNBD().fit(**cols), "custvalue ParetoNBD.fit (b -> 0 limit, same rows)",
               notes="simulated GGom/NBD, T ~ U(20, 80) weeks")
    previous = _previous_ggom()
    yield Case("GGom/NBD fit vs the previous fit", n, "customers", ours, lambda: previous().fit(**cols),
               "previous GammaGompertzNBD.fit (BFGS, differenced Hessian; same likelihood)",
               check=_same_estimates,
               notes="Newton on the exact Hessian (ours) against BFGS + central differences of the score")


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """MBG/CNBD-k (fixed and chosen k) and GGom/NBD fits, one size at a time."""
    for n in (SMOKE if smoke else (sizes or SIZES)):
        yield from _cnbd_cases(n)
        yield from _ggom_cases(n)
