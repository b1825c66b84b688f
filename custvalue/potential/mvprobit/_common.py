"""Checks shared by the multivariate probit's specification and results."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...exceptions import DataError

#: Fewest GHK draws per customer without a warning: below it the simulated likelihood is
#: biased (simulated maximum likelihood, Train 2009, chapter 10).
MIN_DRAWS = 20


def check_n_draws(n_draws: Any) -> int:
    """Halton draws per customer: a whole number >= 1.

    Examples
    --------
    >>> check_n_draws(50)
    50
    """
    try:
        value = int(n_draws)
    except (TypeError, ValueError):
        raise DataError(f"n_draws must be an integer >= 1; received {n_draws!r}.") from None
    if value < 1 or value != n_draws:
        raise DataError(f"n_draws must be an integer >= 1; received {n_draws!r}.")
    return value


def is_constant(col: np.ndarray) -> bool:
    return bool(col.size and np.all(col == col[0]) and col[0] != 0)

