"""Lists that come in pages: one rule for which page a request asks for, and links to the pages either side."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def page_of(request: HttpRequest, items, per_page: int, param: str = "page") -> Page:
    """The page of `items` that ?<param>=N asks for: a number below 1, or none, means the first page (not the
    last, as Paginator.get_page has it); one past the end, the last. Its previous_url and next_url keep the rest
    of the query."""
    try:
        number = max(int(request.GET.get(param)), 1)
    except (TypeError, ValueError):
        number = 1
    page = Paginator(items, per_page).get_page(number)
    page.object_list = list(page.object_list)

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    page.previous_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page
