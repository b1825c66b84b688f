"""Published numbers for the Pareto/NBD (CDNOW), BG/BB (donations) and the R BTYD vignette.

Provenance
----------
* Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: using iso-value curves
  for customer base analysis. Journal of Marketing Research 42(4), 415-430, section
  "The Pareto/NBD model" (also Fader & Hardie 2005, "A note on deriving the Pareto/NBD
  model and related expressions", note 009, p. 8): the Pareto/NBD MLEs on the 2,357-customer
  CDNOW sample, 39-week calibration period: r = 0.553, alpha = 10.578, s = 0.606,
  beta = 11.669, LL = -9595.0.
* Fader, P. S., Hardie, B. G. S., & Shang, J. (2010). Customer-base analysis in a
  discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108, Table 2 /
  section 4: BG/BB MLEs on the 11,104 first-time supporters (1995 cohort, 6 annual
  opportunities 1996-2001): alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783,
  LL = -33,225.6.
* Dziurzynski, L., Wadsworth, E., & Fader, P. (2014). BTYD: Implementing Buy 'Til You Die
  models, R package vignette "BTYD-walkthrough" section 2.3
  (https://cran.r-project.org/web/packages/BTYD/vignettes/BTYD-walkthrough.pdf):
  pnbd.ConditionalExpectedTransactions(params, T.star = 52, x = 26, t.x = 30.86, T.cal = 31)
  = 25.46 with the CDNOW Pareto/NBD estimates (the same number is asserted by lifetimes'
  test suite, test_conditional_expectation_returns_same_value_as_R_BTYD).
"""

PARETONBD_CDNOW = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
PARETONBD_CDNOW_LL = -9595.0
BTYD_VIGNETTE = {"frequency": 26, "recency": 30.86, "T": 31.0, "horizon": 52.0, "expected": 25.46}

BGBB_DONATIONS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
BGBB_DONATIONS_LL = -33225.6
