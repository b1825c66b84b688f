"""lavaan's maximum-likelihood estimates on its two tutorial models, as printed by lavaan.

Provenance
----------
* Holzinger & Swineford (1939) three-factor CFA, ``cfa(HS.model, data =
  HolzingerSwineford1939)``, lavaan 0.6-11: the lavaan tutorial's output, file
  ``tutorial.src/cfa.md`` of github.com/yrosseel/lavaan.org.old (commit acaddc43), section
  "Parameter Estimates".
* Bollen's (1989) Political Democracy SEM, ``sem(model, data = PoliticalDemocracy)`` with the
  six residual covariances of the tutorial, lavaan 0.5-23: ``summary(fit)`` as printed in the
  README of github.com/asqm/digavaan (the same numbers as the lavaan tutorial page sem.html).

Both use lavaan's default ML estimator (sample covariance with divisor N, first loading of each
factor fixed to 1), which is the optimum of semopy's ``MLW`` objective.  Values are printed to
three decimals, so the exact optimum is within 5e-4 of each.  The data sets ship with semopy
(``semopy.examples.holzinger39`` and ``political_democracy``, MIT licence).

Keys are ``(lval, op, rval)`` in semopy's notation: a loading ``factor =~ item`` is
``(item, "~", factor)``.
"""

HS_MODEL = """visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"""

HS_LAVAAN = {
    ("x2", "~", "visual"): 0.554, ("x3", "~", "visual"): 0.729,
    ("x5", "~", "textual"): 1.113, ("x6", "~", "textual"): 0.926,
    ("x8", "~", "speed"): 1.180, ("x9", "~", "speed"): 1.082,
    ("visual", "~~", "textual"): 0.408, ("visual", "~~", "speed"): 0.262,
    ("textual", "~~", "speed"): 0.173,
    ("x1", "~~", "x1"): 0.549, ("x2", "~~", "x2"): 1.134, ("x3", "~~", "x3"): 0.844,
    ("x4", "~~", "x4"): 0.371, ("x5", "~~", "x5"): 0.446, ("x6", "~~", "x6"): 0.356,
    ("x7", "~~", "x7"): 0.799, ("x8", "~~", "x8"): 0.488, ("x9", "~~", "x9"): 0.566,
    ("visual", "~~", "visual"): 0.809, ("textual", "~~", "textual"): 0.979,
    ("speed", "~~", "speed"): 0.384,
}
HS_CHI2 = 85.306  # "Test statistic", 24 degrees of freedom

PD_MODEL = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""

PD_LAVAAN = {
    ("x2", "~", "ind60"): 2.180, ("x3", "~", "ind60"): 1.819,
    ("y2", "~", "dem60"): 1.257, ("y3", "~", "dem60"): 1.058, ("y4", "~", "dem60"): 1.265,
    ("y6", "~", "dem65"): 1.186, ("y7", "~", "dem65"): 1.280, ("y8", "~", "dem65"): 1.266,
    ("dem60", "~", "ind60"): 1.483, ("dem65", "~", "ind60"): 0.572, ("dem65", "~", "dem60"): 0.837,
    ("y1", "~~", "y5"): 0.624, ("y2", "~~", "y4"): 1.313, ("y2", "~~", "y6"): 2.153,
    ("y3", "~~", "y7"): 0.795, ("y4", "~~", "y8"): 0.348, ("y6", "~~", "y8"): 1.356,
    ("x1", "~~", "x1"): 0.082, ("x2", "~~", "x2"): 0.120, ("x3", "~~", "x3"): 0.467,
    ("y1", "~~", "y1"): 1.891, ("y2", "~~", "y2"): 7.373, ("y3", "~~", "y3"): 5.067,
    ("y4", "~~", "y4"): 3.148, ("y5", "~~", "y5"): 2.351, ("y6", "~~", "y6"): 4.954,
    ("y7", "~~", "y7"): 3.431, ("y8", "~~", "y8"): 3.254,
    ("ind60", "~~", "ind60"): 0.448, ("dem60", "~~", "dem60"): 3.956, ("dem65", "~~", "dem65"): 0.172,
}
PD_CHI2 = 38.125  # "Minimum Function Test Statistic", 35 degrees of freedom
