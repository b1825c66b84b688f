"""docs/input_validation.md states the catalogue's numbers and the unchecked kernels: both are
compared with the catalogue here, so the page cannot go stale."""

import importlib
import re
from pathlib import Path

from ._framework import counts
from .catalogue import CATALOGUE, area

PAGE = Path(__file__).resolve().parents[2] / "docs" / "input_validation.md"
AREA_LABELS = {"top level, base, datasets, simulate, plotting, streaming, dask, report, cli": "misc"}


def _table(text: str) -> dict[str, int]:
    return {m.group(1).strip(): int(m.group(2).replace(",", ""))
            for m in re.finditer(r"^\| ([^|]+?) \| ([\d,]+) \|$", text, re.M)}


def test_page_numbers_equal_the_catalogue():
    rows = _table(PAGE.read_text(encoding="utf-8"))
    expected = counts(CATALOGUE)
    stated = {k: rows.get(k) for k in expected}
    assert stated == expected, f"update the table in {PAGE.name}: it says {stated}, the catalogue {expected}"
    by_area = {}
    for key, entry in CATALOGUE.items():
        n = sum(len(s.kinds) for t in entry.targets for _, _, s in t.bad_specs())
        by_area[area(key)] = by_area.get(area(key), 0) + n
    stated_areas = {AREA_LABELS.get(k, k): v for k, v in rows.items() if k not in expected}
    assert stated_areas == by_area, f"update the per-area table in {PAGE.name}: {stated_areas} vs {by_area}"


def test_page_lists_the_unchecked_kernels():
    text = PAGE.read_text(encoding="utf-8")
    listed = set()
    for m in re.finditer(r"^- `(custvalue\.(?:math|base)\.\w+)`: (.+)$", text, re.M):
        module, rest = m.group(1), m.group(2)
        if rest.startswith("every function"):
            listed |= {f"{module}.{n}" for n in importlib.import_module(module).__all__}
        else:
            listed |= {f"{module}.{n}" for n in re.findall(r"`(\w+)`", rest)}
    unchecked = {k for k, e in CATALOGUE.items() if e.unchecked}
    assert listed == unchecked, (f"{PAGE.name} lists unchecked kernels that check their inputs: "
                                 f"{sorted(listed - unchecked)}; and misses {sorted(unchecked - listed)}")


def test_checked_kernels_are_decorated():
    """Every math kernel with parameter rules in the catalogue checks exactly those parameters."""
    for key, entry in CATALOGUE.items():
        if area(key) != "math" or entry.unchecked:
            continue
        module, name = key.rsplit(".", 1)
        fn = getattr(importlib.import_module(module), name)
        rules = getattr(fn, "checked_params", None)
        named = {arg for t in entry.targets for arg, _, _ in t.bad_specs()}
        assert rules is not None and set(rules) == named, (
            f"{key}: the kernel checks {sorted(rules or {})}, the catalogue corrupts {sorted(named)}")
