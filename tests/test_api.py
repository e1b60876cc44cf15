"""The JSON API: who may do what with which token, the same rules and messages as the pages, and errors as JSON."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
from tracker import services
from tracker.api.tokens import digest_of, issue
from tracker.bundle import export_bundle
from tracker.models import ApiToken, Forecast, Person, Prediction, ResolutionEvent, TranscriptSegment
from tracker.scoring import compute_scoreboard

pytestmark = pytest.mark.django_db
JSON = "application/json"


def api_client(user, **options) -> Client:
    _, raw = issue(user, "tests", **options)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: Client, method: str, url: str, payload=None):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload) if payload is not None else ""
    return getattr(client, method)(f"/api/v1{url}", body, content_type=JSON) if method != "get" else \
        client.get(f"/api/v1{url}")


@pytest.fixture
def world(db):
    """One object of every kind, each with the key `known`."""
    source = make_source(key="known", duration_seconds=3600)
    speaker = make_person(key="known")
    prediction = make_prediction(key="known", source=source, speaker=speaker, made_on=date(2026, 1, 2))
    prediction.quotes.add(make_quote(key="known", source=source, speaker=speaker, timestamp_seconds=30))
    prediction.theses.add(make_thesis(key="known"))
    prediction.companies.add(make_company(key="known"))
    make_signal(key="known").predictions.add(prediction)
    return prediction


# --- permissions: every operation, every role ------------------------------------------------------------

TRANSCRIPT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>It will rain tomorrow.\n"
NEW = {"people": {"name": "Ada New"}, "companies": {"name": "Newco"},
       "sources": {"kind": "article", "title": "A new article"},
       "quotes": {"source": "known", "text": "Something new was said."},
       "theses": {"title": "A new thesis", "stance": "watch", "opened_on": "2026-02-01"},
       "predictions": {"statement": "Something new happens.", "made_on": "2026-01-05", "resolve_by": "2026-06-30"},
       "signals": {"title": "A new signal", "occurred_on": "2026-02-03"}}
EDIT = {"people": {"affiliation": "Ai2"}, "companies": {"ticker": "NEW"}, "sources": {"publisher": "A show"},
        "quotes": {"timestamp_seconds": 60}, "theses": {"status": "retired"},
        "predictions": {"criteria": "Stated plainly."}, "signals": {"direction": "supports"}}

# (method, path, body, who may: "anyone" reads; "member" forecasts; "editor" curates and resolves)
OPERATIONS = [("get", "/predictions", None, "anyone"), ("get", "/predictions/known", None, "anyone"),
              ("get", "/scoreboard", None, "anyone"), ("get", "/bundle", None, "anyone"),
              ("post", "/predictions/known/forecasts", {"probability": 0.4}, "member"),
              ("post", "/predictions/known/resolve", {"status": "true", "version": 1, "resolved_on": "2026-02-01"},
               "editor"),
              ("post", "/sources/known/transcript", {"text": TRANSCRIPT}, "editor"),
              ("post", "/bundle", {"format": "thesis-tracker/1"}, "editor")]
for _kind in NEW:
    OPERATIONS += [("get", f"/{_kind}", None, "anyone"), ("post", f"/{_kind}", NEW[_kind], "editor"),
                   ("patch", f"/{_kind}/known", {**EDIT[_kind], "version": 1}, "editor")]
    if _kind != "predictions":
        OPERATIONS.append(("get", f"/{_kind}/known", None, "anyone"))
ROLES = {"outsider": None, "member": "members", "editor": "editors"}
MAY = {"anyone": {"outsider", "member", "editor"}, "member": {"member", "editor"}, "editor": {"editor"}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "payload", "who"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _, _ in OPERATIONS])
def test_each_operation_is_allowed_to_exactly_the_roles_the_pages_allow(world, role, method, path, payload, who):
    response = send(api_client(make_user(role=ROLES[role])), method, path, payload)
    if role in MAY[who]:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["message"].startswith("Only ")


@pytest.mark.parametrize(("method", "path", "payload", "who"), [o for o in OPERATIONS if o[0] != "get"],
                         ids=[f"{m} {p}" for m, p, _, _ in OPERATIONS if m != "get"])
def test_a_read_only_token_reads_but_never_writes(world, method, path, payload, who):
    client = api_client(make_user(role="editors"), read_only=True)
    assert send(client, "get", "/predictions/known").status_code == 200
    before = export_bundle()
    response = send(client, method, path, payload)
    assert response.status_code == 403
    assert response.json() == {"message": "This token is read-only.", "errors": []}
    assert export_bundle() == before


@pytest.mark.parametrize(("method", "path", "payload", "who"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _, _ in OPERATIONS])
def test_without_a_valid_token_every_operation_answers_401(world, method, path, payload, who, client):
    assert send(client, method, path, payload).status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer tt_000000000000_wrong")
    response = send(bad, method, path, payload)
    assert response.status_code == 401
    assert response.json()["message"] == "The token is unknown, revoked or expired."
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- tokens --------------------------------------------------------------------------------------------

def test_a_token_is_stored_only_as_a_digest_found_by_its_prefix(editor):
    token, raw = issue(editor, "script")
    scheme, prefix, secret = raw.split("_", 2)
    assert (scheme, prefix) == ("tt", token.prefix) and len(secret) >= 40
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in json.dumps(stored, default=str) and secret not in json.dumps(stored, default=str)
    assert stored["digest"] == digest_of(raw)


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(world, editor):
    _, raw = issue(editor, "script")
    forged = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/v1/predictions").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/predictions").status_code == 200


def test_expired_revoked_and_inactive_users_tokens_stop_working(world, editor):
    token, raw = issue(editor, "script", expires_at=timezone.now() + timedelta(hours=1))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/predictions").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/predictions").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    editor.is_active = False
    editor.save()
    assert client.get("/api/v1/predictions").status_code == 401
    editor.is_active = True
    editor.save()
    token.delete()
    assert client.get("/api/v1/predictions").status_code == 401


def test_the_token_goes_in_the_header_only_and_a_session_is_not_enough(world, editor, editor_client):
    _, raw = issue(editor, "script")
    assert editor_client.get("/api/v1/predictions").status_code == 401  # logged in to the pages
    assert Client().get(f"/api/v1/predictions?token={raw}").status_code == 401
    assert Client().get(f"/api/v1/predictions?access_token={raw}").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/predictions").status_code == 401


def test_last_use_is_recorded(world, editor):
    token, raw = issue(editor, "script")
    assert token.last_used_at is None
    Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/people")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(world, editor, settings):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 60
    client, other = api_client(editor), api_client(editor)
    assert [client.get("/api/v1/people").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/people")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many requests" in refused.json()["message"]
    assert other.get("/api/v1/people").status_code == 200  # per token


def test_create_api_token_prints_a_token_once(world, editor):
    out = StringIO()
    call_command("create_api_token", editor.username, "--name", "deploy", "--read-only", stdout=out)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="deploy")
    assert token.read_only and token.user == editor and token.digest == digest_of(raw)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/people").status_code == 200


# --- the settings page ---------------------------------------------------------------------------------

def test_a_user_creates_sees_once_and_revokes_a_token_on_the_settings_page(world, member, member_client):
    response = member_client.post("/settings/tokens/", {"name": "my notebook", "read_only": "on",
                                                        "expires_on": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 201
    page = response.content.decode()
    token = ApiToken.objects.get(user=member)
    raw = page.split('id="new-api-token" type="text" readonly value="')[1].split('"')[0]
    assert digest_of(raw) == token.digest and token.read_only and token.expires_at is not None
    again = member_client.get("/settings/").content.decode()
    assert raw not in again and "my notebook" in again and "never" in again  # not used yet
    response = member_client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/people").status_code == 401


def test_the_settings_page_shows_when_a_token_was_last_used(world, member, member_client):
    token, raw = issue(member, "poller")
    row = member_client.get("/settings/").content.decode().split("poller")[1].split("</tr>")[0]
    assert row.count("never") == 2  # expires never, used never
    Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/people")
    row = member_client.get("/settings/").content.decode().split("poller")[1].split("</tr>")[0]
    assert row.count("never") == 1 and "UTC" in row


def test_a_token_form_with_problems_says_so_and_creates_nothing(member_client):
    response = member_client.post("/settings/tokens/", {"name": "", "expires_on": "2001-01-01"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert "Choose today or a later day" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_no_one_revokes_another_users_token(member, editor_client):
    token, _ = issue(member, "mine")
    assert editor_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


# --- predictions: list, detail, write paths ------------------------------------------------------------

def test_the_list_filters_and_searches_as_the_list_page_does(world, member):
    make_prediction(key="rain", statement="Heavy rain in Lisbon", resolve_by=date(2026, 1, 10),
                    made_on=date(2026, 1, 1))
    make_prediction(key="done", status="true", resolved_on=date(2026, 2, 1))
    client = api_client(member)
    keys = lambda url: [p["key"] for p in client.get(url).json()["results"]]  # noqa: E731
    assert keys("/api/v1/predictions?q=lisbon+heavy") == ["rain"]
    assert keys("/api/v1/predictions?status=true") == ["done"]
    assert keys("/api/v1/predictions?speaker=known") == ["known"]
    assert keys("/api/v1/predictions?due=overdue") == ["rain"]
    assert keys("/api/v1/predictions?sort=-made_on") == ["done", "known", "rain"]
    refused = client.get("/api/v1/predictions?speaker=nobody")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"location": "query.speaker", "message": "Select a valid choice. nobody is not "
                                                                               "one of the available choices."}]


def test_the_list_comes_in_pages(world, member):
    for n in range(4):
        make_prediction(key=f"p-{n}")
    client = api_client(member)
    first = client.get("/api/v1/predictions?per_page=2").json()
    assert (first["count"], first["pages"], len(first["results"]), first["previous"]) == (5, 3, 2, None)
    last = client.get("/api/v1/predictions?per_page=2&page=99").json()
    assert last["page"] == 3 and len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/v1/predictions?per_page=101").status_code == 422


def test_the_list_costs_the_same_number_of_queries_whatever_the_page_size(world, member):
    for n in range(30):
        p = make_prediction(key=f"p-{n}", tags=["x", f"t{n}"])
        p.quotes.add(make_quote())
    client = api_client(member)
    client.get("/api/v1/people")  # the token's first use records itself, once a minute at most
    counts = []
    for size in (1, 10, 30):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"/api/v1/predictions?per_page={size}&status=open").json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_one_prediction_comes_with_its_quotes_forecasts_and_history(world, editor, member):
    services.record_forecast(world, member, 0.3)
    services.resolve(world, status="false", expected_version=1, actor=editor, resolved_on=date(2026, 2, 1))
    data = api_client(member).get("/api/v1/predictions/known").json()
    assert data["prediction"]["status"] == "false" and data["prediction"]["version"] == 2
    assert [q["key"] for q in data["quotes"]] == ["known"]
    assert [(f["user"], f["probability"]) for f in data["forecasts"]] == [(member.username, 0.3)]
    assert [(h["action"], h["actor"], h["to_status"]) for h in data["history"]] == [("resolve", editor.username,
                                                                                      "false")]


def test_resolve_and_undo_check_the_version_read_and_answer_409_with_the_current_state(world, editor):
    client = api_client(editor)
    done = send(client, "post", "/predictions/known/resolve", {"status": "true", "version": 1,
                                                                "resolved_on": "2026-02-01", "note": "It did."})
    assert done.status_code == 200 and done.json()["prediction"]["status"] == "true"
    stale = send(client, "post", "/predictions/known/resolve", {"status": "false", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["message"].startswith("Not saved: someone else changed this prediction")
    assert body["current"]["status"] == "true" and body["current"]["version"] == 2
    assert send(client, "post", "/predictions/known/undo", {"version": 1}).status_code == 409
    undone = send(client, "post", "/predictions/known/undo", {"version": 2})
    assert undone.status_code == 200 and undone.json()["prediction"]["status"] == "open"
    nothing = send(client, "post", "/predictions/known/undo", {"version": 3})
    assert nothing.status_code == 409 and "there is no resolution to undo" in nothing.json()["message"]
    assert list(ResolutionEvent.objects.values_list("action", flat=True)) == ["resolve", "undo"]


def test_resolving_before_the_prediction_was_made_gets_the_forms_message(world, editor):
    response = send(api_client(editor), "post", "/predictions/known/resolve",
                    {"status": "true", "version": 1, "resolved_on": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"location": "body.resolved_on",
                                          "message": "It was made on 2 Jan 2026; it cannot have been resolved before "
                                                     "that."}]
    assert Prediction.objects.get(key="known").is_open


def test_a_forecast_has_the_forms_range_and_closes_with_the_resolution(world, member, editor):
    client = api_client(member)
    low = send(client, "post", "/predictions/known/forecasts", {"probability": 0.0001})
    assert low.status_code == 422
    assert low.json()["errors"] == [{"location": "body.probability",
                                     "message": "Enter a probability from 0.1 to 99.9%."}]
    assert send(client, "post", "/predictions/known/forecasts", {"probability": 1}).json()["errors"][0][
        "location"] == "body.probability"
    made = send(client, "post", "/predictions/known/forecasts", {"probability": 0.25, "note": "a hunch"})
    assert made.status_code == 201 and made.json()["probability"] == 0.25
    services.resolve(world, status="true", expected_version=1, actor=editor)
    closed = send(client, "post", "/predictions/known/forecasts", {"probability": 0.5})
    assert closed.status_code == 409 and "forecasts are closed" in closed.json()["message"]
    assert Forecast.objects.count() == 1


def test_create_uses_the_forms_rules_and_the_bundles_messages(world, editor):
    client = api_client(editor)
    wrong = send(client, "post", "/predictions", {"statement": "X", "made_on": "2026-13-45", "resolve_by": "2026-02-01",
                                                  "speaker": "nobody", "colour": "red"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"location": "body.made_on",
                                       "message": "invalid date '2026-13-45' (use YYYY-MM-DD)"},
                                      {"location": "body.colour", "message": "unknown field"}]
    unknown = send(client, "post", "/predictions", {"statement": "X", "made_on": "2026-01-05",
                                                    "resolve_by": "2026-02-01", "speaker": "nobody"})
    assert unknown.json()["errors"] == [{"location": "body.speaker", "message": "unknown person 'nobody'"}]
    backwards = send(client, "post", "/predictions", {"statement": "X", "made_on": "2026-01-05",
                                                      "resolve_by": "2026-01-01"})
    assert backwards.json()["errors"] == [{"location": "body.resolve_by", "message": "The resolve-by date cannot be "
                                                                                    "before the date the prediction "
                                                                                    "was made."}]
    twin = send(client, "post", "/people", {"name": "  " + Person.objects.get(key="known").name.upper() + "."})
    assert twin.status_code == 422 and "There is already a person with this name" in twin.json()["errors"][0]["message"]
    twice = send(client, "post", "/people", '{"name": "A", "name": "B"}')
    assert twice.json()["errors"] == [{"location": "body", "message": '"name" appears twice'}]
    assert send(client, "post", "/people", "{not json").status_code == 400
    assert Prediction.objects.count() == 1 and Person.objects.count() == 1
    made = send(client, "post", "/predictions", {"statement": "Rates fall.", "made_on": "2026-01-05",
                                                 "resolve_by": "2026-12-31", "speaker": "known", "tags": ["rates"],
                                                 "stated_probability": 0.35, "quotes": ["known"]})
    assert made.status_code == 201
    assert made.json() | {"version": 1} == made.json()
    assert (made.json()["key"], made.json()["tags"], made.json()["stated_probability"]) == ("rates-fall", ["rates"],
                                                                                           0.35)


def test_an_edit_writes_only_what_it_names_and_only_at_the_version_read(world, editor):
    client = api_client(editor)
    first = send(client, "patch", "/predictions/known", {"criteria": "Announced.", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    assert first.json()["quotes"] == ["known"] and first.json()["speaker"] == "known"  # untouched
    stale = send(client, "patch", "/predictions/known", {"criteria": "Something else.", "version": 1})
    assert stale.status_code == 409 and stale.json()["current"]["criteria"] == "Announced."
    cleared = send(client, "patch", "/predictions/known", {"speaker": None, "version": 2})
    assert cleared.json()["speaker"] is None
    missing = send(client, "patch", "/predictions/known", {"criteria": "x"})
    assert missing.json()["errors"] == [{"location": "body.version", "message": "required field is missing"}]


def test_an_unknown_key_is_404_as_json(world, member):
    response = api_client(member).get("/api/v1/theses/nope")
    assert response.status_code == 404
    assert response.json() == {"message": "No thesis has the key 'nope'.", "errors": []}


def test_a_body_larger_than_the_bundle_limit_is_refused_with_413(world, editor, settings):
    settings.BUNDLE_MAX_BYTES = 100
    response = send(api_client(editor), "post", "/bundle", {"format": "thesis-tracker/1", "people": [
        {"key": f"p-{n}", "name": f"P {n}"} for n in range(10)]})
    assert response.status_code == 413
    assert "the limit is 100 bytes" in response.json()["errors"][0]["message"]


# --- scoreboard, bundles, transcripts ------------------------------------------------------------------

def test_the_scoreboard_is_the_commands_json(world, member):
    services.record_forecast(world, member, 0.7)
    assert api_client(member).get("/api/v1/scoreboard").json() == json.loads(json.dumps(compute_scoreboard()))


def test_export_is_the_bundle_and_import_reports_or_locates_problems(world, editor):
    client = api_client(editor)
    exported = client.get("/api/v1/bundle")
    assert exported.content.decode() == export_bundle()
    same = send(client, "post", "/bundle", exported.content)
    assert same.status_code == 200 and same.json()["created"] == {} and same.json()["updated"] == {}
    assert same.json()["unchanged"]["predictions"] == 1
    bad = send(client, "post", "/bundle", {"format": "thesis-tracker/1", "predictions": [
        {"key": "x", "statement": "X", "made_on": "2026-01-01", "resolve_by": "2026-13-45"}]})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"location": "body.predictions[0].resolve_by",
                                     "message": "invalid date '2026-13-45' (use YYYY-MM-DD)"}]
    dry = send(client, "post", "/bundle?dry_run=true", {"format": "thesis-tracker/1", "people": [
        {"key": "ana", "name": "Ana"}]})
    assert dry.json() == {"dry_run": True, "created": {"people": 1}, "updated": {}, "unchanged": {}}
    assert not Person.objects.filter(key="ana").exists()


def test_a_transcript_imports_with_its_speakers_and_refuses_to_replace_unasked(world, editor):
    client = api_client(editor)
    made = send(client, "post", "/sources/known/transcript", {"text": TRANSCRIPT, "speakers": {"Ana": "known"}})
    assert made.status_code == 201
    assert made.json() == {"source": "known", "format": "vtt", "sentences": 1, "speakers": {"Ana": "known"},
                           "candidates": 0}
    again = send(client, "post", "/sources/known/transcript", {"text": TRANSCRIPT})
    assert again.status_code == 409
    late = send(client, "post", "/sources/known/transcript",
                {"text": "WEBVTT\n\n02:00:00.000 --> 02:00:04.000\nToo late.\n", "replace": True})
    assert late.status_code == 422 and "beyond the end" in late.json()["errors"][0]["message"]
    shown = client.get("/api/v1/sources/known/transcript").json()
    assert shown == {"source": "known", "segments": [{"start": 1.0, "end": 4.0, "speaker": "known",
                                                      "text": "It will rain tomorrow."}]}
    assert TranscriptSegment.objects.count() == 1


# --- documents ----------------------------------------------------------------------------------------

def test_the_openapi_document_is_3_1_and_public(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/predictions/{key}/resolve" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_loads_swagger_from_our_static_files(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert "<script>" not in page  # the only inline script tag is JSON data, which a CSP does not run


@pytest.mark.parametrize("url", ["/api/v1/people/%00", "/api/v1/people?q=%00", "/api/v1/predictions?q=%00",
                                 "/api/v1/predictions?speaker=%00", "/api/v1/predictions/a%00b"])
def test_a_null_character_in_a_url_is_refused_not_a_server_error(world, member, url):
    assert api_client(member).get(url).status_code in (400, 404)


def test_a_null_character_in_a_body_is_a_located_problem(world, editor):
    response = send(api_client(editor), "post", "/people", {"name": "Ana\u0000"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"location": "body.name", "message": "contains a NUL character (\\u0000)"}]


def test_an_administrator_sees_tokens_without_their_secret_and_cannot_add_one(client, member):
    admin_user = make_user("root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    token, raw = issue(member, "poller")
    page = client.get("/admin/tracker/apitoken/").content.decode()
    assert "poller" in page and token.prefix in page and raw not in page
    assert client.get("/admin/tracker/apitoken/add/").status_code == 403


def test_a_thesis_says_which_companies_it_holds_against_its_stance(member):
    from tests.factories import make_company, make_thesis
    from tracker.models import ThesisCompany

    thesis = make_thesis(key="chips")
    long, short = make_company(key="nvidia"), make_company(key="intel")
    thesis.companies.add(long, short)
    ThesisCompany.objects.filter(thesis=thesis, company=short).update(direction="short")
    body = send(api_client(member), "get", "/theses/chips").json()
    assert body["directions"] == {"intel": "short"} and body["benchmark"] == "SPY"
    assert body["companies"] == ["intel", "nvidia"]
