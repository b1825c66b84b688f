"""Published numbers for the BG/NBD and Gamma-Gamma models on CDNOW.

Provenance
----------
* Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
  way. Marketing Science 24(2), 275-284: section 5 reports the BG/NBD MLEs on the 2,357-customer
  CDNOW sample over 39 weeks, r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4,
  and (section 5 / figure 4 discussion) that a customer with x = 2, t_x = 30.43, T = 38.86
  is expected to make 1.226 purchases in the next 39 weeks.
* Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value (note 025):
  on the 946 CDNOW repeat buyers, p = 6.25, q = 3.74, gamma = 15.44.
"""

BGNBD_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
BGNBD_CDNOW_LL = -9582.4
BGNBD_CUSTOMER = {"frequency": 2, "recency": 30.43, "T": 38.86, "horizon": 39.0, "expected": 1.226}
GAMMAGAMMA_CDNOW = {"p": 6.25, "q": 3.74, "gamma": 15.44}
GAMMAGAMMA_N_REPEAT_BUYERS = 946
