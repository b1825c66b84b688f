"""Arbitrary-precision references for the BG/NBD and MBG/NBD predictions (mpmath).

Every quantity is computed two independent ways where that is affordable, and none of them
calls custvalue:

* ``*_hyp``: the published closed forms -- Fader, Hardie & Lee (2005), "Counting your
  customers the easy way", Marketing Science 24(2):275-284 (FHL), eqs. 7, 8, 10 and 13;
  Batislam, Denizel & Filiztekin (2007), IJRM 24:201-209 (BDF), eqs. A.3, A.5, A.6 -- with
  mpmath's ``hyp2f1``, at a working precision raised until the bracket ``1 - (...) 2F1``
  (which cancels) is stable to the requested digits.
* ``*_quad``: the model's definition integrated numerically: given the purchase rate
  ``lambda`` and the dropout probability ``p`` a customer alive now makes
  ``(1 - exp(-lambda p t))/p`` expected purchases in the next ``t``; ``lambda`` (posterior
  ``Gamma(r+x, alpha+T)``) integrates out in closed form, ``(1 - (1 + p t/(alpha+T))^-(r+x))/p``,
  and ``p`` (posterior ``Beta(a, b+x)``, ``Beta(a, b+x+1)`` for MBG/NBD) by ``mpmath.quad``
  with the endpoint singularities mapped away (``p = v^(1/a)`` near 0 for ``a < 1``,
  ``1 - p = v^(1/beta)`` near 1) and break points where the integrand changes scale
  (``p ~ alpha+T / t`` and the Beta's mode +- multiples of its spread).
* DERT: given ``p`` and ``lambda`` the discounted purchases of a customer alive now are
  ``lambda (1 - e^{-(delta + lambda p) H})/(delta + lambda p)``; the Gamma-distributed rate
  integrates out in closed form through the generalised exponential integral ``E_{s+1}``
  (see :func:`_dert_given_p`), then ``p`` by the same quadrature; independently,
  ``e^{-delta H} E[Y(H)] + delta int_0^H e^{-delta t} E[Y(t)] dt`` over the closed form
  (:func:`dert_by_parts`).

All functions take Python floats (or anything ``mpmath.mpf`` accepts) and return ``mpf``.
"""

from __future__ import annotations

import mpmath as mp

__all__ = [
    "dropout_mean_hyp", "dropout_mean_quad", "p_alive", "expected_new_hyp", "expected_new_quad",
    "conditional_hyp", "conditional_quad", "probability_of_purchases", "dert_quad",
    "dert_by_parts", "beta_expectation",
]

DPS = 40


def _posterior(model, r, a, b, x):
    """(s, beta, factor): the purchase-rate shape, the Beta's second parameter and the factor
    in front of ``E_p[g]`` for the conditional expectation given alive."""
    if model == "bg":
        return r + x, b + x, 1
    if model == "mbg":
        return r + x, b + x + 1, 1
    raise ValueError(model)


def _new(model, r, a, b):
    if model == "bg":
        return r, b, 1
    if model == "mbg":  # dropout at time 0 with probability p: E[(1-p) g] = b/(a+b) E_{B(a,b+1)}[g]
        return r, b + 1, mp.mpf(b) / (mp.mpf(a) + b)
    raise ValueError(model)


# -- E_p[g(p)], p ~ Beta(a, beta) ----------------------------------------------------------------
def beta_expectation(f, a, beta, extra_points=()):
    """``E[f(p)]`` for ``p ~ Beta(a, beta)`` by ``mpmath.quad`` (tanh-sinh) on sub-intervals.

    The endpoint singularities of the density are mapped away: on ``[0, m]`` with ``a < 1``
    the substitution ``p = v^(1/a)`` (``p^(a-1) dp = dv/a``), on ``[m, 1]`` with ``beta < 1``
    ``1 - p = v^(1/beta)``. Break points: ``extra_points`` (scales of ``f``) and the Beta's
    mode +- (1, 3, 8, 20, 50) standard deviations."""
    a, beta = mp.mpf(a), mp.mpf(beta)
    logB = mp.log(mp.beta(a, beta)) if a + beta < 1e5 else (mp.loggamma(a) + mp.loggamma(beta)
                                                            - mp.loggamma(a + beta))
    mean = a / (a + beta)
    sd = mp.sqrt(a * beta / ((a + beta) ** 2 * (a + beta + 1)))
    pts = {mp.mpf(0), mp.mpf(1)}
    for k in (0, 1, 3, 8, 20, 50, 120):
        for sgn in (-1, 1):
            q = mean + sgn * k * sd
            if 0 < q < 1:
                pts.add(q)
    for q in extra_points:
        q = mp.mpf(q)
        for m in (mp.mpf("0.01"), mp.mpf("0.1"), 1, 10, 100):
            if 0 < q * m < 1:
                pts.add(q * m)
    pts = sorted(pts)
    # small pieces near 0 for a < 1 / near 1 for beta < 1 are taken in the mapped variable
    total = mp.mpf(0)
    for lo, hi in zip(pts[:-1], pts[1:]):
        if lo == 0 and a < 1:
            def h(v, hi=hi):
                p = v ** (1 / a)
                return mp.exp((beta - 1) * mp.log1p(-p) - logB) * f(p) / a
            total += mp.quad(h, [0, hi ** a])
        elif hi == 1 and beta < 1:
            def h(v, lo=lo):
                q = v ** (1 / beta)  # q = 1 - p
                return mp.exp((a - 1) * mp.log1p(-q) - logB) * f(1 - q) / beta
            total += mp.quad(h, [0, (1 - lo) ** beta])
        else:
            def h(p):
                return mp.exp((a - 1) * mp.log(p) + (beta - 1) * mp.log1p(-p) - logB) * f(p)
            total += mp.quad(h, [lo, hi])
    return total


def _g(s, u):
    """``(1 - (1 + p u)^-s)/p``: expected purchases given p, the rate integrated out."""
    def g(p):
        if p == 0:
            return s * u
        return -mp.expm1(-s * mp.log1p(p * u)) / p
    return g


def dropout_mean_quad(t, base, a, beta, s, dps=DPS):
    """``E[(1 - (1 + p t/base)^-s)/p]`` with ``p ~ Beta(a, beta)``, by quadrature."""
    with mp.workdps(dps):
        t, base, a, beta, s = (mp.mpf(v) for v in (t, base, a, beta, s))
        if t == 0:
            return mp.mpf(0)
        u = t / base
        return beta_expectation(_g(s, u), a, beta, extra_points=(1 / u,))


def dropout_mean_hyp(t, base, a, beta, s, dps=DPS):
    """The same expectation from the closed form
    ``(a+beta-1)/(a-1) [1 - (base/(base+t))^s 2F1(s, beta; a+beta-1; t/(base+t))]``
    (FHL eq. 10 with ``s = r+x``, ``beta = b+x``). The precision is raised until the result
    is stable; ``a = 1`` is taken as the mean of ``a = 1 +- 1e-(dps)``."""
    if mp.mpf(t) == 0:
        return mp.mpf(0)

    def at(a_, prec):
        with mp.workdps(prec):
            t_, base_, beta_, s_ = (mp.mpf(v) for v in (t, base, beta, s))
            c = a_ + beta_ - 1
            z = t_ / (base_ + t_)
            lead = mp.exp(-s_ * mp.log1p(t_ / base_))
            return c / (a_ - 1) * (1 - lead * mp.hyp2f1(s_, beta_, c, z))

    prec = dps + 10
    prev = None
    for _ in range(8):
        with mp.workdps(prec):
            am = mp.mpf(a)
            if am == 1:
                eps = mp.mpf(10) ** (-(prec // 2))
                val = (at(am + eps, prec) + at(am - eps, prec)) / 2
            else:
                val = at(am, prec)
        if prev is not None and val != 0 and abs(val - prev) <= mp.mpf(10) ** (-dps) * abs(val):
            return +val
        prev = val
        prec = prec * 2
    raise ArithmeticError(f"hyp2f1 reference did not stabilise at a={a}, beta={beta}, s={s}, t={t}, "
                          f"base={base}")


# -- model quantities ------------------------------------------------------------------------------
def p_alive(model, r, alpha, a, b, x, t_x, T, dps=DPS):
    """FHL eq. (13) / BDF eq. (A.5)."""
    with mp.workdps(dps):
        r, alpha, a, b, x, t_x, T = (mp.mpf(v) for v in (r, alpha, a, b, x, t_x, T))
        if model == "bg":
            if x == 0:
                return mp.mpf(1)
            odds = a / (b + x - 1)
        else:
            odds = a / (b + x)
        return 1 / (1 + odds * mp.exp((r + x) * (mp.log(alpha + T) - mp.log(alpha + t_x))))


def expected_new_hyp(model, t, r, alpha, a, b, dps=DPS):
    """E[X(t)] of a new customer: FHL eq. (7) / BDF eq. (A.3), by ``hyp2f1``."""
    s, beta, factor = _new(model, r, a, b)
    with mp.workdps(dps):
        return factor * dropout_mean_hyp(t, alpha, a, beta, s, dps)


def expected_new_quad(model, t, r, alpha, a, b, dps=DPS):
    """E[X(t)] of a new customer by quadrature over the Beta-distributed dropout probability."""
    s, beta, factor = _new(model, r, a, b)
    with mp.workdps(dps):
        return factor * dropout_mean_quad(t, alpha, a, beta, s, dps)


def conditional_hyp(model, t, r, alpha, a, b, x, t_x, T, dps=DPS):
    """E[Y(t) | x, t_x, T]: FHL eq. (10) / BDF eq. (A.6), by ``hyp2f1``."""
    s, beta, _ = _posterior(model, r, a, b, x)
    with mp.workdps(dps):
        return p_alive(model, r, alpha, a, b, x, t_x, T, dps) * dropout_mean_hyp(
            t, mp.mpf(alpha) + T, a, beta, s, dps)


def conditional_quad(model, t, r, alpha, a, b, x, t_x, T, dps=DPS):
    """E[Y(t) | x, t_x, T] by quadrature over the posterior dropout probability."""
    s, beta, _ = _posterior(model, r, a, b, x)
    with mp.workdps(dps):
        return p_alive(model, r, alpha, a, b, x, t_x, T, dps) * dropout_mean_quad(
            t, mp.mpf(alpha) + T, a, beta, s, dps)


def probability_of_purchases(model, n, t, r, alpha, a, b, dps=DPS):
    """P(X(t) = n) of a new customer, FHL eq. (8) (MBG/NBD: the same with the dropout at
    time 0, see :func:`custvalue.math.modbetageo.probability_of_purchases`). The tail
    ``1 - sum_{j<n} NB(j)`` is mpmath's regularised incomplete beta ``I_z(n, r)``."""
    with mp.workdps(dps):
        n, t, r, alpha, a, b = (mp.mpf(v) for v in (n, t, r, alpha, a, b))
        if t == 0:
            return mp.mpf(1) if n == 0 else mp.mpf(0)
        z = t / (alpha + t)
        lognb = (mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)
                 - r * mp.log1p(t / alpha) + n * mp.log(z))
        lB = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)

        def lbeta(p, q):
            return mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q)
        tail = mp.betainc(n, r, 0, z, regularized=True) if n > 0 else mp.mpf(1)
        if model == "bg":
            first = mp.exp(lbeta(a, b + n) - lB + lognb)
            second = mp.exp(lbeta(a + 1, b + n - 1) - lB) * tail if n > 0 else 0
        else:
            first = mp.exp(lbeta(a, b + n + 1) - lB + lognb)
            second = mp.exp(lbeta(a + 1, b + n) - lB) * tail
        return first + second


def _dert_given_p(s, base, delta, H):
    """``E_lambda[lambda (1 - e^{-(delta + lambda p) H})/(delta + lambda p)]`` with
    ``lambda ~ Gamma(s, base)``: size-biasing gives ``s/base E_{Gamma(s+1, base)}[...]`` and
    ``E[1/(delta + p lambda)] = (1/delta) c^(s+1) U(s+1, s+1, c) = e^c E_{s+1}(c)/delta``,
    ``c = base delta/p``; the term with ``H`` is the same with ``base + p H``."""
    def f(p):
        if p == 0:
            return s / (base * delta) * (1 - mp.exp(-delta * H) if H is not None else 1)
        c = base * delta / p
        head = _cee(s + 1, c)
        if H is None:
            return s / (base * delta) * head
        c2 = (base + p * H) * delta / p
        tail2 = _cee(s + 1, c2)
        # the H term: (s/base) (base/(base+pH))^(s+1) e^{-delta H} E[1/(delta+p lambda')],
        # lambda' ~ Gamma(s+1, base+pH), = e^{-delta H} (base/(base+pH))^(s+1) e^c2 E(c2)/delta
        w = mp.exp(-delta * H - (s + 1) * mp.log1p(p * H / base))
        return s / (base * delta) * (head - w * tail2)
    return f


def _cee(n, c):
    """``c e^c E_n(c)`` (generalised exponential integral): its continued fraction
    ``c/(c+n- 1 n/(c+n+2- 2(n+1)/(c+n+4- ...)))`` (modified Lentz) when ``c >= 1`` or
    ``n >= 20``, else ``mpmath.expint``."""
    if c < 1 and n < 20:
        return c * mp.exp(c) * mp.expint(n, c)
    tiny = mp.mpf(10) ** (-2 * mp.mp.dps - 50)
    b = c + n
    C = 1 / tiny
    D = 1 / b
    h = D
    for i in range(1, 100_000):
        an = -i * (n - 1 + i)
        b += 2
        D = 1 / (an * D + b)
        C = b + an / C
        de = C * D
        h *= de
        if abs(de - 1) < mp.eps:
            return c * h
    raise ArithmeticError(f"continued fraction of E_{n}({c}) did not converge")


def dert_quad(model, delta, r, alpha, a, b, x=None, t_x=None, T=None, horizon=None, dps=DPS):
    """Discounted expected residual transactions ``int_0^H e^{-delta t} dE[Y(t)]``
    (``horizon=None``: infinite). ``x=None`` gives a new customer (``alpha`` as base)."""
    with mp.workdps(dps):
        delta = mp.mpf(delta)
        H = None if horizon is None else mp.mpf(horizon)
        if x is None:
            s, beta, factor = _new(model, r, a, b)
            base = mp.mpf(alpha)
        else:
            s, beta, _ = _posterior(model, r, a, b, x)
            base = mp.mpf(alpha) + T
            factor = p_alive(model, r, alpha, a, b, x, t_x, T, dps)
        s = mp.mpf(s)
        pts = [base * delta]
        if H is not None and H > 0:
            pts.append(base / H)
        return factor * beta_expectation(_dert_given_p(s, base, delta, H), a, beta, pts)


def dert_by_parts(model, delta, r, alpha, a, b, x=None, t_x=None, T=None, horizon=None, dps=30):
    """``e^{-delta H} E[Y(H)] + delta int_0^H e^{-delta t} E[Y(t)] dt`` over the closed form
    (``H = inf`` drops the first term); slow, for cross-checks."""
    with mp.workdps(dps):
        delta = mp.mpf(delta)
        if x is None:
            def ey(t):
                return expected_new_hyp(model, t, r, alpha, a, b, dps)
            base = mp.mpf(alpha)
        else:
            def ey(t):
                return conditional_hyp(model, t, r, alpha, a, b, x, t_x, T, dps)
            base = mp.mpf(alpha) + T
        top = mp.inf if horizon is None else mp.mpf(horizon)
        pts = [mp.mpf(0)] + [base * 4 ** k for k in range(-6, 12) if base * 4 ** k < min(top, 60 / delta)]
        pts.append(top)
        integral = mp.quad(lambda t: mp.exp(-delta * t) * ey(t), pts)
        head = 0 if horizon is None else mp.exp(-delta * top) * ey(top)
        return head + delta * integral
