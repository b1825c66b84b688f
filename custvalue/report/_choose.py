"""``--model auto``: rank the fitted purchase models on the table of
:func:`custvalue.clv.compare_models` and pick one (the rule is stated in docs/report.md and
on the report page)."""

from __future__ import annotations

import pandas as pd

from ._spec import AUTO_CRITERIA


def auto_ranks(comparison: pd.DataFrame) -> pd.DataFrame:
    """The ranks behind ``--model auto``: one column per criterion of
    :data:`~custvalue.report._spec.AUTO_CRITERIA` present in ``comparison`` (rank 1 = lowest;
    ties share the better rank; a missing value ranks last) and their sum, ``rank_sum``."""
    used = [c for c in AUTO_CRITERIA if c in comparison]
    ranks = pd.DataFrame({c: comparison[c].rank(method="min", na_option="bottom") for c in used},
                         index=comparison.index)
    ranks["rank_sum"] = ranks[used].sum(axis=1)
    return ranks


def pick(comparison: pd.DataFrame) -> tuple[str, str]:
    """``auto``: the smallest sum of ranks on the criteria of ``AUTO_CRITERIA`` the table has
    (ties: lower AIC, then table order). Returns the label and the rule in words."""
    ranks = auto_ranks(comparison)
    order = sorted(range(len(comparison)), key=lambda i: (ranks["rank_sum"].iloc[i], comparison["aic"].iloc[i], i))
    used = [AUTO_CRITERIA[c] for c in ranks.columns if c != "rank_sum"]
    rule = ("the smallest sum of its ranks on " + ", ".join(used[:-1]) + " and " + used[-1]
            + ", where rank 1 is the lowest value and a tie goes to the lower AIC")
    if "holdout_mae" not in comparison:
        rule += "; there is no holdout period, so the tracking error is in-sample"
    return str(comparison.index[order[0]]), rule
