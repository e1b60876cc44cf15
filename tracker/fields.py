"""Model fields that carry their own rule into every form, the admin and the bundle schema."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models

from .limits import collapse_spaces
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

    def run_validators(self, value):
        # A link too long to store is refused for its length alone: the address rule, which also stops at a
        # length, would add a second message, and a false one ("must start with https://").
        for validator in self.validators:
            if isinstance(validator, MaxLengthValidator):
                validator(value)
        super().run_validators(value)


class WebURLField(models.URLField):
    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})


class NameFormField(forms.CharField):
    def to_python(self, value):
        return collapse_spaces(super().to_python(value))


class NameField(models.CharField):
    """A name or title, stored with runs of whitespace made one space and none at either end."""

    collapses_spaces = True

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NameFormField, **kwargs})


def form_field(model, name: str, **kwargs) -> forms.Field:
    """The form field of a model field for a form of its own, keeping every limit the model field declares
    (ModelForm gets those from the model's own validation)."""
    field = model._meta.get_field(name)
    formfield = field.formfield(**kwargs)
    formfield.validators += [v for v in [*field.default_validators, *field._validators]
                             if v not in formfield.validators]
    return formfield
