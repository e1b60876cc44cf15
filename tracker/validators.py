"""Rules a stored value follows, shared by the models, the forms and the bundle schema, so that whatever a form
accepts can be exported and imported again."""

import re

from django.core.validators import RegexValidator, URLValidator
from django.utils.text import slugify

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY_RULE = "lowercase letters and digits, words joined by single hyphens, e.g. 'nathan-lambert'"

validate_key = RegexValidator(KEY_PATTERN, f"Use {KEY_RULE}.")
validate_web_url = URLValidator(schemes=["http", "https"],
                                message="Enter a web address that starts with http:// or https://.")


def to_key(text: str) -> str:
    """The key-shaped form of any text ('' when nothing is left): 'Foo_Bar, Inc.' -> 'foo-bar-inc'."""
    return re.sub(r"[^a-z0-9]+", "-", slugify(text)).strip("-")
