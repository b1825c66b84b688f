"""Bad-input cases of custvalue.math (the kernels' parameter checks and finite outputs)."""

from ._runner import area_tests

test_bad_input, test_outputs_finite = area_tests("math")
