"""Compiled kernels that run in parallel only on inputs large enough to need it.

numba compiles a ``parallel=True`` kernel several times more slowly than the same kernel
without it (measured: the BG/NBD Hessian pass 9 s against 0.8 s, the dropout series 12 s
against 5 s, on two busy cores), and the first run of a program pays that compile before the
on-disk cache holds it. On inputs of fewer than :data:`PARALLEL_MIN_SIZE` elements the
parallel version saves milliseconds, so :func:`parallel_kernel` compiles the same Python
function twice, lazily: a serial twin for small inputs and the parallel kernel for large
ones. A program that only sees small inputs (a report on a 20,000-customer log) never
compiles the parallel version; one that sees large inputs compiles it once, into the cache.
Both versions compute the same formula; a reduction inside a parallel loop may be summed in
another order, so results can differ in the last bits between the two.
"""

from __future__ import annotations

import types
from contextlib import contextmanager
from collections.abc import Callable
from typing import Any

import numpy as np
import numba
from numba import njit

__all__ = ["PARALLEL_MIN_SIZE", "ParallelKernel", "parallel_kernel", "cache_is_warm", "row_threads"]

#: Size (elements of the largest array argument) from which the parallel version runs.
PARALLEL_MIN_SIZE = 100_000


def _twin(fn: Callable, suffix: str) -> Callable:
    """A copy of ``fn`` under another qualified name (numba names its cache files after it)."""
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + suffix
    twin.__module__ = fn.__module__
    twin.__doc__ = fn.__doc__
    return twin


class ParallelKernel:
    """A compiled kernel that runs serially on small inputs and in parallel on large ones.

    Parameters
    ----------
    fn : callable
        The Python function (written with ``numba.prange``; ``prange`` is ``range`` in the
        serial twin).
    options : dict
        numba options for both versions (``error_model``, ``fastmath``...), without
        ``parallel`` and ``cache`` (both are cached).

    Examples
    --------
    The BG/NBD P(alive) pass is one (kernels are defined in modules: numba caches by file):

    >>> import numpy as np
    >>> from custvalue.math import betageo
    >>> k = betageo._alive_rows
    >>> isinstance(k, ParallelKernel), k.serial is not k.parallel
    (True, True)
    """

    def __init__(self, fn: Callable, options: dict[str, Any]):
        self.py_func = fn
        self.__wrapped__ = fn
        self.__name__, self.__qualname__ = fn.__name__, fn.__qualname__
        self.__module__, self.__doc__ = fn.__module__, fn.__doc__
        self.serial = njit(cache=True, **options)(_twin(fn, "__serial"))
        self.parallel = njit(cache=True, parallel=True, **options)(fn)

    def __call__(self, *args: Any) -> Any:
        size = max((a.size for a in args if isinstance(a, np.ndarray)), default=0)
        return (self.parallel if size >= PARALLEL_MIN_SIZE else self.serial)(*args)

    def __repr__(self) -> str:
        return f"<ParallelKernel {self.__module__}.{self.__qualname__}>"


def parallel_kernel(**options: Any) -> Callable[[Callable], ParallelKernel]:
    """Decorator: :class:`ParallelKernel` with the numba ``options`` (cache always on).

    Parameters
    ----------
    **options
        numba options for both versions, e.g. ``error_model="numpy"``.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    In a kernel module (numba caches compiled code next to the source file)::

        @parallel_kernel(error_model="numpy")
        def _rows(x, out):
            for i in prange(x.shape[0]):
                out[i] = 2.0 * x[i]
    """
    options.pop("parallel", None)
    options.pop("cache", None)
    return lambda fn: ParallelKernel(fn, options)


def cache_is_warm(dispatcher: Any) -> bool:
    """Whether numba's on-disk cache holds at least one compiled version of ``dispatcher``
    that is valid for its current source file (False when unknown).

    Parameters
    ----------
    dispatcher : numba dispatcher or ParallelKernel
        A kernel compiled with ``cache=True`` (a ParallelKernel is judged by its serial
        twin, the version small inputs use).

    Returns
    -------
    bool

    Examples
    --------
    >>> from custvalue.math import betageo
    >>> isinstance(cache_is_warm(betageo._alive_rows), bool)
    True
    """
    if isinstance(dispatcher, ParallelKernel):
        dispatcher = dispatcher.serial
    try:
        if dispatcher.overloads:  # compiled (or loaded) in this process already
            return True
        return bool(dispatcher._cache._cache_file._load_index())  # {} when missing or stale
    except Exception:  # noqa: BLE001 - numba internals: unknown means "not known to be warm"
        return False


@contextmanager
def row_threads(n: int, min_rows: int = 50_000):
    """Threads for a kernel whose ``prange`` runs over fixed blocks of rows: below
    ``min_rows`` rows one thread (a pass takes milliseconds, and when another process keeps
    a core busy, waiting for a second thread costs more than it saves); above, every
    thread, handed the blocks one at a time (a descheduled thread then holds up the pass by
    one block at most, where numba's default static split would make the pass wait for it).

    Parameters
    ----------
    n : int
        Number of rows of the pass.
    min_rows : int, default 50,000
        Fewest rows run on more than one thread.

    Examples
    --------
    >>> with row_threads(10):
    ...     pass
    """
    if n < min_rows:
        prev = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(prev)
    else:
        with numba.parallel_chunksize(1):
            yield
