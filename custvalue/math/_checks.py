"""Cheap parameter checks at the public entry of the kernels users call directly.

The kernels are the fast layer (float arrays in, no pandas); the model classes validate the
data. Still, users call prediction kernels such as ``paretonbd.dert(...)`` themselves, and a
shape parameter of 0 or NaN there must not come back as a silent NaN. :func:`params` checks
the named scalar (or array) parameters before the kernel runs: a few microseconds, applied
only to kernels that are called once per prediction, never to the log-likelihood functions
the optimiser calls at every iteration nor inside compiled loops (their contract is stated
in their docstrings and in docs/input_validation.md).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..exceptions import DataError

#: rule -> (test on a float array, wording)
RULES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "positive": (lambda v: v > 0, "> 0"),
    "nonnegative": (lambda v: v >= 0, ">= 0"),
    "rate": (lambda v: v > -1, "> -1 (a discount rate)"),
    "probability": (lambda v: (v >= 0) & (v <= 1), "in [0, 1]"),
    "correlation": (lambda v: (v > -1) & (v < 1), "in (-1, 1)"),
    "nonzero": (lambda v: v != 0, "!= 0"),
    "finite": (lambda v: np.ones(np.shape(v), dtype=bool), "finite"),
    "above_one": (lambda v: v > 1, "> 1"),
    "level": (lambda v: (v > 0) & (v < 1), "in (0, 1)"),
    "count": (lambda v: (v >= 1) & (v == np.floor(v)), "a whole number >= 1"),
    "count0": (lambda v: (v >= 0) & (v == np.floor(v)), "a whole number >= 0"),
}

_MISSING = object()


def check_param(value: Any, name: str, rule: str, where: str = "") -> None:
    """Raise a DataError naming ``name`` unless ``value`` is finite and obeys ``rule``.

    Examples
    --------
    >>> check_param(0.0, "alpha", "positive", "paretonbd.p_alive")
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: alpha must be finite and > 0 (paretonbd.p_alive); received 0.0.
    """
    if rule == "transition":  # a row-stochastic matrix: O(k^2), k states
        from .._validation import check_transition_matrix

        check_transition_matrix(value, f"{name} ({where})" if where else name)
        return
    test, words = RULES[rule]
    if type(value) in (float, int):  # the usual case: no array round trip
        ok = math.isfinite(value) and bool(test(np.float64(value)))
    else:
        try:
            if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USO":
                raise TypeError
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            ok = False
        else:
            ok = bool(np.all(np.isfinite(arr) & test(arr)))
    if not ok:
        at = f" ({where})" if where else ""
        shown = np.array2string(np.asarray(value), threshold=6) if np.ndim(value) else repr(value)
        raise DataError(f"{name} must be finite and {words}{at}; received {shown}.")


def _home(module: str) -> str:
    """The short public name of a kernel's module for messages: ``paretonbd`` for
    ``custvalue.math.paretonbd._predict`` (a package's private parts dropped)."""
    parts = module.split(".")
    public = [p for p in parts[2:] if not p.startswith("_")] if parts[:2] == ["custvalue", "math"] else []
    return public[-1] if public else parts[-1]


def params(**rules: str) -> Callable:
    """Decorate a kernel so that the named parameters are checked on every call.

    Parameters
    ----------
    **rules
        Parameter name -> rule (a key of :data:`RULES`, or ``"transition"`` for a
        row-stochastic matrix). A parameter left at its default, or passed as None when its
        default is None, is not checked.

    Examples
    --------
    >>> @params(r="positive")
    ... def f(r, x):
    ...     return r * x
    >>> f(-1.0, 2.0)
    Traceback (most recent call last):
    ...
    custvalue.exceptions.DataError: r must be finite and > 0 (_checks.f); received -1.0.
    """
    def decorate(fn: Callable) -> Callable:
        sig = inspect.signature(fn).parameters
        names = list(sig)
        unknown = set(rules) - set(names)
        if unknown or set(rules.values()) - set(RULES) - {"transition"}:
            raise TypeError(f"params: {sorted(unknown)} are not parameters of {fn.__name__}, or a rule "
                            f"is unknown: {rules}")
        where = f"{_home(fn.__module__)}.{fn.__name__}"
        # (position, name, rule, None allowed: the parameter's default is None)
        plan = [(names.index(n), n, rule, sig[n].default is None) for n, rule in rules.items()]

        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for i, n, rule, optional in plan:
                v = args[i] if i < len(args) else kwargs.get(n, _MISSING)
                if v is not _MISSING and not (v is None and optional):
                    check_param(v, n, rule, where)
            return fn(*args, **kwargs)

        checked.checked_params = dict(rules)  # read by the conformance suite
        return checked
    return decorate
