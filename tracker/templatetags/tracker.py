from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tracker import formats
from tracker.forms import ForecastForm
from tracker.models import format_timestamp

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """To `digits` decimals, without trailing zeros: 0.015 -> '1.5%', 0.4 -> '40%'; None -> '—'."""
    if value is None or value == "":
        return "—"
    text = f"{float(value) * 100:.{int(digits)}f}"
    return f"{text.rstrip('0').rstrip('.') if '.' in text else text}%"


@register.filter
def signed_percent(value, digits: int = 1) -> str:
    """A return, with its sign: 0.1234 -> '+12.3%', -0.05 -> '−5%'; None -> '—'."""
    if value is None or value == "":
        return "—"
    text = percent(abs(value), digits)
    return text if text == "0%" else ("+" if value > 0 else "−") + text


@register.filter
def price(value) -> str:
    """A price to the cent, 1,234.50: `floatformat` goes through Decimal and costs ten times as much."""
    return "—" if value is None else f"{float(value):,.2f}"


@register.filter
def iso(value) -> str:
    """A date as `<time datetime>` wants it."""
    return value.isoformat() if value else ""


# The widget attributes that state a form's rules or layout: hand-drawn inputs take them from the field.
RULE_ATTRS = ("maxlength", "minlength", "min", "max", "step", "rows", "inputmode")


def rule_attrs(field) -> str:
    attrs = field.widget.attrs
    return mark_safe(" ".join(f'{name}="{escape(attrs[name])}"' for name in RULE_ATTRS if name in attrs))


@register.simple_tag
def widget_attrs(bound_field) -> str:
    """A bound field's limits (maxlength, min, max, step, rows), for an input drawn by hand."""
    return rule_attrs(bound_field.field)


@register.simple_tag
def forecast_input_attrs(name: str = "percent") -> str:
    """A forecast field's limits, from the form that checks them, for cards that draw the input without a form."""
    return rule_attrs(ForecastForm.base_fields[name])


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


register.filter("day", formats.day)
register.filter("moment", formats.moment)
