"""Command line: ``custvalue report [options]`` (also ``python -m custvalue report``)."""

from __future__ import annotations

import argparse
import signal
import sys

from .exceptions import DataError

__all__ = ["main", "EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED"]

#: Exit codes: success, a failure while writing, rejected input (also argparse's usage
#: errors), interrupted by Ctrl-C (128 + SIGINT, the shell convention; 143 after SIGTERM).
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

_SEPARATORS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}

#: Library wording -> command-line wording in error messages about dates.
_CLI_WORDS = (
    ("dayfirst=True or dayfirst=False", "--dayfirst or --monthfirst"),
    ("date_format='", "--date-format '"),
    ("date_format=", "--date-format"),
)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default (written out where it needs words)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, argparse.SUPPRESS) or not action.option_strings:
            return text
        return text + " (default: %(default)s)"


def _separator(value: str) -> str:
    return _SEPARATORS.get(value.lower(), value)


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .report import MODEL_CHOICES

    p = argparse.ArgumentParser(prog="custvalue", description="Customer-value modelling.",
                                formatter_class=_HelpFormatter)
    p.add_argument("--version", action="version", version=f"custvalue {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report", formatter_class=_HelpFormatter,
        help="fit a purchase model and Gamma-Gamma, score customers and write a customer-value report",
        description=(
            "Fit a purchase model (BG/NBD, MBG/NBD or Pareto/NBD) and the Gamma-Gamma spend model on the\n"
            "calibration period, score every customer at the observation end, and write scores.csv,\n"
            "params.csv, model_comparison.csv, tiers.csv, winback.csv and report.html into --output.\n"
            "With no options it runs on the bundled CDNOW transaction log. Every input is checked\n"
            "before anything is written; the report is written whole or not at all."),
        epilog="Exit codes: 0 done, 2 input rejected (nothing written), 1 writing failed, 130 interrupted.")
    data = r.add_argument_group("data")
    data.add_argument("--transactions", metavar="CSV",
                      help="CSV file with one row per purchase (default: the bundled CDNOW log)")
    data.add_argument("--sep", type=_separator, default=None,
                      help="field separator of the CSV: ',', ';', 'tab' or '|' (default: detected from the "
                           "header line)")
    data.add_argument("--customer-col", default="customer_id", help="column with the customer id")
    data.add_argument("--date-col", default="date", help="column with the purchase date")
    data.add_argument("--monetary-col", default="amount", help="column with the purchase amount")
    data.add_argument("--date-format", default=None, metavar="FORMAT",
                      help="strftime format of the dates, e.g. '%%d.%%m.%%Y' (default: ISO 8601 or the one "
                           "format that reads every date)")
    order = data.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True, default=None,
                       help="read dates such as 02/01/2023 as day/month (default: neither; needed only when "
                            "every date reads both ways)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="read dates such as 02/01/2023 as month/day (default: neither)")
    data.add_argument("--returns", choices=["error", "net", "drop"], default="error",
                      help="negative amounts (returns): error = stop and name the rows; net = not purchases, "
                           "each customer's average purchase value reduced by the share of spend returned; "
                           "drop = ignore those rows")
    per = r.add_argument_group("periods and models")
    per.add_argument("--calibration-end", default=None, metavar="DATE",
                     help="end of the calibration period (YYYY-MM-DD); later purchases form the holdout that "
                          "checks the forecasts; 'none' for no holdout (default: 1997-09-30 for the bundled "
                          "data, none for a file)")
    per.add_argument("--observation-end", default=None, metavar="DATE",
                     help="date customers are scored at; later purchases are ignored (default: the last "
                          "purchase date; 1998-06-30 for the bundled data)")
    per.add_argument("--freq", default="W", choices=["D", "W", "M"],
                     help="time unit of the models: D = days, W = weeks, M = months of 365.25/12 days")
    per.add_argument("--model", default="bgnbd", choices=list(MODEL_CHOICES),
                     help="purchase model: bgnbd = BG/NBD, mbgnbd = MBG/NBD, pnbd = Pareto/NBD, auto = fit all "
                          "three and pick the smallest sum of ranks on AIC, the repeat-purchase histogram's "
                          "chi-square, the holdout error and the tracking error")
    val = r.add_argument_group("value")
    val.add_argument("--months", "--horizon", dest="months", type=int, default=12,
                     help="horizon of the expected purchases and the CLV, in months (--horizon: the old name)")
    val.add_argument("--monthly-discount-rate", "--discount-rate", dest="monthly_discount_rate", type=float,
                     default=0.01, help="discount rate per month (--discount-rate: the old name)")
    val.add_argument("--margin", type=float, default=1.0,
                     help="share of revenue kept as profit, in (0, 1]; 1 reports revenue")
    val.add_argument("--currency", default=None,
                     help="money unit for labels (default: US$ for the bundled data, none for a file)")
    unc = r.add_argument_group("intervals")
    unc.add_argument("--interval", default="delta", choices=["delta", "simulate", "none"],
                     help="intervals from the sampling uncertainty of the fitted parameters, for P(alive), expected "
                          "purchases and CLV in scores.csv (columns *_lower, *_upper) and as a band in the tracking "
                          "plot: delta = the delta method on the log or logit scale, simulate = quantiles over 200 "
                          "parameter draws (seed 0), none = point estimates only")
    unc.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals, in (0, 1)")
    seg = r.add_argument_group("states and win-back")
    seg.add_argument("--active-threshold", type=float, default=0.7,
                     help="P(alive) from which a customer counts as active")
    seg.add_argument("--lapsed-threshold", type=float, default=0.3,
                     help="P(alive) below which a customer counts as lapsed (at risk in between)")
    seg.add_argument("--winback-response-rate", type=float, default=0.1,
                     help="assumed probability that a lost customer returns when contacted")
    seg.add_argument("--winback-cost", type=float, default=1.0,
                     help="assumed cost of one contact, in the money unit of the amounts")
    o = r.add_argument_group("output")
    o.add_argument("--output", default="custvalue-report", metavar="FOLDER", help="folder to write the report to")
    o.add_argument("--force", action="store_true",
                   help="replace an existing report in --output (default: refuse; a folder holding other files "
                        "is never replaced)")
    o.add_argument("--quiet", action="store_true", help="no progress lines (default: progress on stderr)")
    return p


def _cli_words(message: str) -> str:
    for lib, cli in _CLI_WORDS:
        message = message.replace(lib, cli)
    return message


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the run cleans up like on Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:  # pragma: no cover - exercised by a subprocess test
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``custvalue`` command; returns the process exit code.

    ``custvalue report`` calls :func:`custvalue.report.run_report` with the options given.
    Rejected input (a :class:`~custvalue.exceptions.DataError`) is printed to stderr with
    exit code 2 and nothing written; Ctrl-C (SIGINT) or SIGTERM stops the run with exit code
    130 and leaves the output folder as it was.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when the input was rejected, 1 when writing failed, 130 when
        interrupted.

    Examples
    --------
    >>> from custvalue.cli import main
    >>> main(["report", "--transactions", "no-such-file.csv", "--quiet"])
    2
    """
    args = _parser().parse_args(argv)
    from .report import run_report

    cal = "default" if args.calibration_end is None else args.calibration_end
    if str(cal).lower() == "none":
        cal = None
    previous = None
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _terminate)
        except ValueError:  # not the main thread: leave the default handler
            previous = None
    try:
        out = run_report(args.transactions, customer_col=args.customer_col, date_col=args.date_col,
                         monetary_col=args.monetary_col, sep=args.sep, date_format=args.date_format,
                         dayfirst=args.dayfirst, calibration_end=cal, observation_end=args.observation_end,
                         freq=args.freq, model=args.model, returns=args.returns, months=args.months,
                         monthly_discount_rate=args.monthly_discount_rate, margin=args.margin,
                         active_threshold=args.active_threshold, lapsed_threshold=args.lapsed_threshold,
                         winback_response_rate=args.winback_response_rate, winback_cost=args.winback_cost,
                         currency=args.currency, interval=None if args.interval == "none" else args.interval,
                         level=args.level, output=args.output, force=args.force,
                         progress=None if args.quiet else sys.stderr)
    except DataError as exc:
        print(f"custvalue: error: {_cli_words(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        print(f"custvalue: interrupted; {args.output} was left as it was before the run.", file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    except OSError as exc:
        print(f"custvalue: error: could not write the report to {args.output}: {exc}; nothing was replaced.",
              file=sys.stderr)
        return EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(f"wrote {out.folder}: report.html, scores.csv, params.csv, model_comparison.csv, tiers.csv, "
          f"winback.csv ({out.n_customers:,} customers, {out.model})")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
