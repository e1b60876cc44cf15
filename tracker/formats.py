"""How days and moments are written, everywhere: pages, messages and form errors."""

from datetime import date, datetime

from django.utils import dateformat, timezone

DAY = "j M Y"  # 1 Dec 2026
MOMENT = f"{DAY}, H:i T"  # 1 Dec 2026, 14:05 UTC: a time means little without its zone


def day(value: date | None) -> str:
    return dateformat.format(value, DAY) if value else ""


def moment(value: datetime | None) -> str:
    return dateformat.format(timezone.localtime(value), MOMENT) if value else ""
