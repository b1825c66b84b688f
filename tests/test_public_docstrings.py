"""Every public name has a numpydoc docstring with Parameters, Returns and Examples.

The public API is what the documentation's API reference lists: each package's ``__all__``
(read by ``docs/_apigen.py``, the same code that generates the reference pages). Rules:

* functions and methods: a summary; ``Parameters`` when they take parameters (besides
  ``self``/``cls``), naming each of them; ``Returns`` (or ``Yields``) when they return a value
  (a return annotation other than ``None``, or a ``return <value>`` in their source);
  ``Examples``;
* classes: a summary; ``Parameters`` when the constructor takes parameters (``Attributes`` is
  accepted instead for dataclasses and frozen results classes, whose fields are the
  parameters); ``Examples``; then every public method (including the ones inherited from other
  custvalue classes, each checked once) by the rules above, and a docstring on every public
  property;
* exception and warning classes: a summary only;
* constants (dicts, tuples, numbers): not checked.

One test per API unit, so the report names the module; the assertion lists every offender with
what is missing.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.util
import inspect
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_apigen():
    spec = importlib.util.spec_from_file_location("_custvalue_docs_apigen", ROOT / "docs" / "_apigen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def _assignments() -> dict[str, list[tuple[str, object]]]:
    """Public objects per unit, each object assigned to the first unit that lists it."""
    seen: set[int] = set()
    out: dict[str, list[tuple[str, object]]] = {}
    for module_name, names in _load_apigen().api_units():
        module = importlib.import_module(module_name)
        items = []
        for name in names:
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            items.append((f"{module_name}.{name}", obj))
        out[module_name] = items
    return out


UNITS = [name for name, _ in _load_apigen().api_units()]


def _unwrap(obj):
    """The Python function behind numba dispatchers, functools wrappers, class/staticmethods."""
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    obj = getattr(obj, "py_func", obj)
    return inspect.unwrap(obj)


def _parse(doc: str):
    from numpydoc.docscrape import NumpyDocString

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NumpyDocString(doc)


def _documented_names(parsed, section: str = "Parameters") -> set[str]:
    names = set()
    for param in parsed[section]:
        for part in param.name.split(","):
            names.add(part.strip().lstrip("*"))
    return names


def _signature_params(func, *, drop_first: bool) -> list[inspect.Parameter]:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []
    if drop_first and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


def _returns_value(func) -> bool:
    """True when the function returns something: annotation, else a ``return <value>``."""
    try:
        annotation = inspect.signature(func).return_annotation
    except (TypeError, ValueError):
        annotation = inspect.Signature.empty
    if annotation is not inspect.Signature.empty:
        return annotation not in (None, "None")
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return True
    body = tree.body[0] if tree.body else None
    if not isinstance(body, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return True
    stack = list(body.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # a nested scope's return is not this function's
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _check_function(func, *, method: bool) -> list[str]:
    func = _unwrap(func)
    doc = inspect.getdoc(func)
    if not doc or not doc.strip():
        return ["no docstring"]
    try:
        parsed = _parse(doc)
    except Exception as exc:  # numpydoc refuses malformed sections
        return [f"docstring does not parse ({exc})"]
    problems = []
    if not "".join(parsed["Summary"]).strip():
        problems.append("no summary line")
    params = _signature_params(func, drop_first=method)
    if params:
        if not parsed["Parameters"]:
            problems.append("no Parameters section")
        else:
            documented = _documented_names(parsed) | _documented_names(parsed, "Other Parameters")
            missing = [p.name for p in params if p.name not in documented
                       and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            if missing:
                problems.append(f"Parameters does not describe {missing}")
    if _returns_value(func) and not (parsed["Returns"] or parsed["Yields"]):
        problems.append("no Returns section")
    if not "".join(parsed["Examples"]).strip():
        problems.append("no Examples section")
    return problems


def _is_custvalue(cls) -> bool:
    return cls.__module__.split(".")[0] == "custvalue"


def _class_problems(cls) -> list[str]:
    doc = inspect.getdoc(cls)
    if not doc or not doc.strip():
        return ["no docstring"]
    if issubclass(cls, BaseException):
        return []
    try:
        parsed = _parse(doc)
    except Exception as exc:
        return [f"docstring does not parse ({exc})"]
    problems = []
    init = cls.__init__
    ctor_params = ([] if init is object.__init__ or not inspect.isfunction(init)
                   else _signature_params(init, drop_first=True))
    ctor_params = [p for p in ctor_params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    attributes_ok = dataclasses.is_dataclass(cls) or cls.__name__.endswith(("Results", "Result"))
    if ctor_params and not parsed["Parameters"] and not (attributes_ok and parsed["Attributes"]):
        problems.append("no Parameters section (constructor arguments)")
    if not "".join(parsed["Examples"]).strip():
        problems.append("no Examples section")
    return problems


def _members(cls):
    """Public methods and properties users reach on ``cls``: (where, kind, object)."""
    if issubclass(cls, BaseException):
        return
    for klass in cls.__mro__:
        if not _is_custvalue(klass):
            continue
        for name, attr in vars(klass).items():
            if name.startswith("_"):
                continue
            if any(name in vars(sub) for sub in cls.__mro__[:cls.__mro__.index(klass)]):
                continue  # overridden in a subclass: that version is the one users call
            where = f"{klass.__module__}.{klass.__qualname__}.{name}"
            if isinstance(attr, (property, functools.cached_property)):
                yield where, "property", attr.fget if isinstance(attr, property) else attr.func
            elif isinstance(attr, staticmethod) and inspect.isfunction(_unwrap(attr)):
                yield where, "staticmethod", attr.__func__
            elif isinstance(attr, classmethod) and inspect.isfunction(_unwrap(attr)):
                yield where, "method", attr.__func__
            elif inspect.isfunction(_unwrap(attr)):
                yield where, "method", attr


@functools.cache
def _plan() -> dict[str, list[tuple[str, str, object]]]:
    """What to check per unit, each object once, in the reference's (deterministic) order."""
    seen: set[int] = set()
    plan: dict[str, list[tuple[str, str, object]]] = {}
    for unit, items in _assignments().items():
        todo = []
        for qualname, obj in items:
            if inspect.isclass(obj):
                todo.append((qualname, "class", obj))
                for where, kind, member in _members(obj):
                    if id(member) not in seen:
                        seen.add(id(member))
                        todo.append((where, kind, member))
            elif callable(obj) and (inspect.isfunction(_unwrap(obj)) or hasattr(obj, "py_func")):
                todo.append((qualname, "function", obj))
        plan[unit] = todo
    return plan


def offenders(unit: str) -> list[str]:
    """Every public object of ``unit`` whose docstring misses a required section."""
    out: list[str] = []
    for where, kind, obj in _plan()[unit]:
        if kind == "class":
            problems = _class_problems(obj)
        elif kind == "property":
            problems = [] if (inspect.getdoc(obj) or "").strip() else ["property without a docstring"]
        else:
            problems = _check_function(obj, method=kind == "method")
        if problems:
            out.append(f"{where}: " + "; ".join(problems))
    return out


def test_api_is_not_empty():
    assert "custvalue.clv" in UNITS and _assignments()["custvalue.clv"], UNITS


@pytest.mark.parametrize("unit", UNITS)
def test_public_docstrings(unit):
    bad = offenders(unit)
    assert not bad, (f"{len(bad)} public objects of {unit} lack numpydoc sections:\n  "
                     + "\n  ".join(bad))


def test_checker_flags_incomplete_docstrings():
    """The checker itself: a complete docstring passes, each missing section is reported."""

    def complete(x, *, level=0.95):
        """Do a thing.

        Parameters
        ----------
        x : float
            Input.
        level : float
            Confidence.

        Returns
        -------
        float

        Examples
        --------
        >>> complete(1.0)
        1.0
        """
        return x

    def bare(x, y):
        """Do a thing.

        Parameters
        ----------
        x : float
        """
        return x + y

    def no_return(x):
        """Do a thing.

        Parameters
        ----------
        x : float

        Examples
        --------
        >>> no_return(1)
        """
        print(x)

    assert _check_function(complete, method=False) == []
    assert _check_function(no_return, method=False) == []
    problems = _check_function(bare, method=False)
    assert problems == ["Parameters does not describe ['y']", "no Returns section", "no Examples section"]
