"""The likelihood-ratio test result shared by every model that offers an LR test.

One type for all of them: :func:`custvalue.loyalty.lr_test` (nested loyalty regressions)
returns it, and so should
:meth:`custvalue.potential.MultivariateProbitResults.lr_test_independence`, whose former
``LRTest`` named tuple it replaces (it unpacks the same way: ``statistic, df, pvalue = test``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from scipy import stats

from .summary import Summary

__all__ = ["LRTestResult"]


@dataclass(frozen=True)
class LRTestResult:
    """Likelihood-ratio test of a restricted model against a fuller nested one (Wilks 1938).

    Attributes
    ----------
    statistic : float
        ``LR = 2 (llf_full - llf_restricted)``.
    df : int
        Degrees of freedom (the number of restrictions).
    pvalue : float
        Chi-squared upper-tail probability of ``statistic`` (NaN when ``df`` is 0).
    llf_restricted, llf_full : float
        Log-likelihoods of the two models (NaN when not recorded).

    Examples
    --------
    >>> t = LRTestResult.from_loglikelihoods(-105.0, -100.0, df=2)
    >>> t.statistic, t.df, round(t.pvalue, 6)
    (10.0, 2, 0.006738)
    >>> statistic, df, pvalue = t  # unpacks as (statistic, df, pvalue)
    """

    statistic: float
    df: int
    pvalue: float
    llf_restricted: float = math.nan
    llf_full: float = math.nan

    @classmethod
    def from_loglikelihoods(cls, llf_restricted: float, llf_full: float, df: int) -> LRTestResult:
        """The test from the two maximised log-likelihoods.

        A negative difference (rounding, or simulation noise in a simulated likelihood) gives
        ``statistic = 0`` and ``pvalue = 1``.

        Parameters
        ----------
        llf_restricted, llf_full : float
            Log-likelihoods of the restricted and the full model.
        df : int
            Number of restrictions (>= 0).

        Returns
        -------
        LRTestResult

        Examples
        --------
        >>> LRTestResult.from_loglikelihoods(-10.0, -10.5, df=1).pvalue
        1.0
        """
        stat = max(2.0 * (float(llf_full) - float(llf_restricted)), 0.0)
        p = float(stats.chi2.sf(stat, df)) if df > 0 else math.nan
        return cls(stat, int(df), p, float(llf_restricted), float(llf_full))

    def __iter__(self) -> Iterator[float]:
        """``(statistic, df, pvalue)``, so that ``statistic, df, pvalue = test`` works.

        Returns
        -------
        iterator

        Examples
        --------
        >>> stat, df, p = LRTestResult(3.0, 1, 0.083)
        >>> df
        1
        """
        return iter((self.statistic, self.df, self.pvalue))

    def __repr__(self) -> str:
        return f"LRTestResult(statistic={self.statistic:.6g}, df={self.df}, pvalue={self.pvalue:.4g})"

    def _summary(self) -> Summary:
        return Summary("Likelihood-ratio test", [
            ("LR statistic", self.statistic), ("df", self.df), ("p-value", self.pvalue),
            ("Log-likelihood, restricted", self.llf_restricted), ("Log-likelihood, full", self.llf_full)])

    def _repr_html_(self) -> str:
        return self._summary()._repr_html_()
