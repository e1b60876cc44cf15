"""The resolution history cannot be changed or deleted: not by the app, not by the admin, not in SQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from tests.factories import make_prediction
from tracker import services
from tracker.models import ResolutionEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(editor):
    p = make_prediction()
    services.resolve(p, status="true", expected_version=p.version, actor=editor, note="first")
    return ResolutionEvent.objects.get()


def test_the_database_refuses_to_update_history(event, history_locked):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ResolutionEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert ResolutionEvent.objects.get().note == "first"


def test_the_database_refuses_to_delete_history(event, history_locked):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ResolutionEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_resolutionevent")
    assert ResolutionEvent.objects.count() == 1


def test_undo_adds_a_row_instead_of_removing_one(event, editor, history_locked):
    p = event.prediction
    p.refresh_from_db()
    services.undo(p, expected_version=p.version, actor=editor)
    assert ResolutionEvent.objects.count() == 2
    assert ResolutionEvent.objects.get(pk=event.pk).note == "first"


def test_a_prediction_with_history_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        event.prediction.delete()


def test_the_admin_offers_no_way_to_change_history(admin_client, event):
    page = admin_client.get(f"/admin/tracker/resolutionevent/{event.pk}/change/")
    assert page.status_code == 200  # a superuser may look at an entry, read-only
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(f"/admin/tracker/resolutionevent/{event.pk}/change/", {"note": "x"})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/tracker/resolutionevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ResolutionEvent.objects.get().note == "first"
