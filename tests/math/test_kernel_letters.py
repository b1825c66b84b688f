"""Kernel letters mean one thing across custvalue.math (issue 17, part 2; docs/glossary.md,
"Kernel letters"): the renamed arguments give the same numbers under their old names for one
release, with a FutureWarning naming the new one, and the new names are what the signatures
show.  The letter rule itself is checked over every kernel signature."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from custvalue.math import bgbb, markov, paretonbd, retention, sbg

BB = (1.204, 0.750, 0.657, 2.783)
PN = (0.55, 10.58, 0.61, 11.67)
P2 = np.array([2 / 3, 1 / 3])

# (kernel, new keyword arguments, {old name: new name})
CASES = [
    (bgbb.probability_of_purchases, dict(n=np.arange(7.0), t=6, alpha=1.204, beta=0.75, gamma=0.657, delta=2.783),
     {"k": "n"}),
    (bgbb.loglike, dict(zip(("alpha", "beta", "gamma", "delta"), BB), x=3, t_x=5, n_periods=6), {"n": "n_periods"}),
    (bgbb.score, dict(zip(("alpha", "beta", "gamma", "delta"), BB), x=3, t_x=5, n_periods=6), {"n": "n_periods"}),
    (bgbb.p_alive, dict(zip(("alpha", "beta", "gamma", "delta"), BB), x=3, t_x=5, n_periods=6), {"n": "n_periods"}),
    (bgbb.conditional_expected_purchases, dict(zip(("alpha", "beta", "gamma", "delta"), BB), t=5, x=3, t_x=5,
                                               n_periods=6), {"n": "n_periods"}),
    (bgbb.dert, dict(zip(("alpha", "beta", "gamma", "delta"), BB), d=0.1, x=3, t_x=5, n_periods=6),
     {"n": "n_periods"}),
    (paretonbd.dert, dict(zip(("r", "alpha", "s", "beta"), PN), continuous_rate=0.0027, x=2, t_x=30.43, T=38.86),
     {"delta": "continuous_rate"}),
    (sbg.derl, dict(alpha=0.704, beta=1.182, d=0.1, n_renewals=np.array([0.0, 4.0])), {"n": "n_renewals"}),
    (sbg.retention_elasticity, dict(alpha=0.704, beta=1.182, d=0.1, n_renewals=np.array([0.0, 4.0])),
     {"n": "n_renewals"}),
    (markov.wilson_interval, dict(p=P2, n_trials=np.array([6.0, 6.0]), level=0.9), {"n": "n_trials"}),
    (markov.wald_interval, dict(p=P2, n_trials=np.array([6.0, 6.0]), level=0.9), {"n": "n_trials"}),
    (markov.goodman_interval, dict(p=P2[None, :], n_trials=np.array([[6.0]]), level=0.9), {"n": "n_trials"}),
    (markov.transition_counts, dict(src=np.array([0, 0, 1]), dst=np.array([0, 1, 1]), n_states=2),
     {"k": "n_states"}),
    (retention.clv_end, dict(margin=100.0, retention=0.8, d=0.1, horizon=5.0), {"m": "margin", "r": "retention"}),
    (retention.clv_start, dict(margin=100.0, retention=0.8, d=0.1), {"m": "margin", "r": "retention"}),
    (retention.elasticity_end, dict(retention=0.8, d=0.1), {"r": "retention"}),
    (retention.elasticity_start, dict(retention=0.8, d=0.1), {"r": "retention"}),
]
IDS = [f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}" for fn, _, _ in CASES]


def _same(a, b):
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("fn, kwargs, renames", CASES, ids=IDS)
def test_old_names_still_work_with_a_future_warning(fn, kwargs, renames):
    new = fn(**kwargs)
    order = [p for p in inspect.signature(fn).parameters if p in kwargs]
    by_position = fn(*(kwargs[p] for p in order))  # positional callers are unaffected
    assert _same(new, by_position)
    old_kwargs = {next((o for o, n in renames.items() if n == k), k): v for k, v in kwargs.items()}
    with pytest.warns(FutureWarning) as caught:
        old = fn(**old_kwargs)
    assert _same(new, old)
    text = " ".join(str(w.message) for w in caught)
    for o, n in renames.items():
        assert repr(o) in text and repr(n) in text


@pytest.mark.parametrize("fn, kwargs, renames", CASES, ids=IDS)
def test_signatures_show_the_new_names(fn, kwargs, renames):
    names = list(inspect.signature(fn).parameters)
    assert all(n in names for n in renames.values())
    assert not any(o in names for o in renames)


def test_both_names_at_once_is_an_error():
    with pytest.raises(TypeError, match="only 'n'"):
        bgbb.probability_of_purchases(n=[0], k=[0], t=6, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)


def test_bad_values_are_still_named_by_the_new_name():
    from custvalue.exceptions import DataError

    with pytest.raises(DataError, match=r"continuous_rate must be finite.*\(paretonbd\.dert"):
        paretonbd.dert(-1.0, *PN, 2, 30.43, 38.86)
    with pytest.raises(DataError, match="n_renewals"):
        sbg.derl(0.7, 1.2, 0.1, -1.0)


#: the purchase, retention and value kernels (math/dert.py's continuous_dert still names its
#: continuously compounded rate delta: it moves with the one discounting formula of part 1)
MODULES = ["betageo", "modbetageo", "paretonbd", "bgbb", "sbg", "gammagamma", "markov", "retention", "special"]
#: letter -> the only kernels that may take it (those whose meaning the glossary gives it)
RESERVED = {"k": (), "delta": ("bgbb",)}


def test_reserved_letters_keep_one_meaning():
    """``k`` is no kernel's argument in these modules, ``delta`` only the BG/BB parameter's,
    and a count called ``n`` is always the number of purchases asked about (first argument
    of a purchase-count probability)."""
    for name in MODULES:
        module = importlib.import_module(f"custvalue.math.{name}")
        for fname in getattr(module, "__all__", ()):
            fn = getattr(module, fname)
            if not callable(fn):
                continue
            params = list(inspect.signature(fn).parameters)
            for letter, allowed in RESERVED.items():
                assert letter not in params or name in allowed, f"{name}.{fname} takes {letter!r}"
            if "n" in params:
                assert fname in ("probability_of_purchases", "purchase_count_probability",
                                 "conditional_probability_of_purchases") and params[0] == "n", (
                    f"{name}.{fname} takes 'n' for something other than the purchase count")
