"""Pure broadcasting kernels: the only copy of each formula in custvalue.

No pandas and no classes here: functions take and return numpy arrays (or scalars) and
broadcast.  Paper notation (``x``, ``t_x``, ``T``) is used, with the mapping and equation
numbers in each docstring.
"""
