"""The machinery of the bad-input conformance suite: catalogue entries, the corruptions
applied to one argument at a time, and the checks on errors and outputs.

A catalogue entry describes one public object (a key ``"module.name"`` as enumerated from
the ``__all__`` lists). It has a *kind* and, for callables, one or more :class:`Target`s:
a way to call the object (a function, a constructor, a ``fit`` or a prediction method), a
factory of valid arguments, the arguments to corrupt with which bad values, and valid edge
calls whose outputs must be finite.

A *bad value* is named by a kind (``"nan"``, ``"text"``, ``"misaligned"``...) and made from
the valid argument by :func:`corrupt`, so the catalogue stays short: only the argument
(``"horizon"``) or the column of a DataFrame argument (``"data[frequency]"``) is named.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

import custvalue.exceptions as cv_exceptions

# ---------------------------------------------------------------------------------------------
# Bad values
# ---------------------------------------------------------------------------------------------

#: Every kind of bad value, with what it does to a scalar, a 1-D input (list, array, Series)
#: or a DataFrame column.
BAD_KINDS = {
    "nan": "one value NaN (a scalar: NaN)",
    "inf": "one value +inf",
    "-inf": "one value -inf",
    "negative": "one value negative where the argument must be >= 0 (or > 0)",
    "zero": "one value 0 where the argument must be > 0",
    "fraction": "one value fractional where a whole number (a count) is required",
    "above_one": "one value 1.5 where a probability or share in [0, 1] is required",
    "huge": "one value 1e300 (overflows the model's arithmetic)",
    "empty": "no rows",
    "text": "one value the text 'abc' (object dtype)",
    "numeric_text": "every value as its numeric string ('2.0'); a scalar as its string",
    "nullable_na": "a pandas nullable dtype (Float64/Int64) with pd.NA in one row",
    "categorical": "the values as a pandas Categorical",
    "misaligned": "pandas input: one index label replaced, so the label sets differ; "
                  "plain arrays: one row fewer than the other inputs",
    "duplicated_ids": "pandas input: an index label repeated",
    "wrong_column": "a required column renamed",
    "none": "None where a value is required",
    "bool": "a bool where a number is required",
}

#: Exceptions a bad input may raise: custvalue's documented ValueError subclasses.
DOCUMENTED_ERRORS = tuple(
    obj for obj in vars(cv_exceptions).values()
    if inspect.isclass(obj) and issubclass(obj, ValueError) and obj.__module__ == cv_exceptions.__name__
)


def _bad_row(n: int) -> int:
    return 1 if n > 1 else 0


def _corrupt_scalar(v: Any, kind: str) -> Any:
    table = {
        "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "zero": 0,
        "huge": 1e300, "text": "abc", "none": None, "bool": True, "above_one": 1.5,
        "nullable_na": pd.NA,
    }
    if kind in table:
        return table[kind]
    if kind == "negative":
        return -abs(v) - 1 if isinstance(v, numbers.Real) else -1
    if kind == "fraction":
        return (v if isinstance(v, numbers.Real) else 1) + 0.5
    if kind == "numeric_text":
        return str(v)
    raise LookupError(f"bad kind {kind!r} does not apply to a scalar")


def _numeric_value(kind: str, old: Any) -> float:
    if kind == "negative":
        return -abs(float(old)) - 1.0
    if kind == "fraction":
        return float(old) + 0.5
    return {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "zero": 0.0, "huge": 1e300,
            "above_one": 1.5}[kind]


def _shift_label(index: pd.Index) -> pd.Index:
    """``index`` with its last label replaced by one it does not hold."""
    labels = list(index)
    last = labels[-1]
    new: Any = f"{last}-other" if isinstance(last, str) else (
        max(v for v in labels) + 1000 if all(isinstance(v, numbers.Number) for v in labels) else "other")
    labels[-1] = new
    return pd.Index(labels, name=index.name)


def _dup_label(index: pd.Index) -> pd.Index:
    labels = list(index)
    labels[_bad_row(len(labels))] = labels[0]
    return pd.Index(labels, name=index.name)


def _corrupt_series(s: pd.Series, kind: str) -> pd.Series:
    n = len(s)
    i = _bad_row(n)
    if kind == "nan" and not pd.api.types.is_numeric_dtype(s.dtype):  # a missing label or date
        out = s.astype(object).copy()
        out.iloc[i] = np.nan
        return out
    if kind in ("nan", "inf", "-inf", "negative", "zero", "fraction", "huge", "above_one"):
        out = s.astype(float).copy()
        out.iloc[i] = _numeric_value(kind, out.iloc[i])
        return out
    if kind == "empty":
        return s.iloc[:0]
    if kind == "text":
        out = s.astype(object).copy()
        out.iloc[i] = "abc"
        return out
    if kind == "numeric_text":
        return s.map(lambda v: str(float(v)) if isinstance(v, numbers.Real) else str(v)).astype(object)
    if kind == "nullable_na":
        dtype = "Int64" if pd.api.types.is_integer_dtype(s.dtype) else "Float64"
        out = s.astype(dtype).copy()
        out.iloc[i] = pd.NA
        return out
    if kind == "categorical":
        return s.astype("category")
    if kind == "misaligned":
        return s.set_axis(_shift_label(s.index))
    if kind == "duplicated_ids":
        return s.set_axis(_dup_label(s.index))
    if kind == "none":
        return None  # type: ignore[return-value]
    raise LookupError(f"bad kind {kind!r} does not apply to a Series")


def _corrupt_array(a: Any, kind: str) -> Any:
    """Lists and numpy arrays: positions only (plain arrays pair by position)."""
    arr = np.asarray(a)
    if kind == "misaligned":
        return arr[:-1] if not isinstance(a, list) else list(a[:-1])
    if kind == "empty":
        return arr[:0] if not isinstance(a, list) else []
    if kind == "nullable_na":
        flat = pd.array(arr.reshape(-1), dtype="Int64" if arr.dtype.kind in "iu" else "Float64")
        flat[_bad_row(arr.shape[0]) * (arr.size // max(arr.shape[0], 1))] = pd.NA
        return flat if arr.ndim == 1 else pd.DataFrame(np.asarray(flat, dtype=object).reshape(arr.shape)).astype(
            flat.dtype)
    if kind == "categorical":
        return pd.Categorical(arr.reshape(-1)) if arr.ndim == 1 else pd.DataFrame(arr).astype("category")
    if kind == "duplicated_ids":
        raise LookupError("plain arrays have no labels to duplicate")
    if kind == "none":
        return None
    i = _bad_row(arr.shape[0])
    if kind in ("text", "numeric_text"):
        out = arr.astype(object)
        if kind == "text":
            out[i] = "abc"
        else:
            out = np.vectorize(lambda v: str(float(v)), otypes=[object])(arr)
        return out if not isinstance(a, list) else out.tolist()
    out = arr.astype(float).copy()
    out[i] = _numeric_value(kind, out[i] if out.ndim == 1 else out[i].flat[0])
    return out if not isinstance(a, list) else out.tolist()


def _corrupt_frame(df: pd.DataFrame, kind: str, column: Any = None) -> pd.DataFrame:
    if kind == "empty":
        return df.iloc[:0]
    if kind == "misaligned":
        return df.set_axis(_shift_label(df.index))
    if kind == "duplicated_ids":
        return df.set_axis(_dup_label(df.index))
    if column is None:
        cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        if not cols:
            raise LookupError(f"bad kind {kind!r} needs a numeric column")
        column = cols[0]
    if kind == "wrong_column":
        return df.rename(columns={column: f"{column}_renamed"})
    out = df.copy()
    if kind == "none":
        return out.drop(columns=[column])
    new = _corrupt_series(df[column], kind)
    out[column] = new
    return out


def corrupt(value: Any, kind: str, column: Any = None) -> Any:
    """A bad version of a valid argument ``value`` (one column of a DataFrame when given)."""
    if isinstance(value, pd.DataFrame):
        return _corrupt_frame(value, kind, column)
    if column is not None:
        if isinstance(value, Mapping):
            out = dict(value)
            if kind == "wrong_column":
                out[f"{column}_renamed"] = out.pop(column)
            else:
                out[column] = corrupt(value[column], kind)
            return out
        raise LookupError(f"a column {column!r} was named for a {type(value).__name__}")
    if isinstance(value, pd.Series):
        return _corrupt_series(value, kind)
    if isinstance(value, list) and kind in ("empty", "misaligned", "none"):  # also ragged lists
        return {"empty": [], "misaligned": value[:-1], "none": None}[kind]
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) >= 1:
        return _corrupt_array(list(value) if isinstance(value, tuple) else value, kind)
    if value is None or isinstance(value, (numbers.Number, str)):
        return _corrupt_scalar(value, kind)
    raise LookupError(f"no corruption {kind!r} for a {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# Catalogue structure
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Bad:
    """The bad values tried on one argument (or DataFrame column).

    ``kinds`` are names of :data:`BAD_KINDS`, or ``(label, function)`` pairs for a custom
    corruption ``function(valid_value) -> bad_value``. The error message must contain one of
    ``names`` (default: the column, else the argument). ``warns`` instead expects that
    documented warning (and no exception).
    """

    kinds: tuple[Any, ...]
    names: tuple[str, ...] = ()
    warns: type[Warning] | None = None
    errors: tuple[type[BaseException], ...] = DOCUMENTED_ERRORS


def bad(*kinds: Any, names: Sequence[str] | str = (), warns: type[Warning] | None = None) -> Bad:
    return Bad(tuple(kinds), (names,) if isinstance(names, str) else tuple(names), warns)


#: Shorthands for the usual sets of bad values.
NUMERIC = ("nan", "inf", "-inf", "text", "numeric_text", "nullable_na", "categorical")
NUMBER = ("nan", "inf", "-inf", "text", "numeric_text", "none", "nullable_na")
LABELLED = ("misaligned", "duplicated_ids")


@dataclasses.dataclass(frozen=True)
class Target:
    """One way to call a public object: a function, a constructor, a fit or a prediction.

    Parameters
    ----------
    label : str
        ``"call"`` for a function, ``"__init__"``, ``"fit"`` or the method's name.
    args : callable
        Returns fresh valid keyword arguments (a dict).
    call : callable
        ``call(**args)`` runs the target and returns its output.
    bad : mapping
        ``"arg"`` or ``"arg[column]"`` -> :class:`Bad` (or a tuple of kinds).
    edges : mapping
        Valid edge cases: label -> ``function(args) -> args``; their outputs (like the valid
        call's) must be finite, or the call must raise a documented error or warn.
    finite_exempt : str
        Why the valid output may hold NaN or inf on its own (empty: it may not).
    """

    label: str
    args: Callable[[], dict]
    call: Callable[..., Any]
    bad: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    edges: Mapping[str, Callable[[dict], dict]] = dataclasses.field(default_factory=dict)
    finite_exempt: str = ""

    def bad_specs(self) -> list[tuple[str, Any, Bad]]:
        out = []
        for key, spec in self.bad.items():
            spec = spec if isinstance(spec, Bad) else Bad(tuple(spec))
            arg, column = parse_key(key)
            out.append((arg, column, spec))
        return out


@dataclasses.dataclass(frozen=True)
class Entry:
    """Catalogue entry of one public object.

    ``kind`` is one of ``"function"``, ``"class"`` (constructor and methods as targets),
    ``"results"`` (a results class: its methods as targets on a fitted instance),
    ``"no input"`` (exception, warning, constant, or a loader without arguments: checked by
    :func:`check_no_input`), or ``"base class"`` (abstract; ``note`` names the concrete
    entries that exercise it).
    """

    kind: str
    targets: tuple[Target, ...] = ()
    note: str = ""
    #: Why the inputs are not checked (a kernel called at every optimiser iteration or in a
    #: loop): the contract stated in its docstring and in docs/input_validation.md instead.
    unchecked: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("function", "class", "results", "no input", "base class"):
            raise ValueError(f"unknown entry kind {self.kind!r}")


def function(fn: Callable, args: Callable[[], dict], bad: Mapping[str, Any] | None = None,
             edges: Mapping[str, Callable[[dict], dict]] | None = None, *, finite_exempt: str = "",
             extra: Sequence[Target] = ()) -> Entry:
    """Entry of a public function called as ``fn(**args)``."""
    return Entry("function", (Target("call", args, fn, bad or {}, edges or {}, finite_exempt),
                              *extra))


def no_input(note: str) -> Entry:
    return Entry("no input", note=note)


def parse_key(key: str) -> tuple[str, Any]:
    if key.endswith("]") and "[" in key:
        arg, col = key[:-1].split("[", 1)
        return arg, col
    return key, None


# ---------------------------------------------------------------------------------------------
# Edge helpers
# ---------------------------------------------------------------------------------------------

def one_row(*names: str, row: int = 0) -> Callable[[dict], dict]:
    """Keep one row of each named argument (DataFrame, Series, array, list)."""
    def edge(args: dict) -> dict:
        out = dict(args)
        for n in names:
            v = out[n]
            if isinstance(v, (pd.DataFrame, pd.Series)):
                out[n] = v.iloc[row:row + 1]
            elif isinstance(v, np.ndarray):
                out[n] = v[row:row + 1]
            else:
                out[n] = list(v)[row:row + 1]
        return out
    return edge


def scaled(name: str, factor: float, column: Any = None) -> Callable[[dict], dict]:
    """Multiply one argument (or DataFrame column) by ``factor`` (huge but legal values)."""
    def edge(args: dict) -> dict:
        out = dict(args)
        v = out[name]
        if column is not None:
            v = v.copy()
            v[column] = v[column] * factor
            out[name] = v
        elif isinstance(v, (pd.Series, pd.DataFrame, np.ndarray)):
            out[name] = v * factor
        elif isinstance(v, list):
            out[name] = [x * factor for x in v]
        else:
            out[name] = v * factor
        return out
    return edge


def replaced(**values: Any) -> Callable[[dict], dict]:
    """Replace arguments by fixed (valid edge) values."""
    def edge(args: dict) -> dict:
        return {**args, **{k: (v() if callable(v) else v) for k, v in values.items()}}
    return edge


# ---------------------------------------------------------------------------------------------
# Output checks
# ---------------------------------------------------------------------------------------------

_SKIP_ATTRS = {"model", "fit", "pooled", "full", "sm_results", "_sm", "results", "transitions"}


def nonfinite_paths(obj: Any, path: str = "output", depth: int = 0, seen: set | None = None) -> list[str]:
    """Where ``obj`` holds NaN or inf: numbers, arrays, pandas objects (numeric columns),
    containers, dataclasses and custvalue objects' public attributes (not the model)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 4:
        return []
    if isinstance(obj, (bool, np.bool_, str, bytes, type(None))):
        return []
    if isinstance(obj, numbers.Number):
        try:
            return [] if math.isfinite(complex(obj).real) and math.isfinite(complex(obj).imag) else [path]
        except (TypeError, ValueError):
            return []
    seen.add(id(obj))
    if isinstance(obj, pd.DataFrame):
        num = obj.select_dtypes(include=[np.number])
        bad = [c for c in num.columns if not np.isfinite(num[c].to_numpy(dtype=float)).all()]
        return [f"{path}[{c!r}]" for c in bad]
    if isinstance(obj, pd.Series):
        if pd.api.types.is_numeric_dtype(obj.dtype) and not pd.api.types.is_bool_dtype(obj.dtype):
            vals = obj.to_numpy(dtype=float, na_value=np.nan)
            return [] if np.isfinite(vals).all() else [f"{path} (labels {list(obj.index[~np.isfinite(vals)][:3])})"]
        return []
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return [] if np.isfinite(obj).all() else [path]
        if obj.dtype.kind == "O":
            return [p for i, v in enumerate(obj.reshape(-1)[:1000])
                    for p in nonfinite_paths(v, f"{path}[{i}]", depth + 1, seen)]
        return []
    if isinstance(obj, Mapping):
        return [p for k, v in obj.items() for p in nonfinite_paths(v, f"{path}[{k!r}]", depth + 1, seen)]
    if isinstance(obj, (list, tuple)):
        return [p for i, v in enumerate(obj) for p in nonfinite_paths(v, f"{path}[{i}]", depth + 1, seen)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [p for f in dataclasses.fields(obj) if not f.name.startswith("_") and f.name not in _SKIP_ATTRS
                for p in nonfinite_paths(getattr(obj, f.name), f"{path}.{f.name}", depth + 1, seen)]
    if type(obj).__module__.startswith("custvalue") and hasattr(obj, "__dict__"):
        out = []
        for k, v in vars(obj).items():
            if k.startswith("_") or k in _SKIP_ATTRS or callable(v) or inspect.ismodule(v):
                continue
            out += nonfinite_paths(v, f"{path}.{k}", depth + 1, seen)
        if hasattr(type(obj), "bse") and "bse" not in vars(obj):
            out += nonfinite_paths(obj.bse, f"{path}.bse", depth + 1, seen)
        return out
    return []


def custvalue_warnings(records: Sequence[warnings.WarningMessage]) -> list[str]:
    return [f"{r.category.__name__}: {r.message}" for r in records
            if r.category.__module__.startswith("custvalue")]


def run_quietly(call: Callable[..., Any], args: dict) -> tuple[Any, list[warnings.WarningMessage]]:
    """Call with every warning recorded (not raised, not printed)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            out = call(**args)
    return out, list(rec)


def check_bad_case(target: Target, arg: str, column: Any, kind: Any, spec: Bad) -> None:
    """Corrupt one argument and assert the documented refusal (or warning)."""
    args = target.args()
    if arg not in args:
        raise AssertionError(f"catalogue error: {arg!r} is not among the valid arguments {sorted(args)}")
    names = spec.names or ((str(column),) if column is not None else (arg,))
    if not spec.names and column is None and isinstance(args[arg], pd.DataFrame):
        names = (arg, *map(str, args[arg].columns))  # a frame-level problem: any column may be named
    if isinstance(kind, tuple):
        label, fn = kind
        if column is not None:  # a custom corruption of one column of a DataFrame
            frame = args[arg].copy()
            frame[column] = fn(frame[column])
            args[arg] = frame
        else:
            args[arg] = fn(args[arg])
    else:
        label = kind
        args[arg] = corrupt(args[arg], kind, column)
    where = f"{arg}[{column}]" if column is not None else arg
    if spec.warns is not None:
        _, rec = run_quietly(target.call, args)
        hits = [r for r in rec if issubclass(r.category, spec.warns)]
        assert hits, f"{where}={label}: expected {spec.warns.__name__}; got {custvalue_warnings(rec)}"
        return
    try:
        out, rec = run_quietly(target.call, args)
    except spec.errors as exc:
        msg = str(exc)
        assert any(n in msg for n in names), (
            f"{where}={label}: {type(exc).__name__} does not name {names}: {msg}")
        return
    except Exception as exc:  # noqa: BLE001 - the point is to report it
        pytest.fail(f"{where}={label}: raw {type(exc).__name__} instead of a DataError naming "
                    f"{names}: {exc}")
    bad_paths = nonfinite_paths(out)
    if label == "huge" and (not bad_paths or custvalue_warnings(rec)):
        return  # huge but legal: finite outputs (or a documented warning), or a refusal
    pytest.fail(f"{where}={label}: accepted silently (no DataError); warnings "
                f"{custvalue_warnings(rec)}; non-finite outputs {bad_paths[:3]}")


def check_finite_output(target: Target, edge: str | None) -> None:
    """The valid call (or a valid edge) returns finite numbers, refuses with a documented
    error, or warns (custvalue warning) about the non-finite values it returns."""
    args = target.args()
    exempt = target.finite_exempt
    if edge is not None:
        fn = target.edges[edge]
        if isinstance(fn, tuple):  # (edge, why its output may hold NaN)
            fn, exempt = fn
        args = fn(args)
    try:
        out, rec = run_quietly(target.call, args)
    except DOCUMENTED_ERRORS as exc:
        if edge is None:
            raise AssertionError(f"the valid call raised {type(exc).__name__}: {exc}") from exc
        return
    bad_paths = nonfinite_paths(out)
    if bad_paths and not exempt:
        assert custvalue_warnings(rec), (
            f"{edge or 'valid call'}: silent NaN/inf in {bad_paths[:5]}")


def check_no_input(obj: Any) -> None:
    """Exceptions, warnings, constants and argument-free loaders."""
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        assert obj.__doc__, f"{obj.__name__} has no docstring"
        if issubclass(obj, Warning):
            assert issubclass(obj, UserWarning), f"{obj.__name__} must derive from UserWarning"
        else:
            assert issubclass(obj, ValueError), f"{obj.__name__} must derive from ValueError"
        return
    if inspect.isclass(obj):  # a type alias such as Transform = str
        return
    if callable(obj):
        params = [p for p in inspect.signature(obj).parameters.values()
                  if p.default is inspect.Parameter.empty
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert not params, f"{obj} takes arguments {params}: it needs targets, not 'no input'"
        out, _ = run_quietly(obj, {})
        assert not nonfinite_paths(out), f"{obj.__name__}() returns NaN/inf"
        return
    # constants: immutable containers or values, finite numbers
    assert not nonfinite_paths(obj)


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def bad_cases(catalogue: Mapping[str, Entry]) -> list[Any]:
    """pytest params: one per (entry, target, argument, bad value)."""
    out = []
    for key, entry in catalogue.items():
        for t in entry.targets:
            for arg, column, spec in t.bad_specs():
                where = f"{arg}[{column}]" if column is not None else arg
                for kind in spec.kinds:
                    label = kind[0] if isinstance(kind, tuple) else kind
                    out.append(pytest.param(t, arg, column, kind, spec,
                                            id=f"{key}:{t.label}:{where}={label}"))
    return out


def output_cases(catalogue: Mapping[str, Entry]) -> list[Any]:
    """pytest params: the valid call and each valid edge of every target."""
    out = []
    for key, entry in catalogue.items():
        for t in entry.targets:
            out.append(pytest.param(t, None, id=f"{key}:{t.label}:valid"))
            out += [pytest.param(t, e, id=f"{key}:{t.label}:{e}") for e in t.edges]
    return out


def counts(catalogue: Mapping[str, Entry]) -> dict[str, int]:
    """The numbers stated in docs/input_validation.md."""
    targets = [t for e in catalogue.values() for t in e.targets]
    return {
        "public objects": len(catalogue),
        "callable entry points": len(targets),
        "bad-input cases": sum(len(s.kinds) for t in targets for _, _, s in t.bad_specs()),
        "valid and edge calls": sum(1 + len(t.edges) for t in targets),
        "no-input entries": sum(e.kind == "no input" for e in catalogue.values()),
        "documented kernels": sum(bool(e.unchecked) for e in catalogue.values()),
    }
