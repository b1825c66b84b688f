"""Rows are paired by label, never silently by position (issue 15).

The helpers themselves, and a hypothesis property over the public multi-input functions:
shuffling the rows of one pandas input (same labels, another order) gives the same answer,
customer by customer.  Plain arrays keep pairing by position.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue import DataError
from custvalue._validation import align_by_label, align_to_index, resolve_columns


def test_align_reorders_to_the_first_pandas_input():
    a = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    b = pd.DataFrame({"v": [30.0, 10.0, 20.0]}, index=["z", "x", "y"])
    out = align_by_label(a=a, b=b, c=np.array([7, 8, 9]), d=None, e=2.5)
    assert out["b"].index.tolist() == ["x", "y", "z"]
    assert out["b"]["v"].tolist() == [10.0, 20.0, 30.0]
    np.testing.assert_array_equal(out["c"], [7, 8, 9])  # arrays pair by position
    assert out["d"] is None and out["e"] == 2.5


def test_align_names_the_first_mismatching_labels():
    a = pd.Series(range(4), index=[1, 2, 3, 4])
    b = pd.Series(range(4), index=[1, 2, 3, 9])
    with pytest.raises(DataError, match=r"labels in a but not in b: \[4\]; labels in b but not in a: \[9\]"):
        align_by_label(a=a, b=b)
    with pytest.raises(DataError, match=r"labels in a but not in b: \[4\]; labels in b but not in a: \[\]"):
        align_by_label(a=a, b=b.iloc[:3])
    # the same labels as text are other labels: named, never matched by position
    with pytest.raises(DataError, match=r"labels in a but not in b: \[1, 2, 3, 4\]"):
        align_by_label(a=a, b=pd.Series(range(4), index=["1", "2", "3", "4"]))


def test_duplicated_labels_only_matter_when_an_order_must_change():
    dup = pd.Series([1.0, 2.0], index=["x", "x"])
    same = align_by_label(a=dup, b=pd.Series([3.0, 4.0], index=["x", "x"]))
    assert same["b"].tolist() == [3.0, 4.0]  # identical indexes: pairing is unambiguous
    with pytest.raises(DataError, match=r"a has duplicated index labels \['x'\]"):
        align_by_label(a=dup, b=pd.Series([3.0, 4.0], index=["x", "y"]))
    with pytest.raises(DataError, match=r"b has duplicated index labels \['y'\]"):
        align_by_label(a=pd.Series([1.0, 2.0], index=["x", "y"]), b=pd.Series([3.0, 4.0], index=["y", "y"]))


def test_lengths_of_positional_inputs_must_agree():
    with pytest.raises(DataError, match=r"same length.*'a': 2, 'b': 3"):
        align_by_label(a=[1, 2], b=np.arange(3))


def test_align_to_index_passes_non_pandas_through():
    w = [1.0, 2.0]
    assert align_to_index(w, "weights", pd.Index(["a", "b"])) is w
    s = pd.Series([1.0, 2.0], index=["b", "a"])
    assert align_to_index(s, "weights", None) is s
    assert align_to_index(s, "weights", pd.Index(["a", "b"])).tolist() == [2.0, 1.0]


def test_resolve_columns_aligns_keyword_series_to_the_data_and_to_each_other():
    d = pd.DataFrame({"frequency": [1, 2, 3]}, index=["a", "b", "c"])
    raw, index = resolve_columns(d, ["frequency", "T"], {"T": pd.Series([30.0, 10.0, 20.0], index=["c", "a", "b"])})
    assert index.tolist() == ["a", "b", "c"] and raw["T"].tolist() == [10.0, 20.0, 30.0]
    raw, index = resolve_columns(None, ["frequency", "T"], {
        "frequency": pd.Series([1, 2], index=["a", "b"]), "T": pd.Series([20.0, 10.0], index=["b", "a"])})
    assert raw["T"].tolist() == [10.0, 20.0]
    with pytest.raises(DataError, match=r"labels in data but not in T: \['c'\]"):
        resolve_columns(d, ["frequency", "T"], {"T": pd.Series([1.0, 2.0, 3.0], index=["a", "b", "z"])})


# ---- property: row order invariance by label over the public multi-input functions ----------
def _frame_equal(x, y):
    if isinstance(x, tuple):
        for a, b in zip(x, y):
            _frame_equal(a, b)
        return
    if isinstance(x, (pd.Series, pd.DataFrame)):
        pd.testing.assert_frame_equal(pd.DataFrame(x).sort_index(), pd.DataFrame(y).sort_index(),
                                      check_exact=False, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=1e-12)


def _cases():
    from custvalue.clv import retention_clv
    from custvalue.loyalty import dick_basu_segments
    from custvalue.potential import gini, mape, median_split_accuracy, top_decile_lift, value_matrix
    from custvalue.segment import churn_value_at_risk, roc_auc
    from custvalue.switching import undercut_proof_prices

    return {
        "value_matrix": (lambda a, b: value_matrix(a, b).segment, 2),
        "mape": (lambda a, b: mape(a + 1.0, b), 2),
        "median_split_accuracy": (median_split_accuracy, 2),
        "top_decile_lift": (lambda a, b: top_decile_lift(a + 1.0, b), 2),
        "gini": (lambda a, b: gini(a + 1.0, b), 2),
        "roc_auc": (lambda a, b: roc_auc((a > a.median()).astype(int), b), 2),
        "churn_value_at_risk": (lambda a, b: churn_value_at_risk(b / (b.max() + 1.0), a + 1.0)[
            ["value_at_risk", "priority"]], 2),
        "retention_clv": (lambda a, b, c: retention_clv(margin=a, retention=b / (b.max() + 1.0),
                                                       discount_rate=c / 10.0), 3),
        "dick_basu_segments": (lambda a, b: dick_basu_segments(attitude=a, behaviour=b).astype(str), 2),
        "undercut_proof_prices": (lambda a, b: undercut_proof_prices(a, b + 1.0), 2),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(n=st.integers(4, 30), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance_by_label(name, n, seed):
    fn, n_inputs = CASES[name]
    rng = np.random.default_rng(seed)
    labels = [f"c{i}" for i in rng.permutation(n)]
    inputs = [pd.Series(rng.gamma(2.0, 1.0, n).round(3), index=labels) for _ in range(n_inputs)]
    expected = fn(*inputs)
    for k in range(n_inputs):  # shuffle one input at a time: same labels, another order
        shuffled = list(inputs)
        shuffled[k] = inputs[k].iloc[rng.permutation(n)]
        _frame_equal(fn(*shuffled), expected)
    # a different set of labels is an error naming them, not a silent pairing by position
    renamed = list(inputs)
    renamed[-1] = inputs[-1].rename(index={labels[0]: "stranger"})
    with pytest.raises(DataError, match="stranger"):
        fn(*renamed)
