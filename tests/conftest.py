import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))  # so tests can import tests.reference and benchmarks

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def cdnow_summary():
    from custvalue.datasets import load_cdnow_summary

    return load_cdnow_summary()


# Under CI the property tests draw the same examples every run (derandomized), so a landing
# never depends on luck; locally they keep exploring new examples.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if IN_CI:
    _hyp_settings.load_profile("ci")
