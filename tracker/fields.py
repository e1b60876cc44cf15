"""A web link field, the same rule in the database model, every form, the admin and the bundle schema."""

from django import forms
from django.db import models

from .validators import validate_web_url


class WebURLFormField(forms.URLField):
    """Only http and https, with one clear message; the scheme written in lowercase ('HTTPS://…' -> 'https://…')."""

    default_validators = [validate_web_url]
    default_error_messages = {"invalid": validate_web_url.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        # By hand rather than urlsplit(), which raises on text the validator has yet to refuse ('https://[').
        scheme, separator, rest = value.partition("://")
        return scheme.lower() + separator + rest if separator else value


class WebURLField(models.URLField):
    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})
