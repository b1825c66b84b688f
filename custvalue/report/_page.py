"""The HTML page of the report: what was done, then each section with a plain-language reading."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..rfm import TIME_UNITS
from . import _figures as figs
from . import _html as H
from ._choose import auto_ranks
from ._inputs import Periods
from ._spec import AUTO_CRITERIA, FHL2005, LOST_AFTER_MONTHS, MODELS, N_DRAWS, SEED, STATES
from ._spec import iso as _iso


def _param_table(res: Any, label: str) -> str:
    ci = res.conf_int(0.95)
    t = pd.DataFrame({"estimate": res.params, "std_err": res.bse, "lower": ci.iloc[:, 0], "upper": ci.iloc[:, 1]})
    cap = (f"{label}: {res.nobs:,.0f} customers, log-likelihood {res.llf:,.2f}, AIC {res.aic:,.2f}, "
           f"BIC {res.bic:,.2f}, {'converged' if res.converged else 'NOT converged'}")
    return H.table(t, {"estimate": H.fmt_num, "std_err": H.fmt_num, "lower": H.fmt_num, "upper": H.fmt_num},
                   headers={"std_err": "std. error", "lower": "95% CI lower", "upper": "95% CI upper"},
                   index_header="parameter", caption=cap)


def _criteria_words(comp: pd.DataFrame) -> str:
    used = [AUTO_CRITERIA[k] for k in AUTO_CRITERIA if k in comp]
    return ", ".join(used[:-1]) + " and " + used[-1]


def render(c: dict[str, Any]) -> str:  # noqa: C901 - one linear page, section by section
    p: Periods = c["periods"]
    freq, unit_w = c["freq"], figs.UNIT_WORDS[c["freq"]]
    cur = c["currency"]
    money = (lambda v: f"{cur} {v:,.2f}") if cur else (lambda v: f"{v:,.2f}")
    scores, cal = c["scores"], c["cal"]
    n, chosen = len(scores), c["chosen"]
    cal_end, obs_end = p.calibration_end, p.observation_end
    body = ["<h1>Customer value report</h1>"]
    neg = int(c["negative"].sum())
    read = ("the date column already held dates" if p.date_format is None else
            "dates were read as ISO 8601 (YYYY-MM-DD)" if p.date_format == "ISO8601" else
            f"dates were read with the format {p.date_format}")
    body.append(
        f"<p>Data: {H.esc(c['source'])}. {len(c['work']):,} rows"
        + (f" ({neg:,} of them returns)" if neg else "")
        + f"; {n:,} customers with a purchase up to the observation end. Purchases run from {_iso(p.first)} "
        f"to {_iso(p.last)}; {H.esc(read)}.</p>")

    # what was done
    done = []
    if cal_end is not None:
        cal_len = (cal_end - p.first).days + 1
        hold = float(cal["duration_holdout"].iloc[0])
        done.append(f"<li><b>Calibration.</b> The purchase model's and the spend model's parameters were estimated "
                    f"on the purchases from {_iso(p.first)} to {_iso(cal_end)} only (the calibration period, "
                    f"{cal_len / TIME_UNITS[freq]:.1f} {unit_w}; {len(cal):,} customers). The purchases from "
                    f"{_iso(cal_end + pd.Timedelta(days=1))} to {_iso(obs_end)} (the holdout, {hold:.1f} {unit_w}) "
                    "were kept back to check the forecasts.</li>")
    else:
        done.append(f"<li><b>Calibration.</b> The parameters were estimated on every purchase up to {_iso(obs_end)}; "
                    "there is no holdout period, so the forecasts are not checked on later data (give "
                    "--calibration-end to keep a holdout back).</li>")
    done.append(f"<li><b>Scoring.</b> Every customer is scored at the observation end, {_iso(obs_end)}, from their "
                "whole purchase history up to then, with the parameters from the calibration period (not refitted)."
                "</li>")
    ref = next(v[2] for v in MODELS.values() if v[0] == chosen)
    pick = (f" It was chosen among {', '.join(c['fits'])} by {c['rule']} (--model auto)." if c["model"] == "auto"
            else " Other models: --model mbgnbd, pnbd, or auto to compare all three.")
    done.append(f"<li><b>Models.</b> Purchases: the {chosen} model ({H.esc(ref)}).{pick} Spend per purchase: the "
                "Gamma-Gamma model (Fader, Hardie &amp; Lee 2005, &quot;RFM and CLV&quot;), fitted on the mean value "
                "of each customer's repeat purchases.</li>")
    done.append(f"<li><b>Value.</b> CLV = expected purchases over the next {c['horizon']} months &times; expected "
                f"spend per purchase &times; margin {c['margin']:g}"
                + (" (revenue: --margin sets the share kept as profit)" if c["margin"] == 1 else "")
                + f", discounted at {c['discount_rate']:.2%} a month.</li>")
    if c["opts"]["interval"] is not None:
        how = ("the delta method on the logit scale for P(alive) and the log scale otherwise"
               if c["opts"]["interval"] == "delta" else
               f"the quantiles of the predictions over {N_DRAWS} draws of the parameters from their estimated "
               f"sampling distribution (seed {SEED})")
        done.append(f"<li><b>Intervals.</b> {c['opts']['level']:.0%} intervals from the sampling uncertainty of the "
                    f"fitted parameters ({how}): for P(alive), expected purchases and CLV in scores.csv (the CLV "
                    "intervals count the Gamma-Gamma parameters too) and as a band around the forecast in the "
                    "tracking plot. They say how sure the expected values are, not how much a customer's actual "
                    "purchases vary around them "
                    "(--interval simulate draws the parameters instead; --interval none leaves them out; --level sets "
                    "the level).</li>")
    done.append(f"<li><b>Time.</b> The models count time in {unit_w} (--freq: D = days, W = weeks, M = months of "
                "365.25/12 days); purchases on the same day count as one transaction.</li>")
    if c["bundled"]:
        fhl = ", ".join(f"{k} = {v:g}" for k, v in FHL2005.items())
        bg = c["fits"].get("BG/NBD")
        mine = (", ".join(f"{k} = {v:.3f}" for k, v in bg.params.items()) if bg is not None else "")
        done.append("<li><b>Why these numbers differ from Fader, Hardie &amp; Lee (2005).</b> Their BG/NBD "
                    f"estimates ({fhl}) come from the 1/10 sample of 2,357 customers; this report fits the full log "
                    "of 23,570 customers"
                    + (f" (BG/NBD here: {mine})" if mine else "")
                    + ". custvalue.datasets.load_cdnow_summary() holds their sample and reproduces their numbers."
                    "</li>")
    body.append("<h2>What was done</h2><ul>" + H.options("".join(done)) + "</ul>")
    for m in c["notes"]:
        body.append(H.note("Note: " + m))
    if c["zero_spend"].any() or c["no_spend_now"].any():
        body.append(H.note(f"Note: {H.plural(int(c['zero_spend'].sum()), 'calibration repeat buyer')} whose "
                           "repeat purchases total 0 were left out of the Gamma-Gamma fit; "
                           f"{H.plural(int(c['no_spend_now'].sum()), 'customer')} with repeat purchases totalling "
                           "0 at the observation end are scored with the population mean spend."))

    # model fit and forecasts
    comp = c["comparison"]
    body.append("<h2>Model fit and forecast check</h2>")
    cols = {"n_params": H.fmt_int, "llf": H.fmt_num, "aic": H.fmt_num, "bic": H.fmt_num,
            "histogram_chi2": H.fmt_num, "histogram_p_value": lambda v: f"{float(v):.3g}"}
    heads = {"n_params": "parameters", "llf": "log-likelihood", "aic": "AIC", "bic": "BIC",
             "histogram_chi2": "histogram chi-square", "histogram_p_value": "its p-value",
             "holdout_mae": "holdout MAE", "holdout_rmse": "holdout RMSE",
             "holdout_predicted": "holdout: predicted", "holdout_actual": "holdout: actual",
             "tracking_mape": "tracking error", "rank_sum": "sum of ranks"}
    if "holdout_mae" in comp:
        cols.update(holdout_mae=H.fmt_prob, holdout_rmse=H.fmt_prob, holdout_predicted=H.fmt_int,
                    holdout_actual=H.fmt_int)
    if "tracking_mape" in comp:
        cols["tracking_mape"] = lambda v: f"{float(v):.1f}%"
    shown = comp
    if c["model"] == "auto":
        shown = comp.assign(rank_sum=auto_ranks(comp)["rank_sum"])
        cols["rank_sum"] = H.fmt_int
    body.append(H.table(shown, cols, headers=heads, index_header="model",
                        caption="Fit on the calibration period and forecasts of the holdout"))
    expl = ("Log-likelihood, AIC = 2k - 2LL and BIC = k ln(n) - 2LL measure the fit to the calibration data "
            "(lower AIC and BIC are better); so does the chi-square of the repeat-purchase histogram, Pearson's "
            "sum over the customers with 0, 1, ..., 6 and 7 or more repeat purchases of (actual - expected)^2 / "
            "expected, with its p-value on 7 - k degrees of freedom (Fader, Hardie & Lee 2005). ")
    if "holdout_mae" in comp:
        r = comp.loc[chosen]
        off = (r["holdout_predicted"] - r["holdout_actual"]) / max(r["holdout_actual"], 1)
        expl += (f"Holdout MAE and RMSE are the mean absolute and root mean squared errors of each customer's "
                 f"forecast number of holdout purchases; the tracking error is the mean absolute percentage error "
                 f"of the cumulative repeat transactions over the holdout {unit_w}. The {chosen} model predicted "
                 f"{r['holdout_predicted']:,.0f} repeat purchases in the holdout for the calibration customers, who "
                 f"made {r['holdout_actual']:,.0f} ({off:+.1%}); per customer its forecast is off by "
                 f"{r['holdout_mae']:.2f} purchases on average.")
    else:
        expl += "The tracking error compares the model's cumulative repeat transactions with the actual ones in-sample."
    if c["model"] == "auto":
        expl += (f" The rule of --model auto: rank the models on {_criteria_words(comp)} (rank 1 = lowest, ties "
                 "share the better rank), add each model's ranks (the sum of ranks column) and take the smallest "
                 f"sum, ties going to the lower AIC; it picked the {chosen} model.")
    body.append(H.reading(expl))
    for name, fit in c["fits"].items():
        body.append(_param_table(fit, name))
    body.append(_param_table(c["gg"], "Gamma-Gamma"))
    body.append("<h3>Tracking: cumulative repeat transactions</h3>" + H.image(c["images"]["tracking"], "tracking plot"))
    track = ("The solid line counts the repeat transactions that happened; the dashed line is what the model "
             "expects for the same customers from their first purchase on"
             + (", with the parameters of the calibration period only: to the right of the dotted line it is a "
                "forecast." if cal_end is not None else "."))
    band = c["band"]
    if band is not None:
        last = band.iloc[-1]
        track += (f" The shaded band is the {band.attrs['level']:.0%} interval of that expected count from the "
                  f"uncertainty of the fitted parameters: by the observation end the model expects "
                  f"{last['estimate']:,.0f} repeat transactions ({last['lower']:,.0f} to {last['upper']:,.0f})")
        track += (f"; {c['actual_end']:,.0f} happened. Its width is how well the {len(c['cal']):,} customers of "
                  "the calibration period pin the parameters down; it leaves out that the count itself is random "
                  "(each customer's purchases vary around their expectation).")
    body.append(H.reading(track))

    # P(alive) and states
    body.append("<h2>Who is still active: P(alive) and customer states</h2>")
    body.append(H.image(c["images"]["p_alive"], "P(alive) by frequency and recency"))
    one_time = scores["frequency"] == 0
    pa_text = ("The chart shows the probability that a customer is still active (P(alive)) by the number of "
               "repeat purchases (frequency) and the age at the last one (recency): customers who bought often "
               "but not lately are the most likely to have left. ")
    if chosen == "BG/NBD":
        pa_text += (f"One-time buyers ({int(one_time.sum()):,} customers, {one_time.mean():.1%}) get P(alive) = 1 "
                    "under the BG/NBD: in that model a customer can drop out only just after a repeat purchase, so "
                    "someone who never came back has had no occasion to drop out (FHL 2005, eq. 13). They count as "
                    "active below, which overstates the active base; the MBG/NBD (--model mbgnbd) and Pareto/NBD "
                    "(--model pnbd) let them drop out.")
    else:
        pa_text += (f"Unlike the BG/NBD, the {chosen} lets customers without a repeat purchase drop out: the "
                    f"{int(one_time.sum()):,} one-time buyers have a median P(alive) of "
                    f"{scores.loc[one_time, 'p_alive'].median() if one_time.any() else float('nan'):.2f}.")
    body.append(H.reading(pa_text))
    o = c["opts"]
    st = c["states_tab"]
    body.append(H.table(st, {"customers": H.fmt_int, "customer_share": H.fmt_pct, "clv": H.fmt_money,
                             "clv_share": H.fmt_pct, "mean_p_alive": H.fmt_prob},
                        headers={"customer_share": "% of customers", "clv": f"CLV{' (' + cur + ')' if cur else ''}",
                                 "clv_share": "% of CLV", "mean_p_alive": "mean P(alive)"},
                        index_header="state",
                        caption=f"Customer states: active P(alive) >= {o['active_threshold']:g}, at risk in between, "
                                f"lapsed P(alive) < {o['lapsed_threshold']:g}"))
    parts = [f"{st.at[s, 'customers']:,} customers ({st.at[s, 'customer_share']:.1%}) are {s}, holding "
             f"{st.at[s, 'clv_share']:.1%} of the expected value" for s in STATES]
    body.append(H.reading("; ".join(parts) + ". The thresholds are a reading aid, not estimates: change them with "
                          "--active-threshold and --lapsed-threshold."))
    cross = c["cross"]
    if "current" in cross.columns:
        cur_share = cross["current"] / cross.sum(axis=1).replace(0, np.nan)
        body.append(H.table(cross.assign(share=cur_share), {**{k: H.fmt_int for k in cross.columns},
                                                           "share": H.fmt_pct},
                            headers={"share": "% current"}, index_header="model state",
                            caption=f"Model states against the seed's recency rule (current: a purchase in the "
                                    f"last {LOST_AFTER_MONTHS} calendar months; lost: none)"))
        body.append(H.reading(
            "The seed text's rule calls a customer current while they keep buying and lost after a gap; the model "
            "weighs the gap against each customer's own buying rate. "
            + "; ".join(f"{cur_share[s]:.0%} of the {s} customers bought in the last {LOST_AFTER_MONTHS} months"
                        for s in STATES if np.isfinite(cur_share[s])) + "."))

    # CLV
    clv = scores["clv"]
    body.append(f"<h2>Customer lifetime value over the next {c['horizon']} months</h2>")
    body.append(H.image(c["images"]["clv"], "distribution of CLV"))
    body.append(H.reading(
        f"The {n:,} customers are expected to bring {money(c['total_clv'])} in the next {c['horizon']} months "
        f"(discounted). The median customer is worth {money(clv.median())} and the mean {money(clv.mean())}: a few "
        f"customers are worth much more than the typical one (the top 1% start at {money(clv.quantile(0.99))}). "
        "The histogram leaves out the customers who have almost surely left (CLV below 0.01) and the top 0.5%, as "
        "its title says; their values are in scores.csv."))

    # tiers and concentration
    pyr, conc = c["pyr"], c["conc"]
    t = pyr.table
    body.append("<h2>Value tiers (customer pyramid) and concentration</h2>")
    body.append(H.table(t, {"n_customers": H.fmt_int, "customer_share": H.fmt_pct, "total_value": H.fmt_money,
                            "value_share": H.fmt_pct, "mean_value": H.fmt_money,
                            "cumulative_value_share": H.fmt_pct},
                        headers={"n_customers": "customers", "customer_share": "% of customers",
                                 "total_value": f"CLV{' (' + cur + ')' if cur else ''}", "value_share": "% of CLV",
                                 "mean_value": "mean CLV", "cumulative_value_share": "cumulative % of CLV"},
                        index_header="tier", caption="Customer pyramid by CLV (seed 001: top 1%, next 19%, 30%, 50%)"))
    body.append(H.image(c["images"]["pyramid"], "customer pyramid"))
    body.append(H.image(c["images"]["lorenz"], "Lorenz curve of CLV"))
    top20 = conc.top_shares[20.0]
    body.append(H.reading(
        f"The top 1% of customers ({t['n_customers'].iloc[0]:,} important customers) hold "
        f"{t['value_share'].iloc[0]:.1%} of the total CLV; the top 20%, the seed's key customers (important and "
        f"secondary), hold {top20:.1%}, against the 80% of the rule of thumb. The bottom 50% (small customers) hold "
        f"{t['value_share'].iloc[-1]:.1%}. The Gini coefficient is {conc.gini:.2f} (0: everyone worth the same, "
        "1: one customer holds everything)."))

    # churn and win-back
    tp, wb = c["tier_policy"], c["winback"]
    var_total = float(tp["value_at_risk"].sum())
    body.append("<h2>Churn value at risk and win-back</h2>")
    tp_show = tp.assign(clv_if_active=c["risk"].groupby("tier", observed=False)["value"].sum())
    body.append(H.table(tp_show, {"n_customers": H.fmt_int, "clv_if_active": H.fmt_money,
                                  "value_at_risk": H.fmt_money, "n_worth_contacting": H.fmt_int,
                                  "expected_net_value": H.fmt_money, "share_worth_winning_back": H.fmt_pct,
                                  "policy": H.fmt_text},
                        headers={"n_customers": "customers", "clv_if_active": "CLV if active",
                                 "value_at_risk": "value at risk", "n_worth_contacting": "worth contacting now",
                                 "expected_net_value": "expected net value of contacting them",
                                 "share_worth_winning_back": "% worth winning back if lost", "policy": "policy"},
                        index_header="tier",
                        caption=f"By value tier, at a response rate of {o['winback_response_rate']:.0%} and a "
                                f"contact cost of {money(o['winback_cost'])}"))
    body.append(H.image(c["images"]["risk"], "value at risk by tier"))
    key = tp["value_at_risk"].iloc[:2].sum() / var_total if var_total > 0 else float("nan")
    policies = "; ".join(f"{tier}: {pol}" for tier, pol in tp["policy"].items())
    body.append(H.reading(
        "A customer's CLV if active is their CLV divided by P(alive) (the models' forecasts are P(alive) times the "
        "forecast for an active customer); the value at risk is (1 - P(alive)) times it, the value lost if the "
        f"customers who have probably left stay away: {money(var_total)} in all, {key:.1%} of it with the key "
        f"customers (important and secondary). A contact wins back a lost customer with the assumed response rate "
        f"({o['winback_response_rate']:.0%}) at the assumed cost ({money(o['winback_cost'])}; change both with "
        "--winback-response-rate and --winback-cost); contacting a customer is worth it when the response rate times "
        "the value at risk exceeds the cost. The seed's policy per tier follows from the share of the tier's "
        f"customers worth winning back if lost: {policies}."))
    body.append(f"<h3>Win-back list (winback.csv: {len(wb):,} customers)</h3>")
    if len(wb):
        top = wb.head(10).set_index("rank")
        body.append(H.table(top, {"tier": H.fmt_text, "state": H.fmt_text, "p_alive": H.fmt_prob, "clv": H.fmt_money,
                                  "clv_if_active": H.fmt_money, "value_at_risk": H.fmt_money,
                                  "expected_net_value": H.fmt_money, "purchases": H.fmt_int,
                                  "last_purchase": H.fmt_text},
                            headers={"p_alive": "P(alive)", "clv": "CLV", "clv_if_active": "CLV if active",
                                     "value_at_risk": "value at risk", "expected_net_value": "expected net value",
                                     "last_purchase": "last purchase"},
                            index_header="rank", caption="The first 10"))
        body.append(H.reading(
            f"These are the at-risk and lapsed customers whose expected net value of a contact is positive, ranked by "
            f"it: {len(wb):,} customers, {money(float(wb['expected_net_value'].sum()))} of expected net value in "
            "all (their ids are in winback.csv). The tier is by CLV, which already counts the chance that the "
            "customer has left: a heavy buyer who has probably left sits in a low tier, yet is worth much if won "
            "back (CLV if active)."))
    else:
        body.append(H.reading("No at-risk or lapsed customer is worth contacting at the assumed response rate and "
                              "cost."))

    body.append("<h2>Files</h2><ul>"
                "<li>scores.csv: one row per customer: frequency, recency and T (in " + unit_w + "), monetary_value "
                "(mean repeat purchase), expected_purchases (next " + str(c["horizon"]) + " months), p_alive, state, "
                "expected_spend, clv, clv_if_active, value_tier"
                + ("; beside p_alive, expected_purchases and clv their intervals' bounds (p_alive_lower, "
                   "p_alive_upper, ...)" if c["opts"]["interval"] is not None else "") + ".</li>"
                "<li>params.csv: estimates and standard errors of every fitted model.</li>"
                "<li>model_comparison.csv: the fit and forecast table above.</li>"
                "<li>tiers.csv: the value tiers with their value at risk and win-back policy.</li>"
                "<li>winback.csv: the ranked win-back list.</li></ul>")
    body.append("<p class='small'>Made by custvalue " + H.esc(_version()) + ". Self-contained: no scripts, nothing "
                "fetched from the network.</p>")
    return H.page("custvalue customer value report", body)


def _version() -> str:
    from .. import __version__

    return __version__
