"""Forecasts are append-only through an import too, and every forecast an import adds says so: when, and by
whom. The scoreboard can leave imported forecasts out."""

import copy
import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.factories import make_prediction, make_user
from tests.test_bundle import VALID, run_import
from tracker import services
from tracker.bundle import export_bundle
from tracker.models import Forecast, Person, Prediction

pytestmark = pytest.mark.django_db


def upload(client, bundle):
    return client.post("/import/", {"file": SimpleUploadedFile("bundle.json", json.dumps(bundle).encode())})


def test_a_bundle_cannot_change_a_stored_forecast(editor_client):
    upload(editor_client, VALID)
    changed = copy.deepcopy(VALID)
    changed["forecasts"][0].update(probability=0.99, note="Rewritten.")
    response = upload(editor_client, changed)
    html = response.content.decode()
    assert response.status_code == 422
    assert "<code>forecasts[0]</code>: differs from the forecast already stored" in html
    stored = Forecast.objects.get()
    assert (stored.probability, stored.note) == (0.25, "Too early.")


def test_the_command_refuses_a_changed_forecast_and_writes_nothing():
    run_import(VALID)
    changed = copy.deepcopy(VALID)
    changed["forecasts"][0]["probability"] = 0.99
    changed["people"][0]["name"] = "Renamed"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(changed, stderr=err)
    assert err.getvalue().startswith("forecasts[0]: differs from the forecast already stored for 'bob'")
    assert Forecast.objects.get().probability == 0.25
    assert Person.objects.get().name == "Ana Analyst"


def test_a_forecast_imported_through_the_page_records_who_imported_it_and_when(editor_client, editor):
    before = datetime.now(UTC)
    upload(editor_client, VALID)
    forecast = Forecast.objects.get()
    assert forecast.imported_by == editor and forecast.imported_at >= before
    page = editor_client.get(forecast.prediction.get_absolute_url()).content.decode()
    assert f"imported <time datetime=\"{forecast.imported_at:%Y-%m-%d}" in page
    assert "by edith</td>" in page


def test_a_forecast_entered_in_the_app_says_entered(editor_client, editor):
    p = make_prediction()
    services.record_forecast(p, editor, 0.4)
    page = editor_client.get(p.get_absolute_url()).content.decode()
    assert "<td>entered</td>" in page and "imported" not in page


def test_the_command_records_the_importing_user_given_with_as():
    make_user("ivan", role="editors")
    run_import(VALID, "--as", "ivan")
    assert Forecast.objects.get().imported_by.username == "ivan"


def test_the_command_without_as_records_an_import_by_nobody_known():
    run_import(VALID)
    forecast = Forecast.objects.get()
    assert forecast.imported_at is not None and forecast.imported_by is None


def test_a_bundle_claiming_a_forecast_was_entered_live_is_not_believed(editor_client, editor):
    claims = copy.deepcopy(VALID)
    claims["forecasts"][0].update(imported_at=None, imported_by=None)
    upload(editor_client, claims)
    assert Forecast.objects.get().imported_by == editor


def test_export_writes_the_provenance_of_imported_forecasts_only(editor_client, editor):
    upload(editor_client, VALID)
    services.record_forecast(make_prediction(key="live-one"), editor, 0.4)
    forecasts = {f["prediction"]: f for f in json.loads(export_bundle())["forecasts"]}
    assert forecasts["acme-ipo"]["imported_by"] == "edith"
    assert forecasts["acme-ipo"]["imported_at"].startswith(str(date.today().year))
    assert "imported_at" not in forecasts["live-one"] and "imported_by" not in forecasts["live-one"]


@pytest.fixture
def imported_and_live(editor):
    """One scored prediction with a live forecast by Lena and an imported one by Bob."""
    bundle = {"format": "thesis-tracker/1",
              "predictions": [{"key": "scored", "statement": "It happens", "made_on": "2026-01-01",
                               "resolve_by": "2026-06-01"}],
              "forecasts": [{"user": "bob", "prediction": "scored", "probability": 0.9,
                             "made_at": "2026-01-02T00:00:00Z"}]}
    run_import(bundle)
    p = Prediction.objects.get(key="scored")
    lena = make_user("lena", role="members")
    Forecast.objects.create(prediction=p, user=lena, probability=0.6, made_at=datetime(2026, 1, 3, tzinfo=UTC))
    services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 5, 1))


def test_the_scoreboard_can_count_live_forecasts_only(editor_client, imported_and_live):
    everyone = editor_client.get("/scoreboard/").content.decode()
    assert ">bob</a>" in everyone and ">lena</a>" in everyone
    assert "1 of the counted forecasts was imported" in everyone
    live = editor_client.get("/scoreboard/?forecasts=live").content.decode()
    assert ">lena</a>" in live and ">bob</a>" not in live
    assert "Counting only forecasts entered in the app" in live
    # The restricted board is its own cache entry: the full one is still served in full.
    assert ">bob</a>" in editor_client.get("/scoreboard/").content.decode()


def test_the_scoreboard_command_counts_live_forecasts_only_when_asked(imported_and_live):
    out = io.StringIO()
    call_command("scoreboard", "--live-only", stdout=out)
    board = json.loads(out.getvalue())
    assert [row["username"] for row in board["forecasters"]] == ["lena"]
    assert board["imported_forecasts"] == 0
    out = io.StringIO()
    call_command("scoreboard", stdout=out)
    board = json.loads(out.getvalue())
    assert sorted(row["username"] for row in board["forecasters"]) == ["bob", "lena"]
    assert board["imported_forecasts"] == 1
