"""Pareto/NBD kernels (Schmittlein, Morrison & Colombo 1987; the expressions of
Fader & Hardie 2005, "A note on deriving the Pareto/NBD model and related expressions",
FH05 below; Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42:415-430, FHL-JMR below).

Notation: ``x`` = frequency, ``t_x`` = recency, ``T`` = customer age.  While alive a
customer buys at Poisson rate λ ~ Gamma(r, α) and dies at exponential rate μ ~ Gamma(s, β).

The likelihood (FH05 eq. 19) is written as

``L = Γ(r+x) α^r β^s / Γ(r) [ (α+T)^-(r+x) (β+T)^-s + s A ]``,
``A = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ = G(t_x) - G(T)``

with ``G(t) = ∫_t^∞ (...) dτ = (M+t)^-a / a · 2F1(a, k; a+1; z_t)``, ``a = r+s+x``,
``M = max(α, β)``, ``m = min(α, β)``, ``z_t = (M-m)/(M+t)`` and ``k = s+1`` if α >= β,
else ``k = r+x`` (FH05 eqs. 20-21 with ``s/(r+s+x)`` absorbed).  Euler's transformation
``2F1(a, k; a+1; z) = (1-z)^(1-k) 2F1(1, a+1-k; a+1; z)`` leaves a series whose terms
decrease at least geometrically (ratio < z) and are all positive, so ``log G`` is computed
term by term without overflow for any ``x`` (heavy buyers with x > 200 included), the
difference ``G(t_x) - G(T)`` in log space with ``log1mexp`` (exactly zero when
``t_x == T``), and the gradient is analytic.

Two implementations of these formulas live in this package, in four modules:

- ``_reference`` (numpy and scipy, whole arrays): ``_series``, ``_log_G``, ``_parts`` and
  ``_mixture``; rows with z > 0.9 (only when one of α, β is ten times the other) fall back
  to :func:`scipy.special.hyp2f1` there.  It serves :func:`p_alive` and the predictions, and
  is the reference the fused kernel is tested against.
- ``_fused`` (numba): ``_rows``, used by :func:`loglike`, :func:`score`,
  :func:`loglike_and_score` and the weighted sums for fitting, runs one compiled pass over
  the customers: the x-only terms (log-gamma, digamma, trigamma and the series
  coefficients) once per distinct frequency, ``G(0)`` once per distinct frequency for the
  customers with ``t_x = 0``, and for each customer both series (at t_x and T) summed in one
  loop, then log G, ``d = log G(T) - log G(t_x)`` and
  ``log L = const + l1 + log1p(s G(t_x) e^-l1 (-expm1(d)))`` with
  ``l1 = -(r+x) log(α+T) - s log(β+T)`` (the other way round when that ratio would
  overflow).  It also returns the exact Hessian, from the second derivatives of the same
  series.  It sums the series itself up to z = 0.99 (coefficients by their recurrence above
  z = 0.9) and leaves rows beyond that (α and β a hundred times apart, z > 0.99 at t_x) to
  the quadrature.
- ``_quadrature`` (numba): ``A`` as the integral it is, by composite Gauss-Legendre
  quadrature in ``log(α+τ)``, whose cost does not grow as z approaches 1 (fits heading to
  s, β -> ∞, homogeneous dropout, put every row there; the series would need 10^5-10^6
  terms).
- ``_predict``: the predictions users call, which check their parameters.  Those that mix
  over the death time, P(X(t) = n) and DERT (any horizon), are integrals of log-concave
  functions evaluated by :mod:`custvalue.math.logconcave` rather than through 2F1 or
  Tricomi's U (see those functions).

With the likelihood's terms they are checked against mpmath over shapes and scales in
[1e-2, 1e4], x <= 500 and T <= 1e4 in ``tests/clv/test_extreme_parameters.py``.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``loglike``, ``score``,
``loglike_and_score``, ``weighted_loglike_and_score``, ``weighted_loglike_score_hessian``,
``data_levels``, ``individual_loglike``, ``individual_loglike_sums``.

Static covariates (:mod:`._covariates`): :func:`individual_loglike` takes one α and one β per
customer; :func:`p_alive` (and the predictions built on it) accept arrays of α and β.
"""

from __future__ import annotations

from ._fused import (data_levels, loglike, loglike_and_score, score, weighted_loglike_and_score,
                     weighted_loglike_score_hessian)
from ._covariates import individual_loglike, individual_loglike_sums, individual_p_alive
from ._predict import (conditional_expected_purchases, conditional_probability_of_purchases, dert,
                       expected_purchases_new_customer, p_alive, probability_of_purchases)

__all__ = [
    "loglike", "score", "p_alive", "expected_purchases_new_customer",
    "conditional_expected_purchases", "probability_of_purchases", "conditional_probability_of_purchases",
    "dert", "loglike_and_score",
    "weighted_loglike_and_score", "weighted_loglike_score_hessian", "data_levels",
    "individual_loglike", "individual_loglike_sums", "individual_p_alive",
]

for _name in __all__:  # the functions' public home (their repr, help and the API pages)
    globals()[_name].__module__ = __name__
del _name

# capabilities declared for the model classes (custvalue.clv._kernel.capabilities)
DISCRETE = False
DERT_HORIZONS = ("infinite", "finite")
HORIZON_WEIGHTS = False
TIME_SCALE = False
#: predictions that take one value of each parameter per customer (arrays; static covariates)
ARRAY_PARAMS = ("p_alive", "conditional_expected_purchases", "expected_purchases_new_customer",
                "probability_of_purchases", "conditional_probability_of_purchases", "dert")
