"""Catalogue of the top level (rfm_summary, exceptions), custvalue.base, datasets, simulate,
plotting, streaming, dask, rfm, rfm_files, report and cli."""

from __future__ import annotations

import contextlib
import io
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

import custvalue
import custvalue.cli
import custvalue.dask
import custvalue.report
from custvalue import base as B
from custvalue import plotting, rfm, rfm_files, simulate, streaming
from custvalue.base import identification as ident
from custvalue.base import transforms as tr
from custvalue.exceptions import DataError

from . import _data as D
from ._framework import NUMBER, NUMERIC, Entry, Target, bad, function, no_input, one_row, replaced

SEED = ("text", "fraction", "negative")
COUNT = ("nan", "negative", "zero", "fraction", "text", "none")
SHAPE = ("nan", "inf", "negative", "zero", "text", "none")


def tx() -> pd.DataFrame:
    return D.transactions(20)


class Exponential(B.LikelihoodModel):
    """A user-defined model (the LikelihoodModel docstring's example)."""

    param_names = ("rate",)

    def __init__(self, t):
        self.t = np.asarray(t, dtype=float)
        self.weights = np.ones_like(self.t)

    def loglike_obs(self, params):
        return np.log(params[0]) - params[0] * self.t

    def score_obs(self, params):
        return (1 / params[0] - self.t)[:, None]


def _summary_args():
    return {"title": "Demo", "info": [("Customers", 3)],
            "tables": [("Parameters", pd.DataFrame({"estimate": [0.5]}, index=["r"]))]}


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="cv-bad-input-"))


def _parquet(frame: pd.DataFrame) -> Path:
    path = _tmp() / "base.parquet"
    frame.rename_axis("customer_id").reset_index().to_parquet(path)
    return path


def _tx_files(frame: pd.DataFrame) -> Path:
    """A folder with the log split over a CSV file (string dates) and a Parquet file."""
    folder = _tmp()
    frame.iloc[:25].to_csv(folder / "a.csv", index=False)
    frame.iloc[25:].to_parquet(folder / "b.parquet", index=False)
    return folder


def _with_bad_row(column: str, value) -> Path:
    frame = tx().astype({column: object})
    frame.loc[7, column] = value
    return _tx_files(frame)


def _ddf(frame: pd.DataFrame):
    import dask.dataframe as dd

    return dd.from_pandas(frame, npartitions=2)


def _computed(call):
    """Run a dask entry point and compute its result (errors surface on compute)."""
    def run(**args):
        out = call(**{k: (_ddf(v) if k in ("ddf", "transactions") and isinstance(v, pd.DataFrame) else v)
                      for k, v in args.items()})
        return out.compute() if hasattr(out, "compute") else out
    return run


def _cli(argv: list[str]) -> int:
    """``custvalue`` on the command line: a non-zero exit code becomes a DataError carrying
    stderr, so the suite can check that the message names the problem."""
    from custvalue.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse rejects an option value
            code = exc.code
    if code:
        raise DataError(err.getvalue())
    return code


@cache
def _cli_csv() -> str:
    path = _tmp() / "tx.csv"
    tx().to_csv(path, index=False)
    return str(path)


def _cli_args(**changes: str) -> list[str]:
    opts = {"--transactions": _cli_csv(), "--output": str(_tmp()), "--horizon": "6",
            "--discount-rate": "0.01", "--calibration-end": "1997-06-30", **changes}
    return ["report", *[x for k, v in opts.items() for x in (k, v)], "--quiet"]


def _sim(fn, **kw):
    return lambda: {"n_customers": 50, **kw, "seed": 1}


CATALOGUE: dict[str, Entry] = {
    "custvalue.__version__": no_input("constant: the version string"),
    "custvalue.rfm_summary": function(
        custvalue.rfm_summary, lambda: {"transactions": tx(), "customer_col": "customer_id", "date_col": "date",
                                        "monetary_col": "amount", "freq": "W", "observation_end": "1997-12-31",
                                        "calibration_end": "1997-09-30"},
        {"transactions[customer_id]": ("nan", "wrong_column"),
         "transactions[date]": ("nan", "text", "wrong_column", ("ambiguous", lambda v: ["02/01/1997"] * len(v)),
                                ("mixed formats", lambda v: v.astype(str).where(v.index != 1, "03/02/1997"))),
         "transactions[amount]": ("nan", "inf", "text", "numeric_text", "nullable_na", "wrong_column"),
         "transactions": ("empty",), "freq": (("unknown unit", lambda v: "Y"),),
         "observation_end": ("text", ("before the data", lambda v: "1990-01-01")),
         "calibration_end": ("text", ("after observation_end", lambda v: "1999-01-01"))},
        {"one transaction": one_row("transactions"),
         "huge amounts": lambda a: {**a, "transactions": a["transactions"].assign(amount=1e300)}}),
    "custvalue.DataError": no_input("exception class"),
    "custvalue.ConvergenceWarning": no_input("warning class"),
    "custvalue.HeterogeneityWarning": no_input("warning class"),
    "custvalue.IdentificationWarning": no_input("warning class"),
    "custvalue.MeasurementWarning": no_input("warning class"),
    "custvalue.ModelSpecificationError": no_input("exception class"),
    "custvalue.exceptions.ReportInputError": no_input("exception class"),
    "custvalue.exceptions.CustvalueWarning": no_input("warning class (the base of every custvalue warning)"),
    "custvalue.exceptions.SimulationWarning": no_input("warning class"),
    # -- base ----------------------------------------------------------------------------
    "custvalue.base.LikelihoodModel": Entry("class", (
        Target("fit (a user-defined model)", lambda: {"start_params": [1.0], "maxiter": 100, "gtol": 1e-7,
                                                      "cov_type": "hessian"},
               lambda **a: Exponential([0.5, 1.0, 1.5, 2.0]).fit(**a),
               {"start_params": ("nan", "inf", "negative", "zero", "text", "empty", ("too long", lambda v: [1.0, 2.0])),
                "maxiter": ("nan", "negative", "fraction", "text"), "gtol": ("nan", "negative", "zero", "text"),
                "cov_type": (("unknown", lambda v: "HC9"),)}),
        Target("loglike", lambda: {"params": [0.8]}, lambda **a: Exponential([0.5, 1.0]).loglike(**a),
               {"params": ("nan", "text", "empty", ("mapping missing a name", lambda v: {"lambda": 1.0}))}),
        Target("score", lambda: {"params": [0.8]}, lambda **a: Exponential([0.5, 1.0]).score(**a),
               {"params": ("nan", "text", "empty")}),
    )),
    "custvalue.base.LikelihoodResults": Entry("results", (
        Target("conf_int", lambda: {"level": 0.9}, lambda **a: Exponential([0.5, 1.0, 2.0]).fit().conf_int(**a),
               {"level": ("nan", "zero", "negative", ("95", lambda v: 95), "text", "none")}),
        Target("summary", lambda: {"level": 0.9}, lambda **a: Exponential([0.5, 1.0, 2.0]).fit().summary(**a),
               {"level": ("nan", "zero", ("95", lambda v: 95), "text", "none")}),
    )),
    "custvalue.base.FrozenMixin": Entry("base class", note="mixin without inputs: its immutability is "
                                                           "exercised by every results class"),
    "custvalue.base.Summary": Entry("class", (
        Target("__init__", _summary_args, B.Summary,
               {"info": (("not pairs", lambda v: [1, 2]),), "tables": (("not pairs", lambda v: [1]),
                                                                        ("not a DataFrame", lambda v: [("t", 1.0)]))}),
        Target("as_text", lambda: {}, lambda: B.Summary(**_summary_args()).as_text()),
        Target("as_html", lambda: {}, lambda: B.Summary(**_summary_args()).as_html()),
        Target("as_line", lambda: {"width": 40}, lambda **a: B.Summary(**_summary_args()).as_line(**a),
               {"width": ("nan", "zero", "negative", "text", "none", "fraction",
                          ("too narrow", lambda v: 9))}),
    )),
    "custvalue.base.numerical_jacobian": function(
        B.numerical_jacobian, lambda: {"fun": lambda x: np.array([x[0] ** 2, x[0] * x[1]]), "x": np.array([1.0, 2.0]),
                                       "rel_step": 1e-6},
        {"x": ("nan", "inf", "text", "empty"), "rel_step": ("nan", "negative", "zero", "text"),
         "fun": (("not callable", lambda v: 1.0),)}),
    "custvalue.base.identification.null_directions": function(
        ident.null_directions, lambda: {"info": np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 1.0]]),
                                        "names": ["a", "b", "c"], "rtol": 1e-8},
        {"info": ("text", ("not square", lambda v: v[:2]), "empty"), "names": (("wrong length", lambda v: ["a"]),),
         "rtol": ("nan", "negative", "zero", "text")}),
    "custvalue.base.identification.describe_direction": function(
        ident.describe_direction, lambda: {"direction": pd.Series([1.0, 0.0, -1.0], index=["asc_B", "alpha", "init_B"]),
                                           "tol": 0.05},
        {"direction": ("nan", "text", "empty"), "tol": ("nan", "negative", "text")}),
    "custvalue.base.identification.identified_inverse": function(
        ident.identified_inverse, lambda: {"info": np.array([[2.0, 0.5], [0.5, 1.0]]), "names": ["a", "b"]},
        {"info": ("text", ("not square", lambda v: v[:1]), "empty"), "names": (("wrong length", lambda v: ["a"]),)},
        {"singular": (replaced(info=np.array([[2.0, 2.0], [2.0, 2.0]])),
                      "NaN variances of unidentified parameters (documented)")}),
    "custvalue.base.identification.unidentified_mask": function(
        ident.unidentified_mask, lambda: {"directions": ident.null_directions(
            np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 4.0]]), ["a", "b", "c"]), "k": 3},
        {"k": ("nan", "negative", "fraction", "text", ("too small", lambda v: 1))}),
    "custvalue.base.model.Transform": no_input("type alias (str) of a parameter transform name"),
    "custvalue.base.transforms.TRANSFORMS": no_input("constant: the transform names"),
    "custvalue.base.transforms.SCALE_NAMES": no_input("constant: transform -> interval scale name"),
    "custvalue.base.transforms.check_transforms": function(
        tr.check_transforms, lambda: {"transforms": ("log", "logit"), "names": ("r", "p")},
        {"transforms": (("unknown", lambda v: ("log", "sqrt")), ("wrong length", lambda v: ("log",)))}),
    "custvalue.base.transforms.check_in_domain": function(
        tr.check_in_domain, lambda: {"params": np.array([0.5, 0.4]), "transforms": ("log", "logit"), "names": ("r", "p"),
                                     "name": "start_params"},
        {"params": bad("nan", "negative", "zero", ("above one", lambda v: np.array([0.5, 1.5])),
                       names="start_params")}),
    **{f"custvalue.base.transforms.{name}": Entry("function", (Target("call", args, getattr(tr, name), {}, {}),),
                                                  unchecked="the optimiser's coordinate map, called at every "
                                                            "iteration: inputs come from check_transforms and "
                                                            "check_in_domain (documented)")
       for name, args in (("to_free", lambda: {"params": np.array([0.5, 0.4]), "transforms": ("log", "logit")}),
                          ("from_free", lambda: {"theta": np.array([0.5, 0.4]), "transforms": ("log", "logit")}),
                          ("second_derivative", lambda: {"p": np.array([0.5, 0.4]), "transforms": ("log", "logit")}))},
    "custvalue.base.transforms.interval_on_scale": function(
        tr.interval_on_scale, lambda: {"estimate": np.array([2.0, 0.5, 1.0]), "se": np.array([1.5, 0.1, 1.5]),
                                       "transforms": ("log", "logit", "identity"), "z": 1.96},
        {"estimate": ("inf", "text", "misaligned"), "se": ("negative", "inf", "text", "misaligned"),
         "z": ("nan", "negative", "text"), "transforms": (("unknown", lambda v: ("log", "sqrt", "identity")),)},
        {"unknown se": (replaced(se=np.array([np.nan, 0.1, 1.5])), "NaN bounds where se is NaN (documented)")}),
    # -- datasets ------------------------------------------------------------------------
    "custvalue.datasets.load_cdnow_transactions": no_input("loader without arguments (CDNOW full log)"),
    "custvalue.datasets.load_cdnow_sample_transactions": no_input("loader without arguments (CDNOW 1/10 sample)"),
    "custvalue.datasets.load_cdnow_summary": no_input("loader without arguments (CDNOW summary, FHL 2005)"),
    "custvalue.datasets.load_donations": no_input("loader without arguments (FHS 2010 donations)"),
    "custvalue.datasets.CDNOW_CALIBRATION_END": no_input("constant: end of the CDNOW calibration period"),
    "custvalue.datasets.CDNOW_OBSERVATION_END": no_input("constant: end of the CDNOW observation period"),
    # -- plotting ------------------------------------------------------------------------
    "custvalue.plotting.plot_tracking": function(
        plotting.plot_tracking, lambda: {"actual": pd.Series([1.0, 3.0, 4.0], index=[1, 2, 3]),
                                         "expected": pd.Series([1.2, 2.9, 4.1], index=[1, 2, 3]),
                                         "calibration_end": 2.0},
        {"actual": (*NUMERIC, "empty"), "expected": NUMERIC,
         "calibration_end": ("nan", "inf", "text")}),
    "custvalue.plotting.plot_p_alive_matrix": function(
        plotting.plot_p_alive_matrix, lambda: {"results": D.fitted("bg"), "T": 39.0, "max_frequency": 10},
        {"T": (*NUMBER, "negative", "zero"), "max_frequency": COUNT,
         "results": (("not results", lambda v: 1.0),)}),
    "custvalue.plotting.plot_clv_distribution": function(
        plotting.plot_clv_distribution, lambda: {"clv": pd.Series([1.0, 10.0, 100.0]), "bins": 10},
        {"clv": (*NUMERIC, "empty"), "bins": COUNT}),
    "custvalue.plotting.clv_plot_range": function(
        plotting.clv_plot_range, lambda: {"clv": pd.Series([1.0, 10.0, 100.0]), "lower": 0.01, "upper_quantile": 0.995},
        {"clv": (*NUMERIC, "empty"), "lower": ("nan", "inf", "text"),
         "upper_quantile": ("nan", "zero", "negative", "text", ("above one", lambda v: 1.5))}),
    "custvalue.plotting.plot_repeat_purchase_histogram": function(
        plotting.plot_repeat_purchase_histogram, lambda: {"results": D.fitted("bg"), "data": D.cdnow(20),
                                                          "max_frequency": 7},
        {"data[frequency]": ("nan", "negative", "fraction", "text"), "data": ("empty",),
         "max_frequency": COUNT, "results": (("not results", lambda v: 1.0),)}),
    "custvalue.plotting.plot_holdout_by_frequency": function(
        plotting.plot_holdout_by_frequency, lambda: {"results": D.fitted("bg"), "data": D.cdnow(20), "duration": 39.0,
                                                     "holdout": pd.Series(np.arange(20.0) % 3, index=D.cdnow(20).index),
                                                     "max_frequency": 7},
        {"holdout": ("nan", "negative", "fraction", "misaligned", "none"), "duration": ("nan", "zero", "text"),
         "max_frequency": COUNT}),
    "custvalue.plotting.plot_holdout_by_recency": function(
        plotting.plot_holdout_by_recency, lambda: {"results": D.fitted("bg"), "data": D.cdnow(20), "duration": 39.0,
                                                   "holdout": pd.Series(np.arange(20.0) % 3, index=D.cdnow(20).index),
                                                   "bins": 3},
        {"holdout": ("nan", "negative", "fraction", "misaligned", "none"), "duration": ("nan", "zero", "text"),
         "bins": COUNT}),
    "custvalue.plotting.plot_cohort_tracking": function(
        plotting.plot_cohort_tracking, lambda: {
            "results": D.fitted("bg"), "first_purchase": 38.86 - D.cdnow(20)["T"], "calibration_end": 26.0,
            "kind": "cumulative",
            "actual": pd.DataFrame({"cumulative": [3.0, 7.0, 12.0]}, index=pd.Index([13.0, 26.0, 39.0], name="time"))},
        {"actual[cumulative]": ("nan", "text", "wrong_column"), "first_purchase": ("nan", "text"),
         "kind": (("unknown", lambda v: "weekly"),), "calibration_end": ("nan", "inf", "text")}),
    "custvalue.plotting.plot_frequency_recency_matrix": function(
        plotting.plot_frequency_recency_matrix, lambda: {"results": D.fitted("bg"), "T": 39.0, "max_frequency": 5,
                                                         "which": "expected_purchases", "horizon": 13.0},
        {"T": (*NUMBER, "negative", "zero"), "horizon": ("nan", "negative", "zero", "text", "none"),
         "which": (("unknown", lambda v: "clv"),), "max_frequency": ("nan", "negative", "fraction", "text", "none")}),
    "custvalue.plotting.plot_p_alive_history": function(
        plotting.plot_p_alive_history, lambda: {"results": D.fitted("bg"), "observation_end": "1997-09-30",
                                                "freq": "W", "n_points": 20, "dates": pd.Series(pd.to_datetime(["1997-01-01", "1997-01-18", "1997-08-02"]))},
        {"dates": ("nan", "text", "empty"), "observation_end": ("text", "none"),
         "freq": (("unknown unit", lambda v: "Y"),), "n_points": COUNT}),
    "custvalue.plotting.plot_heterogeneity": function(
        plotting.plot_heterogeneity, lambda: {"results": D.fitted("bg"), "which": "purchase", "n_points": 20},
        {"which": (("unknown", lambda v: "spend"),), "n_points": COUNT,
         "results": (("a spend model", lambda v: D.fitted("gg")),)}),
    "custvalue.plotting.plot_retention": function(
        plotting.plot_retention, lambda: {"results": D.fitted("sbg"), "survivors": pd.Series([1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0]),
                                          "which": "retention"},
        {"which": (("unknown", lambda v: "churn"),), "survivors": ("nan", "negative", "text", "empty"),
         "results": (("a transaction model", lambda v: D.fitted("bg")),)}),
    "custvalue.plotting.plot_p_alive_by_pattern": function(
        plotting.plot_p_alive_by_pattern, lambda: {"results": D.fitted("bgbb"), "n_periods": 6},
        {"n_periods": COUNT, "results": (("a continuous-time model", lambda v: D.fitted("bg")),)}),
    # -- rfm -----------------------------------------------------------------------------
    "custvalue.rfm.TIME_UNITS": no_input("constant: days per time unit"),
    "custvalue.units.UNIT_WORDS": no_input("constant: the model time units in words, for labels"),
    "custvalue.rfm.reduce_customer_days": function(
        rfm.reduce_customer_days, lambda: {"codes": np.array([0, 0, 0, 1]), "days": np.array([10, 10, 12, 11]),
                                           "spend": np.array([5.0, 2.0, 3.0, 4.0]), "n_customers": 3},
        {"codes": (("code out of range", lambda v: np.array([0, 0, 0, 7])), ("negative", lambda v: v - 5),
                   "misaligned"),
         "spend": ("nan", "inf", "misaligned"), "n_customers": ("negative", "nan", "text")}),
    "custvalue.rfm_files.FILE_FORMATS": no_input("constant: file formats and the name endings that select them"),
    "custvalue.rfm_files.rfm_summary_from_files": function(
        rfm_files.rfm_summary_from_files, lambda: {"source": _tx_files(tx()), "customer_col": "customer_id",
                                                   "date_col": "date", "monetary_col": "amount", "freq": "W",
                                                   "observation_end": "1997-12-31", "calibration_end": "1997-09-30",
                                                   "batch_rows": 4, "file_format": None},
        {"source": bad(("missing file", lambda v: Path(v) / "nope.csv"),
                       ("not a path", lambda v: 3.0),
                       ("NaN amount", lambda v: _with_bad_row("amount", np.nan)),
                       ("text amount", lambda v: _with_bad_row("amount", "12,50")),
                       ("missing customer", lambda v: _with_bad_row("customer_id", None)),
                       ("bad date", lambda v: _with_bad_row("date", "1997-02-30")),
                       names=("source", "nope.csv", "a.csv")),
         "customer_col": (("wrong column", lambda v: "nope"),), "monetary_col": (("wrong column", lambda v: "nope"),),
         "batch_rows": COUNT, "freq": (("unknown unit", lambda v: "Y"),),
         "file_format": (("unknown format", lambda v: "xlsx"),),
         "observation_end": ("text", ("before the data", lambda v: "1990-01-01")),
         "calibration_end": ("text", ("after observation_end", lambda v: "1999-01-01"))},
        {"one transaction": replaced(source=lambda: _tx_files(tx().iloc[:1]), calibration_end=None),
         "batches of one row": replaced(batch_rows=1)}),
    # -- simulate ------------------------------------------------------------------------
    "custvalue.simulate.simulate_betageo": function(
        simulate.simulate_betageo, _sim(None, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0),
        {"n_customers": COUNT, "r": SHAPE, "alpha": SHAPE, "a": SHAPE, "b": SHAPE,
         "T": ("nan", "negative", "zero", "text"), "seed": SEED},
        {"one customer": replaced(n_customers=1), "huge T": replaced(T=1e6)}),
    "custvalue.simulate.simulate_betageo_transactions": function(
        simulate.simulate_betageo_transactions, _sim(None, r=0.25, alpha=4.0, a=0.8, b=2.5, observation_days=100,
                                                        start="2020-01-01"),
        {"n_customers": COUNT, "r": SHAPE, "b": SHAPE, "observation_days": COUNT,
         "start": (("not a date", lambda v: "soon"),), "seed": SEED}),
    "custvalue.simulate.simulate_paretonbd": function(
        simulate.simulate_paretonbd, _sim(None, r=0.55, alpha=10.6, s=0.61, beta=11.7, T=39.0),
        {"n_customers": COUNT, "r": SHAPE, "alpha": SHAPE, "s": SHAPE, "beta": SHAPE,
         "T": ("nan", "negative", "zero", "text"), "seed": SEED}),
    **{f"custvalue.simulate.{name}": function(
        getattr(simulate, name),
        lambda kw=kw: {"covariates": pd.DataFrame({"channel": np.arange(50.0) % 2, "age": np.linspace(-1, 1, 50)}),
                       **kw, "T": 39.0, "purchase_coefficients": {"channel": 0.5},
                       "dropout_coefficients": {"age": -0.3}, "seed": 1},
        {"covariates[channel]": ("nan", "inf", "text"), "covariates": ("empty",), **{k: SHAPE for k in kw},
         "T": ("nan", "negative", "zero", "text"), "seed": SEED,
         "purchase_coefficients": (("unknown column", lambda v: {"region": 1.0}), ("nan", lambda v: {"channel": np.nan})),
         "dropout_coefficients": (("unknown column", lambda v: {"region": 1.0}),)},
        {"one customer": lambda a: {**a, "covariates": a["covariates"].iloc[:1]}})
       for name, kw in (("simulate_paretonbd_covariates", dict(r=0.55, alpha=10.6, s=0.61, beta=11.7)),
                        ("simulate_betageo_covariates", dict(r=0.25, alpha=4.0, a=0.8, b=2.5)),
                        ("simulate_modbetageo_covariates", dict(r=0.5, alpha=6.0, a=0.9, b=3.0)))},
    "custvalue.simulate.simulate_modbetageo": function(
        simulate.simulate_modbetageo, _sim(None, r=0.5, alpha=6.0, a=0.9, b=3.0, T=39.0),
        {"n_customers": COUNT, "r": SHAPE, "a": SHAPE, "b": SHAPE, "T": ("nan", "negative", "zero", "text"),
         "seed": SEED}),
    "custvalue.simulate.simulate_bgbb": function(
        simulate.simulate_bgbb, _sim(None, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, n_periods=6),
        {"n_customers": COUNT, "alpha": SHAPE, "beta": SHAPE, "gamma": SHAPE, "delta": SHAPE,
         "n_periods": COUNT, "seed": SEED}),
    "custvalue.simulate.simulate_sbg": function(
        simulate.simulate_sbg, _sim(None, alpha=1.0, beta=2.0, n_periods=4),
        {"n_customers": COUNT, "alpha": SHAPE, "beta": SHAPE, "n_periods": COUNT, "seed": SEED}),
    "custvalue.simulate.simulate_sbg_survivors": function(
        simulate.simulate_sbg_survivors, _sim(None, alpha=1.0, beta=2.0, n_periods=4),
        {"n_customers": COUNT, "alpha": SHAPE, "beta": SHAPE, "n_periods": COUNT, "seed": SEED}),
    "custvalue.simulate.simulate_chain": function(
        simulate.simulate_chain, lambda: {"P": [[0.9, 0.1], [0.2, 0.8]], "initial": 0, "n_customers": 5,
                                          "horizon": 3, "seed": 1},
        {"P": ("nan", "negative", "text", "empty"), "initial": ("nan", "negative", "fraction", "text"),
         "n_customers": COUNT, "horizon": ("nan", "negative", "fraction", "text", "none"), "seed": SEED}),
    "custvalue.simulate.simulate_markov_panel": function(
        simulate.simulate_markov_panel, lambda: {"P": [[0.9, 0.1], [0.2, 0.8]], "n_customers": 5, "n_periods": 3,
                                                 "initial": [0.5, 0.5], "seed": 1},
        {"P": ("nan", "negative", "text", "empty"), "n_customers": COUNT, "n_periods": COUNT,
         "initial": ("nan", "negative", "text", "misaligned"), "seed": SEED}),
    "custvalue.simulate.simulate_potential_base": function(
        simulate.simulate_potential_base, lambda: {"n_customers": 50, "n_products": 2, "corr_strength": 0.4,
                                                   "focal_share": (2.0, 3.0), "seed": 1},
        {"n_customers": COUNT, "n_products": COUNT, "corr_strength": ("nan", "negative", ("above 1", lambda v: 1.5),
                                                                     "text"),
         "focal_share": (("NaN", lambda v: (np.nan, 3.0)), ("negative", lambda v: (-1.0, 3.0))), "seed": SEED}),
    "custvalue.simulate.simulate_choice_panel": function(
        simulate.simulate_choice_panel, lambda: {"n_customers": 10, "n_occasions": 3, "brands": 3, "alpha": -2.0,
                                                 "gamma": 1.2, "price_sd": 0.25, "burn_in": 2, "seed": 1},
        {"n_customers": COUNT, "n_occasions": COUNT, "brands": ("nan", "negative", "zero", "text"),
         "alpha": ("nan", "inf", "text"), "gamma": ("nan", "inf", "text"), "price_sd": ("nan", "negative", "text"),
         "burn_in": ("nan", "negative", "fraction", "text"), "seed": SEED}),
    "custvalue.simulate.simulate_upp_market": function(
        simulate.simulate_upp_market, lambda: {"customers": [60.0, 40.0], "switching_costs": 5.0,
                                               "marginal_cost": 0.0},
        {"customers": (*NUMERIC, "negative", "zero", "empty"), "switching_costs": NUMBER,
         "marginal_cost": ("nan", "inf", "text")}),
    "custvalue.simulate.simulate_loyalty_survey": function(
        simulate.simulate_loyalty_survey, lambda: {"n": 50, "seed": 1, "scale_points": 10,
                                                   "repurchase": (0.3, 0.8, 0.4)},
        {"n": COUNT, "seed": SEED, "scale_points": COUNT,
         "repurchase": (("NaN", lambda v: (np.nan, 0.8, 0.4)), ("wrong length", lambda v: (0.3,)))}),
    "custvalue.simulate.simulate_path_model": function(
        simulate.simulate_path_model, lambda: {"structure": simulate.loyalty.DEFAULT_STRUCTURE, "n": 50, "seed": 1,
                                               "scale_points": 10},
        {"n": COUNT, "seed": SEED, "scale_points": COUNT, "structure": (("not a structure", lambda v: 1.0),)}),
    "custvalue.simulate.loyalty.LoyaltyStructure": Entry("class", (
        Target("matrix", lambda: {}, lambda: simulate.loyalty.DEFAULT_STRUCTURE.matrix()),
        Target("latent_covariance", lambda: {}, lambda: simulate.loyalty.DEFAULT_STRUCTURE.latent_covariance()),
    )),
    "custvalue.simulate.loyalty.implied_covariance": function(
        simulate.loyalty.implied_covariance, lambda: {"structure": simulate.loyalty.DEFAULT_STRUCTURE},
        {"structure": (("not a structure", lambda v: 1.0),)}),
    "custvalue.simulate.loyalty.DEFAULT_STRUCTURE": no_input("constant: the ECSI-style loyalty structure"),
    "custvalue.simulate.potential.PotentialBase": Entry("results", (
        Target("produced by simulate_potential_base", lambda: {},
               lambda: simulate.simulate_potential_base(30, n_products=2, seed=1)),)),
    "custvalue.simulate.potential.DEFAULT_PRODUCTS": no_input("constant: the default product names"),
    # -- streaming and dask ----------------------------------------------------------------
    "custvalue.streaming.score_frame": function(
        streaming.score_frame, lambda: {"frame": D.cdnow(10), "purchases_results": D.fitted("bg"),
                                        "spend_results": D.fitted("gg"), "horizon": 52.0, "months": 12,
                                        "monthly_discount_rate": 0.01, "margin": 1.0, "outputs": ["p_alive", "clv"]},
        {"frame[frequency]": ("nan", "text", "negative", "wrong_column"),
         "horizon": ("nan", "negative", "text"), "months": COUNT,
         "monthly_discount_rate": ("nan", "text", ("-1", lambda v: -1.0)), "margin": ("nan", "inf", "text"),
         "outputs": (("unknown output", lambda v: ["p_dead"]),)},
        {"one customer": one_row("frame")}),
    "custvalue.streaming.score_parquet": function(
        streaming.score_parquet, lambda: {"source": _parquet(D.cdnow(10)), "purchases_results": D.fitted("bg"),
                                          "spend_results": D.fitted("gg"), "batch_rows": 4, "horizon": 52.0},
        {"source": bad(("missing file", lambda v: Path(v).with_name("nope.parquet")),
                       ("NaN frequency", lambda v: _parquet(D.cdnow(10).assign(frequency=np.nan))),
                       names=("source", "nope.parquet", "frequency")),
         "batch_rows": COUNT, "horizon": ("nan", "negative", "text")}),
    "custvalue.streaming.StreamingReport": Entry("results", (
        Target("produced by score_frame via score_parquet", lambda: {},
               lambda: streaming.score_parquet(_parquet(D.cdnow(10)), D.fitted("bg"), D.fitted("gg"), batch_rows=4)),)),
    "custvalue.streaming.OUTPUTS": no_input("constant: the scores score_frame can write"),
    "custvalue.dask.rfm_summary": function(
        _computed(custvalue.dask.rfm_summary), lambda: {"transactions": tx(), "customer_col": "customer_id",
                                                        "date_col": "date", "monetary_col": "amount",
                                                        "observation_end": "1997-12-31"},
        {"transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
         "transactions[amount]": ("nan", "text", "wrong_column"), "observation_end": ("text",)}),
    "custvalue.dask.compressed_statistics": function(
        _computed(custvalue.dask.compressed_statistics), lambda: {"ddf": D.cdnow(20), "columns": ["frequency", "T"],
                                                                  "split_every": 8},
        {"ddf[frequency]": ("nan", "text", "wrong_column"), "columns": (("unknown column", lambda v: ["nope"]),),
         "split_every": ("nan", ("one", lambda v: 1), "text")}),
    "custvalue.dask.fit": function(
        _computed(custvalue.dask.fit), lambda: {"model": custvalue.clv.BetaGeo, "ddf": D.cdnow(60)},
        {"ddf[frequency]": ("nan", "text", "negative", "wrong_column"), "ddf[T]": ("nan", "zero"),
         "model": (("not a model", lambda v: 1.0),)}),
    "custvalue.dask.score": function(
        _computed(custvalue.dask.score), lambda: {"ddf": D.cdnow(10), "purchases_results": D.fitted("bg"),
                                                  "spend_results": D.fitted("gg"), "horizon": 52.0,
                                                  "outputs": ["p_alive", "clv"]},
        {"ddf[frequency]": ("nan", "text", "negative", "wrong_column"), "horizon": ("nan", "negative", "text"),
         "outputs": (("unknown output", lambda v: ["p_dead"]),)}),
    # -- report and command line (owned elsewhere: the cases document what they accept) ------
    "custvalue.report.run_report": function(
        custvalue.report.run_report, lambda: {"transactions": tx(), "output": _tmp(), "progress": None, "months": 6,
                                              "monthly_discount_rate": 0.01, "calibration_end": "1997-06-30", "freq": "W",
                                              "interval": "delta", "level": 0.95},
        {"transactions[customer_id]": ("nan", "wrong_column"), "transactions[date]": ("nan", "text", "wrong_column"),
         "transactions[amount]": ("nan", "text", "wrong_column"), "transactions": ("empty",),
         "months": ("nan", "negative", "zero", "text"),
         "monthly_discount_rate": ("nan", "text", ("-1", lambda v: -1.0)),
         "freq": (("unknown unit", lambda v: "Y"),), "calibration_end": ("text",),
         "interval": ("text", "nan", ("'bootstrap' (not offered)", lambda v: "bootstrap")),
         "level": ("nan", "zero", "negative", ("95", lambda v: 95), "text")}),
    "custvalue.report.ReportOutput": Entry("results", (
        Target("produced by run_report", lambda: {},
               lambda: custvalue.report.run_report(tx(), output=_tmp(), progress=None, months=6,
                                                   calibration_end="1997-06-30")),)),
    "custvalue.report.value_tiers": function(
        custvalue.report.value_tiers, lambda: {"values": pd.Series(np.arange(100.0))},
        {"values": ("nan", "inf", "text", "empty")}),
    "custvalue.report.alive_states": function(
        custvalue.report.alive_states, lambda: {"p_alive": pd.Series([0.95, 0.5, 0.1]), "active_threshold": 0.7,
                                                "lapsed_threshold": 0.3},
        {"p_alive": ("nan", "text", "negative", ("above one", lambda v: v * 2), "empty"),
         "active_threshold": ("nan", "text", ("below lapsed", lambda v: 0.2)),
         "lapsed_threshold": ("nan", "negative", "text")}),
    "custvalue.report.MODELS": no_input("constant: the models the report fits, with their references"),
    "custvalue.report.MODEL_CHOICES": no_input("constant: the values --model accepts"),
    "custvalue.report.STATES": no_input("constant: the customer states, in order"),
    "custvalue.cli.EXIT_OK": no_input("constant: exit status of a complete report"),
    "custvalue.cli.EXIT_BAD_INPUT": no_input("constant: exit status when the input or options are refused"),
    "custvalue.cli.EXIT_FAILED": no_input("constant: exit status of an unexpected failure"),
    "custvalue.cli.EXIT_INTERRUPTED": no_input("constant: exit status after Ctrl-C"),
    "custvalue.cli.main": function(
        lambda argv: _cli(argv), lambda: {"argv": _cli_args()},
        {"argv": bad(("missing file", lambda v: _cli_args(**{"--transactions": "no-such-file.csv"})),
                     ("unknown column", lambda v: _cli_args(**{"--customer-col": "nope"})),
                     ("bad horizon", lambda v: _cli_args(**{"--horizon": "-3"})),
                     ("bad discount rate", lambda v: _cli_args(**{"--discount-rate": "nan"})),
                     ("bad level", lambda v: _cli_args(**{"--level": "1.5"})),
                     names=("no-such-file", "nope", "horizon", "discount_rate", "discount-rate", "level"))}),
}


# -- Pareto/NBD with time-varying covariates (issue 18, item 4) ----------------------------
CATALOGUE.update({
    "custvalue.simulate.simulate_paretonbd_tv": function(
        simulate.simulate_paretonbd_tv,
        _sim(None, r=0.8, alpha=6.0, s=0.6, beta=20.0, gamma_purchase={"promo": 0.5}, gamma_dropout={"promo": -0.3},
             calibration_periods=8, horizon=2, acquisition_periods=2, freq="W", origin="2024-01-01"),
        {"n_customers": COUNT, "r": SHAPE, "alpha": SHAPE, "s": SHAPE, "beta": SHAPE,
         "gamma_purchase": (("not a mapping", lambda v: [0.5]), ("NaN coefficient", lambda v: {"promo": np.nan})),
         "gamma_dropout": (("text coefficient", lambda v: {"promo": "abc"}),),
         "calibration_periods": COUNT, "horizon": ("nan", "negative", "fraction", "text"),
         "acquisition_periods": ("nan", "zero", "fraction", ("more than calibration_periods", lambda v: 9)),
         "freq": (("unknown unit", lambda v: "fortnight"),), "origin": (("not a date", lambda v: "soon"),),
         "seed": SEED},
        {"no covariates": replaced(gamma_purchase=None, gamma_dropout=None)},
        finite_exempt="truth['true_death'] is inf for customers still alive at the end of the simulation (documented)"),
    "custvalue.simulate.TimeVaryingBase": no_input(
        "class: the frozen container simulate_paretonbd_tv returns (built there; exercised through that entry)"),
})
