"""What the report offers and relies on: its models, states, kernels and reference numbers."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: ``--model`` values: the purchase-count model (label, class in custvalue.clv, reference).
MODELS = {
    "bgnbd": ("BG/NBD", "BetaGeo", "Fader, Hardie & Lee (2005), Marketing Science 24(2)"),
    "mbgnbd": ("MBG/NBD", "ModifiedBetaGeo", "Batislam, Denizel & Filiztekin (2007), IJRM 24"),
    "pnbd": ("Pareto/NBD", "ParetoNBD", "Schmittlein, Morrison & Colombo (1987), Management Science 33"),
}
MODEL_CHOICES = (*MODELS, "auto")
#: ``--model auto``: the columns of :func:`custvalue.clv.compare_models` the models are ranked
#: on (each lower is better), with what each measures. The rule: rank the models on each
#: criterion the table has (ties share the better rank; a missing value ranks last), add the
#: ranks, and pick the smallest sum; ties go to the lower AIC. Two criteria judge the fit to the
#: calibration data, two the forecast of the holdout (without a holdout, the tracking error is
#: in-sample and the holdout error is absent).
AUTO_CRITERIA = {
    "aic": "the calibration AIC",
    "histogram_chi2": "the chi-square of the calibration repeat-purchase histogram",
    "holdout_mae": "the holdout mean absolute error per customer",
    "tracking_mape": "the tracking error of the cumulative repeat transactions",
}
FREQS = ("D", "W", "M")
#: ``--interval`` values (None: ``--interval none``, point estimates only).
INTERVALS = ("delta", "simulate", None)
#: Parameter draws and seed of ``--interval simulate``.
N_DRAWS, SEED = 200, 0
#: Customer states by P(alive), top first.
STATES = ("active", "at risk", "lapsed")
#: The seed's recency rule for the comparison with the model's states (months without a purchase).
LOST_AFTER_MONTHS = 3
#: Numerical kernels every run of a purchase model compiles on first use (module in
#: custvalue.math, name): the Hessian pass of the fit, P(alive), the expected-purchases series.
KERNELS = {
    "bgnbd": (("betageo", "_sums_hess"), ("betageo", "_alive_rows"), ("special", "_dropout_mean")),
    "mbgnbd": (("betageo", "_sums_hess"), ("betageo", "_alive_rows"), ("special", "_dropout_mean")),
    "pnbd": (("paretonbd._fused", "_rows"),),
}
#: BG/NBD estimates of Fader, Hardie & Lee (2005) on the 2,357-customer CDNOW sample.
FHL2005 = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def iso(ts: Any) -> str:
    """A date as YYYY-MM-DD (what the report echoes, whatever format the data used)."""
    return pd.Timestamp(ts).strftime("%Y-%m-%d")
