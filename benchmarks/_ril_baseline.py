"""Frozen copy of the previous ``RandomInterceptLogit`` fit path (commit d5573cb), kept only so
that ``bench_switching`` can time it side by side with the current code in one run.

Not part of custvalue and not to be imported by it. What it reproduces, unchanged:

* the simulated log-likelihood and score in numpy over ``(J, n, R)`` arrays
  (``_mixed_parts`` and ``mixed_loglike_and_score`` of ``custvalue/math/clogit.py`` at d5573cb);
* start values from the naive state-dependence logit fitted by BFGS, ``sigma = 0.5``;
* BFGS on the analytic simulated score (``gtol=1e-9``), then the Hessian by central
  differences of the score for the standard errors;
* the constructor's Halton draws through ``scipy.stats.norm.ppf``.

The panel and design code (``StateDependenceLogit``, ``RandomInterceptLogit._design``) is
inherited from the current classes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import stats

from custvalue._validation import as_generator
from custvalue.base import LikelihoodModel
from custvalue.math.clogit import logsumexp
from custvalue.switching import RandomInterceptLogit, StateDependenceLogit

__all__ = ["PreviousRandomInterceptLogit"]


def _chosen_rows(X: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    idx = np.asarray(chosen, dtype=np.intp)
    return X[np.arange(X.shape[0]), idx]


def _mixed_parts(beta, sigma, X, chosen, group_starts, draws, loading, avail):
    """Simulated pieces of the random-intercept logit.

    ``draws`` has shape ``(n_people, R, M)`` (standard normal), ``loading`` ``(J, M)`` maps the
    ``M`` random intercepts onto alternatives; person ``i`` owns the occasion rows
    ``group_starts[i]:group_starts[i+1]`` (rows sorted by person).  Internally the simulated
    utilities are laid out as ``(J, n, R)`` so that the reductions over the few alternatives
    are element-wise operations on large contiguous blocks.
    """
    n, J = X.shape[0], X.shape[1]
    counts = np.diff(np.append(group_starts, n))
    person = np.repeat(np.arange(group_starts.size), counts)
    V = X @ np.asarray(beta, dtype=float)                                   # (n, J)
    sig = np.asarray(sigma, dtype=float)
    zT = np.moveaxis(draws, -1, 0)[:, person]                               # (M, n, R)
    Vr = np.empty((J, n, draws.shape[1]))
    for j in range(J):  # loops over alternatives and random terms (few), not customers
        Vr[j] = V[:, j, None]
        for m in np.flatnonzero(loading[j]):
            Vr[j] += (loading[j, m] * sig[m]) * zT[m]
        if avail is not None:
            Vr[j] = np.where(avail[:, j, None], Vr[j], -np.inf)
    m = Vr.max(axis=0)
    m = np.where(np.isfinite(m), m, 0.0)
    lse = np.log(np.exp(Vr - m).sum(axis=0)) + m                           # (n, R)
    lp_chosen = Vr[np.asarray(chosen, dtype=np.intp), np.arange(n)] - lse   # (n, R)
    log_lir = np.add.reduceat(lp_chosen, group_starts, axis=0)              # (p, R)
    log_li = logsumexp(log_lir, axis=1) - np.log(log_lir.shape[1])
    return person, zT, Vr, lse, log_lir, log_li




def mixed_loglike_and_score(beta, sigma, X, chosen, group_starts, draws, loading, avail=None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mixed_loglike` and :func:`mixed_score` from one pass over the simulated utilities.

    Parameters
    ----------
    beta : numpy.ndarray, shape (k,)
        Coefficients of the attributes.
    sigma : numpy.ndarray, shape (M,)
        Standard deviations of the ``M`` normal random intercepts.
    X : numpy.ndarray, shape (n, J, k)
        Attributes; occasion rows sorted by person.
    chosen : numpy.ndarray of int, shape (n,)
        Position of the chosen alternative on each occasion.
    group_starts : numpy.ndarray of int, shape (n_people,)
        First occasion row of each person (person ``i`` owns rows
        ``group_starts[i]:group_starts[i+1]``).
    draws : numpy.ndarray, shape (n_people, R, M)
        Standard-normal simulation draws (``R`` per person).
    loading : numpy.ndarray, shape (J, M)
        Maps the ``M`` random intercepts onto the alternatives.
    avail : numpy.ndarray of bool, shape (n, J), optional
        Availability mask; ``None``: all available.

    Returns
    -------
    loglike : numpy.ndarray, shape (n_people,)
        Per-person simulated log-likelihood.
    score : numpy.ndarray, shape (n_people, k + M)
        Per-person gradient with respect to ``(beta, sigma)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 2, 1))          # one person, two occasions, two alternatives
    >>> chosen, starts = np.array([0, 1]), np.array([0])
    >>> draws = np.array([[[-1.0], [1.0]]])  # R = 2 draws of M = 1 intercept
    >>> loading = np.array([[1.0], [0.0]])   # the intercept shifts alternative 0
    >>> ll, s = mixed_loglike_and_score(np.array([0.0]), np.array([1.0]), X, chosen, starts,
    ...                                 draws, loading)
    >>> ll.round(3).tolist(), s.round(3).tolist()
    ([-1.627], [[0.0, -0.462]])
    """
    person, zT, Vr, lse, log_lir, log_li = _mixed_parts(beta, sigma, X, chosen, group_starts, draws,
                                                    loading, avail)
    R = log_lir.shape[1]
    w_n = np.exp(log_lir - (log_li[:, None] + np.log(R)))[person]           # (n, R) draw weights
    P = np.exp(Vr - lse)                                                    # (J, n, R)
    Pbar = np.einsum("nr,jnr->nj", w_n, P)
    s_beta = _chosen_rows(X, chosen) - np.einsum("nj,njk->nk", Pbar, X)
    # d V_nrj / d sigma_m = loading[j, m] z_irm, so the sigma score is
    # sum_r w_ir z_irm (d_nm - sum_j P_nrj loading[j, m]) with d the chosen row of the loading.
    d_m = loading[np.asarray(chosen, dtype=np.intp)]                        # (n, M)
    M = loading.shape[1]
    s_sigma = np.empty((X.shape[0], M))
    for m in range(M):  # loop over random terms (few)
        PL = np.zeros_like(w_n)
        for j in np.flatnonzero(loading[:, m]):
            PL += loading[j, m] * P[j]
        s_sigma[:, m] = np.einsum("nr,nr->n", w_n * zT[m], d_m[:, m, None] - PL)
    s = np.concatenate([s_beta, s_sigma], axis=1)
    return log_li, np.add.reduceat(s, np.asarray(group_starts, dtype=np.intp), axis=0)



class PreviousRandomInterceptLogit(RandomInterceptLogit):
    """``RandomInterceptLogit`` as fitted at d5573cb (see the module docstring)."""

    analytic_hessian = False

    def __init__(self, data: Any, *, prices: Any = None, choice: str = "choice",
                 customer_col: str = "customer_id", occasion: str = "occasion",
                 state_dependence: str = "common", n_draws: int = 200,
                 initial_conditions: str = "wooldridge", seed: Any = 0):
        # RandomInterceptLogit.__init__ at d5573cb (its checks and warnings left out)
        self.initial_conditions = initial_conditions
        self.n_draws = n_draws
        StateDependenceLogit.__init__(self, data, prices=prices, choice=choice, customer_col=customer_col,
                                      occasion=occasion, state_dependence=state_dependence)
        J = self.panel.n_brands
        self.loading = np.eye(J)[:, 1:]
        self.group_starts = self.panel.group_starts
        n_people = self.group_starts.size
        as_generator(seed)
        qmc = stats.qmc.Halton(d=J - 1, scramble=True, seed=seed)
        u = qmc.random(n_people * self.n_draws)
        self.draws = stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)).reshape(n_people, self.n_draws, J - 1)
        self.k_beta = self.X.shape[2]
        sig = [f"sigma_{b}" for b in self.panel.brands[1:]]
        self.param_names = self.param_names + tuple(sig)
        self.param_transforms = {**self.param_transforms, **{s: "log" for s in sig}}
        self.weights = np.ones(n_people)

    def loglike_obs(self, params: np.ndarray) -> np.ndarray:
        b, s = self._split(params)
        return _mixed_parts(b, s, self.X, self.panel.chosen, self.group_starts, self.draws,
                            self.loading, None)[5]

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        b, s = self._split(params)
        return mixed_loglike_and_score(b, s, self.X, self.panel.chosen, self.group_starts,
                                       self.draws, self.loading)[1]

    def loglike_and_score(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        b, s = self._split(params)
        ll, sc = mixed_loglike_and_score(b, s, self.X, self.panel.chosen, self.group_starts,
                                         self.draws, self.loading)
        return float(self.weights @ ll), self.weights @ sc

    def hessian(self, params: Any) -> np.ndarray:
        return LikelihoodModel.hessian(self, params)

    def start_params(self) -> np.ndarray:
        naive = StateDependenceLogit.__new__(StateDependenceLogit)
        naive.panel, naive.state_dependence = self.panel, self.state_dependence
        naive.X, names = self.X, list(self.param_names[: self.k_beta])
        naive.param_names = tuple(names)
        naive.param_transforms = {n: "identity" for n in names}
        naive.weights = np.ones(self.X.shape[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = LikelihoodModel.fit(naive).params.to_numpy()
        return np.r_[b, np.full(self.panel.n_brands - 1, 0.5)]

    def fit(self, *, start_params: Any = None, maxiter: int = 2000, gtol: float = 1e-9,
            cov_type: str = "hessian") -> Any:
        return LikelihoodModel.fit(self, start_params=start_params, maxiter=maxiter, gtol=gtol,
                                   cov_type=cov_type)
