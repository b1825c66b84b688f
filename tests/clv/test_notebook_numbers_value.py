"""The numbers quoted in notebooks/01_customer_value_beyond_npv.ipynb (full run, n = 10,000),
recomputed with the same calls (the potential-value part is checked at the same seed)."""

import numpy as np
import pytest

from custvalue.clv import BetaGeo, GammaGamma, customer_value_table
from custvalue.simulate import simulate_betageo


@pytest.fixture(scope="module")
def table():
    n = 10000
    rng = np.random.default_rng(1)
    base = simulate_betageo(n, r=0.25, alpha=4.0, a=0.8, b=2.5, T=rng.uniform(26, 52, n),
                            p=6.0, q=4.0, gamma=15.0, seed=rng)
    bg = BetaGeo().fit(base)
    gg = GammaGamma().fit(base)
    weekly = float(np.expm1(np.log(1.10) / 52))
    t = customer_value_table(bg, gg, base, discount_rate=weekly, margin=0.3, horizon=260)
    return t.assign(frequency=base["frequency"])


def _top(s, q=0.2):
    return set(s.sort_values(ascending=False).index[: int(q * len(s))])


def test_sales_versus_npv(table):
    assert round(table["sales_contribution"].corr(table["npv"], method="spearman"), 2) == 0.63
    a, b = _top(table["sales_contribution"]), _top(table["npv"])
    assert round(len(a & b) / len(a), 2) == 0.76


def test_elasticities_by_frequency(table):
    g = table.groupby(np.minimum(table["frequency"], 6))[["purchase_elasticity", "lifetime_elasticity"]].mean()
    assert round(g.loc[1, "lifetime_elasticity"], 2) == 0.73
    assert round(g.loc[6, "lifetime_elasticity"], 2) == 0.18
    assert (np.diff(g.loc[1:, "lifetime_elasticity"].to_numpy()) < 0).all()   # falls steadily
    assert round(g.loc[0, "purchase_elasticity"], 2) == 0.07
    assert (g.loc[1:, "purchase_elasticity"] < 0).all()
