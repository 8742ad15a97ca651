"""Summaries the benchmarks share."""

from __future__ import annotations

import math
from typing import Sequence


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (``share`` in (0, 1]); 0.0 for no values."""
    if not ordered:
        return 0.0
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]
