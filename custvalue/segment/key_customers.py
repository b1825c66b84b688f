"""Key customers by strategic importance: a transparent weighted score and its weight sensitivity.

*Customer quality review* (step 1 of the quality review): find the key
customers by their strategic importance to the firm.  The score is a weighted sum of criteria
put on a common 0-1 scale (value, potential, growth, reference value...), the classic
weighted-scoring (simple additive weighting) rule of multi-criteria decision analysis; because
the weights are a judgement, :func:`weight_sensitivity` reports how much the key-customer set
and the ranking move when the weights do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array, as_generator, check_finite_scalar, check_positive_scalar, check_whole_number
from ..base import FrozenMixin
from ..exceptions import DataError

__all__ = ["DEFAULT_WEIGHTS", "key_customer_score", "weight_sensitivity", "WeightSensitivity"]

#: Default criteria and weights (*Customer quality review*'s strategic importance; edit to taste).
DEFAULT_WEIGHTS: dict[str, float] = {"value": 0.4, "potential": 0.3, "growth": 0.2, "reference": 0.1}


def _weights(weights: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    if not isinstance(weights, Mapping) or len(weights) == 0:
        raise DataError(f"weights must be a non-empty mapping {{criterion column: weight}}; received {weights!r}.")
    names = list(weights)
    w = np.array([check_finite_scalar(weights[k], f"weights[{k!r}]") for k in names])
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise DataError(f"weights must be finite, >= 0 and not all zero; received {dict(weights)}.")
    return names, w / w.sum()


def _scaled(data: pd.DataFrame, names: list[str], scaling: str) -> np.ndarray:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a DataFrame with one column per criterion; received {type(data).__name__}.")
    missing = [c for c in names if c not in data]
    if missing:
        raise DataError(f"criteria {missing} (the keys of weights) are not columns of data; "
                        f"columns received: {list(data.columns)}.")
    X = np.column_stack([as_float_array(data[c], c, index=data.index) for c in names])
    if scaling == "rank":  # percentile rank in [0, 1], ties averaged
        Z = data[names].rank(method="average").to_numpy() - 1.0
        return Z / max(len(data) - 1, 1)
    if scaling == "minmax":
        lo, hi = X.min(axis=0), X.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        return (X - lo) / span
    if scaling == "zscore":
        sd = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    raise DataError(f"scaling must be 'rank', 'minmax' or 'zscore'; received {scaling!r}.")


def key_customer_score(data: pd.DataFrame, *, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
                       scaling: str = "rank") -> pd.Series:
    """Weighted strategic-importance score per customer.

    ``score_i = sum_k w_k z_ik / sum_k w_k`` where ``z_ik`` is criterion ``k`` of customer
    ``i`` on a common scale.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer, one column per criterion named in ``weights`` (higher = more
        important; negate a criterion where lower is better).
    weights : mapping, default DEFAULT_WEIGHTS
        ``{column: weight}``; weights >= 0, normalised to sum to 1.
    scaling : {"rank", "minmax", "zscore"}, default "rank"
        Common scale: percentile rank in [0, 1] (robust to outliers and units), min-max to
        [0, 1], or z-scores.

    Returns
    -------
    pandas.Series
        Score named ``"key_score"``, indexed like ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.segment import key_customer_score
    >>> d = pd.DataFrame({"value": [10, 5, 1], "potential": [1, 5, 10]})
    >>> key_customer_score(d, weights={"value": 3, "potential": 1}).tolist()
    [0.75, 0.5, 0.25]
    """
    names, w = _weights(weights)
    Z = _scaled(data, names, scaling)
    return pd.Series(Z @ w, index=data.index, name="key_score")


class WeightSensitivity(FrozenMixin):
    """How the key-customer set and ranking respond to the weights.

    Attributes
    ----------
    base_score : pandas.Series
        Score at the given weights.
    key_probability : pandas.Series
        Per customer, the share of perturbed weight vectors under which the customer is in
        the top ``top`` percent (1 = key under every weighting, 0 = never).
    stability : pandas.Series
        Over the perturbed weights: mean and 5% quantile of the overlap (Jaccard index) of
        the key set with the base key set, and mean Spearman correlation of the scores with
        the base scores.
    one_at_a_time : pandas.DataFrame
        For each criterion, its weight moved down and up by ``delta`` (others rescaled to keep
        the sum at 1): the Jaccard overlap of the key set with the base set and the Spearman
        correlation with the base scores.
    draws : numpy.ndarray
        The perturbed weight vectors (n_draws x criteria).

    Notes
    -----
    Built by :func:`weight_sensitivity`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from custvalue.segment import weight_sensitivity
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame(rng.normal(size=(200, 4)), columns=["value", "potential", "growth", "reference"])
    >>> s = weight_sensitivity(d, n_draws=100, seed=1)
    >>> s.draws.shape, s.key_probability.shape
    ((100, 4), (200,))
    """

    def __init__(self, **kw: Any):
        for k, v in kw.items():
            setattr(self, k, v)
        self._freeze()

    def __repr__(self) -> str:
        return (f"WeightSensitivity(top={self.top}%, n_draws={self.draws.shape[0]}, mean key-set "
                f"overlap={self.stability['mean_jaccard']:.3f}, mean Spearman="
                f"{self.stability['mean_spearman']:.3f})")


def _rank_columns(S: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` mask and average descending ranks of each column of ``S``, from one sort.

    The top ``k`` rows of a column are its ``k`` largest values, ties by row position; the
    ranks are average ranks (ties share the mean of their positions), 1 = largest.
    """
    n = S.shape[0]
    order = np.argsort(-S, axis=0, kind="stable")
    mask = np.zeros(S.shape, dtype=bool)
    np.put_along_axis(mask, order[:k], True, axis=0)
    vs = np.take_along_axis(S, order, axis=0)
    change = vs[1:] != vs[:-1]
    pos = np.arange(n)[:, None]
    starts = np.vstack([np.ones((1, S.shape[1]), dtype=bool), change])
    ends = np.vstack([change, np.ones((1, S.shape[1]), dtype=bool)])
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, pos, n)[::-1], axis=0)[::-1]
    ranks = np.empty(S.shape)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=0)
    return mask, ranks


def _spearman(R: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of the rank matrix ``R`` with the ranks ``rb``.

    A column in which every customer ties (a weighting under which nobody can be ranked)
    carries no order, so its correlation is 0, not NaN; ``rb`` itself is never constant
    (:func:`weight_sensitivity` refuses a constant base score).
    """
    R = R - R.mean(axis=0)
    rb = rb - rb.mean()
    ss = (R * R).sum(axis=0)
    den = np.sqrt((rb @ rb) * ss)
    return np.divide(rb @ R, den, out=np.zeros_like(ss), where=den > 0)


def weight_sensitivity(data: pd.DataFrame, *, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
                       top: float = 20.0, scaling: str = "rank", n_draws: int = 500,
                       concentration: float = 50.0, delta: float = 0.1,
                       seed: int | np.random.Generator | None = None) -> WeightSensitivity:
    """Sensitivity of the key-customer ranking to the weights.

    Weight vectors are drawn from a Dirichlet distribution centred on the given weights,
    ``Dirichlet(concentration x w)`` (larger ``concentration`` = smaller perturbations; at 50
    a weight of 0.4 has a standard deviation of about 0.07), and one weight at a time is moved
    by ``+/- delta``.  The score is linear in the weights, so all draws are one matrix
    product.

    Parameters
    ----------
    data : pandas.DataFrame
        Criteria, as in :func:`key_customer_score`.
    weights : mapping, default DEFAULT_WEIGHTS
        Base weights.
    top : float, default 20
        Key customers are the top ``top`` percent by score.
    scaling : {"rank", "minmax", "zscore"}, default "rank"
    n_draws : int, default 500
        Number of perturbed weight vectors.
    concentration : float, default 50
        Dirichlet concentration (> 0).
    delta : float, default 0.1
        Step of the one-at-a-time analysis (weights are clipped to [0, 1]).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    WeightSensitivity
        ``key_probability``, ``stability``, ``one_at_a_time``, ``base_score``, ``draws``.
        A perturbed weighting under which every customer ties has Spearman correlation 0
        with the base ranking (it ranks nobody).

    Raises
    ------
    DataError
        When ``data`` has fewer than two customers, when every customer has the same score at
        the given weights (no ranking to perturb: the Spearman correlation with it is
        undefined), or on invalid settings.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from custvalue.segment import weight_sensitivity
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame(rng.normal(size=(200, 4)), columns=["value", "potential", "growth", "reference"])
    >>> s = weight_sensitivity(d, n_draws=100, seed=1)
    >>> bool(0 < s.stability["mean_jaccard"] <= 1)
    True
    """
    names, w = _weights(weights)
    Z = _scaled(data, names, scaling)
    n = Z.shape[0]
    top = check_positive_scalar(top, "top")
    if top > 100:
        raise DataError(f"top must be a percentage in (0, 100]; received {top!r}.")
    k = max(1, int(np.floor(n * top / 100.0 + 0.5)))
    n_draws = check_whole_number(n_draws, "n_draws", minimum=1)
    conc = check_positive_scalar(concentration, "concentration")
    delta = check_positive_scalar(delta, "delta")
    if delta >= 1:
        raise DataError(f"delta must lie in (0, 1); received {delta!r}.")
    if n < 2:
        raise DataError(f"data must hold at least two customers to rank; received {n}.")
    rng = as_generator(seed)  # a Generator passes through unchanged
    base = Z @ w
    if np.ptp(base) <= 1e-12 * max(1.0, float(np.abs(base).max())):
        raise DataError(
            "every customer has the same score at the given weights (the weighted criteria are "
            f"constant or cancel out: {dict(zip(names, np.round(w, 6).tolist()))}), so there is no "
            "key-customer ranking whose sensitivity could be measured; check the criteria columns "
            "and the weights.")
    base_top, base_rank = _rank_columns(base[:, None], k)
    base_top, base_rank = base_top[:, 0], base_rank[:, 0]
    alpha = np.maximum(conc * w, 1e-3)
    draws = rng.dirichlet(alpha, size=int(n_draws))
    hits = np.zeros(n)
    jac, rho = [], []
    chunk = max(1, int(4e6 // max(n, 1)))
    for s in range(0, draws.shape[0], chunk):  # chunks of weight draws bound the memory
        T, R = _rank_columns(Z @ draws[s:s + chunk].T, k)
        hits += T.sum(axis=1)
        inter = (T & base_top[:, None]).sum(axis=0)
        jac.append(inter / (2 * k - inter))
        rho.append(_spearman(R, base_rank))
    jac_a = np.concatenate(jac)
    rho_a = np.concatenate(rho)
    # one at a time: move weight j by -/+ delta, rescale the others to keep the sum at 1
    rows = []
    for j, name in enumerate(names):  # a loop over the few criteria
        for sign in (-1.0, 1.0):
            wj = min(max(w[j] + sign * delta, 0.0), 1.0)
            rest = np.delete(w, j)
            rest = rest / rest.sum() * (1 - wj) if rest.sum() > 0 else rest
            wv = np.insert(rest, j, wj)
            t, r = _rank_columns((Z @ wv)[:, None], k)
            inter = int((t[:, 0] & base_top).sum())
            rows.append({"criterion": name, "change": sign * delta, "weight": wj,
                         "jaccard": inter / (2 * k - inter),
                         "spearman": float(_spearman(r, base_rank)[0])})
    return WeightSensitivity(
        base_score=pd.Series(base, index=data.index, name="key_score"),
        key_probability=pd.Series(hits / draws.shape[0], index=data.index, name="key_probability"),
        stability=pd.Series({"mean_jaccard": float(jac_a.mean()),
                             "q05_jaccard": float(np.quantile(jac_a, 0.05)),
                             "mean_spearman": float(rho_a.mean()),
                             "q05_spearman": float(np.quantile(rho_a, 0.05))}),
        one_at_a_time=pd.DataFrame(rows).set_index(["criterion", "change"]),
        draws=draws, top=float(top), weights=pd.Series(w, index=names, name="weight"))
