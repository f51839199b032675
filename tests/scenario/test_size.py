from __future__ import annotations

import pytest
from tests.scenario.reading import OFFICE_KEY, csv_rows, of_type

from concord.errors import ConcordError
from concord.scenario.generator import generate


@pytest.mark.parametrize("size", [1, 2, 5])
@pytest.mark.parametrize("violations", [True, False])
def test_rows_per_quarter_scale_with_size_as_documented(size: int, violations: bool) -> None:
    scenario = generate(OFFICE_KEY, seed=1, quarters=1, size=size, violations=violations)
    extra = 1 if violations else 0
    assert len(of_type(scenario, "evidence.site_registered")) == 12 * size + extra
    measured = [
        row
        for p in of_type(scenario, "evidence.measurement_filed")
        for row in csv_rows(scenario, p["body"]["table"]["sha256"])[1]
    ]
    assert len(measured) == 24 * size - 1 + 2 * extra
    (fees,) = [
        p["body"]["table"]
        for p in of_type(scenario, "evidence.declaration_filed")
        if p["body"]["declaration_type"] == "docking_fees"
    ]
    assert fees["rows"] == 42 * size
    assert len(of_type(scenario, "evidence.inspection_requested")) == size + 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"quarters": 0}, "quarters"),
        ({"size": 0}, "size"),
        ({"start_period": "2187-Q1"}, "enters into force"),
        ({"start_period": "2187-13"}, "period"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(
    arguments: dict[str, object], message: str
) -> None:
    kwargs: dict[str, object] = {"seed": 1, **arguments}
    with pytest.raises(ConcordError, match=message):
        generate(OFFICE_KEY, **kwargs)  # type: ignore[arg-type]
