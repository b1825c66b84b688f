"""Customer summaries of transaction logs larger than memory, read from CSV or Parquet files.

:func:`rfm_summary_from_files` reads the files batch by batch with pyarrow and aggregates per
customer in memory that grows with the number of customers, not of transactions: a compiled
hash table maps customer ids to codes, and each customer keeps a bitmap of the days on which
they bought (one bit per day of the log's span), their first purchase day with its spend, and
their calibration and holdout spend. Counting distinct days with a bitmap makes the merge of
batches exact whatever the order of the rows: a customer's purchases on one day may sit in
different batches or files and are still one transaction, as in :func:`custvalue.rfm.rfm_summary`.
The gaps between consecutive purchase days (for ``sum_log_interpurchase``) are read off the same
bitmaps at the end, by blocks of customers, and summed by the in-memory code, so every column
equals the in-memory summary's.

Memory: about ``n_customers * (2 * (48 + 8 * ceil(span_days / 64)) + 64)`` bytes for the
per-customer state (arrays grow by doubling; the hash table stays at most half full), plus one
batch, about ``batch_rows * 100`` bytes, plus pyarrow's decoded row group or CSV block.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from ._validation import as_float_array, as_timestamp, check_whole_number, describe_rows, parse_dates
from .exceptions import DataError
from .rfm import TIME_UNITS, reduce_customer_days

__all__ = ["rfm_summary_from_files", "FILE_FORMATS"]

#: File formats read by :func:`rfm_summary_from_files`, with the file name endings that select them.
FILE_FORMATS = {"parquet": (".parquet", ".pq", ".parq"), "csv": (".csv", ".csv.gz", ".csv.bz2", ".txt")}

_NO_DAY = np.iinfo(np.int64).max
_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


# ---------------------------------------------------------------------------------------------
# Compiled kernels: an open-addressing hash table (int64 id -> code) and the per-row updates
# ---------------------------------------------------------------------------------------------

@njit(cache=True)
def _slot(key, mask):  # pragma: no cover - compiled
    z = np.uint64(key) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return np.int64(z & np.uint64(mask))


@njit(cache=True)
def _lookup_insert(tab_keys, tab_codes, n_codes, limit, ids, start, out_codes, new_rows, n_new):  # pragma: no cover
    """Codes of ``ids[start:]``, inserting unseen ids; stops early when ``n_codes`` hits ``limit``."""
    mask = tab_keys.size - 1
    for i in range(start, ids.size):
        if n_codes >= limit:
            return n_codes, n_new, i
        k = ids[i]
        j = _slot(k, mask)
        while True:
            c = tab_codes[j]
            if c < 0:
                tab_keys[j] = k
                tab_codes[j] = n_codes
                out_codes[i] = n_codes
                new_rows[n_new] = i
                n_new += 1
                n_codes += 1
                break
            if tab_keys[j] == k:
                out_codes[i] = c
                break
            j = (j + 1) & mask
    return n_codes, n_new, ids.size


@njit(cache=True)
def _rehash(tab_keys, tab_codes, size):  # pragma: no cover - compiled
    keys = np.zeros(size, np.int64)
    codes = np.full(size, -1, np.int64)
    mask = size - 1
    for j in range(tab_keys.size):
        if tab_codes[j] >= 0:
            i = _slot(tab_keys[j], mask)
            while codes[i] >= 0:
                i = (i + 1) & mask
            keys[i] = tab_keys[j]
            codes[i] = tab_codes[j]
    return keys, codes


@njit(cache=True)
def _accumulate(codes, days, spend, cal, base, bitmap, first_day, first_spend, cal_spend,
                hold_spend):  # pragma: no cover - compiled
    has_spend = spend.size > 0
    for i in range(codes.size):
        c = codes[i]
        d = days[i]
        r = d - base
        bitmap[c, r >> 6] |= np.uint64(1) << np.uint64(r & 63)
        if d <= cal:
            if d < first_day[c]:
                first_day[c] = d
                if has_spend:
                    first_spend[c] = spend[i]
            elif d == first_day[c] and has_spend:
                first_spend[c] += spend[i]
            if has_spend:
                cal_spend[c] += spend[i]
        elif has_spend:
            hold_spend[c] += spend[i]


@njit(cache=True)
def _popcount(x):  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True)
def _count_days(bitmap, n_codes, cal_rel):  # pragma: no cover - compiled
    """Distinct days up to ``cal_rel`` and after it, and the last day up to it, per customer."""
    n_cal = np.zeros(n_codes, np.int64)
    n_hold = np.zeros(n_codes, np.int64)
    last = np.full(n_codes, -1, np.int64)
    for c in range(n_codes):
        for w in range(bitmap.shape[1]):
            x = bitmap[c, w]
            if x == 0:
                continue
            lo = w * 64
            if lo + 63 <= cal_rel:
                xc = x
            elif lo > cal_rel:
                xc = np.uint64(0)
            else:
                xc = x & ((np.uint64(1) << np.uint64(cal_rel - lo + 1)) - np.uint64(1))
            xh = x & ~xc
            if xc != 0:
                n_cal[c] += _popcount(xc)
                b = 63
                while (xc >> np.uint64(b)) & np.uint64(1) == 0:
                    b -= 1
                last[c] = lo + b
            n_hold[c] += _popcount(xh)
    return n_cal, n_hold, last


@njit(cache=True)
def _cal_days(bitmap, n_cal, cal_rel):  # pragma: no cover - compiled
    """The purchase days up to ``cal_rel`` (bitmap positions) of the customers with at least
    two, customer by customer in ascending day order, with each day's customer code."""
    total = 0
    for c in range(n_cal.size):
        if n_cal[c] > 1:
            total += n_cal[c]
    codes = np.empty(total, np.int64)
    days = np.empty(total, np.int64)
    k = 0
    for c in range(n_cal.size):
        if n_cal[c] < 2:
            continue
        for w in range(bitmap.shape[1]):
            x = bitmap[c, w]
            if x == 0:
                continue
            lo = w * 64
            if lo > cal_rel:
                break
            for b in range(64):
                if (x >> np.uint64(b)) & np.uint64(1):
                    d = lo + b
                    if d > cal_rel:
                        break
                    codes[k] = c
                    days[k] = d
                    k += 1
    return codes, days


# ---------------------------------------------------------------------------------------------
# Per-customer state
# ---------------------------------------------------------------------------------------------

class _CustomerState:
    """Customer codes, day bitmaps and spend totals, grown by doubling."""

    def __init__(self, cal: int) -> None:
        self.cal = cal
        self.tab_keys = np.zeros(1 << 12, np.int64)
        self.tab_codes = np.full(1 << 12, -1, np.int64)
        self.n_codes = 0
        self.labels: list[pd.Index] = []
        self.base: int | None = None
        self.bitmap = np.zeros((0, 0), np.uint64)
        self.first_day = np.zeros(0, np.int64)
        self.first_spend = np.zeros(0)
        self.cal_spend = np.zeros(0)
        self.hold_spend = np.zeros(0)

    def codes(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Codes of int64 ``ids`` and the rows that introduced new customers."""
        out = np.empty(ids.size, np.int64)
        new_rows = np.empty(ids.size, np.int64)
        n_new, start = 0, 0
        while True:
            limit = self.tab_keys.size // 2
            self.n_codes, n_new, start = _lookup_insert(self.tab_keys, self.tab_codes, self.n_codes, limit,
                                                         ids, start, out, new_rows, n_new)
            if start == ids.size:
                return out, new_rows[:n_new]
            self.tab_keys, self.tab_codes = _rehash(self.tab_keys, self.tab_codes, 2 * self.tab_keys.size)

    def reserve(self, day_min: int, day_max: int) -> None:
        """Grow the arrays to the codes issued and the bitmap to cover ``[day_min, day_max]``."""
        cap, words = self.bitmap.shape
        new_cap = cap
        while new_cap < self.n_codes:
            new_cap = max(2 * new_cap, 1024)
        base = self.base if self.base is not None else (day_min // 64) * 64
        new_base = min(base, (day_min // 64) * 64)
        front = (base - new_base) // 64
        need = (day_max - new_base) // 64 + 1
        new_words = words + front
        if need > new_words:
            new_words = max(need, new_words + new_words // 4)
        if new_cap != cap or new_words != words:
            bitmap = np.zeros((new_cap, new_words), np.uint64)
            bitmap[:cap, front:front + words] = self.bitmap
            self.bitmap = bitmap
        self.base = new_base
        if new_cap != cap:
            def grow(a: np.ndarray, fill: Any) -> np.ndarray:
                out = np.full(new_cap, fill, a.dtype)
                out[:cap] = a
                return out
            self.first_day = grow(self.first_day, _NO_DAY)
            self.first_spend = grow(self.first_spend, 0.0)
            self.cal_spend = grow(self.cal_spend, 0.0)
            self.hold_spend = grow(self.hold_spend, 0.0)

    def add(self, codes: np.ndarray, days: np.ndarray, spend: np.ndarray | None) -> None:
        if codes.size == 0:
            return
        self.reserve(int(days.min()), int(days.max()))
        _accumulate(codes, days, np.empty(0) if spend is None else spend, self.cal, self.base, self.bitmap,
                    self.first_day, self.first_spend, self.cal_spend, self.hold_spend)


# ---------------------------------------------------------------------------------------------
# Files and batches
# ---------------------------------------------------------------------------------------------

def _format_of(path: Path, file_format: str | None) -> str | None:
    if file_format is not None:
        return file_format
    name = path.name.lower()
    for fmt, endings in FILE_FORMATS.items():
        if name.endswith(endings):
            return fmt
    return None


def _list_files(source: Any, file_format: str | None) -> list[tuple[Path, str]]:
    items = [source] if isinstance(source, (str, os.PathLike)) else source
    try:
        items = list(items)
    except TypeError:
        raise DataError(f"source must be a path, a folder, a glob pattern or a list of them; "
                        f"received {type(source).__name__}.") from None
    if file_format is not None and file_format not in FILE_FORMATS:
        raise DataError(f"file_format must be one of {sorted(FILE_FORMATS)} or None; received {file_format!r}.")
    files: list[tuple[Path, str]] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise DataError(f"source entries must be paths; received {type(item).__name__}.")
        p = Path(item)
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*")) if f.is_file() and _format_of(f, file_format)]
        elif p.is_file():
            found = [p]
        elif any(ch in str(item) for ch in "*?["):
            found = [Path(f) for f in sorted(glob.glob(str(item), recursive=True)) if Path(f).is_file()]
        else:
            raise DataError(f"source {str(item)!r} is not a file, a folder or a glob pattern that matches files.")
        if not found:
            raise DataError(f"source {str(item)!r} matches no CSV or Parquet files.")
        for f in found:
            fmt = _format_of(f, file_format)
            if fmt is None:
                raise DataError(f"cannot tell the format of {str(f)!r} from its name; pass file_format= "
                                f"({' or '.join(repr(k) for k in FILE_FORMATS)}).")
            files.append((f, fmt))
    if not files:
        raise DataError("source lists no files.")
    return files


def _check_columns(path: Path, columns: dict[str, str], names: list[str]) -> None:
    missing = {arg: col for arg, col in columns.items() if col not in names}
    if missing:
        said = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise DataError(f"{path}: {said} is not a column of the file; columns: {names}.")


def _batches(path: Path, fmt: str, columns: dict[str, str], batch_rows: int
             ) -> tuple[Iterator[Any], Callable[[], int], int]:
    """Record batches of the ``columns`` (argument -> column) of one file, a callable giving
    the bytes read, and the file size."""
    import pyarrow as pa

    size = path.stat().st_size
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: cannot read it as Parquet ({exc}).") from None
        _check_columns(path, columns, pf.schema_arrow.names)
        n_rows = max(pf.metadata.num_rows, 1)
        done = [0]

        def it() -> Iterator[Any]:
            for b in pf.iter_batches(batch_size=batch_rows, columns=list(columns.values()), use_threads=True):
                done[0] += b.num_rows
                yield b
        return it(), (lambda: int(size * done[0] / n_rows)), size

    import pyarrow.csv as pacsv

    fh = pa.OSFile(str(path), "rb") if not str(path).endswith((".gz", ".bz2")) else None
    stream = fh if fh is not None else pa.input_stream(str(path), compression="detect")
    block = int(min(max(batch_rows * 64, 1 << 16), 1 << 26))
    try:
        reader = pacsv.open_csv(
            stream, read_options=pacsv.ReadOptions(block_size=block, use_threads=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns.values()), column_types=dict.fromkeys(columns.values(), pa.string()),
                strings_can_be_null=True))
    except pa.ArrowKeyError:
        stream.close()
        with pa.input_stream(str(path), compression="detect") as head:
            names = pacsv.open_csv(head, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
        _check_columns(path, columns, names)
        raise
    except pa.ArrowInvalid as exc:
        raise DataError(f"{path}: cannot read it as CSV with the columns {list(columns.values())} ({exc}).") from None

    def it() -> Iterator[Any]:
        try:
            while True:
                try:
                    b = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as exc:
                    raise DataError(f"{path}: bad CSV row ({exc}).") from None
                for lo in range(0, b.num_rows, batch_rows):
                    yield b.slice(lo, batch_rows)
        finally:
            stream.close()
    return it(), (lambda: stream.tell() if fh is not None else 0), size


def _rows_index(offset: int, n: int) -> pd.Index:
    return pd.RangeIndex(offset + 1, offset + n + 1, name="data row")


def _where(path: Path) -> str:
    return f"{path} (data rows counted from 1 after the header)"


def _to_days(col: Any, path: Path, offset: int, name: str, state: dict) -> np.ndarray:
    import pyarrow as pa

    t = col.type
    if (pa.types.is_timestamp(t) and t.tz is None) or pa.types.is_date(t):
        if col.null_count:
            mask = col.is_null().to_numpy(zero_copy_only=False)
            raise DataError(f"{_where(path)}: {name} has missing values; "
                            + describe_rows(mask, _rows_index(offset, len(col))))
        if pa.types.is_date32(t):
            return col.view(pa.int32()).to_numpy().astype(np.int64)
        per_day = 86_400_000 if pa.types.is_date64(t) else _TICKS_PER_DAY[t.unit]
        return np.floor_divide(col.view(pa.int64()).to_numpy(), per_day)  # floor, as datetime64 casts
    values = col.to_pandas().set_axis(_rows_index(offset, len(col)))
    if values.isna().any():
        raise DataError(f"{_where(path)}: {name} has missing values; " + describe_rows(values.isna().to_numpy(),
                                                                                       values.index))
    try:
        parsed, fmt = parse_dates(values, name, date_format=state["date_format"], dayfirst=state["dayfirst"])
    except DataError as exc:
        raise DataError(f"{_where(path)}: {exc}") from None
    if fmt is not None:
        state["date_format"] = fmt
    return parsed.to_numpy().astype("datetime64[D]").astype(np.int64)


def _to_spend(col: Any, path: Path, offset: int, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    index = _rows_index(offset, len(col))
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        try:
            col = pc.cast(col, pa.float64())
        except pa.ArrowInvalid:
            s = col.to_pandas().set_axis(index)
            bad = (pd.to_numeric(s, errors="coerce").isna() & s.notna()).to_numpy()
            raise DataError(f"{_where(path)}: {name} is not numeric; " + describe_rows(bad, index)
                            + f" (first value: {s[bad].iloc[0]!r}).") from None
    try:
        return as_float_array(pd.Series(col.to_numpy(zero_copy_only=False), index=index), name, index=index)
    except DataError as exc:
        raise DataError(f"{_where(path)}: {exc}") from None


def _to_ids(col: Any, path: Path, offset: int, name: str, state: dict) -> tuple[np.ndarray | None, pd.Index]:
    """Customer ids as int64 (integer ids) or as an Index of labels to factorize."""
    import pyarrow as pa
    import pyarrow.compute as pc

    index = _rows_index(offset, len(col))
    if col.null_count:
        mask = col.is_null().to_numpy(zero_copy_only=False)
        raise DataError(f"{_where(path)}: {name} has missing values; " + describe_rows(mask, index))
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    text = pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
    if state["integer_ids"] is None:  # the first batch decides, as pandas.read_csv would on its first rows
        if pa.types.is_integer(col.type):
            state["integer_ids"] = True
        elif text:
            try:
                pc.cast(col, pa.int64())
                state["integer_ids"] = True
            except pa.ArrowInvalid:
                state["integer_ids"] = False
        else:
            state["integer_ids"] = False
    if state["integer_ids"]:
        try:
            return np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False), np.int64), index
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            s = col.to_pandas().set_axis(index)
            bad = pd.to_numeric(s, errors="coerce").isna().to_numpy()
            raise DataError(f"{_where(path)}: {name} holds integer ids in the first rows read but not in these; "
                            + describe_rows(bad, index) + f" (first value: {s[bad].iloc[0]!r}).") from None
    return None, index


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------

def _progress_bar(progress: bool | Callable[[int], Any], total: int) -> tuple[Callable[[int], Any], Callable[[], Any]]:
    """``(update(n_bytes), close())``: a callable as given, tqdm if installed, else a stderr line."""
    if callable(progress) and not isinstance(progress, bool):
        return progress, (lambda: None)
    if not progress:
        return (lambda n: None), (lambda: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        seen = [0]

        def update(n: int) -> None:
            seen[0] += n
            sys.stderr.write(f"\rrfm_summary_from_files: {seen[0] / 2**20:,.0f} of {total / 2**20:,.0f} MiB read")

        return update, (lambda: sys.stderr.write("\n"))
    bar = tqdm(total=total, unit="B", unit_scale=True, desc="rfm_summary_from_files")
    return bar.update, bar.close


# ---------------------------------------------------------------------------------------------
# Public function
# ---------------------------------------------------------------------------------------------

def rfm_summary_from_files(source: Any, *, customer_col: str, date_col: str, monetary_col: str | None = None,
                           freq: str = "W", observation_end: Any = None, calibration_end: Any = None,
                           date_format: str | None = None, dayfirst: bool | None = None,
                           file_format: str | None = None, batch_rows: int = 1_000_000,
                           progress: bool | Callable[[int], Any] = False) -> pd.DataFrame:
    """Summarise a transaction log stored in CSV or Parquet files, in bounded memory.

    The result is that of :func:`custvalue.rfm.rfm_summary` on all the files' rows
    concatenated (same columns, index, dtypes and definitions: purchases on the same day are
    one transaction, ``frequency`` counts repeat purchase days, ``recency`` and ``T`` in units
    of ``freq``; with ``calibration_end``, the holdout columns). The counts, ``recency``, ``T``
    and durations are identical whatever the batches and file boundaries; the monetary columns
    are sums of the same amounts taken in another order, equal up to floating-point rounding
    (exactly equal when the sums are exact, e.g. amounts in whole cents below 2**53 / 100).

    Memory grows with the number of customers and the span of days, not with the number of
    transactions: about ``n_customers * (160 + 16 * ceil(span_days / 64))`` bytes at most, plus
    one batch of ``batch_rows`` rows (about 100 bytes a row) and pyarrow's read buffers.

    Parameters
    ----------
    source : str, path, or list of them
        A file, a folder (all its CSV and Parquet files, recursively), a glob pattern
        (``"logs/2024-*.parquet"``) or a list of these.
    customer_col, date_col : str
        Columns with the customer id and the purchase date (a Parquet date or timestamp, or
        strings parsed as :func:`~custvalue.rfm.rfm_summary` parses them).
    monetary_col : str, optional
        Column with the purchase amount.
    freq : {"D", "W", "M"}, default "W"
        Time unit of recency, T and durations.
    observation_end : date-like, optional
        End of observation (inclusive); later purchases are ignored. Default: last date.
    calibration_end : date-like, optional
        End of the calibration period (inclusive); must lie within the data.
    date_format : str, optional
        ``strftime`` format of string dates. Without it, the format is resolved on the first
        batch (ISO dates, or the one day/month reading the batch allows) and used for all rows.
    dayfirst : bool, optional
        For string dates whose day and month could be swapped.
    file_format : {"csv", "parquet"}, optional
        Format of every file; by default each file's is read from its name (``.csv``,
        ``.csv.gz``, ``.parquet``, ...).
    batch_rows : int, default 1_000_000
        Rows read and aggregated at a time.
    progress : bool or callable, default False
        ``True`` shows a progress bar over the bytes of the files (tqdm if installed, else a
        line on stderr); a callable is called with the bytes read after each batch.

    Returns
    -------
    pandas.DataFrame
        One row per customer acquired by the end of the calibration period, indexed by
        customer id (``customer_id``), sorted.

    Raises
    ------
    DataError
        On a missing column, or a bad row (missing customer or date, an unparseable date, a
        non-numeric or non-finite amount): the message names the file and the data row
        (counted from 1 after the header). No row is dropped silently.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from custvalue.datasets import load_cdnow_sample_transactions
    >>> from custvalue.rfm import rfm_summary
    >>> tx = load_cdnow_sample_transactions()
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tx.iloc[:3000].to_csv(folder / "a.csv", index=False)
    >>> tx.iloc[3000:].to_csv(folder / "b.csv", index=False)
    >>> s = rfm_summary_from_files(folder, customer_col="customer_id", date_col="date",
    ...                            observation_end="1997-09-30", batch_rows=1000)
    >>> s.equals(rfm_summary(tx, customer_col="customer_id", date_col="date",
    ...                      observation_end="1997-09-30"))
    True
    """
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ModuleNotFoundError("rfm_summary_from_files reads files with pyarrow: pip install pyarrow "
                                  "(or custvalue[streaming]).") from None
    if freq not in TIME_UNITS:
        raise DataError(f"freq must be one of {sorted(TIME_UNITS)}; received {freq!r}.")
    for arg, col in (("customer_col", customer_col), ("date_col", date_col), ("monetary_col", monetary_col)):
        if (col is not None or arg != "monetary_col") and not isinstance(col, str):
            raise DataError(f"{arg} must be a column name (str); received {col!r}.")
    batch_rows = check_whole_number(batch_rows, "batch_rows", minimum=1)
    end_given = None if observation_end is None else _day(observation_end, "observation_end")
    cal_given = None if calibration_end is None else _day(calibration_end, "calibration_end")
    files = _list_files(source, file_format)
    columns = {"customer_col": customer_col, "date_col": date_col}
    if monetary_col is not None:
        columns["monetary_col"] = monetary_col
    if len(set(columns.values())) != len(columns):
        raise DataError(f"customer_col, date_col and monetary_col must be different columns; received {columns}.")

    state = _CustomerState(_NO_DAY if cal_given is None else cal_given)
    parse = {"date_format": date_format, "dayfirst": dayfirst, "integer_ids": None}
    n_rows, min_all, max_all, min_kept = 0, _NO_DAY, -_NO_DAY, _NO_DAY
    total = sum(f.stat().st_size for f, _ in files)
    update, close = _progress_bar(progress, total)
    try:
        for path, fmt in files:
            batches, bytes_read, _ = _batches(path, fmt, columns, batch_rows)
            offset, reported = 0, 0
            for batch in batches:
                n = batch.num_rows
                if n == 0:
                    continue
                ids, index = _to_ids(batch.column(customer_col), path, offset, f"customer_col {customer_col!r}", parse)
                days = _to_days(batch.column(date_col), path, offset, f"date_col {date_col!r}", parse)
                spend = None if monetary_col is None else _to_spend(
                    batch.column(monetary_col), path, offset, f"monetary_col {monetary_col!r}")
                min_all, max_all = min(min_all, int(days.min())), max(max_all, int(days.max()))
                n_rows += n
                if end_given is not None and days.max() > end_given:
                    keep = days <= end_given
                    days = days[keep]
                    spend = None if spend is None else spend[keep]
                    rows = np.flatnonzero(keep)
                else:
                    rows = None
                if days.size:
                    min_kept = min(min_kept, int(days.min()))
                    if ids is not None:
                        codes, new_rows = state.codes(ids if rows is None else ids[rows])
                        labels = pd.Index(ids if rows is None else ids[rows])[new_rows]
                    else:
                        labels = _text_labels(batch.column(customer_col), rows)
                        local, uniq = pd.factorize(labels)
                        hashed = pd.util.hash_array(uniq.to_numpy()).view(np.int64)
                        ucodes, new_u = state.codes(hashed)
                        old = np.setdiff1d(np.arange(uniq.size), new_u)
                        _check_no_collision(state, ucodes[old], uniq[old], path)
                        codes, labels = ucodes[local], uniq[new_u]
                    state.labels.append(labels)
                    state.add(codes, days, spend)
                offset += n
                now = bytes_read()
                update(now - reported)
                reported = now
            update(path.stat().st_size - reported)
    finally:
        close()
    return _summary(state, n_rows, min_all, max_all, min_kept, end_given, cal_given, calibration_end,
                    observation_end, TIME_UNITS[freq], monetary_col is not None)


def _day(value: Any, arg: str) -> int:
    return int(np.datetime64(as_timestamp(value, arg), "D").astype(np.int64))


def _text_labels(col: Any, rows: np.ndarray | None) -> pd.Index:
    labels = pd.Index(col.to_pandas())
    return labels if rows is None else labels[rows]


def _check_no_collision(state: _CustomerState, codes: np.ndarray, labels: pd.Index, path: Path) -> None:
    """Text ids are hashed to 64 bits; two different ids with one hash would be merged: refuse."""
    if codes.size == 0:
        return
    known = state.labels[0].append(state.labels[1:]) if len(state.labels) > 1 else state.labels[0]
    clash = known[codes] != labels
    if np.any(clash):
        raise DataError(f"{path}: customer ids {labels[clash][:2].tolist()} and {known[codes][clash][:2].tolist()} "
                        f"share a 64-bit hash; map the ids to integers before summarising.")


def _bitmap_log_gap_sums(bitmap: np.ndarray, n_cal: np.ndarray, cal_rel: int, block_gaps: int = 1 << 16) -> np.ndarray:
    """``Σ log(gap in days)`` per customer from the day bitmaps, by blocks of customers holding
    about ``block_gaps`` purchase days (memory stays bounded), summed by the in-memory code
    (:func:`custvalue.rfm.reduce_customer_days`), so the floats are identical."""
    n = n_cal.size
    out = np.zeros(n)
    cum = np.cumsum(np.where(n_cal > 1, n_cal, 0))
    c0 = 0
    while c0 < n:
        done = cum[c0 - 1] if c0 > 0 else 0
        c1 = max(c0 + 1, int(np.searchsorted(cum, done + block_gaps, side="right")))
        codes, days = _cal_days(bitmap[c0:c1], n_cal[c0:c1], cal_rel)
        out[c0:c1] = reduce_customer_days(codes, days, None, c1 - c0)["log_gap_sum"]
        c0 = c1
    return out


def _summary(state: _CustomerState, n_rows: int, min_all: int, max_all: int, min_kept: int, end_given: int | None,
             cal_given: int | None, calibration_end: Any, observation_end: Any, unit: float,
             monetary: bool) -> pd.DataFrame:
    if n_rows == 0:
        raise DataError("the files hold no transactions; at least one purchase is required.")
    end = max_all if end_given is None else end_given
    if end < min_all:
        raise DataError(f"observation_end {observation_end!r} is before the first purchase "
                        f"({np.datetime64(min_all, 'D')}).")
    cal = end if cal_given is None else cal_given
    if cal_given is not None and not (min_kept <= cal < end):
        raise DataError(
            f"calibration_end must lie within the data, on or after the first purchase "
            f"({np.datetime64(min_kept, 'D')}) and before observation_end "
            f"({np.datetime64(end, 'D')}); received {calibration_end!r}.")
    n = state.n_codes
    labels = state.labels[0].append(state.labels[1:]) if len(state.labels) > 1 else state.labels[0]
    n_cal, n_hold, last_rel = _count_days(state.bitmap, n, cal - state.base)
    acquired = n_cal > 0
    order = np.flatnonzero(acquired)[labels[acquired].argsort(kind="stable")]
    first = state.first_day[order]
    freq_ = n_cal[order] - 1
    log_gaps = _bitmap_log_gap_sums(state.bitmap, n_cal, cal - state.base)
    out = pd.DataFrame({
        "frequency": freq_,
        "recency": (last_rel[order] + state.base - first) / unit,
        "T": (cal - first) / unit,
        "sum_log_interpurchase": log_gaps[order] - freq_ * np.log(unit),
    }, index=pd.Index(labels[order], name="customer_id"))
    if monetary:
        rep = state.cal_spend[order] - state.first_spend[order]
        out["monetary_value"] = np.divide(rep, freq_, out=np.zeros_like(rep), where=freq_ > 0)
    if cal_given is not None:
        fh = n_hold[order]
        out["frequency_holdout"] = fh
        if monetary:
            tot = state.hold_spend[order]
            out["monetary_value_holdout"] = np.divide(tot, fh, out=np.zeros_like(tot), where=fh > 0)
        out["duration_holdout"] = (end - cal) / unit
    return out
