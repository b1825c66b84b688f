"""Gamma-Gamma spend model against the published CDNOW estimates (Fader & Hardie 2013, note 025)
and against lifetimes' GammaGammaFitter."""

import numpy as np
import pandas as pd
import pytest
from lifetimes import GammaGammaFitter

from custvalue.clv import GammaGamma
from tests.reference import fhl2005 as ref


def test_gamma_gamma_matches_lifetimes_and_note_025(cdnow_summary):
    d = cdnow_summary
    res = GammaGamma().fit(d)
    assert res.nobs == ref.GAMMAGAMMA_N_REPEAT_BUYERS
    rep = d[d["frequency"] > 0]
    ggf = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(res.params.to_numpy(), ggf.params_.to_numpy(), rtol=1e-4)
    for k, v in ref.GAMMAGAMMA_CDNOW.items():
        assert res.params[k] == pytest.approx(v, abs=0.011), k
    ggf.params_ = pd.Series(res.params.to_numpy(), index=["p", "q", "v"])
    theirs = ggf.conditional_expected_average_profit(d["frequency"], d["monetary_value"])
    np.testing.assert_allclose(res.expected_spend(d).to_numpy(), np.asarray(theirs), rtol=1e-10)
