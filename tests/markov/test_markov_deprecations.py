"""Issue 17: the Markov tools moved to custvalue.markov with one entry point per computation
(MarkovChain's methods) and glossary argument names. Each old path or name warns with a
FutureWarning and gives exactly the result of the new one."""

import inspect

import numpy as np
import pandas as pd
import pytest

import custvalue.clv as clv
import custvalue.markov as markov
from custvalue.markov import MarkovChain, estimate_transition_matrix, recency_states

P = [[0.8, 0.15, 0.05], [0.3, 0.5, 0.2], [0.0, 0.0, 1.0]]
STATES = ["active", "lapsed", "lost"]
REWARDS = {"active": 100.0, "lapsed": 20.0, "lost": 0.0}


def _panel():
    return pd.DataFrame({"cid": [1, 1, 1, 2, 2, 2, 3, 3, 3],
                         "t": [1, 2, 3, 1, 2, 3, 1, 2, 3],
                         "s": ["active", "active", "lapsed", "active", "lapsed", "lost",
                               "lapsed", "active", "active"]})


def _log():
    return pd.DataFrame({"cid": [1, 1, 2, 3], "when": pd.to_datetime(["2020-01-05", "2020-03-02", "2020-02-10",
                                                                      "2020-01-20"])})


def test_clv_exports_the_same_objects_without_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in markov.__all__:
            if name != "as_chain":
                assert getattr(clv, name) is getattr(markov, name)


@pytest.mark.parametrize("name", ["MarkovChain", "TransitionMatrixResults", "estimate_transition_matrix",
                                  "recency_states"])
def test_old_module_path_warns_and_serves_the_new_object(name):
    import custvalue.clv.markov as old
    with pytest.warns(FutureWarning, match=f"custvalue.clv.markov.{name} is renamed custvalue.markov.{name}"):
        assert getattr(old, name) is getattr(markov, name)


def test_markov_clv_function_warns_and_equals_the_chain_value():
    chain = MarkovChain(P, states=STATES)
    for h in (None, 0, 7):
        with pytest.warns(FutureWarning, match=r"MarkovChain\(P\).value"):
            old = clv.markov_clv(P, REWARDS, 0.1, h, states=STATES, include_current=False)
        pd.testing.assert_series_equal(old, chain.value(REWARDS, 0.1, h, include_current=False))


def test_stationary_and_absorption_functions_warn_and_equal_the_chain_methods():
    Q = [[0.9, 0.1], [0.5, 0.5]]
    with pytest.warns(FutureWarning, match="stationary_distribution"):
        old = clv.stationary_distribution(Q)
    pd.testing.assert_series_equal(old, MarkovChain(Q).stationary_distribution())
    with pytest.warns(FutureWarning, match="expected_time_to_absorption"):
        old = clv.expected_time_to_absorption(P, "lost", states=STATES)
    pd.testing.assert_series_equal(old, MarkovChain(P, STATES).expected_time_to_absorption("lost"))


def test_old_module_path_serves_the_deprecated_functions():
    import custvalue.clv.markov as old
    with pytest.warns(FutureWarning):
        f = old.markov_clv
    with pytest.warns(FutureWarning):
        assert f(P, REWARDS, 0.1, states=STATES).equals(MarkovChain(P, STATES).value(REWARDS, 0.1))


def test_estimate_methods_warn_and_equal_the_chain_methods():
    res = estimate_transition_matrix(_panel(), customer_col="cid", period="t", state="s", states=STATES,
                                     unobserved="absorbing")
    with pytest.warns(FutureWarning, match=r"chain.value"):
        old = res.markov_clv(REWARDS, 0.05, 10)
    pd.testing.assert_series_equal(old, res.chain.value(REWARDS, 0.05, 10))
    with pytest.warns(FutureWarning, match="chain.stationary_distribution"):
        old = res.stationary_distribution()
    pd.testing.assert_series_equal(old, res.chain.stationary_distribution())
    with pytest.warns(FutureWarning, match="chain.expected_time_to_absorption"):
        old = res.expected_time_to_absorption("lost")
    pd.testing.assert_series_equal(old, res.chain.expected_time_to_absorption("lost"))


def test_customer_id_keyword_of_estimate_transition_matrix():
    new = estimate_transition_matrix(_panel(), customer_col="cid", period="t", state="s", unobserved="absorbing")
    with pytest.warns(FutureWarning, match="'customer_id' is renamed 'customer_col'"):
        old = estimate_transition_matrix(_panel(), customer_id="cid", period="t", state="s", unobserved="absorbing")
    pd.testing.assert_frame_equal(old.counts, new.counts)
    assert "customer_id" not in inspect.signature(estimate_transition_matrix).parameters


@pytest.mark.parametrize("old_kw, new_kw, value", [("customer_id", "customer_col", "cid"),
                                                   ("datetime", "date_col", "when"),
                                                   ("freq", "period_alias", "Q")])
def test_recency_states_old_keywords(old_kw, new_kw, value):
    base = {"customer_col": "cid", "date_col": "when"}
    new = recency_states(_log(), **{**base, new_kw: value}, n_classes=3)
    old_args = {k: v for k, v in base.items() if k != new_kw}
    with pytest.warns(FutureWarning, match=f"'{old_kw}' is renamed '{new_kw}'"):
        old = recency_states(_log(), **old_args, **{old_kw: value}, n_classes=3)
    pd.testing.assert_frame_equal(old, new)
    assert old_kw not in inspect.signature(recency_states).parameters


def test_as_chain_accepts_a_chain_an_estimate_and_a_matrix():
    chain = MarkovChain(P, STATES)
    res = estimate_transition_matrix(_panel(), customer_col="cid", period="t", state="s", unobserved="absorbing")
    assert markov.as_chain(chain) is chain
    assert markov.as_chain(res) is res.chain
    np.testing.assert_array_equal(markov.as_chain(P, STATES).P, chain.P)
    with pytest.raises(ValueError, match=r"transitions \(the transition matrix P\)"):
        markov.as_chain([[0.5, 0.2], [0.0, 1.0]], name="transitions")


def test_n_step_t_is_renamed_horizon():
    from custvalue.markov import MarkovChain

    chain = MarkovChain([[0.8, 0.2], [0.0, 1.0]], states=["active", "lost"])
    with pytest.warns(FutureWarning, match="'t' is renamed 'horizon'"):
        old = chain.n_step(t=3)
    pd.testing.assert_frame_equal(old, chain.n_step(horizon=3))
    np.testing.assert_allclose(chain.n_step(3).to_numpy(), np.linalg.matrix_power(chain.P, 3), rtol=1e-15)
