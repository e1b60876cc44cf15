"""Sources, people, companies, quotes and signals: lists, detail pages, forms and deletion; the prediction form too."""

from django.core.paginator import Page
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tracker.forms import CompanyForm, PersonForm, PredictionForm, QuoteForm, SignalForm, SourceForm
from tracker.models import Company, Person, Prediction, Quote, Signal, Source, attach_forecast_views
from tracker.paging import page_of

from .common import delete_object, edit_object

Status = Prediction.Status


def outcome_counts(prefix: str = "predictions") -> dict:
    """Annotations: how many of an object's predictions there are (n_predictions) and in each status
    (n_open, n_true, ...)."""
    return {"n_predictions": Count(prefix, distinct=True)} | {
        f"n_{status}": Count(prefix, filter=Q(**{f"{prefix}__status": status}), distinct=True)
        for status in Status.values}


QUOTES_PER_PAGE = 100
PREDICTIONS_PER_PAGE = 20
# A source's quotes in the order they were said; quotes without a moment (from a text) last on every database.
SAID_ORDER = (F("timestamp_seconds").asc(nulls_last=True), "key")



def predictions_of(request: HttpRequest, **filters) -> Page:
    predictions = Prediction.objects.with_relations().filter(**filters).order_by("resolve_by", "id")
    page = page_of(request, predictions, PREDICTIONS_PER_PAGE, "predictions_page")
    attach_forecast_views(page.object_list, request.user)
    return page


@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.select_related("author").annotate(
        n_quotes=Count("quotes", distinct=True), n_predictions=Count("predictions", distinct=True),
    ).order_by("-published_on", "title")
    return render(request, "catalog/source_list.html", {"sources": sources})


@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source.objects.select_related("author"), pk=pk)
    quotes = source.quotes.select_related("speaker").order_by(*SAID_ORDER)
    return render(request, "catalog/source_detail.html", {
        "source": source, "quotes": page_of(request, quotes, QUOTES_PER_PAGE, "quotes_page"),
        "predictions": predictions_of(request, source=source),
       })


@require_GET
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A quote's lasting link: the page of its source's quotes that shows it."""
    quote = get_object_or_404(Quote.objects.select_related("source"), pk=pk)
    at, key = quote.timestamp_seconds, quote.key
    if at is None:
        earlier = Q(timestamp_seconds__isnull=False) | Q(timestamp_seconds__isnull=True, key__lt=key)
    else:
        earlier = Q(timestamp_seconds__lt=at) | Q(timestamp_seconds=at, key__lt=key)
    page = quote.source.quotes.filter(earlier).count() // QUOTES_PER_PAGE + 1
    return redirect(f"{quote.source.get_absolute_url()}?quotes_page={page}#quote-{key}")


@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.annotate(**outcome_counts(), n_quotes=Count("quotes", distinct=True)).order_by("name")
    return render(request, "catalog/person_list.html", {"people": people})


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.annotate(**outcome_counts()), pk=pk)
    quotes = person.quotes.select_related("source").order_by("source", *SAID_ORDER)
    scored = sum(getattr(person, f"n_{status}") for status in Prediction.SCORED)
    return render(request, "catalog/person_detail.html", {
        "person": person, "quotes": page_of(request, quotes, QUOTES_PER_PAGE, "quotes_page"),
        "predictions": predictions_of(request, speaker=person),
        "accuracy": getattr(person, f"n_{Prediction.CAME_TRUE}") / scored if scored else None})


@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    companies = Company.objects.annotate(**outcome_counts(), n_theses=Count("theses", distinct=True)).order_by("name")
    return render(request, "catalog/company_list.html", {"companies": companies})


@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    return render(request, "catalog/company_detail.html", {
        "company": company, "theses": company.theses.order_by("title"),
        "predictions": predictions_of(request, companies=company)})


@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    signals = Signal.objects.prefetch_related("theses", "predictions").order_by("-occurred_on", "title")
    return render(request, "catalog/signal_list.html", {"signals": signals})


def _int_param(request: HttpRequest, name: str) -> int | None:
    """A primary key from the query string, or None: anything else (words, "²", 30 digits) is ignored."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def capture_context(request: HttpRequest) -> tuple[Source | None, dict]:
    """What "Add prediction" on a source's page (`?source=`) or a quote's (`?quote=`, with or without its
    source) presets: the source, whose quotes alone the picker offers, made on the source's date, and the
    quote picked with its speaker. Unknown ids, and a quote of another source, are ignored."""
    source_pk, quote_pk = _int_param(request, "source"), _int_param(request, "quote")
    quote = Quote.objects.select_related("source").filter(pk=quote_pk).first() if quote_pk else None
    if quote and source_pk not in (None, quote.source_id):
        quote = None
    source = quote.source if quote else Source.objects.filter(pk=source_pk).first() if source_pk else None
    if source is None:
        return None, {}
    initial = {"source": source.pk, "made_on": source.published_on}
    if quote:
        initial |= {"quotes": [quote.pk], "speaker": quote.speaker_id}
    return source, initial


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, SourceForm, pk)


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, PersonForm, pk)


@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, CompanyForm, pk)


@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, QuoteForm, pk, source=_int_param(request, "source"))


@require_http_methods(["GET", "POST"])
def signal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, SignalForm, pk)


@require_http_methods(["GET", "POST"])
def prediction_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        return edit_object(request, PredictionForm, pk)
    source, initial = capture_context(request)
    return edit_object(request, PredictionForm, form_kwargs={"user": request.user, "within": source},
                       **{"speaker": _int_param(request, "speaker"), **initial})


@require_http_methods(["GET", "POST"])
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Source, pk, gone_to=reverse("source_list"))


@require_http_methods(["GET", "POST"])
def quote_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Quote, pk, gone_to=lambda quote: quote.source.get_absolute_url())


@require_http_methods(["GET", "POST"])
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Person, pk, gone_to=reverse("person_list"))


@require_http_methods(["GET", "POST"])
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Company, pk, gone_to=reverse("company_list"))


@require_http_methods(["GET", "POST"])
def signal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Signal, pk, gone_to=reverse("signal_list"))


@require_http_methods(["GET", "POST"])
def prediction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Prediction, pk, gone_to=reverse("prediction_list"))
