"""Bad-input cases of custvalue.potential."""

from ._runner import area_tests

test_bad_input, test_outputs_finite = area_tests("potential")
