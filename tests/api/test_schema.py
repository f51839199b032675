"""Generated requests over the OpenAPI document: no server error, and every answer is
one the document describes (status, content type, body schema)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.conftest import office_settings
from concord.api import create_app
from concord.workspace import open_workspace


@pytest.fixture(scope="module")
def api_schema(office: tuple[Path, Path]) -> Iterator[schemathesis.BaseSchema]:
    home, _ = office
    # The rate limit is off: thousands of requests from one address are the point here.
    ws = open_workspace(replace(office_settings(home), rate_limit=0))
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", create_app(ws))
    finally:
        ws.close()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_route_answers_as_its_schema_says(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        answers_as_documented()
