"""Names kept for one release after a rename, each use warning with a ``FutureWarning``.

Two tools, so that every deprecated name works the same way:

- :func:`renamed_arguments` wraps a function whose keyword argument was renamed; the
  wrapped signature (``inspect.signature``) shows only the new names.
- :func:`moved_names` builds a module ``__getattr__`` that serves old attribute names
  (constants, functions, classes) from their new home.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed_arguments(**renames: str) -> Callable[[F], F]:
    """Accept the old keyword names of a function for one release.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` pairs.

    Returns
    -------
    callable
        A decorator. A call with an old name warns with a ``FutureWarning`` naming both and
        passes the value on under the new name; passing both is a ``TypeError``.

    Examples
    --------
    >>> import warnings
    >>> @renamed_arguments(draws="n_draws")
    ... def simulate(n_draws=10):
    ...     return n_draws
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     simulate(draws=5), w[0].category.__name__
    (5, 'FutureWarning')
    """
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__qualname__}() got both {old!r} (the old name) and {new!r}; "
                                        f"pass only {new!r}.")
                    warnings.warn(f"{fn.__qualname__}(): the argument {old!r} is renamed {new!r}; the old "
                                  "name still works in this release and will be removed in the next.",
                                  FutureWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        wrapper.renamed_arguments = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]
    return decorate


def moved_names(module: str, moves: Mapping[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` serving renamed or moved attributes for one release.

    Parameters
    ----------
    module : str
        The module's ``__name__`` (for messages).
    moves : mapping
        ``old_name -> (new_module, new_name)``.

    Returns
    -------
    callable
        Assign it to the module's ``__getattr__``. Accessing an old name warns with a
        ``FutureWarning`` naming the new one and returns the object.

    Examples
    --------
    >>> getattr_ = moved_names("custvalue.example", {"OLD": ("math", "pi")})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     round(getattr_("OLD"), 2)
    3.14
    """
    def __getattr__(name: str) -> Any:
        if name in moves:
            target_module, target = moves[name]
            warnings.warn(f"{module}.{name} is renamed {target_module}.{target}; the old name still works in "
                          "this release and will be removed in the next.", FutureWarning, stacklevel=2)
            return getattr(importlib.import_module(target_module), target)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return __getattr__
