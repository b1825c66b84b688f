"""Static covariates of the buy-till-you-die models (Pareto/NBD, BG/NBD, MBG/NBD): the
declared covariates, their design matrices, the chain rule from per-customer parameters to
the coefficients, the L2 penalty, and a kernel adapter that turns a fitted model's
parameters and a customer's covariates into that customer's own parameters for every
prediction.

The parameterisation is CLVTools' (Bachmann, Meierer & Näf 2021, Marketing Science 40(4);
Meierer et al. 2023, JSS; read in CLVTools 0.12.1, ``src/pnbd.cpp`` ``pnbd_staticcov_alpha_i``,
``pnbd_staticcov_beta_i`` and ``src/bgnbd.cpp`` ``bgnbd_staticcov_alpha_i``, ``_a_i``,
``_b_i``), so that estimates compare one to one:

- Pareto/NBD: ``α_i = α exp(-γ_purchase' z_i)``, ``β_i = β exp(-γ_dropout' z_i)``;
- BG/NBD and MBG/NBD: ``α_i = α exp(-γ_purchase' z_i)``, ``a_i = a exp(γ_dropout' z_i)``,
  ``b_i = b exp(γ_dropout' z_i)`` (both shapes of the beta distribution of the dropout
  probability scaled by the same factor, so its mean ``a/(a+b)`` is unchanged and its
  spread shrinks as the factor grows; CLVTools has no MBG/NBD, which follows the BG/NBD).

A covariate in ``shared_covariates`` enters both processes with one coefficient (CLVTools'
``names.cov.constr``).  The L2 penalty is CLVTools' ``reg.lambdas``: CLVTools minimises
``-LL/N + λ_purchase ||γ_purchase||² + λ_dropout ||γ_dropout||²`` (``R/interlayer_regularization.R``),
that is, it maximises ``LL - N (λ_purchase ||γ_purchase||² + λ_dropout ||γ_dropout||²)``,
a shared coefficient counting in both sums.  ``N`` is the number of customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numba import njit

from .._validation import as_float_array
from ..exceptions import DataError, ModelSpecificationError

__all__ = ["CovariateSpec", "CovariateKernel", "chain_rule", "column_sums", "assemble", "design_columns"]

PROCESSES = ("purchase", "dropout")


def _names(value: Any, keyword: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    try:
        names = tuple(value)
    except TypeError:
        raise ModelSpecificationError(f"{keyword} must be a sequence of column names; received {value!r}.") from None
    bad = [v for v in names if not isinstance(v, str)]
    if bad:
        raise ModelSpecificationError(f"{keyword} must hold column names (str); received {bad[0]!r}.")
    if len(set(names)) != len(names):
        dup = sorted({v for v in names if names.count(v) > 1})
        raise ModelSpecificationError(f"{keyword} names {dup} more than once.")
    return names


def _lambdas(l2_penalty: Any) -> dict[str, float]:
    if isinstance(l2_penalty, Mapping):
        unknown = set(l2_penalty) - set(PROCESSES)
        if unknown:
            raise ModelSpecificationError(
                f"l2_penalty takes the keys 'purchase' and 'dropout'; received {sorted(map(str, unknown))}.")
        raw = {p: l2_penalty.get(p, 0.0) for p in PROCESSES}
    else:
        raw = {p: l2_penalty for p in PROCESSES}
    out = {}
    for p, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ModelSpecificationError(f"l2_penalty must be a number >= 0 (or a mapping of 'purchase' "
                                          f"and 'dropout' to numbers); received {v!r}.")
        v = float(v)
        if not (np.isfinite(v) and v >= 0):
            raise ModelSpecificationError(f"l2_penalty must be finite and >= 0; received {v!r} for {p!r}.")
        out[p] = v
    return out


class CovariateSpec:
    """The covariates a model declares and what they mean for its parameters.

    Parameters
    ----------
    purchase_covariates, dropout_covariates, shared_covariates : sequence of str
        Column names; a shared covariate enters both processes with one coefficient and may
        not also be listed in the other two.
    l2_penalty : float or mapping
        λ for both processes, or ``{"purchase": λ_p, "dropout": λ_d}``.
    reserved : sequence of str
        The model's data columns, which cannot be covariates.

    Examples
    --------
    >>> spec = CovariateSpec(["channel"], ["channel", "age"], ["gender"])
    >>> spec.coef_names
    ('purchase.channel', 'dropout.channel', 'dropout.age', 'shared.gender')
    >>> spec.columns
    ('channel', 'age', 'gender')
    """

    def __init__(self, purchase_covariates: Sequence[str] = (), dropout_covariates: Sequence[str] = (),
                 shared_covariates: Sequence[str] = (), l2_penalty: float | Mapping[str, float] = 0.0,
                 reserved: Sequence[str] = ()):
        self.purchase = _names(purchase_covariates, "purchase_covariates")
        self.dropout = _names(dropout_covariates, "dropout_covariates")
        self.shared = _names(shared_covariates, "shared_covariates")
        both = sorted(set(self.shared) & (set(self.purchase) | set(self.dropout)))
        if both:
            raise ModelSpecificationError(
                f"shared_covariates {both} are also listed in purchase_covariates or dropout_covariates; "
                "a shared covariate has one coefficient in both processes: list it only in shared_covariates.")
        for keyword, names in (("purchase_covariates", self.purchase), ("dropout_covariates", self.dropout),
                               ("shared_covariates", self.shared)):
            clash = sorted(set(names) & set(reserved))
            if clash:
                raise ModelSpecificationError(f"{keyword} cannot name the model's data columns {list(reserved)}; "
                                              f"received {clash}.")
        self.l2_penalty = _lambdas(l2_penalty)
        if any(self.l2_penalty.values()) and not self.n_coef:
            raise ModelSpecificationError("l2_penalty penalises covariate coefficients; the model declares "
                                          "no covariates.")
        self.columns = tuple(dict.fromkeys(self.purchase + self.dropout + self.shared))
        self.coef_names = (tuple(f"purchase.{c}" for c in self.purchase)
                           + tuple(f"dropout.{c}" for c in self.dropout)
                           + tuple(f"shared.{c}" for c in self.shared))

    @property
    def n_coef(self) -> int:
        """Number of coefficients."""
        return len(self.purchase) + len(self.dropout) + len(self.shared)

    def __bool__(self) -> bool:
        return self.n_coef > 0

    def settings(self) -> dict[str, Any]:
        """The constructor keywords that rebuild this specification."""
        return {"purchase_covariates": self.purchase, "dropout_covariates": self.dropout,
                "shared_covariates": self.shared, "l2_penalty": dict(self.l2_penalty)}

    # -- data ------------------------------------------------------------------------------
    def arrays(self, data: Any, index: Any, n_rows: int) -> dict[str, np.ndarray]:
        """The covariate columns of ``data`` as checked float arrays (DataError naming a missing
        column)."""
        if not self:
            return {}
        if data is None or not hasattr(data, "__getitem__") or isinstance(data, (np.ndarray, list)):
            raise DataError(f"the model declares covariates {list(self.columns)}: pass a DataFrame that "
                            "holds them next to the model's columns.")
        cols = getattr(data, "columns", None)
        have = set(cols) if cols is not None else set(data.keys()) if hasattr(data, "keys") else set()
        missing = [c for c in self.columns if c not in have]
        if missing:
            raise DataError(f"covariate column(s) {missing} are missing from the data; the model declares "
                            f"{list(self.columns)} (columns received: {sorted(map(str, have))[:20]}).")
        out = {c: as_float_array(data[c], c, index=index) for c in self.columns}
        for c, v in out.items():
            if v.shape[0] != n_rows:
                raise DataError(f"covariate {c!r} has {v.shape[0]} rows; the data have {n_rows}.")
        return out

    def check_varies(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray) -> None:
        """A covariate constant across the customers is not identified next to the base scale."""
        for c in self.columns:
            v = arrays[c][weights > 0]
            if v.size and np.all(v == v[0]):
                raise DataError(f"covariate {c!r} takes the same value ({v[0]:g}) for every customer, so its "
                                "coefficient is not identified next to the base parameter it scales; drop it.")

    def designs(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        """``X_purchase`` and ``X_dropout`` (rows x ``n_coef``): row i's linear predictor of each
        process is ``X_process[i] @ gamma``; columns of the other process are zero. Arrays in
        ``arrays`` may be (n,) or broadcastable; the result has a trailing coefficient axis."""
        k = self.n_coef
        any_col = np.asarray(arrays[self.columns[0]], dtype=float)
        out = {}
        for proc, own in (("purchase", self.purchase), ("dropout", self.dropout)):
            first = 0 if proc == "purchase" else len(self.purchase)
            cols = [np.zeros_like(any_col)] * k
            for j, c in enumerate(own):
                cols[first + j] = np.asarray(arrays[c], dtype=float)
            base = len(self.purchase) + len(self.dropout)
            for j, c in enumerate(self.shared):
                cols[base + j] = np.asarray(arrays[c], dtype=float)
            out[proc] = np.stack(np.broadcast_arrays(*cols), axis=-1)
        return out

    # -- penalty ---------------------------------------------------------------------------
    def penalty_weights(self) -> np.ndarray:
        """λ per coefficient (a shared coefficient carries λ_purchase + λ_dropout)."""
        lp, ld = self.l2_penalty["purchase"], self.l2_penalty["dropout"]
        return np.concatenate([np.full(len(self.purchase), lp), np.full(len(self.dropout), ld),
                               np.full(len(self.shared), lp + ld)])

    def penalty(self, gamma: np.ndarray, nobs: float) -> float:
        """``N Σ_k λ_k γ_k²``: what the penalised log-likelihood subtracts."""
        return float(nobs * (self.penalty_weights() @ (np.asarray(gamma, dtype=float) ** 2)))


#: index pairs of the per-row Hessian's upper triangle (4 per-row parameters)
_TRI = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))
#: position in that triangle of entry (a, b)
_TRI_IDX = np.array([[0, 1, 2, 3], [1, 4, 5, 6], [2, 5, 7, 8], [3, 6, 8, 9]])


@njit(cache=True, error_model="numpy")
def _column_sums(g_rows, h_rows, w, X, qc, hess):  # pragma: no cover - compiled
    """One pass over the rows: the weighted sums of the per-row gradient ``g`` and Hessian
    ``h`` (upper triangle, order of ``_TRI``) and their products with the design columns,
    ``V[j] = Σ w x_j g_q``, ``Tm[a, j] = Σ w x_j h_{a q}`` and ``S[j, l] = Σ w x_j x_l h_{q q'}``
    (j <= l), where ``q = qc[j]`` is the per-row parameter column j shifts: a few dozen
    products a row and no temporaries (:func:`assemble` applies the signs and coefficients)."""
    n = g_rows.shape[0]
    C = X.shape[1]
    unit = w.shape[0] == 0
    tri = np.empty((4, 4), dtype=np.int64)  # column of h_rows holding entry (a, b)
    c = 0
    for a in range(4):
        for b in range(a, 4):
            tri[a, b] = c
            tri[b, a] = c
            c += 1
    gb = np.zeros(4)
    hb = np.zeros(10)
    V = np.zeros(C)
    Tm = np.zeros((4, C))
    S = np.zeros((C, C))
    for i in range(n):
        wi = 1.0 if unit else w[i]
        for p in range(4):
            gb[p] += wi * g_rows[i, p]
        if hess:
            for t in range(10):
                hb[t] += wi * h_rows[i, t]
        for j in range(C):
            xj = wi * X[i, j]
            q = qc[j]
            V[j] += xj * g_rows[i, q]
            if hess:
                for a in range(4):
                    Tm[a, j] += xj * h_rows[i, tri[a, q]]
                for l in range(j, C):
                    S[j, l] += xj * X[i, l] * h_rows[i, tri[q, qc[l]]]
    return gb, hb, V, Tm, S


def column_sums(g_rows: np.ndarray, h_rows: np.ndarray | None, w: np.ndarray | None, X: np.ndarray,
                qc: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_column_sums` on per-row arrays; the Hessian sum as a (4, 4) matrix (None
    without ``h_rows``)."""
    hess = h_rows is not None
    gb, hb, V, Tm, S = _column_sums(np.ascontiguousarray(g_rows, dtype=float),
                                    np.ascontiguousarray(h_rows if hess else np.zeros((0, 10)), dtype=float),
                                    np.zeros(0) if w is None else np.ascontiguousarray(w, dtype=float), X, qc, hess)
    return gb, (hb[_TRI_IDX] if hess else None), V, Tm, S


def assemble(gb: np.ndarray, hb: np.ndarray | None, V: np.ndarray, Tm: np.ndarray | None,
             S: np.ndarray | None, col_sign: np.ndarray, col_coef: np.ndarray, n_coef: int
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient and Hessian in ``(φ, γ)`` from the column sums of :func:`_column_sums` (or of a
    kernel that sums them itself, :func:`custvalue.math.paretonbd.individual_loglike_sums`):
    ``gb`` and ``hb`` the sums of the per-row gradient and Hessian (4, 4); design column j
    enters coefficient ``col_coef[j]`` with sign ``col_sign[j]``, so ``∂/∂γ_k = Σ_{j: k} σ_j V_j``,
    the cross block ``Σ σ_j Tm[:, j]`` and the
    coefficient block ``Σ σ_j σ_l S[j, l]`` (each unordered pair of columns counted in both
    orders).  ``Tm`` None: the gradient only."""
    C = V.shape[0]
    P = 4 + n_coef
    grad = np.zeros(P)
    grad[:4] = gb
    np.add.at(grad, 4 + col_coef, col_sign * V)
    if Tm is None:
        return grad, None
    H = np.zeros((P, P))
    H[:4, :4] = hb
    for j in range(C):
        kj = 4 + col_coef[j]
        H[:4, kj] += col_sign[j] * Tm[:, j]
        H[kj, :4] += col_sign[j] * Tm[:, j]
        for l in range(j, C):
            v = col_sign[j] * col_sign[l] * S[j, l]
            kl = 4 + col_coef[l]
            H[kj, kl] += v
            if l != j:
                H[kl, kj] += v
    return grad, H


def design_columns(links: Sequence[tuple[Any, ...]], n_rows: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The links of :func:`chain_rule` as one design (n, C) and, per column, the per-row
    parameter it shifts, its sign and its coefficient."""
    norm = [(lk[0], lk[1], lk[2], np.arange(lk[2].shape[1]) if len(lk) == 3 else np.asarray(lk[3]))
            for lk in links]
    X = (np.ascontiguousarray(np.column_stack([np.asarray(X_q, dtype=float) for _, _, X_q, _ in norm]))
         if norm else np.zeros((n_rows, 0)))
    qc = np.concatenate([np.full(c.size, q, dtype=np.int64) for q, _, _, c in norm] + [np.zeros(0, np.int64)])
    sign = np.concatenate([np.full(c.size, sg, dtype=float) for _, sg, _, c in norm] + [np.zeros(0)])
    coef = np.concatenate([c.astype(np.int64) for _, _, _, c in norm] + [np.zeros(0, dtype=np.int64)])
    return X, qc, sign, coef


def chain_rule(g_rows: np.ndarray, h_rows: np.ndarray | None, w: np.ndarray | None,
               links: Sequence[tuple[Any, ...]], n_coef: int | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient and Hessian in ``(φ, γ)`` from per-row derivatives in the per-row parameters.

    Row i's parameters are ``ρ_iq = φ_q + σ_q X_q[i] @ γ`` (``φ`` the base parameters, on the
    log scale for the scaled ones; ``σ_q = ±1``); the map is linear, so the Hessian is
    ``Σ_i w_i J_i' H_i J_i`` with no second-order term.  One compiled pass over the rows
    (:func:`_column_sums`), then :func:`assemble`.

    Parameters
    ----------
    g_rows : numpy.ndarray
        (n, 4) per-row gradient in ρ.
    h_rows : numpy.ndarray or None
        (n, 10) per-row Hessian, upper triangle in the order of ``_TRI``.
    w : numpy.ndarray or None
        Row weights (None: all 1).
    links : sequence of (q, sign, X) or (q, sign, X, cols)
        The scaled per-row parameters: position q, σ_q and X_q (n, K); or X_q holding only
        the coefficient columns ``cols`` that can be non-zero (the other process's
        coefficients are structurally 0), (n, len(cols)), with ``n_coef`` = K.
    n_coef : int, optional
        K, when the links give ``cols``.

    Returns
    -------
    tuple
        Gradient (4 + K,) and Hessian (4 + K, 4 + K) or None.

    Examples
    --------
    >>> import numpy as np
    >>> g, h = chain_rule(np.ones((2, 4)), None, np.ones(2), [(1, -1.0, np.array([[1.0], [0.0]]))])
    >>> g.tolist()
    [2.0, 2.0, 2.0, 2.0, -1.0]
    """
    k = n_coef if n_coef is not None else (links[0][2].shape[1] if links else 0)
    X, qc, sign, coef = design_columns(links, g_rows.shape[0])
    hess = h_rows is not None
    gb, hb, V, Tm, S = _column_sums(np.ascontiguousarray(g_rows, dtype=float),
                                    np.ascontiguousarray(h_rows if hess else np.zeros((0, 10)), dtype=float),
                                    np.zeros(0) if w is None else np.ascontiguousarray(w, dtype=float),
                                    X, qc, hess)
    return assemble(gb, hb[_TRI_IDX], V, Tm if hess else None, S, sign, coef, k)


class CovariateKernel:
    """A model's prediction kernel seen through its covariates: ``f(*theta, *args)`` with
    ``theta`` the base parameters then the coefficients, and ``args`` the model's data columns
    then the covariate columns, calls the base kernel's ``f`` with each customer's own
    parameters (arrays broadcast with the data).

    Parameters
    ----------
    base : module
        The model's kernel (:mod:`custvalue.math.paretonbd`, ...).
    spec : CovariateSpec
        The covariates.
    links : sequence of (position, sign, process)
        Which base parameters the covariates scale: ``p_i = p exp(sign X_process[i] @ γ)``.
    n_data : int
        Number of data columns (3: frequency, recency, T).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.math import paretonbd
    >>> spec = CovariateSpec(["z"], [])
    >>> k = CovariateKernel(paretonbd, spec, [(1, -1.0, "purchase"), (3, -1.0, "dropout")], 3)
    >>> p = k.individual([1.0, 10.0, 1.0, 10.0, np.log(2.0)], [np.array([1.0])])
    >>> float(p[1][0])
    5.0
    """

    def __init__(self, base: Any, spec: CovariateSpec, links: Sequence[tuple[int, float, str]], n_data: int):
        self.base = base
        self.spec = spec
        self.links = tuple(links)
        self.n_data = n_data
        self.n_base = 4
        for c in ("DISCRETE", "DERT_HORIZONS", "HORIZON_WEIGHTS", "TIME_SCALE"):
            setattr(self, c, getattr(base, c))

    def individual(self, theta: Sequence[Any], covariates: Sequence[Any]) -> list[Any]:
        """Each customer's base parameters from ``theta`` (base + coefficients) and the
        covariate columns (in ``spec.columns`` order)."""
        base = list(theta[:self.n_base])
        gamma = np.asarray([float(v) for v in theta[self.n_base:]])
        X = self.spec.designs(dict(zip(self.spec.columns, covariates)))
        for q, sign, proc in self.links:
            base[q] = base[q] * np.exp(sign * (X[proc] @ gamma))
        return base

    def _split(self, values: tuple[Any, ...]) -> tuple[list[Any], list[Any], list[Any]]:
        nt = self.n_base + self.spec.n_coef
        theta, rest = values[:nt], values[nt:]
        return list(theta), list(rest[:self.n_data]), list(rest[self.n_data:])

    def _customer_call(self, name: str, lead: tuple[Any, ...], values: tuple[Any, ...], **kw: Any) -> Any:
        theta, data, cov = self._split(values)
        return self._call(name, lead, self.individual(theta, cov), data, kw)

    def _call(self, name: str, lead: tuple[Any, ...], params: list[Any], data: list[Any], kw: dict) -> Any:
        """``base.name(*lead, *params, *data, **kw)`` with per-customer parameter arrays, in one
        call: the kernel broadcasts them with the data (it declares ``name`` in
        ``ARRAY_PARAMS``); customers are the first axis of the parameter arrays."""
        fn = getattr(self.base, name)
        if any(np.ndim(p) for p in params) and name not in getattr(self.base, "ARRAY_PARAMS", ()):
            raise ModelSpecificationError(
                f"{self.base.__name__}.{name} does not take one parameter value per customer "
                "(it is not in the kernel's ARRAY_PARAMS), so it cannot serve a model with static "
                "covariates; make it broadcast its parameters with the data.")
        return fn(*lead, *params, *data, **kw)

    def p_alive(self, *values: Any) -> Any:
        return self._customer_call("p_alive", (), values)

    def conditional_expected_purchases(self, t: Any, *values: Any, **kw: Any) -> Any:
        return self._customer_call("conditional_expected_purchases", (t,), values, **kw)

    def conditional_probability_of_purchases(self, n: Any, t: Any, *values: Any, **kw: Any) -> Any:
        return self._customer_call("conditional_probability_of_purchases", (n, t), values, **kw)

    def dert(self, rate: Any, *values: Any, **kw: Any) -> Any:
        return self._customer_call("dert", (rate,), values, **kw)

    def time_scale(self, *values: Any) -> Any:
        theta, data, cov = self._split(values)
        return self.base.time_scale(*self.individual(theta, cov), *data)  # a minimum over arrays

    # new customers: the covariates follow the parameters (no history)
    def expected_purchases_new_customer(self, t: Any, *values: Any) -> Any:
        nt = self.n_base + self.spec.n_coef
        return self._call("expected_purchases_new_customer", (t,), self.individual(values[:nt], values[nt:]), [], {})

    def probability_of_purchases(self, n: Any, t: Any, *values: Any) -> Any:
        nt = self.n_base + self.spec.n_coef
        return self._call("probability_of_purchases", (n, t), self.individual(values[:nt], values[nt:]), [], {})
