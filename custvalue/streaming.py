"""Score customer bases larger than memory: chunked predictions and CLV from Parquet.

A fitted model's predictions are per-customer and element-wise, so a base of any size can be
scored chunk by chunk with the *same* results methods used in memory
(:meth:`p_alive`, :meth:`expected_purchases`, :func:`custvalue.clv.clv`): the values are
those of scoring the whole table at once (P(alive) and expected spend bit for bit; expected
purchases and CLV to about 1e-14 relative, because on large inputs their kernel
interpolates within each batch's groups of customers sharing a frequency), and memory stays
at a few chunks whatever the number of customers. Input is read with pyarrow in record
batches (a Parquet file, a folder of Parquet files, or anything
:func:`pyarrow.dataset.dataset` opens); output is appended to a Parquet file batch by batch,
or returned as one DataFrame for bases that fit in memory.

Reading, scoring and writing overlap: a thread decodes the next batch and another encodes the
previous scores while the current batch is scored (pyarrow works without the GIL), and the
input columns go from Arrow straight to numpy arrays. Only a few batches
are held: the peak is about ``batch_rows * (input columns + output columns + 2 * months + 10)
* 8`` bytes (the batch being scored, one decoded ahead, two waiting to be written; about 350
bytes a customer for CLV, 0.35 GB at the default 1e6 rows) plus pyarrow's decoded row group
(keep row groups at <= ~1e6 rows, pyarrow's default).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
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
        customer equity as the sum of CLV): each batch summed pairwise by numpy, the batch
        sums added exactly (:func:`math.fsum`).
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
    required_columns(purchases_results, spend_results, outputs)
    check_scoring(horizon, months, monthly_discount_rate, margin)
    cols = _score_columns(frame, purchases_results, spend_results, outputs, horizon, months,
                          monthly_discount_rate, freq, margin)
    return pd.DataFrame(cols, index=frame.index)


def _score_columns(frame: pd.DataFrame, purchases_results: Any, spend_results: Any,
                   outputs: Sequence[str], horizon: float, months: int, monthly_discount_rate: float,
                   freq: str, margin: float) -> dict[str, np.ndarray]:
    """The scores of one checked request, as arrays in the order of ``outputs`` (no
    DataFrame is built: :func:`score_parquet` writes them straight to Arrow)."""
    from .clv.value import clv as clv_fn

    out: dict[str, np.ndarray] = {}
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
    return {o: out[o] for o in dict.fromkeys(outputs)}


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


class _Prefetch:
    """Read the next record batches in a thread while the current one is scored.

    pyarrow decodes Parquet without the GIL, so on two or more cores reading overlaps the
    scoring; at most ``depth`` decoded batches wait in the queue, one more is being decoded
    (bounded memory). An error
    raised while reading is raised again in the consuming thread, at the batch it concerns.
    """

    _END = object()

    def __init__(self, batches: Iterable[Any], depth: int = 1) -> None:
        self._batches = batches
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="custvalue-score-reader", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            for batch in self._batches:
                if not self._put(batch):
                    break
            else:
                self._put(self._END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            self._put(exc)
        finally:
            close = getattr(self._batches, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the reader (also when the consumer stopped early) and wait for it."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()


class _Writer:
    """Append score tables to one Parquet file in a thread (pyarrow encodes without the GIL).

    At most two tables wait to be written; an error while writing is raised in the caller at
    the next :meth:`write` or at :meth:`close`. Floats are written without dictionary encoding
    (scores are nearly all distinct: the dictionary is built, found useless and dropped for
    every row group, which made writing several times slower); the values are the same.
    """

    def __init__(self, destination: str | Path) -> None:
        self._destination = str(destination)
        self._writer: Any = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="custvalue-score-writer")
        self._pending: list[Future] = []

    def write(self, table: Any) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self._destination, table.schema, use_dictionary=False)
        while len(self._pending) >= 2:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(self._writer.write_table, table))

    def close(self) -> None:
        try:
            for f in self._pending:
                f.result()
        finally:
            self._pool.shutdown(wait=True)
            if self._writer is not None:
                self._writer.close()


def _frame(batch: Any, columns: Sequence[str], id_col: str | None, first_row: int) -> pd.DataFrame:
    """One record batch as the DataFrame the results methods take: numeric columns as numpy
    arrays straight from Arrow (no pandas conversion machinery), indexed by the customer id
    (or by the position in reading order)."""
    import pyarrow.types as pat

    data = {}
    for c in columns:
        col = batch.column(c)
        numeric = pat.is_integer(col.type) or pat.is_floating(col.type) or pat.is_boolean(col.type)
        data[c] = col.to_numpy(zero_copy_only=False) if numeric else col.to_pandas().to_numpy()
    if id_col is not None:
        index = pd.Index(batch.column(id_col).to_pandas(), name=id_col)
    else:
        index = pd.RangeIndex(first_row, first_row + batch.num_rows, name="customer_id")
    return pd.DataFrame(data, index=index, copy=False)


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
    batch_rows: int = 1_000_000,
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
    batch_rows : int, default 1_000_000
        Customers per record batch (about 350 bytes of memory each for CLV, see the
        module docstring).
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

    reader = _Prefetch(batches)
    writer = _Writer(destination) if destination is not None else None
    schema = None
    gathered: list[pd.DataFrame] = []
    batch_sums: dict[str, list[float]] = {o: [] for o in outputs}
    n_rows = n_batches = 0
    try:
        for batch in reader:
            if batch.num_rows == 0:
                continue
            frame = _frame(batch, need, id_col, n_rows)
            cols = _score_columns(frame, purchases_results, spend_results, outputs, horizon, months,
                                  monthly_discount_rate, freq, margin)
            for o in outputs:
                batch_sums[o].append(float(np.sum(cols[o])))
            n_rows += len(frame)
            n_batches += 1
            out = pd.DataFrame(cols, index=frame.index)
            if writer is not None:
                # the first batch fixes the schema (with pandas' metadata: the index is
                # read back as the index); the others are converted to it
                table = pa.Table.from_pandas(out, preserve_index=True, schema=schema)
                schema = table.schema
                writer.write(table)
            else:
                gathered.append(out)
            update(len(frame))
    finally:
        reader.close()
        try:
            if writer is not None:
                writer.close()
        finally:
            close()
    sums = {o: math.fsum(batch_sums[o]) for o in outputs}
    if n_rows == 0:
        raise DataError(f"source {source!r} holds no customers (0 rows).")
    totals = pd.Series(sums, name="total")
    if destination is not None:
        return StreamingReport(n_rows, n_batches, totals, Path(destination))
    return StreamingReport(n_rows, n_batches, totals, None, pd.concat(gathered))
