"""Bad-input cases of the top level, base, datasets, simulate, plotting, streaming, dask, rfm, report and cli."""

from ._runner import area_tests

test_bad_input, test_outputs_finite = area_tests("misc")
