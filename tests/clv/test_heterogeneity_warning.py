"""Fits whose mixing distribution collapses to a point say so (HeterogeneityWarning)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from custvalue.clv import BetaGeo, GammaGamma, ParetoNBD
from custvalue.exceptions import HeterogeneityWarning
from custvalue.simulate import simulate_betageo


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD, GammaGamma])
def test_cdnow_fits_do_not_warn(cdnow_summary, model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeterogeneityWarning)
        model().fit(cdnow_summary)


def test_bgnbd_with_one_dropout_probability_for_everyone_warns_and_names_the_mean():
    """Beta(a, b) with a, b = 2,000, 6,000 is a point mass at p = 0.25 for all practical
    purposes: the fit runs a and b off together, and the warning reports a/(a+b)."""
    d = simulate_betageo(20_000, r=0.5, alpha=5.0, a=2000.0, b=6000.0, p=6.0, q=4.0, gamma=15.0,
                         T=np.random.default_rng(4).uniform(30, 80, 20_000), seed=9)
    with pytest.warns(HeterogeneityWarning, match=r"a/\(a\+b\) = 0\.2") as record:
        res = BetaGeo().fit(d)
    assert len(record) == 1
    p = res.params["a"] / (res.params["a"] + res.params["b"])
    assert p == pytest.approx(0.25, abs=0.05)
