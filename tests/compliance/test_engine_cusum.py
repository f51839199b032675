"""The vectorised CUSUM of the reconciliation equals Page's recursion, subject by subject."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.kinds.reconciliation import final_cusum_levels
from concord.compliance.statistics import cusum

scores = st.lists(st.floats(min_value=-6, max_value=6), min_size=1, max_size=12)


@given(
    st.lists(scores, min_size=1, max_size=8),
    st.floats(min_value=0.01, max_value=2),
    st.floats(min_value=0.5, max_value=8),
)
def test_final_levels_equal_the_statistics_module(
    groups: list[list[float]], k: float, h: float
) -> None:
    flat = np.array([x for g in groups for x in g], dtype=np.float64)
    starts = np.cumsum([0, *[len(g) for g in groups[:-1]]]).astype(np.intp)
    levels = final_cusum_levels(flat, starts, k, h)
    expected = [cusum(np.array(g), k=k, h=h, restart=True).path[-1] for g in groups]
    np.testing.assert_allclose(levels, expected, atol=1e-9)


def test_a_restarted_scheme_forgets_an_alarm_that_was_acted_on() -> None:
    # k = 0.5, h = 4: one gross period (x = 20) raises S to 19.5 > 4, an alarm. Without a
    # restart, honest periods (x = 0) only lower S by 0.5 each: 19.0, 18.5 — still alarms.
    # With the restart the next periods start from 0: max(0, 0 + 0 - 0.5) = 0.
    x = np.array([20.0, 0.0, 0.0])
    assert cusum(x, k=0.5, h=4.0).path.tolist() == [19.5, 19.0, 18.5]
    assert cusum(x, k=0.5, h=4.0, restart=True).path.tolist() == [19.5, 0.0, 0.0]
