"""The contract between a transaction (purchase-count) model and its kernel module.

A kernel module in :mod:`custvalue.math` (``betageo``, ``modbetageo``, ``paretonbd``,
``bgbb``) provides the prediction functions below with **one argument order**: the horizon
or count first (``t``, ``n``), then the model's parameters in the order of the model's
``param_names``, then the customer's history ``(x, t_x, T)`` (``(x, t_x, n)`` for the
discrete BG/BB). It declares what else it can do with four module-level constants, read
through :func:`capabilities` (the model classes never probe a kernel's signature):

``DISCRETE`` : bool
    Time counts transaction opportunities (BG/BB): horizons are whole numbers and
    discounting is per opportunity, ``(1 + d)^-i``. Otherwise continuous time, discounted
    at the continuously compounded rate ``δ = log(1 + d)``.
``DERT_HORIZONS`` : tuple of {"infinite", "finite"}
    The horizons for which the module's ``dert(rate, *params, *history, horizon=None)``
    is a closed form (empty: no ``dert``; DERT is then the quadrature of
    :mod:`custvalue.math.dert`).
``HORIZON_WEIGHTS`` : bool
    ``conditional_expected_purchases`` accepts ``horizon_weights=`` and returns the
    weighted sum over horizons per customer, without the customers x horizons grid.
``TIME_SCALE`` : bool
    The module has ``time_scale(*params, *history)``: the shortest time scale of the
    conditional expectation near ``t = 0``, which the DERT quadrature refines down to.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

__all__ = ["TransactionKernel", "KernelCapabilities", "capabilities"]

_HORIZONS = ("infinite", "finite")


@runtime_checkable
class TransactionKernel(Protocol):
    """What every transaction-model kernel module provides (a module satisfies it).

    Each function broadcasts over NumPy arrays; ``params`` stands for the model's
    parameters in the order of its ``param_names``, ``history`` for ``(x, t_x, T)`` (or
    ``(x, t_x, n)`` for discrete-opportunity kernels).
    """

    DISCRETE: bool
    DERT_HORIZONS: tuple[str, ...]
    HORIZON_WEIGHTS: bool
    TIME_SCALE: bool

    def p_alive(self, *params_and_history: Any) -> Any:
        """P(alive | history): ``p_alive(*params, *history)``."""

    def conditional_expected_purchases(self, t: Any, *params_and_history: Any, **options: Any) -> Any:
        """E[purchases in the next t | history]: ``(t, *params, *history)``."""

    def expected_purchases_new_customer(self, t: Any, *params: Any) -> Any:
        """E[purchases in (0, t]] of a new customer: ``(t, *params)``."""

    def probability_of_purchases(self, n: Any, t: Any, *params: Any) -> Any:
        """P(n purchases in (0, t]) of a new customer: ``(n, t, *params)``."""


@dataclass(frozen=True)
class KernelCapabilities:
    """What a kernel module declares beyond :class:`TransactionKernel` (see the module doc)."""

    discrete: bool
    dert_horizons: tuple[str, ...]
    horizon_weights: bool
    time_scale: bool

    def closed_dert(self, finite: bool) -> bool:
        """Whether the kernel's ``dert`` is a closed form for this kind of horizon."""
        return ("finite" if finite else "infinite") in self.dert_horizons


def capabilities(kernel: ModuleType | TransactionKernel) -> KernelCapabilities:
    """The declared capabilities of a kernel module, checked against what it defines.

    Parameters
    ----------
    kernel : module
        A transaction-model kernel such as :mod:`custvalue.math.betageo`.

    Returns
    -------
    KernelCapabilities

    Raises
    ------
    TypeError
        If a declaration is missing or contradicts the module (a ``dert`` or
        ``time_scale`` declared but not defined, an unknown horizon kind).

    Examples
    --------
    >>> from custvalue.math import paretonbd
    >>> capabilities(paretonbd).dert_horizons
    ('infinite', 'finite')
    """
    missing = [c for c in ("DISCRETE", "DERT_HORIZONS", "HORIZON_WEIGHTS", "TIME_SCALE")
               if not hasattr(kernel, c)]
    if missing:
        raise TypeError(f"kernel module {getattr(kernel, '__name__', kernel)!r} does not declare {missing} "
                        "(see custvalue.clv._kernel).")
    caps = KernelCapabilities(bool(kernel.DISCRETE), tuple(kernel.DERT_HORIZONS),
                              bool(kernel.HORIZON_WEIGHTS), bool(kernel.TIME_SCALE))
    name = getattr(kernel, "__name__", kernel)
    if not set(caps.dert_horizons) <= set(_HORIZONS):
        raise TypeError(f"{name}.DERT_HORIZONS must be a subset of {_HORIZONS}; received {caps.dert_horizons!r}.")
    if caps.dert_horizons and not callable(getattr(kernel, "dert", None)):
        raise TypeError(f"{name} declares a closed-form DERT but defines no dert().")
    if caps.time_scale and not callable(getattr(kernel, "time_scale", None)):
        raise TypeError(f"{name} declares TIME_SCALE but defines no time_scale().")
    return caps
