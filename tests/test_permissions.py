"""Who may do what: every page needs a login, editors curate and resolve, members forecast."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_prediction, make_source, make_thesis, make_user
from tracker import services
from tracker.models import Forecast, Person, Prediction, ResolutionEvent, Signal, Source, Thesis

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
# Logging in, and the pages that get someone a password: an invitation's link and the password reset.
# And the token links that mail clients, calendar apps and feed readers follow without a session: a secret in
# the URL takes the place of the login (test_calendar_feeds.py and test_reminders_smtp.py: an unknown one is 404).
TOKEN_LINKS = {"reminders_unsubscribe", "calendar_feed", "prediction_feed"}
PUBLIC = {"login", "join", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", *TOKEN_LINKS}
# The API answers by its bearer token instead (tests/test_api.py), and documents itself to anyone.
API_PREFIX, API_DOCUMENTS = "api/v1/", {"openapi-json", "openapi-view", "api-root"}


def all_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue  # the admin has its own login
            yield from all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern)


def concrete(route: str) -> str:
    return "/" + route.replace("<int:pk>", "1")


def test_every_url_except_login_requires_a_login(client):
    make_prediction(pk=1)
    checked = 0
    for name, route in all_patterns():
        if name in PUBLIC or name in API_DOCUMENTS:
            continue
        url = concrete(route.replace("<key>", "known"))
        for method in (client.get, client.post):
            response = method(url)
            if route.startswith(API_PREFIX):
                assert response.status_code in (401, 405), (method.__name__, url, response.status_code)
                continue
            assert response.status_code == 302, (method.__name__, url, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), url
        checked += 1
    assert checked >= 30
    assert Prediction.objects.get(pk=1).status == "open"


def test_the_token_links_answer_404_to_a_made_up_token_and_ask_for_no_login(client):
    for name, route in all_patterns():
        if name in TOKEN_LINKS:
            url = concrete(route).replace("<str:token>", "made-up")
            assert client.get(url).status_code == 404, url


def test_an_expired_session_sends_htmx_to_the_login_page_instead_of_swapping_a_form(client):
    p = make_prediction()
    response = client.post(f"/predictions/{p.pk}/resolve/", {"status": "true"}, **HTMX,
                           HTTP_HX_CURRENT_URL=f"http://testserver/predictions/{p.pk}/")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fpredictions%2F{p.pk}%2F"
    assert response.content == b""


def test_logout_is_a_post(editor_client, editor):
    assert editor_client.get("/accounts/logout/").status_code == 405
    assert editor_client.post("/accounts/logout/").status_code == 302
    assert editor_client.get("/").status_code == 302
    login = editor_client.get("/accounts/login/").content.decode()
    assert f"You are logged out, {editor.username}." in login


def test_login_through_the_form(client):
    make_user("ana", role="members", password="a-long-passphrase-1")
    response = client.post("/accounts/login/", {"username": "ana", "password": "a-long-passphrase-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_told_plainly(client):
    make_user("ana", password="a-long-passphrase-1")
    response = client.post("/accounts/login/", {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_private_pages_are_never_cached(member_client):
    response = member_client.get("/")
    assert "no-store" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]


# Each action: (description, method+url builder, data builder, how to tell nothing changed)
def actions(p, thesis, source):
    return [
        ("resolve", f"/predictions/{p.pk}/resolve/", {"status": "true", "resolved_on": "2026-01-31",
                                                      "version": p.version},
         lambda: Prediction.objects.get(pk=p.pk).status == "open" and not ResolutionEvent.objects.exists()),
        ("undo", f"/predictions/{p.pk}/undo/", {"version": p.version},
         lambda: Prediction.objects.get(pk=p.pk).status == p.status and p.history.count() <= 1),
        ("forecast", f"/predictions/{p.pk}/forecast/", {"percent": "30"}, lambda: not Forecast.objects.exists()),
        ("edit prediction", f"/predictions/{p.pk}/edit/",
         {"statement": "Changed", "made_on": "2026-01-31", "resolve_by": "2026-12-31", "version": p.version},
         lambda: Prediction.objects.get(pk=p.pk).statement != "Changed"),
        ("new prediction", "/predictions/new/",
         {"statement": "New", "made_on": "2026-01-31", "resolve_by": "2026-12-31"},
         lambda: Prediction.objects.count() == 1),
        ("thesis status", f"/theses/{thesis.pk}/status/", {"status": "retired", "version": thesis.version},
         lambda: Thesis.objects.get(pk=thesis.pk).status == "active"),
        ("add signal", f"/theses/{thesis.pk}/signals/", {"title": "S", "occurred_on": "2026-02-01",
                                                          "direction": "supports"},
         lambda: not Signal.objects.exists()),
        ("new thesis", "/theses/new/", {"title": "T", "stance": "bullish", "status": "active",
                                        "opened_on": "2026-02-01"}, lambda: Thesis.objects.count() == 1),
        ("edit source", f"/sources/{source.pk}/edit/", {"kind": "note", "title": "Changed",
                                                          "version": source.version},
         lambda: Source.objects.get(pk=source.pk).title != "Changed"),
        ("new person", "/people/new/", {"name": "Someone"}, lambda: not Person.objects.exists()),
        ("new quote", "/quotes/new/", {"source": source.pk, "text": "Hi"}, lambda: not source.quotes.exists()),
        ("new signal", "/signals/new/", {"title": "S", "occurred_on": "2026-02-01", "direction": "neutral"},
         lambda: not Signal.objects.exists()),
        ("import", "/import/", {}, lambda: Prediction.objects.count() == 1),
    ]


EDITOR_ONLY = {"resolve", "undo", "edit prediction", "new prediction", "thesis status", "add signal", "new thesis",
               "edit source", "new person", "new quote", "new signal", "import"}


FORBIDDEN = [("members", action) for action in sorted(EDITOR_ONLY)] + [
    (None, action) for action in sorted(EDITOR_ONLY | {"forecast"})]


@pytest.mark.parametrize(("role", "action"), FORBIDDEN)
def test_forbidden_actions_answer_403_and_change_nothing(client, role, action):
    """A member cannot curate or resolve; a user in no group cannot even forecast."""
    p, thesis, source = make_prediction(), make_thesis(), make_source()
    if action == "undo":
        p = services.resolve(p, status="true", expected_version=p.version, actor=make_user(role="editors"))
    client.force_login(make_user(role=role))
    description, url, data, unchanged = next(a for a in actions(p, thesis, source) if a[0] == action)
    response = client.post(url, data)
    assert response.status_code == 403, description
    assert b"Not allowed" in response.content
    assert unchanged(), description


@pytest.mark.parametrize("action", sorted(EDITOR_ONLY - {"undo", "import"} | {"forecast"}))
def test_editors_may_do_every_action(editor_client, action):
    p, thesis, source = make_prediction(), make_thesis(), make_source()
    description, url, data, unchanged = next(a for a in actions(p, thesis, source) if a[0] == action)
    response = editor_client.post(url, data)
    assert response.status_code in (200, 302), (description, response.status_code)
    assert not unchanged(), description


def test_a_forbidden_htmx_action_shows_its_message_in_the_page_message_area(member_client):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/resolve/", {"status": "true"}, **HTMX)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#flash" and response["HX-Reswap"] == "innerHTML"
    assert b"<nav" not in response.content


def test_a_user_only_ever_adds_to_their_own_forecasts(member_client, member):
    other = make_user(role="members")
    p = make_prediction()
    theirs = services.record_forecast(p, other, 0.8)
    member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "10", "user": other.pk}, **HTMX)
    assert Forecast.objects.get(pk=theirs.pk).probability == 0.8
    assert Forecast.objects.filter(user=member).get().probability == 0.1


def test_state_changes_need_a_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    p = make_prediction()
    assert client.post(f"/predictions/{p.pk}/forecast/", {"percent": "30"}).status_code == 403
    assert not Forecast.objects.exists()


def test_the_demo_user_is_an_editor_with_a_fresh_password_when_asked():
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    first = re.search(r"password: (\S+)", out.getvalue()).group(1)
    call_command("setup_demo", "--reset-password", stdout=out)
    second = re.findall(r"password: (\S+)", out.getvalue())[-1]
    demo = get_user_model().objects.get(username="demo")
    assert first != second and demo.check_password(second)
    assert demo.has_perm("tracker.resolve_prediction")
    assert get_user_model().objects.filter(username="demo").count() == 1
    assert Prediction.objects.count() >= 15  # the shipped episode was loaded into the empty database
