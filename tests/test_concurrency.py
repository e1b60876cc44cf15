"""Requests racing on the same prediction: exactly one resolution wins, nothing is lost, never a 500."""

import threading

import pytest
from django.db import connections
from django.test import Client

from tests.factories import make_prediction, make_user
from tracker.models import Forecast, Prediction

RACERS = 6


def race(make_request, n=RACERS):
    """Start n threads behind a barrier so their requests hit the server at the same moment."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = make_request(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_racing_resolutions_give_one_success_and_clear_conflicts():
    editors = [make_user(role="editors") for _ in range(RACERS)]
    p = make_prediction()
    version = p.version

    def resolve(i):
        client = Client()
        client.force_login(editors[i])
        response = client.post(f"/predictions/{p.pk}/resolve/", {
            "status": ["true", "false", "ambiguous"][i % 3], "resolved_on": "2026-11-01",
            "note": f"editor {i}", "version": version}, HTTP_HX_REQUEST="true")
        return response.status_code, response.content.decode()

    results = race(resolve)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (RACERS - 1), codes
    assert all("Not saved: someone else changed this prediction" in body for code, body in results if code == 409)
    p.refresh_from_db()
    winner = next(i for i, (code, _) in enumerate(results) if code == 200)
    assert p.resolution_note == f"editor {winner}"
    assert p.history.count() == 1 and p.version == version + 1


@pytest.mark.django_db(transaction=True)
def test_users_forecasting_at_once_all_keep_their_forecasts():
    members = [make_user(role="members") for _ in range(RACERS)]
    p = make_prediction()

    def forecast(i):
        client = Client()
        client.force_login(members[i])
        return client.post(f"/predictions/{p.pk}/forecast/", {"percent": str(10 + i)},
                           HTTP_HX_REQUEST="true").status_code

    assert race(forecast) == [200] * RACERS
    kept = dict(Forecast.objects.values_list("user__username", "probability"))
    assert kept == {m.username: (10 + i) / 100 for i, m in enumerate(members)}
    assert Prediction.objects.get(pk=p.pk).status == "open"
