"""Published sBG numbers of Fader & Hardie (2007); provenance in ``fh2007_sbg.md``.

FH 2007, "How to project customer retention", Journal of Interactive Marketing 21(1):76-90:
survivor counts of two 1,000-customer cohorts (Berry & Linoff 2004 data) at the start of
years 0..12, and the MLEs fitted on years 0..7.
"""

from pathlib import Path

import pandas as pd

SURVIVORS = pd.read_csv(Path(__file__).with_name("fh2007_sbg_survivors.csv"), index_col="year")
N_CALIBRATION_YEARS = 7  # the model is fitted on years 0..7 and forecasts years 8..12
ESTIMATES = {
    "regular": {"alpha": 0.704, "beta": 1.182, "llf": -1680.3},
    "high_end": {"alpha": 0.668, "beta": 3.806, "llf": -1611.2},
}
