"""Scale-out on Dask (optional extra): summaries, fits and scores for bases beyond one machine.

Three pieces, each the in-memory code run where the data are:

* :func:`rfm_summary` - a transaction log as a Dask DataFrame becomes one row per customer.
  A first light pass gathers, per partition, the date type, the first and last day and the
  row count; the log is then shuffled on the customer column (a distributed group-by: all of
  a customer's rows land in one partition) and every partition is summarised by
  :func:`custvalue.rfm.rfm_summary` itself (holdout counts by its
  :func:`custvalue.rfm.reduce_customer_days`). Rows keep their original order inside each
  customer, so same-day amounts are added in the same order as in memory and the result is
  *identical* to ``custvalue.rfm.rfm_summary`` on the whole log.
* :func:`fit` - every buy-till-you-die model (any :class:`custvalue.clv._base.CustomerModel`)
  is fitted from its sufficient statistics: the unique rows of its ``data_columns`` with
  their counts, compressed inside each partition, gathered (a few thousand rows for
  continuous-time data at weekly resolution, whatever the number of customers) and passed as
  ``weights=`` to the in-memory ``fit``. The in-memory model compresses its input the same
  way, so the fit is identical. (Exception: above 100,000 rows whose sample shows almost no
  repeated rows, as with continuous-time ages, the in-memory model skips the compression
  and sums over rows in their input order; the two fits then agree to rounding (tested to
  1e-9 relative on parameters and standard errors), not bit for bit.)
* :func:`score` - predictions and CLV with ``map_partitions`` and the results' own methods
  (:func:`custvalue.streaming.score_frame`): the in-memory scores, P(alive) and expected
  spend bit for bit, expected purchases and CLV to about 1e-14 relative (each partition
  interpolates within its own frequency groups; see
  :func:`custvalue.math.special.geometric_dropout_mean`).

The same code runs on the threaded scheduler, a ``dask.distributed.LocalCluster`` and a
multi-machine cluster: whichever client is active executes the graphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import renamed_arguments
from ._validation import as_float_array, check_nonnegative, check_whole_number, compress_rows
from .exceptions import DataError

__all__ = ["rfm_summary", "compressed_statistics", "fit", "score"]

_POS = "__custvalue_row__"


def _dd():
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - the extra is installed in the test environment
        raise ModuleNotFoundError("custvalue.dask needs dask[dataframe] (pip install "
                                  "'dask[dataframe]'; add 'distributed' for clusters).") from None
    return dd


def _check_frame(ddf: Any, columns: list[str], arg: str = "ddf") -> None:
    dd = _dd()
    if not isinstance(ddf, dd.DataFrame):
        raise DataError(f"{arg} must be a dask DataFrame; received {type(ddf).__name__} "
                        f"(use custvalue.rfm / the in-memory models for pandas data).")
    missing = [c for c in columns if c not in ddf.columns]
    if missing:
        raise DataError(f"{arg} is missing the column(s) {missing}; columns found: "
                        f"{list(ddf.columns)}.")


def _date_kind(s: pd.Series) -> str:
    """The kind of dates a partition holds: datetime, text, date, mixed (or the dtype).

    Object columns are inspected element-wise (``pandas.api.types.infer_dtype``), since a
    concatenation of datetime and string partitions arrives as object in both.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        kind = pd.api.types.infer_dtype(s, skipna=True)
        return {"string": "text", "datetime64": "datetime", "empty": "empty"}.get(kind, kind)
    return str(s.dtype)


def _scan(part: pd.DataFrame, date_col: str, date_format: str | None, dayfirst: bool | None,
          partition_info: dict | None = None) -> pd.DataFrame:
    """Per partition: date kind, the date formats that read all its values, row count.

    The formats of all partitions are intersected afterwards, so the whole log is read with
    one format (a partition whose dates are all ambiguous takes the others' reading).
    """
    from ._validation import candidate_date_formats

    number = partition_info["number"] if partition_info else -1
    kind = _date_kind(part[date_col])
    if len(part) == 0:
        return pd.DataFrame({"partition": [number], "kind": [kind], "formats": [""], "rows": [0]})
    name = f"date_col {date_col!r} (partition {number})"
    formats = ([date_format] if date_format is not None
               else candidate_date_formats(part[date_col], name, dayfirst=dayfirst))
    return pd.DataFrame({"partition": [number], "kind": [kind], "formats": ["|".join(formats)],
                         "rows": [len(part)]})


def _day_range(part: pd.DataFrame, date_col: str, date_format: str | None,
               partition_info: dict | None = None) -> pd.DataFrame:
    """Per partition: first and last day, parsed with the log's one resolved format."""
    from .rfm import _days

    number = partition_info["number"] if partition_info else -1
    if len(part) == 0:
        return pd.DataFrame({"partition": [number], "first": [np.nan], "last": [np.nan]})
    days = _days(part[date_col], f"date_col {date_col!r} (partition {number})", part.index,
                 date_format)
    return pd.DataFrame({"partition": [number], "first": [float(days.min())],
                         "last": [float(days.max())]})


def _number(part: pd.DataFrame, offsets: np.ndarray, partition_info: dict | None = None
            ) -> pd.DataFrame:
    """Give every row its global position (partition offset + row number)."""
    start = int(offsets[partition_info["number"]]) if partition_info else 0
    return part.assign(**{_POS: np.arange(start, start + len(part), dtype=np.int64)})


def _summarise(part: pd.DataFrame, *, customer_col: str, date_col: str,
               monetary_col: str | None, freq: str, end_day: int, cal_day: int | None,
               date_format: str | None, empty: pd.DataFrame) -> pd.DataFrame:
    """One shuffled partition (all rows of its customers) -> its customers' summary rows."""
    from .rfm import TIME_UNITS, _days, reduce_customer_days
    from .rfm import rfm_summary as rfm_memory

    if len(part) == 0:
        return empty
    part = part.sort_values(_POS, kind="stable").drop(columns=_POS)
    days = _days(part[date_col], "date_col", part.index, date_format)
    last_cal = end_day if cal_day is None else cal_day
    cal_rows = part[days <= last_cal]
    if len(cal_rows) == 0:
        return empty
    day_label = np.datetime64(int(last_cal), "D")
    out = rfm_memory(cal_rows, customer_col=customer_col, date_col=date_col,
                     monetary_col=monetary_col, freq=freq, observation_end=day_label,
                     date_format=date_format)
    if cal_day is not None:
        unit = TIME_UNITS[freq]
        hold = (days > cal_day) & (days <= end_day)
        codes = out.index.get_indexer(part[customer_col].to_numpy()[hold])
        known = codes >= 0
        spend = (part[monetary_col].to_numpy(dtype=np.float64)[hold][known]
                 if monetary_col is not None else None)
        rh = reduce_customer_days(codes[known], days[hold][known], spend, len(out))
        fh = rh["n_days"]
        out["frequency_holdout"] = fh
        if monetary_col is not None:
            tot = rh["total_spend"]
            out["monetary_value_holdout"] = np.divide(tot, fh, out=np.zeros_like(tot), where=fh > 0)
        out["duration_holdout"] = (end_day - cal_day) / unit
    return out[list(empty.columns)]


def rfm_summary(transactions: Any, *, customer_col: str, date_col: str,
                monetary_col: str | None = None, freq: str = "W", observation_end: Any = None,
                calibration_end: Any = None, date_format: str | None = None,
                dayfirst: bool | None = None) -> Any:
    """:func:`custvalue.rfm.rfm_summary` on a Dask DataFrame of transactions.

    Same arguments and the same values as the in-memory function (see its docstring for the
    definitions of the columns); the work is distributed: a light pass reads the date column
    (first/last day per partition, checking that every partition holds the same kind of
    date), then the log is shuffled on ``customer_col`` and each partition is summarised
    where it lies. Only the per-customer rows come back.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per purchase.
    customer_col, date_col, monetary_col, freq, observation_end, calibration_end, date_format, dayfirst
        As in :func:`custvalue.rfm.rfm_summary`. String dates are read with one format for
        the whole log: the formats that read every value of each partition are intersected
        (so a partition whose dates are all ambiguous takes the others' reading).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by ``customer_id``; each partition sorted by customer (call
        ``.compute().sort_index()`` for the in-memory layout, or write it with
        ``.to_parquet`` and fit with :func:`fit`).

    Raises
    ------
    DataError
        A missing column, dates of different kinds in different partitions (e.g. datetime in
        some, strings in others), unparseable dates, or an invalid period.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> tx = dd.from_pandas(load_cdnow_sample_transactions(), npartitions=4)
    >>> s = rfm_summary(tx, customer_col="customer_id", date_col="date",
    ...                 monetary_col="amount", observation_end="1997-09-30")
    >>> s.compute().sort_index().loc[1, ["frequency", "recency", "T"]].round(2).tolist()
    [2.0, 30.43, 38.86]
    """
    from .rfm import TIME_UNITS, _as_day

    cols = [customer_col, date_col] + ([monetary_col] if monetary_col is not None else [])
    _check_frame(transactions, cols, "transactions")
    if freq not in TIME_UNITS:
        raise DataError(f"freq must be one of {sorted(TIME_UNITS)}; received {freq!r}.")
    ddf = transactions[cols]
    scan_meta = pd.DataFrame({"partition": pd.Series(dtype="int64"), "kind": pd.Series(dtype=object),
                              "formats": pd.Series(dtype=object), "rows": pd.Series(dtype="int64")})
    scan = ddf.map_partitions(_scan, date_col, date_format, dayfirst, meta=scan_meta).compute()
    scan = scan.sort_values("partition")
    kinds = scan.loc[scan["rows"] > 0, "kind"].unique().tolist()
    if len(kinds) > 1:
        first_of = {k: scan.loc[scan["kind"] == k, "partition"].tolist()[:5] for k in kinds}
        raise DataError(f"date_col {date_col!r} holds different kinds of dates in different "
                        f"partitions ({first_of}: kind -> first partitions); convert the column "
                        f"to one type, e.g. with dd.to_datetime, before summarising.")
    if scan["rows"].sum() == 0:
        raise DataError("transactions is empty; at least one purchase is required.")
    if kinds != ["datetime"] and date_format is None:
        from ._validation import resolve_date_format

        per_part = [set(f.split("|")) for f in scan.loc[scan["rows"] > 0, "formats"] if f]
        common = set.intersection(*per_part) if per_part else set()
        if per_part and not common:
            shown = {int(p): f for p, f in scan.loc[scan["rows"] > 0, ["partition", "formats"]]
                     .itertuples(index=False)}
            raise DataError(f"date_col {date_col!r}: the partitions use different date formats "
                            f"(partition -> formats that read it: {dict(list(shown.items())[:5])}); "
                            "a log must use one format: fix the rows or pass date_format=.")
        if common:
            date_format = resolve_date_format(sorted(common), f"date_col {date_col!r}")
    range_meta = pd.DataFrame({"partition": pd.Series(dtype="int64"),
                               "first": pd.Series(dtype="float64"), "last": pd.Series(dtype="float64")})
    ranges = ddf.map_partitions(_day_range, date_col, date_format, meta=range_meta).compute()
    first_day, last_day = int(ranges["first"].min()), int(ranges["last"].max())
    end = last_day if observation_end is None else _as_day(observation_end, "observation_end")
    if end < first_day:
        raise DataError(f"observation_end {observation_end!r} is before the first purchase "
                        f"({np.datetime64(first_day, 'D')}).")
    cal = None
    if calibration_end is not None:
        cal = _as_day(calibration_end, "calibration_end")
        if not (first_day <= cal < end):
            raise DataError(
                f"calibration_end must lie within the data, on or after the first purchase "
                f"({np.datetime64(first_day, 'D')}) and before observation_end "
                f"({np.datetime64(end, 'D')}); received {calibration_end!r}.")
    # meta: the in-memory function's output on an empty frame of the right columns
    meta_cols = {"frequency": "int64", "recency": "float64", "T": "float64", "sum_log_interpurchase": "float64"}
    if monetary_col is not None:
        meta_cols["monetary_value"] = "float64"
    if cal is not None:
        meta_cols["frequency_holdout"] = "int64"
        if monetary_col is not None:
            meta_cols["monetary_value_holdout"] = "float64"
        meta_cols["duration_holdout"] = "float64"
    id_dtype = ddf[customer_col].dtype
    meta = pd.DataFrame({k: pd.Series(dtype=v) for k, v in meta_cols.items()},
                        index=pd.Index([], dtype=id_dtype, name="customer_id"))
    offsets = np.concatenate(([0], np.cumsum(scan["rows"].to_numpy())[:-1]))
    numbered = ddf.map_partitions(_number, offsets, meta=ddf._meta.assign(**{_POS: np.int64(0)}))
    shuffled = numbered.shuffle(on=customer_col)
    return shuffled.map_partitions(
        _summarise, customer_col=customer_col, date_col=date_col, monetary_col=monetary_col,
        freq=freq, end_day=end, cal_day=cal, date_format=date_format, empty=meta, meta=meta,
        align_dataframes=False)


def _compress_partition(part: pd.DataFrame, columns: list[str], weights_col: str | None
                        ) -> pd.DataFrame:
    if len(part) == 0:
        return pd.DataFrame({**{c: pd.Series(dtype="float64") for c in columns},
                             "weights": pd.Series(dtype="float64")})
    w = check_nonnegative(as_float_array(part[weights_col], weights_col, index=part.index), weights_col,
                          part.index) if weights_col else None
    uniq, counts, _ = compress_rows([as_float_array(part[c], c, index=part.index) for c in columns], w)
    return pd.DataFrame({**dict(zip(columns, uniq)), "weights": counts})


def compressed_statistics(ddf: Any, columns: list[str], *, weights_col: str | None = None,
                          split_every: int = 8) -> pd.DataFrame:
    """Unique rows of ``columns`` with their counts, gathered from every partition.

    Each partition is compressed where it lies (:func:`custvalue._validation.compress_rows`);
    the small tables are then merged in a tree (``split_every`` at a time, on the workers)
    and compressed again at every level, so the client receives one table of unique rows.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per customer.
    columns : list of str
        The sufficient statistics (a model's ``data_columns``).
    weights_col : str, optional
        Column with the number of customers each row stands for (default: 1 per row).
    split_every : int, default 8
        Fan-in of the tree reduction.

    Returns
    -------
    pandas.DataFrame
        ``columns`` plus ``weights``, one row per distinct combination, lexicographically
        sorted.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue.datasets import load_cdnow_summary
    >>> stats = compressed_statistics(dd.from_pandas(load_cdnow_summary(), npartitions=3),
    ...                               ["frequency", "recency", "T"])
    >>> int(stats["weights"].sum())
    2357
    """
    _check_frame(ddf, list(columns) + ([weights_col] if weights_col else []))
    split_every = check_whole_number(split_every, "split_every", minimum=2)
    columns = list(columns)
    meta = pd.DataFrame({**{c: pd.Series(dtype="float64") for c in columns},
                         "weights": pd.Series(dtype="float64")})
    stats = ddf.reduction(_compress_partition, aggregate=_merge_compressed,
                          combine=_merge_compressed, meta=meta, split_every=split_every,
                          chunk_kwargs={"columns": columns, "weights_col": weights_col},
                          combine_kwargs={"columns": columns},
                          aggregate_kwargs={"columns": columns}).compute()
    if len(stats) == 0:
        raise DataError("ddf holds no rows; at least one customer is required.")
    return stats.reset_index(drop=True)


def _merge_compressed(parts: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Compress concatenated (unique rows, weights) tables once more (tree reduction step)."""
    if len(parts) == 0:
        return parts
    uniq, counts, _ = compress_rows([parts[c].to_numpy(dtype=np.float64) for c in columns],
                                    parts["weights"].to_numpy(dtype=np.float64))
    return pd.DataFrame({**dict(zip(columns, uniq)), "weights": counts})


def fit(model: Any, ddf: Any, *, weights_col: str | None = None, **fit_kwargs: Any) -> Any:
    """Fit any buy-till-you-die model to a Dask DataFrame of customers.

    Parameters
    ----------
    model : CustomerModel class or instance
        E.g. ``BetaGeo`` or ``GammaGamma()``; its ``data_columns`` are the statistics
        gathered.
    ddf : dask.dataframe.DataFrame
        One row per customer with the model's columns (e.g. from :func:`rfm_summary`).
    weights_col : str, optional
        Column with the number of customers each row stands for.
    **fit_kwargs
        Passed to the model's ``fit`` (``start_params``, ``maxiter``, ``cov_type``...).

    Returns
    -------
    CustomerResults
        The same results as fitting the in-memory table (``nobs`` counts customers).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue.clv import BetaGeo
    >>> from custvalue.datasets import load_cdnow_summary
    >>> res = fit(BetaGeo, dd.from_pandas(load_cdnow_summary(), npartitions=3))
    >>> round(float(res.params["r"]), 3)
    0.243
    """
    cls = model if isinstance(model, type) else type(model)
    columns = list(getattr(cls, "data_columns", ()))
    if not columns:
        raise DataError(f"model must be a custvalue customer model with data_columns "
                        f"(BetaGeo, GammaGamma, ...); received {model!r}.")
    stats = compressed_statistics(ddf, columns, weights_col=weights_col)
    return cls().fit(stats[columns], weights=stats["weights"].to_numpy(), **fit_kwargs)


@renamed_arguments(clv_horizon="months", discount_rate="monthly_discount_rate")
def score(ddf: Any, purchases_results: Any, spend_results: Any = None, *,
          outputs: Any = ("p_alive", "expected_purchases", "clv"), horizon: float = 52.0,
          months: int = 12, monthly_discount_rate: float = 0.01, freq: str = "W",
          margin: float = 1.0) -> Any:
    """Score every customer of a Dask DataFrame with ``map_partitions``.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per customer, indexed by customer id.
    purchases_results, spend_results, outputs, horizon, months, monthly_discount_rate, freq, margin
        As in :func:`custvalue.streaming.score_frame` (``clv_horizon`` and ``discount_rate``,
        the former names of ``months`` and ``monthly_discount_rate``, are accepted with a
        ``FutureWarning`` for one release).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, one column per output, indexed like ``ddf``.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue.clv import BetaGeo
    >>> from custvalue.datasets import load_cdnow_summary
    >>> d = load_cdnow_summary()
    >>> s = score(dd.from_pandas(d, npartitions=3), BetaGeo().fit(d), outputs=["p_alive"])
    >>> s.compute().shape
    (2357, 1)
    """
    from .streaming import check_scoring, required_columns, score_frame

    outputs = list(dict.fromkeys(outputs))
    need = required_columns(purchases_results, spend_results, outputs)
    check_scoring(horizon, months, monthly_discount_rate, margin)
    _check_frame(ddf, need)
    meta = pd.DataFrame({o: pd.Series(dtype="float64") for o in outputs},
                        index=ddf._meta.index[:0])
    return ddf[need].map_partitions(
        score_frame, purchases_results, spend_results, outputs=outputs, horizon=horizon,
        months=months, monthly_discount_rate=monthly_discount_rate, freq=freq, margin=margin,
        meta=meta)
