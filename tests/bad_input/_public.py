"""Enumerate the public objects: every ``__all__`` of custvalue and of its public
subpackages and modules (names without a leading underscore), de-duplicated by identity."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import custvalue


def public_modules() -> list:
    names = sorted(m.name for m in pkgutil.walk_packages(custvalue.__path__, "custvalue.")
                   if m.name != "custvalue.__main__")
    return [custvalue] + [importlib.import_module(n) for n in names
                          if not any(part.startswith("_") for part in n.split("."))]


def public_objects() -> dict[str, object]:
    """``"module.name" -> object`` for the first module (in walk order) exporting it;
    submodules listed in ``__all__`` are not objects of their own."""
    seen: set[int] = set()
    out: dict[str, object] = {}
    for mod in public_modules():
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            out[f"{mod.__name__}.{name}"] = obj
    return out
