"""Independent high-precision references (mpmath) for the predictions of the Pareto/NBD,
BG/BB, sBG, Gamma-Gamma and Markov-migration models.

Each function evaluates the published closed form (or a direct sum of its positive terms)
in multiple-precision arithmetic, at two working precisions, and raises if the two disagree
beyond 1e-22 relative (so that a cancellation lost at the lower precision cannot pass
unnoticed: the precision is raised until the answers agree).  None of them calls custvalue.

Provenance of the formulas
--------------------------
* Pareto/NBD: Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
  expressions" (FH05): likelihood eqs. (19)-(21) with Gauss' 2F1, P(alive) eq. (22),
  E[X(t)] eq. (17), E[Y(t) | x, t_x, T] eq. (24); Fader, Hardie & Lee (2006), "Deriving an
  expression for P(X(t) = x) under the Pareto/NBD model", eq. (19); Fader, Hardie & Lee
  (2005), "RFM and CLV", JMR 42:415-430, eq. (2): DERT with Tricomi's U (infinite horizon).
  The finite-horizon DERT is ``∫_0^H e^{-δt} dE[Y(t)]`` with ``dE[Y]/dt = P(alive)
  (r+x)/(α+T) ((β+T)/(β+T+t))^s``, i.e. ``e^{δB} (δB)^s / δ · Γ(1-s; δB, δ(B+H))`` with
  ``B = β+T`` (the generalised incomplete gamma, mpmath ``gammainc``).
* BG/BB: Fader, Hardie & Shang (2010), Marketing Science 29(6) (FHS): likelihood eq. (5)
  and P(X(n) = x) eq. (7) as direct sums of their positive terms, E[X(n)] and
  E[X(n, n+n*) | x, t_x, n] as the sums of the per-opportunity expectations (eqs. 8 and 13
  before their closed forms), DERT eq. (14) with mpmath's 2F1 (infinite horizon) or the
  discounted sum of the increments (finite horizon).
* sBG: Fader & Hardie (2007), J. Interactive Marketing 21(1), eqs. (6)-(8); Fader & Hardie
  (2010), Marketing Science 29(1), eqs. (4) and (6) (DEL, DERL) with mpmath's 2F1.
* Gamma-Gamma: Fader, Hardie & Lee (2005) / note 025 eq. (5): the posterior mean of
  ``p/ν`` with ``ν | x, m ~ Gamma(q + px, γ + mx)``.
* Markov migration: Pfeifer & Carraway (2000), eqs. (5)-(6), summed / solved with mpmath
  matrices (``mp.lu_solve``).
"""

from __future__ import annotations

import mpmath as mp

__all__ = [
    "pnbd_p_alive", "pnbd_loglike", "pnbd_expected_new", "pnbd_conditional_expected",
    "pnbd_probability", "pnbd_probability_integral", "pnbd_dert", "bgbb_loglike", "bgbb_p_alive", "bgbb_expected_new",
    "bgbb_conditional_expected", "bgbb_probability", "bgbb_dert", "sbg_survival",
    "sbg_retention", "sbg_del", "sbg_derl", "sbg_elasticity", "gg_expected_spend",
    "markov_value",
]

_DPS = (30, 50, 100, 200)


def _stable(fn, *args):
    """``fn(*args)`` at increasing working precisions until two successive values agree to
    1e-22 relative; returns a float (or a list of floats when ``fn`` returns a sequence)."""
    prev = None
    for dps in _DPS:
        with mp.workdps(dps):
            val = fn(*(mp.mpf(a) if isinstance(a, (int, float)) else a for a in args))
            vals = list(val) if isinstance(val, (list, tuple, mp.matrix)) else [val]
            if prev is not None and all(v == w or abs(v - w) <= mp.mpf(10) ** -22 * abs(v)
                                        for v, w in zip(vals, prev)):
                out = [float(v) for v in vals]
                return out if isinstance(val, (list, tuple, mp.matrix)) else out[0]
        prev = vals
    raise ArithmeticError(f"{fn.__name__}{args}: no agreement at {_DPS[-1]} digits")


# ---- Pareto/NBD --------------------------------------------------------------------------
def _g(a, k, M, m, t):
    """``(M+t)^-a 2F1(a, k; a+1; z_t)``, ``z_t = (M-m)/(M+t)`` (FH05 eqs. 20-21), from mpmath's
    2F1 directly and after Euler's transformation ``(1-z)^(1-k) 2F1(1, a+1-k; a+1; z)``;
    whichever converges, and both must agree when both do."""
    z = (M - m) / (M + t)
    vals = []
    for f in (lambda: mp.hyp2f1(a, k, a + 1, z, maxterms=10**6),
              lambda: (1 - z) ** (1 - k) * mp.hyp2f1(1, a + 1 - k, a + 1, z, maxterms=10**6)):
        try:
            vals.append(f())
        except mp.libmp.NoConvergence:
            pass
    if not vals:
        raise ArithmeticError(f"2F1({a}, {k}; {a + 1}; {z}) did not converge")
    if len(vals) == 2 and abs(vals[0] - vals[1]) > mp.mpf(10) ** (5 - mp.mp.dps) * abs(vals[0]):
        raise ArithmeticError(f"2F1({a}, {k}; {a + 1}; {z}): {vals[0]} != {vals[1]}")
    return vals[-1] / (M + t) ** a


def _pnbd_terms(r, alpha, s, beta, x, t_x, T):
    """(alive term, dead term) of FH05 eq. (19), both without Γ(r+x)α^rβ^s/Γ(r)."""
    a = r + s + x
    M, m, k = (alpha, beta, s + 1) if alpha >= beta else (beta, alpha, r + x)
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    dead = s / a * (_g(a, k, M, m, t_x) - _g(a, k, M, m, T)) if t_x < T else mp.mpf(0)
    return alive, dead


def _pnbd_p_alive(r, alpha, s, beta, x, t_x, T):
    alive, dead = _pnbd_terms(r, alpha, s, beta, x, t_x, T)
    return alive / (alive + dead)


def pnbd_p_alive(r, alpha, s, beta, x, t_x, T):
    """P(alive | x, t_x, T), FH05 eq. (22)."""
    return _stable(_pnbd_p_alive, r, alpha, s, beta, x, t_x, T)


def _pnbd_loglike(r, alpha, s, beta, x, t_x, T):
    alive, dead = _pnbd_terms(r, alpha, s, beta, x, t_x, T)
    return (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
            + mp.log(alive + dead))


def pnbd_loglike(r, alpha, s, beta, x, t_x, T):
    """log L, FH05 eq. (19)."""
    return _stable(_pnbd_loglike, r, alpha, s, beta, x, t_x, T)


def _pnbd_expected_new(t, r, alpha, s, beta):
    if s == 1:
        return r * beta / alpha * mp.log1p(t / beta)
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def pnbd_expected_new(t, r, alpha, s, beta):
    """E[X(t)], FH05 eq. (17)."""
    return _stable(_pnbd_expected_new, t, r, alpha, s, beta)


def _pnbd_conditional(t, r, alpha, s, beta, x, t_x, T):
    pa = _pnbd_p_alive(r, alpha, s, beta, x, t_x, T)
    if s == 1:
        f = mp.log1p(t / (beta + T))
    else:
        f = (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1)
    return (r + x) * (beta + T) / (alpha + T) * f * pa


def pnbd_conditional_expected(t, r, alpha, s, beta, x, t_x, T):
    """E[Y(t) | x, t_x, T], FH05 eq. (24)."""
    return _stable(_pnbd_conditional, t, r, alpha, s, beta, x, t_x, T)


def _pnbd_probability(n, t, r, alpha, s, beta):
    n = int(n)
    if t == 0:
        return mp.mpf(1 if n == 0 else 0)
    M, m = max(alpha, beta), min(alpha, beta)
    k = s + 1 if alpha >= beta else r + n
    first = (mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (alpha / (alpha + t)) ** r
             * (t / (alpha + t)) ** n * (beta / (beta + t)) ** s)
    lead = alpha ** r * beta ** s * mp.beta(r + n, s + 1) / mp.beta(r, s)
    c = r + s + n + 1
    B1 = mp.hyp2f1(r + s, k, c, (M - m) / M) / M ** (r + s)
    B2 = mp.mpf(0)
    for i in range(n + 1):
        B2 += (mp.gamma(r + s + i) / (mp.gamma(r + s) * mp.factorial(i)) * t ** i
               * mp.hyp2f1(r + s + i, k, c, (M - m) / (M + t)) / (M + t) ** (r + s + i))
    return first + lead * (B1 - B2)


def _logconcave_quad(phi, dphi, lo, hi, drop=90, pieces=24):
    """``log ∫_lo^hi exp(φ)`` for a concave φ by mpmath's tanh-sinh quadrature on
    ``pieces`` equal parts of the region where φ is within ``drop`` of its maximum (found by
    bisection in mpmath); the rest is below ``e^-drop`` of the integral."""
    def bis(f, a, b):
        for _ in range(mp.mp.prec + 20):
            m = (a + b) / 2
            if f(m) > 0:
                a = m
            else:
                b = m
        return (a + b) / 2
    if hi is not None and dphi(hi) >= 0:
        um = hi
    elif lo is not None and dphi(lo) <= 0:
        um = lo
    else:
        a = lo if lo is not None else mp.mpf(-1)
        while dphi(a) <= 0:
            a = 2 * a - 1
        b = hi if hi is not None else mp.mpf(1)
        while dphi(b) >= 0:
            b = 2 * b + 1
        um = bis(dphi, a, b)
    f0 = phi(um)
    ends = []
    for sgn, lim in ((1, hi), (-1, lo)):
        if lim is not None and phi(lim) - f0 > -drop:
            ends.append(lim)
            continue
        w = mp.mpf(1)
        while phi(um + sgn * w) - f0 > -drop:
            w *= 2
        ends.append(um + sgn * bis(lambda v: phi(um + sgn * v) - f0 + drop, mp.mpf(0), w))
    R, L = ends
    pts = [L + (R - L) * k / pieces for k in range(pieces + 1)]
    return f0 + mp.log(mp.quad(lambda u: mp.exp(phi(u) - f0), pts))


def _pnbd_probability_quad(n, t, r, alpha, s, beta):
    """FHL 2006 eqs. (4)-(5) before the closed form: alive through t, plus
    ``Γ(r+n)/(Γ(r) n!) α^r s β^s ∫_0^t τ^n (α+τ)^-(r+n) (β+τ)^-(s+1) dτ`` by quadrature in
    ``u = log τ`` (where the integrand is log-concave)."""
    if t == 0:
        return mp.mpf(1 if n == 0 else 0)
    lc = mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)
    alive = mp.exp(lc + r * mp.log(alpha / (alpha + t)) + n * mp.log(t / (alpha + t))
                   + s * mp.log(beta / (beta + t)))

    def phi(u):
        e = mp.exp(u)
        return (n + 1) * u - (r + n) * mp.log(alpha + e) - (s + 1) * mp.log(beta + e)

    def dphi(u):
        e = mp.exp(u)
        return (n + 1) - (r + n) * e / (alpha + e) - (s + 1) * e / (beta + e)
    li = _logconcave_quad(phi, dphi, None, mp.log(t))
    return alive + mp.exp(lc + r * mp.log(alpha) + mp.log(s) + s * mp.log(beta) + li)


def pnbd_probability(n, t, r, alpha, s, beta):
    """P(X(t) = n) for a new customer: Fader, Hardie & Lee (2006) eq. (19) where mpmath's
    2F1 sums converge, else the mixture integral of their eqs. (4)-(5) by mpmath quadrature
    (:func:`pnbd_probability_integral`)."""
    try:
        return _stable(_pnbd_probability, n, t, r, alpha, s, beta)
    except (ArithmeticError, mp.libmp.NoConvergence):
        return pnbd_probability_integral(n, t, r, alpha, s, beta)


def pnbd_probability_integral(n, t, r, alpha, s, beta):
    """P(X(t) = n) from the mixture integral (FHL 2006 eqs. 4-5) by mpmath quadrature."""
    return _stable(lambda n, *a: _pnbd_probability_quad(int(n), *a), n, t, r, alpha, s, beta)


def _pnbd_dert(delta, r, alpha, s, beta, x, t_x, T, horizon):
    pa = _pnbd_p_alive(r, alpha, s, beta, x, t_x, T)
    B = beta + T
    if horizon is None:  # FHL-JMR eq. (2)
        try:
            u = B ** s * delta ** (s - 1) * mp.hyperu(s, s, delta * B)
        except mp.libmp.NoConvergence:  # the same with the upper incomplete gamma function
            u = mp.exp(delta * B) * (delta * B) ** s / delta * mp.gammainc(1 - s, delta * B)
    else:
        if horizon == 0:
            return mp.mpf(0)
        u = mp.exp(delta * B) * (delta * B) ** s / delta * mp.gammainc(1 - s, delta * B, delta * (B + horizon))
    return pa * (r + x) / (alpha + T) * u


def pnbd_dert(delta, r, alpha, s, beta, x, t_x, T, horizon=None):
    """DERT: FHL-JMR eq. (2) (``horizon=None``) or the incomplete-gamma form over a horizon."""
    return _stable(lambda *a: _pnbd_dert(*a, horizon if horizon is None else mp.mpf(horizon)),
                   delta, r, alpha, s, beta, x, t_x, T)


# ---- BG/BB -------------------------------------------------------------------------------
def _beta_ratio(a, b, a0, b0):
    return mp.exp(mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
                  - mp.loggamma(a0) - mp.loggamma(b0) + mp.loggamma(a0 + b0))


def _bgbb_terms(alpha, beta, gamma, delta, x, t_x, n):
    """Alive term and the sum of the death terms of FHS eq. (5)."""
    x, t_x, n = int(x), int(t_x), int(n)
    alive = (_beta_ratio(alpha + x, beta + n - x, alpha, beta)
             * _beta_ratio(gamma, delta + n, gamma, delta))
    dead = mp.mpf(0)
    if n > t_x:
        term = (_beta_ratio(alpha + x, beta + t_x - x, alpha, beta)
                * _beta_ratio(gamma + 1, delta + t_x, gamma, delta))
        for i in range(n - t_x):
            dead += term
            y = t_x + i
            term *= (beta + y - x) / (alpha + beta + y) * (delta + y) / (gamma + delta + 1 + y)
    return alive, dead


def bgbb_loglike(alpha, beta, gamma, delta, x, t_x, n):
    """log L, FHS eq. (5)."""
    def f(*a):
        alive, dead = _bgbb_terms(*a)
        return mp.log(alive + dead)
    return _stable(f, alpha, beta, gamma, delta, x, t_x, n)


def _bgbb_p_alive(alpha, beta, gamma, delta, x, t_x, n):
    alive, dead = _bgbb_terms(alpha, beta, gamma, delta, x, t_x, n)
    return alive / (alive + dead)


def bgbb_p_alive(alpha, beta, gamma, delta, x, t_x, n):
    """P(alive after opportunity n | x, t_x, n): the alive term's share of FHS eq. (5)."""
    return _stable(_bgbb_p_alive, alpha, beta, gamma, delta, x, t_x, n)


def _survival_terms(gamma, delta, u, v):
    """Σ_{i=u+1}^{v} B(γ, δ+i)/B(γ, δ), term by term (FHS eqs. 8, 13 before summing)."""
    u, v = int(u), int(v)
    if v <= u:
        return mp.mpf(0)
    term = _beta_ratio(gamma, delta + u + 1, gamma, delta)
    tot = mp.mpf(0)
    for i in range(u + 1, v + 1):
        tot += term
        term *= (delta + i) / (gamma + delta + i)
    return tot


def bgbb_expected_new(t, alpha, beta, gamma, delta):
    """E[X(t)] = α/(α+β) Σ_{i=1}^{t} B(γ, δ+i)/B(γ, δ) (FHS eq. 8 before summing)."""
    return _stable(lambda t, a, b, g, d: a / (a + b) * _survival_terms(g, d, 0, t),
                   t, alpha, beta, gamma, delta)


def _bgbb_lead(alpha, beta, gamma, delta, x, t_x, n):
    """E[p | alive, data] P(alive) = B(α+x+1, β+n-x)/B(α,β) B(γ,δ+n)/B(γ,δ) / L, divided by
    the survival factor B(γ,δ+n)/B(γ,δ) (i.e. FHS eq. 13's lead)."""
    alive, dead = _bgbb_terms(alpha, beta, gamma, delta, x, t_x, n)
    return _beta_ratio(alpha + x + 1, beta + n - x, alpha, beta) / (alive + dead)


def bgbb_conditional_expected(t, alpha, beta, gamma, delta, x, t_x, n):
    """E[X(n, n+t) | x, t_x, n], FHS eq. (13) as a sum over the t future opportunities."""
    def f(t, a, b, g, d, x, tx, n):
        return _bgbb_lead(a, b, g, d, x, tx, n) * _survival_terms(g, d, n, n + t)
    return _stable(f, t, alpha, beta, gamma, delta, x, t_x, n)


def bgbb_probability(k, t, alpha, beta, gamma, delta):
    """P(X(t) = k), FHS eq. (7), summed term by term."""
    def f(k, t, a, b, g, d):
        k, t = int(k), int(t)
        if k > t:
            return mp.mpf(0)
        tot = mp.binomial(t, k) * _beta_ratio(a + k, b + t - k, a, b) * _beta_ratio(g, d + t, g, d)
        for i in range(k, t):
            tot += mp.binomial(i, k) * _beta_ratio(a + k, b + i - k, a, b) * _beta_ratio(g + 1, d + i, g, d)
        return tot
    return _stable(f, k, t, alpha, beta, gamma, delta)


def bgbb_dert(dr, alpha, beta, gamma, delta, x, t_x, n, horizon=None):
    """DERT: FHS eq. (14), ``Σ_{i=1}^{H} lead B(γ, δ+n+i)/B(γ, δ) / (1+d)^i``, summed term by
    term over a horizon H, and for ``horizon=None`` with mpmath's 2F1 when d < 0.01, else
    summed until the rest (below ``term z/(1-z)``, the terms falling by more than
    ``z = 1/(1+d)`` each) is negligible."""
    def f(dr, a, b, g, d, x, tx, n):
        lead = _bgbb_lead(a, b, g, d, x, tx, n)
        if horizon is None and dr < 0.01:
            return (lead * _beta_ratio(g, d + n + 1, g, d) / (1 + dr)
                    * mp.hyp2f1(1, d + n + 1, g + d + n + 1, 1 / (1 + dr)))
        tot = mp.mpf(0)
        z = 1 / (1 + dr)
        term = _beta_ratio(g, d + n + 1, g, d) * z
        i = 1
        while (i <= horizon) if horizon is not None else (term * z / (1 - z) > mp.eps * tot / 100 or i < 2):
            tot += term
            term *= (d + n + i) / (g + d + n + i) * z
            i += 1
        return lead * tot
    return _stable(f, dr, alpha, beta, gamma, delta, x, t_x, n)


# ---- sBG ---------------------------------------------------------------------------------
def sbg_survival(alpha, beta, t):
    """S(t) = B(α, β+t)/B(α, β), FH07 eq. (7)."""
    return _stable(lambda a, b, t: _beta_ratio(a, b + t, a, b), alpha, beta, t)


def sbg_retention(alpha, beta, t):
    """r_t = (β+t-1)/(α+β+t-1), FH07 eq. (8)."""
    return _stable(lambda a, b, t: (b + t - 1) / (a + b + t - 1), alpha, beta, t)


def _series_2f1(a, b, c, z):
    """2F1(a, b; c; z) for a >= 1, 0 < b < c and 0 <= z < 1, summed term by term until the
    rest is negligible: every later term ratio ``(a+k)(b+k)/((c+k)(1+k)) z`` is below
    ``rho = (a+k)/(1+k) z`` (``(b+k)/(c+k) < 1``, ``(a+k)/(1+k)`` falling), so once
    ``rho < 1`` the rest is below ``term rho/(1-rho)``.  mpmath's ``hyp2f1`` goes wrong here
    for large b and c near z = 1 (3.03e27 for a DERL of 7.76 at alpha = 507, beta = 4291,
    d = 0.029, n = 752, agreeing with itself at two precisions).  Where the terms fall too
    slowly for that (z within ~1e-3 of 1: over 1e5 terms), mpmath's ``hyp2f1`` is used."""
    if -mp.log(z) * 10**5 < mp.mp.dps * mp.log(10) + a * mp.log(10**5):
        return mp.hyp2f1(a, b, c, z)
    tot, term, k = mp.mpf(0), mp.mpf(1), 0
    while True:
        tot += term
        rho = (a + k) / (1 + k) * z
        if rho < 1 and term * rho / (1 - rho) <= mp.eps * abs(tot) / 100:
            return tot
        term *= (a + k) * (b + k) / ((c + k) * (1 + k)) * z
        k += 1


def sbg_del(alpha, beta, d):
    """DEL = 2F1(1, β; α+β; 1/(1+d)), FH10 eq. (4)."""
    return _stable(lambda a, b, d: _series_2f1(1, b, a + b, 1 / (1 + d)), alpha, beta, d)


def sbg_derl(alpha, beta, d, n):
    """DERL = (β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d)), FH10 eq. (6)."""
    return _stable(lambda a, b, d, n: (b + n) / (a + b + n) * _series_2f1(1, b + n + 1, a + b + n + 1, 1 / (1 + d)),
                   alpha, beta, d, n)


def sbg_elasticity(alpha, beta, d, n):
    """1 + z (b/c) 2F1(2, b+1; c+1; z) / 2F1(1, b; c; z), b = β+n+1, c = α+β+n+1, z = 1/(1+d)."""
    def f(a, bb, d, n):
        z = 1 / (1 + d)
        b, c = bb + n + 1, a + bb + n + 1
        return 1 + z * b / c * _series_2f1(2, b + 1, c + 1, z) / _series_2f1(1, b, c, z)
    return _stable(f, alpha, beta, d, n)


# ---- Gamma-Gamma ---------------------------------------------------------------------------
def gg_expected_spend(p, q, gamma, x, m):
    """E[p/ν | x, m] = p (γ + m x) / (q + p x - 1), ν | x, m ~ Gamma(q + px, γ + mx)."""
    return _stable(lambda p, q, g, x, m: p * (g + m * x) / (q + p * x - 1), p, q, gamma, x, m)


# ---- Markov migration ----------------------------------------------------------------------
def markov_value(P, R, d, horizon=None, include_current=True):
    """P&C eq. (5) (finite horizon, summed) or eq. (6) (solved), per starting state.

    ``P`` is used with its diagonal replaced by one minus the off-diagonal row sum (a
    transition matrix whose rows sum to one exactly)."""
    k = len(P)

    def f(d):
        Pm = mp.matrix(k, k)
        for i in range(k):
            off = mp.mpf(0)
            for j in range(k):
                if i != j:
                    Pm[i, j] = mp.mpf(P[i][j])
                    off += Pm[i, j]
            Pm[i, i] = 1 - off
        Rm = mp.matrix([mp.mpf(v) for v in R])
        disc = 1 / (1 + d)
        if horizon is None:
            A = mp.eye(k) - disc * Pm
            V = mp.lu_solve(A, Rm)
        elif horizon > 64:  # V_T = (I - A)^-1 (I - A^(T+1)) R, A = P/(1+d), at high precision
            A = disc * Pm
            An = mp.eye(k)
            Ap, e = A, int(horizon) + 1
            while e:  # A^(T+1) by squaring
                if e & 1:
                    An = An * Ap
                Ap = Ap * Ap
                e >>= 1
            V = mp.lu_solve(mp.eye(k) - A, (mp.eye(k) - An) * Rm)
        else:
            V = Rm.copy()
            for _ in range(int(horizon)):
                V = Rm + disc * (Pm * V)
        if not include_current:
            V = V - Rm
        return V

    return _stable(lambda d: [f(d)[i] for i in range(k)], d)
