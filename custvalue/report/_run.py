"""The report pipeline: check every input, fit, score, segment, draw, then write atomically."""

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

from .._validation import parse_dates
from ..exceptions import ConvergenceWarning, DataError, HeterogeneityWarning, ReportInputError
from ..rfm import TIME_UNITS, rfm_summary
from . import _figures as figs
from . import _html as H
from ._folder import check_output, staged_folder
from ._inputs import (SEPARATORS, Periods, check_options, clean_amounts, read_transactions, require_columns,
                      resolve_periods, returns_policy)

#: ``--model`` values: the purchase-count model (label, class in custvalue.clv, reference).
MODELS = {
    "bgnbd": ("BG/NBD", "BetaGeo", "Fader, Hardie & Lee (2005), Marketing Science 24(2)"),
    "mbgnbd": ("MBG/NBD", "ModifiedBetaGeo", "Batislam, Denizel & Filiztekin (2007), IJRM 24"),
    "pnbd": ("Pareto/NBD", "ParetoNBD", "Schmittlein, Morrison & Colombo (1987), Management Science 33"),
}
MODEL_CHOICES = (*MODELS, "auto")
FREQS = ("D", "W", "M")
#: Customer states by P(alive), top first.
STATES = ("active", "at risk", "lapsed")
#: The seed's recency rule for the comparison with the model's states (months without a purchase).
LOST_AFTER_MONTHS = 3
#: Numerical kernels every run of a purchase model compiles on first use (module in
#: custvalue.math, name): the Hessian pass of the fit, P(alive), the expected-purchases series.
KERNELS = {
    "bgnbd": (("betageo", "_sums_hess"), ("betageo", "_alive_rows"), ("special", "_dropout_mean")),
    "mbgnbd": (("betageo", "_sums_hess"), ("betageo", "_alive_rows"), ("special", "_dropout_mean")),
    "pnbd": (("paretonbd", "_rows"),),
}
FHL2005 = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


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
    if not 0 <= lapsed_threshold < active_threshold <= 1:
        raise ReportInputError("the P(alive) thresholds must satisfy 0 <= lapsed_threshold < active_threshold <= 1; "
                               f"received {lapsed_threshold!r} and {active_threshold!r}.")
    p = np.asarray(p_alive, dtype=float)
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


def _iso(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _pick(comparison: pd.DataFrame) -> tuple[str, str]:
    """``auto``: the best sum of ranks on AIC and holdout MAE (ties: lower AIC); AIC alone
    without a holdout. Returns the label and the rule in words."""
    if "holdout_mae" in comparison:
        score = comparison["aic"].rank(method="min") + comparison["holdout_mae"].rank(method="min")
        order = sorted(comparison.index, key=lambda m: (score[m], comparison.at[m, "aic"]))
        return order[0], ("the best sum of ranks on the calibration AIC and the holdout mean absolute error "
                          "(ties go to the lower AIC)")
    return str(comparison["aic"].idxmin()), "the lowest calibration AIC (there is no holdout period to check forecasts on)"


def _param_table(res: Any, label: str) -> str:
    ci = res.conf_int(0.95)
    t = pd.DataFrame({"estimate": res.params, "std_err": res.bse, "lower": ci.iloc[:, 0], "upper": ci.iloc[:, 1]})
    cap = (f"{label}: {res.nobs:,.0f} customers, log-likelihood {res.llf:,.2f}, AIC {res.aic:,.2f}, "
           f"BIC {res.bic:,.2f}, {'converged' if res.converged else 'NOT converged'}")
    return H.table(t, {"estimate": H.fmt_num, "std_err": H.fmt_num, "lower": H.fmt_num, "upper": H.fmt_num},
                   headers={"std_err": "std. error", "lower": "95% CI lower", "upper": "95% CI upper"},
                   index_header="parameter", caption=cap)


def run_report(transactions: pd.DataFrame | str | Path | None = None, *, customer_col: str = "customer_id",
               date_col: str = "date", monetary_col: str = "amount", sep: str | None = None,
               date_format: str | None = None, dayfirst: bool | None = None, calibration_end: Any = "default",
               observation_end: Any = None, freq: str = "W", model: str = "bgnbd", returns: str = "error",
               horizon: int = 12, discount_rate: float = 0.01, margin: float = 1.0,
               active_threshold: float = 0.7, lapsed_threshold: float = 0.3,
               winback_response_rate: float = 0.1, winback_cost: float = 1.0, currency: str | None = None,
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
        Purchase model: BG/NBD, MBG/NBD, Pareto/NBD, or all three compared (see
        :func:`custvalue.clv.compare_models`) and one picked by the best sum of ranks on
        calibration AIC and holdout mean absolute error (AIC alone without a holdout).
    returns : {"error", "net", "drop"}, default "error"
        Negative amounts (returns): an error naming the rows; ``"net"``: they are not
        purchases, and each customer's average purchase value is reduced by the share of
        their spend they returned; ``"drop"``: the rows are ignored.
    horizon : int, default 12
        CLV horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate.
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
    opts = check_options(freq=freq, model=model, returns=returns, horizon=horizon, discount_rate=discount_rate,
                         margin=margin, active_threshold=active_threshold, lapsed_threshold=lapsed_threshold,
                         winback_response_rate=winback_response_rate, winback_cost=winback_cost,
                         models=MODEL_CHOICES, freqs=FREQS)
    horizon, discount_rate, margin = opts["horizon"], opts["discount_rate"], opts["margin"]
    out = Path(output)
    check_output(out, force=force)

    # -- 1. read and check every input --------------------------------------------------------
    say("reading and checking the transactions")
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
    currency = currency or ""
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

    # -- 2. customer summaries ---------------------------------------------------------------
    say(f"summarising transactions per customer (frequency, recency, T in {figs.UNIT_WORDS[freq]}, "
        "monetary value)")
    kw = dict(customer_col="customer_id", date_col="date", monetary_col="amount", freq=freq)
    cal_end, obs_end = periods.calibration_end, periods.observation_end
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
    if periods.n_after_end:
        notes.append(f"{periods.n_after_end:,} transactions after the observation end {_iso(obs_end)} were left out.")
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

    # -- 3. purchase model(s) -----------------------------------------------------------------
    keys = list(MODELS) if model == "auto" else [model]
    say("fitting " + ", ".join(MODELS[k][0] for k in keys) + " on the calibration period")
    if kernels_cold(keys, len(now)):
        say.note("compiling numerical kernels (first run only; later runs load them from the cache)")
    from .. import clv as clv_mod

    fits = {MODELS[k][0]: _fit_noting(lambda k=k: getattr(clv_mod, MODELS[k][1])().fit(cal), notes, MODELS[k][0])
            for k in keys}
    unit = TIME_UNITS[freq]
    origin = work["date"].min().to_datetime64().astype("datetime64[D]")
    span = float((np.datetime64(obs_end, "D") - origin).astype(np.int64)) / unit
    step = max(1.0, np.ceil(span / 200.0))
    grid = np.append(np.arange(0.0, span, step), span)
    births = span - now["T"].to_numpy()
    keep_tx = purchases.loc[purchases["date"] <= obs_end]
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
    res = fits[chosen]

    say("fitting Gamma-Gamma (spend per purchase) on the calibration period")
    zero_spend = (cal["frequency"] > 0) & (cal["monetary_value"] <= 0)
    gg = _fit_noting(lambda: clv_mod.GammaGamma().fit(cal[~zero_spend]), notes, "Gamma-Gamma")
    for message in notes:
        say.note(message)

    # -- 4. scores at the observation end -----------------------------------------------------
    say(f"scoring {len(now):,} customers at the observation end {_iso(obs_end)}")
    scores = now[["frequency", "recency", "T", "monetary_value"]].copy()
    scores["expected_purchases"] = res.expected_purchases(now, horizon=horizon * (365.25 / 12) / unit)
    scores["p_alive"] = res.p_alive(now)
    scores["state"] = alive_states(scores["p_alive"], active_threshold=opts["active_threshold"],
                                   lapsed_threshold=opts["lapsed_threshold"])
    # Repeat buyers whose repeat purchases total 0 carry no spend information for the
    # Gamma-Gamma model (values must be > 0): they get the population mean spend.
    no_spend_now = (now["frequency"] > 0) & (now["monetary_value"] <= 0)
    spend_input = now.assign(frequency=now["frequency"].where(~no_spend_now, 0),
                             monetary_value=now["monetary_value"].where(~no_spend_now, 0.0))
    scores["expected_spend"] = gg.expected_spend(spend_input)
    scores["clv"] = clv_mod.clv(res, scores["expected_spend"], now, horizon=horizon, discount_rate=discount_rate,
                                freq=freq, margin=margin)
    pa = scores["p_alive"].to_numpy()
    # E[purchases | history] = P(alive) x E[purchases | alive, history] for all three models,
    # so the value of a customer who is still active is CLV / P(alive)
    scores["clv_if_active"] = np.divide(scores["clv"].to_numpy(), pa, out=np.zeros(len(pa)), where=pa > 0)
    scores["value_tier"] = value_tiers(scores["clv"])

    # -- 5. segments: tiers, concentration, states, churn value at risk, win-back ---------------
    say("segmenting: value tiers, concentration, customer states, churn value at risk, win-back list")
    from ..segment import (churn_value_at_risk, concentration_summary, customer_states, pyramid_summary,
                           winback_campaign)

    total_clv = float(scores["clv"].sum())
    pyr = pyramid_summary(scores["clv"], tiers=scores["value_tier"])
    conc = concentration_summary(scores["clv"], tops=(1.0, 20.0, 50.0))
    risk = churn_value_at_risk(scores["p_alive"], scores["clv_if_active"], tiers=scores["value_tier"])
    contacts, tier_policy = winback_campaign(risk, response_rate=opts["winback_response_rate"],
                                             cost=opts["winback_cost"])
    seed_state = customer_states(keep_tx, customer_id="customer_id", datetime="date", freq="M",
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

    # -- 6. figures --------------------------------------------------------------------------
    say("drawing the figures")
    expected = clv_mod.cohort_repeat_transactions(res, births, grid)["cumulative"]
    images = {
        "tracking": figs.tracking(actual, expected, calibration_end=cal_t, origin=np.datetime_as_string(origin),
                                  freq=freq, model_name=chosen),
        "p_alive": figs.p_alive_matrix(res, T=float(now["T"].max()), freq=freq,
                                       max_frequency=int(min(20, max(5, now["frequency"].quantile(0.99))))),
        "clv": figs.clv_histogram(scores["clv"], unit=currency, horizon=horizon),
        "pyramid": figs.pyramid(pyr),
        "lorenz": figs.lorenz(scores["clv"], top20=conc.top_shares[20.0]),
        "risk": figs.value_at_risk(tier_policy, unit=currency),
    }

    # -- 7. the page -----------------------------------------------------------------------------
    say("writing the HTML report")
    ctx = dict(source=source, bundled=bundled, work=work, negative=negative, periods=periods, fmt=fmt, freq=freq,
               cal=cal, now=now, chosen=chosen, rule=rule, model=model, fits=fits, gg=gg, comparison=comparison,
               scores=scores, notes=notes, zero_spend=zero_spend, no_spend_now=no_spend_now, horizon=horizon,
               discount_rate=discount_rate, margin=margin, opts=opts, currency=currency, pyr=pyr, conc=conc,
               states_tab=states_tab, cross=cross, tier_policy=tier_policy, winback=winback, images=images,
               total_clv=total_clv, risk=risk)
    page = _page(ctx)
    params = pd.concat({name: pd.DataFrame({"estimate": r.params, "std_err": r.bse})
                        for name, r in [*fits.items(), ("Gamma-Gamma", gg)]}, names=["model", "param"])
    holdout_mae = float(comparison.at[chosen, "holdout_mae"]) if "holdout_mae" in comparison else None

    # -- 8. write everything at once ------------------------------------------------------------
    with staged_folder(out) as tmp:
        scores.to_csv(tmp / "scores.csv")
        params.to_csv(tmp / "params.csv")
        comparison.to_csv(tmp / "model_comparison.csv")
        tiers_csv.to_csv(tmp / "tiers.csv")
        winback.to_csv(tmp / "winback.csv")
        (tmp / "report.html").write_text(page, encoding="utf-8")
    say(f"done: {out / 'report.html'}")
    return ReportOutput(out, out / "scores.csv", out / "params.csv", out / "report.html", len(now), holdout_mae,
                        chosen, out / "model_comparison.csv", out / "winback.csv")


# -- the page -----------------------------------------------------------------------------------

def _page(c: dict[str, Any]) -> str:  # noqa: C901 - one linear page, section by section
    p: Periods = c["periods"]
    freq, unit_w = c["freq"], figs.UNIT_WORDS[c["freq"]]
    cur = c["currency"]
    money = (lambda v: f"{cur} {v:,.2f}") if cur else (lambda v: f"{v:,.2f}")
    scores, now, cal = c["scores"], c["now"], c["cal"]
    n, res, chosen = len(scores), c["fits"][c["chosen"]], c["chosen"]
    cal_end, obs_end = p.calibration_end, p.observation_end
    body = ["<h1>Customer value report</h1>"]
    neg = int(c["negative"].sum())
    read = ("the date column already held dates" if p.date_format is None else
            "dates were read as ISO 8601 (YYYY-MM-DD)" if p.date_format == "ISO8601" else
            f"dates were read with the format {p.date_format}")
    body.append(
        f"<p>Data: {H.esc(c['source'])}. {len(c['work']):,} rows"
        + (f" ({neg:,} of them returns)" if neg else "")
        + f"; {n:,} customers with a purchase up to the observation end. Purchases run from {_iso(p.first)} "
        f"to {_iso(p.last)}; {H.esc(read)}.</p>")

    # what was done
    done = []
    if cal_end is not None:
        cal_len = (cal_end - p.first).days + 1
        hold = float(cal["duration_holdout"].iloc[0])
        done.append(f"<li><b>Calibration.</b> The purchase model's and the spend model's parameters were estimated "
                    f"on the purchases from {_iso(p.first)} to {_iso(cal_end)} only (the calibration period, "
                    f"{cal_len / TIME_UNITS[freq]:.1f} {unit_w}; {len(cal):,} customers). The purchases from "
                    f"{_iso(cal_end + pd.Timedelta(days=1))} to {_iso(obs_end)} (the holdout, {hold:.1f} {unit_w}) "
                    "were kept back to check the forecasts.</li>")
    else:
        done.append(f"<li><b>Calibration.</b> The parameters were estimated on every purchase up to {_iso(obs_end)}; "
                    "there is no holdout period, so the forecasts are not checked on later data (give "
                    "--calibration-end to keep a holdout back).</li>")
    done.append(f"<li><b>Scoring.</b> Every customer is scored at the observation end, {_iso(obs_end)}, from their "
                "whole purchase history up to then, with the parameters from the calibration period (not refitted)."
                "</li>")
    ref = next(v[2] for v in MODELS.values() if v[0] == chosen)
    pick = (f" It was chosen among {', '.join(c['fits'])} by {c['rule']} (--model auto)." if c["model"] == "auto"
            else " Other models: --model mbgnbd, pnbd, or auto to compare all three.")
    done.append(f"<li><b>Models.</b> Purchases: the {chosen} model ({H.esc(ref)}).{pick} Spend per purchase: the "
                "Gamma-Gamma model (Fader, Hardie &amp; Lee 2005, &quot;RFM and CLV&quot;), fitted on the mean value "
                "of each customer's repeat purchases.</li>")
    done.append(f"<li><b>Value.</b> CLV = expected purchases over the next {c['horizon']} months &times; expected "
                f"spend per purchase &times; margin {c['margin']:g}"
                + (" (revenue: --margin sets the share kept as profit)" if c["margin"] == 1 else "")
                + f", discounted at {c['discount_rate']:.2%} a month.</li>")
    done.append(f"<li><b>Time.</b> The models count time in {unit_w} (--freq: D = days, W = weeks, M = months of "
                "365.25/12 days); purchases on the same day count as one transaction.</li>")
    if c["bundled"]:
        fhl = ", ".join(f"{k} = {v:g}" for k, v in FHL2005.items())
        bg = c["fits"].get("BG/NBD")
        mine = (", ".join(f"{k} = {v:.3f}" for k, v in bg.params.items()) if bg is not None else "")
        done.append("<li><b>Why these numbers differ from Fader, Hardie &amp; Lee (2005).</b> Their BG/NBD "
                    f"estimates ({fhl}) come from the 1/10 sample of 2,357 customers; this report fits the full log "
                    "of 23,570 customers"
                    + (f" (BG/NBD here: {mine})" if mine else "")
                    + ". custvalue.datasets.load_cdnow_summary() holds their sample and reproduces their numbers."
                    "</li>")
    body.append("<h2>What was done</h2><ul>" + H.options("".join(done)) + "</ul>")
    for m in c["notes"]:
        body.append(H.note("Note: " + m))
    if c["zero_spend"].any() or c["no_spend_now"].any():
        body.append(H.note(f"Note: {H.plural(int(c['zero_spend'].sum()), 'calibration repeat buyer')} whose "
                           "repeat purchases total 0 were left out of the Gamma-Gamma fit; "
                           f"{H.plural(int(c['no_spend_now'].sum()), 'customer')} with repeat purchases totalling "
                           "0 at the observation end are scored with the population mean spend."))

    # model fit and forecasts
    comp = c["comparison"]
    body.append("<h2>Model fit and forecast check</h2>")
    cols = {"n_params": H.fmt_int, "llf": H.fmt_num, "aic": H.fmt_num, "bic": H.fmt_num}
    heads = {"n_params": "parameters", "llf": "log-likelihood", "aic": "AIC", "bic": "BIC",
             "holdout_mae": "holdout MAE", "holdout_rmse": "holdout RMSE",
             "holdout_predicted": "holdout: predicted", "holdout_actual": "holdout: actual",
             "tracking_mape": "tracking error"}
    if "holdout_mae" in comp:
        cols.update(holdout_mae=H.fmt_prob, holdout_rmse=H.fmt_prob, holdout_predicted=H.fmt_int,
                    holdout_actual=H.fmt_int)
    if "tracking_mape" in comp:
        cols["tracking_mape"] = lambda v: f"{float(v):.1f}%"
    body.append(H.table(comp, cols, headers=heads, index_header="model",
                        caption="Fit on the calibration period and forecasts of the holdout"))
    expl = ("Log-likelihood, AIC = 2k - 2LL and BIC = k ln(n) - 2LL measure the fit to the calibration data "
            "(lower AIC and BIC are better). ")
    if "holdout_mae" in comp:
        r = comp.loc[chosen]
        off = (r["holdout_predicted"] - r["holdout_actual"]) / max(r["holdout_actual"], 1)
        expl += (f"Holdout MAE and RMSE are the mean absolute and root mean squared errors of each customer's "
                 f"forecast number of holdout purchases; the tracking error is the mean absolute percentage error "
                 f"of the cumulative repeat transactions over the holdout {unit_w}. The {chosen} model predicted "
                 f"{r['holdout_predicted']:,.0f} repeat purchases in the holdout for the calibration customers, who "
                 f"made {r['holdout_actual']:,.0f} ({off:+.1%}); per customer its forecast is off by "
                 f"{r['holdout_mae']:.2f} purchases on average.")
    else:
        expl += "The tracking error compares the model's cumulative repeat transactions with the actual ones in-sample."
    body.append(H.reading(expl))
    for name, fit in c["fits"].items():
        body.append(_param_table(fit, name))
    body.append(_param_table(c["gg"], "Gamma-Gamma"))
    body.append("<h3>Tracking: cumulative repeat transactions</h3>" + H.image(c["images"]["tracking"], "tracking plot"))
    body.append(H.reading(
        "The solid line counts the repeat transactions that happened; the dashed line is what the model expects "
        "for the same customers from their first purchase on"
        + (", with the parameters of the calibration period only: to the right of the dotted line it is a "
           "forecast." if cal_end is not None else ".")))

    # P(alive) and states
    body.append("<h2>Who is still active: P(alive) and customer states</h2>")
    body.append(H.image(c["images"]["p_alive"], "P(alive) by frequency and recency"))
    one_time = scores["frequency"] == 0
    pa_text = ("The chart shows the probability that a customer is still active (P(alive)) by the number of "
               "repeat purchases (frequency) and the age at the last one (recency): customers who bought often "
               "but not lately are the most likely to have left. ")
    if chosen == "BG/NBD":
        pa_text += (f"One-time buyers ({int(one_time.sum()):,} customers, {one_time.mean():.1%}) get P(alive) = 1 "
                    "under the BG/NBD: in that model a customer can drop out only just after a repeat purchase, so "
                    "someone who never came back has had no occasion to drop out (FHL 2005, eq. 13). They count as "
                    "active below, which overstates the active base; the MBG/NBD (--model mbgnbd) and Pareto/NBD "
                    "(--model pnbd) let them drop out.")
    else:
        pa_text += (f"Unlike the BG/NBD, the {chosen} lets customers without a repeat purchase drop out: the "
                    f"{int(one_time.sum()):,} one-time buyers have a median P(alive) of "
                    f"{scores.loc[one_time, 'p_alive'].median() if one_time.any() else float('nan'):.2f}.")
    body.append(H.reading(pa_text))
    o = c["opts"]
    st = c["states_tab"]
    body.append(H.table(st, {"customers": H.fmt_int, "customer_share": H.fmt_pct, "clv": H.fmt_money,
                             "clv_share": H.fmt_pct, "mean_p_alive": H.fmt_prob},
                        headers={"customer_share": "% of customers", "clv": f"CLV{' (' + cur + ')' if cur else ''}",
                                 "clv_share": "% of CLV", "mean_p_alive": "mean P(alive)"},
                        index_header="state",
                        caption=f"Customer states: active P(alive) >= {o['active_threshold']:g}, at risk in between, "
                                f"lapsed P(alive) < {o['lapsed_threshold']:g}"))
    parts = [f"{st.at[s, 'customers']:,} customers ({st.at[s, 'customer_share']:.1%}) are {s}, holding "
             f"{st.at[s, 'clv_share']:.1%} of the expected value" for s in STATES]
    body.append(H.reading("; ".join(parts) + ". The thresholds are a reading aid, not estimates: change them with "
                          "--active-threshold and --lapsed-threshold."))
    cross = c["cross"]
    if "current" in cross.columns:
        cur_share = cross["current"] / cross.sum(axis=1).replace(0, np.nan)
        body.append(H.table(cross.assign(share=cur_share), {**{k: H.fmt_int for k in cross.columns},
                                                           "share": H.fmt_pct},
                            headers={"share": "% current"}, index_header="model state",
                            caption=f"Model states against the seed's recency rule (current: a purchase in the "
                                    f"last {LOST_AFTER_MONTHS} calendar months; lost: none)"))
        body.append(H.reading(
            "The seed text's rule calls a customer current while they keep buying and lost after a gap; the model "
            "weighs the gap against each customer's own buying rate. "
            + "; ".join(f"{cur_share[s]:.0%} of the {s} customers bought in the last {LOST_AFTER_MONTHS} months"
                        for s in STATES if np.isfinite(cur_share[s])) + "."))

    # CLV
    clv = scores["clv"]
    body.append(f"<h2>Customer lifetime value over the next {c['horizon']} months</h2>")
    body.append(H.image(c["images"]["clv"], "distribution of CLV"))
    body.append(H.reading(
        f"The {n:,} customers are expected to bring {money(c['total_clv'])} in the next {c['horizon']} months "
        f"(discounted). The median customer is worth {money(clv.median())} and the mean {money(clv.mean())}: a few "
        f"customers are worth much more than the typical one (the top 1% start at {money(clv.quantile(0.99))}). "
        "The histogram leaves out the customers who have almost surely left (CLV below 0.01) and the top 0.5%, as "
        "its title says; their values are in scores.csv."))

    # tiers and concentration
    pyr, conc = c["pyr"], c["conc"]
    t = pyr.table
    body.append("<h2>Value tiers (customer pyramid) and concentration</h2>")
    body.append(H.table(t, {"n_customers": H.fmt_int, "customer_share": H.fmt_pct, "total_value": H.fmt_money,
                            "value_share": H.fmt_pct, "mean_value": H.fmt_money,
                            "cumulative_value_share": H.fmt_pct},
                        headers={"n_customers": "customers", "customer_share": "% of customers",
                                 "total_value": f"CLV{' (' + cur + ')' if cur else ''}", "value_share": "% of CLV",
                                 "mean_value": "mean CLV", "cumulative_value_share": "cumulative % of CLV"},
                        index_header="tier", caption="Customer pyramid by CLV (seed 001: top 1%, next 19%, 30%, 50%)"))
    body.append(H.image(c["images"]["pyramid"], "customer pyramid"))
    body.append(H.image(c["images"]["lorenz"], "Lorenz curve of CLV"))
    top20 = conc.top_shares[20.0]
    body.append(H.reading(
        f"The top 1% of customers ({t['n_customers'].iloc[0]:,} important customers) hold "
        f"{t['value_share'].iloc[0]:.1%} of the total CLV; the top 20%, the seed's key customers (important and "
        f"secondary), hold {top20:.1%}, against the 80% of the rule of thumb. The bottom 50% (small customers) hold "
        f"{t['value_share'].iloc[-1]:.1%}. The Gini coefficient is {conc.gini:.2f} (0: everyone worth the same, "
        "1: one customer holds everything)."))

    # churn and win-back
    tp, wb = c["tier_policy"], c["winback"]
    var_total = float(tp["value_at_risk"].sum())
    body.append("<h2>Churn value at risk and win-back</h2>")
    tp_show = tp.assign(clv_if_active=c["risk"].groupby("tier", observed=False)["value"].sum())
    body.append(H.table(tp_show, {"n_customers": H.fmt_int, "clv_if_active": H.fmt_money,
                                  "value_at_risk": H.fmt_money, "n_worth_contacting": H.fmt_int,
                                  "expected_net_value": H.fmt_money, "share_worth_winning_back": H.fmt_pct,
                                  "policy": H.fmt_text},
                        headers={"n_customers": "customers", "clv_if_active": "CLV if active",
                                 "value_at_risk": "value at risk", "n_worth_contacting": "worth contacting now",
                                 "expected_net_value": "expected net value of contacting them",
                                 "share_worth_winning_back": "% worth winning back if lost", "policy": "policy"},
                        index_header="tier",
                        caption=f"By value tier, at a response rate of {o['winback_response_rate']:.0%} and a "
                                f"contact cost of {money(o['winback_cost'])}"))
    body.append(H.image(c["images"]["risk"], "value at risk by tier"))
    key = tp["value_at_risk"].iloc[:2].sum() / var_total if var_total > 0 else float("nan")
    policies = "; ".join(f"{tier}: {pol}" for tier, pol in tp["policy"].items())
    body.append(H.reading(
        "A customer's CLV if active is their CLV divided by P(alive) (the models' forecasts are P(alive) times the "
        "forecast for an active customer); the value at risk is (1 - P(alive)) times it, the value lost if the "
        f"customers who have probably left stay away: {money(var_total)} in all, {key:.1%} of it with the key "
        f"customers (important and secondary). A contact wins back a lost customer with the assumed response rate "
        f"({o['winback_response_rate']:.0%}) at the assumed cost ({money(o['winback_cost'])}; change both with "
        "--winback-response-rate and --winback-cost); contacting a customer is worth it when the response rate times "
        "the value at risk exceeds the cost. The seed's policy per tier follows from the share of the tier's "
        f"customers worth winning back if lost: {policies}."))
    body.append(f"<h3>Win-back list (winback.csv: {len(wb):,} customers)</h3>")
    if len(wb):
        top = wb.head(10).set_index("rank")
        body.append(H.table(top, {"tier": H.fmt_text, "state": H.fmt_text, "p_alive": H.fmt_prob, "clv": H.fmt_money,
                                  "clv_if_active": H.fmt_money, "value_at_risk": H.fmt_money,
                                  "expected_net_value": H.fmt_money, "purchases": H.fmt_int,
                                  "last_purchase": H.fmt_text},
                            headers={"p_alive": "P(alive)", "clv": "CLV", "clv_if_active": "CLV if active",
                                     "value_at_risk": "value at risk", "expected_net_value": "expected net value",
                                     "last_purchase": "last purchase"},
                            index_header="rank", caption="The first 10"))
        body.append(H.reading(
            f"These are the at-risk and lapsed customers whose expected net value of a contact is positive, ranked by "
            f"it: {len(wb):,} customers, {money(float(wb['expected_net_value'].sum()))} of expected net value in "
            "all (their ids are in winback.csv). The tier is by CLV, which already counts the chance that the "
            "customer has left: a heavy buyer who has probably left sits in a low tier, yet is worth much if won "
            "back (CLV if active)."))
    else:
        body.append(H.reading("No at-risk or lapsed customer is worth contacting at the assumed response rate and "
                              "cost."))

    body.append("<h2>Files</h2><ul>"
                "<li>scores.csv: one row per customer: frequency, recency and T (in " + unit_w + "), monetary_value "
                "(mean repeat purchase), expected_purchases (next " + str(c["horizon"]) + " months), p_alive, state, "
                "expected_spend, clv, clv_if_active, value_tier.</li>"
                "<li>params.csv: estimates and standard errors of every fitted model.</li>"
                "<li>model_comparison.csv: the fit and forecast table above.</li>"
                "<li>tiers.csv: the value tiers with their value at risk and win-back policy.</li>"
                "<li>winback.csv: the ranked win-back list.</li></ul>")
    body.append("<p class='small'>Made by custvalue " + H.esc(_version()) + ". Self-contained: no scripts, nothing "
                "fetched from the network.</p>")
    return H.page("custvalue customer value report", body)


def _version() -> str:
    from .. import __version__

    return __version__
