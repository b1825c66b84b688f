"""How each kernel's cost grows: customers (BTYD, spend) and products (GHK multivariate probit).

One likelihood evaluation with its analytic gradient is the unit of work of every fit (BFGS
calls it a few dozen times; the Hessian for standard errors adds 2k more), so its time per
customer, compared with the memory-bandwidth reference, is the curve that matters. Models:
BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma at 1e4 ... 1e7 customers, and the GHK simulated
log-likelihood of the multivariate probit at 2, 3, 4 and 6 products (100 Halton draws per
customer). No peer: these are the curves quoted in ``docs/scale.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from benchmarks._harness import Case

CUSTOMER_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
GHK_CUSTOMERS = 20_000
GHK_PRODUCTS = (2, 3, 4, 6)
GHK_DRAWS = 100
SMOKE_SIZES = (2_000,)


def _base(n: int):
    from custvalue.simulate import simulate_betageo

    rng = np.random.default_rng(17)
    d = simulate_betageo(n, r=0.25, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
                         T=rng.uniform(26.0, 78.0, n), seed=rng)
    return (d["frequency"].to_numpy(float), d["recency"].to_numpy(), d["T"].to_numpy(),
            d["monetary_value"].to_numpy())


def _finite(out) -> None:
    ll, g = out
    assert np.isfinite(ll).all() and np.isfinite(g).all(), "non-finite loglike or score"


def _kernel_cases(n: int) -> Iterator[Case]:
    from custvalue.math import betageo, gammagamma, modbetageo, paretonbd

    x, tx, T, m = _base(n)
    specs = [
        ("BG/NBD", betageo, (0.25, 4.0, 0.8, 2.5), (x, tx, T)),
        ("MBG/NBD", modbetageo, (0.25, 4.0, 0.8, 2.5), (x, tx, T)),
        ("Pareto/NBD", paretonbd, (0.55, 10.5, 0.6, 11.7), (x, tx, T)),
    ]
    rep = x > 0
    specs.append(("Gamma-Gamma", gammagamma, (6.0, 4.0, 15.0), (x[rep], m[rep])))
    for name, mod, theta, data in specs:
        def ours(mod=mod, theta=theta, data=data):
            return mod.loglike(*theta, *data), mod.score(*theta, *data)
        yield Case(f"{name} loglike + score", n, "customers", ours, check=lambda o, _p: _finite(o),
                   notes="one likelihood + analytic gradient evaluation",
                   extra={"rows": int(data[0].shape[0])})


def _ghk_cases(n: int, products: Sequence[int]) -> Iterator[Case]:
    from custvalue.math.ghk import customer_keys, ghk_loglike, halton_draws

    rng = np.random.default_rng(5)
    keys = customer_keys(np.arange(n), seed=0)
    for J in products:
        corr = np.full((J, J), 0.3) + 0.7 * np.eye(J)
        L = np.linalg.cholesky(corr)
        mu = rng.normal(0.0, 0.5, (n, J))
        y = (mu + rng.standard_normal((n, J)) @ L.T > 0).astype(float)
        u = halton_draws(keys, GHK_DRAWS, J - 1) if J > 1 else None
        ghk_loglike(mu[:10], y[:10], L, u[:10] if u is not None else None)  # compile once

        def ours(mu=mu, y=y, L=L, u=u):
            return ghk_loglike(mu, y, L, u)

        def check(o, _p) -> None:
            assert np.isfinite(o[0]).all() and (o[0] <= 0).all(), "log-probabilities invalid"

        yield Case(f"GHK mvprobit loglike + gradient, {J} products", n, "customers", ours,
                   check=check, notes=f"{GHK_DRAWS} Halton draws per customer",
                   extra={"products": J})


def cases(smoke: bool = False, sizes: Sequence[int] | None = None) -> Iterator[Case]:
    """Kernel cost by customers (BTYD, spend) and by products (GHK)."""
    for n in (SMOKE_SIZES if smoke else CUSTOMER_SIZES):
        if not sizes or n in set(sizes):
            yield from _kernel_cases(n)
    n = SMOKE_SIZES[0] if smoke else GHK_CUSTOMERS
    if not sizes or n in set(sizes):
        yield from _ghk_cases(n, GHK_PRODUCTS[:2] if smoke else GHK_PRODUCTS)
