"""Reading a user's transaction log and checking every input before anything is written.

Every check here runs before the report's output folder is touched. Errors name the file
lines (a CSV's row ``i`` is line ``i + 2``: the header is line 1), the values found and what
to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import describe_rows, parse_dates
from ..exceptions import ReportInputError

#: Separators recognised in a CSV header, in order of preference on a tie.
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
#: Treatments of negative amounts (returns, refunds).
RETURNS = ("error", "net", "drop")


def _show(values: pd.Series, mask: np.ndarray, limit: int = 3) -> str:
    rows = np.flatnonzero(mask)[:limit]
    name = values.index.name or "row"
    return ", ".join(f"{name} {values.index[i]}: {values.iloc[i]!r}" for i in rows)


def detect_separator(path: Path) -> str:
    """The separator of a delimited text file, from its header line.

    The candidate (comma, semicolon, tab, vertical bar) that occurs most often in the first
    line; a comma when none does (a one-column file).
    """
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            header = f.readline(65536)
    except OSError as exc:
        raise ReportInputError(f"could not read the transactions file {str(path)!r}: {exc.strerror or exc}.") from None
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])  # first of the ties, in SEPARATORS order
    return best if counts[best] > 0 else ","


def read_transactions(path: str | Path, *, sep: str | None, customer_col: str) -> tuple[pd.DataFrame, str]:
    """Read a transaction CSV: customer ids as text (leading zeros kept), index = file line.

    Returns the frame and the separator used (detected when ``sep`` is None).
    """
    path = Path(path)
    if not path.is_file():
        raise ReportInputError(f"the transactions file {str(path)!r} does not exist (or is not a file).")
    used = detect_separator(path) if sep is None else sep
    try:
        df = pd.read_csv(path, sep=used, dtype={customer_col: str}, encoding="utf-8-sig",
                         skipinitialspace=True)
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"could not read the transactions file {str(path)!r}: it is not UTF-8 text "
                               f"({exc.reason} at byte {exc.start}); save it as UTF-8 (CSV UTF-8) and try again.") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ReportInputError(f"could not read the transactions file {str(path)!r} with separator "
                               f"{used!r}: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    df.index = pd.RangeIndex(2, 2 + len(df), name="line")
    return df, used


def require_columns(tx: pd.DataFrame, columns: dict[str, str], sep: str | None) -> None:
    """Every named column present; otherwise a DataError listing the columns found and, when
    the header looks split on the wrong separator, the ``--sep`` to use."""
    for arg, col in columns.items():
        if col not in tx.columns:
            msg = f"{arg}={col!r} is not a column of the transactions; columns found: {list(tx.columns)}."
            if sep is not None and len(tx.columns) <= 2:
                other = [s for s in SEPARATORS if s != sep and any(s in str(c) for c in tx.columns)]
                if other:
                    msg += (f" The header looks {SEPARATORS[other[0]]}-separated: pass --sep "
                            f"{other[0]!r} (sep={other[0]!r}).")
            raise ReportInputError(msg)
        if tx[col].isna().any():
            raise ReportInputError(f"{arg} column {col!r} has missing values; "
                                   + describe_rows(tx[col].isna().to_numpy(), tx.index)
                                   + "; fill or remove those rows.")


def _amount_advice(text: pd.Series) -> str:
    """What to do about amounts that are not plain numbers, judged from the values."""
    sample = text.astype(str)
    if sample.str.contains(r"[$€£¥₹]|[A-Za-z]{3}\s*$|^\s*[A-Za-z]{3}", regex=True).any():
        return ("write plain numbers in the file, without currency symbols or codes "
                "(e.g. '$1,299.00' -> 1299.00)")
    if sample.str.fullmatch(r"\s*-?\d{1,3}(\.\d{3})*,\d+\s*", na=False).any():
        return ("the file seems to use decimal commas (29,33): write decimal points (29.33) and no "
                "thousands separators")
    if sample.str.contains(",", regex=False).any():
        return "remove the thousands separators (1,299.00 -> 1299.00)"
    return "write plain numbers such as 29.33 (or remove the rows)"


def clean_amounts(values: pd.Series, col: str) -> np.ndarray:
    """Purchase amounts as floats; text such as ``$29.33`` is an error naming rows and values."""
    if pd.api.types.is_bool_dtype(values):
        raise ReportInputError(f"monetary_col {col!r} holds true/false values, not amounts.")
    if pd.api.types.is_numeric_dtype(values):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        num = pd.to_numeric(values, errors="coerce")
        bad = (num.isna() & values.notna()).to_numpy()
        if bad.any():
            raise ReportInputError(
                f"monetary_col {col!r} must hold numbers; {int(bad.sum())} value(s) are not "
                f"numbers ({_show(values, bad)}); " + describe_rows(bad, values.index)
                + f"; {_amount_advice(values[bad])}.")
        out = num.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(out)
    if not finite.all():
        raise ReportInputError(f"monetary_col {col!r} must be finite (no NaN or inf); "
                               + describe_rows(~finite, values.index) + "; fix or remove those rows.")
    return out


def returns_policy(amounts: np.ndarray, index: pd.Index, col: str, returns: str) -> np.ndarray:
    """Mask of negative amounts (returns); an error naming them unless a policy is given."""
    neg = amounts < 0
    if neg.any() and returns == "error":
        shown = ", ".join(f"{index.name or 'row'} {index[i]}: {amounts[i]:g}" for i in np.flatnonzero(neg)[:3])
        raise ReportInputError(
            f"monetary_col {col!r} has {int(neg.sum())} negative amount(s) (returns or refunds?) ({shown}); "
            + describe_rows(neg, index) + "; say how to treat them: --returns net (returns="
            "'net': they are not purchases, and each customer's average purchase value is reduced "
            "by the share of their spend they returned) or --returns drop (returns='drop': the "
            "rows are ignored).")
    return neg


@dataclass(frozen=True)
class Periods:
    """The resolved dates of a report: data range, calibration and observation ends."""

    first: pd.Timestamp
    last: pd.Timestamp
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp | None
    date_format: str | None
    n_after_end: int


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def parse_user_date(value: Any, name: str, data_format: str | None, dayfirst: bool | None) -> pd.Timestamp:
    """An end date given by the user: ISO 8601, or the data's own format."""
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
        return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tz else pd.Timestamp(value)
    text = pd.Series([str(value).strip()])
    tries: list[dict[str, Any]] = [{"date_format": "ISO8601"}]
    if data_format and data_format != "ISO8601":
        tries.append({"date_format": data_format})
    tries.append({"dayfirst": dayfirst})
    for kw in tries:
        try:
            return parse_dates(text, name, **kw)[0].iloc[0]
        except Exception:  # noqa: BLE001 - try the next reading, then report once
            continue
    raise ReportInputError(f"{name}: could not read {value!r} as a date; write it as YYYY-MM-DD "
                           f"(e.g. 1997-09-30).")


def resolve_periods(dates: pd.Series, *, calibration_end: Any, observation_end: Any,
                    date_format: str | None, dayfirst: bool | None) -> Periods:
    """Check the calibration and observation ends against the data's dates."""
    first, last = dates.min(), dates.max()
    span = f"the purchases run from {_iso(first)} to {_iso(last)}"
    obs = last if observation_end is None else parse_user_date(observation_end, "observation_end",
                                                               date_format, dayfirst)
    if obs < first:
        raise ReportInputError(f"observation_end {_iso(obs)} is before the first purchase; {span}.")
    cal = None
    if calibration_end is not None:
        cal = parse_user_date(calibration_end, "calibration_end", date_format, dayfirst)
        if not first <= cal < obs:
            raise ReportInputError(
                f"calibration_end {_iso(cal)} must lie on or after the first purchase and before the "
                f"observation end ({_iso(obs)}); {span}. Choose a date in between, or pass "
                "--calibration-end none (calibration_end=None) for no holdout check.")
    return Periods(first, last, obs, cal, date_format, int((dates > obs).sum()))


def check_options(*, freq: str, model: str, returns: str, months: Any, monthly_discount_rate: Any, margin: Any,
                  active_threshold: Any, lapsed_threshold: Any, winback_response_rate: Any,
                  winback_cost: Any, models: tuple[str, ...], freqs: tuple[str, ...], interval: Any = "delta",
                  level: Any = 0.95, intervals: tuple[str | None, ...] = ("delta", "simulate", None)
                  ) -> dict[str, Any]:
    """Check the report's options; return the numbers as floats (and the interval method)."""
    def choice(value: str, name: str, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            raise ReportInputError(f"{name} must be one of {list(allowed)}; received {value!r}.")

    def number(value: Any, name: str) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ReportInputError(f"{name} must be a number; received {value!r}.") from None
        if not np.isfinite(v):
            raise ReportInputError(f"{name} must be finite; received {value!r}.")
        return v

    choice(freq, "freq", freqs)
    choice(model, "model", models)
    choice(returns, "returns", RETURNS)
    h = number(months, "months")
    if h != int(h) or h < 1:
        raise ReportInputError(f"months (the horizon) must be a whole number of months >= 1; received {months!r}.")
    d = number(monthly_discount_rate, "monthly_discount_rate")
    if not -1 < d < 1:
        raise ReportInputError(f"monthly_discount_rate must lie in (-1, 1); received {monthly_discount_rate!r} "
                               "(for 1% a month pass 0.01).")
    m = number(margin, "margin")
    if not 0 < m <= 1:
        raise ReportInputError(f"margin is the share of revenue kept as profit and must lie in (0, 1]; received "
                               f"{margin!r} (for 30% pass 0.3; 1 reports revenue).")
    act = number(active_threshold, "active_threshold")
    lap = number(lapsed_threshold, "lapsed_threshold")
    if not 0 <= lap < act <= 1:
        raise ReportInputError(f"the P(alive) thresholds must satisfy 0 <= lapsed_threshold < active_threshold <= 1; "
                               f"received lapsed_threshold={lapsed_threshold!r}, active_threshold={active_threshold!r}.")
    rho = number(winback_response_rate, "winback_response_rate")
    if not 0 < rho <= 1:
        raise ReportInputError(f"winback_response_rate is a probability in (0, 1]; received {winback_response_rate!r}.")
    cost = number(winback_cost, "winback_cost")
    if cost < 0:
        raise ReportInputError(f"winback_cost must be >= 0; received {winback_cost!r}.")
    if not (interval is None or isinstance(interval, str)) or interval not in intervals:
        raise ReportInputError(f"interval must be one of {list(intervals)} (None: no intervals); received "
                               f"{interval!r}.")
    lev = number(level, "level")
    if isinstance(level, (bool, np.bool_)) or not 0 < lev < 1:
        raise ReportInputError(f"level (of the intervals) must lie in (0, 1), e.g. 0.95; received {level!r}.")
    return {"horizon": int(h), "discount_rate": d, "margin": m, "active_threshold": act,
            "lapsed_threshold": lap, "winback_response_rate": rho, "winback_cost": cost,
            "interval": interval, "level": lev}

