"""The whole catalogue: one entry per public object (see _framework.Entry)."""

from __future__ import annotations

from .catalogue_clv import CATALOGUE as _CLV
from .catalogue_clv_btyd import CATALOGUE as _CLV_BTYD
from .catalogue_loyalty import CATALOGUE as _LOYALTY
from .catalogue_math import CATALOGUE as _MATH
from .catalogue_misc import CATALOGUE as _MISC
from .catalogue_potential import CATALOGUE as _POTENTIAL
from .catalogue_segment import CATALOGUE as _SEGMENT
from .catalogue_switching import CATALOGUE as _SWITCHING

CATALOGUE = {**_MISC, **_CLV, **_CLV_BTYD, **_LOYALTY, **_MATH, **_POTENTIAL, **_SEGMENT, **_SWITCHING}

#: Subpackages with a test module of their own; the rest run in test_misc.py.
AREAS = ("clv", "loyalty", "math", "potential", "segment", "switching")


def area(key: str) -> str:
    """The test module that runs an entry's cases."""
    parts = key.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in AREAS else "misc"
