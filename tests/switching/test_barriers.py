"""Survey switching-barrier indices and their use as moderators (through custvalue.loyalty)."""

import numpy as np
import pandas as pd
import pytest

from custvalue.exceptions import DataError
from custvalue.simulate.loyalty import simulate_loyalty_survey
from custvalue.switching import barrier_moderation, switching_barrier_index


@pytest.fixture(scope="module")
def survey():
    return simulate_loyalty_survey(1500, seed=7)


def _cronbach(items: pd.DataFrame) -> float:
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def test_index_scores_and_cronbach_alpha(survey):
    idx = switching_barrier_index(survey)
    assert list(idx.scores.columns) == ["procedural", "financial", "relational"]
    pd.testing.assert_index_equal(idx.scores.index, survey.index)
    np.testing.assert_allclose(idx.scores["financial"], survey[["SWCF1", "SWCF2"]].mean(axis=1))
    for kind, cols in idx.items.items():
        assert idx.reliability.loc[kind, "cronbach_alpha"] == pytest.approx(_cronbach(survey[cols]), rel=1e-10)
    z = switching_barrier_index(survey, standardize=True).scores
    np.testing.assert_allclose(z.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(ddof=1), 1)


def test_reverse_coding(survey):
    d = survey.copy()
    d["SWCP2r"] = 11 - d["SWCP2"]
    a = switching_barrier_index(d, {"procedural": ["SWCP1", "SWCP2r"]}, reverse=["SWCP2r"], scale=(1, 10))
    b = switching_barrier_index(d, {"procedural": ["SWCP1", "SWCP2"]})
    np.testing.assert_allclose(a.scores["procedural"], b.scores["procedural"])
    with pytest.raises(DataError, match="scale"):
        switching_barrier_index(d, {"procedural": ["SWCP1", "SWCP2r"]}, reverse=["SWCP2r"], scale=(1, 5))


def test_moderation_equals_a_direct_statsmodels_fit(survey):
    import statsmodels.formula.api as smf

    idx = switching_barrier_index(survey)
    tab = barrier_moderation(survey, "loyalty", "satisfaction", idx)
    d = pd.concat([survey, idx.scores], axis=1)
    for b in ["procedural", "financial", "relational"]:
        c = d.assign(satisfaction=d.satisfaction - d.satisfaction.mean(), m=d[b] - d[b].mean())
        ols = smf.ols("loyalty ~ satisfaction * m", c).fit(cov_type="HC3")
        assert tab.loc[(b, 0.0), "interaction"] == pytest.approx(ols.params["satisfaction:m"], rel=1e-8)
        assert tab.loc[(b, 0.0), "slope"] == pytest.approx(ols.params["satisfaction"], rel=1e-8)
        sd = c["m"].std(ddof=1)
        assert tab.loc[(b, 1.0), "slope"] == pytest.approx(
            ols.params["satisfaction"] + sd * ols.params["satisfaction:m"], rel=1e-8)


def test_bad_input(survey):
    with pytest.raises(DataError, match="not in data"):
        switching_barrier_index(survey, {"procedural": ["nope"]})
    with pytest.raises(DataError, match="at least one item"):
        switching_barrier_index(survey, {"procedural": []})
    d = survey.copy()
    d.loc[d.index[3], "SWCF1"] = np.nan
    with pytest.raises(DataError, match="finite"):
        switching_barrier_index(d)
    idx = switching_barrier_index(survey)
    with pytest.raises(DataError, match="already has columns"):
        barrier_moderation(pd.concat([survey, idx.scores], axis=1), "loyalty", "satisfaction", idx)
