"""Build-time generators for the documentation (used by ``docs/conf.py`` and the tests).

* :func:`api_units` lists the public API from each package's ``__all__``, so a name another
  engineer adds to a subpackage appears in the reference at the next build.
* :func:`write_api_pages` writes one autosummary page per unit into ``docs/api/``.
* :func:`copy_notebooks` copies the committed notebooks (with their outputs) into
  ``docs/notebooks/``; they are rendered, never executed, by myst-nb.
* :func:`write_benchmarks` copies ``benchmarks/results/results.md`` for inclusion.

Everything written here lives in paths listed in ``docs/.gitignore``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

#: Order of the reference pages; units not named here follow alphabetically.
ORDER = [
    "custvalue", "custvalue.clv", "custvalue.markov", "custvalue.potential", "custvalue.loyalty", "custvalue.switching",
    "custvalue.segment", "custvalue.simulate", "custvalue.datasets", "custvalue.rfm",
    "custvalue.streaming", "custvalue.dask", "custvalue.report", "custvalue.plotting",
    "custvalue.base", "custvalue.exceptions", "custvalue.cli",
]


def _public(module) -> list[str]:
    """Names in ``module.__all__`` that are not modules (subpackages get their own page)."""
    return [n for n in module.__all__ if not inspect.ismodule(getattr(module, n))]


def api_units() -> list[tuple[str, list[str]]]:
    """The public API as ``[(module name, [public names])]``.

    The top-level ``custvalue`` namespace, then every non-underscore module or subpackage of
    ``custvalue`` that declares ``__all__``; a subpackage without ``__all__`` (such as
    ``custvalue.math``) contributes a page of its own (no names) and its non-underscore
    submodules that declare one.
    An import error propagates: a package that does not import cannot be documented.
    """
    import custvalue

    units = {"custvalue": _public(custvalue)}
    for info in pkgutil.iter_modules(custvalue.__path__, "custvalue."):
        short = info.name.rsplit(".", 1)[-1]
        if short.startswith("_"):
            continue
        mod = importlib.import_module(info.name)
        if hasattr(mod, "__all__"):
            units[info.name] = _public(mod)
        elif info.ispkg:
            units[info.name] = []  # a page with the package docstring, then one per submodule
            for sub in pkgutil.iter_modules(mod.__path__, info.name + "."):
                if sub.name.rsplit(".", 1)[-1].startswith("_"):
                    continue
                submod = importlib.import_module(sub.name)
                if hasattr(submod, "__all__"):
                    units[sub.name] = _public(submod)
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(units.items(), key=lambda kv: (rank.get(kv[0], len(ORDER)), kv[0]))


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _first_line(module_name: str) -> str:
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def write_api_pages(units: list[tuple[str, list[str]]] | None = None) -> list[str]:
    """Write ``docs/api/index.rst`` and one autosummary page per unit; remove stale pages.

    Returns the list of fully qualified public names documented.
    """
    units = api_units() if units is None else units
    api = DOCS / "api"
    api.mkdir(exist_ok=True)
    expected_pages = {"index.rst"}
    documented = []
    index = ["API reference", "=============", "",
             "Generated at build time from each package's ``__all__``: every public name has a",
             "page built from its numpydoc docstring.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    for module, names in units:
        page = f"{module}.rst"
        expected_pages.add(page)
        index.append(f"   {module}")
        lines = [module, "=" * len(module), "",
                 f".. automodule:: {module}", "   :no-members:", "",
                 f".. currentmodule:: {module}", ""]
        if names:
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in names]
            lines.append("")
        documented += [f"{module}.{n}" for n in names]
        _write_if_changed(api / page, "\n".join(lines))
    _write_if_changed(api / "index.rst", "\n".join(index) + "\n")
    for stale in api.glob("*.rst"):
        if stale.name not in expected_pages:
            stale.unlink()
    generated = api / "generated"
    if generated.exists():
        keep = set(documented)
        for stub in generated.glob("*.rst"):
            if stub.stem not in keep:
                stub.unlink()
    return documented


def copy_notebooks() -> list[str]:
    """Copy ``notebooks/*.ipynb`` into ``docs/notebooks/`` and write its index page.

    Returns the problems found in the committed notebooks (unexecuted code cells, error
    outputs), which the build turns into warnings.
    """
    src = ROOT / "notebooks"
    dst = DOCS / "notebooks"
    dst.mkdir(exist_ok=True)
    notebooks = sorted(src.glob("*.ipynb"))
    problems = []
    for nb in notebooks:
        text = nb.read_text(encoding="utf-8")
        cells = json.loads(text).get("cells", [])
        code = [c for c in cells if c.get("cell_type") == "code" and "".join(c.get("source", "")).strip()]
        if any(c.get("execution_count") is None for c in code):
            problems.append(f"notebooks/{nb.name} has code cells that were not executed")
        if any(o.get("output_type") == "error" for c in code for o in c.get("outputs", [])):
            problems.append(f"notebooks/{nb.name} was committed with an error output")
        _write_if_changed(dst / nb.name, text)
        for asset in nb.parent.glob(nb.stem + "_files"):
            if asset.is_dir():
                shutil.copytree(asset, dst / asset.name, dirs_exist_ok=True)
    names = {nb.name for nb in notebooks}
    for stale in dst.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    lines = ["# Notebooks", "",
             "The notebooks in `notebooks/` retell the source texts' arguments with custvalue's",
             "fitted models. They are rendered here with the outputs committed from a full run",
             "(the docs build never executes them; the test suite runs them at small sizes with",
             "`CI=true`). Each ends with what the evidence says, including where it does not",
             "support the claim.", ""]
    if notebooks:
        lines += ["```{toctree}", ":maxdepth: 1", ""] + [nb.stem for nb in notebooks] + ["```", ""]
    else:
        lines += ["No notebook has been committed yet.", ""]
    _write_if_changed(dst / "index.md", "\n".join(lines))
    return problems


def write_benchmarks() -> None:
    """Copy the latest benchmark table into ``docs/generated/benchmarks_results.md``."""
    results = ROOT / "benchmarks" / "results" / "results.md"
    if results.exists():
        text = results.read_text(encoding="utf-8")
    else:
        text = ("# Benchmark results\n\nNo results table yet: run `make bench` "
                "(`python -m benchmarks.run`) to write `benchmarks/results/results.md`.\n")
    _write_if_changed(DOCS / "generated" / "benchmarks_results.md", text)
