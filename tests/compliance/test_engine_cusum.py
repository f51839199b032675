"""The vectorised CUSUM of the reconciliation equals Page's recursion, subject by subject."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.kinds.reconciliation import final_cusum_levels
from concord.compliance.statistics import cusum

scores = st.lists(st.floats(min_value=-6, max_value=6), min_size=1, max_size=12)


@given(st.lists(scores, min_size=1, max_size=8), st.floats(min_value=0.01, max_value=2))
def test_final_levels_equal_the_statistics_module(groups: list[list[float]], k: float) -> None:
    flat = np.array([x for g in groups for x in g], dtype=np.float64)
    starts = np.cumsum([0, *[len(g) for g in groups[:-1]]]).astype(np.intp)
    levels = final_cusum_levels(flat, starts, k)
    expected = [cusum(np.array(g), k=k, h=4.0).path[-1] for g in groups]
    np.testing.assert_allclose(levels, expected, atol=1e-9)
