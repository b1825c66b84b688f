"""Small valid inputs and fitted results shared by the catalogue (cached: results are
immutable, and every factory returns a fresh copy of mutable data)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

N_CUSTOMERS = 200


@cache
def _cdnow() -> pd.DataFrame:
    from custvalue.datasets import load_cdnow_summary

    d = load_cdnow_summary().iloc[:N_CUSTOMERS].copy()
    d.index = pd.Index([f"c{i:03d}" for i in range(len(d))], name="customer_id")
    return d


def cdnow(n: int | None = None) -> pd.DataFrame:
    """The first customers of the CDNOW sample with labels c000, c001... (a fresh copy)."""
    d = _cdnow()
    return (d if n is None else d.iloc[:n]).copy()


def rft(n: int = 8) -> dict:
    """frequency/recency/T keyword Series of a few customers (labelled)."""
    d = cdnow(n)
    return {"frequency": d["frequency"], "recency": d["recency"], "T": d["T"]}


@cache
def fitted(name: str):
    """Fitted results on the small CDNOW sample (donations for BG/BB, FH 2007 for sBG)."""
    from custvalue import clv

    if name == "bgbb":
        from custvalue.datasets import load_donations

        d = load_donations()
        return clv.BetaGeoBetaBinom().fit(d, weights=d["weights"])
    if name == "sbg":
        return clv.ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    model = {"bg": clv.BetaGeo, "pnbd": clv.ParetoNBD, "mbg": clv.ModifiedBetaGeo,
             "gg": clv.GammaGamma}[name]
    return model().fit(cdnow())


def donations() -> pd.DataFrame:
    from custvalue.datasets import load_donations

    d = load_donations()
    d.index = pd.Index([f"g{i:02d}" for i in range(len(d))], name="customer_id")
    return d


def transactions(n_customers: int = 30) -> pd.DataFrame:
    """A small transaction log with ISO dates (customer_id, date, amount)."""
    from custvalue.datasets import load_cdnow_sample_transactions

    tx = load_cdnow_sample_transactions()
    keep = tx["customer_id"].isin(tx["customer_id"].unique()[:n_customers])
    return tx.loc[keep].reset_index(drop=True)


def state_panel() -> pd.DataFrame:
    """A long panel of customer states (customer_id, period, state)."""
    return pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        "period": [1, 2, 3, 1, 2, 3, 1, 2, 3],
        "state": ["current", "current", "lost", "current", "lost", "lost", "lost", "current", "current"],
    })


def wide_state_panel() -> pd.DataFrame:
    """Customers x periods of states (the shape customer_states returns)."""
    return pd.DataFrame({1: ["current", "current", "lost"], 2: ["current", "lost", "current"],
                         3: ["lost", "lost", "current"]},
                        index=pd.Index([1, 2, 3], name="customer_id"))


@cache
def transition_results():
    from custvalue.clv import estimate_transition_matrix

    return estimate_transition_matrix(state_panel(), customer_col="customer_id", period="period",
                                      state="state")


def survey(n: int = 120, seed: int = 1) -> pd.DataFrame:
    from custvalue.simulate.loyalty import simulate_loyalty_survey

    return simulate_loyalty_survey(n, seed=seed)


def regression_data(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"sat": rng.normal(size=n), "sc": rng.normal(size=n)},
                     index=pd.Index([f"r{i:03d}" for i in range(n)], name="respondent"))
    d["loy"] = 1 + 0.5 * d["sat"] + 0.2 * d["sc"] - 0.3 * d["sat"] * d["sc"] + rng.normal(size=n)
    d["rep"] = (d["loy"] > 1).astype(int)
    return d


def choice_panel(n: int = 40, occasions: int = 4, brands: int = 3, seed: int = 1) -> pd.DataFrame:
    from custvalue.simulate import simulate_choice_panel

    return simulate_choice_panel(n, occasions, brands=brands, seed=seed)


def potential_base(n: int = 150, products: int = 2, seed: int = 1):
    from custvalue.simulate.potential import simulate_potential_base

    return simulate_potential_base(n, n_products=products, seed=seed)
