"""Templates ask Django's `perms` for exactly the permission the linked view checks, answered from one query."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_company, make_person, make_prediction, make_quote, make_signal, make_thesis, make_user
from tracker.roles import ROLES

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def permission_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "auth_permission" in q["sql"]]


def user_holding(codenames):
    user = make_user()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
    return user


@dataclass
class Objects:
    prediction: object
    quote: object
    thesis: object
    person: object
    company: object
    signal: object


@pytest.fixture
def objects():
    quote = make_quote()
    prediction = make_prediction(source=quote.source)
    return Objects(prediction, quote, make_thesis(), make_person(), make_company(), make_signal())


# (page, the link or form on it as it appears in the HTML, the method that link uses, the permission its view checks)
LINKS = {
    "New signal": (lambda o: "/signals/", lambda o: 'href="/signals/new/"', "get", "add_signal"),
    "Edit signal": (lambda o: "/signals/", lambda o: f'href="/signals/{o.signal.pk}/edit/"', "get", "change_signal"),
    "New person": (lambda o: "/people/", lambda o: 'href="/people/new/"', "get", "add_person"),
    "Edit person": (lambda o: f"/people/{o.person.pk}/", lambda o: f'href="/people/{o.person.pk}/edit/"', "get",
                    "change_person"),
    "New company": (lambda o: "/companies/", lambda o: 'href="/companies/new/"', "get", "add_company"),
    "Edit company": (lambda o: f"/companies/{o.company.pk}/", lambda o: f'href="/companies/{o.company.pk}/edit/"',
                     "get", "change_company"),
    "New source": (lambda o: "/sources/", lambda o: 'href="/sources/new/"', "get", "add_source"),
    "Edit source": (lambda o: f"/sources/{o.quote.source.pk}/",
                    lambda o: f'href="/sources/{o.quote.source.pk}/edit/"', "get", "change_source"),
    "Add quote": (lambda o: f"/sources/{o.quote.source.pk}/",
                  lambda o: f'href="/quotes/new/?source={o.quote.source.pk}"', "get", "add_quote"),
    "Add prediction": (lambda o: f"/sources/{o.quote.source.pk}/",
                       lambda o: f'href="/predictions/new/?source={o.quote.source.pk}"', "get", "add_prediction"),
    "Edit quote": (lambda o: f"/sources/{o.quote.source.pk}/", lambda o: f'href="/quotes/{o.quote.pk}/edit/"', "get",
                   "change_quote"),
    "New thesis": (lambda o: "/theses/", lambda o: 'href="/theses/new/"', "get", "add_thesis"),
    "Edit thesis": (lambda o: f"/theses/{o.thesis.pk}/", lambda o: f'href="/theses/{o.thesis.pk}/edit/"', "get",
                    "change_thesis"),
    "Change status": (lambda o: f"/theses/{o.thesis.pk}/", lambda o: f'action="/theses/{o.thesis.pk}/status/"',
                      "post", "change_thesis"),
    "Add a signal": (lambda o: f"/theses/{o.thesis.pk}/", lambda o: f'action="/theses/{o.thesis.pk}/signals/"',
                     "post", "add_signal"),
    "New prediction (dashboard)": (lambda o: "/", lambda o: 'href="/predictions/new/"', "get", "add_prediction"),
    "New prediction (list)": (lambda o: "/predictions/", lambda o: 'href="/predictions/new/"', "get",
                              "add_prediction"),
    "Edit prediction": (lambda o: f"/predictions/{o.prediction.pk}/",
                        lambda o: f'href="/predictions/{o.prediction.pk}/edit/"', "get", "change_prediction"),
    "Resolve": (lambda o: f"/predictions/{o.prediction.pk}/",
                lambda o: f'action="/predictions/{o.prediction.pk}/resolve/"', "get", "resolve_prediction"),
    "Forecast": (lambda o: f"/predictions/{o.prediction.pk}/",
                 lambda o: f'action="/predictions/{o.prediction.pk}/forecast/"', "post", "add_forecast"),
    "Import": (lambda o: "/", lambda o: 'href="/import/"', "get", "add_prediction"),
}


def target_of(attribute: str) -> str:
    return attribute.split('"')[1]


@pytest.mark.parametrize("name", LINKS)
def test_a_link_is_shown_to_a_user_holding_the_permission_its_view_checks(client, objects, name):
    page, link, _method, codename = LINKS[name]
    client.force_login(user_holding([codename]))
    assert link(objects) in client.get(page(objects)).content.decode()


@pytest.mark.parametrize("name", LINKS)
def test_a_link_is_hidden_from_a_user_lacking_that_permission_whose_view_refuses_them(client, objects, name):
    page, link, method, codename = LINKS[name]
    client.force_login(user_holding(set(ROLES["editors"]) - {codename}))
    assert link(objects) not in client.get(page(objects)).content.decode()
    assert getattr(client, method)(target_of(link(objects))).status_code == 403


def test_may_change_predictions_but_not_theses_means_no_edit_thesis_link(client, objects):
    client.force_login(user_holding(["change_prediction"]))
    page = client.get(f"/theses/{objects.thesis.pk}/").content.decode()
    assert f"/theses/{objects.thesis.pk}/edit/" not in page
    assert client.get(f"/theses/{objects.thesis.pk}/edit/").status_code == 403


def test_an_htmx_resolve_asks_the_database_for_permissions_once(editor_client):
    p = make_prediction()
    data = {"status": "true", "resolved_on": str(timezone.localdate()), "note": "It shipped.",
            "evidence_url": "https://example.com/news", "version": p.version}
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.post(f"/predictions/{p.pk}/resolve/", data, **HTMX)
    assert response.status_code == 200 and "Undo resolution" in response.content.decode()
    assert len(permission_queries(captured.captured_queries)) == 1


def test_a_page_full_of_permission_checks_asks_the_database_once(member_client, objects):
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(f"/sources/{objects.quote.source.pk}/")
    assert response.status_code == 200
    assert len(permission_queries(captured.captured_queries)) == 1


def test_permissions_given_directly_and_through_a_group_both_count(client, objects):
    user = make_user(role="members")
    user.user_permissions.add(Permission.objects.get(codename="change_thesis"))
    client.force_login(user)
    page = client.get(f"/theses/{objects.thesis.pk}/").content.decode()
    assert f'href="/theses/{objects.thesis.pk}/edit/"' in page  # directly
    assert 'class="role">member<' in page  # through the members group


def test_a_superuser_may_do_everything(client, objects):
    admin = make_user()
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(f"/predictions/{objects.prediction.pk}/").content.decode()
    assert f'href="/predictions/{objects.prediction.pk}/edit/"' in page
    assert 'class="role">editor<' in page


@pytest.mark.parametrize(("role", "label"), [("editors", "editor"), ("members", "member"), (None, "read-only")])
def test_the_header_labels_a_user_by_what_they_may_do(client, role, label):
    client.force_login(make_user(role=role))
    assert f'<span class="role">{label}</span>' in client.get("/").content.decode()


def test_a_user_in_no_group_is_labelled_read_only_and_may_indeed_not_forecast(client):
    p = make_prediction()
    client.force_login(make_user())
    page = client.get(f"/predictions/{p.pk}/").content.decode()
    assert '<span class="role">read-only</span>' in page
    assert f'action="/predictions/{p.pk}/forecast/"' not in page
    assert client.post(f"/predictions/{p.pk}/forecast/", {"probability": "60"}).status_code == 403
