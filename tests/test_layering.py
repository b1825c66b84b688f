"""The layering rule ``math -> base -> packages``, checked on the parsed imports of every module.

* **Leaf modules** (``custvalue.exceptions``, ``custvalue._validation``, ``custvalue._deprecation``)
  import nothing from custvalue except each other.
* ``custvalue.math`` (pure kernels) imports only ``custvalue.math`` and the leaf modules.
* ``custvalue.base`` (model and results machinery) imports only ``custvalue.base``,
  ``custvalue.math`` and the leaf modules.
* The packages on top (``clv``, ``potential``, ``loyalty``, ``switching``, ``segment``, ...) may
  import anything below them, but no module imports a private name (``_x``) or a private module
  from another package. The leaf modules are the shared exception: they are private to the
  library as a whole, not to one package.

Every ``import`` and ``from ... import`` counts, at module level or inside a function, relative
imports resolved. See CONTRIBUTING.md.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "custvalue"

LEAF_MODULES = frozenset({"custvalue.exceptions", "custvalue._validation", "custvalue._deprecation"})

# Cross-package imports of private names that exist today, as (importing module, private name or
# private module). Each is a contract that should become public or move; the list only shrinks
# (test_the_allow_list_only_shrinks).
ALLOWED_PRIVATE_IMPORTS = {
    # day arithmetic shared by rfm_summary and its dask twin.
    ("custvalue.dask", "_days"): "custvalue.rfm._days",
    ("custvalue.dask", "_as_day"): "custvalue.rfm._as_day",
    # the report warms and sizes the parallel kernels.
    ("custvalue.report._run", "_jit"): "custvalue.math._jit (PARALLEL_MIN_SIZE, ParallelKernel, cache_is_warm)",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    """``custvalue.clv.betageo`` -> ``custvalue.clv``; leaf and top-level modules are their own layer."""
    if module in LEAF_MODULES:
        return module
    parts = module.split(".")
    return ".".join(parts[:2])


@functools.cache
def imports() -> dict[str, list[tuple[str, str | None, int]]]:
    """``module -> [(imported module, imported name or None, line)]`` for the custvalue imports."""
    out: dict[str, list[tuple[str, str | None, int]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [(alias.name, None, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found += [(target, alias.name, node.lineno) for alias in node.names]
        out[module] = [(t, n, ln) for t, n, ln in found if t == "custvalue" or t.startswith("custvalue.")]
    return out


def _targets(target: str, name: str | None) -> str:
    """The module an import reaches: ``from custvalue.math import betageo`` reaches the submodule."""
    if name is not None and (PACKAGE.parent / (target + "." + name).replace(".", "/")).with_suffix(".py").exists():
        return f"{target}.{name}"
    if name is not None and (PACKAGE.parent / (target + "." + name).replace(".", "/") / "__init__.py").exists():
        return f"{target}.{name}"
    return target


def _violations(allowed_layers) -> list[str]:
    bad = []
    for module, found in imports().items():
        for target, name, line in found:
            reached = _layer(_targets(target, name))
            if reached != _layer(module) and not allowed_layers(module, reached):
                bad.append(f"{module}:{line} imports {target}" + (f".{name}" if name else "") + f" ({reached})")
    return bad


def test_the_parser_sees_the_imports():
    found = imports()
    assert ("custvalue.math", "betageo") in {(t, n) for t, n, _ in found["custvalue.clv.betageo"]} or any(
        t == "custvalue.math.betageo" for t, _, _ in found["custvalue.clv.betageo"])
    assert any(t == "custvalue.exceptions" for t, _, _ in found["custvalue._validation"])
    assert len(found) > 50


def test_leaf_modules_import_only_each_other():
    def allowed(module, reached):
        return module not in LEAF_MODULES or reached in LEAF_MODULES

    bad = [v for v in _violations(allowed) if v.split(":")[0] in LEAF_MODULES]
    assert not bad, "leaf modules import the rest of the library:\n" + "\n".join(bad)


def test_math_imports_only_leaf_modules():
    def allowed(module, reached):
        return reached in LEAF_MODULES

    bad = [v for v in _violations(allowed) if _layer(v.split(":")[0]) == "custvalue.math"]
    assert not bad, "custvalue.math must stay pure (math -> base -> packages):\n" + "\n".join(bad)


def test_base_imports_only_math_and_leaf_modules():
    def allowed(module, reached):
        return reached in LEAF_MODULES or reached == "custvalue.math"

    bad = [v for v in _violations(allowed) if _layer(v.split(":")[0]) == "custvalue.base"]
    assert not bad, "custvalue.base may import only custvalue.math and the leaf modules:\n" + "\n".join(bad)


def _private_piece(target: str, name: str | None) -> str | None:
    """The first private component of an import (a ``_module`` or a ``_name``), dunders excepted."""
    for part in target.split(".")[1:] + ([name] if name else []):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            return part
    return None


def private_imports() -> dict[tuple[str, str], str]:
    """Cross-package imports of a private name or module: ``(module, piece) -> 'module:line target'``."""
    out = {}
    for module, found in imports().items():
        for target, name, line in found:
            reached = _layer(_targets(target, name))
            if reached == _layer(module) or reached in LEAF_MODULES:
                continue
            piece = _private_piece(target, name)
            if piece is not None:
                out[(module, piece)] = f"{module}:{line} imports {target}" + (f".{name}" if name else "")
    return out


def test_no_private_names_across_packages():
    new = {key: where for key, where in private_imports().items() if key not in ALLOWED_PRIVATE_IMPORTS}
    assert not new, ("a module imports a private name or module of another package; make it public (or move "
                     "it to a leaf module):\n" + "\n".join(sorted(new.values())))


def test_the_checker_flags_a_private_import(monkeypatch):
    """The checker is not vacuous: a planted cross-package private import and a math -> clv
    import are both reported."""
    fake = dict(imports())
    fake["custvalue.math.fake"] = [("custvalue.clv.betageo", "BetaGeo", 1)]
    fake["custvalue.potential.fake"] = [("custvalue.clv._predict", "something", 2)]
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: fake)
    assert ("custvalue.potential.fake", "_predict") in private_imports()
    bad = _violations(lambda module, reached: reached in LEAF_MODULES)
    assert any(v.startswith("custvalue.math.fake:1") for v in bad)


def test_the_allow_list_only_shrinks():
    fixed = sorted(set(ALLOWED_PRIVATE_IMPORTS) - set(private_imports()))
    assert not fixed, ("no longer imported across packages; remove from ALLOWED_PRIVATE_IMPORTS in "
                       f"tests/test_layering.py: {fixed}")
