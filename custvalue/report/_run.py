"""The report pipeline: check every input, fit, score, segment, draw, then write atomically.

:func:`run_report` runs the steps in order, each a small function of the previous steps'
outputs: :func:`read_log` (step 1), :func:`summarise` (2), :func:`fit_purchases` and
:func:`fit_spend` (3), :func:`score` (4), :func:`segment` (5), :func:`plot` (6) and
:func:`render` (7), then writes every file at once.
"""

from __future__ import annotations

import importlib
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._validation import as_float_array, check_finite_scalar, check_probability, parse_dates
from ..exceptions import ConvergenceWarning, DataError, HeterogeneityWarning, ReportInputError
from ..rfm import TIME_UNITS, rfm_summary
from ..units import UNITS_PER_MONTH
from . import _figures as figs
from ._folder import check_output, staged_folder
from ._inputs import (SEPARATORS, check_options, clean_amounts, read_transactions, require_columns, resolve_periods,
                      returns_policy)
from ._page import render as render_page
from ._band import cohort_band
from ._choose import pick as _pick
from ._spec import FREQS, INTERVALS, KERNELS, LOST_AFTER_MONTHS, MODEL_CHOICES, MODELS, N_DRAWS, SEED, STATES
from ._spec import iso as _iso


@dataclass(frozen=True)
class ReportOutput:
    """Paths written by :func:`run_report` and the headline numbers.

    Attributes
    ----------
    folder : pathlib.Path
        The output folder.
    scores : pathlib.Path
        ``scores.csv``: one row per customer (frequency, recency, T, monetary value,
        expected purchases, P(alive), state, expected spend, CLV, CLV if active, value tier).
    params : pathlib.Path
        ``params.csv``: estimates and standard errors of every fitted model.
    html : pathlib.Path
        ``report.html``.
    n_customers : int
        Customers scored.
    holdout_mae : float or None
        Mean absolute error of the chosen model's holdout forecast per customer (None without
        a holdout period).
    model : str
        The purchase model used ("BG/NBD", "MBG/NBD" or "Pareto/NBD").
    comparison : pathlib.Path or None
        ``model_comparison.csv`` (fit and forecast statistics per fitted model).
    winback : pathlib.Path or None
        ``winback.csv``: the ranked win-back list.

    Examples
    --------
    >>> from pathlib import Path
    >>> from custvalue.report import ReportOutput
    >>> out = ReportOutput(folder=Path("rep"), scores=Path("rep/scores.csv"), params=Path("rep/params.csv"),
    ...                    html=Path("rep/report.html"), n_customers=300, holdout_mae=None)
    >>> out.scores.name, out.n_customers, out.model
    ('scores.csv', 300, 'BG/NBD')
    """

    folder: Path
    scores: Path
    params: Path
    html: Path
    n_customers: int
    holdout_mae: float | None
    model: str = "BG/NBD"
    comparison: Path | None = None
    winback: Path | None = None


class _Progress:
    def __init__(self, stream: TextIO | None, total: int):
        self.stream, self.total, self.step, self.t0 = stream, total, 0, time.perf_counter()

    def __call__(self, message: str) -> None:
        self.step += 1
        if self.stream is not None:
            el = time.perf_counter() - self.t0
            print(f"[{self.step}/{self.total}] {message} ({el:.1f}s)", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if self.stream is not None:
            print(f"      note: {message}", file=self.stream, flush=True)


def _fit_noting(fit: Any, notes: list[str], label: str) -> Any:
    """Run ``fit()``; custvalue's fit warnings (non-convergence, a collapsed mixing
    distribution) become report notes instead of Python warning lines; others pass on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", HeterogeneityWarning)
        res = fit()
    for w in caught:
        if issubclass(w.category, (ConvergenceWarning, HeterogeneityWarning)):
            notes.append(f"{label}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return res


def kernels_cold(models: list[str], size: int) -> bool:
    """Whether numba's cache lacks a kernel the chosen models use (they would be compiled)."""
    from ..math._jit import PARALLEL_MIN_SIZE, ParallelKernel, cache_is_warm

    for key in models:
        for mod, name in KERNELS[key]:
            kern = getattr(importlib.import_module(f"custvalue.math.{mod}"), name, None)
            if kern is None:
                continue
            if isinstance(kern, ParallelKernel) and size >= PARALLEL_MIN_SIZE:
                kern = kern.parallel
            if not cache_is_warm(kern):
                return True
    return False


def value_tiers(values: pd.Series) -> pd.Series:
    """Customer-pyramid tiers (top 1% important, next 19% secondary, 30% ordinary, 50% small).

    The report's tiering, :func:`custvalue.segment.customer_pyramid` with its default cut
    points (seed 001).

    Parameters
    ----------
    values : pandas.Series
        Value per customer (the report uses CLV).

    Returns
    -------
    pandas.Series
        Ordered categorical ``"tier"``, indexed like ``values``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from custvalue.report import value_tiers
    >>> value_tiers(pd.Series(np.arange(100.0))).value_counts(sort=False).tolist()
    [1, 19, 30, 50]
    """
    from ..segment import customer_pyramid

    return customer_pyramid(values)


def alive_states(p_alive: pd.Series, *, active_threshold: float = 0.7, lapsed_threshold: float = 0.3) -> pd.Series:
    """Customer states from P(alive): active, at risk, lapsed.

    ``active`` when P(alive) >= ``active_threshold``, ``lapsed`` when P(alive) <
    ``lapsed_threshold``, ``at risk`` in between. The thresholds are a reading aid, stated in
    the report and changeable (``--active-threshold``, ``--lapsed-threshold``); they are not
    estimated.

    Parameters
    ----------
    p_alive : pandas.Series
        P(alive) per customer, in [0, 1].
    active_threshold, lapsed_threshold : float, default 0.7 and 0.3
        ``0 <= lapsed_threshold < active_threshold <= 1``.

    Returns
    -------
    pandas.Series
        Ordered categorical ``"state"`` (categories ``active``, ``at risk``, ``lapsed``),
        indexed like ``p_alive``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.report import alive_states
    >>> alive_states(pd.Series([0.95, 0.5, 0.1, 0.7])).tolist()
    ['active', 'at risk', 'lapsed', 'active']
    """
    active_threshold = check_finite_scalar(active_threshold, "active_threshold")
    lapsed_threshold = check_finite_scalar(lapsed_threshold, "lapsed_threshold")
    if not 0 <= lapsed_threshold < active_threshold <= 1:
        raise ReportInputError("the P(alive) thresholds must satisfy 0 <= lapsed_threshold < active_threshold <= 1; "
                               f"received {lapsed_threshold!r} and {active_threshold!r}.")
    p = check_probability(as_float_array(p_alive, "p_alive", index=getattr(p_alive, "index", None)), "p_alive",
                          getattr(p_alive, "index", None))
    codes = np.where(p >= active_threshold, 0, np.where(p >= lapsed_threshold, 1, 2))
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(STATES), ordered=True),
                     index=getattr(p_alive, "index", None), name="state")


def _net_shares(purchases: pd.DataFrame, ret: pd.DataFrame, end: pd.Timestamp, index: pd.Index) -> pd.Series:
    """Share of each customer's spend (up to ``end``) not returned, in [0, 1]."""
    bought = purchases.loc[purchases["date"] <= end].groupby("customer_id")["amount"].sum()
    back = -ret.loc[ret["date"] <= end].groupby("customer_id")["amount"].sum()
    bought = bought.reindex(index, fill_value=0.0).to_numpy()
    back = back.reindex(index, fill_value=0.0).to_numpy()
    share = np.divide(bought - back, bought, out=np.zeros_like(bought), where=bought > 0)
    return pd.Series(np.clip(share, 0.0, 1.0), index=index)


@renamed_arguments(horizon="months", discount_rate="monthly_discount_rate")
def run_report(transactions: pd.DataFrame | str | Path | None = None, *, customer_col: str = "customer_id",
               date_col: str = "date", monetary_col: str = "amount", sep: str | None = None,
               date_format: str | None = None, dayfirst: bool | None = None, calibration_end: Any = "default",
               observation_end: Any = None, freq: str = "W", model: str = "bgnbd", returns: str = "error",
               months: int = 12, monthly_discount_rate: float = 0.01, margin: float = 1.0,
               active_threshold: float = 0.7, lapsed_threshold: float = 0.3,
               winback_response_rate: float = 0.1, winback_cost: float = 1.0, currency: str | None = None,
               interval: str | None = "delta", level: float = 0.95,
               output: str | Path = "custvalue-report", force: bool = False,
               progress: TextIO | None = sys.stderr) -> ReportOutput:
    """Fit a purchase model and Gamma-Gamma to a transaction log and write a customer-value report.

    Every input is checked before anything is written; the report is built in a temporary
    folder next to ``output`` and renamed into place at the end, so on an error or an
    interruption ``output`` keeps the previous complete report (or stays absent). An existing
    report is replaced only with ``force=True``.

    The purchase model's parameters are fitted on the calibration period only; every customer
    is then scored at the observation end with their whole history up to then. A fit that
    does not converge, or whose mixing distribution collapses (see
    :class:`custvalue.exceptions.HeterogeneityWarning`), is reported as a note on the
    progress stream and at the top of the HTML report rather than as a Python warning.

    Parameters
    ----------
    transactions : DataFrame or path to a CSV, optional
        One row per purchase. Default: the bundled CDNOW log (23,570 customers).
    customer_col, date_col, monetary_col : str
        Column names.
    sep : str, optional
        Field separator of a CSV; by default detected from the header line (comma,
        semicolon, tab or vertical bar).
    date_format : str, optional
        ``strftime`` format of the date column; by default ISO 8601 or a format that reads
        every value (see :func:`custvalue.rfm_summary`).
    dayfirst : bool, optional
        Read dates such as ``02/01/2023`` as day/month (True) or month/day (False); required
        when the column allows both readings.
    calibration_end : date-like or None
        End of the calibration period; purchases after it form the holdout used to check
        the forecasts. ``"default"`` means 1997-09-30 for the bundled data and no holdout
        for a user's file.
    observation_end : date-like, optional
        End of observation, the date customers are scored at (default: the last purchase
        date; 1998-06-30 for the bundled data). Later purchases are ignored.
    freq : {"D", "W", "M"}, default "W"
        Time unit of the models: day, week or month (365.25/12 days).
    model : {"bgnbd", "mbgnbd", "pnbd", "auto"}, default "bgnbd"
        Purchase model: BG/NBD, MBG/NBD, Pareto/NBD, or all three compared with
        :func:`custvalue.clv.compare_models` and the one with the smallest sum of ranks on
        calibration AIC, the chi-square of the repeat-purchase histogram, the holdout mean
        absolute error per customer and the tracking error picked (ties: lower AIC; without a
        holdout, the holdout error is left out and the tracking error is in-sample).
    returns : {"error", "net", "drop"}, default "error"
        Negative amounts (returns): an error naming the rows; ``"net"``: they are not
        purchases, and each customer's average purchase value is reduced by the share of
        their spend they returned; ``"drop"``: the rows are ignored.
    months : int, default 12
        Horizon of the expected purchases and the CLV, in months (the month of
        :func:`custvalue.clv.clv`, :data:`custvalue.units.UNITS_PER_MONTH`). The old name
        ``horizon`` warns (FutureWarning).
    monthly_discount_rate : float, default 0.01
        Discount rate per month. The old name ``discount_rate`` warns (FutureWarning).
    margin : float, default 1.0
        Share of revenue kept as profit, in (0, 1]; 1 reports revenue.
    active_threshold, lapsed_threshold : float, default 0.7 and 0.3
        P(alive) thresholds of the customer states (see :func:`alive_states`).
    winback_response_rate : float, default 0.1
        Assumed probability that a lost customer returns when contacted.
    winback_cost : float, default 1.0
        Assumed cost of contacting one customer (money units of the amounts).
    currency : str, optional
        Money unit for labels (default "US$" for the bundled data, none otherwise).
    interval : {"delta", "simulate", None}, default "delta"
        Intervals from the sampling uncertainty of the fitted parameters: ``scores.csv`` gains
        ``p_alive_lower``/``p_alive_upper``, ``expected_purchases_lower``/``_upper`` and
        ``clv_lower``/``clv_upper`` (the ``interval=`` of
        :meth:`~custvalue.clv.BetaGeoResults.p_alive`,
        :meth:`~custvalue.clv.BetaGeoResults.expected_purchases` and
        :func:`custvalue.clv.clv`; the CLV interval counts the Gamma-Gamma parameters too), and the
        tracking plot a band around the cohort's expected repeat transactions. ``"delta"``:
        the delta method on the log or logit scale; ``"simulate"``: quantiles over 200
        parameter draws (seed 0); None: point estimates only.
    level : float, default 0.95
        Confidence level of the intervals.
    output : str or Path, default "custvalue-report"
        Folder to write ``scores.csv``, ``params.csv``, ``model_comparison.csv``,
        ``tiers.csv``, ``winback.csv`` and ``report.html`` into.
    force : bool, default False
        Replace an existing report in ``output`` (a folder holding other files is never
        replaced).
    progress : text stream or None
        Where progress lines go (None for silence).

    Returns
    -------
    ReportOutput

    Examples
    --------
    >>> import tempfile
    >>> out = run_report(output=tempfile.mkdtemp() + "/report", progress=None)  # doctest: +SKIP
    """
    say = _Progress(progress, 9)
    opts = check_options(freq=freq, model=model, returns=returns, months=months, monthly_discount_rate=monthly_discount_rate,
                         margin=margin, active_threshold=active_threshold, lapsed_threshold=lapsed_threshold,
                         winback_response_rate=winback_response_rate, winback_cost=winback_cost,
                         models=MODEL_CHOICES, freqs=FREQS, interval=interval, level=level,
                         intervals=INTERVALS)
    out = Path(output)
    check_output(out, force=force)

    say("reading and checking the transactions")
    log = read_log(transactions, customer_col=customer_col, date_col=date_col, monetary_col=monetary_col, sep=sep,
                   date_format=date_format, dayfirst=dayfirst, calibration_end=calibration_end,
                   observation_end=observation_end, returns=returns, currency=currency)
    say(f"summarising transactions per customer (frequency, recency, T in {figs.UNIT_WORDS[freq]}, "
        "monetary value)")
    summ = summarise(log, freq=freq, returns=returns)
    keys = list(MODELS) if model == "auto" else [model]
    say("fitting " + ", ".join(MODELS[k][0] for k in keys) + " on the calibration period")
    if kernels_cold(keys, len(summ.now)):
        say.note("compiling numerical kernels (first run only; later runs load them from the cache)")
    fitted = fit_purchases(log, summ, keys, model=model, freq=freq)
    say("fitting Gamma-Gamma (spend per purchase) on the calibration period")
    gg, zero_spend = fit_spend(summ)
    for message in summ.notes:
        say.note(message)
    say(f"scoring {len(summ.now):,} customers at the observation end {_iso(log.periods.observation_end)}")
    scored, no_spend_now = score(summ, fitted.res, gg, opts, freq=freq)
    say("segmenting: value tiers, concentration, customer states, churn value at risk, win-back list")
    seg = segment(scored, fitted.keep_tx, log.periods.observation_end, opts)
    say("drawing the figures")
    band = forecast_band(fitted, opts)
    images = plot(fitted, summ, scored, seg, opts, freq=freq, currency=log.currency, band=band)
    say("writing the HTML report")
    page = render(log, summ, fitted, gg, zero_spend, scored, no_spend_now, seg, images, opts, model=model, freq=freq,
                  band=band)
    params = pd.concat({name: pd.DataFrame({"estimate": r.params, "std_err": r.bse})
                        for name, r in [*fitted.fits.items(), ("Gamma-Gamma", gg)]}, names=["model", "param"])
    comparison = fitted.comparison
    holdout_mae = float(comparison.at[fitted.chosen, "holdout_mae"]) if "holdout_mae" in comparison else None

    # write everything at once
    with staged_folder(out) as tmp:
        scored.to_csv(tmp / "scores.csv")
        params.to_csv(tmp / "params.csv")
        comparison.to_csv(tmp / "model_comparison.csv")
        seg.tiers_csv.to_csv(tmp / "tiers.csv")
        seg.winback.to_csv(tmp / "winback.csv")
        (tmp / "report.html").write_text(page, encoding="utf-8")
    say(f"done: {out / 'report.html'}")
    return ReportOutput(out, out / "scores.csv", out / "params.csv", out / "report.html", len(summ.now), holdout_mae,
                        fitted.chosen, out / "model_comparison.csv", out / "winback.csv")


# ---- the steps ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransactionLog:
    """The checked transactions (step 1): purchases and returns by day, with where they came from.

    Attributes
    ----------
    work : pandas.DataFrame
        Every row as ``customer_id``, ``date`` (the day) and ``amount``, indexed like the input.
    negative : numpy.ndarray
        Which rows have a negative amount (returns).
    purchases, returns : pandas.DataFrame
        The rows of ``work`` with a non-negative and a negative amount.
    periods : object
        Calibration and observation ends (see ``_inputs.resolve_periods``).
    fmt : str or None
        The date format that read the date column.
    source : str
        The data's description for the report.
    bundled : bool
        Whether the data are the bundled CDNOW log.
    currency : str
        Money unit for labels ("" for none).
    """

    work: pd.DataFrame
    negative: np.ndarray
    purchases: pd.DataFrame
    returns: pd.DataFrame
    periods: Any
    fmt: str | None
    source: str
    bundled: bool
    currency: str


def read_log(transactions: Any, *, customer_col: str, date_col: str, monetary_col: str, sep: str | None,
             date_format: str | None, dayfirst: bool | None, calibration_end: Any, observation_end: Any,
             returns: str, currency: str | None) -> TransactionLog:
    """Step 1: read and check every input (the bundled log, a CSV or a DataFrame).

    Raises a :class:`~custvalue.exceptions.ReportInputError` (a CSV's rows named by their
    file lines) before anything is computed."""
    bundled = transactions is None
    used_sep = None
    if bundled:
        from ..datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow_transactions

        tx = load_cdnow_transactions()
        if calibration_end == "default":
            calibration_end = CDNOW_CALIBRATION_END
        observation_end = observation_end or CDNOW_OBSERVATION_END
        source = "the bundled CDNOW transaction log (Fader & Hardie): the full log of the 23,570 customers " \
                 "who first bought at CDNOW in the first quarter of 1997"
        currency = "US$" if currency is None else currency
    elif isinstance(transactions, (str, Path)):
        tx, used_sep = read_transactions(transactions, sep=sep, customer_col=customer_col)
        source = f"{transactions} ({SEPARATORS.get(used_sep, repr(used_sep))}-separated)"
    elif isinstance(transactions, pd.DataFrame):
        tx, source = transactions, "a DataFrame"
    else:
        raise ReportInputError(f"transactions must be a path to a CSV file or a DataFrame; received "
                               f"{type(transactions).__name__}.")
    if calibration_end == "default":
        calibration_end = None
    require_columns(tx, {"customer_col": customer_col, "date_col": date_col, "monetary_col": monetary_col}, used_sep)
    if len(tx) == 0:
        raise ReportInputError("the transactions are empty; at least one purchase is required.")
    try:
        dates, fmt = parse_dates(tx[date_col], f"date_col {date_col!r}", date_format=date_format, dayfirst=dayfirst)
    except DataError as exc:
        if used_sep is None:
            raise
        # the index of a CSV is its file line: say so where the message says "row"
        raise ReportInputError(re.sub(r"\brow (\d+)", r"line \1", str(exc))) from None
    amounts = clean_amounts(tx[monetary_col], monetary_col)
    negative = returns_policy(amounts, tx.index, monetary_col, returns)
    # purchases are counted by day (rfm_summary merges a customer's purchases of one day)
    work = pd.DataFrame({"customer_id": tx[customer_col].to_numpy(), "date": dates.dt.normalize().to_numpy(),
                         "amount": amounts}, index=tx.index)
    periods = resolve_periods(work["date"], calibration_end=calibration_end, observation_end=observation_end,
                              date_format=fmt, dayfirst=dayfirst)
    purchases, ret = work[~negative], work[negative]
    if purchases.empty:
        raise ReportInputError("no purchases are left once the negative amounts (returns) are set aside.")
    return TransactionLog(work, negative, purchases, ret, periods, fmt, source, bundled, currency or "")


@dataclass(frozen=True)
class Summaries:
    """Customer summaries (step 2): the calibration period and the whole history.

    Attributes
    ----------
    cal, now : pandas.DataFrame
        :func:`custvalue.rfm_summary` up to the calibration end and up to the observation end
        (the same frame without a holdout).
    notes : list of str
        Notes for the report (returns netted or dropped, transactions left out); the fit
        steps append theirs.
    """

    cal: pd.DataFrame
    now: pd.DataFrame
    notes: list[str]


def summarise(log: TransactionLog, *, freq: str, returns: str) -> Summaries:
    """Step 2: frequency, recency, T and monetary value per customer, with returns netted if
    asked; refuses data the models cannot be fitted to (fewer than 3 repeat buyers)."""
    purchases, ret, negative = log.purchases, log.returns, log.negative
    kw = dict(customer_col="customer_id", date_col="date", monetary_col="amount", freq=freq)
    cal_end, obs_end = log.periods.calibration_end, log.periods.observation_end
    cal = rfm_summary(purchases, observation_end=obs_end, calibration_end=cal_end, **kw)
    now = rfm_summary(purchases, observation_end=obs_end, **kw) if cal_end is not None else cal
    notes: list[str] = []
    if returns == "net" and negative.any():
        windows = [(cal, cal_end)] if cal_end is not None else []
        for summary, end in [*windows, (now, obs_end)]:  # without a holdout, cal is now
            summary["monetary_value"] = summary["monetary_value"] * _net_shares(purchases, ret, end, summary.index)
        orphans = ~pd.Index(ret["customer_id"].unique()).isin(now.index)
        notes.append(f"{int(negative.sum()):,} returns (negative amounts, {-ret['amount'].sum():,.2f} in total) were "
                     "netted (--returns net): they are not counted as purchases, and each customer's average "
                     "purchase value is reduced by the share of their spend they returned"
                     + (f"; {int(orphans.sum())} customers with returns but no purchase were left out" if orphans.any()
                        else "") + ".")
    elif returns == "drop" and negative.any():
        notes.append(f"{int(negative.sum()):,} rows with negative amounts (returns, {-ret['amount'].sum():,.2f} in "
                     "total) were left out (--returns drop).")
    if log.periods.n_after_end:
        notes.append(f"{log.periods.n_after_end:,} transactions after the observation end {_iso(obs_end)} were left "
                     "out.")
    repeaters = int((cal["frequency"] > 0).sum())
    if repeaters < 3:
        raise ReportInputError(
            f"only {repeaters} customer(s) made a repeat purchase in the calibration period (up to "
            f"{_iso(cal_end if cal_end is not None else obs_end)}); the models need at least 3. Use a longer "
            "calibration period (a later --calibration-end) or more data.")
    spenders = int(((cal["frequency"] > 0) & (cal["monetary_value"] > 0)).sum())
    if spenders < 3:
        raise ReportInputError(f"only {spenders} customer(s) have repeat purchases of positive value in the "
                               "calibration period; the Gamma-Gamma spend model needs at least 3.")
    return Summaries(cal, now, notes)


@dataclass(frozen=True)
class PurchaseFits:
    """The purchase model(s) fitted on the calibration period (step 3) and the tracking data.

    Attributes
    ----------
    fits : dict
        Label ("BG/NBD", ...) -> fitted results.
    comparison : pandas.DataFrame
        :func:`custvalue.clv.compare_models` of the fits.
    chosen, rule : str
        The model used for the scores and, for ``auto``, the rule that chose it ("" otherwise).
    actual : pandas.Series
        Cumulative repeat transactions of the cohort on ``grid`` (model time units from
        ``origin``).
    births : numpy.ndarray
        Each customer's first purchase on that time axis.
    grid : numpy.ndarray
        The tracking times.
    origin : numpy.datetime64
        The first day of the log.
    cal_t : float or None
        The calibration end on that axis (None without a holdout).
    keep_tx : pandas.DataFrame
        The purchases up to the observation end.
    """

    fits: dict[str, Any]
    comparison: pd.DataFrame
    chosen: str
    rule: str
    actual: pd.Series
    births: np.ndarray
    grid: np.ndarray
    origin: Any
    cal_t: float | None
    keep_tx: pd.DataFrame

    @property
    def res(self) -> Any:
        """The chosen model's results."""
        return self.fits[self.chosen]


def fit_purchases(log: TransactionLog, summ: Summaries, keys: list[str], *, model: str, freq: str) -> PurchaseFits:
    """Step 3: fit the purchase model(s), compare them (fit, holdout forecast, tracking) and
    choose one; fit warnings become notes."""
    from .. import clv as clv_mod

    cal, now, notes = summ.cal, summ.now, summ.notes
    cal_end, obs_end = log.periods.calibration_end, log.periods.observation_end
    fits = {MODELS[k][0]: _fit_noting(lambda k=k: getattr(clv_mod, MODELS[k][1])().fit(cal), notes, MODELS[k][0])
            for k in keys}
    unit = TIME_UNITS[freq]
    origin = log.work["date"].min().to_datetime64().astype("datetime64[D]")
    span = float((np.datetime64(obs_end, "D") - origin).astype(np.int64)) / unit
    step = max(1.0, np.ceil(span / 200.0))
    grid = np.append(np.arange(0.0, span, step), span)
    births = span - now["T"].to_numpy()
    keep_tx = log.purchases.loc[log.purchases["date"] <= obs_end]
    actual = clv_mod.actual_repeat_transactions(keep_tx, customer_col="customer_id", date_col="date",
                                                origin=np.datetime_as_string(origin), times=grid,
                                                freq=freq)["cumulative"]
    cal_t = None if cal_end is None else float((np.datetime64(cal_end, "D") - origin).astype(np.int64)) / unit
    track = actual if cal_t is None else actual[actual.index > cal_t]
    comparison = clv_mod.compare_models(*fits.values(), data=cal, names=list(fits), first_purchase=births,
                                        tracking=track)
    if model == "auto":
        chosen, rule = _pick(comparison)
    else:
        chosen, rule = MODELS[model][0], ""
    return PurchaseFits(fits, comparison, chosen, rule, actual, births, grid, origin, cal_t, keep_tx)


def fit_spend(summ: Summaries) -> tuple[Any, pd.Series]:
    """Step 3b: Gamma-Gamma on the calibration repeat buyers with positive spend; returns the
    fit and the customers left out (repeat purchases totalling 0)."""
    from .. import clv as clv_mod

    cal = summ.cal
    zero_spend = (cal["frequency"] > 0) & (cal["monetary_value"] <= 0)
    gg = _fit_noting(lambda: clv_mod.GammaGamma().fit(cal[~zero_spend]), summ.notes, "Gamma-Gamma")
    return gg, zero_spend


def score(summ: Summaries, res: Any, gg: Any, opts: dict[str, Any], *, freq: str) -> tuple[pd.DataFrame, pd.Series]:
    """Step 4: each customer's expected purchases, P(alive), state, expected spend, CLV, CLV
    if active and value tier at the observation end (``scores.csv``); also returns the repeat
    buyers without spend information (scored at the population mean spend)."""
    from .. import clv as clv_mod

    now = summ.now
    horizon = opts["horizon"]
    scores = now[["frequency", "recency", "T", "monetary_value"]].copy()
    # the same month as the CLV column (clv(): 30 days, 4.345 weeks), so both cover one period
    scores["expected_purchases"] = res.expected_purchases(now, horizon=horizon * UNITS_PER_MONTH[freq])
    scores["p_alive"] = res.p_alive(now)
    scores["state"] = alive_states(scores["p_alive"], active_threshold=opts["active_threshold"],
                                   lapsed_threshold=opts["lapsed_threshold"])
    # Repeat buyers whose repeat purchases total 0 carry no spend information for the
    # Gamma-Gamma model (values must be > 0): they get the population mean spend.
    no_spend_now = (now["frequency"] > 0) & (now["monetary_value"] <= 0)
    spend_input = now.assign(frequency=now["frequency"].where(~no_spend_now, 0),
                             monetary_value=now["monetary_value"].where(~no_spend_now, 0.0))
    scores["expected_spend"] = gg.expected_spend(spend_input)
    scores["clv"] = clv_mod.clv(res, scores["expected_spend"], now, months=horizon,
                                monthly_discount_rate=opts["discount_rate"], freq=freq, margin=opts["margin"])
    pa = scores["p_alive"].to_numpy()
    # E[purchases | history] = P(alive) x E[purchases | alive, history] for all three models,
    # so the value of a customer who is still active is CLV / P(alive)
    scores["clv_if_active"] = np.divide(scores["clv"].to_numpy(), pa, out=np.zeros(len(pa)), where=pa > 0)
    scores["value_tier"] = value_tiers(scores["clv"])
    if opts["interval"] is not None:
        scores = _with_intervals(scores, now, res, gg, no_spend_now, opts, freq=freq)
    return scores, no_spend_now


def _with_intervals(scores: pd.DataFrame, now: pd.DataFrame, res: Any, gg: Any, no_spend_now: pd.Series,
                    opts: dict[str, Any], *, freq: str) -> pd.DataFrame:
    """``<quantity>_lower`` and ``<quantity>_upper`` beside P(alive), expected purchases and
    CLV: the intervals of :mod:`custvalue.clv` from the sampling uncertainty of the purchase
    model's parameters and, for CLV, of the Gamma-Gamma parameters too. Customers without
    spend information (scored at the population mean spend) get the purchase model's part
    only."""
    from .. import clv as clv_mod

    kw = dict(interval=opts["interval"], level=opts["level"], n_draws=N_DRAWS, seed=SEED)
    horizon = opts["horizon"] * UNITS_PER_MONTH[freq]
    value = dict(months=opts["horizon"], monthly_discount_rate=opts["discount_rate"], freq=freq,
                 margin=opts["margin"], **kw)
    bands = {"p_alive": res.p_alive(now, **kw), "expected_purchases": res.expected_purchases(now, horizon=horizon, **kw)}
    if no_spend_now.any():
        ok = ~no_spend_now
        bands["clv"] = pd.concat([clv_mod.clv(res, gg, now[ok], **value),
                                  clv_mod.clv(res, scores.loc[~ok, "expected_spend"], now[~ok], **value)]
                                 ).reindex(now.index)
    else:
        bands["clv"] = clv_mod.clv(res, gg, now, **value)
    out = scores.copy()
    for name, band in bands.items():
        at = out.columns.get_loc(name) + 1
        out.insert(at, f"{name}_upper", band["upper"].to_numpy())
        out.insert(at, f"{name}_lower", band["lower"].to_numpy())
    return out


@dataclass(frozen=True)
class Segments:
    """Step 5's tables: value tiers, concentration, states, churn value at risk, win-back.

    Attributes
    ----------
    total_clv : float
        Sum of the customers' CLV.
    pyr, conc, risk : objects
        :func:`custvalue.segment.pyramid_summary`, ``concentration_summary`` and
        ``churn_value_at_risk`` results.
    tier_policy : pandas.DataFrame
        The win-back policy per tier.
    states_tab, cross : pandas.DataFrame
        Customers and CLV per state; the states against the recency rule's.
    winback, tiers_csv : pandas.DataFrame
        ``winback.csv`` and ``tiers.csv``.
    """

    total_clv: float
    pyr: Any
    conc: Any
    risk: Any
    tier_policy: pd.DataFrame
    states_tab: pd.DataFrame
    cross: pd.DataFrame
    winback: pd.DataFrame
    tiers_csv: pd.DataFrame


def segment(scores: pd.DataFrame, keep_tx: pd.DataFrame, obs_end: Any, opts: dict[str, Any]) -> Segments:
    """Step 5: value tiers, concentration, customer states, churn value at risk and the
    ranked win-back list."""
    from ..segment import (churn_value_at_risk, concentration_summary, customer_states, pyramid_summary,
                           winback_campaign)

    total_clv = float(scores["clv"].sum())
    pyr = pyramid_summary(scores["clv"], tiers=scores["value_tier"])
    conc = concentration_summary(scores["clv"], tops=(1.0, 20.0, 50.0))
    risk = churn_value_at_risk(scores["p_alive"], scores["clv_if_active"], tiers=scores["value_tier"])
    contacts, tier_policy = winback_campaign(risk, response_rate=opts["winback_response_rate"],
                                             cost=opts["winback_cost"])
    seed_state = customer_states(keep_tx, customer_col="customer_id", date_col="date", period_alias="M",
                                 lost_after=LOST_AFTER_MONTHS, end=obs_end).iloc[:, -1]
    seed_state = seed_state.reindex(scores.index).cat.remove_unused_categories()
    last_purchase = keep_tx.groupby("customer_id")["date"].max().reindex(scores.index)
    states_tab = scores.groupby("state", observed=False).agg(customers=("clv", "size"), clv=("clv", "sum"),
                                                             mean_p_alive=("p_alive", "mean"))
    states_tab["customer_share"] = states_tab["customers"] / len(scores)
    states_tab["clv_share"] = states_tab["clv"] / total_clv if total_clv > 0 else np.nan
    cross = pd.crosstab(scores["state"], seed_state).reindex(list(STATES), fill_value=0)
    wl = contacts.assign(state=scores["state"], clv=scores["clv"], last_purchase=last_purchase.dt.strftime("%Y-%m-%d"),
                         purchases=scores["frequency"] + 1)
    wl = wl[wl["state"].isin(["at risk", "lapsed"]) & wl["contact"]]
    wl = wl.sort_values(["expected_net_value", "value_at_risk"], ascending=False, kind="stable")
    wl.insert(0, "rank", np.arange(1, len(wl) + 1))
    winback = wl[["rank", "tier", "state", "p_alive", "clv", "value", "value_at_risk", "expected_net_value",
                  "purchases", "last_purchase"]].rename(columns={"value": "clv_if_active"})
    tiers_csv = pyr.table[["n_customers", "customer_share", "total_value", "value_share", "mean_value"]].rename(
        columns={"total_value": "clv", "value_share": "clv_share", "mean_value": "mean_clv"}).join(
        tier_policy[["value_at_risk", "n_worth_contacting", "expected_net_value", "policy"]])
    return Segments(total_clv, pyr, conc, risk, tier_policy, states_tab, cross, winback, tiers_csv)


def forecast_band(fitted: PurchaseFits, opts: dict[str, Any]) -> pd.DataFrame | None:
    """The band of the tracking plot: the cohort's expected cumulative repeat transactions on
    the tracking grid with their interval (``_band.cohort_band``); None without intervals."""
    if opts["interval"] is None:
        return None
    return cohort_band(fitted.res, fitted.births, fitted.grid, interval=opts["interval"], level=opts["level"],
                       n_draws=N_DRAWS, seed=SEED)


def plot(fitted: PurchaseFits, summ: Summaries, scores: pd.DataFrame, seg: Segments, opts: dict[str, Any], *,
         freq: str, currency: str, band: pd.DataFrame | None = None) -> dict[str, Any]:
    """Step 6: the report's figures (tracking with the forecast band, P(alive) matrix, CLV
    histogram, pyramid, Lorenz curve, value at risk)."""
    from .. import clv as clv_mod

    now = summ.now
    expected = clv_mod.cohort_repeat_transactions(fitted.res, fitted.births, fitted.grid)["cumulative"]
    return {
        "tracking": figs.tracking(fitted.actual, expected, calibration_end=fitted.cal_t,
                                  origin=np.datetime_as_string(fitted.origin), freq=freq, model_name=fitted.chosen,
                                  band=band),
        "p_alive": figs.p_alive_matrix(fitted.res, T=float(now["T"].max()), freq=freq,
                                       max_frequency=int(min(20, max(5, now["frequency"].quantile(0.99))))),
        "clv": figs.clv_histogram(scores["clv"], unit=currency, horizon=opts["horizon"]),
        "pyramid": figs.pyramid(seg.pyr),
        "lorenz": figs.lorenz(scores["clv"], top20=seg.conc.top_shares[20.0]),
        "risk": figs.value_at_risk(seg.tier_policy, unit=currency),
    }


def render(log: TransactionLog, summ: Summaries, fitted: PurchaseFits, gg: Any, zero_spend: pd.Series,
           scores: pd.DataFrame, no_spend_now: pd.Series, seg: Segments, images: dict[str, Any],
           opts: dict[str, Any], *, model: str, freq: str, band: pd.DataFrame | None = None) -> str:
    """Step 7: the HTML page from every step's output."""
    ctx = dict(source=log.source, bundled=log.bundled, work=log.work, negative=log.negative, periods=log.periods,
               fmt=log.fmt, freq=freq, cal=summ.cal, now=summ.now, chosen=fitted.chosen, rule=fitted.rule,
               model=model, fits=fitted.fits, gg=gg, comparison=fitted.comparison, scores=scores,
               notes=summ.notes, zero_spend=zero_spend, no_spend_now=no_spend_now, horizon=opts["horizon"],
               discount_rate=opts["discount_rate"], margin=opts["margin"], opts=opts, currency=log.currency,
               pyr=seg.pyr, conc=seg.conc, states_tab=seg.states_tab, cross=seg.cross, tier_policy=seg.tier_policy,
               winback=seg.winback, images=images, total_clv=seg.total_clv, risk=seg.risk, band=band,
               actual_end=float(fitted.actual.iloc[-1]))
    return render_page(ctx)
