"""Arbitrary-precision references for the BG/NBD and MBG/NBD predictions (mpmath).

Every quantity is computed two independent ways where that is affordable, and none of them
calls custvalue:

* ``*_hyp``: the published closed forms -- Fader, Hardie & Lee (2005), "Counting your
  customers the easy way", Marketing Science 24(2):275-284 (FHL), eqs. 7, 8, 10 and 13;
  Batislam, Denizel & Filiztekin (2007), IJRM 24:201-209 (BDF), eqs. A.3, A.5, A.6 -- with
  mpmath's ``hyp2f1``, at a working precision raised until the bracket ``1 - (...) 2F1``
  (which cancels) is stable to the requested digits. A cross-check only: mpmath's
  ``hyp2f1`` is stably wrong for large parameters near ``z = 1`` (at r = 0.243,
  alpha = 4.414, a = 1000, b = 3000 it gives E[X(52)] = 4.7e11 for 1.1347), so the grid
  and the sweeps use the quadrature.
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
                return mp.exp(_xlog(beta - 1, mp.log1p(-p)) - logB) * f(p) / a
            total += mp.quad(h, [0, hi ** a])
        elif hi == 1 and beta < 1:
            def h(v, lo=lo):
                q = v ** (1 / beta)  # q = 1 - p
                return mp.exp(_xlog(a - 1, mp.log1p(-q)) - logB) * f(1 - q) / beta
            total += mp.quad(h, [0, (1 - lo) ** beta])
        else:
            def h(p):
                return mp.exp(_xlog(a - 1, mp.log(p)) + _xlog(beta - 1, mp.log1p(-p)) - logB) * f(p)
            total += mp.quad(h, [lo, hi])
    return total


def _xlog(c, lg):
    """``c * lg`` with ``0 * log(0) = 0`` (an integer Beta parameter 1 at an end node)."""
    return 0 if c == 0 else c * lg


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


# -- the stored grid ---------------------------------------------------------------------------
GRID_FILE = "mp_betageo_grid.csv"
GRID_COLUMNS = ("kind", "model", "r", "alpha", "a", "b", "x", "t_x", "T", "t", "n", "rate", "value")
CLV_MONTHS, CLV_STEP = 12, 4.345  # clv(months=12, freq="W")
COHORT_BIRTHS = (0.0, 10.0, 20.0)  # one customer acquired at each time


def grid_cases(seed: int = 20261203):
    """The fixed grid of the default test run: the issue's examples, corners of the parameter
    box [1e-2, 1e4]^4 (with a = 0.5, 1 - 1e-9, 1, 1 + 1e-9, 2, 3, 50), log-uniform draws,
    frequencies up to 500, ages and horizons up to 1e4 (and 0). Returns dicts with the
    columns of :data:`GRID_COLUMNS` but ``value``."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def lu(lo=1e-2, hi=1e4):
        return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))

    def case(kind, model, r, alpha, a, b, x=0.0, t_x=0.0, T=0.0, t=0.0, n=0, rate=0.0):
        return dict(kind=kind, model=model, r=r, alpha=alpha, a=a, b=b, x=float(x), t_x=t_x, T=T,
                    t=t, n=n, rate=rate)

    out = []
    # the examples
    for t in (13.0, 52.0):
        for ab in ((10.0, 30.0), (50.0, 150.0), (1000.0, 3000.0), (1e4, 3e4)):
            out.append(case("new", "bg", 0.243, 4.414, *ab, t=t))
    for ab in ((50.0, 150.0), (1000.0, 3000.0), (1e4, 3e4)):
        out.append(case("cond", "bg", 0.243, 4.414, *ab, 0, 0.0, 39.0, 39.0))
    shapes = (1e-2, 1.0, 1e4)
    a_values = (1e-2, 0.5, 1 - 1e-9, 1.0, 1 + 1e-9, 2.0, 3.0, 50.0, 1e4)
    for i in range(200):
        model = ("bg", "mbg")[i % 2]
        r, alpha, b = (float(rng.choice(shapes)) for _ in range(3))
        a = float(rng.choice(a_values))
        x = int(rng.choice([0, 1, 7, 500]))
        T = float(rng.choice([1e-2, 39.0, 1e4]))
        t_x = float(rng.choice([0.0, 0.5, 1.0])) * T if x else 0.0
        t = float(rng.choice([0.0, 1e-2, 52.0, 1e4]))
        out.append(case("cond" if i % 4 < 2 else "new", model, r, alpha, a, b, x, t_x, T, t))
    for i in range(120):
        model = ("bg", "mbg")[i % 2]
        r, alpha, a, b = lu(), lu(), lu(), lu()
        if i % 5 == 0:
            a = float(rng.choice([1.0, 2.0, 1 + 1e-7, 0.999]))
        x = int(np.floor(lu(1.0, 501.0))) - 1
        T = lu(1e-2, 1e4)
        t_x = float(rng.uniform(0, T)) if x else 0.0
        out.append(case("cond" if i % 3 else "new", model, r, alpha, a, b, x, t_x, T, lu()))
    for i in range(40):
        x = int(rng.choice([0, 1, 3, 50, 500]))
        T = lu(1e-2, 1e4)
        out.append(case("p_alive", ("bg", "mbg")[i % 2], lu(), lu(), lu(), lu(), x,
                        float(rng.uniform(0, T)) if x else 0.0, T))
    for i in range(30):
        r, alpha, a, b, t = lu(), lu(), lu(), lu(), lu()
        for n in (0, 1, 4, 30, 500):
            out.append(case("prob", ("bg", "mbg")[i % 2], r, alpha, a, b, t=t, n=n))
    derts = [("bg", 0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, None, 0.01),
             ("bg", 0.243, 4.414, 50.0, 150.0, 0, 0.0, 39.0, 52.0, 0.01),
             ("mbg", 0.243, 0.01, 0.793, 2.426, 0, 0.0, 0.01, None, 0.001),
             ("bg", 2.0, 0.01, 0.5, 20.0, 5, 0.005, 0.01, 100.0, 0.0005),
             ("mbg", 0.01, 0.01, 0.01, 1e4, 0, 0.0, 0.01, None, 0.001),
             ("bg", 1e4, 1e4, 1e4, 1e4, 500, 9000.0, 1e4, None, 0.05),
             ("bg", 0.01, 1e4, 2.0, 0.01, 3, 1.0, 2.0, 1e4, 0.3),
             ("mbg", 5.0, 1.0, 1.0, 3.0, 20, 30.0, 40.0, 1e-2, 0.01)]
    for model, r, alpha, a, b, x, t_x, T, H, d in derts:
        out.append(case("dert_cond", model, r, alpha, a, b, x, t_x, T, -1.0 if H is None else H,
                        rate=d))
        out.append(case("dert_new", model, r, alpha, a, b, t=-1.0 if H is None else H, rate=d))
    clvs = [("bg", 0.243, 4.414, 50.0, 150.0, 0, 0.0, 39.0, 0.01),
            ("bg", 0.243, 4.414, 1000.0, 3000.0, 2, 30.43, 38.86, 0.01),
            ("mbg", 0.02, 0.05, 0.3, 1e4, 0, 0.0, 0.05, 0.02),
            ("bg", 1e4, 1e4, 1e4, 1e4, 500, 9999.0, 1e4, 0.01),
            ("mbg", 1.0, 0.01, 1.0, 1.0, 7, 3.0, 10.0, 0.0)]
    for model, r, alpha, a, b, x, t_x, T, d in clvs:
        out.append(case("clv", model, r, alpha, a, b, x, t_x, T, rate=d))
    for model, r, alpha, a, b, t in [("bg", 0.243, 4.414, 50.0, 150.0, 78.0),
                                     ("bg", 0.243, 4.414, 1e4, 3e4, 39.0),
                                     ("mbg", 0.01, 0.01, 0.01, 1e4, 1e4),
                                     ("mbg", 3.0, 100.0, 1.0, 2.0, 25.0)]:
        out.append(case("cohort", model, r, alpha, a, b, t=t))
    # a fast buyer's first days: E[X(t)] bends within t ~ alpha/r (DERT panels down to it)
    out.append(case("dert_new", "bg", 50.0, 0.01, 0.793, 2.426, t=-1.0, rate=0.0001))
    return out


def evaluate_case(c, dps: int = 30):
    """The reference value of one grid case (an ``mpf``)."""
    kind, model = c["kind"], c["model"]
    th = (c["r"], c["alpha"], c["a"], c["b"])
    hist = (c["x"], c["t_x"], c["T"])
    if kind == "p_alive":
        return p_alive(model, *th, *hist, dps=dps)
    if kind == "new":
        return expected_new_quad(model, c["t"], *th, dps=dps)
    if kind == "cond":
        return conditional_quad(model, c["t"], *th, *hist, dps=dps)
    if kind == "prob":
        return probability_of_purchases(model, c["n"], c["t"], *th, dps=dps)
    H = None if c["t"] < 0 else c["t"]
    with mp.workdps(dps):
        delta = mp.log1p(mp.mpf(c["rate"]))
    if kind == "dert_cond":
        return dert_quad(model, delta, *th, *hist, horizon=H, dps=dps)
    if kind == "dert_new":
        return dert_quad(model, delta, *th, horizon=H, dps=dps)
    if kind == "clv":  # sum of discounted monthly increments, spend 1 (see custvalue.clv.clv)
        with mp.workdps(dps):
            total, prev = mp.mpf(0), mp.mpf(0)
            for k in range(1, CLV_MONTHS + 1):
                cur = conditional_quad(model, CLV_STEP * k, *th, *hist, dps=dps)
                total += (cur - prev) / (1 + mp.mpf(c["rate"])) ** k
                prev = cur
            return total
    if kind == "cohort":
        with mp.workdps(dps):
            return mp.fsum(expected_new_quad(model, c["t"] - b0, *th, dps=dps)
                           for b0 in COHORT_BIRTHS if c["t"] > b0)
    raise ValueError(kind)


def write_grid(path=None):
    """Evaluate :func:`grid_cases` and write them with their values (25 digits)."""
    import csv
    from pathlib import Path

    path = Path(__file__).with_name(GRID_FILE) if path is None else Path(path)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(GRID_COLUMNS)
        for c in grid_cases():
            v = evaluate_case(c)
            w.writerow([c[k] for k in GRID_COLUMNS[:-1]] + [mp.nstr(v, 25, min_fixed=1, max_fixed=0)])
            fh.flush()


def read_grid(path=None):
    """The stored grid as a list of dicts (numbers as floats, ``value`` as a string)."""
    import csv
    from pathlib import Path

    path = Path(__file__).with_name(GRID_FILE) if path is None else Path(path)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for k in GRID_COLUMNS[2:-1]:
            row[k] = float(row[k])
        row["n"] = int(row["n"])
    return rows


if __name__ == "__main__":  # python -m tests.reference.mp_betageo
    write_grid()
