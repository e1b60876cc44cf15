"""Rules a stored value follows, shared by the models, the forms and the bundle schema, so that whatever a form
accepts can be exported and imported again."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.utils.text import slugify

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY_RULE = "lowercase letters and digits, words joined by single hyphens, e.g. 'nathan-lambert'"

validate_key = RegexValidator(KEY_PATTERN, f"Use {KEY_RULE}.")
# Market symbols as the data sites write them: GOOGL, BRK-B, BRK.B, ^GSPC, EURUSD=X.
TICKER_PATTERN = r"^[A-Z0-9^][A-Z0-9.^=-]*$"
validate_ticker = RegexValidator(TICKER_PATTERN, "Use capital letters, digits and . - ^ = only, e.g. 'GOOGL' "
                                                 "or 'BRK-B'.")


def validate_positive(value: float) -> None:
    """A price: a return divides by it, so 0 or less is a broken file, not a price."""
    if not value > 0:
        raise ValidationError("Enter a number greater than 0.", code="not_positive")


def normal_ticker(text: str) -> str:
    """A ticker as prices are stored under it: ' googl ' -> 'GOOGL'."""
    return text.strip().upper()


validate_web_url = URLValidator(schemes=["http", "https"],
                                message="Enter a web address that starts with http:// or https://.")


def to_key(text: str) -> str:
    """The key-shaped form of any text ('' when nothing is left): 'Foo_Bar, Inc.' -> 'foo-bar-inc'."""
    return re.sub(r"[^a-z0-9]+", "-", slugify(text)).strip("-")
