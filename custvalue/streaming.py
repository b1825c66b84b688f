"""Score customer bases larger than memory: chunked predictions and CLV from Parquet.

A fitted model's predictions are per-customer and element-wise, so a base of any size can be
scored chunk by chunk with the *same* results methods used in memory
(:meth:`p_alive`, :meth:`expected_purchases`, :func:`custvalue.clv.clv`): the values are
those of scoring the whole table at once (P(alive) and expected spend bit for bit; expected
purchases and CLV to about 1e-14 relative, because on large inputs their kernel
interpolates within each batch's groups of customers sharing a frequency), and memory stays
at a few chunks whatever the number of customers. Input is read with pyarrow in record batches (a Parquet file, a folder
of Parquet files, or anything :func:`pyarrow.dataset.dataset` opens); output is appended to a
Parquet file batch by batch, or returned as one DataFrame for bases that fit in memory.

Only the memory of the current batch is held: the peak is about
``batch_rows * (input columns + output columns + 2 * months) * 8`` bytes plus pyarrow's
decoded row group (keep row groups at <= ~1e6 rows, pyarrow's default).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._deprecation import renamed_arguments
from ._validation import check_discount_rate, check_finite_scalar, check_positive_scalar, check_whole_number
from .exceptions import DataError

__all__ = ["score_parquet", "score_frame", "StreamingReport", "OUTPUTS"]

#: Scores :func:`score_parquet` can compute.
OUTPUTS = ("p_alive", "expected_purchases", "expected_spend", "clv")


@dataclass(frozen=True)
class StreamingReport:
    """What a streaming run did: counts, column totals and where the scores went.

    Attributes
    ----------
    n_customers : int
        Rows scored.
    n_batches : int
        Record batches read.
    totals : pandas.Series
        Sum of each output column over all customers (e.g. total expected purchases,
        customer equity as the sum of CLV).
    destination : pathlib.Path or None
        The Parquet file written (None when the scores were returned in memory).
    scores : pandas.DataFrame or None
        All scores, only when no ``destination`` was given.

    Examples
    --------
    >>> import pandas as pd
    >>> StreamingReport(n_customers=3, n_batches=1, totals=pd.Series({"clv": 10.0})).n_customers
    3
    """

    n_customers: int
    n_batches: int
    totals: pd.Series
    destination: Path | None = None
    scores: pd.DataFrame | None = field(default=None, repr=False)


def required_columns(purchases_results: Any, spend_results: Any, outputs: Sequence[str]) -> list[str]:
    """Check ``outputs`` and return the input columns they need (model ``data_columns``)."""
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise DataError(f"outputs must be a non-empty selection of {list(OUTPUTS)}; "
                        f"received {list(outputs)!r}.")
    if spend_results is None and ({"expected_spend", "clv"} & set(outputs)):
        raise DataError("outputs 'expected_spend' and 'clv' need spend_results (a fitted "
                        "GammaGamma); pass it or drop those outputs.")
    need: list[str] = []
    if {"p_alive", "expected_purchases", "clv"} & set(outputs):
        need += list(type(purchases_results.model).data_columns)
    if {"expected_spend", "clv"} & set(outputs):
        need += [c for c in type(spend_results.model).data_columns if c not in need]
    return need


def check_scoring(horizon: Any, months: Any, monthly_discount_rate: Any, margin: Any) -> None:
    """The scoring settings shared by :func:`score_frame`, :func:`score_parquet` and
    :func:`custvalue.dask.score`, checked once before any batch is read."""
    check_positive_scalar(horizon, "horizon", allow_zero=True)
    check_whole_number(months, "months", minimum=1)
    check_discount_rate(monthly_discount_rate, "monthly_discount_rate")
    check_finite_scalar(margin, "margin")


@renamed_arguments(clv_horizon="months", discount_rate="monthly_discount_rate")
def score_frame(frame: pd.DataFrame, purchases_results: Any, spend_results: Any = None, *,
                outputs: Sequence[str] = ("p_alive", "expected_purchases", "clv"),
                horizon: float = 52.0, months: int = 12, monthly_discount_rate: float = 0.01,
                freq: str = "W", margin: float = 1.0) -> pd.DataFrame:
    """Score one in-memory chunk of customers with the fitted results' own methods.

    The building block of :func:`score_parquet` and :func:`custvalue.dask.score`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Customers with the models' columns (``frequency``, ``recency``, ``T``, and
        ``monetary_value`` for CLV).
    purchases_results : fitted purchase-count results
        E.g. :class:`~custvalue.clv.BetaGeoResults`.
    spend_results : fitted spend results, optional
        :class:`~custvalue.clv.GammaGammaResults`; needed for ``"expected_spend"`` and ``"clv"``.
    outputs : sequence of str
        Any of :data:`OUTPUTS`.
    horizon : float, default 52.0
        Horizon of ``expected_purchases``, in the models' time unit.
    months : int, default 12
        CLV horizon in months (formerly ``clv_horizon``, accepted with a ``FutureWarning``
        for one release).
    monthly_discount_rate : float, default 0.01
        Discount rate per month (formerly ``discount_rate``, accepted with a
        ``FutureWarning`` for one release).
    freq : {"D", "W", "M", "H"}, default "W"
        Time unit of the data.
    margin : float, default 1.0
        Profit margin applied to spend.

    Returns
    -------
    pandas.DataFrame
        One column per output (in the order asked for), indexed like ``frame``.

    Examples
    --------
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo
    >>> d = load_cdnow_summary()
    >>> score_frame(d.head(3), BetaGeo().fit(d), outputs=["p_alive"]).shape
    (3, 1)
    """
    from .clv.value import clv as clv_fn

    required_columns(purchases_results, spend_results, outputs)
    check_scoring(horizon, months, monthly_discount_rate, margin)
    out = pd.DataFrame(index=frame.index)
    if "p_alive" in outputs:
        out["p_alive"] = purchases_results.p_alive(frame).to_numpy()
    if "expected_purchases" in outputs:
        out["expected_purchases"] = purchases_results.expected_purchases(
            frame, horizon=horizon).to_numpy()
    if "expected_spend" in outputs:
        out["expected_spend"] = spend_results.expected_spend(frame).to_numpy()
    if "clv" in outputs:
        out["clv"] = clv_fn(purchases_results, spend_results, frame, months=months,
                            monthly_discount_rate=monthly_discount_rate, freq=freq, margin=margin).to_numpy()
    return out[list(dict.fromkeys(outputs))]


def _batches(source: Any, columns: list[str], batch_rows: int) -> tuple[Iterable[Any], int | None]:
    import pyarrow.dataset as ds

    if isinstance(source, ds.Dataset):
        dataset = source
    else:
        try:
            dataset = ds.dataset(source, format="parquet")
        except (FileNotFoundError, OSError, ValueError) as exc:
            raise DataError(f"source must be a Parquet file, a folder of Parquet files or a "
                            f"pyarrow Dataset; could not open {source!r} ({exc}).") from None
    missing = [c for c in columns if c not in dataset.schema.names]
    if missing:
        raise DataError(f"source is missing the column(s) {missing} needed to score; "
                        f"columns found: {dataset.schema.names}.")
    files = getattr(dataset, "files", None)
    if files:
        # one Parquet file at a time, without Arrow's pre-buffering (its cache keeps every
        # column chunk read until the file is closed: memory would grow with the file)
        import pyarrow.parquet as pq

        fs = dataset.filesystem
        total = 0
        for f in files:
            with fs.open_input_file(f) as fh:
                total += pq.ParquetFile(fh).metadata.num_rows

        def it():
            for f in files:
                with fs.open_input_file(f) as fh:
                    pf = pq.ParquetFile(fh, pre_buffer=False)
                    yield from pf.iter_batches(batch_size=batch_rows, columns=columns,
                                               use_threads=False)
        return it(), total
    try:
        total = dataset.count_rows()
    except Exception:  # noqa: BLE001 - a count is only used for the progress bar
        total = None
    return dataset.to_batches(columns=columns, batch_size=batch_rows, batch_readahead=1,
                              fragment_readahead=1), total


def _progress(progress: bool | Callable[[int], Any], total: int | None):
    """An ``update(n)`` callable and a ``close()``: tqdm when asked for, else nothing."""
    if callable(progress) and not isinstance(progress, bool):
        return progress, (lambda: None)
    if not progress:
        return (lambda n: None), (lambda: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ModuleNotFoundError("progress=True needs the tqdm package (pip install tqdm); "
                                  "pass progress=False or a callable instead.") from None
    bar = tqdm(total=total, unit="customers", unit_scale=True, desc="scoring")
    return bar.update, bar.close


@renamed_arguments(clv_horizon="months", discount_rate="monthly_discount_rate")
def score_parquet(
    source: Any,
    purchases_results: Any,
    spend_results: Any = None,
    *,
    outputs: Sequence[str] = ("p_alive", "expected_purchases", "clv"),
    horizon: float = 52.0,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    freq: str = "W",
    margin: float = 1.0,
    customer_col: str | None = "customer_id",
    destination: str | Path | None = None,
    batch_rows: int = 250_000,
    progress: bool | Callable[[int], Any] = False,
) -> StreamingReport:
    """Score every customer of a Parquet source in constant memory.

    Each record batch is turned into a DataFrame indexed by ``customer_col`` and passed to
    the fitted results' own methods (``p_alive``, ``expected_purchases(horizon=)``,
    ``expected_spend``) and to :func:`custvalue.clv.clv`; nothing is re-implemented, so the
    scores equal those of the in-memory call on the whole table (expected purchases and CLV
    to about 1e-14 relative: see the module docstring).

    Parameters
    ----------
    source : str, pathlib.Path or pyarrow.dataset.Dataset
        A Parquet file or folder with one row per customer and the columns the models need
        (``frequency``, ``recency``, ``T``; ``monetary_value`` for spend and CLV).
    purchases_results : fitted purchase-count results
        E.g. ``BetaGeo().fit(...)``: anything with ``p_alive`` and ``expected_purchases``.
    spend_results : GammaGammaResults, optional
        Needed for ``"expected_spend"`` and ``"clv"``.
    outputs : sequence of str, default ("p_alive", "expected_purchases", "clv")
        Any of :data:`OUTPUTS`.
    horizon : float, default 52.0
        Horizon of ``expected_purchases``, in the time unit of ``recency`` and ``T``.
    months, monthly_discount_rate, freq, margin
        Passed to :func:`custvalue.clv.clv` (formerly ``clv_horizon`` and ``discount_rate``,
        accepted with a ``FutureWarning`` for one release).
    customer_col : str or None, default "customer_id"
        Column holding the customer id (kept as the index / first output column). None, or
        a name absent from the source, numbers customers 0..n-1 in reading order.
    destination : str or pathlib.Path, optional
        Parquet file to append the scores to, batch by batch (constant memory). Without it
        the scores are gathered and returned in ``StreamingReport.scores``.
    batch_rows : int, default 250_000
        Customers per record batch.
    progress : bool or callable, default False
        ``True`` shows a tqdm progress bar (tqdm must be installed); a callable is called
        with the number of customers of each finished batch.

    Returns
    -------
    StreamingReport
        Counts, the sum of each output column, and the destination or the scores.

    Raises
    ------
    DataError
        Unknown output, missing spend model or column, or data that violate a model
        constraint (the offending customers are named, as in memory).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from custvalue.datasets import load_cdnow_summary
    >>> from custvalue.clv import BetaGeo, GammaGamma
    >>> d = load_cdnow_summary()
    >>> bg, gg = BetaGeo().fit(d), GammaGamma().fit(d)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "base.parquet"
    >>> d.rename_axis("customer_id").reset_index().to_parquet(path)
    >>> rep = score_parquet(path, bg, gg, batch_rows=500)
    >>> rep.n_customers, rep.n_batches
    (2357, 5)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch_rows = check_whole_number(batch_rows, "batch_rows", minimum=1)
    check_scoring(horizon, months, monthly_discount_rate, margin)
    need = required_columns(purchases_results, spend_results, outputs)

    import pyarrow.dataset as ds
    probe = source if isinstance(source, ds.Dataset) else None
    if probe is None:
        try:
            probe = ds.dataset(source, format="parquet")
        except (FileNotFoundError, OSError, ValueError) as exc:
            raise DataError(f"source must be a Parquet file, a folder of Parquet files or a "
                            f"pyarrow Dataset; could not open {source!r} ({exc}).") from None
    id_col = customer_col if customer_col and customer_col in probe.schema.names else None
    batches, total = _batches(probe, need + ([id_col] if id_col else []), int(batch_rows))
    update, close = _progress(progress, total)

    writer = None
    gathered: list[pd.DataFrame] = []
    sums: dict[str, float] = {o: 0.0 for o in outputs}
    n_rows = n_batches = 0
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            frame = batch.to_pandas()
            if id_col is not None:
                frame = frame.set_index(id_col)
            else:
                frame.index = pd.RangeIndex(n_rows, n_rows + len(frame), name="customer_id")
            out = score_frame(frame, purchases_results, spend_results, outputs=outputs,
                              horizon=horizon, months=months,
                              monthly_discount_rate=monthly_discount_rate, freq=freq, margin=margin)
            for o in outputs:
                sums[o] += math.fsum(out[o].to_numpy())
            n_rows += len(out)
            n_batches += 1
            if destination is not None:
                table = pa.Table.from_pandas(out, preserve_index=True)
                if writer is None:
                    writer = pq.ParquetWriter(str(destination), table.schema)
                writer.write_table(table)
            else:
                gathered.append(out)
            update(len(out))
    finally:
        if writer is not None:
            writer.close()
        close()
    if n_rows == 0:
        raise DataError(f"source {source!r} holds no customers (0 rows).")
    totals = pd.Series(sums, name="total")
    if destination is not None:
        return StreamingReport(n_rows, n_batches, totals, Path(destination))
    return StreamingReport(n_rows, n_batches, totals, None, pd.concat(gathered))
