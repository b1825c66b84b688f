"""The path diagram (issue 20 part 3): layers by longest chain of paths (checked against the
model's structure written out by hand and against a brute-force enumeration of chains), and
the drawn boxes, coefficients and R² equal the fitted results."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from custvalue.exceptions import DataError  # noqa: E402
from custvalue.loyalty import load_ecsi_synthetic, path_analysis, path_layout, plot_path_diagram, plspm  # noqa: E402

ECSI = """IMAG =~ IMAG1 + IMAG2 + IMAG3; EXPE =~ CUEX1 + CUEX2 + CUEX3; QUAL =~ PERQ1 + PERQ2 + PERQ3
VAL =~ PERV1 + PERV2; SAT =~ CUSA1 + CUSA2 + CUSA3; LOY =~ CUSL1 + CUSL2 + CUSL3
EXPE ~ IMAG; QUAL ~ EXPE; VAL ~ EXPE + QUAL; SAT ~ IMAG + EXPE + QUAL + VAL; LOY ~ SAT + IMAG"""


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ecsi():
    return plspm(ECSI, load_ecsi_synthetic())


def longest_chain(edges: list[tuple[str, str]], node: str, nodes: list[str]) -> int:
    """Brute force: the most arrows on any simple chain of edges that ends at ``node``."""
    best = 0
    for k in range(1, len(nodes)):
        for chain in itertools.permutations(nodes, k + 1):
            if chain[-1] == node and all((a, b) in edges for a, b in zip(chain, chain[1:])):
                best = max(best, k)
    return best


def test_layers_of_the_ecsi_model(ecsi):
    layout = path_layout(ecsi)
    assert layout["layer"].to_dict() == {"IMAG": 0, "EXPE": 1, "QUAL": 2, "VAL": 3, "SAT": 4, "LOY": 5}
    pd.testing.assert_series_equal(layout["r2"].dropna(), ecsi.r2.rename("r2").rename_axis("construct"),
                                   check_names=False)
    assert np.isnan(layout.loc["IMAG", "r2"])


def test_layers_equal_the_longest_chain_by_enumeration():
    rng = np.random.default_rng(5)
    n = 400
    d = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    d["c"] = d.a + rng.normal(size=n)
    d["e"] = d.b + d.c + rng.normal(size=n)
    d["f"] = d.a + d.e + rng.normal(size=n)
    res = path_analysis("c ~ a; e ~ b + c; f ~ a + e", d)
    layout = path_layout(res)
    edges = [tuple(str(k).split(" -> ")) for k in res.paths.index]
    nodes = list(layout.index)
    assert {v: longest_chain(edges, v, nodes) for v in nodes} == layout["layer"].to_dict()
    # two constructs share layer 0: spaced evenly; every arrow points to the right
    assert sorted(layout.loc[["a", "b"], "y"]) == pytest.approx([1 / 3, 2 / 3])
    assert all(layout.loc[t, "x"] > layout.loc[s, "x"] for s, t in edges)


def test_diagram_draws_each_path_coefficient_and_r2_at_the_layout(ecsi):
    layout = path_layout(ecsi)
    fig, ax = plt.subplots()
    assert plot_path_diagram(ecsi, ax=ax) is ax
    boxes = {t.get_text().split("\n")[0]: t for t in ax.texts if t.get_bbox_patch() is not None
             and t.get_text()[0].isalpha()}
    assert set(boxes) == set(layout.index)
    for name, t in boxes.items():
        assert t.get_position() == pytest.approx((layout.loc[name, "x"], layout.loc[name, "y"]))
        want = name if name == "IMAG" else f"{name}\nR² = {ecsi.r2[name]:.2f}"
        assert t.get_text() == want
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(ecsi.paths)
    coef_texts = [t.get_text() for t in ax.texts if t.get_text() not in {b.get_text() for b in boxes.values()}]
    assert coef_texts == [f"{v:.2f}" for v in ecsi.paths]
    assert ax.get_xlabel() and ax.get_title()


def test_layout_refuses_other_objects_and_cycles():
    with pytest.raises(DataError, match="path model"):
        path_layout(pd.Series([0.5], index=["a -> b"]))

    class Cyclic:
        paths = pd.Series([0.3, 0.2], index=["a -> b", "b -> a"])
        r2 = pd.Series([0.1, 0.1], index=["a", "b"])

    with pytest.raises(DataError, match="cycle"):
        path_layout(Cyclic())
