"""Bundled public data sets (see ``SOURCE.md`` and ``CITATION.md`` in this folder).

* CDNOW: the full transaction log of the 23,570 customers who made their first purchase at
  CDNOW in the first quarter of 1997, followed to 1998-06-30; the 1/10 sample (2,357
  customers) and its 39-week calibration summary used by Fader, Hardie & Lee (2005).
* Donations: the compressed BG/BB data of Fader, Hardie & Shang (2010): 11,104 first-time
  supporters of a US non-profit (1995 cohort), repeat donations in 1996-2001.

These are the public Fader-Hardie files, as shipped by the ``lifetimes`` package.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = [
    "load_cdnow_transactions",
    "load_cdnow_sample_transactions",
    "load_cdnow_summary",
    "load_donations",
    "CDNOW_CALIBRATION_END",
    "CDNOW_OBSERVATION_END",
]

#: End of the 39-week calibration period used by Fader, Hardie & Lee (2005).
CDNOW_CALIBRATION_END = "1997-09-30"
#: End of the CDNOW observation window (78 weeks after 1997-01-01, less a day).
CDNOW_OBSERVATION_END = "1998-06-30"


def _path(name: str):
    return resources.files(__name__).joinpath("data", name)


def _read_cdnow_log(name: str, columns: list[str]) -> pd.DataFrame:
    with resources.as_file(_path(name)) as p:
        df = pd.read_csv(p, sep=r"\s+", header=None, names=columns, dtype={"customer_id": "int64"},
                         skiprows=1 if name.startswith("CDNOW_master") else 0, compression="gzip")
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


def load_cdnow_transactions() -> pd.DataFrame:
    """The full CDNOW transaction log (69,659 rows, 23,570 customers, 1997-01-01 to 1998-06-30).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int), ``date`` (datetime64), ``quantity`` (CDs bought) and
        ``amount`` (US dollars).

    Examples
    --------
    >>> df = load_cdnow_transactions()
    >>> df["customer_id"].nunique()
    23570
    """
    return _read_cdnow_log("CDNOW_master.txt.gz", ["customer_id", "date", "quantity", "amount"])


def load_cdnow_sample_transactions() -> pd.DataFrame:
    """The 1/10 systematic sample of the CDNOW log (6,919 rows, 2,357 customers).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (the sample's own id, 1..2357, as in the summary file),
        ``master_id`` (the id in the full log), ``date``, ``quantity`` and ``amount``.

    Examples
    --------
    >>> load_cdnow_sample_transactions()["customer_id"].nunique()
    2357
    """
    df = _read_cdnow_log("CDNOW_sample.txt.gz", ["master_id", "customer_id", "date", "quantity", "amount"])
    return df[["customer_id", "master_id", "date", "quantity", "amount"]]


def load_cdnow_summary() -> pd.DataFrame:
    """The 39-week calibration summary of the CDNOW sample (Fader, Hardie & Lee 2005).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``; columns ``frequency`` (repeat purchases), ``recency``
        and ``T`` (weeks, rounded to 2 decimals as published) and ``monetary_value`` (mean
        value of the repeat purchases, 0 for customers without one).

    Examples
    --------
    >>> s = load_cdnow_summary()
    >>> s.shape
    (2357, 4)
    """
    with resources.as_file(_path("cdnow_customers_summary_with_transactions.csv")) as p:
        df = pd.read_csv(p)
    df = df.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    df = df.set_index("customer_id")
    df["frequency"] = df["frequency"].astype("int64")
    return df[["frequency", "recency", "T", "monetary_value"]]


def load_donations() -> pd.DataFrame:
    """The donations data of Fader, Hardie & Shang (2010), compressed.

    Returns
    -------
    pandas.DataFrame
        22 rows: ``frequency`` (repeat donations in 6 annual opportunities), ``recency``
        (last opportunity with a donation), ``n_periods`` (6) and ``weights`` (customers
        with that history; they sum to 11,104).

    Examples
    --------
    >>> int(load_donations()["weights"].sum())
    11104
    """
    with resources.as_file(_path("donations.csv")) as p:
        df = pd.read_csv(p)
    return df.rename(columns={"periods": "n_periods"})
