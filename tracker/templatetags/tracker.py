from django import template

from tracker.models import format_timestamp

register = template.Library()


@register.filter
def percent(value, digits: int = 0) -> str:
    """0.7 -> '70%'; None -> '—'."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def score(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def duration(seconds) -> str:
    if not seconds:
        return ""
    hours, minutes = divmod(int(seconds) // 60, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes} min"


@register.filter
def timestamp(seconds) -> str:
    return format_timestamp(seconds)
