"""The two tests every area module runs, built once for the area's catalogue entries."""

from __future__ import annotations

import pytest

from ._framework import bad_cases, check_bad_case, check_finite_output, output_cases
from .catalogue import CATALOGUE, area


def area_tests(name: str):
    """``(test_bad_input, test_outputs_finite)`` over the entries of area ``name``."""
    entries = {k: v for k, v in CATALOGUE.items() if area(k) == name}

    @pytest.mark.parametrize("target, arg, column, kind, spec", bad_cases(entries))
    def test_bad_input(target, arg, column, kind, spec):
        check_bad_case(target, arg, column, kind, spec)

    @pytest.mark.parametrize("target, edge", output_cases(entries))
    def test_outputs_finite(target, edge):
        check_finite_output(target, edge)

    return test_bad_input, test_outputs_finite
