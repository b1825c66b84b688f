"""Switching-cost benchmarks (issue 6): the state-dependence logit vs statsmodels.

* ``statedep_fit``: :class:`custvalue.switching.StateDependenceLogit` (brand intercepts, price,
  lagged-choice dummy; analytic gradient and Hessian) vs
  ``statsmodels.discrete.conditional_models.ConditionalLogit(...).fit()`` (default BFGS) on
  the same design, one choice set per occasion.  Panels of ``n`` customers x 10 occasions x 4
  brands (9 estimation occasions per customer).  statsmodels loops over choice occasions in
  Python, so its fit is capped at 2e3 customers (about a minute there); at 1e5 customers
  (the size the issue asks for) only ours is fitted.
* ``statedep_loglike_score``: one log-likelihood + gradient evaluation at the same parameters
  at 1e5 customers, ours vs statsmodels' ``loglike`` + ``score``: the full-size, same-run
  ratio of the work every optimiser iteration repeats.
* ``random_intercept_fit``: :class:`custvalue.switching.RandomInterceptLogit` (100 Halton
  draws per customer) against its previous implementation (issue 21): statsmodels has no mixed
  conditional logit, so the peer is the fit path of commit d5573cb, frozen in
  ``benchmarks/_ril_baseline.py`` (numpy over ``(J, n, R)`` arrays, BFGS, Hessian by
  differences of the score), on the same panel and draws in the same run. The check asks for
  the same estimates (relative 1e-6, absolute 1e-8) and standard errors (relative 1e-4). The
  row's notes add the previous fit's peak RSS above its start (sampled like ours) and the
  1-minute load average when the case ends (``load`` is the load when it starts).

Inputs (panels and statsmodels' long arrays) are built outside the timed callables.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import numpy as np

from benchmarks._harness import Case

N_OCCASIONS = 10
FIT_SIZES = (2_000, 100_000)
EVAL_SIZES = (100_000,)
MIXED_SIZES = (5_000,)
PEER_FIT_CAP = 2_000
SMOKE = {"fit": (60,), "eval": (300,), "mixed": (100,)}
UNIT = "customers (x10 occasions x4 brands)"


def _statsmodels():
    try:
        from statsmodels.discrete.conditional_models import ConditionalLogit
    except ImportError:
        return None
    return ConditionalLogit


def _panel(n: int, seed: int = 1, **kw):
    from custvalue.simulate.switching import simulate_choice_panel

    return simulate_choice_panel(n, N_OCCASIONS, intercepts=[0.3, -0.2, 0.1], seed=seed, **kw)


def _check_params(ours, peer) -> None:
    np.testing.assert_allclose(ours.params.to_numpy(), np.asarray(peer.params), rtol=2e-3, atol=2e-3)


def _check_eval(ours, peer) -> None:
    np.testing.assert_allclose(ours[0], peer[0], rtol=1e-9)
    np.testing.assert_allclose(ours[1], peer[1], rtol=1e-6, atol=1e-6)


def _check_same_fit(ours, previous, extra: dict | None = None) -> None:
    if extra is not None:  # the differences found, in the row's notes
        for what in ("params", "bse"):
            a, b = getattr(ours, what).to_numpy(), getattr(previous, what).to_numpy()
            extra[f"max_rel_diff_{what}"] = f"{np.max(np.abs(a - b) / np.abs(b)):.2g}"
    np.testing.assert_allclose(ours.params.to_numpy(), previous.params.to_numpy(), rtol=1e-6, atol=1e-8,
                               err_msg="params differ from the previous implementation")
    np.testing.assert_allclose(ours.bse.to_numpy(), previous.bse.to_numpy(), rtol=1e-4,
                               err_msg="standard errors differ from the previous implementation")
    assert ours.converged and previous.converged


def _previous_fit(panel, n_draws: int, extra: dict):
    """The previous implementation's fit, with its peak RSS above the start in ``extra``."""
    from benchmarks._ril_baseline import PreviousRandomInterceptLogit
    from benchmarks.run import _RssSampler

    with _RssSampler() as rss:
        res = PreviousRandomInterceptLogit(panel, n_draws=n_draws).fit()
    extra["previous_peak_rss_mib"] = f"{rss.delta_mib:.4g}"
    extra["load_1min_end"] = f"{os.getloadavg()[0]:.3g}"
    return res


def cases(smoke: bool = False) -> Iterator[Case]:
    from custvalue.switching import RandomInterceptLogit, StateDependenceLogit

    CL = _statsmodels()
    for n in (SMOKE["fit"] if smoke else FIT_SIZES):
        panel = _panel(n)
        endog, exog, groups = StateDependenceLogit(panel).long_format()

        def ours(panel=panel):
            return StateDependenceLogit(panel).fit()

        def peer(endog=endog, exog=exog, groups=groups):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return CL(endog, exog, groups=groups).fit(disp=False)

        yield Case("statedep_fit", n, UNIT, ours, peer if CL else None,
                   peer_name="statsmodels ConditionalLogit.fit", check=_check_params,
                   peer_max_size=None if smoke else PEER_FIT_CAP,
                   notes="fit incl. validation and design build; peer on pre-built long arrays")
    for n in (SMOKE["eval"] if smoke else EVAL_SIZES):
        panel = _panel(n, seed=2)
        model = StateDependenceLogit(panel)
        endog, exog, groups = model.long_format()
        params = np.array([0.3, -0.2, 0.1, -2.0, 1.2])
        sm_model = CL(endog, exog, groups=groups) if CL else None

        def ours_eval(model=model, params=params):
            return model.loglike(params), model.score(params)

        def peer_eval(sm_model=sm_model, params=params):
            return sm_model.loglike(params), sm_model.score(params)

        yield Case("statedep_loglike_score", n, UNIT, ours_eval, peer_eval if CL else None,
                   peer_name="statsmodels ConditionalLogit loglike+score", check=_check_eval,
                   notes="one log-likelihood + gradient evaluation (model objects pre-built)")
    for n in (SMOKE["mixed"] if smoke else MIXED_SIZES):
        panel = _panel(n, seed=3, heterogeneity=1.0)
        n_draws = 20 if smoke else 100
        extra: dict = {}

        def ours_mixed(panel=panel, n_draws=n_draws):
            return RandomInterceptLogit(panel, n_draws=n_draws).fit()

        def previous_mixed(panel=panel, n_draws=n_draws, extra=extra):
            return _previous_fit(panel, n_draws, extra)

        yield Case("random_intercept_fit", n, UNIT, ours_mixed, previous_mixed,
                   peer_name="previous RandomInterceptLogit (d5573cb, frozen copy)",
                   check=lambda ours, prev, extra=extra: _check_same_fit(ours, prev, extra), extra=extra,
                   notes=f"simulated ML, {n_draws} Halton draws per customer; peer: the previous "
                         "implementation on the same panel and draws; check: params rtol 1e-6, "
                         "SEs rtol 1e-4")
