"""custvalue against CLVTools (R) on CLVTools' own example data (issue 18 item 5).

Usage::

    python benchmarks/compare_clvtools.py PATH_TO_CLVTOOLS [--skip-legacy] [--skip-dyncov]

``PATH_TO_CLVTOOLS`` is a clone of https://github.com/bachmannpatrick/CLVTools, bare or with a
work tree (files are read with ``git show REV:path`` when there is no work tree). The data
(``data/*.rda``, GPL-3 like the package) are read from that clone at run time and never
copied into custvalue. Needs ``pyreadr`` (the ``.rda`` data frames) and, for the
time-varying part, ``rdata`` (``tests/testthat/fitted_dyncov.rds`` is an S4 object that
pyreadr skips); both are benchmark-only tools, not custvalue dependencies::

    pip install pyreadr rdata

What is compared (each reference with its provenance, from CLVTools 0.12.1 and its published
site, the ``gh-pages`` branch of the same repository):

1. CDNOW, no covariates, estimation end 1997-09-30: Pareto/NBD and BG/NBD estimates and LL
   of CLVTools' tests (``tests/testthat/test_correctness_pnbd_nocovstaticcov.R``,
   ``test_correctness_bgnbd.R``; "correct coefs are our estimates"), the Pareto/NBD
   standard errors of the same file, and the GGompertz/NBD LL of ``test_correctness_ggomnbd.R``.
2. apparel (the data of CLVTools >= 0.11), estimation split 104 weeks: the walkthrough
   vignette's printed output (``articles/CLVTools.html`` of the 0.12.1 site): the Pareto/NBD
   without covariates and with the static covariates Gender and Channel on both processes.
3. legacy apparel (the 2020 data, 250 customers, commit 0c97cc5 of ``data/``), estimation
   split 40 weeks: the vignette's printed output in the 0.5.0 site (the source of the numbers
   quoted in the vignette's prose, ``trans.Gender=1.42576``, ``trans.Channel=0.40304``) and in
   the 0.7.0-0.10.0 sites (the same fit, later optimiser settings).
4. time-varying covariates: the per-customer log-likelihood that CLVTools stored with
   ``tests/testthat/fitted_dyncov.rds`` (``LL.data``: 400 customers, 52 weekly periods,
   High.Season, Gender and Channel on both processes, at the parameters in the object),
   recomputed by :class:`custvalue.clv.ParetoNBDTimeVarying` from the transactions and the
   covariate frame stored in the same object.

CLVTools' conventions, reproduced here: transactions on the same day are one transaction;
``x`` counts repeat purchase days; ``t.x`` and ``T.cal`` are days from the first purchase to
the last purchase and to the estimation end, divided by 7 (the estimation end is a day,
inclusive: ``estimation.split = k`` weeks means first purchase date of the data + 7k days);
customers whose first purchase is after the estimation end are not in the fit. That is
:func:`custvalue.rfm_summary` with ``observation_end`` = the estimation end. Covariate
periods start at ``Cov.Date`` and last one week (``[Cov.Date, Cov.Date + 7 days)``), the
covariates of a purchase are those of the period holding its day: ``ParetoNBDTimeVarying``
with ``period = Cov.Date``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

#: The last commit whose data/ holds the 2020 apparel data (250 customers).
LEGACY_DATA_COMMIT = "0c97cc5"

#: CLVTools' numbers (provenance in the module docstring and in each entry's "source").
REFERENCES: dict[str, dict] = {
    "cdnow_pnbd": {
        "source": "CLVTools tests/testthat/test_correctness_pnbd_nocovstaticcov.R (0.12.1)",
        "params": {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150},
        "llf": -9594.976,
        "bse": {"r": 0.0476264, "alpha": 0.8427222, "s": 0.1872594, "beta": 6.2105448},
    },
    "cdnow_bgnbd": {
        "source": "CLVTools tests/testthat/test_correctness_bgnbd.R (0.12.1)",
        "params": {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881},
        "llf": -9582.429,
    },
    "cdnow_ggomnbd": {
        "source": "CLVTools tests/testthat/test_correctness_ggomnbd.R (0.12.1; b and beta at the boundary, KKT2 FALSE)",
        "params": {"r": 0.55313, "alpha": 10.5758},
        "llf": -9594.9762,
    },
    "apparel_pnbd": {
        "source": "CLVTools 0.12.1 site, articles/CLVTools.html: summary(est.pnbd), coef(est.pnbd)",
        "params": {"r": 1.4489768, "alpha": 48.6360845, "s": 0.5612598, "beta": 46.8843633},
        "llf": -5848.0978,
        "bse": {"r": 0.2434, "alpha": 7.4892, "s": 0.2710, "beta": 35.6114},
    },
    "apparel_pnbd_static": {
        "source": "CLVTools 0.12.1 site, articles/CLVTools.html: summary(est.pnbd.static)",
        "params": {"r": 1.8387, "alpha": 92.9435, "s": 0.5913, "beta": 49.5048,
                   "dropout.Gender": -0.6428, "dropout.Channel": 0.7902,
                   "purchase.Gender": 0.2860, "purchase.Channel": 0.6239},
        "llf": -5821.0627,
        "bse": {"r": 0.3457, "alpha": 16.9749, "s": 0.2603, "beta": 36.1444,
                "dropout.Gender": 0.2956, "dropout.Channel": 0.3058,
                "purchase.Gender": 0.1041, "purchase.Channel": 0.1049},
    },
    "legacy_pnbd": {
        "source": "CLVTools 0.10.0 site (gh-pages 7f09b75), articles/CLVTools.html: coef(est.pnbd)",
        "params": {"r": 0.7865982, "alpha": 5.3349363, "s": 0.3570472, "beta": 11.6151630},
        "llf": -2879.4699,
    },
    "legacy_pnbd_static_050": {
        "source": "CLVTools 0.5.0 site (gh-pages f38c39c), articles/CLVTools.html: summary(est.pnbd.static)",
        "params": {"r": 1.41667, "alpha": 35.68282, "purchase.Gender": 1.42576, "purchase.Channel": 0.40304,
                   "dropout.Channel": -1.69960},
        "llf": -2846.1681,
    },
    "legacy_pnbd_static": {
        "source": "CLVTools 0.10.0 site (gh-pages 7f09b75), articles/CLVTools.html: summary(est.pnbd.static)",
        "params": {"r": 1.41800, "alpha": 35.62069, "s": 0.27258, "beta": 8.63265,
                   "dropout.Gender": 1.53314, "dropout.Channel": -1.70528,
                   "purchase.Gender": 1.42366, "purchase.Channel": 0.40225},
        "llf": -2846.1677,
    },
}


class Unavailable(RuntimeError):
    """A prerequisite (the CLVTools clone, pyreadr or rdata) is missing."""


class Clone:
    """Files of a CLVTools clone, with or without a work tree."""

    def __init__(self, path: str):
        self.path = Path(path)
        if not self.path.exists():
            raise Unavailable(f"CLVTools clone not found at {path!r}; pass the path of a clone of "
                              "https://github.com/bachmannpatrick/CLVTools (bare or not).")
        self._tmp = tempfile.TemporaryDirectory(prefix="clvtools_")
        try:
            self.head = self._git("rev-parse", "HEAD").decode().strip()
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            raise Unavailable(f"{path!r} is not a git clone of CLVTools (git rev-parse failed: {exc}).") from exc

    def _git(self, *args: str) -> bytes:
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True).stdout

    def file(self, rel: str, rev: str = "HEAD") -> Path:
        """A local copy of ``rel`` at ``rev`` (the work-tree file itself at HEAD when there is one)."""
        if rev == "HEAD" and (self.path / rel).is_file():
            return self.path / rel
        out = Path(self._tmp.name) / rev / rel
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                out.write_bytes(self._git("show", f"{rev}:{rel}"))
            except subprocess.CalledProcessError as exc:
                raise Unavailable(f"{rel} at {rev} not found in {self.path}: {exc.stderr.decode().strip()}") from exc
        return out

    def rda(self, name: str, rev: str = "HEAD") -> pd.DataFrame:
        try:
            import pyreadr
        except ImportError as exc:
            raise Unavailable("pyreadr is needed to read CLVTools' .rda data: pip install pyreadr") from exc
        return next(iter(pyreadr.read_r(str(self.file(f"data/{name}.rda", rev))).values()))


# -- reading the data the CLVTools way ------------------------------------------------------------
def summary(trans: pd.DataFrame, estimation_end: pd.Timestamp) -> pd.DataFrame:
    """CLVTools' cbs (x, t.x, T.cal) as custvalue's frequency, recency, T."""
    from custvalue import rfm_summary

    tx = pd.DataFrame({"customer_id": trans["Id"].astype(str), "date": pd.to_datetime(trans["Date"])})
    return rfm_summary(tx, customer_col="customer_id", date_col="date", observation_end=estimation_end)


def split_end(trans: pd.DataFrame, weeks: int) -> pd.Timestamp:
    """``estimation.split = weeks``: the data's first purchase day + 7 * weeks days."""
    return pd.to_datetime(trans["Date"]).min().normalize() + pd.Timedelta(days=7 * weeks)


def with_static(cbs: pd.DataFrame, cov: pd.DataFrame) -> pd.DataFrame:
    z = cov.assign(Id=cov["Id"].astype(str)).set_index("Id")[["Gender", "Channel"]]
    return cbs.join(z, how="left")


# -- fitting and printing ------------------------------------------------------------------------------
ROWS: list[dict] = []


def compare(case: str, res, bound=None, *, ref_key: str) -> None:
    """Side-by-side rows of ``res`` (a custvalue results object) and the CLVTools reference.

    With ``bound`` (the model bound to the same data) and a complete reference parameter set,
    also custvalue's log-likelihood at CLVTools' printed estimates: it equals CLVTools' printed
    LL when the two likelihoods agree, and its gap to custvalue's maximum shows how far from the
    maximum CLVTools' optimiser stopped."""
    ref = REFERENCES[ref_key]
    ours_p = res.params
    ours_se = getattr(res, "bse", None)
    print(f"\n{case}\n  CLVTools: {ref['source']}")
    print(f"  {'parameter':<18}{'custvalue':>14}{'CLVTools':>14}{'|diff|':>11}{'custvalue SE':>14}{'CLVTools SE':>13}")
    for k, v in ref["params"].items():
        ours = float(ours_p[k])
        se = float(ours_se[k]) if ours_se is not None else np.nan
        rse = ref.get("bse", {}).get(k, np.nan)
        d = abs(ours - v)
        print(f"  {k:<18}{ours:>14.6f}{v:>14.6f}{d:>11.2e}{se:>14.5f}{rse:>13.5f}")
        ROWS.append({"case": case, "quantity": k, "custvalue": ours, "CLVTools": v, "abs_diff": d, "se": se})
    d = abs(res.llf - ref["llf"])
    print(f"  {'LL':<18}{res.llf:>14.4f}{ref['llf']:>14.4f}{d:>11.2e}")
    ROWS.append({"case": case, "quantity": "LL", "custvalue": res.llf, "CLVTools": ref["llf"], "abs_diff": d})
    if bound is not None and set(ref["params"]) == set(bound.param_names):
        at = float(bound.loglike(np.array([ref["params"][n] for n in bound.param_names])))
        print(f"  custvalue's LL at CLVTools' printed estimates {at:.4f} (CLVTools prints {ref['llf']:.4f}); "
              f"below custvalue's maximum by {res.llf - at:.1e}")
        again = bound.fit(start_params=np.array([ref["params"][n] for n in bound.param_names]), gtol=1e-9)
        print(f"  custvalue refitted from CLVTools' estimates: max |change| from custvalue's estimates "
              f"{np.max(np.abs(again.params.to_numpy() - res.params.to_numpy())):.1e}, LL {again.llf:.6f}")
        ROWS.append({"case": case, "quantity": "LL at CLVTools' estimates", "custvalue": at,
                     "CLVTools": ref["llf"], "abs_diff": abs(at - ref["llf"]), "gap": res.llf - at})


COVS = ["Gender", "Channel"]


def fit(model_class, data: pd.DataFrame, **kw):
    """``(results, bound model)``: the fit at a tight gradient tolerance and the model bound to
    the data (to evaluate the likelihood at CLVTools' estimates)."""
    bound = model_class(data, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the GGompertz/NBD's boundary warning
        return bound.fit(gtol=1e-9), bound


def part_cdnow(clone: Clone) -> None:
    from custvalue.clv import BetaGeo, GammaGompertzNBD, ParetoNBD

    cd = clone.rda("cdnow")
    cbs = summary(cd, pd.Timestamp("1997-09-30"))
    print(f"\n== CDNOW (CLVTools data/cdnow.rda), estimation end 1997-09-30: {len(cbs)} customers, "
          f"{int(cbs.frequency.sum())} repeat purchase days")
    compare("CDNOW Pareto/NBD, no covariates", *fit(ParetoNBD, cbs), ref_key="cdnow_pnbd")
    compare("CDNOW BG/NBD, no covariates", *fit(BetaGeo, cbs), ref_key="cdnow_bgnbd")
    compare("CDNOW GGompertz/NBD, no covariates (b, beta on the boundary: r, alpha, LL only)",
            *fit(GammaGompertzNBD, cbs), ref_key="cdnow_ggomnbd")


def part_apparel(clone: Clone) -> None:
    from custvalue.clv import ParetoNBD

    trans, cov = clone.rda("apparelTrans"), clone.rda("apparelStaticCov")
    end = split_end(trans, 104)
    cbs = summary(trans, end)
    print(f"\n== apparel (CLVTools {clone.head[:7]} data/), estimation.split = 104 weeks (end {end.date()}): "
          f"{len(cbs)} customers, {int(cbs.frequency.sum())} repeat purchase days")
    compare("apparel Pareto/NBD, no covariates (vignette, 0.12.1)", *fit(ParetoNBD, cbs), ref_key="apparel_pnbd")
    compare("apparel Pareto/NBD, static Gender + Channel on both processes (vignette, 0.12.1)",
            *fit(ParetoNBD, with_static(cbs, cov), purchase_covariates=COVS, dropout_covariates=COVS),
            ref_key="apparel_pnbd_static")


def part_legacy(clone: Clone) -> None:
    from custvalue.clv import ParetoNBD

    trans = clone.rda("apparelTrans", LEGACY_DATA_COMMIT)
    cov = clone.rda("apparelStaticCov", LEGACY_DATA_COMMIT)
    end = split_end(trans, 40)
    cbs = summary(trans, end)
    print(f"\n== legacy apparel (CLVTools {LEGACY_DATA_COMMIT}:data/, the 2020 data), estimation.split = 40 "
          f"weeks (end {end.date()}): {len(cbs)} customers, {int(cbs.frequency.sum())} repeat purchase days")
    compare("legacy apparel Pareto/NBD, no covariates (vignette, 0.7.0-0.10.0)", *fit(ParetoNBD, cbs),
            ref_key="legacy_pnbd")
    res, bound = fit(ParetoNBD, with_static(cbs, cov), purchase_covariates=COVS, dropout_covariates=COVS)
    compare("legacy apparel Pareto/NBD, static covariates (vignette, 0.7.0-0.10.0)", res, bound,
            ref_key="legacy_pnbd_static")
    compare("legacy apparel Pareto/NBD, static covariates (vignette, 0.5.0: the numbers in its prose)", res,
            ref_key="legacy_pnbd_static_050")


# -- time-varying covariates: CLVTools' stored per-customer LL -----------------------------------------
def _rds_object(path: Path):
    try:
        import rdata
    except ImportError as exc:
        raise Unavailable("rdata is needed to read tests/testthat/fitted_dyncov.rds (an S4 object): "
                          "pip install rdata") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Wrong extension .rds for file in RDATA format"
        parsed = rdata.parser.parse_file(path)

    def pairs(x):
        out = []
        while x is not None and x.info.type.name in ("LIST", "ATTRLIST"):
            tag = x.tag
            if tag is not None and tag.info.type.name == "REF":
                tag = tag.referenced_object
            out.append((tag.value.value.decode() if tag is not None else None, x.value[0]))
            x = x.value[1] if len(x.value) > 1 else None
            if x is not None and x.info.type.name == "NILVALUE":
                break
        return out

    def attrs(o):
        return dict(pairs(o.attributes)) if o.attributes is not None else {}

    def strings(o):
        return [None if e.value is None else e.value.decode() for e in o.value]

    def convert(o):
        t = o.info.type.name
        if t in ("REAL", "INT", "LGL"):
            a = attrs(o)
            v = np.asarray(o.value)
            return pd.Series(v, index=strings(a["names"])) if "names" in a else v
        if t == "STR":
            return strings(o)
        if t == "VEC":
            a = attrs(o)
            cols = [convert(e) for e in o.value]
            return pd.DataFrame(dict(zip(strings(a["names"]), cols))) if "names" in a else cols
        return o

    fitted = pairs(parsed.object)[0][1]
    slots = attrs(fitted)
    data = attrs(slots["clv.data"])
    return {
        "LL.data": convert(slots["LL.data"]),
        "cbs": convert(slots["cbs"]),
        "optimx": convert(slots["optimx.estimation.output"]),
        "transactions": convert(data["data.transactions"]),
        "cov.life": convert(data["data.cov.life"]),
        "cov.trans": convert(data["data.cov.trans"]),
        "names.life": convert(data["names.cov.data.life"]),
        "names.trans": convert(data["names.cov.data.trans"]),
        "estimation.end": convert(attrs(data["clv.time"])["timepoint.estimation.end"])[0],
    }


def part_dyncov(clone: Clone) -> None:
    from custvalue.clv import ParetoNBDTimeVarying
    from custvalue.math import paretonbd_tv as kernel

    obj = _rds_object(clone.file("tests/testthat/fitted_dyncov.rds"))
    day = lambda v: pd.to_datetime(np.asarray(v, dtype=float), unit="D")  # noqa: E731 - R Dates are days
    life, trans = list(obj["names.life"]), list(obj["names.trans"])
    cl, ct = obj["cov.life"], obj["cov.trans"]
    if not (np.array_equal(cl[["Id", "Cov.Date"]].to_numpy(), ct[["Id", "Cov.Date"]].to_numpy())):
        raise SystemExit("fitted_dyncov.rds: the life and trans covariate frames have different rows")
    cov = pd.DataFrame({"customer_id": cl["Id"], "period": day(cl["Cov.Date"])})
    for c in life:
        cov[f"life.{c}"] = cl[c].to_numpy()
    for c in trans:
        cov[f"trans.{c}"] = ct[c].to_numpy()
    tx = pd.DataFrame({"customer_id": obj["transactions"]["Id"], "date": day(obj["transactions"]["Date"])})
    o = obj["optimx"]
    params = np.r_[np.exp(o[["log.r", "log.alpha", "log.s", "log.beta"]].to_numpy()[0]),
                   o[[f"trans.{c}" for c in trans]].to_numpy()[0], o[[f"life.{c}" for c in life]].to_numpy()[0]]
    end = day([obj["estimation.end"]])[0]
    m = ParetoNBDTimeVarying(tx, cov, purchase_covariates=[f"trans.{c}" for c in trans],
                             dropout_covariates=[f"life.{c}" for c in life], calibration_end=end)
    ours = pd.Series(m.loglike_obs(params), index=m.index.astype(str))
    ref = obj["LL.data"].assign(Id=lambda d: d["Id"].astype(str)).set_index("Id")
    ref = ref.reindex(ours.index)
    cbs = obj["cbs"].assign(Id=lambda d: d["Id"].astype(str)).set_index("Id").reindex(ours.index)
    d = (ours - ref["LL"]).abs()
    # the integrated multipliers and the purchase-covariate sums: CLVTools' Bksum, DkT, log(Akprod)
    r, alpha, s, beta, gp, gd = m._split(params)
    _, A_T, C_T = kernel.state_at_T(r, alpha, s, beta, gp, gd, *m._arrays(with_sums=False))
    parts = {"A(T) vs Bksum": np.abs(A_T - ref["Bksum"].to_numpy()),
             "C(T) vs DkT": np.abs(C_T - ref["DkT"].to_numpy()),
             "sum z_p(t_j)'g_p vs log Akprod": np.abs(m._sum_zp @ gp - np.log(ref["Akprod"].to_numpy()))}
    print(f"\n== time-varying covariates: CLVTools tests/testthat/fitted_dyncov.rds (LL.data), "
          f"{len(ours)} customers, {int(cbs['x'].sum())} repeat purchases, T = {cbs['T.cal'].iloc[0]:g} weeks")
    print("  parameters: " + ", ".join(f"{n}={v:.6g}" for n, v in zip(m.param_names, params)))
    print(f"  same x as CLVTools' cbs: {bool(np.array_equal(m._x, cbs['x'].to_numpy()))}; "
          f"max |t_x - t.x| = {np.max(np.abs(m._t_x - cbs['t.x'].to_numpy())):.1e}")
    for k, v in parts.items():
        print(f"  max |{k}| = {v.max():.2e}")
    print(f"  sum LL: custvalue {ours.sum():.6f}, CLVTools {ref['LL'].sum():.6f} (optimx value "
          f"{-float(o['value'].iloc[0]):.6f})")
    big = d > 1e-6
    print(f"  per-customer |LL difference|: max {d.max():.2e}, {int((~big).sum())} of {len(d)} within 1e-6 "
          f"(max among them {d[~big].max():.2e})")
    ROWS.append({"case": "time-varying Pareto/NBD, per-customer LL (fitted_dyncov.rds)",
                 "quantity": "max |LL diff|, customers within 1e-6", "custvalue": float(d[~big].max()),
                 "CLVTools": float((~big).sum()), "abs_diff": float(d[~big].max())})
    for cid in d.index[big]:
        # CLVTools adds its dropout term F2 to the alive term F3 in absolute scale; for a heavy
        # buyer the 2F1 terms divided by alpha^(r+s+x) underflow to 0 and only F3 is left.
        alive_only = float(ref.loc[cid, "log_F0"] + ref.loc[cid, "log_F3"])
        p_alive = kernel.p_alive(r, alpha, s, beta, gp, gd, *m._arrays(with_sums=False))[list(ours.index).index(cid)]
        print(f"  customer {cid}: x = {int(cbs.loc[cid, 'x'])}, custvalue {ours[cid]:.10f}, CLVTools "
              f"{ref.loc[cid, 'LL']:.10f} (diff {ours[cid] - ref.loc[cid, 'LL']:.3e}); CLVTools' F2 (the dropout "
              f"term) = {ref.loc[cid, 'Z']:g}, so its LL is log F0 + log F3 = {alive_only:.10f}; custvalue + log "
              f"P(alive) = {ours[cid] + np.log(p_alive):.10f} (the same alive-only term)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clvtools", help="path of a CLVTools clone (bare or with a work tree)")
    ap.add_argument("--skip-legacy", action="store_true", help="skip the 2020 apparel data (needs git history)")
    ap.add_argument("--skip-dyncov", action="store_true", help="skip the time-varying LL check (needs rdata)")
    ap.add_argument("--csv", help="also write the comparison rows to this CSV file")
    args = ap.parse_args(argv)
    try:
        clone = Clone(args.clvtools)
        print(f"CLVTools clone {args.clvtools} at {clone.head[:12]}; load {os.getloadavg()[0]:.1f}")
        parts = [part_cdnow, part_apparel]
        if not args.skip_legacy:
            parts.append(part_legacy)
        if not args.skip_dyncov:
            parts.append(part_dyncov)
        for part in parts:
            part(clone)
    except Unavailable as exc:
        print(f"compare_clvtools: {exc}", file=sys.stderr)
        return 2
    table = pd.DataFrame(ROWS)
    print("\n== summary (estimates: max |diff| and max |diff| / custvalue's SE; LL: at each one's optimum, and "
          "custvalue's LL at CLVTools' printed estimates against CLVTools' printed LL)")
    print(f"  {'case':<62}{'max|d est|':>11}{'max|d|/SE':>10}{'|d LL|':>9}{'|d LL| at theirs':>17}{'gap':>9}")
    est = table[~table["case"].str.startswith("time-varying")]
    for case, g in est.groupby("case", sort=False):
        p = g[~g["quantity"].str.startswith("LL")]
        at = g[g["quantity"] == "LL at CLVTools' estimates"]
        print(f"  {case[:61]:<62}{p['abs_diff'].max():>11.1e}{(p['abs_diff'] / p['se']).max():>10.3f}"
              f"{float(g.loc[g['quantity'] == 'LL', 'abs_diff'].iloc[0]):>9.1e}"
              + (f"{float(at['abs_diff'].iloc[0]):>17.1e}{float(at['gap'].iloc[0]):>9.1e}" if len(at) else ""))
    tv = table[table["case"].str.startswith("time-varying")]
    for _, row in tv.iterrows():
        print(f"  {row['case']}: {int(row['CLVTools'])} customers within 1e-6 (max {row['custvalue']:.1e})")
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
