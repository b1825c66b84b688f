"""Segmentation: the customer pyramid, value concentration, RFM, customer states, churn risk.

*CRM theory* (客户关系管理理论): key customers (top 20%, said to bring ~80% of profit) split into
important (top 1%) and secondary (next 19%), then ordinary (30%) and small (50%) customers.
"""

from .concentration import (Concentration, abc_classes, concentration_summary, gini, lorenz_curve, plot_lorenz,
                            top_share)
from .pyramid import (DEFAULT_CUT_POINTS, DEFAULT_LABELS, PyramidSummary, customer_pyramid,
                      plot_pyramid, pyramid_summary)
from .churn import POLICY_THRESHOLDS, churn_value_at_risk, winback_campaign
from .states import CUSTOMER_STATES, customer_states, migration, project_state_mix, state_mix
from .key_customers import DEFAULT_WEIGHTS, WeightSensitivity, key_customer_score, weight_sensitivity
from .trust import TrustSatisfactionComparison, roc_auc, trust_vs_satisfaction
from .upgrade import tier_transitions, upgrade_value
from .rfm_scores import RFM_SEGMENT_MAP, quantile_scores, rfm_scores, rfm_segments

__all__ = [
    "customer_pyramid",
    "pyramid_summary",
    "PyramidSummary",
    "plot_pyramid",
    "DEFAULT_CUT_POINTS",
    "DEFAULT_LABELS",
    "lorenz_curve",
    "gini",
    "top_share",
    "abc_classes",
    "plot_lorenz",
    "concentration_summary",
    "Concentration",
    "rfm_scores",
    "rfm_segments",
    "quantile_scores",
    "RFM_SEGMENT_MAP",
    "churn_value_at_risk",
    "winback_campaign",
    "POLICY_THRESHOLDS",
    "CUSTOMER_STATES",
    "customer_states",
    "state_mix",
    "migration",
    "project_state_mix",
    "DEFAULT_WEIGHTS",
    "key_customer_score",
    "weight_sensitivity",
    "WeightSensitivity",
    "roc_auc",
    "trust_vs_satisfaction",
    "TrustSatisfactionComparison",
    "tier_transitions",
    "upgrade_value",
]

from .._deprecation import moved_names  # noqa: E402

__getattr__ = moved_names(__name__, {"SEED_STATES": ("custvalue.segment", "CUSTOMER_STATES")})
