"""The API's operations. Each is the browser's action with JSON in and out: the same forms, services, permission
checks (perms.tracker.*) and messages; every write checks the `version` it was given."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel, Field, create_model

from tracker import services
from tracker.bundle import (
    Bundle,
    BundleError,
    ForecastIn,
    HistoryIn,
    Item,
    Key,
    Problem,
    describe,
    export,
    import_bundle,
    location,
)
from tracker.cache import cached_scoreboard, invalidate_scoreboard
from tracker.editing import StaleEdit
from tracker.forms import ForecastForm, PredictionFilterForm, ResolveForm, UndoForm
from tracker.limits import too_large
from tracker.models import Person, Prediction, TranscriptSegment
from tracker.paging import page_of
from tracker.search import MAX_QUERY_LENGTH, matching_ids
from tracker.transcripts.exchange import TranscriptIn
from tracker.transcripts.parse import TranscriptError
from tracker.transcripts.store import NewPerson, label_key, match_people, prepare, save_transcript
from tracker.validators import KEY_PATTERN
from tracker.views.bundles import IMPORT_PERMISSION
from tracker.views.predictions import conflict_message, forecasts_closed_message
from tracker.views.transcripts import UPLOAD_PERMISSION

from . import tokens
from .shapes import KINDS, Error, Invalid, Kind, Version, form_problems, items, read_body, subset

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PER_PAGE, MAX_PER_PAGE = 20, 100


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


class ReadOnlyToken(Exception):
    pass


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tt_...`, checked by tracker.api.tokens.token_user before the body is read; here the
    token's budget is counted and a read-only token is kept to reading."""

    def __call__(self, request: HttpRequest):
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        if (retry := tokens.over_limit(token)) is not None:
            raise RateLimited(retry)
        if request.method not in SAFE_METHODS and token.read_only:
            raise ReadOnlyToken()
        tokens.touch(token)
        return token

    def authenticate(self, request, token):  # the abstract method; __call__ above does the work
        return None


class Api(NinjaAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents: dict[str, dict] = {}

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params=None):
        """Ninja's document, plus the request bodies this module reads itself (see `body`). Made once per
        prefix: the operations never change while the process runs, and making it takes about a second."""
        prefix = self.get_root_path(path_params or {}) if path_prefix is None else path_prefix
        if prefix not in self.documents:
            schema = super().get_openapi_schema(path_prefix=prefix)
            found = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in BODIES.values():
                defined = model.model_json_schema(ref_template="#/components/schemas/{model}")
                found.update(defined.pop("$defs", {}))
                found[model.__name__] = defined
            self.documents[prefix] = schema
        return self.documents[prefix]


api = Api(title="Thesis Tracker API", version="1", auth=TokenAuth(), urls_namespace="api",
          description="The app's data and actions for scripts. Objects are the bundle format's, plus `version`; "
                      "send `Authorization: Bearer <token>` (make one on your settings page).")
BODIES: dict[str, type[BaseModel]] = {}
# Every refusal the API gives (411 and 413 from the body-size limit, 503 from a busy database).
ERRORS = {frozenset({400, 401, 403, 404, 409, 411, 413, 422, 429, 503}): Error}


def error_response(request, status: int, message: str, problems=(), **extra) -> HttpResponse:
    payload = {"message": message, "errors": [{"location": p.location, "message": p.message} for p in problems],
               **extra}
    return api.create_response(request, payload, status=status)


@api.exception_handler(Invalid)
def invalid(request, exc: Invalid):
    return error_response(request, exc.status, exc.message, exc.problems, **exc.extra)


@api.exception_handler(NinjaValidationError)
def invalid_parameters(request, exc: NinjaValidationError):
    problems = [Problem(location(error["loc"]), describe(error)) for error in exc.errors]
    return error_response(request, 422, "The request has problems; nothing was saved.", problems)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    message = ("The token is unknown, revoked or expired." if header.lower().startswith("bearer ")
               else "Send a personal token as `Authorization: Bearer <token>` (make one on your settings page).")
    response = error_response(request, 401, message, [Problem("header.Authorization", message)])
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = error_response(request, 429, f"Too many requests with this token: try again in {exc.retry_after} s.")
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ReadOnlyToken)
def read_only(request, exc):
    return error_response(request, 403, "This token is read-only.")


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return error_response(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(request, 404, str(exc) or "Not found.")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, str(exc))


def body(name: str, schema: type[BaseModel]) -> dict:
    """Bodies are read by `read_body` (the bundle's JSON rules, in JSON mode: strict dates as text) rather than
    by ninja; this declares one in the OpenAPI document."""
    BODIES[name] = schema
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def need(request: HttpRequest, permission: str, doing: str) -> None:
    if not request.user.has_perm(f"tracker.{permission}"):
        raise PermissionDenied(f"Only editors can {doing}." if permission != "add_forecast"
                               else "Only members and editors can record forecasts.")


def ok(data: Any, status: int = 200) -> HttpResponse:
    # Built here, not validated by ninja on the way out: the declared schemas document it, and Schemathesis checks
    # that they hold.
    return HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), status=status,
                        content_type="application/json")


def get_keyed(kind: Kind, key: str):
    # A key no object can have (a NUL, say, which PostgreSQL refuses in a query) is not looked up.
    found = kind.model.objects.filter(key=key).first() if re.fullmatch(KEY_PATTERN, key) else None
    if found is None:
        raise Http404(f"No {kind.noun} has the key {key!r}.")
    return found


def paged(request: HttpRequest, kind: Kind, queryset, per_page: int) -> dict:
    page = page_of(request, queryset.values_list("pk", flat=True), per_page)
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
            "per_page": per_page, "next": page.next_url or None, "previous": page.previous_url or None,
            "results": items(kind, list(page.object_list))}


def page_schema(kind: Kind) -> type[BaseModel]:
    return create_model(f"{kind.noun.title()}Page", count=(int, ...), page=(int, ...), pages=(int, ...),
                        per_page=(int, ...), next=(str | None, ...), previous=(str | None, ...),
                        results=(list[kind.out], ...))


class Paging(Schema):
    page: int = Field(1, description="From 1; below 1 is the first page, past the end the last.")
    per_page: int = Field(PER_PAGE, ge=1, le=MAX_PER_PAGE)


# --- predictions -----------------------------------------------------------------------------------------

PREDICTIONS = KINDS["predictions"]


class PredictionFilters(Paging):
    """The predictions list page's filters, by key, with its messages for a value it does not know."""

    q: str = Field("", description="Every word, in any order, as the search box of the list page.")
    status: str = Field("", description="open, true, false, ambiguous, or scored (true or false).")
    speaker: str = Field("", description="A person's key.")
    source: str = Field("", description="A source's key.")
    thesis: str = Field("", description="A thesis's key.")
    company: str = Field("", description="A company's key.")
    tag: str = ""
    forecaster: str = Field("", description="A username: predictions with a forecast by them.")
    due: Literal["", "overdue", "soon"] = ""
    sort: Literal["", "resolve_by", "-resolve_by", "-made_on", "made_on", "-resolved_on"] = ""


@api.get("/predictions", response={200: page_schema(PREDICTIONS), **ERRORS}, tags=["predictions"])
def list_predictions(request, filters: Query[PredictionFilters]):
    """Predictions, filtered and sorted as on the list page, a page at a time."""
    chosen = filters.model_dump(exclude={"page", "per_page"}, exclude_defaults=True)
    predictions = Prediction.objects.order_by("resolve_by", "id")
    if chosen:
        form = PredictionFilterForm(chosen)
        if not form.is_valid():
            raise Invalid(400, "The filters have problems.",
                          [Problem(f"query.{name}", m) for name, errors in form.errors.items() for m in errors])
        predictions = form.filter(predictions)
    return ok(paged(request, PREDICTIONS, predictions, filters.per_page))


QuoteOut = KINDS["quotes"].out
PredictionDetail = create_model("PredictionDetail", prediction=(PREDICTIONS.out, ...), quotes=(list[QuoteOut], ...),
                                forecasts=(list[ForecastIn], ...), history=(list[HistoryIn], ...))


def prediction_detail_data(prediction: Prediction) -> dict:
    quote_pks = list(prediction.quotes.order_by("source", "timestamp_seconds", "key").values_list("pk", flat=True))
    forecasts = [
        {"user": f.user.username, "prediction": prediction.key, "probability": f.probability,
         "made_at": f.made_at, "note": f.note,
         **({"imported_at": f.imported_at, "imported_by": f.imported_by.username if f.imported_by else None}
            if f.imported_at else {})}
        for f in prediction.forecasts.select_related("user", "imported_by").order_by("made_at", "id")]
    history = [
        {"prediction": prediction.key, "action": e.action, "actor": e.actor.username if e.actor else None,
         "at": e.at, "from_status": e.from_status, "to_status": e.to_status, "resolved_on": e.resolved_on,
         "note": e.note, "evidence_url": e.evidence_url}
        for e in prediction.history.select_related("actor").order_by("at", "id")]
    return {"prediction": items(PREDICTIONS, [prediction.pk])[0], "quotes": items(KINDS["quotes"], quote_pks),
            "forecasts": forecasts, "history": history}


@api.get("/predictions/{key}", response={200: PredictionDetail, **ERRORS}, tags=["predictions"])
def get_prediction(request, key: str):
    """One prediction with its quotes, every forecast and its resolution history, oldest first."""
    return ok(prediction_detail_data(get_keyed(PREDICTIONS, key)))


ForecastBody = subset(ForecastIn, "NewForecast", ["probability", "note"])


@api.post("/predictions/{key}/forecasts", response={201: ForecastIn, **ERRORS}, tags=["predictions"],
          openapi_extra=body("NewForecast", ForecastBody))
def add_forecast(request, key: str):
    """Record your probability that the prediction comes true (members and editors), while it is open."""
    prediction = get_keyed(PREDICTIONS, key)
    need(request, "add_forecast", "record forecasts")
    data = read_body(request.body, ForecastBody)
    form = ForecastForm({"percent": data.probability * 100, "note": data.note})
    if not form.is_valid():
        problems = form_problems(form)
        problems = [Problem(p.location.replace("body.percent", "body.probability"), p.message) for p in problems]
        raise Invalid(422, "Your forecast was not saved.", problems)
    try:
        forecast = services.record_forecast(prediction, request.user, data.probability, form.cleaned_data["note"])
    except services.Conflict as conflict:
        raise Invalid(409, forecasts_closed_message(conflict.current),
                      current=items(PREDICTIONS, [conflict.current.pk])[0]) from None
    return ok({"user": request.user.username, "prediction": prediction.key, "probability": forecast.probability,
               "made_at": forecast.made_at, "note": forecast.note}, 201)


Outcome = Literal["true", "false", "ambiguous"]
ResolveBody = subset(HistoryIn, "Resolution", ["resolved_on", "note", "evidence_url"], optional=True,
                     status=(Outcome, ...), version=Version)
UndoBody = create_model("Undo", __base__=Item, version=Version)


def conflict(current: Prediction) -> Invalid:
    return Invalid(409, conflict_message(current), current=items(PREDICTIONS, [current.pk])[0])


@api.post("/predictions/{key}/resolve", response={200: PredictionDetail, **ERRORS}, tags=["predictions"],
          openapi_extra=body("Resolution", ResolveBody))
def resolve_prediction(request, key: str):
    """Resolve as true, false or ambiguous (editors), if the prediction is still at `version`; else 409 with it
    as it is now. `resolved_on` defaults to today."""
    prediction = get_keyed(PREDICTIONS, key)
    need(request, "resolve_prediction", "resolve predictions")
    data = read_body(request.body, ResolveBody)
    form = ResolveForm({"status": data.status, "version": data.version, "note": data.note or "",
                        "resolved_on": data.resolved_on or timezone.localdate(),
                        "evidence_url": data.evidence_url or ""}, made_on=prediction.made_on)
    if not form.is_valid():
        raise Invalid(422, "Please correct the fields marked.", form_problems(form))
    try:
        prediction = services.resolve(
            prediction, status=form.cleaned_data["status"], expected_version=form.cleaned_data["version"],
            actor=request.user, resolved_on=form.cleaned_data["resolved_on"], note=form.cleaned_data["note"],
            evidence_url=form.cleaned_data["evidence_url"])
    except services.Conflict as exc:
        raise conflict(exc.current) from None
    return ok(prediction_detail_data(prediction))


@api.post("/predictions/{key}/undo", response={200: PredictionDetail, **ERRORS}, tags=["predictions"],
          openapi_extra=body("Undo", UndoBody))
def undo_resolution(request, key: str):
    """Undo the latest resolution in force (editors), if the prediction is still at `version`."""
    prediction = get_keyed(PREDICTIONS, key)
    need(request, "resolve_prediction", "undo resolutions")
    data = read_body(request.body, UndoBody)
    form = UndoForm({"version": data.version})
    if not form.is_valid():
        raise Invalid(422, "The undo request was incomplete.", form_problems(form))
    try:
        prediction = services.undo(prediction, expected_version=data.version, actor=request.user)
    except services.NothingToUndo as exc:
        raise Invalid(409, str(exc), current=items(PREDICTIONS, [prediction.pk])[0]) from None
    except services.Conflict as exc:
        raise conflict(exc.current) from None
    return ok(prediction_detail_data(prediction))


# --- every keyed kind: list, one, create, edit -----------------------------------------------------------

class Search(Paging):
    q: str = Field("", max_length=MAX_QUERY_LENGTH, description="Every word, in any order, as the search page.")


def register(kind: Kind) -> None:
    """List, read, create and edit `kind` (predictions have their own list, with the list page's filters)."""
    path, tags = f"/{kind.name}", [kind.name]
    add, change = f"add_{kind.model._meta.model_name}", f"change_{kind.model._meta.model_name}"
    plural = kind.model._meta.verbose_name_plural

    if kind.name != "predictions":
        def list_objects(request, search: Query[Search]):
            if "\x00" in search.q:
                raise Invalid(400, "The search has a problem.", [Problem("query.q", "Null characters are not "
                                                                                    "allowed.")])
            found = kind.model.objects.order_by("key")
            if (ids := matching_ids(kind.model._meta.model_name, search.q)) is not None:
                found = found.filter(pk__in=ids)
            return ok(paged(request, kind, found, search.per_page))

        list_objects.__doc__ = f"Every {kind.noun}, by key, a page at a time."
        list_objects.__name__ = f"list_{kind.name}"
        api.get(path, response={200: page_schema(kind), **ERRORS}, tags=tags)(list_objects)

        def get_object(request, key: str):
            return ok(items(kind, [get_keyed(kind, key).pk])[0])

        get_object.__doc__ = f"One {kind.noun}."
        get_object.__name__ = f"get_{kind.noun}"
        api.get(f"{path}/{{key}}", response={200: kind.out, **ERRORS}, tags=tags)(get_object)

    def create_object(request):
        need(request, add, f"create {plural}")
        data = read_body(request.body, kind.create)
        form = kind.form_for(data.model_dump())  # what is left out takes the bundle's default
        if not form.is_valid():
            raise Invalid(422, "The request has problems; nothing was saved.", form_problems(form))
        with transaction.atomic():
            saved = form.save()
            invalidate_scoreboard()
        return ok(items(kind, [saved.pk])[0], 201)

    create_object.__doc__ = f"Create a {kind.noun} (editors), with the rules of its form."
    create_object.__name__ = f"create_{kind.noun}"
    api.post(path, response={201: kind.out, **ERRORS}, tags=tags,
             openapi_extra=body(kind.create.__name__, kind.create))(create_object)

    def edit_object(request, key: str):
        instance = get_keyed(kind, key)
        need(request, change, f"change {plural}")
        data = read_body(request.body, kind.edit)
        given = data.model_dump(exclude_unset=True)
        version = given.pop("version")
        form = kind.form_for(given, instance, version)
        if not form.is_valid():
            raise Invalid(422, "The request has problems; nothing was saved.", form_problems(form))
        try:
            with transaction.atomic():
                saved = form.save()
                invalidate_scoreboard()
        except StaleEdit as stale:
            if stale.current is None:
                raise Http404(f"This {kind.noun} was deleted; nothing was saved.") from None
            raise Invalid(409, f"Not saved: someone else changed this {kind.noun} since version {version}. "
                               f"Nothing was overwritten.", current=items(kind, [stale.current.pk])[0]) from None
        return ok(items(kind, [saved.pk])[0])

    edit_object.__doc__ = (f"Change some fields of a {kind.noun} (editors): only those given are written, and only "
                           f"if it is still at `version`; else 409 with it as it is now.")
    edit_object.__name__ = f"edit_{kind.noun}"
    api.patch(f"{path}/{{key}}", response={200: kind.out, **ERRORS}, tags=tags,
              openapi_extra=body(kind.edit.__name__, kind.edit))(edit_object)


for _kind in KINDS.values():
    register(_kind)


# --- transcripts -----------------------------------------------------------------------------------------

TranscriptUpload = create_model(
    "TranscriptUpload", __base__=Item,
    text=(str, Field(description="The transcript file's content: WebVTT, SRT, Whisper or Podcast JSON, HTML, "
                                 "or text; told apart by its content.")),
    replace=(bool, Field(False, description="Replace the source's transcript if it has one.")),
    speakers=(dict[str, Key | None], Field({}, description="Speaker label → a person's key, or null for nobody. "
                                                            "Other labels: a person of that name, else a new one.")),
)
TranscriptSaved = create_model(
    "TranscriptSaved", source=(str, ...), format=(str, ...), sentences=(int, ...),
    speakers=(dict[str, str | None], ...),
    candidates=(int, Field(description="Candidate predictions waiting for review on this source after the import "
                                       "(sentences decided before are not asked again).")),
)


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


@api.get("/sources/{key}/transcript", response={200: TranscriptIn, **ERRORS}, tags=["sources"])
def get_transcript(request, key: str):
    """The source's transcript as a bundle holds it: sentences in order, times in seconds, speakers by key."""
    source = get_keyed(KINDS["sources"], key)
    rows = (TranscriptSegment.objects.filter(source=source).order_by("position")
            .values_list("start_ms", "end_ms", "speaker__key", "text"))
    segments = [{"start": _seconds(a), "end": _seconds(b), "speaker": who, "text": text} for a, b, who, text in rows]
    if not segments:
        raise Http404(f"“{source.title}” has no transcript.")
    return ok({"source": source.key, "segments": segments})


@api.post("/sources/{key}/transcript", response={201: TranscriptSaved, **ERRORS}, tags=["sources"],
          openapi_extra=body("TranscriptUpload", TranscriptUpload))
def import_transcript(request, key: str):
    """Import a transcript into a source (editors), as `manage.py import_transcript` does."""
    source = get_keyed(KINDS["sources"], key)
    need(request, UPLOAD_PERMISSION.removeprefix("tracker."), "upload transcripts")
    data = read_body(request.body, TranscriptUpload)
    raw = data.text.encode()
    if refusal := too_large(len(raw), settings.TRANSCRIPT_MAX_BYTES):
        raise Invalid(413, "The transcript is too large.", [Problem("body.text", refusal)])
    try:
        parsed = prepare(raw, source)
    except TranscriptError as exc:
        raise Invalid(422, "The transcript has a problem; nothing was imported.",
                      [Problem(f"body.text{f' ({exc.where})' if exc.where else ''}", exc.message)]) from None
    mapping: dict = {label: person or NewPerson(label) for label, person in match_people(parsed.labels).items()}
    labels = {label_key(label): label for label in parsed.labels}
    people = dict(Person.objects.filter(key__in=[k for k in data.speakers.values() if k]).values_list("key", "pk"))
    problems = []
    for given, person_key in data.speakers.items():
        label = labels.get(label_key(given))
        if label is None:
            problems.append(Problem(f"body.speakers.{given}", f"no speaker {given!r} in the transcript (it names: "
                                                              f"{', '.join(parsed.labels) or 'nobody'})"))
        elif person_key and person_key not in people:
            problems.append(Problem(f"body.speakers.{given}", f"unknown person {person_key!r}"))
        else:
            mapping[label] = Person.objects.get(pk=people[person_key]) if person_key else None
    if problems:
        raise Invalid(422, "The speakers have problems; nothing was imported.", problems)
    try:
        saved = save_transcript(source, parsed, mapping, replace=data.replace)
    except TranscriptError as exc:
        raise Invalid(409, f"{exc.message}: send \"replace\": true.", [Problem("body.replace", exc.message)]) from None
    speakers = {label: (p.key if isinstance(p, Person) else None) for label, p in mapping.items()}
    speakers.update(dict(Person.objects.filter(name__in=[p.name for p in mapping.values()
                                                         if isinstance(p, NewPerson)]).values_list("name", "key")))
    return ok({"source": source.key, "format": parsed.format, "sentences": saved.sentences, "speakers": speakers,
               "candidates": saved.candidates.pending}, 201)


# --- scoreboard and bundles ------------------------------------------------------------------------------

class ScoreboardQuery(Schema):
    live_only: bool = Field(False, description="Count only forecasts entered in the app, none imported.")
    today: date | None = Field(None, description="The date overdue is counted against; default today.")


@api.get("/scoreboard", response={200: dict[str, Any], **ERRORS}, tags=["scoreboard"])
def scoreboard(request, query: Query[ScoreboardQuery]):
    """The scoreboard: the same JSON as `manage.py scoreboard --format json`."""
    return ok(cached_scoreboard(today=query.today, live_only=query.live_only))


@api.get("/bundle", response={200: Bundle, **ERRORS}, tags=["bundle"])
def export_everything(request):
    """Everything, as one bundle: the same bytes as `manage.py export_bundle`."""
    result = export()
    response = HttpResponse(result.text, content_type="application/json; charset=utf-8")
    if result.problems:
        response["X-Export-Problems"] = str(len(result.problems))
    return response


ImportReport = create_model("ImportReport", dry_run=(bool, ...), created=(dict[str, int], ...),
                            updated=(dict[str, int], ...), unchanged=(dict[str, int], ...))


class ImportQuery(Schema):
    dry_run: bool = Field(False, description="Check only; write nothing.")


@api.post("/bundle", response={200: ImportReport, **ERRORS}, tags=["bundle"],
          openapi_extra=body("Bundle", Bundle))
def import_everything(request, query: Query[ImportQuery]):
    """Import a bundle (editors): every problem located, and nothing written if there is one."""
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("Only editors can import bundles.")
    if len(request.body) > settings.BUNDLE_MAX_BYTES:
        raise Invalid(413, "The bundle is too large.", [Problem("body", f"the file is {len(request.body):,} bytes; "
                                                                         f"the limit is {settings.BUNDLE_MAX_BYTES:,} "
                                                                         f"bytes")])
    try:
        report = import_bundle(request.body, dry_run=query.dry_run, user=request.user)
    except BundleError as exc:
        raise Invalid(422, "The bundle has problems; nothing was imported.",
                      [Problem(f"body.{p.location}" if p.location else "body", p.message) for p in exc.problems]
                      ) from None
    counted = {name: {kind: n for kind, n in getattr(report, name).items() if n}
               for name in ("created", "updated", "unchanged")}
    return ok({"dry_run": query.dry_run, **counted})

