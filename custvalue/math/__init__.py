"""Pure broadcasting kernels: the only copy of each formula in custvalue.

No pandas and no classes here: functions take and return numpy arrays (or scalars) and
broadcast.  Paper notation (``x``, ``t_x``, ``T``) is used, with the mapping and equation
numbers in each docstring.

Letters: each one means one thing in every kernel (docs/glossary.md, "Kernel letters").
``x``, ``t_x``, ``T`` are frequency, recency and age; ``t`` a length of time (a number of
opportunities or periods in discrete time); ``n`` the number of purchases a probability asks
about, P(X(t) = n); ``d`` a discount rate per period (``1/(1+d)^t``); ``continuous_rate`` a
continuously compounded one (``e^(-δt)``); ``delta`` only the BG/BB parameter; ``m`` the
Gamma-Gamma mean spend.  Other counts are named: ``n_periods`` (BG/BB opportunities),
``n_renewals`` (sBG), ``n_trials``, ``n_states``; the retention formulas take ``margin`` and
``retention``.

Inputs: the kernels users call for predictions (``p_alive``, ``conditional_expected_purchases``,
``dert``, ``survival``, the Markov and Shy functions...) check their parameters and raise a
:class:`~custvalue.exceptions.DataError` naming one that is NaN, infinite or out of its range;
the data arrays are the caller's. The log-likelihood kernels the optimiser calls at every
iteration (and the PLS linear algebra run per bootstrap draw) check nothing, for speed: each
module's docstring names them, and docs/input_validation.md states the contract.
"""
