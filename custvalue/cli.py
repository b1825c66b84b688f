"""Command line: ``custvalue report [options]`` (also ``python -m custvalue report``)."""

from __future__ import annotations

import argparse
import sys

from .exceptions import DataError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="custvalue", description="Customer-value modelling.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="fit BG/NBD + Gamma-Gamma and write a CLV report",
                       description="With no options, runs on the bundled CDNOW transaction log.")
    r.add_argument("--transactions", help="CSV with one row per purchase (default: bundled CDNOW)")
    r.add_argument("--customer-col", default="customer_id")
    r.add_argument("--date-col", default="date")
    r.add_argument("--monetary-col", default="amount")
    r.add_argument("--date-format", default=None, help="strftime format of the date column")
    r.add_argument("--calibration-end", default="default",
                   help="end of calibration (YYYY-MM-DD); 'none' for no holdout")
    r.add_argument("--observation-end", default=None)
    r.add_argument("--freq", default="W", choices=["D", "W", "M"])
    r.add_argument("--horizon", type=int, default=12, help="CLV horizon in months")
    r.add_argument("--discount-rate", type=float, default=0.01, help="monthly discount rate")
    r.add_argument("--output", default="custvalue-report")
    r.add_argument("--quiet", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``custvalue`` command; returns the process exit code (0 ok, 2 bad input).

    ``custvalue report`` calls :func:`custvalue.report.run_report` with the options given;
    bad input (a :class:`~custvalue.exceptions.DataError`) is printed to stderr.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when the input was rejected.

    Examples
    --------
    >>> from custvalue.cli import main
    >>> main(["report", "--transactions", "no-such-file.csv", "--quiet"])
    2
    """
    args = _parser().parse_args(argv)
    from .report import run_report

    cal = None if str(args.calibration_end).lower() == "none" else args.calibration_end
    try:
        out = run_report(args.transactions, customer_col=args.customer_col, date_col=args.date_col,
                         monetary_col=args.monetary_col, date_format=args.date_format,
                         calibration_end=cal, observation_end=args.observation_end, freq=args.freq,
                         horizon=args.horizon, discount_rate=args.discount_rate, output=args.output,
                         progress=None if args.quiet else sys.stderr)
    except DataError as exc:
        print(f"custvalue: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out.scores}, {out.params} and {out.html} ({out.n_customers:,} customers)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
