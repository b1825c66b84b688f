import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))  # so tests can import tests.reference and benchmarks

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_data_file(name: str) -> Path:
    """Path of a GPL test fixture in ``../shared/data`` (beside the repository, never copied
    into it; see tests/reference/pls_reference.md).

    CI has that folder; a fresh clone does not, so when the file is absent the calling test
    (or the fixture it uses) is skipped with a reason naming the missing path, and the
    README's test command still passes on any machine.
    """
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"GPL test fixture {path} is absent: it lives in ../shared/data beside the "
                    "repository (present in CI, not in a fresh clone)")
    return path


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


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test drew (plot functions return their axes; pyplot keeps the figure
    open until closed, and a worker running many plot tests would hold them all)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
