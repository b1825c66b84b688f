"""Pure broadcasting kernels: the only copy of each formula in custvalue.

No pandas and no classes here: functions take and return numpy arrays (or scalars) and
broadcast.  Paper notation (``x``, ``t_x``, ``T``) is used, with the mapping and equation
numbers in each docstring.

Inputs: the kernels users call for predictions (``p_alive``, ``conditional_expected_purchases``,
``dert``, ``survival``, the Markov and Shy functions...) check their parameters and raise a
:class:`~custvalue.exceptions.DataError` naming one that is NaN, infinite or out of its range;
the data arrays are the caller's. The log-likelihood kernels the optimiser calls at every
iteration (and the PLS linear algebra run per bootstrap draw) check nothing, for speed: each
module's docstring names them, and docs/input_validation.md states the contract.
"""
