"""The main job: a CLV report from a transaction log (BG/NBD + Gamma-Gamma).

``python -m custvalue report`` (or the ``custvalue`` console script) runs it; with no
arguments it uses the bundled CDNOW log with the Fader-Hardie-Lee calibration/holdout split.
"""

from __future__ import annotations

import base64
import html
import io
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from .clv import BetaGeo, GammaGamma, actual_repeat_transactions, clv, cohort_repeat_transactions
from .exceptions import ConvergenceWarning, DataError, HeterogeneityWarning
from .rfm import TIME_UNITS, rfm_summary

__all__ = ["run_report", "ReportOutput", "value_tiers"]


@dataclass(frozen=True)
class ReportOutput:
    """Paths written by :func:`run_report` and the headline numbers.

    Attributes
    ----------
    folder : pathlib.Path
        The output folder.
    scores : pathlib.Path
        ``scores.csv``: one row per customer (frequency, recency, T, monetary value,
        expected purchases, P(alive), expected spend, CLV, value tier).
    params : pathlib.Path
        ``params.csv``: BG/NBD and Gamma-Gamma estimates with standard errors.
    html : pathlib.Path
        ``report.html``.
    n_customers : int
        Customers scored.
    holdout_mae : float or None
        Mean absolute error of the BG/NBD holdout forecast per customer (None without a
        holdout period).

    Examples
    --------
    >>> from pathlib import Path
    >>> from custvalue.report import ReportOutput
    >>> out = ReportOutput(folder=Path("rep"), scores=Path("rep/scores.csv"), params=Path("rep/params.csv"),
    ...                    html=Path("rep/report.html"), n_customers=300, holdout_mae=None)
    >>> out.scores.name, out.n_customers
    ('scores.csv', 300)
    """

    folder: Path
    scores: Path
    params: Path
    html: Path
    n_customers: int
    holdout_mae: float | None


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


def _fit_noting(fit: Any, notes: list[str]) -> Any:
    """Run ``fit()``; custvalue's fit warnings (non-convergence, a collapsed mixing
    distribution) become report notes instead of Python warning lines; others pass on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", HeterogeneityWarning)
        res = fit()
    for w in caught:
        if issubclass(w.category, (ConvergenceWarning, HeterogeneityWarning)):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return res


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
    from .segment import customer_pyramid

    return customer_pyramid(values)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def run_report(transactions: pd.DataFrame | str | Path | None = None, *, customer_col: str = "customer_id",
               date_col: str = "date", monetary_col: str = "amount", date_format: str | None = None,
               calibration_end: Any = "default", observation_end: Any = None, freq: str = "W",
               horizon: int = 12, discount_rate: float = 0.01, output: str | Path = "custvalue-report",
               progress: TextIO | None = sys.stderr) -> ReportOutput:
    """Fit BG/NBD + Gamma-Gamma to a transaction log and write a CLV report.

    A fit that does not converge, or whose mixing distribution collapses (see
    :class:`custvalue.exceptions.HeterogeneityWarning`), is reported as a note on the
    progress stream and at the top of the HTML report rather than as a Python warning.

    Parameters
    ----------
    transactions : DataFrame or path to a CSV, optional
        One row per purchase. Default: the bundled CDNOW log (23,570 customers).
    customer_col, date_col, monetary_col : str
        Column names.
    date_format : str, optional
        ``strftime`` format of the date column.
    calibration_end : date-like or None
        End of the calibration period; purchases after it form the holdout used to check
        the forecasts. ``"default"`` means 1997-09-30 for the bundled data and no holdout
        for a user's file.
    observation_end : date-like, optional
        End of observation (default: the last purchase date).
    freq : {"D", "W", "M"}, default "W"
        Time unit of the models.
    horizon : int, default 12
        CLV horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate.
    output : str or Path, default "custvalue-report"
        Folder to write ``scores.csv``, ``params.csv`` and ``report.html`` into.
    progress : text stream or None
        Where progress lines go (None for silence).

    Returns
    -------
    ReportOutput

    Examples
    --------
    >>> import tempfile
    >>> out = run_report(output=tempfile.mkdtemp(), progress=None)  # doctest: +SKIP
    """
    say = _Progress(progress, 8)
    say("reading transactions")
    if transactions is None:
        from .datasets import CDNOW_CALIBRATION_END, CDNOW_OBSERVATION_END, load_cdnow_transactions

        tx = load_cdnow_transactions()
        customer_col, date_col, monetary_col = "customer_id", "date", "amount"
        if calibration_end == "default":
            calibration_end = CDNOW_CALIBRATION_END
        observation_end = observation_end or CDNOW_OBSERVATION_END
        source = "bundled CDNOW transaction log (Fader & Hardie)"
    else:
        if isinstance(transactions, (str, Path)):
            try:
                tx = pd.read_csv(transactions)
            except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
                raise DataError(f"could not read the transactions file {str(transactions)!r}: {exc}") from None
            source = str(transactions)
        else:
            tx, source = transactions, "user DataFrame"
        if calibration_end == "default":
            calibration_end = None
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)

    say("summarising transactions (frequency, recency, T, monetary value)")
    kw = dict(customer_col=customer_col, date_col=date_col, monetary_col=monetary_col, freq=freq,
              date_format=date_format)
    cal = rfm_summary(tx, observation_end=observation_end, calibration_end=calibration_end, **kw)
    if (cal["frequency"] > 0).sum() < 3:
        raise DataError("fewer than 3 customers have a repeat purchase in the calibration period; "
                        "the models cannot be fitted. Use a longer calibration period.")

    notes: list[str] = []
    say("fitting BG/NBD")
    bg = _fit_noting(lambda: BetaGeo().fit(cal), notes)
    say("fitting Gamma-Gamma")
    zero_spend = (cal["frequency"] > 0) & (cal["monetary_value"] <= 0)
    gg = _fit_noting(lambda: GammaGamma().fit(cal[~zero_spend]), notes)
    for message in notes:
        say.note(message)

    say("scoring customers")
    now = rfm_summary(tx, observation_end=observation_end, **kw) if calibration_end is not None else cal
    scores = now[["frequency", "recency", "T", "monetary_value"]].copy()
    scores["expected_purchases_12m"] = bg.expected_purchases(now, horizon=12 * (365.25 / 12) / TIME_UNITS[freq])
    scores["p_alive"] = bg.p_alive(now)
    # Repeat buyers whose repeat purchases total 0 carry no spend information for the
    # Gamma-Gamma model (values must be > 0): they get the population mean spend.
    no_spend_now = (now["frequency"] > 0) & (now["monetary_value"] <= 0)
    spend_input = now.assign(frequency=now["frequency"].where(~no_spend_now, 0),
                             monetary_value=now["monetary_value"].where(~no_spend_now, 0.0))
    scores["expected_spend"] = gg.expected_spend(spend_input)
    freq_clv = {"D": "D", "W": "W", "M": "M"}[freq]
    scores["clv"] = clv(bg, scores["expected_spend"], now, horizon=horizon,
                        discount_rate=discount_rate, freq=freq_clv)
    scores["value_tier"] = value_tiers(scores["clv"])
    holdout_mae = None
    if calibration_end is not None:
        dur = float(cal["duration_holdout"].iloc[0])
        pred = bg.expected_purchases(cal, horizon=dur)
        holdout_mae = float(np.mean(np.abs(pred - cal["frequency_holdout"])))
    scores.to_csv(out / "scores.csv")
    table = pd.concat({"BG/NBD": pd.DataFrame({"estimate": bg.params, "std_err": bg.bse}),
                       "Gamma-Gamma": pd.DataFrame({"estimate": gg.params, "std_err": gg.bse})},
                      names=["model", "param"])
    table.to_csv(out / "params.csv")

    say("drawing plots")
    import matplotlib

    matplotlib.use("Agg")
    from . import plotting
    from .segment import plot_lorenz, top_share

    unit = TIME_UNITS[freq]
    dates = pd.to_datetime(tx[date_col], format=date_format)
    origin = dates.min().to_datetime64().astype("datetime64[D]")
    end_day = (pd.Timestamp(observation_end) if observation_end is not None else dates.max()).to_datetime64()
    span = (end_day.astype("datetime64[D]") - origin).astype(np.int64) / unit
    grid = np.linspace(0, span, 200)
    cal_t = None
    if calibration_end is not None:
        cal_t = (np.datetime64(pd.Timestamp(calibration_end), "D") - origin).astype(np.int64) / unit
        births = cal_t - cal["T"].to_numpy()
    else:
        births = span - cal["T"].to_numpy()
    expected = cohort_repeat_transactions(bg, births, grid)["cumulative"]
    actual = actual_repeat_transactions(tx[dates.to_numpy() <= end_day].assign(**{date_col: dates}),
                                        customer_col=customer_col, date_col=date_col,
                                        origin=np.datetime_as_string(origin), times=grid,
                                        freq=freq)["cumulative"]
    figs = {}
    ax = plotting.plot_tracking(actual, expected, calibration_end=cal_t,
                                xlabel=f"time since {np.datetime_as_string(origin)} ({freq})")
    figs["Tracking: cumulative repeat transactions"] = _png(ax.figure)
    ax = plotting.plot_p_alive_matrix(bg, T=float(cal["T"].max()))
    figs["P(alive) by frequency and recency"] = _png(ax.figure)
    ax = plotting.plot_clv_distribution(scores["clv"])
    figs["Distribution of CLV"] = _png(ax.figure)
    ax = plot_lorenz(scores["clv"], label="CLV")
    ax.set_title(f"Lorenz curve of CLV: the top 20% of customers hold {top_share(scores['clv'], 20):.1%}")
    figs["Concentration of CLV"] = _png(ax.figure)

    say("writing the HTML report")
    tiers = scores.groupby("value_tier", observed=False)["clv"].agg(["count", "sum", "mean"])
    tiers["share_of_clv"] = tiers["sum"] / tiers["sum"].sum()
    parts = [
        "<html><head><meta charset='utf-8'><title>custvalue CLV report</title>",
        "<style>body{font-family:sans-serif;max-width:960px;margin:auto}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>",
        "<h1>Customer lifetime value report</h1>",
        f"<p>Data: {html.escape(source)}; {len(tx):,} transactions, {len(now):,} customers. "
        f"Calibration end: {html.escape(str(calibration_end))}; observation end: "
        f"{html.escape(str(np.datetime_as_string(end_day, unit='D')))}. Time unit: {freq}. "
        f"CLV: {horizon} months, monthly discount rate {discount_rate:g}, margin 1 (revenue).</p>",
        *(f"<p><b>Note on the fit:</b> {html.escape(m)}</p>" for m in notes),
        bg.summary().as_html(), gg.summary().as_html(),
    ]
    if zero_spend.any() or no_spend_now.any():
        parts.append(f"<p>Note: {int(zero_spend.sum())} calibration repeat buyers whose repeat purchases "
                     f"total 0 were left out of the Gamma-Gamma fit; {int(no_spend_now.sum())} such "
                     f"customers are scored with the population mean spend.</p>")
    if holdout_mae is not None:
        parts.append(f"<p>Holdout check: mean absolute error of the conditional expected number of "
                     f"purchases per customer over the {dur:g}-{freq} holdout: {holdout_mae:.3f} "
                     f"(actual mean {cal['frequency_holdout'].mean():.3f}, predicted mean {pred.mean():.3f}).</p>")
    parts.append("<h2>Value tiers (customer pyramid)</h2>" + tiers.to_html(float_format=lambda x: f"{x:,.3f}"))
    for title, png in figs.items():
        parts.append(f"<h2>{html.escape(title)}</h2><img src='data:image/png;base64,{png}'/>")
    parts.append("<p>Files: scores.csv (one row per customer), params.csv (estimates and standard errors).</p>")
    parts.append("</body></html>")
    (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
    say(f"done: {out / 'report.html'}")
    return ReportOutput(out, out / "scores.csv", out / "params.csv", out / "report.html", len(now), holdout_mae)
