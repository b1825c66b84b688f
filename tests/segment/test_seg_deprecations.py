"""Issue 17: SEED_STATES is CUSTOMER_STATES, segment/rfm.py is segment/rfm_scores.py, and
customer_states takes customer_col / date_col / period_alias. Old names warn with a
FutureWarning and give the same objects and results."""

import importlib
import inspect

import pandas as pd
import pytest

import custvalue.segment as segment
from custvalue.segment import CUSTOMER_STATES, customer_states


def _log():
    return pd.DataFrame({"cid": [1, 1, 2], "when": pd.to_datetime(["2020-01-10", "2020-02-03", "2020-03-15"])})


def _prospects():
    return pd.DataFrame({"cid": [1, 3], "identified": pd.to_datetime(["2019-12-01", "2020-01-01"])})


def test_seed_states_is_customer_states():
    with pytest.warns(FutureWarning, match="SEED_STATES is renamed custvalue.segment.CUSTOMER_STATES"):
        assert segment.SEED_STATES is CUSTOMER_STATES
    states = importlib.import_module("custvalue.segment.states")
    with pytest.warns(FutureWarning, match="CUSTOMER_STATES"):
        assert states.SEED_STATES is CUSTOMER_STATES


@pytest.mark.parametrize("name", ["rfm_scores", "rfm_segments", "quantile_scores", "RFM_SEGMENT_MAP"])
def test_segment_rfm_module_serves_rfm_scores(name):
    old = importlib.import_module("custvalue.segment.rfm")
    new = importlib.import_module("custvalue.segment.rfm_scores")
    assert old.__all__ == []
    with pytest.warns(FutureWarning, match=f"custvalue.segment.rfm.{name} is renamed custvalue.segment.rfm_scores"):
        assert getattr(old, name) is getattr(new, name) is getattr(segment, name)


@pytest.mark.parametrize("old_kw, new_kw, value", [("customer_id", "customer_col", "cid"),
                                                   ("datetime", "date_col", "when"),
                                                   ("freq", "period_alias", "W")])
def test_customer_states_old_keywords(old_kw, new_kw, value):
    base = {"customer_col": "cid", "date_col": "when"}
    new = customer_states(_log(), prospects=_prospects(), **{**base, new_kw: value})
    old_args = {k: v for k, v in base.items() if k != new_kw}
    with pytest.warns(FutureWarning, match=f"'{old_kw}' is renamed '{new_kw}'"):
        old = customer_states(_log(), prospects=_prospects(), **old_args, **{old_kw: value})
    pd.testing.assert_frame_equal(old, new)
    assert old_kw not in inspect.signature(customer_states).parameters
