from django import template
from django.core.paginator import Page
from django.db.models import Count

from tracker.models import Candidate, Source, TranscriptSegment, format_timestamp, link_at
from tracker.paging import page_of

register = template.Library()

PER_PAGE = TranscriptSegment.PER_PAGE
PAGE_PARAM = "transcript_page"


@register.simple_tag(takes_context=True)
def transcript_page(context, source: Source) -> Page:
    """The page of `source`'s transcript the request asks for (`?transcript_page=`), with speakers, in 2 queries."""
    segments = TranscriptSegment.objects.filter(source=source).select_related("speaker").order_by("position")
    return page_of(context["request"], segments, PER_PAGE, PAGE_PARAM)


@register.filter
def moment_link(segment: TranscriptSegment, source: Source) -> str:
    return link_at(source.url, segment.seconds)


@register.filter
def ms_timestamp(ms: int | None) -> str:
    return "" if ms is None else format_timestamp(ms // 1000)


@register.simple_tag
def pending_candidates(source: Source) -> int:
    return Candidate.objects.filter(source=source).pending().count()


@register.simple_tag
def candidate_queues() -> list[Source]:
    """The sources with candidates to review, each with `n_pending`, most first (two queries)."""
    counts = dict(Candidate.objects.pending().order_by().values_list("source").annotate(n=Count("pk")))
    sources = list(Source.objects.filter(pk__in=counts))
    for source in sources:
        source.n_pending = counts[source.pk]
    return sorted(sources, key=lambda s: (-s.n_pending, s.title))
