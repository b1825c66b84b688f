"""One family of warnings and errors (issue 17, part 5): every warning class custvalue defines
subclasses CustvalueWarning and is defined in custvalue/exceptions.py; the modules that export
a warning re-export that class; one likelihood-ratio result type."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import custvalue
from custvalue import exceptions
from custvalue.base.lrtest import LRTestResult
from custvalue.exceptions import CustvalueWarning

PACKAGE = Path(custvalue.__file__).parent


def _class_definitions():
    """(module path, class name, base names) of every class statement in custvalue's source."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                yield path.relative_to(PACKAGE).as_posix(), node.name, bases


def _all_warning_classes():
    """Every Warning subclass reachable as an attribute of a custvalue module."""
    found = {}
    for info in pkgutil.walk_packages(custvalue.__path__, "custvalue."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (isinstance(obj, type) and issubclass(obj, Warning)
                    and obj.__module__.startswith("custvalue")):
                found.setdefault(obj, f"{info.name}.{name}")
    return found


def test_warning_classes_are_defined_only_in_exceptions():
    """No class statement outside exceptions.py derives from a Warning (read from the source,
    so a class defined but never imported is caught too)."""
    outside = [(path, name) for path, name, bases in _class_definitions()
               if path != "exceptions.py" and any(b.endswith("Warning") for b in bases)]
    assert not outside, f"define these warnings in custvalue/exceptions.py: {outside}"


def test_every_warning_subclasses_custvalue_warning():
    classes = _all_warning_classes()
    assert len(classes) >= 9
    for cls, where in classes.items():
        assert issubclass(cls, CustvalueWarning), f"{where} does not subclass CustvalueWarning"
        assert cls.__module__ == "custvalue.exceptions", f"{where} is defined in {cls.__module__}"
    assert issubclass(CustvalueWarning, UserWarning)


@pytest.mark.parametrize("module, name", [("custvalue.loyalty", "ImproperSolutionWarning"),
                                          ("custvalue.loyalty.sem", "ImproperSolutionWarning"),
                                          ("custvalue.switching", "InitialConditionsWarning"),
                                          ("custvalue.switching.statedep", "InitialConditionsWarning"),
                                          ("custvalue.switching", "NegativeSwitchingCostWarning"),
                                          ("custvalue.switching.shy", "NegativeSwitchingCostWarning")])
def test_moved_warnings_are_reexported_from_their_old_modules(module, name):
    assert getattr(importlib.import_module(module), name) is getattr(exceptions, name)


@pytest.mark.parametrize("name", ["ConvergenceWarning", "MeasurementWarning", "SimulationWarning",
                                  "NegativeSwitchingCostWarning"])
def test_one_filter_on_the_base_turns_every_warning_into_an_error(name):
    cls = getattr(exceptions, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", CustvalueWarning)
        with pytest.raises(cls):
            warnings.warn("message", cls, stacklevel=1)
        warnings.warn("another library's warning", UserWarning, stacklevel=1)  # not an error
    assert [w.category for w in caught] == [UserWarning]


# ---- one likelihood-ratio result type ----------------------------------------------------

def test_lr_test_returns_the_shared_result_type_and_matches_chi2():
    from custvalue.loyalty import LRTestResult as loyalty_name
    from custvalue.loyalty import from_formula, lr_test

    assert loyalty_name is LRTestResult
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"sat": rng.normal(size=300), "trust": rng.normal(size=300)})
    d["loy"] = 1 + 0.4 * d.sat + 0.2 * d.trust + rng.normal(scale=0.8, size=300)
    small, big = from_formula("loy ~ sat", d), from_formula("loy ~ sat + trust", d)
    t = lr_test(small, big)
    assert type(t) is LRTestResult
    # independent reference: the OLS log-likelihoods from the residual sums of squares
    n = len(d)

    def ols_llf(cols):
        X = np.column_stack([np.ones(n)] + [d[c] for c in cols])
        resid = d.loy - X @ np.linalg.lstsq(X, d.loy, rcond=None)[0]
        return -n / 2 * (np.log(2 * np.pi * resid @ resid / n) + 1)

    lr = 2 * (ols_llf(["sat", "trust"]) - ols_llf(["sat"]))
    assert t.statistic == pytest.approx(lr, rel=1e-9)
    assert t.df == 1
    assert t.pvalue == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-9)
    statistic, df, pvalue = t
    assert (statistic, df, pvalue) == (t.statistic, t.df, t.pvalue)


def test_lr_result_edge_cases():
    t = LRTestResult.from_loglikelihoods(-10.0, -10.0 - 1e-12, df=2)  # noise below zero
    assert t.statistic == 0.0 and t.pvalue == 1.0
    t0 = LRTestResult.from_loglikelihoods(-10.0, -9.0, df=0)
    assert t0.statistic == 2.0 and np.isnan(t0.pvalue)
    assert np.isnan(LRTestResult(1.0, 1, 0.3).llf_full)
    with pytest.raises(AttributeError):  # frozen
        t.df = 3  # type: ignore[misc]
