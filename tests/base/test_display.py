"""Jupyter display of every public results object (issue 20, part 4).

Each results class has a short one-line text ``repr`` and an ``_repr_html_`` that renders its
``summary()`` tables: the HTML is checked to be well formed with :mod:`html.parser`, and every
row label and every number of every table is looked up among the HTML cells, formatted as the
text summary formats it (6 significant digits). Display must not break pickling or immutability.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import pickle
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from custvalue.base import LikelihoodResults, Summary
from custvalue.exceptions import DataError
from tests.bad_input import _data as D
from tests.bad_input import catalogue_loyalty as CL
from tests.bad_input import catalogue_potential as CP
from tests.bad_input import catalogue_segment as CG
from tests.bad_input import catalogue_switching as CS
from tests.bad_input._public import public_objects

SEM_SPEC = "S =~ CUSA1 + CUSA2 + CUSA3\nL =~ CUSL1 + CUSL2 + CUSL3\nL ~ S"


def _lr():
    from custvalue.base.lrtest import LRTestResult

    return LRTestResult.from_loglikelihoods(-105.0, -100.0, df=2)


def _jn():
    from custvalue.loyalty import johnson_neyman

    return johnson_neyman(CL.ols(), "sat", "sc")


def _sem():
    from custvalue.loyalty import fit_sem

    return fit_sem(SEM_SPEC, CL.pls_data())


def _trust():
    from custvalue.segment import trust_vs_satisfaction

    return trust_vs_satisfaction(CG._trust_survey(), seed=2)


def _pyramid():
    from custvalue.segment import pyramid_summary

    return pyramid_summary(CG.values())


def _conformance_fit(model_name: str):
    """A results object fitted by the conformance suite's factory of ``model_name``."""
    def fit():
        from tests.test_conformance import FACTORIES as MODELS

        model, data, _ = MODELS[model_name]()
        return model.fit(**data)
    return fit


FACTORIES = {
    "BetaGeoResults": lambda: D.fitted("bg"), "GammaGammaResults": lambda: D.fitted("gg"),
    "ShiftedBetaGeometricResults": lambda: D.fitted("sbg"), "ParetoNBDResults": lambda: D.fitted("pnbd"),
    "ModifiedBetaGeoResults": lambda: D.fitted("mbg"), "BetaGeoBetaBinomResults": lambda: D.fitted("bgbb"),
    "TransitionMatrixResults": D.transition_results, "LRTestResult": _lr,
    "LoyaltyRegressionResults": CL.ols, "JohnsonNeymanResult": _jn, "PLSResults": CL.pls_fit,
    "PLSBootstrapResults": CL.pls_boot, "PathAnalysisResults": CL.path_fit, "SEMResults": _sem,
    "MultivariateProbitResults": CP.fitted, "PyramidSummary": _pyramid,
    "TrustSatisfactionComparison": _trust, "StateDependenceResults": CS.sd_fit, "ShyResults": CS.shy,
    "BrandSwitchingResults": CS.brand_fit, "BarrierIndex": CS.barriers,
    "ParetoNBDTimeVaryingResults": _conformance_fit("ParetoNBDTimeVarying"),
    "ModifiedBetaGeoCNBDResults": _conformance_fit("ModifiedBetaGeoCNBD"),
    "BetaGeoCNBDResults": _conformance_fit("BetaGeoCNBD"),
    "GammaGompertzNBDResults": _conformance_fit("GammaGompertzNBD"),
}


def results_classes() -> dict[str, type]:
    """Public classes named ``...Result(s)`` or with a ``summary()`` method (the base
    ``LikelihoodResults`` is covered through its subclasses)."""
    return {obj.__name__: obj for obj in public_objects().values()
            if inspect.isclass(obj) and obj is not LikelihoodResults and obj is not Summary
            and (obj.__name__.endswith(("Result", "Results")) or callable(getattr(obj, "summary", None)))}


_CACHE: dict[str, object] = {}


def instance(name: str):
    if name not in _CACHE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small fits warn (e.g. few draws); display is what is tested
            _CACHE[name] = FACTORIES[name]()
    return _CACHE[name]


class _Cells(HTMLParser):
    """Text of every element, and a check that every end tag closes the innermost open one."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "col", "area", "base", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def parse(text: str) -> _Cells:
    p = _Cells()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors
    assert not p.stack, f"unclosed tags {p.stack}"
    return p


def summary_of(obj) -> Summary:
    return obj.summary() if callable(getattr(obj, "summary", None)) else obj._summary()


def test_every_results_class_has_a_factory():
    assert set(results_classes()) == set(FACTORIES)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_repr_is_one_short_line(name):
    r = repr(instance(name))
    assert "\n" not in r and 0 < len(r) <= 120, r
    assert type(instance(name)).__name__ in r


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_html_is_well_formed_and_holds_every_label_and_number(name):
    obj = instance(name)
    text = obj._repr_html_()
    cells = set(parse(text).texts)
    summ = summary_of(obj)
    assert summ.title in cells
    for label, value in summ.info:
        assert str(label) in cells and (f"{value:.6g}" if isinstance(value, float) else str(value)) in cells
    for _, table in summ.tables:
        for level in range(table.index.nlevels):
            assert {str(v) for v in table.index.get_level_values(level)} <= cells, table.index
        for col in table.columns:
            assert str(col) in cells
            if pd.api.types.is_float_dtype(table[col]):
                want = {f"{v:.6g}" for v in table[col] if math.isfinite(v)}
                assert want <= cells, (col, sorted(want - cells)[:5])


@pytest.mark.parametrize("name", sorted(n for n in FACTORIES if issubclass(results_classes()[n], LikelihoodResults)))
def test_likelihood_results_html_shows_each_parameter_and_its_estimate(name):
    obj = instance(name)
    cells = set(parse(obj._repr_html_()).texts)
    for param, est in obj.params.items():
        assert str(param) in cells and f"{est:.6g}" in cells
    assert f"{obj.llf:.6g}" in repr(obj) and f"converged={obj.converged}" in repr(obj)


def test_results_without_summary_show_their_numbers():
    lr = instance("LRTestResult")
    cells = set(parse(lr._repr_html_()).texts)
    assert {f"{lr.statistic:.6g}", f"{lr.pvalue:.6g}", str(lr.df)} <= cells
    jn = instance("JohnsonNeymanResult")
    cells = set(parse(jn._repr_html_()).texts)
    assert {jn.significant, f"{jn.share_significant:.6g}"} <= cells
    assert all(f"{b:.6g}" in repr(jn) for b in jn.bounds)
    sem = instance("SEMResults")
    cells = set(parse(sem._repr_html_()).texts)
    assert set(sem.paths.index) <= cells and {f"{v:.6g}" for v in sem.paths} <= cells


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_display_keeps_pickling_and_immutability(name):
    obj = instance(name)
    obj._repr_html_()
    if name == "SEMResults":
        # semopy's fitted Model holds local lambdas and never pickled (before display, too);
        # everything custvalue adds does
        with pytest.raises((AttributeError, pickle.PicklingError), match="local object"):
            pickle.dumps(obj)
        obj = dataclasses.replace(obj, model=None)
    back = pickle.loads(pickle.dumps(obj))
    assert repr(back) == repr(obj)
    attr = next(iter(vars(obj))) if hasattr(obj, "__dict__") else "x"
    with pytest.raises(AttributeError):
        setattr(obj, attr, None)


def test_html_escapes_text():
    s = Summary("a <b> & c", [("x<y", "<script>")], [("T&T", pd.DataFrame({"<col>": [1.5]}, index=["S -> L"]))],
                ["p < 0.05"])
    out = s.as_html()
    assert "<script>" not in out and "<b>" not in out.replace("<b>T&amp;T</b>", "")
    cells = set(parse(out).texts)
    assert {"a <b> & c", "x<y", "<script>", "T&T", "<col>", "S -> L", "1.5", "Note: p < 0.05"} <= cells


def test_as_line_cuts_long_lines_and_refuses_bad_width():
    s = Summary("R", [(f"p{i}", float(i) + 0.123456789) for i in range(40)])
    line = s.as_line()
    assert len(line) == 120 and line.endswith("...>") and line.startswith("<R: p0=0.123457, p1=1.12346")
    assert Summary("R", [("a", 1)]).as_line(width=10) == "<R: a=1>"
    assert Summary("R", [("a", "two\nlines")]).as_line() == "<R: a=two lines>"
    for bad in (5, 12.5, True, "80"):
        with pytest.raises(DataError, match="width"):
            s.as_line(width=bad)


def test_as_line_numbers_match_the_text_summary():
    res = instance("BetaGeoResults")
    text = res.summary().as_text()
    assert f"{res.llf:.6g}" in text and f"llf={res.llf:.6g}" in repr(res)
    assert np.isclose(float(repr(res).split("llf=")[1].split(",")[0]), res.llf, rtol=1e-5)
