"""An import runs a fixed number of queries per list, whatever its length: no query per object."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_bundle import run_import

pytestmark = pytest.mark.django_db
KINDS = r"\b(person|company|source|quote|thesis|prediction|signal|tag|user)-(?=\d)"


def bundle_of(n: int, title: str = "Episode") -> dict:
    """n of everything, each referring to the others; keys say n, so bundles of different sizes share none."""
    return json.loads(re.sub(KINDS, rf'\1-{n}-', json.dumps({
        "format": "thesis-tracker/1",
        "people": [{"key": f"person-{i}", "name": f"Person {n}/{i}"} for i in range(n)],
        "companies": [{"key": f"company-{i}", "name": f"Company {n}/{i}"} for i in range(n)],
        "sources": [{"key": f"source-{i}", "kind": "podcast", "title": f"{title} {n}/{i}", "author": f"person-{i}"}
                    for i in range(n)],
        "quotes": [{"key": f"quote-{i}", "source": f"source-{i}", "speaker": f"person-{i}", "text": f"Said {i}."}
                   for i in range(n)],
        "theses": [{"key": f"thesis-{i}", "title": f"Thesis {i}", "stance": "bullish", "opened_on": "2026-01-01",
                    "companies": [f"company-{i}"], "quotes": [f"quote-{i}"]} for i in range(n)],
        "predictions": [{"key": f"prediction-{i}", "statement": f"It happens {i}", "speaker": f"person-{i}",
                         "made_on": "2026-01-01", "resolve_by": "2026-06-01", "quotes": [f"quote-{i}"],
                         "theses": [f"thesis-{i}"], "tags": [f"tag-{i % 3}"],
                         **({"status": "true", "resolved_on": "2026-05-01"} if i % 2 else {})} for i in range(n)],
        "signals": [{"key": f"signal-{i}", "title": f"Signal {i}", "occurred_on": "2026-02-01",
                     "predictions": [f"prediction-{i}"], "theses": [f"thesis-{i}"]} for i in range(n)],
        "forecasts": [{"user": f"user-{i % 5}", "prediction": f"prediction-{i}", "probability": 0.3,
                       "made_at": "2026-01-02T00:00:00Z"} for i in range(n)],
        "history": [{"prediction": f"prediction-{i}", "at": "2026-05-01T12:00:00Z", "from_status": "open",
                     "to_status": "true", "resolved_on": "2026-05-01"} for i in range(n) if i % 2],
    })))


def queries_to_import(bundle: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        run_import(json.dumps(bundle))
    return len(captured)


def test_importing_100_of_everything_takes_as_many_queries_as_importing_10():
    small = queries_to_import(bundle_of(10))
    large = queries_to_import(bundle_of(100))
    assert large == small


def test_reimporting_100_unchanged_takes_as_many_queries_as_reimporting_10():
    small = bundle_of(10)
    queries_to_import(small)
    again_small = queries_to_import(small)
    large = bundle_of(100)
    queries_to_import(large)
    assert queries_to_import(large) == again_small


def test_updating_100_takes_as_many_queries_as_updating_10():
    queries_to_import(bundle_of(10))
    small = queries_to_import(bundle_of(10, title="Renamed"))
    queries_to_import(bundle_of(100))
    assert queries_to_import(bundle_of(100, title="Renamed")) == small
