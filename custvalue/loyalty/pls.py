"""PLS path modelling (PLS-PM) of satisfaction/loyalty models such as the ACSI and ECSI.

:class:`PLSPM` holds a :class:`~custvalue.loyalty.spec.ModelSpec` and validated item data;
:meth:`PLSPM.fit` runs Lohmoeller's algorithm (modes A and B; path, centroid or factorial
inner weighting) and returns a frozen :class:`PLSResults` with outer weights, loadings,
path coefficients, direct/indirect/total effects, R-squared, GoF, LV scores (indexed like the
data) and the reliability diagnostics (Cronbach's alpha, composite reliability, AVE, HTMT,
Fornell-Larcker).  :meth:`PLSResults.bootstrap` resamples respondents, seeded and vectorised:
all resamples are estimated together from their covariance matrices
(:mod:`custvalue.math.pls`), with percentile or BCa intervals.

References: Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path modeling", CSDA
48:159-205; Lohmoeller (1989), *Latent Variable Path Modeling with Partial Least Squares*;
Fornell, Johnson, Anderson, Cha & Bryant (1996), "The American Customer Satisfaction Index",
J. Marketing 60(4):7-18; Henseler, Ringle & Sarstedt (2015), J. Acad. Mark. Sci. 43:115-135;
Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 14 (BCa).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import (as_float_array, check_bootstrap, check_choice, check_positive_scalar,
                           check_whole_number, require_frame)
from ..base import FrozenMixin, Summary
from ..exceptions import ConvergenceWarning, DataError, MeasurementWarning, ModelSpecificationError
from ..math import pls as K
from .spec import ModelSpec

__all__ = ["PLSPM", "PLSResults", "PLSBootstrapResults", "plspm"]

Scheme = Literal["path", "centroid", "factorial"]
_SCALE_RATIO = 2.0


def _as_spec(spec: ModelSpec | str) -> ModelSpec:
    if isinstance(spec, str):
        return ModelSpec.from_string(spec)
    if isinstance(spec, ModelSpec):
        return ModelSpec(spec.blocks, spec.paths, spec.modes)  # re-check a spec built in steps
    raise ModelSpecificationError(f"spec must be a ModelSpec or a model string; received {type(spec).__name__}.")


class PLSPM:
    """A PLS path model bound to item-level survey data.

    Parameters
    ----------
    spec : ModelSpec or str
        The model (``"LV =~ items"`` mode A, ``"LV <~ items"`` mode B, ``"Y ~ X"`` paths).
    data : pandas.DataFrame
        One row per respondent, one column per item; the index is kept for the scores.
    scale : bool, optional
        ``True``: standardise the items (R plspm ``scaled=TRUE``); ``False``: use them
        centred in their raw units (as the ACSI does; plspm ``scaled=FALSE``).  ``None``
        (default) uses raw units when all items share one scale and raises a
        :class:`DataError` when their ranges differ by more than a factor 2 (e.g. 1-5 and
        1-10 items, or Likert items mixed with spend), since raw-unit weights are then
        meaningless.

    Raises
    ------
    DataError
        Items missing from ``data``, non-numeric, with missing values (rows named), constant
        items, or items on different scales with ``scale=None``.
    ModelSpecificationError
        An invalid specification (cycles, one-item mode-B blocks, unknown LVs...).

    Examples
    --------
    >>> from custvalue.loyalty import load_ecsi_synthetic
    >>> d = load_ecsi_synthetic()
    >>> m = PLSPM('''
    ...   Image =~ IMAG1 + IMAG2 + IMAG3
    ...   Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...   Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ...   Satisfaction ~ Image
    ...   Loyalty ~ Image + Satisfaction''', d)
    >>> res = m.fit()
    >>> bool(res.converged)
    True
    """

    def __init__(self, spec: ModelSpec | str, data: pd.DataFrame, *, scale: bool | None = None):
        self.spec = _as_spec(spec)
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame with one column per item; received "
                            f"{type(data).__name__}.")
        items = list(self.spec.items)
        absent = [c for c in items if c not in data.columns]
        if absent:
            raise DataError(f"items {absent} are not columns of data; the model needs {items}; "
                            f"columns received: {list(map(str, data.columns))}.")
        nonnum = [c for c in items if not pd.api.types.is_numeric_dtype(data[c])]
        if nonnum:
            raise DataError(f"items must be numeric; columns {nonnum} are not (dtypes "
                            f"{[str(data[c].dtype) for c in nonnum]}).")
        self.index = data.index
        X = as_float_array(data[items], "data[items]", index=data.index, ndim=2)
        if X.shape[0] < 3:
            raise DataError(f"PLS-PM needs at least 3 respondents; received {X.shape[0]}.")
        lo, hi = X.min(0), X.max(0)
        const = hi == lo
        if const.any():
            bad = [items[i] for i in np.flatnonzero(const)]
            raise DataError(f"items {bad} are constant (every respondent gave the same answer); "
                            "a constant item carries no information: drop it from its block.")
        if scale is None:
            rng = hi - lo
            if rng.max() / rng.min() > _SCALE_RATIO:
                desc = ", ".join(f"{items[i]}: {lo[i]:g}..{hi[i]:g}" for i in (np.argmin(rng), np.argmax(rng)))
                raise DataError(f"items appear to be on different scales (observed ranges differ by a "
                                f"factor {rng.max() / rng.min():.3g} > {_SCALE_RATIO:g}; e.g. {desc}); "
                                "pass scale=True to standardise the items, or scale=False to keep raw "
                                "units deliberately.")
            scale = False
        self.scale = bool(scale)
        self.items = items
        self.n = X.shape[0]
        self.raw = X
        self.center = X.mean(0)
        Xc = X - self.center
        self.sd = Xc.std(0) if self.scale else np.ones(X.shape[1])
        self.X = Xc / self.sd
        self.odm = self.spec.outer_design()
        self.adj = self.spec.adjacency()
        self.mode_b = np.array([self.spec.modes[v] == "B" for v in self.spec.latent])

    @property
    def nobs(self) -> int:
        """Number of respondents."""
        return self.n

    @cached_property
    def S(self) -> np.ndarray:
        """Covariance (divisor n) of the items as analysed."""
        return self.X.T @ self.X / self.n

    def fit(self, *, scheme: Scheme = "path", tol: float = 1e-6, maxiter: int = 100) -> PLSResults:
        """Estimate the model by Lohmoeller's PLS algorithm.

        Parameters
        ----------
        scheme : {"path", "centroid", "factorial"}, default "path"
            Inner weighting scheme (R plspm's default is "centroid").
        tol : float, default 1e-6
            Stop when ``sum((|w_old| - |w_new|)^2) < tol`` (R plspm's rule and default).
        maxiter : int, default 100
            Maximum iterations; if reached, a :class:`ConvergenceWarning` is issued and
            ``results.converged`` is False.

        Returns
        -------
        PLSResults
            Weights, loadings, paths, effects, R-squared, GoF, scores and diagnostics.

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic
        >>> m = PLSPM("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S",
        ...           load_ecsi_synthetic())
        >>> res = m.fit(scheme="centroid")
        >>> res.scheme, bool(res.converged)
        ('centroid', True)
        """
        if scheme not in ("path", "centroid", "factorial"):
            raise ModelSpecificationError(f"scheme must be 'path', 'centroid' or 'factorial'; received {scheme!r}.")
        if not (0 < check_positive_scalar(tol, "tol") < 1e-2):
            raise ModelSpecificationError(f"tol must lie in (0, 0.01); received {tol!r}.")
        maxiter = check_whole_number(maxiter, "maxiter", minimum=1)
        W, n_iter, conv = K.pls_weights(self.S, self.odm, self.adj, self.mode_b, scheme, tol, int(maxiter))
        if not bool(conv):
            warnings.warn(f"PLS-PM did not converge in {maxiter} iterations (scheme {scheme!r}); the "
                          "weights are those of the last iteration. Try scheme='centroid' or 'factorial', "
                          "check for blocks whose items are uncorrelated, or raise maxiter.",
                          ConvergenceWarning, stacklevel=2)
        W = K.sign_fix(self.S, W, self.odm)
        self._warn_negative_loadings(K.loadings(self.S, W))
        return PLSResults(self, W, scheme=scheme, tol=tol, maxiter=int(maxiter),
                          n_iter=int(n_iter), converged=bool(conv))

    def _warn_negative_loadings(self, load: np.ndarray) -> None:
        """Name the items of reflective blocks that load negatively (after orientation)."""
        own = np.sum(load * self.odm, axis=1)
        block = self.odm.argmax(1)
        neg = (own < 0) & ~self.mode_b[block]
        if not neg.any():
            return
        parts = []
        for j in np.unique(block[neg]):  # loop over the few blocks concerned
            items = [self.items[i] for i in np.flatnonzero(neg & (block == j))]
            n_pos = int(np.sum((own > 0) & (block == j)))
            tie = " (a tie: the block's first item was made to load positively)" if n_pos == len(items) else ""
            parts.append(f"{self.spec.latent[j]}: {items}{tie}")
        warnings.warn("items load negatively on their reflective latent variable — " + "; ".join(parts)
                      + ". Their block's Cronbach's alpha and composite reliability do not measure "
                      "reliability (a negative alpha is reported as 0, as R plspm does). Reverse-code "
                      "these items (e.g. max + min - x) so that every item of a block points the same "
                      "way.", MeasurementWarning, stacklevel=3)


def plspm(spec: ModelSpec | str, data: pd.DataFrame, *, scheme: Scheme = "path", scale: bool | None = None,
          tol: float = 1e-6, maxiter: int = 100) -> PLSResults:
    """Fit a PLS path model in one call: ``PLSPM(spec, data, scale=scale).fit(scheme=...)``.

    Parameters
    ----------
    spec : ModelSpec or str
        The model (see :class:`PLSPM`).
    data : pandas.DataFrame
        One row per respondent, one column per item.
    scheme : {"path", "centroid", "factorial"}, default "path"
        Inner weighting scheme.
    scale : bool, optional
        Standardise the items (see :class:`PLSPM`).
    tol : float, default 1e-6
        Convergence tolerance (R plspm's rule).
    maxiter : int, default 100
        Maximum iterations.

    Returns
    -------
    PLSResults
        The fitted model.

    Raises
    ------
    DataError, ModelSpecificationError
        As :class:`PLSPM` and :meth:`PLSPM.fit`.

    Examples
    --------
    >>> from custvalue.loyalty import load_ecsi_synthetic
    >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S",
    ...             load_ecsi_synthetic())
    >>> bool(0 < res.paths["S -> L"] < 1)
    True
    """
    return PLSPM(spec, data, scale=scale).fit(scheme=scheme, tol=tol, maxiter=maxiter)


def _pairs(adj: np.ndarray, latent: tuple[str, ...]) -> tuple[list, list, list]:
    """(direct, indirect, total) index pairs (target k, source j) that can be non-zero."""
    L = adj.shape[0]
    reach = np.linalg.inv(np.eye(L) - adj) - np.eye(L)  # counts of directed paths
    indirect = reach - adj
    direct = [(k, j) for k in range(L) for j in range(L) if adj[k, j]]
    ind = [(k, j) for k in range(L) for j in range(L) if indirect[k, j] > 0.5]
    tot = [(k, j) for k in range(L) for j in range(L) if reach[k, j] > 0.5]
    return direct, ind, tot


def _estimates(S: np.ndarray, model: PLSPM, scheme: str, tol: float, maxiter: int, W: np.ndarray | None = None
               ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """All reported statistics for a batch of covariance matrices (vectorised)."""
    if W is None:
        W, _, conv = K.pls_weights(S, model.odm, model.adj, model.mode_b, scheme, tol, maxiter)
        W = K.sign_fix(S, W, model.odm)
    else:
        conv = np.ones(S.shape[:-2], dtype=bool)
    R = K.lv_correlation(S, W)
    B, r2 = K.path_coefficients(R, model.adj)
    total, indirect = K.effects(B)
    load = K.loadings(S, W)
    direct_p, ind_p, tot_p = _pairs(model.adj, model.spec.latent)
    endo = model.adj.sum(1) > 0
    item_block = model.odm.argmax(1)
    p = np.arange(model.odm.shape[0])
    out = {
        "path": np.stack([B[..., k, j] for k, j in direct_p], axis=-1),
        "indirect": (np.stack([indirect[..., k, j] for k, j in ind_p], axis=-1)
                     if ind_p else np.zeros(S.shape[:-2] + (0,))),
        "total": np.stack([total[..., k, j] for k, j in tot_p], axis=-1),
        "loading": load[..., p, item_block],
        "weight": W[..., p, item_block],
        "r2": r2[..., endo],
        "gof": K.gof(load, model.odm, r2, endo)[..., None],
    }
    return out, conv


def _labels(model: PLSPM) -> dict[str, list[str]]:
    lat = model.spec.latent
    direct_p, ind_p, tot_p = _pairs(model.adj, lat)
    lab = lambda pairs: [f"{lat[j]} -> {lat[k]}" for k, j in pairs]  # noqa: E731
    endo = model.adj.sum(1) > 0
    return {"path": lab(direct_p), "indirect": lab(ind_p), "total": lab(tot_p),
            "loading": list(model.items), "weight": list(model.items),
            "r2": [v for v, e in zip(lat, endo) if e], "gof": ["GoF"]}


class PLSResults(FrozenMixin):
    """Results of a PLS path model (immutable).

    Attributes
    ----------
    paths : pandas.Series
        Path coefficients, indexed ``"Source -> Target"``.
    path_matrix : pandas.DataFrame
        Coefficients with rows = targets, columns = sources.
    r2 : pandas.Series
        R-squared of each endogenous LV.
    effects : pandas.DataFrame
        Direct, indirect and total effects for every connected pair.
    weights, loadings : pandas.Series
        Outer weights and loadings of each item on its own LV.
    crossloadings : pandas.DataFrame
        Correlation of every item with every LV.
    scores : pandas.DataFrame
        Standardised LV scores, indexed like the data.
    gof : float
        Goodness of fit (Tenenhaus et al. 2005).
    reliability : pandas.DataFrame
        Per block: mode, items, Cronbach's alpha, composite reliability (rho_c), AVE.
    htmt, fornell_larcker, lv_correlation : pandas.DataFrame
        Discriminant-validity tables.
    converged : bool
        Whether the algorithm met ``tol`` within ``maxiter`` iterations.
    n_iter : int
        Iterations used.

    Examples
    --------
    >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
    >>> d = load_ecsi_synthetic()
    >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
    >>> res.paths.round(3).to_dict(), res.r2.round(3).to_dict()
    ({'S -> L': 0.491}, {'L': 0.241})
    >>> res.scores.shape
    (1000, 2)
    """

    def __init__(self, model: PLSPM, W: np.ndarray, *, scheme: str, tol: float, maxiter: int,
                 n_iter: int, converged: bool):
        self.model = model
        self.W = W
        self.scheme = scheme
        self.tol = tol
        self.maxiter = maxiter
        self.n_iter = n_iter
        self.converged = converged
        self.nobs = model.n
        self._freeze()

    @cached_property
    def _est(self) -> dict[str, np.ndarray]:
        return _estimates(self.model.S, self.model, self.scheme, self.tol, self.maxiter, W=self.W)[0]

    @cached_property
    def _lab(self) -> dict[str, list[str]]:
        return _labels(self.model)

    def _series(self, key: str, name: str) -> pd.Series:
        return pd.Series(self._est[key], index=self._lab[key], name=name)

    @property
    def latent(self) -> tuple[str, ...]:
        """Latent variable names."""
        return self.model.spec.latent

    @cached_property
    def paths(self) -> pd.Series:
        """Path coefficients ``"Source -> Target"``."""
        return self._series("path", "path")

    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a matrix (rows: targets, columns: sources)."""
        R = K.lv_correlation(self.model.S, self.W)
        B, _ = K.path_coefficients(R, self.model.adj)
        return pd.DataFrame(B, index=self.latent, columns=self.latent)

    @cached_property
    def r2(self) -> pd.Series:
        """R-squared of each endogenous latent variable."""
        return self._series("r2", "r2")

    @property
    def gof(self) -> float:
        """Goodness of fit, ``sqrt(mean communality x mean R2)``."""
        return float(self._est["gof"][0])

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects of every source on every reachable target."""
        tot = self._series("total", "total")
        df = pd.DataFrame({"direct": self.paths.reindex(tot.index).fillna(0.0),
                           "indirect": self._series("indirect", "indirect").reindex(tot.index).fillna(0.0),
                           "total": tot})
        return df

    @cached_property
    def weights(self) -> pd.Series:
        """Outer weights (for standardised LV scores) of each item."""
        return self._series("weight", "weight")

    @cached_property
    def loadings(self) -> pd.Series:
        """Correlation of each item with its own LV."""
        return self._series("loading", "loading")

    @cached_property
    def crossloadings(self) -> pd.DataFrame:
        """Correlations of all items with all LVs."""
        return pd.DataFrame(K.loadings(self.model.S, self.W), index=self.model.items, columns=self.latent)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardised latent variable scores (mean 0, variance 1 with divisor n)."""
        return pd.DataFrame(self.model.X @ self.W, index=self.model.index, columns=self.latent)

    @cached_property
    def lv_correlation(self) -> pd.DataFrame:
        """Correlations between LV scores."""
        return pd.DataFrame(K.lv_correlation(self.model.S, self.W), index=self.latent, columns=self.latent)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, composite reliability (rho_c) and AVE per block.

        Alpha is computed on the items as analysed (standardised when ``scale=True``), as
        coded: items correlating negatively make it negative (-8.8 for a two-item block
        correlating -0.81), which is reported as 0, R plspm's rule (``get_unidim``); fitting
        such a model issues a :class:`~custvalue.exceptions.MeasurementWarning` naming the
        items to reverse-code.  rho_c uses the signed loadings, so it is also near 0 there.
        For mode-B (formative) blocks these reflective-measurement statistics are shown but
        are not meaningful.
        """
        alpha, rho, ave = K.block_reliability(self.model.S, self.crossloadings.to_numpy(), self.model.odm)
        alpha = np.where(alpha < 0, 0.0, alpha)  # NaN (one-item blocks) stays NaN
        return pd.DataFrame({"mode": [self.model.spec.modes[v] for v in self.latent],
                             "items": self.model.odm.sum(0).astype(int),
                             "cronbach_alpha": alpha, "composite_reliability": rho, "ave": ave},
                            index=list(self.latent))

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (values above 0.85-0.90 flag poor discriminant validity)."""
        return pd.DataFrame(K.htmt(self.model.S, self.model.odm), index=self.latent, columns=self.latent)

    @cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """LV correlations with sqrt(AVE) on the diagonal, plus a ``passes`` column.

        A block passes when sqrt(AVE) exceeds its absolute correlation with every other LV
        (Fornell & Larcker 1981).
        """
        R = self.lv_correlation.to_numpy().copy()
        s = np.sqrt(self.reliability["ave"].to_numpy())
        off = np.abs(R - np.diag(np.diag(R)))
        np.fill_diagonal(R, s)
        df = pd.DataFrame(R, index=self.latent, columns=self.latent)
        df["passes"] = s > off.max(1)
        return df

    def predict_scores(self, data: pd.DataFrame) -> pd.DataFrame:
        """LV scores of new respondents with the fitted weights and the fitting data's centring/scaling.

        Parameters
        ----------
        data : pandas.DataFrame
            New respondents, with (at least) the model's item columns.

        Returns
        -------
        pandas.DataFrame
            One column per latent variable, indexed like ``data``.

        Raises
        ------
        DataError
            Non-numeric or missing item values (rows named).

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
        >>> d = load_ecsi_synthetic()
        >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
        >>> new = res.predict_scores(d.head(3))
        >>> bool((new.round(9) == res.scores.head(3).round(9)).all().all())
        True
        """
        require_frame(data, "data", self.model.items)
        X = as_float_array(data[self.model.items], "data[items]", index=data.index, ndim=2)
        Xs = (X - self.model.center) / self.model.sd
        return pd.DataFrame(Xs @ self.W, index=data.index, columns=self.latent)

    def bootstrap(self, n_boot: int = 1000, *, seed: int | np.random.Generator | None = None,
                  level: float = 0.95, method: Literal["percentile", "bca"] = "percentile",
                  chunk: int | None = None) -> PLSBootstrapResults:
        """Bootstrap the whole model by resampling respondents (vectorised, seeded).

        Each resample's covariance matrix is formed from multinomial counts in one matrix
        product per chunk; all resamples then run the PLS algorithm together (the same
        scheme, ``tol`` and ``maxiter`` as the fit).  Resamples that fail to converge are
        dropped and counted in ``n_failed``.

        Parameters
        ----------
        n_boot : int, default 1000
            Number of resamples.
        seed : int or numpy.random.Generator, optional
            Seed for reproducible resamples.
        level : float, default 0.95
            Confidence level of the intervals.
        method : {"percentile", "bca"}, default "percentile"
            Percentile intervals, or bias-corrected and accelerated intervals (Efron &
            Tibshirani 1993, eq. 14.9-14.15; acceleration from a jackknife, grouped into 500
            groups when there are more than 500 respondents).
        chunk : int, optional
            Resamples per batch (memory control); default keeps ~50 MB per batch.

        Returns
        -------
        PLSBootstrapResults
            The bootstrap table (standard errors, intervals) and the resampled estimates.

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
        >>> d = load_ecsi_synthetic()
        >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
        >>> boot = res.bootstrap(50, seed=0)
        >>> boot.n_boot, boot.conf_int("path").round(2).values.tolist()
        (50, [[0.44, 0.54]])
        """
        n_boot, rng, level = check_bootstrap(n_boot, seed, level)
        check_choice(method, "method", ("percentile", "bca"))
        m = self.model
        draws: list[np.ndarray] = []
        convs: list[np.ndarray] = []
        # rating-scale items go in as integers (exact moments; the covariance does not
        # depend on the centring), other data centred
        X = m.raw if K._small_integer_data(m.raw) else m.raw - m.center
        for S in K.bootstrap_covariances(X, int(n_boot), rng, scale=m.scale, chunk=chunk):
            est, conv = _estimates(S, m, self.scheme, self.tol, self.maxiter)
            draws.append(np.concatenate([est[k] for k in _KEYS], axis=-1))
            convs.append(conv)
        D = np.concatenate(draws, axis=0)
        ok = np.concatenate(convs)
        theta = np.concatenate([self._est[k] for k in _KEYS])
        accel = self._jackknife_acceleration(rng) if method == "bca" else None
        return PLSBootstrapResults(self, D[ok], theta, n_failed=int((~ok).sum()), level=level,
                                   method=method, accel=accel)

    def _jackknife_acceleration(self, rng: np.random.Generator, max_groups: int = 500) -> np.ndarray:
        m = self.model
        S = K.jackknife_covariances(m.raw - m.center, rng, scale=m.scale, max_groups=max_groups)
        est, _ = _estimates(S, m, self.scheme, self.tol, self.maxiter)
        J = np.concatenate([est[k] for k in _KEYS], axis=-1)
        d = J.mean(0) - J
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sum(d ** 3, 0) / (6.0 * np.sum(d ** 2, 0) ** 1.5)

    def summary(self) -> Summary:
        """Paths, R2, reliability and fit (text with ``print``, HTML in Jupyter).

        Returns
        -------
        Summary
            Fit information (respondents, scheme, scaling, iterations, convergence, GoF) and
            tables of paths and effects, R-squared, measurement and reliability.

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
        >>> d = load_ecsi_synthetic()
        >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
        >>> print(res.summary())  # doctest: +ELLIPSIS
        PLS path model
        ...
        GoF           0.42357
        ...
        """
        info = [("Model", "PLS path model"), ("Respondents", self.nobs),
                ("Scheme", self.scheme), ("Items scaled", self.model.scale),
                ("Iterations", self.n_iter), ("Converged", self.converged), ("GoF", self.gof)]
        eff = self.effects
        tables = [("Paths and effects", eff),
                  ("R-squared", self.r2.to_frame()),
                  ("Measurement", pd.DataFrame({"block": [self.latent[i] for i in self.model.odm.argmax(1)],
                                                "weight": self.weights, "loading": self.loadings})),
                  ("Reliability", self.reliability)]
        notes = [] if self.converged else [f"PLS did not converge in {self.maxiter} iterations"]
        return Summary("PLS path model", info, tables, notes)

    def __repr__(self) -> str:
        return (f"<PLSResults: {len(self.latent)} LVs, {len(self.paths)} paths, GoF={self.gof:.4f}, "
                f"converged={self.converged}>")

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


_KEYS = ("path", "indirect", "total", "loading", "weight", "r2", "gof")


class PLSBootstrapResults(FrozenMixin):
    """Bootstrap distribution of a PLS path model's estimates.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per statistic (MultiIndex ``(kind, name)`` with kind in path, indirect,
        total, loading, weight, r2, gof): estimate, bootstrap mean, std err, t = estimate/std
        err, lower, upper.
    draws : pandas.DataFrame
        The resampled estimates (resamples x statistics).
    n_failed : int
        Resamples that did not converge (dropped).
    n_boot : int
        Resamples kept.
    estimate : pandas.Series
        The full-sample estimates.
    level : float
        Confidence level of the intervals.
    method : {"percentile", "bca"}
        Interval method.

    Examples
    --------
    >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
    >>> d = load_ecsi_synthetic()
    >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
    >>> boot = res.bootstrap(50, seed=0)
    >>> round(float(boot.table.loc[("path", "S -> L"), "std_err"]), 3)
    0.026
    """

    def __init__(self, fit: PLSResults, draws: np.ndarray, theta: np.ndarray, *, n_failed: int,
                 level: float, method: str, accel: np.ndarray | None):
        labels = fit._lab
        idx = pd.MultiIndex.from_tuples([(k, name) for k in _KEYS for name in labels[k]],
                                        names=["kind", "name"])
        self.fit = fit
        self.draws = pd.DataFrame(draws, columns=idx)
        self.estimate = pd.Series(theta, index=idx, name="estimate")
        self.n_failed = n_failed
        self.n_boot = draws.shape[0]
        self.level = level
        self.method = method
        self.accel = None if accel is None else pd.Series(accel, index=idx)
        if n_failed:
            warnings.warn(f"{n_failed} bootstrap resamples did not converge and were dropped.",
                          ConvergenceWarning, stacklevel=3)
        self._freeze()

    @cached_property
    def table(self) -> pd.DataFrame:
        """Estimates with bootstrap standard errors and intervals."""
        D = self.draws.to_numpy()
        est = self.estimate.to_numpy()
        se = D.std(0, ddof=1)
        a = (1 - self.level) / 2
        if self.method == "percentile":
            lo, hi = np.quantile(D, [a, 1 - a], axis=0)
        else:
            lo, hi = _bca(D, est, self.accel.to_numpy(), a)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = est / se
        pct = f"{100 * self.level:g}%"
        return pd.DataFrame({"estimate": est, "boot_mean": D.mean(0), "std_err": se, "t": t,
                             f"lower {pct}": lo, f"upper {pct}": hi}, index=self.estimate.index)

    def conf_int(self, kind: str | None = None) -> pd.DataFrame:
        """Intervals (columns ``lower``, ``upper``), optionally for one kind (e.g. ``"indirect"``).

        Parameters
        ----------
        kind : {"path", "indirect", "total", "loading", "weight", "r2", "gof"}, optional
            Keep only statistics of this kind (default: all).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``; indexed by ``(kind, name)``, or by ``name`` when
            ``kind`` is given.

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
        >>> d = load_ecsi_synthetic()
        >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
        >>> boot = res.bootstrap(50, seed=0)
        >>> boot.conf_int("r2").round(2).values.tolist()
        [[0.2, 0.29]]
        """
        t = self.table.iloc[:, -2:]
        t.columns = ["lower", "upper"]
        if kind is None:
            return t
        return t.xs(check_choice(kind, "kind", t.index.unique("kind")), level="kind")

    def summary(self) -> Summary:
        """Bootstrap table for paths and effects.

        Returns
        -------
        Summary
            Resamples, failures, interval method and level, and the bootstrap tables for
            paths, indirect and total effects and R-squared.

        Examples
        --------
        >>> from custvalue.loyalty import load_ecsi_synthetic, plspm
        >>> d = load_ecsi_synthetic()
        >>> res = plspm("S =~ CUSA1 + CUSA2 + CUSA3; L =~ CUSL1 + CUSL2 + CUSL3; L ~ S", d)
        >>> boot = res.bootstrap(50, seed=0)
        >>> print(boot.summary())  # doctest: +ELLIPSIS
        PLS path model bootstrap
        ...
        Resamples         50
        ...
        """
        info = [("Resamples", self.n_boot), ("Failed resamples", self.n_failed),
                ("Interval", self.method), ("Level", self.level)]
        tab = self.table
        tables = [(k, tab.xs(k, level="kind")) for k in ("path", "indirect", "total", "r2") if k in tab.index.get_level_values(0)]
        return Summary("PLS path model bootstrap", info, tables)

    def __repr__(self) -> str:
        return f"<PLSBootstrapResults: {self.n_boot} resamples ({self.method}), {self.n_failed} failed>"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _bca(D: np.ndarray, est: np.ndarray, accel: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """BCa percentiles (Efron & Tibshirani 1993, eq. 14.10) computed column-wise."""
    B = D.shape[0]
    prop = (np.sum(D < est, 0) + 0.5 * np.sum(D == est, 0)) / B
    z0 = stats.norm.ppf(np.clip(prop, 1.0 / (B + 1), B / (B + 1.0)))
    acc = np.nan_to_num(accel, nan=0.0)
    out = []
    for za in (stats.norm.ppf(a), stats.norm.ppf(1 - a)):
        q = stats.norm.cdf(z0 + (z0 + za) / (1 - acc * (z0 + za)))
        qs = np.sort(D, axis=0)
        pos = np.clip(q * (B - 1), 0, B - 1)
        lo_i = np.floor(pos).astype(int)
        hi_i = np.minimum(lo_i + 1, B - 1)
        frac = pos - lo_i
        cols = np.arange(D.shape[1])
        out.append(qs[lo_i, cols] * (1 - frac) + qs[hi_i, cols] * frac)
    return out[0], out[1]
