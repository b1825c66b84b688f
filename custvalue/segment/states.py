"""Customer states (potential / target / current / lost / non-customer) and their migration.

*CRM theory* (客户关系管理理论, on customer states 客户状态): a firm's customers are *potential* customers (潜在客户,
known and able to buy), *target* customers (目标客户, chosen and approached), *current*
customers (现实客户, buying), *lost* customers (流失客户, who bought but stopped) and
*non-customers* (非客户, who will not buy); customers move between these states.  The states
are assigned per period from a transaction log and a prospect list; the migration matrix is
estimated and projected with the Markov-chain tools of :mod:`custvalue.markov`
(Pfeifer & Carraway 2000), which also give the state-based CLV.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import moved_names, renamed_arguments
from .._validation import (as_float_array, as_period, check_level, check_not_missing, check_period_freq,
                           check_whole_number, describe_rows, parse_dates, require_frame)
from ..exceptions import DataError
from ..markov import TransitionMatrixResults, as_chain, estimate_transition_matrix, recency_states

__all__ = ["CUSTOMER_STATES", "customer_states", "state_mix", "migration", "project_state_mix"]

#: The five customer states of *CRM theory*, in funnel order.
CUSTOMER_STATES: tuple[str, ...] = ("potential", "target", "current", "lost", "non_customer")

__getattr__ = moved_names(__name__, {"SEED_STATES": (__name__, "CUSTOMER_STATES")})


_NEVER = np.iinfo(np.int64).max


def _period_ordinal(values: pd.Series, freq: str, name: str, *, date_format: str | None,
                    dayfirst: bool | None) -> np.ndarray:
    """Period ordinals of a date column; missing dates mean 'never' (a large sentinel).

    The present values are parsed with one format for the column (no guessing, see
    :func:`custvalue._validation.parse_dates`)."""
    out = np.full(len(values), _NEVER, dtype=np.int64)
    ok = values.notna().to_numpy()
    if ok.any():
        dates, _ = parse_dates(values[ok], name, date_format=date_format, dayfirst=dayfirst)
        out[ok] = dates.dt.to_period(freq).array.asi8
    return out


@renamed_arguments(customer_id="customer_col", datetime="date_col", freq="period_alias")
def customer_states(transactions: pd.DataFrame, *, prospects: pd.DataFrame | None = None,
                    customer_col: str = "customer_id", date_col: str = "date", period_alias: str = "M",
                    lost_after: int = 3, identified: str = "identified", targeted: str = "targeted",
                    declined: str = "declined", start: Any = None, end: Any = None,
                    date_format: str | None = None, dayfirst: bool | None = None) -> pd.DataFrame:
    """Assign the customer state of *CRM theory* to every customer at the end of every period.

    Rules, per customer and period (first match wins):

    * **current**: bought within the last ``lost_after`` periods (this one included);
    * **lost**: bought before, but not within the last ``lost_after`` periods;
    * **non_customer**: a prospect who never bought and has ``declined`` (opted out, refused);
    * **target**: a prospect who never bought and has been ``targeted`` (approached);
    * **potential**: a prospect who never bought, ``identified`` but not yet targeted;
    * missing (``NaN``) before the customer is known.

    The purchase part reuses :func:`custvalue.markov.recency_states` (periods since the last
    purchase); everything is computed on a customers x periods array, without loops over
    customers.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase with the ``customer_col`` and ``date_col`` columns.  May be empty
        when ``prospects`` are given (nobody has bought yet).
    prospects : pandas.DataFrame, optional
        One row per known prospect with ``customer_col`` and the date columns ``identified``
        (required), ``targeted`` and ``declined`` (optional; missing = never).
    customer_col, date_col : str, default "customer_id", "date"
        Column names of the customer id and the purchase date.
    period_alias : str, default "M"
        Period length, a pandas period alias ("D", "W", "M", "Q", "Y").
    lost_after : int, default 3
        Periods without a purchase after which a current customer counts as lost.
    identified, targeted, declined : str
        Column names of the prospect dates.
    start, end : date-like, optional
        First and last period (default: the span of all dates given).
    date_format : str, optional
        ``strftime`` format of date columns given as text (default: ISO dates, or the one
        format that reads every value; see :func:`custvalue.rfm.rfm_summary`).
    dayfirst : bool, optional
        Read ambiguous text dates such as ``02/01/2023`` day first (True) or month first.

    Returns
    -------
    pandas.DataFrame
        One row per customer (index ``customer_id``), one column per period; categorical
        states with categories :data:`CUSTOMER_STATES`.  Feed it to :func:`migration`.

    Raises
    ------
    DataError
        On a missing customer id or purchase date, text that is not a date, an ambiguous
        day/month column, an empty log without prospects, or ``end`` before ``start``
        (offending rows are named).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import customer_states
    >>> log = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2020-01-10", "2020-02-03"])})
    >>> pros = pd.DataFrame({"customer_id": [1, 2], "identified": pd.to_datetime(["2019-12-01", "2020-01-01"]),
    ...                      "targeted": pd.to_datetime(["2019-12-15", None])})
    >>> customer_states(log, prospects=pros, lost_after=2, end="2020-05").to_numpy().tolist()
    [['target', 'current', 'current', 'current', 'lost', 'lost'], [nan, 'potential', 'potential', 'potential', 'potential', 'potential']]
    """
    lost_after = check_whole_number(lost_after, "lost_after", minimum=1)
    freq = check_period_freq(period_alias, "period_alias")
    customer_id, datetime = customer_col, date_col
    require_frame(transactions, "transactions", (customer_id, datetime))
    check_not_missing(transactions[customer_id], f"transactions[{customer_id!r}]", transactions.index)
    if transactions.empty and prospects is None:
        raise DataError("transactions is empty and no prospects were given: there is nobody to "
                        "assign a state to.")
    tx_dates = pd.Series([], dtype="datetime64[ns]")
    if not transactions.empty:
        check_not_missing(transactions[datetime], f"transactions[{datetime!r}]", transactions.index)
        tx_dates, _ = parse_dates(transactions[datetime], datetime, date_format=date_format,
                                  dayfirst=dayfirst)
    tx_per = tx_dates.dt.to_period(freq)
    lo, hi = (tx_per.min(), tx_per.max()) if len(tx_per) else (None, None)
    pro = None
    if prospects is not None:
        require_frame(prospects, "prospects", (customer_id, identified))
        check_not_missing(prospects[customer_id], f"prospects[{customer_id!r}]", prospects.index)
        if prospects[customer_id].duplicated().any():
            raise DataError(f"prospects must list each {customer_id} once; "
                            + describe_rows(prospects[customer_id].duplicated().to_numpy(), prospects.index))
        if prospects.empty:
            raise DataError("prospects is empty; pass prospects=None when there are none.")
        if prospects[identified].isna().any():
            raise DataError(f"prospects' {identified!r} date is required; "
                            + describe_rows(prospects[identified].isna().to_numpy(), prospects.index))
        pro = {c: _period_ordinal(prospects[c], freq, c, date_format=date_format, dayfirst=dayfirst)
               if c in prospects else np.full(len(prospects), _NEVER)
               for c in (identified, targeted, declined)}
        first = pd.Period(ordinal=int(pro[identified].min()), freq=freq)
        lo = first if lo is None or first < lo else lo
        if hi is None:  # nobody has bought yet: the span of the prospects' dates
            known = np.concatenate([v[v < _NEVER] for v in pro.values()])
            hi = pd.Period(ordinal=int(known.max()), freq=freq)
    p0 = lo if start is None else as_period(start, freq, "start")
    p1 = hi if end is None else as_period(end, freq, "end")
    if p1 < p0:
        raise DataError(f"end ({p1}) must not precede start ({p0}).")
    n_per = p1.ordinal - p0.ordinal + 1
    # purchases: periods since the last purchase, capped at lost_after (reused from custvalue.markov)
    if len(tx_dates):
        tx = pd.DataFrame({"customer_id": transactions[customer_id].to_numpy(),
                           "date": tx_dates.to_numpy()})
        rec = recency_states(tx, period_alias=freq, n_classes=lost_after + 1, start=p0, end=p1)
        r = rec.to_numpy(dtype=np.float64, na_value=np.nan)
        ids = rec.index
    else:
        r = np.empty((0, n_per))
        ids = pd.Index([], dtype=prospects[customer_id].dtype)
    rec_ids = ids
    if prospects is not None:
        ids = ids.union(pd.Index(prospects[customer_id].unique()))
    codes = np.full((len(ids), n_per), -1, dtype=np.int8)
    rows = ids.get_indexer(rec_ids)
    bought = ~np.isnan(r)
    block = np.where(~bought, -1, np.where(r < lost_after, 2, 3)).astype(np.int8)
    codes[rows] = block
    if prospects is not None:
        prow = ids.get_indexer(prospects[customer_id])
        t = p0.ordinal + np.arange(n_per)[None, :]
        never_bought = codes[prow] < 0
        state = np.full((len(prow), n_per), -1, dtype=np.int8)
        for code, col in ((0, identified), (1, targeted), (4, declined)):  # three date columns
            state = np.where(t >= pro[col][:, None], np.int8(code), state)
        codes[prow] = np.where(never_bought, state, codes[prow])
    cats = pd.Index(CUSTOMER_STATES)
    columns = pd.period_range(p0, p1, freq=freq, name="period")
    data = {col: pd.Categorical.from_codes(codes[:, j], categories=cats) for j, col in enumerate(columns)}
    out = pd.DataFrame(data, index=ids.rename("customer_id"))
    out.columns.name = "period"
    return out


def _check_labels(panel: Any, states: Sequence[Any]) -> None:
    """Unknown state labels -> DataError naming them and the customers holding them."""
    if isinstance(panel, pd.DataFrame) and panel.shape[1] >= 1:
        arr = panel.astype(object).to_numpy()
        known = pd.Index(list(states))
        flat = pd.Series(arr.ravel())
        bad = flat.notna().to_numpy() & ~flat.isin(known).to_numpy()
        if bad.any():
            rows = bad.reshape(arr.shape).any(axis=1)
            labels = sorted({str(v) for v in flat[bad].unique()[:5]})
            raise DataError(f"the panel holds state labels that are not in states={list(states)}: "
                            f"{labels}; " + describe_rows(rows, panel.index)
                            + "; recode them or pass states=.")


def state_mix(panel: pd.DataFrame, *, states: Sequence[Any] = CUSTOMER_STATES) -> pd.DataFrame:
    """Number of customers in each state at each period end.

    Parameters
    ----------
    panel : pandas.DataFrame
        Wide state panel (customers x periods), e.g. from :func:`customer_states`.
    states : sequence, default CUSTOMER_STATES
        State labels (unknown labels in the panel raise :class:`DataError`).

    Returns
    -------
    pandas.DataFrame
        Rows periods, columns states, counts.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import state_mix
    >>> p = pd.DataFrame({1: ["current", "lost"], 2: ["lost", "lost"]})
    >>> state_mix(p, states=["current", "lost"]).to_numpy().tolist()
    [[1, 1], [0, 2]]
    """
    if not isinstance(panel, pd.DataFrame) or panel.empty:
        what = f"an empty DataFrame of shape {panel.shape}" if isinstance(panel, pd.DataFrame) \
            else type(panel).__name__
        raise DataError("panel must be a non-empty wide state panel (a DataFrame of customers x "
                        f"periods, e.g. from customer_states); received {what}.")
    _check_labels(panel, states)
    known = pd.Index(list(states))
    arr = panel.astype(object).to_numpy()
    codes = known.get_indexer(arr.ravel()).reshape(arr.shape)  # -1 for missing
    k = len(known)
    shifted = codes + 1 + (k + 1) * np.arange(arr.shape[1])[None, :]
    counts = np.bincount(shifted.ravel(), minlength=(k + 1) * arr.shape[1]).reshape(arr.shape[1], k + 1)
    return pd.DataFrame(counts[:, 1:], index=panel.columns, columns=known.rename("state"))


def migration(panel: Any, *, states: Sequence[Any] = CUSTOMER_STATES, level: float = 0.95,
              ci_method: str = "wilson", unobserved: str = "absorbing",
              **panel_columns: Any) -> TransitionMatrixResults:
    """Estimate the state-migration matrix with confidence intervals.

    A thin call to :func:`custvalue.markov.estimate_transition_matrix` (multinomial MLE
    ``n_ij / n_i``, Anderson & Goodman 1957) with the customer states of *CRM theory* and a
    check that every label is known.  The result hands straight to the Markov CLV:
    ``migration(panel).chain.value(rewards, discount_rate)``.

    Parameters
    ----------
    panel : pandas.DataFrame
        A wide state panel (e.g. :func:`customer_states`), or a long panel with
        ``customer_col=``, ``period=``, ``state=`` column names in ``panel_columns``.
    states : sequence, default CUSTOMER_STATES
        State labels, in the order of the matrix.
    level : float, default 0.95
        Confidence level of the per-entry intervals.
    ci_method : {"wilson", "goodman", "wald"}, default "wilson"
    unobserved : {"absorbing", "raise"}, default "absorbing"
        A state never left in the data (e.g. no non-customer ever seen) is treated as
        absorbing.
    **panel_columns
        ``customer_col=``, ``period=``, ``state=`` for a long panel.

    Returns
    -------
    custvalue.markov.TransitionMatrixResults
        ``matrix``, ``lower``, ``upper``, ``counts``, ``chain`` (values: ``chain.value(...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import migration
    >>> p = pd.DataFrame({1: ["current", "current"], 2: ["current", "lost"], 3: ["lost", "lost"]})
    >>> migration(p, states=["current", "lost"]).matrix.round(3).to_numpy().tolist()
    [[0.333, 0.667], [0.0, 1.0]]
    """
    level = check_level(level)
    if "state" in panel_columns and isinstance(panel, pd.DataFrame):
        col = panel_columns["state"]
        if col not in panel:
            raise DataError(f"column {col!r} not found in panel; columns received: {list(panel.columns)}.")
        _check_labels(panel[[col]], states)
    else:
        _check_labels(panel, states)
    return estimate_transition_matrix(panel, states=states, level=level, ci_method=ci_method,
                                      unobserved=unobserved, **panel_columns)


def project_state_mix(transitions: Any, initial: Any, horizon: int, *,
                      states: Sequence[Any] | None = None) -> pd.DataFrame:
    """Expected number of customers per state over the next ``horizon`` periods.

    ``n_t = n_0 P^t`` (the Markov chain's forward projection).

    Parameters
    ----------
    transitions : TransitionMatrixResults, MarkovChain, pandas.DataFrame or array-like
        The migration matrix (e.g. the output of :func:`migration`).
    initial : pandas.Series, mapping or array-like
        Customers per state now (counts; e.g. the last row of :func:`state_mix`).
    horizon : int
        Number of periods ahead.
    states : sequence, optional
        Labels when ``transitions`` is a plain array.

    Returns
    -------
    pandas.DataFrame
        Rows ``t = 0..horizon``, columns states, expected counts (rows sum to the initial
        total).

    Examples
    --------
    >>> from custvalue.segment import project_state_mix
    >>> project_state_mix([[0.5, 0.5], [0.0, 1.0]], [100, 0], 2).to_numpy().tolist()
    [[100.0, 0.0], [50.0, 50.0], [25.0, 75.0]]
    """
    chain = as_chain(transitions, states, name="transitions")
    if isinstance(initial, pd.Series):
        unknown = [s for s in initial.index if s not in set(chain.states)]
        if unknown:
            raise DataError(f"initial holds state labels not in the chain's states "
                            f"{list(chain.states)}: {unknown}.")
    raw = pd.Series(initial).reindex(chain.states) if isinstance(initial, (pd.Series, dict)) else initial
    x = as_float_array(raw, "initial", allow_empty=True)
    if x.shape != (chain.k,) or (x < 0).any() or x.sum() <= 0:
        raise DataError(f"initial must be {chain.k} non-negative counts (one per state "
                        f"{list(chain.states)}) with a positive total; received {initial!r}.")
    shares = chain.state_distribution(x, horizon)
    return shares * x.sum()
