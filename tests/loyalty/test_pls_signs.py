"""Orientation of PLS latent variables and the reliability of blocks whose items point both
ways: the majority-sign rule (R plspm's), the first-item tie-break, and Cronbach's alpha
reported as 0 when negative (plspm's get_unidim). The reference is the same model with the
reverse-coded item recoded, where no sign question arises."""

import warnings

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import MeasurementWarning
from custvalue.loyalty import plspm

SPEC = "A =~ a1 + a2 + a3\nI =~ {ind}\nP =~ {pol}\nP ~ A + I"
TOL = 1e-10


def _survey(n: int = 1500, seed: int = 11) -> pd.DataFrame:
    """A -> P and I -> P, both positive; i2 and p1 are reverse-coded (negative loadings)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    ind = 0.4 * a + np.sqrt(1 - 0.16) * rng.normal(size=n)
    pol = 0.3 * a + 0.5 * ind + 0.7 * rng.normal(size=n)
    e = lambda: 0.5 * rng.normal(size=n)  # noqa: E731
    return pd.DataFrame({"a1": a + e(), "a2": a + e(), "a3": a + e(),
                         "i1": ind + e(), "i2": -ind + e(),
                         "p1": -pol + e(), "p2": pol + e(), "p3": pol + e()})


def _fit(d, ind, pol="p2 + p3 + p1r"):
    return plspm(SPEC.format(ind=ind, pol=pol), d, scheme="path", scale=True, tol=TOL, maxiter=1000)


@pytest.fixture(scope="module")
def survey():
    d = _survey()
    return d.assign(i2r=-d["i2"], p1r=-d["p1"])


def test_tie_is_broken_by_the_first_item_and_matches_the_recoded_model(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("error", MeasurementWarning)
        recoded = _fit(survey, "i1 + i2r")  # every item points one way: no warning
    assert (recoded.loadings > 0).all() and recoded.paths["I -> P"] > 0
    with pytest.warns(MeasurementWarning, match=r"I: \['i2'\] \(a tie"):
        first_i1 = _fit(survey, "i1 + i2")
    with pytest.warns(MeasurementWarning, match=r"I: \['i1'\] \(a tie"):
        first_i2 = _fit(survey, "i2 + i1")
    # the first item loads positively; the fit is the recoded one with the scores' sign fixed
    assert first_i1.loadings["i1"] > 0 > first_i1.loadings["i2"]
    assert first_i2.loadings["i2"] > 0 > first_i2.loadings["i1"]
    for res, sign in ((first_i1, 1.0), (first_i2, -1.0)):
        assert res.paths["I -> P"] == pytest.approx(sign * recoded.paths["I -> P"], abs=1e-8)
        assert res.paths["A -> P"] == pytest.approx(recoded.paths["A -> P"], abs=1e-8)
        assert res.loadings["i1"] == pytest.approx(sign * recoded.loadings["i1"], abs=1e-8)
        assert res.loadings["i2"] == pytest.approx(-sign * recoded.loadings["i2r"], abs=1e-8)
        assert res.r2["P"] == pytest.approx(recoded.r2["P"], abs=1e-8)
        assert res.gof == pytest.approx(recoded.gof, abs=1e-8)
        np.testing.assert_allclose(res.scores["I"], sign * recoded.scores["I"], atol=1e-7)


def test_majority_sign_orients_a_block_whatever_its_item_order(survey):
    """Two of three items point one way: they load positively even with the odd one listed first."""
    for pol in ("p1 + p2 + p3", "p2 + p1 + p3", "p2 + p3 + p1"):
        with pytest.warns(MeasurementWarning, match=r"P: \['p1'\]\. ") as rec:
            res = _fit(survey, "i1 + i2r", pol)
        assert "tie" not in str(rec[0].message)
        assert res.loadings["p2"] > 0 and res.loadings["p3"] > 0 > res.loadings["p1"]
        assert res.paths["I -> P"] > 0 and res.paths["A -> P"] > 0


def test_negative_cronbach_alpha_is_reported_as_zero(survey):
    with pytest.warns(MeasurementWarning, match="reported as 0, as R plspm does"):
        res = _fit(survey, "i1 + i2")
    z = (survey - survey.mean()) / survey.std(ddof=0)
    raw = 2 * (1 - 2 / (z["i1"] + z["i2"]).var(ddof=0))  # alpha of the items as coded
    assert raw < -1
    assert res.reliability.loc["I", "cronbach_alpha"] == 0.0
    recoded = _fit(survey, "i1 + i2r")
    hand = 2 * (1 - 2 / (z["i1"] + z["i2r"]).var(ddof=0))
    assert recoded.reliability.loc["I", "cronbach_alpha"] == pytest.approx(hand, abs=1e-12)
    assert 0.8 < hand < 1
