"""PLS path modelling (Lohmoeller's algorithm) written on covariance matrices.

Every quantity of a PLS path model with modes A/B and the centroid, factorial or path
inner-weighting scheme depends on the data only through the item covariance matrix ``S``
(``X'X / n`` of the centred, optionally standardised items): the latent scores are
``Y = X W``, their correlations are ``W' S W``, mode-A weights are ``cov(X, Z) = S W E``
and mode-B weights solve ``S_bb w = (S W E)_b``.  Writing the algorithm on ``S`` lets one call
estimate a stack of models at once: ``S`` may have any leading batch shape ``(..., p, p)``,
which is how the bootstrap estimates all resamples together.

Notation (Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, CSDA 48:159-205, sections 2-3;
Lohmoeller 1989, ch. 2):

* ``S``: (..., p, p) item covariance; ``odm``: (p, L) block membership (outer design matrix);
* ``adj``: (L, L) inner design matrix, ``adj[k, j] = 1`` when LV ``j`` points to LV ``k``;
* ``W``: (..., p, L) outer weights, zero outside each block;
* ``E``: (..., L, L) inner weights, ``Z = Y E`` the inner estimates (eq. 7-9 of Tenenhaus et al.);
* ``B``: (..., L, L) path coefficients with ``B[k, j]`` the effect of ``j`` on ``k``.

The stopping rule is that of R's plspm (``sum((|w_old| - |w_new|)^2) < tol``), so results
match it digit for digit at the same ``tol``.

Unchecked inputs, for speed (see :mod:`custvalue.math`): ``initial_weights``,
``normalise_weights``, ``lv_correlation``, ``inner_weights``, ``outer_update``,
``pls_weights``, ``sign_fix``, ``path_coefficients``, ``effects``, ``loadings``,
``block_reliability``, ``htmt``, ``gof``, ``weighted_covariances``,
``bootstrap_covariances``, ``jackknife_covariances``.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

__all__ = ["initial_weights", "normalise_weights", "lv_correlation", "inner_weights",
           "outer_update", "pls_weights", "sign_fix", "path_coefficients", "effects",
           "loadings", "block_reliability", "htmt", "gof", "weighted_covariances",
           "bootstrap_covariances", "jackknife_covariances"]


def _diag(M: np.ndarray) -> np.ndarray:
    return np.diagonal(M, axis1=-2, axis2=-1)


def normalise_weights(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Scale each column of ``W`` so that ``var(X w) = w' S w = 1``.

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    W : ndarray, shape (..., p, L)
        Outer weights, zero outside each block.

    Returns
    -------
    ndarray, shape (..., p, L)
        ``W`` with each column divided by the standard deviation of its score.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> normalise_weights(S, odm)[:, 0].round(3).tolist()
    [0.559, 0.559, 0.0, 0.0]
    """
    var = _diag(np.swapaxes(W, -1, -2) @ S @ W)
    return W / np.sqrt(var)[..., None, :]


def initial_weights(S: np.ndarray, odm: np.ndarray) -> np.ndarray:
    """Equal weights within each block, normalised to unit-variance scores.

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    odm : ndarray, shape (p, L)
        Block membership (outer design matrix).

    Returns
    -------
    ndarray, shape (..., p, L)
        Starting outer weights.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> initial_weights(S, odm).round(3).tolist()
    [[0.559, 0.0], [0.559, 0.0], [0.0, 0.577], [0.0, 0.577]]
    """
    W = np.broadcast_to(odm, S.shape[:-2] + odm.shape).copy()
    return normalise_weights(S, W)


def lv_correlation(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Correlation matrix of the latent scores ``X W`` (weights need not be normalised).

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    W : ndarray, shape (..., p, L)
        Outer weights.

    Returns
    -------
    ndarray, shape (..., L, L)
        Correlations ``R`` of the latent scores.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> lv_correlation(S, odm).round(3).tolist()
    [[1.0, 0.387], [0.387, 1.0]]
    """
    C = np.swapaxes(W, -1, -2) @ S @ W
    d = np.sqrt(_diag(C))
    return C / (d[..., :, None] * d[..., None, :])


def inner_weights(R: np.ndarray, adj: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights ``E`` (``Z_k = sum_i Y_i E[i, k]``) for the three classic schemes.

    centroid: ``sign(cor)`` of adjacent LVs; factorial: ``cor`` of adjacent LVs; path:
    for LV ``k``, the regression coefficients of ``Y_k`` on its predecessors and the
    correlations with its successors (Lohmoeller 1989; Tenenhaus et al. 2005, sec. 2.2).

    Parameters
    ----------
    R : ndarray, shape (..., L, L)
        Correlations of the latent scores (:func:`lv_correlation`).
    adj : ndarray, shape (L, L)
        Inner design matrix, ``adj[k, j] = 1`` when LV ``j`` points to LV ``k``.
    scheme : {"centroid", "factorial", "path"}
        Inner-weighting scheme.

    Returns
    -------
    ndarray, shape (..., L, L)
        Inner weights ``E``.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.4], [0.4, 1.0]]); adj = np.array([[0, 0], [1, 0]])
    >>> inner_weights(R, adj, "centroid").tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> inner_weights(R, adj, "path").tolist()
    [[0.0, 0.4], [0.4, 0.0]]
    """
    sym = adj + adj.T
    if scheme == "centroid":
        return np.sign(R * sym)
    if scheme == "factorial":
        return R * sym
    if scheme != "path":
        raise ValueError(f"scheme must be 'centroid', 'factorial' or 'path'; received {scheme!r}.")
    E = np.zeros_like(R)
    L = adj.shape[0]
    for k in range(L):  # a loop over latent variables, batched over resamples
        pred = np.flatnonzero(adj[k])
        succ = np.flatnonzero(adj[:, k])
        if pred.size:
            Rpp = R[..., pred[:, None], pred[None, :]]
            rpk = R[..., pred, k]
            E[..., pred, k] = np.linalg.solve(Rpp, rpk[..., None])[..., 0]
        if succ.size:
            E[..., succ, k] = R[..., k, succ]
    return E


def outer_update(S: np.ndarray, W: np.ndarray, E: np.ndarray, odm: np.ndarray,
                 mode_b: np.ndarray) -> np.ndarray:
    """New outer weights from inner estimates ``Z = X W~ E`` (``W~`` normalised ``W``).

    Mode A: ``w_j = cov(X_j, Z_j)``; mode B: ``w_j = S_jj^{-1} cov(X_j, Z_j)`` (OLS of
    ``Z_j`` on block ``j``'s items).

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    W : ndarray, shape (..., p, L)
        Current outer weights.
    E : ndarray, shape (..., L, L)
        Inner weights (:func:`inner_weights`).
    odm : ndarray, shape (p, L)
        Block membership.
    mode_b : ndarray of bool, shape (L,)
        True for formative (mode B) blocks.

    Returns
    -------
    ndarray, shape (..., p, L)
        Updated (unnormalised) outer weights.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> E = np.array([[0.0, 0.387], [0.387, 0.0]])
    >>> outer_update(S, odm, E, odm, np.array([False, False])).round(3).tolist()
    [[0.134, 0.0], [0.134, 0.0], [0.0, 0.13], [0.0, 0.13]]
    """
    Wn = normalise_weights(S, W)
    cov_xz = S @ Wn @ E
    Wnew = cov_xz * odm
    for j in np.flatnonzero(mode_b):  # loop over the few formative blocks
        idx = np.flatnonzero(odm[:, j])
        Sbb = S[..., idx[:, None], idx[None, :]]
        Wnew[..., idx, j] = np.linalg.solve(Sbb, cov_xz[..., idx, j][..., None])[..., 0]
    return Wnew


def pls_weights(S: np.ndarray, odm: np.ndarray, adj: np.ndarray, mode_b: np.ndarray,
                scheme: str = "path", tol: float = 1e-6, maxiter: int = 100
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iterate outer and inner estimation to convergence (Tenenhaus et al. 2005, sec. 2.3).

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (a batch of them for the bootstrap).
    odm : ndarray, shape (p, L)
        Block membership.
    adj : ndarray, shape (L, L)
        Inner design matrix (``adj[k, j] = 1`` for ``j -> k``).
    mode_b : ndarray of bool, shape (L,)
        True for formative (mode B) blocks.
    scheme : {"path", "centroid", "factorial"}
        Inner-weighting scheme (:func:`inner_weights`).
    tol : float
        Stop when ``sum((|w_old| - |w_new|)^2) < tol`` (R plspm's criterion).
    maxiter : int
        Maximum number of iterations.

    Returns
    -------
    W : ndarray, shape (..., p, L)
        Outer weights normalised to unit-variance scores (sign not yet fixed).
    n_iter : ndarray of int, shape (...)
        Iterations used by each model.
    converged : ndarray of bool, shape (...)
        Whether each model met ``tol`` within ``maxiter`` iterations.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> adj = np.array([[0, 0], [1, 0]])
    >>> W, n_iter, converged = pls_weights(S, odm, adj, np.array([False, False]))
    >>> W.round(3).tolist(), bool(converged)
    ([[0.559, 0.0], [0.559, 0.0], [0.0, 0.577], [0.0, 0.577]], True)
    """
    W = initial_weights(S, odm)
    batch = S.shape[:-2]
    done = np.zeros(batch, dtype=bool)
    n_iter = np.zeros(batch, dtype=int)
    for it in range(1, maxiter + 1):
        R = lv_correlation(S, W)
        E = inner_weights(R, adj, scheme)
        Wnew = outer_update(S, W, E, odm, mode_b)
        diff = np.sum((np.abs(W.sum(-1)) - np.abs(Wnew.sum(-1))) ** 2, axis=-1)
        active = ~done
        W = np.where(active[..., None, None], Wnew, W)
        n_iter = np.where(active, it, n_iter)
        done = done | (active & (diff < tol))
        if done.all():
            break
    return normalise_weights(S, W), n_iter, done


def sign_fix(S: np.ndarray, W: np.ndarray, odm: np.ndarray) -> np.ndarray:
    """Orient each LV so that most of its items correlate positively with it.

    The rule is R plspm's (``get_scores``): the sign of an LV is that of the sum, over its
    block, of the signs of the items' loadings, so the majority of the items load positively.
    A tie (as many negative as positive loadings, e.g. a two-item block whose items correlate
    negatively) is broken by the *first item of the block*, which is made to load positively,
    as a marker indicator does in CB-SEM.  plspm's metric algorithm instead reverses whatever
    orientation its iteration produced, and its non-metric algorithm (``scaling=``) leaves it
    as produced, so on a tie the three can differ; on the Russett example (``IND =~ gnpr +
    labo``) this rule gives plspm's default (metric) result, gnpr loading +0.951 and
    ``IND -> POLINS`` -0.671.  To orient a tied block the other way, list its items in the
    other order.

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    W : ndarray, shape (..., p, L)
        Outer weights.
    odm : ndarray, shape (p, L)
        Block membership.

    Returns
    -------
    ndarray, shape (..., p, L)
        ``W`` with the columns whose items mostly load negatively (or, on a tie, whose first
        item loads negatively) flipped.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> sign_fix(S, -odm, odm)[:, 0].tolist()
    [1.0, 1.0, 0.0, 0.0]

    A tied block (two items correlating -0.8) is oriented by its first item:

    >>> S2 = np.array([[1.0, -0.8], [-0.8, 1.0]]); odm2 = np.ones((2, 1))
    >>> sign_fix(S2, np.array([[-0.5], [0.6]]), odm2)[:, 0].tolist()
    [0.5, -0.6]
    """
    load = loadings(S, W)
    s = np.sign(np.sum(np.sign(load * odm), axis=-2))
    first = np.argmax(odm, axis=0)  # first item of each block
    lead = np.sign(load[..., first, np.arange(odm.shape[1])])
    s = np.where(s == 0, np.where(lead == 0, 1.0, lead), s)
    return W * s[..., None, :]


def loadings(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Correlations of every item with every LV score (cross-loadings), shape (..., p, L).

    Parameters
    ----------
    S : ndarray, shape (..., p, p)
        Item covariance matrices (any leading batch shape).
    W : ndarray, shape (..., p, L)
        Outer weights (need not be normalised).

    Returns
    -------
    ndarray, shape (..., p, L)
        ``corr(x_i, X w_j)`` for every item ``i`` and LV ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> loadings(S, odm).round(3).tolist()
    [[0.894, 0.346], [0.894, 0.346], [0.335, 0.866], [0.335, 0.866]]
    """
    C = S @ W
    sx = np.sqrt(_diag(S))
    sy = np.sqrt(_diag(np.swapaxes(W, -1, -2) @ S @ W))
    return C / (sx[..., :, None] * sy[..., None, :])


def path_coefficients(R: np.ndarray, adj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS path coefficients between standardised LVs and the R-squared of each LV.

    Parameters
    ----------
    R : ndarray, shape (..., L, L)
        Correlations of the latent scores.
    adj : ndarray, shape (L, L)
        Inner design matrix, ``adj[k, j] = 1`` when LV ``j`` points to LV ``k``.

    Returns
    -------
    B : ndarray, shape (..., L, L)
        ``B[k, j]`` the path ``j -> k`` (zero where there is no path).
    r2 : ndarray, shape (..., L)
        R-squared of each LV, zero for exogenous LVs.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.4], [0.4, 1.0]]); adj = np.array([[0, 0], [1, 0]])
    >>> B, r2 = path_coefficients(R, adj)
    >>> B.round(3).tolist(), r2.round(3).tolist()
    ([[0.0, 0.0], [0.4, 0.0]], [0.0, 0.16])
    """
    L = adj.shape[0]
    B = np.zeros_like(R)
    r2 = np.zeros(R.shape[:-1])
    for k in range(L):  # loop over latent variables
        pred = np.flatnonzero(adj[k])
        if pred.size == 0:
            continue
        Rpp = R[..., pred[:, None], pred[None, :]]
        rpk = R[..., pred, k]
        b = np.linalg.solve(Rpp, rpk[..., None])[..., 0]
        B[..., k, pred] = b
        r2[..., k] = np.sum(b * rpk, axis=-1)
    return B, r2


def effects(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total and indirect effects from direct paths ``B`` of a recursive model.

    ``total = (I - B)^{-1} - I`` (sum of all path products), ``indirect = total - B``.

    Parameters
    ----------
    B : ndarray, shape (..., L, L)
        Direct paths, ``B[k, j]`` the effect of ``j`` on ``k`` (:func:`path_coefficients`).

    Returns
    -------
    total : ndarray, shape (..., L, L)
        Total effects.
    indirect : ndarray, shape (..., L, L)
        Indirect effects.

    Examples
    --------
    >>> import numpy as np
    >>> B = np.array([[0, 0, 0], [0.5, 0, 0], [0.2, 0.4, 0]])
    >>> total, indirect = effects(B)
    >>> float(total[2, 0].round(3)), float(indirect[2, 0].round(3))
    (0.4, 0.2)
    """
    L = B.shape[-1]
    eye = np.eye(L)
    total = np.linalg.inv(eye - B) - eye
    return total, total - B


def block_reliability(S: np.ndarray, load: np.ndarray, odm: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cronbach's alpha, composite reliability (Dillon-Goldstein rho) and AVE per block.

    alpha = q/(q-1) (1 - tr(S_b) / 1'S_b 1) on the items as analysed (Cronbach 1951);
    rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) (Werts, Linn & Joereskog 1974);
    AVE = mean(l^2) (Fornell & Larcker 1981), with ``l`` the block's loadings.

    Parameters
    ----------
    S : ndarray, shape (p, p)
        Item covariance matrix (one model, no batch).
    load : ndarray, shape (p, L)
        Loadings (:func:`loadings`).
    odm : ndarray, shape (p, L)
        Block membership.

    Returns
    -------
    alpha : ndarray, shape (L,)
        Cronbach's alpha, NaN for one-item blocks.
    rho : ndarray, shape (L,)
        Composite reliability.
    ave : ndarray, shape (L,)
        Average variance extracted.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> alpha, rho, ave = block_reliability(S, loadings(S, odm), odm)
    >>> alpha.round(3).tolist(), rho.round(3).tolist(), ave.round(3).tolist()
    ([0.75, 0.667], [0.889, 0.857], [0.8, 0.75])
    """
    L = odm.shape[1]
    alpha = np.full(L, np.nan)
    rho = np.full(L, np.nan)
    ave = np.full(L, np.nan)
    for j in range(L):  # loop over blocks
        idx = np.flatnonzero(odm[:, j])
        lam = load[idx, j]
        ave[j] = np.mean(lam ** 2)
        s = lam.sum()
        rho[j] = s ** 2 / (s ** 2 + np.sum(1 - lam ** 2))
        q = idx.size
        if q > 1:
            Sb = S[np.ix_(idx, idx)]
            alpha[j] = q / (q - 1) * (1 - np.trace(Sb) / Sb.sum())
    return alpha, rho, ave


def htmt(S: np.ndarray, odm: np.ndarray) -> np.ndarray:
    """Heterotrait-monotrait ratio of correlations between blocks (Henseler, Ringle & Sarstedt 2015, eq. 6).

    Entries involving a one-item block are NaN (no monotrait correlations).

    Parameters
    ----------
    S : ndarray, shape (p, p)
        Item covariance (or correlation) matrix.
    odm : ndarray, shape (p, L)
        Block membership.

    Returns
    -------
    ndarray, shape (L, L)
        Symmetric HTMT ratios; the diagonal is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> float(htmt(S, odm)[0, 1].round(3))
    0.548
    """
    sd = np.sqrt(np.diag(S))
    C = np.abs(S / np.outer(sd, sd))
    L = odm.shape[1]
    out = np.full((L, L), np.nan)
    mono = np.full(L, np.nan)
    idxs = [np.flatnonzero(odm[:, j]) for j in range(L)]
    for j, idx in enumerate(idxs):
        if idx.size > 1:
            block = C[np.ix_(idx, idx)]
            mono[j] = (block.sum() - idx.size) / (idx.size * (idx.size - 1))
    for i in range(L):
        for j in range(i + 1, L):
            hetero = C[np.ix_(idxs[i], idxs[j])].mean()
            out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return out


def gof(load: np.ndarray, odm: np.ndarray, r2: np.ndarray, endogenous: np.ndarray) -> np.ndarray:
    """Goodness of fit ``sqrt(mean communality x mean R2)`` (Tenenhaus et al. 2005, eq. 27).

    The mean communality is over items of blocks with more than one item; the mean R2 over
    endogenous LVs.  Works on batches (leading dimensions of ``load`` and ``r2``).

    Parameters
    ----------
    load : ndarray, shape (..., p, L)
        Loadings (:func:`loadings`).
    odm : ndarray, shape (p, L)
        Block membership.
    r2 : ndarray, shape (..., L)
        R-squared of each LV (:func:`path_coefficients`).
    endogenous : ndarray of bool, shape (L,)
        True for LVs with at least one predecessor.

    Returns
    -------
    ndarray, shape (...)
        The goodness-of-fit index.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5], [.3, .3, .5, 1]])
    >>> odm = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> load = loadings(S, odm)
    >>> float(gof(load, odm, np.array([0.0, 0.15]), np.array([False, True])).round(3))
    0.341
    """
    multi = odm[:, odm.sum(0) > 1].sum(1) > 0
    own = np.sum(load * odm, axis=-1)
    com = np.mean(own[..., multi] ** 2, axis=-1)
    return np.sqrt(com * np.mean(r2[..., endogenous], axis=-1))


def _cross_products(X: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    iu = np.triu_indices(X.shape[1])
    return X[:, iu[0]] * X[:, iu[1]], iu


def _assemble(m1: np.ndarray, m2u: np.ndarray, iu: tuple, p: int, scale: bool) -> np.ndarray:
    b = m1.shape[0]
    M2 = np.zeros((b, p, p))
    M2[:, iu[0], iu[1]] = m2u
    M2 = M2 + np.swapaxes(np.triu(M2, 1), -1, -2)
    S = M2 - m1[:, :, None] * m1[:, None, :]
    if scale:
        d = np.sqrt(np.diagonal(S, axis1=-2, axis2=-1))
        S = S / (d[:, :, None] * d[:, None, :])
    return S


def weighted_covariances(X: np.ndarray, weights: np.ndarray, scale: bool = False,
                         cross: np.ndarray | None = None) -> np.ndarray:
    """Covariance matrices of ``X`` (n, p) under each row of ``weights`` (b, n) summing to 1.

    One matrix product on the upper-triangle cross products ``x_i x_j`` gives all ``b``
    second-moment matrices at once; ``scale=True`` returns correlation matrices.  ``X``
    should be centred (for numerical accuracy only; the result does not depend on it).
    ``cross`` may pass the precomputed cross products (n, p(p+1)/2) to reuse them.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Data, preferably centred.
    weights : ndarray, shape (b, n)
        Row weights, each row summing to 1.
    scale : bool, default False
        Return correlation instead of covariance matrices.
    cross : ndarray, shape (n, p(p+1)/2), optional
        Precomputed upper-triangle cross products of ``X``.

    Returns
    -------
    ndarray, shape (b, p, p)
        One (population, divisor-``n``) covariance matrix per row of ``weights``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1., 2.], [2., 1.], [3., 5.], [4., 4.]]); X = X - X.mean(0)
    >>> weighted_covariances(X, np.full((1, 4), 0.25))[0].round(3).tolist()
    [[1.25, 1.25], [1.25, 2.5]]
    """
    p = X.shape[1]
    if cross is None:
        cross, iu = _cross_products(X)
    else:
        iu = np.triu_indices(p)
    return _assemble(weights @ X, weights @ cross, iu, p, scale)


_CROSS_BUDGET = 64_000_000  # elements (512 MB) of precomputed cross products
_EXACT32 = 2.0 ** 24  # float32 holds every integer up to 2^24 exactly


def _small_integer_data(X: np.ndarray) -> bool:
    """Whether :func:`bootstrap_covariances` sums the moments of ``X`` exactly: every value
    an integer with ``max|x_j x_k| < 2^12`` (e.g. rating-scale items) and ``n^2 max|x_j x_k|
    < 2^62`` (64-bit totals).

    Parameters
    ----------
    X : ndarray, shape (n, p)

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> _small_integer_data(np.array([[1., 7.], [3., 2.]])), _small_integer_data(np.array([[0.5, 1.]]))
    (True, False)
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.size == 0 or not np.all(np.isfinite(X)):
        return False
    big = max(float(np.max(np.abs(X))) ** 2, 1.0)
    n = float(X.shape[0])
    return bool(big < 2.0 ** 12 and n * n * big < 2.0 ** 62 and np.array_equal(X, np.rint(X)))


@njit(cache=True, nogil=True)
def _count_draws(idx, counts):  # pragma: no cover - compiled
    """counts[r, i] = number of draws of row i in resample r (float32, exact)."""
    b, n = idx.shape
    for r in range(b):
        c = counts[r]
        for i in range(n):
            c[i] = 0.0
        row = idx[r]
        for t in range(n):
            c[row[t]] += 1.0


@njit(cache=True, nogil=True)
def _resample_starts(halves, first, has_first, n, b, size):  # pragma: no cover - compiled
    """Where each of ``b`` resamples of ``size`` draws of numpy's ``Generator.integers(0, n)``
    begins in a PCG64 stream of 32-bit values: Lemire's (2019) bounded integers, which reject
    a value ``v`` when ``(v n) mod 2^32 < (2^32 - n) mod n`` (probability below n / 2^32) and
    draw again.  Stream position 0 is ``first`` (a value the generator had left over) when
    ``has_first``, then ``halves`` (the raw 64-bit outputs as 32-bit halves, low half first).

    The rejected positions are found by a vectorised count per block of 4,096 values (the
    exact positions only in the rare blocks that hold one), so the resamples' starts are
    known before any is decoded and the decoding can run on all cores.  Returns the starts
    ``(b + 1,)``, ``starts[b]`` the position after the last draw, or -1 there when the
    stream is too short."""
    thr = np.uint64((0xFFFFFFFF - (n - 1)) % n)
    low = np.uint64(0xFFFFFFFF)
    nn = np.uint64(n)
    off = 1 if has_first else 0
    rejected = []
    if has_first and ((np.uint64(first) * nn) & low) < thr:
        rejected.append(0)
    block = 4096
    for b0 in range(0, halves.size, block):  # loop over blocks of values, vectorised inside
        blk = halves[b0:b0 + block]  # a view indexed from 0: the count vectorises
        hit = 0
        for j in range(blk.size):
            hit += np.int64(((np.uint64(blk[j]) * nn) & low) < thr)
        if hit:
            for j in range(blk.size):
                if ((np.uint64(blk[j]) * nn) & low) < thr:
                    rejected.append(off + b0 + j)
    starts = np.empty(b + 1, dtype=np.int64)
    starts[0] = 0
    k = 0
    pos = 0
    for r in range(b):  # loop over resamples: each ends `size` accepted values after its start
        end = pos + size
        while k < len(rejected) and rejected[k] < end:
            end += 1
            k += 1
        pos = end
        starts[r + 1] = pos
    if pos > off + halves.size:
        starts[b] = -1
    return starts


@njit(cache=True, nogil=True)
def _decode_counts(halves, first, has_first, n, starts, r0, counts):  # pragma: no cover - compiled
    """Bootstrap counts of resamples ``r0, r0 + 1, ...`` into the rows of ``counts`` (any
    numeric dtype; rows past the last resample are left alone), from the stream positions
    of :func:`_resample_starts`: the row drawn by an accepted value ``v`` is ``(v n) >> 32``."""
    thr = np.uint64((0xFFFFFFFF - (n - 1)) % n)
    low = np.uint64(0xFFFFFFFF)
    nn = np.uint64(n)
    off = 1 if has_first else 0
    for r in range(min(counts.shape[0], starts.size - 1 - r0)):  # loop over resamples
        c = counts[r]
        c[:] = 0
        j0, j1 = starts[r0 + r], starts[r0 + r + 1]
        if j0 < off:  # the generator's left-over value opens the first resample
            m = np.uint64(first) * nn
            if (m & low) >= thr:
                c[np.int64(m >> np.uint64(32))] += 1
            j0 = off
        vals = halves[j0 - off:j1 - off]
        for j in range(vals.size):
            m = np.uint64(vals[j]) * nn
            if (m & low) >= thr:
                c[np.int64(m >> np.uint64(32))] += 1


def _pcg64_stream(rng: np.random.Generator, n: int, b: int):
    """The 32-bit values behind ``rng.integers(0, n, size=(b, n))`` and each resample's start
    in them (:func:`_resample_starts`), with the generator left where ``integers`` leaves it;
    None when the generator is not PCG64 (the caller then calls ``integers``)."""
    bg = rng.bit_generator
    if type(bg) is not np.random.PCG64 or not 2 <= n < 0xFFFFFFFF:
        return None
    st = bg.state
    cnt = n * b
    p_reject = ((0xFFFFFFFF - (n - 1)) % n) / 2.0 ** 32
    raw = bg.random_raw(cnt // 2 + 1 + int(4 * cnt * p_reject) + 1024)
    halves = raw.view(np.uint32)  # little-endian: the low half of each output first
    if halves[0] != np.uint32(raw[0] & np.uint64(0xFFFFFFFF)):  # pragma: no cover - big-endian
        bg.state = st
        return None
    first, has_first = int(st["uinteger"]), bool(st["has_uint32"])
    starts = _resample_starts(halves, first, has_first, n, b, n)
    bg.state = st  # rewind, then move on by exactly the values used
    if starts[b] < 0:  # pragma: no cover - more rejections than the margin
        return None
    h = int(starts[b]) - int(has_first)  # 32-bit halves of raw consumed
    bg.advance(h // 2 + (h & 1))
    after = bg.state
    after["has_uint32"], after["uinteger"] = (1, int(halves[h])) if h & 1 else (0, 0)
    bg.state = after
    return halves, first, has_first, starts


def _draw_counts_pcg64(rng: np.random.Generator, n: int, b: int) -> np.ndarray | None:
    """The bootstrap counts (float32) of ``rng.integers(0, n, size=(b, n))``, the same draws
    and the generator left in the same state, without materialising the indices; None when
    the generator is not PCG64."""
    stream = _pcg64_stream(rng, n, b)
    if stream is None:
        return None
    counts = np.empty((b, n), dtype=np.float32)
    halves, first, has_first, starts = stream
    _decode_counts(halves, first, has_first, n, starts, 0, counts)
    return counts


@functools.cache
def _pcg64_counts_match() -> bool:
    """Whether :func:`_draw_counts_pcg64` reproduces this numpy's ``integers`` (checked once)."""
    a, b = np.random.default_rng(20211), np.random.default_rng(20211)
    a.random()  # leaves nothing buffered; the odd 1001 * 3 draws below leave half a word
    b.random()
    ok = True
    for n, k in ((1001, 3), (7, 5), (1000, 2)):
        idx = a.integers(0, n, size=(k, n))
        ref = np.stack([np.bincount(row, minlength=n) for row in idx]).astype(np.float32)
        got = _draw_counts_pcg64(b, n, k)
        ok = ok and got is not None and np.array_equal(got, ref)
    return bool(ok and a.integers(0, 2 ** 40) == b.integers(0, 2 ** 40))


def _counts(rng: np.random.Generator, n: int, b: int) -> np.ndarray:
    """float32 bootstrap counts of ``rng.integers(0, n, size=(b, n))`` (exactly those draws)."""
    if _pcg64_counts_match():
        counts = _draw_counts_pcg64(rng, n, b)
        if counts is not None:
            return counts
    counts = np.empty((b, n), dtype=np.float32)
    _count_draws(rng.integers(0, n, size=(b, n)), counts)
    return counts


def _integer_moments(counts: np.ndarray, Q: np.ndarray, Q32: np.ndarray, qmax: float, rows: int) -> np.ndarray:
    """Exact ``sum_i c_ri Q_i`` (int64) for the resamples' ``counts``: single-precision
    products of small integers, exact while every partial sum stays below 2^24."""
    b, n = counts.shape
    mom = np.zeros((b, Q.shape[1]), dtype=np.int64)
    for start in range(0, n, rows):  # blocks of rows keep the float32 sums exact
        cb = counts[:, start:start + rows]
        if float(cb.sum(axis=1, dtype=np.float64).max()) * qmax < _EXACT32:
            mom += (cb @ Q32[start:start + rows]).astype(np.int64)
        else:  # pragma: no cover - a block drawn twice its expected size
            mom += np.rint(cb.astype(np.float64) @ Q[start:start + rows]).astype(np.int64)
    return mom


def _byte_products(X: np.ndarray, iu: tuple) -> np.ndarray | None:
    """``Q'`` with ``Q = [1, x, x_j x_k (j <= k)]`` as signed bytes, its rows padded with zeros
    to a multiple of :data:`._int8_products.COLS`, when every entry fits in a byte (items of
    at most 11 in absolute value, e.g. 1-10 ratings); else None."""
    from ._int8_products import COLS

    if float(np.max(np.abs(X))) > 11.0:
        return None
    n, p = X.shape
    m = 1 + p + iu[0].size
    QT = np.zeros((m + (-m % COLS), n), dtype=np.int8)
    QT[0] = 1
    QT[1:1 + p] = X.T
    _byte_cross_products(QT[1:1 + p], iu[0], iu[1], QT[1 + p:m])
    return QT


@njit(cache=True, nogil=True)
def _byte_cross_products(XT, j, k, out):  # pragma: no cover - compiled
    """``out[t] = XT[j[t]] * XT[k[t]]`` for byte rows whose products fit in a byte."""
    for t in range(j.size):  # loop over item pairs, vectorised over respondents
        a, b, o = XT[j[t]], XT[k[t]], out[t]
        for i in range(o.size):
            o[i] = np.int8(a[i] * b[i])


def _byte_moments(stream: tuple, n: int, r0: int, r1: int, QT: np.ndarray, m: int) -> np.ndarray:
    """Exact ``sum_i c_ri Q_i`` (int64, ``(r1 - r0, m)``) of resamples ``r0..r1-1``: counts
    decoded as bytes, multiplied by the byte products ``QT`` (:mod:`._int8_products`).
    Column 0 of ``Q`` is ones, so a count that wrapped past 255 shows as a total below
    ``n``; such resamples are summed again in 64-bit integers."""
    from ._int8_products import ROWS, accumulate_products

    halves, first, has_first, starts = stream
    b = r1 - r0
    counts = np.zeros((b + (-b % ROWS), n), dtype=np.uint8)
    _decode_counts(halves, first, has_first, n, starts, r0, counts[:b])
    mom = np.zeros((counts.shape[0], QT.shape[0]), dtype=np.int64)
    accumulate_products(counts, QT, mom)
    mom = mom[:b, :m]
    wrapped = np.flatnonzero(mom[:, 0] != n)
    if wrapped.size:  # pragma: no cover - a row drawn 256 times or more in one resample
        wide = np.zeros((wrapped.size, n), dtype=np.int64)
        for k, r in enumerate(wrapped):  # loop over the (never seen) wrapped resamples
            _decode_counts(halves, first, has_first, n, starts, r0 + r, wide[k:k + 1])
        mom[wrapped] = wide @ QT[:m].T.astype(np.int64)
    return mom


def _bootstrap_integer(X: np.ndarray, n_boot: int, rng: np.random.Generator, scale: bool,
                       chunk: int, iu: tuple):
    """:func:`bootstrap_covariances` for small-integer data: the same draws, the moments
    summed exactly (``n^2 S = n sum c x x' - (sum c x)(sum c x)'`` in integers, one rounding
    at the end).

    Items that fit in a byte (|x| <= 11, e.g. 1-10 ratings) drawn from a PCG64 generator take
    the byte path: the calling thread draws each chunk's raw 32-bit values in order and
    finds where each resample starts in them (:func:`_pcg64_stream`); one task per core then
    decodes its share of the resamples into byte counts and multiplies them by the byte
    cross products (:func:`_byte_moments`), all in compiled code without the GIL.  Other
    small-integer data take single-precision matrix products (exact while every partial sum
    stays below 2^24; blocks of rows keep it there, and a block whose counts could break the
    bound is summed in double precision), one single-threaded product per core.  The results
    are exact, so they do not depend on the schedule; the small covariance matrices of all
    resamples are then yielded chunk by chunk."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from ._int8_products import ROWS

    n, p = X.shape
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = max(1, workers)
    QT = (_byte_products(X, iu) if type(rng.bit_generator) is np.random.PCG64 and _pcg64_counts_match()
          and 2 <= n < 0xFFFFFFFF else None)
    if QT is None:
        Q = np.hstack([X, X[:, iu[0]] * X[:, iu[1]]])
        qmax = max(float(np.max(np.abs(Q))), 1.0)
        rows = max(1, int(_EXACT32 / 2 / qmax))  # expected count sum of a block: half the bound
        Q32 = Q.astype(np.float32)
    m = 1 + p + iu[0].size
    from threadpoolctl import threadpool_limits  # a dependency (pyproject.toml)

    # one BLAS thread per product: the products run side by side instead
    limit = threadpool_limits(1, user_api="blas")
    sizes, futures = [], []
    try:
        with ThreadPoolExecutor(workers) as ex:
            done = 0
            while done < n_boot:  # loop over chunks of resamples (the same draws as the float path)
                b = min(chunk, n_boot - done)
                if len(futures) > 2 * workers:  # at most ~2 chunks of draws waiting per core
                    for f in futures[-2 * workers - 1]:
                        f.result()
                if QT is not None:
                    stream = _pcg64_stream(rng, n, b)
                    share = -(-b // workers)
                    share += -share % ROWS  # whole register blocks per task
                    cuts = list(range(0, b, share)) + [b]
                    futures.append([ex.submit(_byte_moments, stream, n, lo, hi, QT, m)
                                    for lo, hi in zip(cuts[:-1], cuts[1:])])
                else:
                    futures.append([ex.submit(_integer_moments, _counts(rng, n, b), Q, Q32, qmax, rows)])
                sizes.append(b)
                done += b
            moments = [np.vstack([f.result() for f in fs]) for fs in futures]
    finally:
        limit.restore_original_limits()
    nn = float(n) * float(n)
    for b, mom in zip(sizes, moments):
        if QT is not None:
            mom = mom[:, 1:]  # the total count (n) first
        m1, m2u = mom[:, :p], mom[:, p:]
        cov_u = (n * m2u - m1[:, iu[0]] * m1[:, iu[1]]).astype(np.float64) / nn
        yield _assemble(np.zeros((b, p)), cov_u, iu, p, scale)


def bootstrap_covariances(X: np.ndarray, n_boot: int, rng: np.random.Generator, *, scale: bool = False,
                          chunk: int | None = None):
    """Yield covariance matrices of nonparametric bootstrap resamples of the rows of ``X``, in chunks.

    Each resample is represented by its multinomial counts (drawn as ``n`` uniform indices),
    so no resampled data set is materialised; memory per chunk is ``chunk x n`` counts.  The
    cross products ``x_i x_j`` are formed once when they fit in 512 MB, otherwise per block
    of rows.  Small-integer data (:func:`_small_integer_data`, e.g. rating-scale items; pass
    them uncentred) take an exact path: the same draws, moments summed exactly in integers,
    the products in single precision (exact for small integers) side by side on the cores.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Data, preferably centred.
    n_boot : int
        Number of bootstrap resamples in total.
    rng : numpy.random.Generator
        Source of the resampling draws.
    scale : bool, default False
        Yield correlation instead of covariance matrices.
    chunk : int, optional
        Resamples per yielded chunk (default: as many as fit in about 4 million counts).

    Yields
    ------
    ndarray, shape (b, p, p)
        Covariance matrices of the next ``b <= chunk`` resamples.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1., 2.], [2., 1.], [3., 5.], [4., 4.]])
    >>> chunks = list(bootstrap_covariances(X, 5, np.random.default_rng(0), chunk=2))
    >>> [c.shape for c in chunks]
    [(2, 2, 2), (2, 2, 2), (1, 2, 2)]
    """
    n, p = X.shape
    q = p * (p + 1) // 2
    if chunk is None:
        chunk = int(max(1, min(n_boot, 4_000_000 // max(n, 1))))
    iu = np.triu_indices(p)
    if _small_integer_data(X):  # e.g. rating-scale items: exact moments, single-precision products
        yield from _bootstrap_integer(X, n_boot, rng, scale, chunk, iu)
        return
    cross = _cross_products(X)[0] if n * q <= _CROSS_BUDGET else None
    rows = max(1, _CROSS_BUDGET // (8 * q))
    done = 0
    while done < n_boot:  # loop over chunks of resamples, not over rows
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        counts = np.bincount((idx + n * np.arange(b)[:, None]).ravel(), minlength=b * n)
        w = counts.reshape(b, n) / n
        if cross is not None:
            yield _assemble(w @ X, w @ cross, iu, p, scale)
        else:
            m2u = np.zeros((b, q))
            for start in range(0, n, rows):  # blocks of rows when the products do not fit in memory
                blk = X[start:start + rows]
                m2u += w[:, start:start + rows] @ (blk[:, iu[0]] * blk[:, iu[1]])
            yield _assemble(w @ X, m2u, iu, p, scale)
        done += b


def jackknife_covariances(X: np.ndarray, rng: np.random.Generator, *, scale: bool = False,
                          max_groups: int = 500) -> np.ndarray:
    """Covariance matrices of the delete-one (or delete-group, at most ``max_groups``) jackknife.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Data, preferably centred.
    rng : numpy.random.Generator
        Assigns rows to groups at random when ``n > max_groups``.
    scale : bool, default False
        Return correlation instead of covariance matrices.
    max_groups : int, default 500
        Maximum number of jackknife groups ``G``.

    Returns
    -------
    ndarray, shape (G, p, p)
        Covariance matrix of the data without each group, ``G = min(n, max_groups)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1., 2.], [2., 1.], [3., 5.], [4., 4.]])
    >>> jackknife_covariances(X, np.random.default_rng(0))[0].round(3).tolist()
    [[0.667, 1.0], [1.0, 2.889]]
    """
    from scipy import sparse

    n, p = X.shape
    G = min(n, max_groups)
    groups = np.arange(n) % G if G == n else rng.permutation(np.arange(n) % G)
    ind = sparse.csr_matrix((np.ones(n), (groups, np.arange(n))), shape=(G, n))
    Q, iu = _cross_products(X)
    size = np.asarray(ind.sum(1)).ravel()
    keep_n = (n - size)[:, None]
    m1 = (X.sum(0)[None, :] - ind @ X) / keep_n
    m2u = (Q.sum(0)[None, :] - ind @ Q) / keep_n
    return _assemble(m1, m2u, iu, p, scale)
