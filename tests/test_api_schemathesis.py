"""Schemathesis, a client nobody here wrote, against the running app's own OpenAPI document: every operation, with
an editor's token (so writes get past the permission checks), no 500s, and every response as the document says.

One test per operation of the document (collected from the API itself, so a new operation is tested without
being listed here); Hypothesis draws SCHEMATHESIS_EXAMPLES requests for each (default 25), in a fixed order.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    make_company,
    make_person,
    make_prediction,
    make_quote,
    make_signal,
    make_source,
    make_thesis,
    make_user,
)
from tracker.api.routes import api
from tracker.api.tokens import issue
from tracker.models import TranscriptSegment

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
OPERATIONS = [(method.upper(), path) for path, methods in api.get_openapi_schema(path_prefix="")["paths"].items()
              for method in methods]


KNOWN = "known"


def known_objects() -> None:
    """One object of every kind with the key `known`."""
    source = make_source(key=KNOWN, duration_seconds=3600)
    prediction = make_prediction(key=KNOWN, source=source)
    prediction.quotes.add(make_quote(key=KNOWN, source=source, speaker=make_person(key=KNOWN)))
    prediction.theses.add(make_thesis(key=KNOWN))
    prediction.companies.add(make_company(key=KNOWN))
    make_signal(key=KNOWN).predictions.add(prediction)
    TranscriptSegment.objects.create(source=source, position=0, start_ms=0, end_ms=1500, text="Hello there.")


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_its_schema_says(method, path, live_server, settings):
    settings.API_RATE_LIMIT = 10**9  # the limit has its own test; here every request must reach its operation
    editor = make_user("schemathesis-editor", role="editors")
    known_objects()
    _, raw = issue(editor, "schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operation = schema[f"/api/v1{path}" if not path.startswith("/api/v1") else path][method]
    calls = []

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        if "key" in (case.path_parameters or {}) and len(calls) % 2 == 0:
            case.path_parameters["key"] = KNOWN  # half the requests name an object that exists
        response = case.call(base_url=live_server.url, headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    assert calls, "no request was made"
    print(f"\n{method} {path}: {len(calls)} requests, statuses {sorted(set(calls))}")
