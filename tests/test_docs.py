"""The documentation builds strictly and contains the whole public API and every notebook.

One test (so that a single process writes the generated sources under ``docs/``): Sphinx
builds ``docs/`` into a temporary directory with ``-W --keep-going`` (any warning fails:
docstring markup errors, broken toctrees, a committed notebook with an error output or
unexecuted cells, which ``docs/conf.py`` turns into warnings). The notebooks are rendered from
their committed outputs, not executed (``tests/test_notebooks.py`` executes them). Then every
public name of every package's ``__all__`` must have its page in the API reference, and every
notebook in ``notebooks/`` its rendered page.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _api_units():
    spec = importlib.util.spec_from_file_location("_custvalue_docs_apigen", DOCS / "_apigen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.api_units()


def test_docs_build_strict(tmp_path):
    out = tmp_path / "html"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-j", "1", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    problems = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 0, (
        f"the docs build failed (exit {proc.returncode}) with {len(problems)} warning/error lines:\n"
        + "\n".join(problems[-200:]))

    missing = [f"{module}.{name}" for module, names in _api_units() for name in names
               if not (out / "api" / "generated" / f"{module}.{name}.html").exists()]
    assert not missing, f"public names without an API reference page: {missing}"

    for page in ("index", "getting_started", "glossary", "benchmarks", "api/index", "notebooks/index",
                 "models/clv", "models/potential", "models/loyalty", "models/switching", "models/segment"):
        assert (out / f"{page}.html").exists(), f"docs page {page} was not built"
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    unrendered = [nb.name for nb in notebooks if not (out / "notebooks" / f"{nb.stem}.html").exists()]
    assert not unrendered, f"notebooks not rendered in the docs: {unrendered}"
    if (DOCS / "scale.md").exists():
        assert (out / "scale.html").exists(), "docs/scale.md exists but was not built"

    # the gallery (docs/plots.md): one figure per model family, each drawn under its own name
    # (a plot directive without :filename-prefix: inside a MyST eval-rst block overwrites the others)
    prefixes = re.findall(r"^\s*:filename-prefix: (\S+)$", (DOCS / "plots.md").read_text(encoding="utf-8"), re.M)
    assert {"gallery-btyd", "gallery-retention-markov", "gallery-segment", "gallery-loyalty", "gallery-potential",
            "gallery-switching"} <= set(prefixes)
    plots_page = (out / "plots.html").read_text(encoding="utf-8")
    undrawn = [p for p in prefixes
               if not (out / "_images" / f"{p}.png").exists() or f"_images/{p}.png" not in plots_page]
    assert not undrawn and len(set(prefixes)) == len(prefixes), f"gallery figures not drawn: {undrawn}"

    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    terms = ["frequency", "recency", "horizon", "n_periods", "monetary_value", "discount_rate", "level",
             "seed", "rng", "customer_id", "weights", "T",
             "r", "alpha", "a", "b", "s", "beta", "p", "q", "gamma", "delta"]
    absent = [t for t in terms if f'id="term-{t}"' not in glossary]
    assert not absent, f"glossary terms missing: {absent}"


def test_every_plot_function_is_on_the_plots_page():
    """docs/plots.md lists every public name of custvalue.plotting (issue 20 item 5)."""
    import custvalue.plotting

    page = (DOCS / "plots.md").read_text(encoding="utf-8")
    missing = [name for name in custvalue.plotting.__all__ if f"custvalue.plotting.{name}`" not in page]
    assert not missing, f"plotting functions without an entry in docs/plots.md: {missing}"
