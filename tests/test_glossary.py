"""Every public signature speaks the glossary (``docs/glossary.md``).

The public callables are the objects of every ``__all__`` (``tests/bad_input/_public.py``):
functions, constructors of classes, and the public methods of those classes (including
inherited custvalue methods). Each parameter name (``self``/``cls`` and ``*args``/``**kwargs``
aside) must be

* a term of a ``{glossary}`` block of ``docs/glossary.md`` (shared words and model parameters),
  or
* a row of the tables in its final section, "Other argument names", each with a meaning.

Names in :data:`RETIRED` must not appear in a public signature outside ``custvalue.math``
(kernels use the papers' notation). Signatures are read with :func:`inspect.signature`, so a
function wrapped by :func:`custvalue._deprecation.renamed_arguments` shows its new names.
"""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path

import pytest

from tests.bad_input._public import public_objects

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
OTHER_SECTION = "## Other argument names"

# Retired names -> what to use instead. Checked in public signatures outside custvalue.math.
RETIRED = {
    "customer_id": "customer_col= (customer_id is only the index name)",
    "datetime": "date_col=",
    "customer": "customer_col=",
    "draws": "n_draws= for a number of draws (an array of draws keeps the name draws)",
    "clv_horizon": "horizon= (or months= where clv() takes months)",
    "m_periods_in_future": "horizon=",
    "t": "horizon= (t is a period index, never a horizon)",
}

# `t` as a period index of the sBG (S(t), the churn probability and retention rate of period t,
# survivors at t; Fader & Hardie 2007), not a horizon: allowed.
T_AS_PERIOD = {
    "custvalue.clv.ShiftedBetaGeometricResults.churn_probability",
    "custvalue.clv.ShiftedBetaGeometricResults.expected_survivors",
    "custvalue.clv.ShiftedBetaGeometricResults.retention_rate",
    "custvalue.clv.ShiftedBetaGeometricResults.survival",
}

# To be emptied when issue 17's renames merge: (public callable, retired parameter) pairs that
# still exist on this branch. An entry that is no longer used fails the test, so the list only
# shrinks.
PENDING_RENAMES = {
    ("custvalue.potential.MultivariateProbit", "customer_id"),
}


def glossary_terms(text: str) -> set[str]:
    """Terms of the ``{glossary}`` blocks: the unindented lines inside each block."""
    terms = set()
    for block in re.findall(r"```\{glossary\}\n(.*?)```", text, flags=re.S):
        terms |= {line.strip() for line in block.splitlines() if line.strip() and not line[0].isspace()}
    return terms


def other_names(text: str) -> dict[str, str]:
    """``name -> meaning`` from the tables of the final section (rows ``| `name` | meaning |``)."""
    _, found, section = text.partition(OTHER_SECTION)
    assert found, f"docs/glossary.md has no section {OTHER_SECTION!r}"
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `([^`]+)` \|(.*)\|\s*$", section, flags=re.M)}


@functools.cache
def known_names() -> frozenset[str]:
    text = GLOSSARY.read_text(encoding="utf-8")
    return frozenset(glossary_terms(text) | set(other_names(text)))


def _unwrap(obj):
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    return getattr(obj, "py_func", obj)  # numba dispatchers


def _parameters(func) -> list[inspect.Parameter]:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.name not in ("self", "cls")
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


@functools.cache
def signatures() -> dict[str, list[inspect.Parameter]]:
    """``qualified callable -> parameters`` for every public function, constructor and method."""
    out = {}
    for name, obj in public_objects().items():
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            out[name] = _parameters(obj)
            for attr, member in inspect.getmembers(obj):
                if attr.startswith("_"):
                    continue
                raw = inspect.getattr_static(obj, attr)
                if isinstance(raw, property) or inspect.isclass(member) or not callable(member):
                    continue
                if not (getattr(member, "__module__", None) or "").startswith("custvalue"):
                    continue  # inherited from pandas, the standard library, ...
                out[f"{name}.{attr}"] = _parameters(_unwrap(raw) if isinstance(raw, (classmethod, staticmethod))
                                                    else member)
        elif callable(obj):
            out[name] = _parameters(_unwrap(obj))
    return out


def _is_kernel(qualname: str) -> bool:
    return qualname.startswith("custvalue.math.")


def _retired(qualname: str, param: inspect.Parameter) -> bool:
    name = param.name
    if name not in RETIRED or _is_kernel(qualname):
        return False
    if name == "t":
        return qualname not in T_AS_PERIOD
    if name == "draws":  # only a number of draws is retired
        default_is_int = isinstance(param.default, int) and not isinstance(param.default, bool)
        return "int" in str(param.annotation) or default_is_int
    return True


def retired_uses() -> set[tuple[str, str]]:
    return {(qualname, p.name) for qualname, params in signatures().items() for p in params
            if _retired(qualname, p)}


def test_the_enumeration_sees_functions_constructors_and_methods():
    sigs = signatures()
    assert "horizon" in {p.name for p in sigs["custvalue.clv.BetaGeoResults.expected_purchases"]}
    assert "customer_col" in {p.name for p in sigs["custvalue.rfm_summary"]}
    assert "data" in {p.name for p in sigs["custvalue.clv.BetaGeo"]}
    assert "level" in {p.name for p in sigs["custvalue.clv.BetaGeoResults.conf_int"]}
    assert "x" in {p.name for p in sigs["custvalue.math.betageo.loglike"]}


def test_the_glossary_parser_reads_terms_and_the_other_names():
    text = GLOSSARY.read_text(encoding="utf-8")
    assert {"frequency", "recency", "T", "horizon", "level", "r", "alpha", "delta"} <= glossary_terms(text)
    other = other_names(text)
    assert "n_boot" in other and all(other.values()), "every row needs a meaning"


def test_every_parameter_name_is_in_the_glossary():
    unknown: dict[str, list[str]] = {}
    for qualname, params in signatures().items():
        for p in params:
            if p.name not in known_names() and not _retired(qualname, p) and p.name not in RETIRED:
                unknown.setdefault(p.name, []).append(qualname)
    lines = [f"  {name}: {', '.join(sorted(where)[:4])}" for name, where in sorted(unknown.items())]
    assert not unknown, ("parameter names missing from docs/glossary.md (use a glossary word, or add a row with "
                         f"its meaning to {OTHER_SECTION!r}):\n" + "\n".join(lines))


def test_no_other_name_duplicates_a_glossary_term():
    text = GLOSSARY.read_text(encoding="utf-8")
    both = glossary_terms(text) & set(other_names(text))
    assert not both, f"defined twice in docs/glossary.md (one meaning each): {sorted(both)}"


def test_retired_names_are_gone():
    uses = retired_uses()
    new = uses - PENDING_RENAMES
    assert not new, "public signatures use retired names:\n" + "\n".join(
        f"  {qualname}({name}=...): use {RETIRED[name]}" for qualname, name in sorted(new))


def test_pending_renames_are_still_pending():
    done = PENDING_RENAMES - retired_uses()
    assert not done, ("renamed already; remove from PENDING_RENAMES in tests/test_glossary.py:\n"
                      + "\n".join(f"  {entry}" for entry in sorted(done)))


def test_retired_names_are_not_glossary_rows():
    assert not set(RETIRED) & set(other_names(GLOSSARY.read_text(encoding="utf-8"))) - {"draws", "t"}


@pytest.mark.parametrize("name", ["customer", "datetime", "clv_horizon"])
def test_the_retired_check_flags_a_planted_use(name):
    param = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
    assert _retired("custvalue.example.function", param)
    assert not _retired("custvalue.math.example.kernel", param)


def test_draws_and_t_are_retired_only_in_their_old_meaning():
    count = inspect.Parameter("draws", inspect.Parameter.KEYWORD_ONLY, default=100, annotation="int")
    array = inspect.Parameter("draws", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="np.ndarray")
    t = inspect.Parameter("t", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    assert _retired("custvalue.example.f", count) and not _retired("custvalue.example.f", array)
    assert _retired("custvalue.clv.BetaGeoResults.expected_purchases", t)
    assert not _retired("custvalue.clv.ShiftedBetaGeometricResults.survival", t)
