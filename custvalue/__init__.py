"""custvalue: customer-value modelling, vectorised and tested against published numbers.

Subpackages (imported on first use, so ``import custvalue`` stays light):

* :mod:`custvalue.clv`: buy-till-you-die models, spend, discounted value, Markov migration;
* :mod:`custvalue.potential`: the multivariate probit potential-value model;
* :mod:`custvalue.loyalty`: satisfaction -> loyalty regressions and PLS path models;
* :mod:`custvalue.switching`: switching-cost estimators;
* :mod:`custvalue.segment`: customer pyramid, concentration, states, churn value at risk;
* :mod:`custvalue.datasets`, :mod:`custvalue.simulate`, :mod:`custvalue.plotting`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .exceptions import (ConvergenceWarning, DataError, HeterogeneityWarning, IdentificationWarning,
                         MeasurementWarning, ModelSpecificationError)
from .rfm import rfm_summary

__version__ = "0.1.0"

_SUBMODULES = ("base", "clv", "datasets", "loyalty", "math", "plotting", "potential", "report",
               "segment", "simulate", "switching", "streaming")

__all__ = ["__version__", "rfm_summary", "DataError", "ConvergenceWarning", "HeterogeneityWarning",
           "IdentificationWarning", "MeasurementWarning", "ModelSpecificationError", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'custvalue' has no attribute {name!r}")
