"""One generic suite over every likelihood model: fit is idempotent and never mutates the
model, results are frozen, pickle with the standard library, carry the declared parameter
names, standard errors and a summary that prints and renders as HTML, and customer-level
predictions keep the caller's index."""

import pickle

import numpy as np
import pandas as pd
import pytest

from custvalue.base import LikelihoodResults


def _cdnow():
    from custvalue.datasets import load_cdnow_summary

    d = load_cdnow_summary()
    d.index = pd.Index([f"c{i}" for i in d.index], name="customer_id")  # non-default labels
    return d


def _betageo():
    from custvalue.clv import BetaGeo

    d = _cdnow()
    return BetaGeo(), {"data": d}, d


def _paretonbd():
    from custvalue.clv import ParetoNBD

    d = _cdnow()
    return ParetoNBD(), {"data": d}, d


def _modbetageo():
    from custvalue.clv import ModifiedBetaGeo

    d = _cdnow()
    return ModifiedBetaGeo(), {"data": d}, d


def _gammagamma():
    from custvalue.clv import GammaGamma

    d = _cdnow()
    return GammaGamma(), {"data": d}, None


def _bgbb():
    from custvalue.clv import BetaGeoBetaBinom
    from custvalue.datasets import load_donations

    d = load_donations()
    return BetaGeoBetaBinom(), {"data": d, "weights": d["weights"]}, d


FACTORIES = {"BetaGeo": _betageo, "ParetoNBD": _paretonbd, "ModifiedBetaGeo": _modbetageo,
             "GammaGamma": _gammagamma, "BetaGeoBetaBinom": _bgbb}


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def case(request):
    model, fit_args, score_data = FACTORIES[request.param]()
    return model, fit_args, score_data, model.fit(**fit_args)


def test_fit_is_idempotent_and_does_not_mutate(case):
    model, fit_args, _, res = case
    again = model.fit(**fit_args)
    pd.testing.assert_series_equal(res.params, again.params)
    assert res.llf == again.llf
    assert not getattr(model, "_bound", False)


def test_results_contract(case):
    model, _, _, res = case
    assert isinstance(res, LikelihoodResults)
    assert list(res.params.index) == list(type(model).param_names)
    assert res.converged and np.isfinite(res.llf)
    assert np.all(np.isfinite(res.bse)) and np.all(res.bse > 0)
    ci = res.conf_int(level=0.9)
    assert np.all(ci["lower"] < res.params) and np.all(res.params < ci["upper"])
    text, html = str(res.summary()), res.summary()._repr_html_()
    assert type(model).__name__ in text and "<table" in html
    for name in res.params.index:
        assert name in text
    with pytest.raises(AttributeError):
        res.params = None


def test_pickle_round_trip(case):
    _, _, _, res = case
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_frame_equal(back.cov_params, res.cov_params)


def test_predictions_keep_the_index(case):
    _, _, data, res = case
    if data is None or not hasattr(res, "p_alive"):  # spend models: expected_spend instead
        out = res.expected_spend(_cdnow())
        assert out.index.equals(_cdnow().index)
        return
    cols = [c for c in type(res.model).data_columns]
    p = res.p_alive(data[cols])
    assert p.index.equals(data.index)
    assert p.between(0, 1).all()
