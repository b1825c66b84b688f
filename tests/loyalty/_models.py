"""Model strings shared by the loyalty tests (the published ECSI and plspm 'satisfaction' models)."""

import pandas as pd

from tests.conftest import shared_data_file

ECSI = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""

SATISFACTION = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""


def load_mobi() -> pd.DataFrame:
    """The ECSI mobile-phone survey (GPL fixture; skips the test when ../shared/data is absent)."""
    return pd.read_csv(shared_data_file("mobi.csv"), index_col=0)


def load_satisfaction() -> pd.DataFrame:
    """R plspm's satisfaction survey (GPL fixture; skips the test when ../shared/data is absent)."""
    return pd.read_csv(shared_data_file("satisfaction.csv"), index_col=0)
