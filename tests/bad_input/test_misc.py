"""Bad-input cases of the top level, base, datasets, simulate, plotting, streaming, dask, rfm, report and cli."""

import pytest

from ._framework import bad_cases, check_bad_case, check_finite_output, output_cases
from .catalogue import CATALOGUE, area

ENTRIES = {k: v for k, v in CATALOGUE.items() if area(k) == "misc"}


@pytest.mark.parametrize("target, arg, column, kind, spec", bad_cases(ENTRIES))
def test_bad_input(target, arg, column, kind, spec):
    check_bad_case(target, arg, column, kind, spec)


@pytest.mark.parametrize("target, edge", output_cases(ENTRIES))
def test_outputs_finite(target, edge):
    check_finite_output(target, edge)
