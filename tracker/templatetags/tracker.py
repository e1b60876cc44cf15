from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


@register.filter
def select_options(field) -> str:
    """The <option>s of a choice field, built in one pass: Django's widget templates render each option
    through its own template, which costs tens of milliseconds for a few hundred choices."""
    selected = str(field.value() or "")
    return mark_safe("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == selected else ""}>{escape(label)}</option>'
        for value, label in field.field.choices
    ))
