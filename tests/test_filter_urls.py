"""Filter URLs carry only the filters that are set, and the status chips keep the others."""

import pytest

from tests.factories import make_person, make_prediction

pytestmark = pytest.mark.django_db


def test_a_plain_form_submission_is_redirected_to_the_set_filters_only(member_client):
    make_person(key="ines", name="Ines")
    response = member_client.get("/predictions/?q=&status=open&speaker=ines&source=&tag=&sort=")
    assert response.status_code == 302
    assert response["Location"] == "/predictions/?status=open&speaker=ines"


def test_an_empty_filter_form_is_redirected_to_the_bare_list(member_client):
    response = member_client.get("/predictions/?q=&status=&speaker=")
    assert response.status_code == 302 and response["Location"] == "/predictions/"


def test_an_htmx_filter_request_pushes_a_url_with_the_set_filters_only(member_client):
    make_prediction(statement="Kelp farms double.")
    response = member_client.get("/predictions/?q=kelp&status=&speaker=", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/predictions/"})
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/predictions/?q=kelp"


def test_the_status_chips_keep_the_other_filters(member_client):
    make_person(key="ines", name="Ines")
    page = member_client.get("/predictions/?speaker=ines&status=true&page=1").content.decode()
    assert 'href="/predictions/?speaker=ines&amp;status=open"' in page
    assert 'href="/predictions/?speaker=ines&amp;due=overdue"' in page
    assert 'href="/predictions/?speaker=ines"' in page  # "all" drops the status only


def test_the_status_chips_follow_the_filters_changed_in_place(member_client):
    make_person(key="ines", name="Ines")
    response = member_client.get("/predictions/?speaker=ines", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/predictions/"})
    html = response.content.decode()
    assert 'id="status-counts" class="counts" aria-label="Predictions by status" hx-swap-oob="true"' in html
    assert 'href="/predictions/?speaker=ines&amp;status=false"' in html

