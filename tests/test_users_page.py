"""The Users page: editors see every account and change roles in place, never leaving the app without an editor,
and never overwriting a change another editor made meanwhile; deactivating ends the account's sessions."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.factories import make_prediction, make_user
from tests.test_concurrency import RACERS, race
from tracker import services
from tracker.models import AccountSession, Forecast
from tracker.roles import EDITORS, MEMBERS

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
User = get_user_model()


def groups(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def set_role(client, user, role, seen, **extra):
    return client.post(reverse("user_role", args=[user.pk]), {"role": role, "seen": seen}, **extra)


def login(username: str, password: str = "pw-for-tests-1"):
    """The log-in form (axes needs the request a form post gives)."""
    return Client().post(reverse("login"), {"username": username, "password": password})


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_users_page_lists_accounts_with_role_state_and_last_login(editor_client, editor, member, outsider):
    editor_client.get(reverse("dashboard"))
    User.objects.filter(pk=member.pk).update(last_login="2026-11-30T09:15:00Z")
    page = editor_client.get(reverse("user_list")).content.decode()
    member_row = page.split(f'id="user-{member.pk}"')[1].split("</tr>")[0]
    assert "mo" in member_row and '<option value="member" selected>' in member_row
    assert "30 Nov 2026, 09:15 UTC" in member_row and 'data-state="active"' in member_row
    outsider_row = page.split(f'id="user-{outsider.pk}"')[1].split("</tr>")[0]
    assert '<option value="read-only" selected>' in outsider_row and "never" in outsider_row


def test_only_editors_reach_the_users_page_and_its_actions(member_client, member, outsider):
    assert member_client.get(reverse("user_list")).status_code == 403
    assert set_role(member_client, outsider, "editor", "read-only").status_code == 403
    assert member_client.post(reverse("user_deactivate", args=[outsider.pk])).status_code == 403
    assert member_client.post(reverse("user_invite"), {"email": "x@example.com", "role": "editor"}).status_code == 403
    assert groups(outsider) == set()


def test_the_navigation_links_to_users_for_editors_only(editor, member):
    assert f'href="{reverse("user_list")}"' in logged_in(editor).get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("user_list")}"' not in logged_in(member).get(reverse("dashboard")).content.decode()


def test_the_list_comes_in_pages_and_costs_the_same_queries_for_any_page_size(editor_client,
                                                                             django_assert_max_num_queries):
    for n in range(55):
        make_user(f"user-{n:02d}", role=MEMBERS if n % 2 else None)
    with django_assert_max_num_queries(6):  # session, user, permissions, count, the ids, their rows
        first = editor_client.get(reverse("user_list")).content.decode()
    assert first.count('<tr id="user-') == 50 and 'rel="next"' in first
    second = editor_client.get(reverse("user_list") + "?page=2").content.decode()
    assert second.count('<tr id="user-') == 6  # 55 + edith


def test_a_role_changes_in_place_with_htmx(editor_client, member):
    response = set_role(editor_client, member, "editor", "member", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="user-{member.pk}"')
    assert '<option value="editor" selected>' in html and "mo is now editor." in html
    assert groups(member) == {EDITORS}


def test_a_role_changes_with_a_plain_form_post_too(editor_client, member):
    response = editor_client.post(reverse("user_role", args=[member.pk]),
                                  {"role": "read-only", "seen": "member", "next": "/users/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/users/?page=1"
    assert groups(member) == set()
    assert "mo is now read-only." in editor_client.get(response["Location"]).content.decode()


def test_a_role_someone_else_changed_meanwhile_is_not_overwritten(editor_client, member):
    make_user("second-editor", role=EDITORS)
    set_role(editor_client, member, "editor", "member")
    response = set_role(editor_client, member, "read-only", "member", **HTMX)  # a page loaded before the change
    assert response.status_code == 409
    assert "someone else made mo editor since you loaded the page" in response.content.decode()
    assert groups(member) == {EDITORS}


def test_the_last_editor_cannot_demote_themselves(editor_client, editor):
    response = set_role(editor_client, editor, "member", "editor", **HTMX)
    assert response.status_code == 409
    assert "you are the last editor who can log in" in response.content.decode()
    assert groups(editor) == {EDITORS}


def test_an_invited_editor_who_has_not_joined_does_not_count_as_another_editor(editor_client, editor):
    editor_client.post(reverse("user_invite"), {"email": "new@example.com", "role": "editor"})
    assert User.objects.get(email="new@example.com").groups.filter(name=EDITORS).exists()
    assert set_role(editor_client, editor, "member", "editor").status_code == 302
    assert groups(editor) == {EDITORS}


def test_a_deactivated_editor_does_not_count_either(editor_client, editor):
    other = make_user("ed2", role=EDITORS)
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert set_role(editor_client, editor, "member", "editor", **HTMX).status_code == 409
    assert groups(editor) == {EDITORS}


def test_an_editor_may_step_down_while_another_editor_remains_and_then_loses_the_page(editor_client, editor):
    make_user("ed2", role=EDITORS)
    response = set_role(editor_client, editor, "member", "editor", **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("dashboard")
    assert groups(editor) == {MEMBERS}
    assert editor_client.get(reverse("user_list")).status_code == 403


def test_two_editors_cannot_remove_each_other(editor):
    other = make_user("ed2", role=EDITORS)
    alice, bob = logged_in(editor), logged_in(other)
    assert set_role(alice, other, "member", "editor").status_code == 302
    assert set_role(bob, editor, "member", "editor").status_code == 403  # bob is no editor any more
    assert groups(editor) == {EDITORS}


def test_a_superusers_rights_are_not_changed_here(editor_client):
    root = User.objects.create_superuser("root", password="pw-for-tests-1")
    response = set_role(editor_client, root, "read-only", "read-only", **HTMX)
    assert response.status_code == 409 and "superuser" in response.content.decode()
    assert editor_client.post(reverse("user_deactivate", args=[root.pk])).status_code == 302
    assert User.objects.get(pk=root.pk).is_active


def test_a_role_that_does_not_exist_is_refused_with_400(editor_client, member):
    assert set_role(editor_client, member, "admin", "member", **HTMX).status_code == 400
    assert groups(member) == {MEMBERS}


def test_deactivating_ends_the_accounts_sessions_and_keeps_its_forecasts(editor_client, member):
    prediction = make_prediction()
    services.record_forecast(prediction, member, 0.4)
    members_browser = logged_in(member)
    assert members_browser.get(reverse("dashboard")).status_code == 200
    assert AccountSession.objects.filter(user_pk=member.pk).count() == 1

    response = editor_client.post(reverse("user_deactivate", args=[member.pk]), **HTMX)
    assert response.status_code == 200 and "mo is deactivated" in response.content.decode()
    assert not User.objects.get(pk=member.pk).is_active
    assert AccountSession.objects.filter(user_pk=member.pk).count() == 0
    assert members_browser.get(reverse("dashboard")).status_code == 302  # to the login page
    assert login(username="mo").status_code == 200  # the form again: refused
    assert Forecast.objects.filter(user=member).count() == 1

    assert editor_client.post(reverse("user_reactivate", args=[member.pk]), **HTMX).status_code == 200
    assert members_browser.get(reverse("dashboard")).status_code == 302  # the old session stays ended
    assert login(username="mo").status_code == 302


def test_deactivating_someone_already_deactivated_says_so(editor_client, member):
    editor_client.post(reverse("user_deactivate", args=[member.pk]))
    response = editor_client.post(reverse("user_deactivate", args=[member.pk]), **HTMX)
    assert response.status_code == 409 and "someone else already deactivated mo" in response.content.decode()


def test_an_editor_cannot_deactivate_themselves(editor_client, editor):
    make_user("ed2", role=EDITORS)
    response = editor_client.post(reverse("user_deactivate", args=[editor.pk]), **HTMX)
    assert response.status_code == 409 and "cannot deactivate your own account" in response.content.decode()
    assert User.objects.get(pk=editor.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_editors_stepping_down_at_the_same_moment_leave_exactly_one_editor():
    editors = [make_user(f"ed{i}", role=EDITORS) for i in range(RACERS)]

    def step_down(i):
        return set_role(logged_in(editors[i]), editors[i], "member", "editor", **HTMX).status_code

    codes = sorted(race(step_down))
    assert codes == [200] * (RACERS - 1) + [409], codes
    assert User.objects.filter(groups__name=EDITORS).count() == 1
