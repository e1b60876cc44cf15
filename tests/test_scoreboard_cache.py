"""The scoreboard is served from a cache all processes share, and any write shows at once in every process."""

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Prediction


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def in_another_process(code: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DEBUG": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def totals(client) -> dict:
    return json.loads(client.get("/scoreboard/download/?format=json").content)["totals"]


@pytest.mark.django_db(transaction=True)
def test_a_resolution_in_another_process_shows_on_the_next_request(client):
    editor = make_user(role="editors")
    p = make_prediction()
    client.force_login(editor)
    assert totals(client)["true"] == 0

    # Served from the cache: a change made behind the app's back (no invalidation) is not seen...
    Prediction.objects.filter(pk=p.pk).update(status="false", resolved_on=date(2026, 3, 1))
    assert totals(client)["false"] == 0
    Prediction.objects.filter(pk=p.pk).update(status="open", resolved_on=None)

    # ...but a resolution through the app, in another process, is seen by the very next request here.
    in_another_process(
        "from tracker.models import Prediction; from tracker import services; "
        f"p = Prediction.objects.get(pk={p.pk}); services.resolve(p, status='true', expected_version=p.version)"
    )
    assert totals(client)["true"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_forecast_or_an_import_elsewhere_invalidates_too(client):
    member = make_user(role="members")
    p = make_prediction(key="acme-ipo")
    p = services.resolve(p, status="true", expected_version=p.version, resolved_on=date(2026, 3, 1))
    client.force_login(member)
    assert json.loads(client.get("/scoreboard/download/?format=json").content)["forecasters"] == []

    bundle = {"format": "thesis-tracker/1", "forecasts": [
        {"user": "remote", "prediction": "acme-ipo", "probability": 0.8, "made_at": "2026-02-01T00:00:00Z"}]}
    in_another_process(
        "from tracker.bundle import import_bundle; import json; "
        f"import_bundle(json.dumps({bundle!r}))"
    )
    board = json.loads(client.get("/scoreboard/download/?format=json").content)
    assert [(f["username"], round(f["brier"], 6)) for f in board["forecasters"]] == [("remote", 0.04)]


@pytest.mark.django_db
def test_the_page_itself_is_served_from_the_cache_until_something_changes(client, django_assert_max_num_queries,
                                                                          django_capture_on_commit_callbacks):
    editor = make_user(role="editors")
    p = make_prediction(statement="Acme ships.")
    client.force_login(editor)
    client.get("/")  # a browser has its CSRF cookie after its first page
    first = client.get("/scoreboard/")
    assert first.status_code == 200 and 'data-count="true">0<' in first.content.decode()
    with django_assert_max_num_queries(3):  # session, user, one cache read
        again = client.get("/scoreboard/")
    assert again.content == first.content
    assert "no-store" in again["Cache-Control"] and "script-src 'self'" in again["Content-Security-Policy"]

    with django_capture_on_commit_callbacks(execute=True):  # the bump happens on commit
        services.resolve(p, status="true", expected_version=p.version, actor=editor)
    after = client.get("/scoreboard/").content.decode()
    assert 'data-count="true">1<' in after


@pytest.mark.django_db
def test_one_users_cached_page_is_never_served_to_another(client):
    ana, ben = make_user("ana", role="editors"), make_user("ben", role="members")
    make_prediction()
    client.force_login(ana)
    client.get("/")
    client.get("/scoreboard/")
    assert ">ana<" in client.get("/scoreboard/").content.decode().replace(" ", "")
    client.logout()
    client.force_login(ben)
    page = client.get("/scoreboard/").content.decode()
    assert "ben" in page and ">ana<" not in page.replace(" ", "")


@pytest.mark.django_db
def test_storing_the_page_costs_a_fixed_number_of_queries_whatever_the_data(client, editor):
    client.force_login(editor)
    client.get("/")
    counts = []
    for n in (2, 20):
        for _ in range(n):
            services.record_forecast(make_prediction(), editor, 0.3)
        cache.clear()
        client.session.load()  # sessions live in the cache too: back in it, as after any earlier request
        with CaptureQueriesContext(connection) as queries:
            client.get("/scoreboard/")
        counts.append(len(queries))
    # 15 to compute and render, 1 to look in the cache, 5 for the database cache to store the page.
    assert counts[0] == counts[1] <= 21
