"""Exceptions and warnings raised by custvalue."""

from __future__ import annotations

__all__ = ["DataError", "ConvergenceWarning", "HeterogeneityWarning", "IdentificationWarning",
           "MeasurementWarning", "ModelSpecificationError", "ReportInputError"]


class DataError(ValueError):
    """Input data violate a constraint of the model (shape, range, missing values...)."""


class ModelSpecificationError(ValueError):
    """A model was specified inconsistently (unknown parameter, bad structure...)."""


class ReportInputError(DataError):
    """A user's transaction file cannot be turned into a customer summary."""


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before meeting its convergence criterion."""


class HeterogeneityWarning(UserWarning):
    """A fitted mixing distribution collapsed to a point: its two parameters ran off to
    infinity together, so the data show no heterogeneity there and only its mean is
    identified (e.g. Pareto/NBD's s and beta, with s/beta the common dropout rate). The fitted
    model is the homogeneous limit, in which the likelihood and the predictions depend on the
    two parameters only through that mean."""


class MeasurementWarning(UserWarning):
    """Items of a reflective block do not point one way: some load negatively on the block's
    latent variable (an item that needs reverse coding), so its Cronbach's alpha and composite
    reliability do not measure reliability, and with as many negative as positive loadings the
    latent variable's orientation is a convention."""


class IdentificationWarning(UserWarning):
    """The data do not identify a reported quantity: the information matrix is (numerically)
    singular along some combination of parameters, whose estimates and standard errors are then
    arbitrary, or a derived quantity (such as a money-metric switching cost) is undefined."""
