"""The Examples sections of the public docstrings run and give what they say."""

import doctest
import importlib
import pkgutil
import sys

import pytest

import custvalue

MODULES = sorted(m.name for m in pkgutil.walk_packages(custvalue.__path__, "custvalue.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency (e.g. dask) that is part of the test extra
        raise AssertionError(f"{name} does not import: {exc}") from exc
    try:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    finally:
        if "matplotlib.pyplot" in sys.modules:  # examples draw figures; close them (no warning, no memory kept)
            sys.modules["matplotlib.pyplot"].close("all")
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
