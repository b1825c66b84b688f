"""Exceptions and warnings raised by custvalue.

Every warning custvalue issues is a :class:`CustvalueWarning` (a ``UserWarning``), defined in
this module, so ``warnings.simplefilter("error", CustvalueWarning)`` turns all of them into
errors and ``simplefilter("ignore", CustvalueWarning)`` silences them, without touching other
libraries' warnings.  (Renamed arguments and names warn with Python's ``FutureWarning``.)
Three warnings are exported by the package that issues them:
:class:`ImproperSolutionWarning` by :mod:`custvalue.loyalty`, :class:`InitialConditionsWarning`
and :class:`NegativeSwitchingCostWarning` by :mod:`custvalue.switching`.
Bad input raises :class:`DataError`, a ``ValueError``.
"""

from __future__ import annotations

__all__ = ["DataError", "CustvalueWarning", "ConvergenceWarning", "HeterogeneityWarning",
           "IdentificationWarning", "MeasurementWarning", "SimulationWarning", "ModelSpecificationError",
           "ReportInputError"]


class DataError(ValueError):
    """Input data violate a constraint of the model (shape, range, missing values...)."""


class ModelSpecificationError(ValueError):
    """A model was specified inconsistently (unknown parameter, bad structure...)."""


class ReportInputError(DataError):
    """A user's transaction file cannot be turned into a customer summary."""


class CustvalueWarning(UserWarning):
    """Base class of every warning custvalue issues (filter on it to catch them all)."""


class ConvergenceWarning(CustvalueWarning):
    """The optimiser stopped before meeting its convergence criterion."""


class HeterogeneityWarning(CustvalueWarning):
    """A fitted mixing distribution collapsed to a point: its two parameters ran off to
    infinity together, so the data show no heterogeneity there and only its mean is
    identified (e.g. Pareto/NBD's s and beta, with s/beta the common dropout rate). The fitted
    model is the homogeneous limit, in which the likelihood and the predictions depend on the
    two parameters only through that mean."""


class MeasurementWarning(CustvalueWarning):
    """Items of a reflective block do not point one way: some load negatively on the block's
    latent variable (an item that needs reverse coding), so its Cronbach's alpha and composite
    reliability do not measure reliability, and with as many negative as positive loadings the
    latent variable's orientation is a convention."""


class IdentificationWarning(CustvalueWarning):
    """The data do not identify a reported quantity: the information matrix is (numerically)
    singular along some combination of parameters, whose estimates and standard errors are then
    arbitrary, or a derived quantity (such as a money-metric switching cost) is undefined."""


class SimulationWarning(CustvalueWarning):
    """A simulated quantity rests on too few random draws: a simulated likelihood (GHK) is
    biased and its estimates and standard errors unreliable until the number of draws grows."""


class ImproperSolutionWarning(CustvalueWarning):
    """A covariance-based SEM solution has negative variances or ``|standardised beta| > 1``."""


class InitialConditionsWarning(CustvalueWarning):
    """The first observed choice is treated as exogenous although it depends on the same
    person-level tastes as later choices (Heckman 1981); estimates of state dependence can be
    biased."""


class NegativeSwitchingCostWarning(CustvalueWarning):
    """A Shy (2002) estimate is negative: the observed prices are not undercut-proof for that
    firm (its price is too low relative to its rival's), so the model does not fit it."""
