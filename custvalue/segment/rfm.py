"""Deprecated name of :mod:`custvalue.segment.rfm_scores`, kept for one release (issue 17).

The module was renamed so that it is not confused with :mod:`custvalue.rfm` (the transaction
log -> frequency / recency / T summary).  Every name here warns with a ``FutureWarning`` and
returns the object from :mod:`custvalue.segment.rfm_scores`.
"""

from .._deprecation import moved_names

__all__: list[str] = []

__getattr__ = moved_names(__name__, {name: ("custvalue.segment.rfm_scores", name) for name in
                                     ("rfm_scores", "rfm_segments", "quantile_scores", "RFM_SEGMENT_MAP")})
