"""Potential value (issue 4): the multivariate probit and potential-value scoring.

* One GHK log-likelihood + exact gradient evaluation at 1e5 customers x 5 products x 100
  Halton draws (numba kernel) vs a plain vectorised numpy GHK computing the likelihood only
  (loops over products, vectorised over customers x draws) on the same draws.
* A full multivariate-probit fit at that size (BFGS with the exact gradient, OPG standard
  errors; nothing in the Python ecosystem fits this model by simulated ML, so no peer).
* Potential-value scoring (probabilities, PV, SD of PV from the pairwise covariances) for
  1e6 customers from a fitted J = 5 model.
* J independent univariate probits at 1e5 customers vs statsmodels ``Probit`` (ours: a
  compiled Newton iteration with the exact Hessian per product, then the joint fit's Newton
  check and standard errors).

Inputs are built once per case, outside the timed callables.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from benchmarks._harness import Case

J = 5


def _numpy_ghk_loglike(mu: np.ndarray, y: np.ndarray, L: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Plain numpy GHK (likelihood only): the baseline a user would write."""
    n, J_ = mu.shape
    R = u.shape[1]
    q = (2.0 * y - 1.0)[:, None, :]
    eta = np.zeros((n, R, J_))
    prob = np.ones((n, R))
    for j in range(J_):
        c = q[:, :, j] * (mu[:, None, j] + eta[:, :, :j] @ L[j, :j]) / L[j, j]
        p = special.ndtr(c)
        prob *= p
        if j < J_ - 1:
            eta[:, :, j] = -q[:, :, j] * special.ndtri(u[:, :, j] * p)
    return np.log(prob.mean(axis=1))


def _model(n: int, draws: int, seed: int = 1):
    from custvalue.potential import MultivariateProbit
    from custvalue.simulate.potential import simulate_potential_base

    base = simulate_potential_base(n, n_products=J, seed=seed)
    return base, MultivariateProbit(base.ownership, base.covariates, n_draws=draws)


def _loglike_case(n: int, draws: int) -> Case:
    base, model = _model(n, draws)
    p = model.start_params()
    mu = model.linear_index(p)
    L, _ = model.chol(p)
    y = model.y
    u = model.u

    def check(ours, peer) -> None:
        assert np.isclose(ours[0], peer.sum(), rtol=1e-10), (ours[0], peer.sum())

    return Case(f"MVP GHK loglike+gradient (J={J}, R={draws})", n, "customers",
                lambda: model.loglike_and_score(p), lambda: _numpy_ghk_loglike(mu, y, L, u),
                "plain numpy GHK (likelihood only)", check=check,
                notes="numba kernel, exact gradient; peer computes no gradient")


def _fit_case(n: int, draws: int) -> Case:
    _, model = _model(n, draws, seed=2)
    return Case(f"MVP fit (GHK, J={J}, R={draws}, OPG SE)", n, "customers",
                lambda: model.fit(cov_type="opg"), notes="BFGS + exact gradient; no Python peer")


def _score_case(n: int) -> Case:
    from custvalue.potential import MultivariateProbit, potential_value
    from custvalue.simulate.potential import simulate_potential_base

    base = simulate_potential_base(5000, n_products=J, seed=3)
    res = MultivariateProbit(base.ownership, base.covariates, n_draws=50).fit()
    new = simulate_potential_base(n, n_products=J, seed=4)
    X, owned, m = new.covariates, new.owned, base.margins
    return Case(f"potential value scoring (J={J}, PV + SD + gap)", n, "customers",
                lambda: potential_value(res, X, m, owned=owned), notes="model fitted on 5,000 customers")


def _univariate_case(n: int) -> Case:
    import statsmodels.api as sm

    from custvalue.potential import univariate_probits
    from custvalue.simulate.potential import simulate_potential_base

    base = simulate_potential_base(n, n_products=J, seed=5)
    y, X = base.ownership, base.covariates
    Xc = sm.add_constant(X)

    def peer():
        return [sm.Probit(y[c], Xc).fit(disp=0) for c in y.columns]

    def check(ours, peer_res) -> None:
        theirs = np.concatenate([r.params.to_numpy() for r in peer_res])
        assert np.allclose(ours.params.to_numpy(), theirs, atol=1e-5)

    return Case(f"{J} univariate probit fits", n, "customers",
                lambda: univariate_probits(y, X), peer, "statsmodels Probit (x5)", check=check,
                notes="ours = compiled Newton per product + joint Newton check and SEs")


def cases(smoke: bool) -> list[Case]:
    if smoke:
        return [_loglike_case(300, 20), _fit_case(300, 20), _score_case(1000), _univariate_case(300)]
    return [_loglike_case(100_000, 100), _fit_case(100_000, 100), _score_case(1_000_000),
            _univariate_case(100_000)]
