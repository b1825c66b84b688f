"""The main job: a customer-value report from a transaction log.

``python -m custvalue report`` (or the ``custvalue`` console script) runs
:func:`run_report`; with no arguments it uses the bundled CDNOW log with the
Fader-Hardie-Lee calibration/holdout split. The report fits a purchase model (BG/NBD,
MBG/NBD, Pareto/NBD, or all three compared) and the Gamma-Gamma spend model on the
calibration period, scores every customer at the observation end, and draws the source
texts' customer-value picture: value tiers and concentration, customer states by P(alive),
churn value at risk by tier and a ranked win-back list.
"""

from ._run import ReportOutput, alive_states, run_report, value_tiers
from ._spec import MODEL_CHOICES, MODELS, STATES

__all__ = ["run_report", "ReportOutput", "value_tiers", "alive_states", "MODELS", "MODEL_CHOICES", "STATES"]
