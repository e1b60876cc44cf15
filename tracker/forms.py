"""Forms for the browser app: filters, in-place actions, and create/edit for every kind of object."""

from __future__ import annotations

import math
from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from . import search
from .editing import update_if_unchanged
from .fields import form_field
from .formats import day
from .limits import bounds, namesakes
from .models import (
    Company,
    Forecast,
    Person,
    Prediction,
    Quote,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
    format_timestamp,
)
from .pickers import ManyPicker, OnePicker, PickerForm
from .validators import to_key, validate_key

Status = Prediction.Status


def unique_key(model, text: str, exclude_pk=None) -> str:
    """A slug from `text` that no other row of `model` uses yet."""
    base = to_key(text)[:80].strip("-") or model._meta.model_name
    taken = set(model.objects.filter(key__startswith=base).exclude(pk=exclude_pk).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


class VersionedForm(forms.ModelForm):
    """A form that edits carries the version it was loaded at, and saving an edit writes only the fields the
    user changed, in one UPDATE that also checks that version (else `StaleEdit`, with nothing written)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            del self.fields["version"]
        # What changed is judged against the row as stored now (the version says it is the one the user saw), not
        # against a hidden copy of the form's first values: the form a conflict page offers must save as shown.
        for field in self.fields.values():
            field.show_hidden_initial = False

    def clean(self):
        data = super().clean()
        if self.instance.pk and data.get("version") is None:
            self.add_error(None, "This form came without the version it was opened at, so it cannot be checked "
                                 "against later changes. Reload the page and make your change again.")
        return data

    def has_edits(self) -> bool:
        return bool(set(self.changed_data) - {"version"})

    def edited_fields(self) -> set[str]:
        """The model fields this form edits whose value the user changed."""
        return set(self.changed_data) & set(self._meta.fields)

    def changed_columns(self) -> dict:
        edited = self.edited_fields()
        # The instance holds the cleaned values of the form's fields (set during validation); its other columns
        # are as loaded, possibly stale, so they are never written.
        return {f.attname: getattr(self.instance, f.attname) for f in self.instance._meta.concrete_fields
                if f.name in edited}

    def save_changed_links(self) -> None:
        edited = self.edited_fields()
        for field in self.instance._meta.many_to_many:
            if field.name in edited:
                field.save_form_data(self.instance, self.cleaned_data[field.name])

    def save(self, commit=True):
        if not self.instance.pk:
            return super().save(commit)
        if not commit:
            raise ValueError("An edit is checked and written in one step; it cannot be saved with commit=False.")
        with transaction.atomic():
            update_if_unchanged(self.instance, self.cleaned_data["version"], self.changed_columns(),
                                touched=self.has_edits())
            self.save_changed_links()
        self.instance.refresh_from_db()
        return self.instance


class KeyedForm(VersionedForm):
    """Leaves the key optional: a blank key is made from the object's name or title.

    Refuses a second object whose `same_name_fields` (declared by the model) match another's by `same_name`.
    """

    key_from = "name"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].validators = [validate_key]  # stricter than a slug: no underscores, no capitals
        self.fields["key"].help_text = (f"Optional. A short unique slug used in bundles and links; made from the "
                                        f"{self.key_from} if left blank.")

    def clean_key(self):
        key = self.cleaned_data.get("key")
        if key:
            return key
        if self.instance.pk:
            return self.instance.key
        return ""

    def clean(self):
        data = super().clean()
        model = self._meta.model
        names = getattr(model, "same_name_fields", ())
        values = {name: data.get(name) or "" for name in names}
        if values and all(isinstance(v, str) for v in values.values()) and values[names[0]]:
            same = namesakes(model, values, exclude_pk=self.instance.pk)
            if same:
                what = " and ".join(f"{self.fields[name].label.lower()} “{value}”"
                                    for name, value in values.items() if value)
                self.add_error(names[0], f"There is already a {model._meta.verbose_name} with this {what}: "
                                         f"{same[0]}. Edit that one instead.")
        return data

    def save(self, commit=True):
        if not self.instance.key:
            text = str(self.cleaned_data.get(self.key_from) or "")
            self.instance.key = unique_key(type(self.instance), text)
        return super().save(commit)


class QuoteChoiceField(ManyPicker):
    """The quote picker: each quote shown with its speaker and moment."""

    def label_from_instance(self, quote: Quote) -> str:
        who = quote.speaker.name if quote.speaker else "Unattributed"
        at = f" at {quote.timestamp_label}" if quote.timestamp_seconds is not None else ""
        return f"{quote} — {who}, {quote.source.title}{at}"


def quote_choices():
    # Newest first: the quote just added is the one most often picked, and the first matches need no sort.
    return Quote.objects.select_related("speaker", "source").order_by("-pk")


class SecondsField(forms.IntegerField):
    """A length of time or a moment in a recording, typed as h:mm:ss, m:ss or plain seconds.

    Its range is the model field's (see `recording_seconds`), checked when the model validates.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "h:mm:ss, m:ss or seconds, e.g. 1:02:03 or 3723.")
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "h:mm:ss",
                                             "pattern": r"\s*\d+(:[0-5]?\d){0,2}\s*"})

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        parts = text.split(":")
        # ASCII digits only, and few enough that int() takes them (it refuses past 4,300).
        if (len(parts) > 3 or not all(p.isascii() and p.isdigit() and len(p) <= 20 for p in parts)
                or any(int(p) > 59 for p in parts[1:])):
            raise forms.ValidationError("Enter a time as h:mm:ss, m:ss or a number of seconds.", code="invalid")
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + int(part)
        return seconds

    def prepare_value(self, value):
        return format_timestamp(value) if isinstance(value, int) else value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(KeyedForm):
    class Meta:
        model = Person
        fields = ["name", "affiliation", "url", "key"]
        labels = {"url": "Link"}


class CompanyForm(KeyedForm):
    class Meta:
        model = Company
        fields = ["name", "ticker", "url", "key"]
        labels = {"url": "Website"}


class SourceForm(PickerForm, KeyedForm):
    key_from = "title"
    duration_seconds = SecondsField(required=False, label="Duration")

    class Meta:
        model = Source
        fields = ["kind", "title", "publisher", "author", "published_on", "url", "duration_seconds", "key"]
        field_classes = {"author": OnePicker}
        widgets = {"published_on": DateInput()}
        labels = {"url": "URL"}

    def clean_duration_seconds(self):
        duration = self.cleaned_data.get("duration_seconds")
        latest = self.instance.quotes.aggregate(latest=Max("timestamp_seconds"))["latest"] if self.instance.pk else None
        if duration is not None and latest is not None and latest > duration:
            raise forms.ValidationError(f"A quote of this source is at {format_timestamp(latest)}: the recording "
                                        f"cannot end before it.")
        return duration


class QuoteForm(PickerForm, KeyedForm):
    key_from = "text"
    timestamp_seconds = SecondsField(required=False, label="Moment in the recording",
                                     help_text="Where it is said: h:mm:ss, m:ss or seconds. Blank for text.")

    class Meta:
        model = Quote
        fields = ["source", "speaker", "text", "timestamp_seconds", "key"]
        field_classes = {"source": OnePicker, "speaker": OnePicker}
        labels = {"text": "Verbatim text"}
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        data = super().clean()
        source, at = data.get("source"), data.get("timestamp_seconds")
        if source and source.duration_seconds and at is not None and at > source.duration_seconds:
            self.add_error("timestamp_seconds", f"“{source.title}” is only {format_timestamp(source.duration_seconds)}"
                                                f" long.")
        return data


class ThesisForm(PickerForm, KeyedForm):
    key_from = "title"
    quotes = QuoteChoiceField(queryset=Quote.objects.none(), required=False, label="Supporting quotes")

    class Meta:
        model = Thesis
        fields = ["title", "stance", "status", "rationale", "opened_on", "companies", "quotes", "key"]
        field_classes = {"companies": ManyPicker}
        widgets = {"opened_on": DateInput(), "rationale": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quotes"].queryset = quote_choices()


TAG_LENGTH = Tag._meta.get_field("name").max_length


class TagsField(forms.CharField):
    """Free tags typed as a comma-separated list; each becomes a slug."""

    def to_python(self, value) -> list[str]:
        names = [to_key(part) for part in (value or "").split(",")]
        return sorted({name for name in names if name})

    def validate(self, value):
        super().validate(value)
        for name in value:
            if len(name) > TAG_LENGTH:
                raise forms.ValidationError(f"The tag '{name[:20]}…' is too long ({TAG_LENGTH} characters at most).")

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v.name if isinstance(v, Tag) else v) for v in value)
        return value


STATED = bounds(Prediction, "stated_probability")  # a probability; the form asks for a percentage


class PredictionForm(PickerForm, KeyedForm):
    key_from = "statement"
    field_order = ["statement", "speaker", "source", "made_on", "resolve_by", "criteria", "stated_percent", "tags",
                   "quotes", "theses", "companies", "key"]
    quotes = QuoteChoiceField(queryset=Quote.objects.none(), required=False, label="Supporting quotes")
    tags = TagsField(required=False, help_text="Comma-separated, e.g. ipo, m-and-a")
    stated_percent = forms.FloatField(
        required=False, min_value=100 * STATED[0], max_value=100 * STATED[1],
        label="Speaker's stated confidence (%)", help_text="Only if the speaker gave a number.",
    )

    class Meta:
        model = Prediction
        fields = ["statement", "speaker", "source", "made_on", "resolve_by", "criteria", "quotes", "theses",
                  "companies", "key"]
        field_classes = {"speaker": OnePicker, "source": OnePicker, "theses": ManyPicker, "companies": ManyPicker}
        widgets = {"made_on": DateInput(), "resolve_by": DateInput(),
                   "statement": forms.Textarea(attrs={"rows": 3}), "criteria": forms.Textarea(attrs={"rows": 3})}
        labels = {"criteria": "Resolution criteria", "resolve_by": "Resolve by"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quotes"].queryset = quote_choices()
        if self.instance.pk:
            self.initial.setdefault("tags", sorted(t.name for t in self.instance.tags.all()))
            if self.instance.stated_probability is not None:
                self.initial.setdefault("stated_percent", round(self.instance.stated_probability * 100, 2))
        else:
            self.initial.setdefault("made_on", timezone.localdate())

    def clean_stated_percent(self):
        value = self.cleaned_data.get("stated_percent")
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError("Enter a number between 0 and 100.")
        return value

    def clean_made_on(self):
        made_on = self.cleaned_data.get("made_on")
        resolved_on = self.instance.resolved_on
        if made_on and resolved_on and made_on > resolved_on:
            raise forms.ValidationError(f"It was resolved on {day(resolved_on)}, so it was made on that day "
                                        f"or before.")
        return made_on

    def clean(self):
        data = super().clean()
        made_on, resolve_by = data.get("made_on"), data.get("resolve_by")
        if made_on and resolve_by and resolve_by < made_on:
            self.add_error("resolve_by", "The resolve-by date cannot be before the date the prediction was made.")
        return data

    @property
    def stated_probability(self) -> float | None:
        percent = self.cleaned_data.get("stated_percent")
        return None if percent is None else percent / 100

    def chosen_tags(self) -> list[Tag]:
        return [Tag.objects.get_or_create(name=name)[0] for name in self.cleaned_data["tags"]]

    def changed_columns(self) -> dict:
        # Never the resolution's columns: only resolve and undo write those. (Any edit moves the version on, so
        # an open resolve form elsewhere is stale.)
        columns = super().changed_columns()
        if "stated_percent" in self.changed_data:
            columns["stated_probability"] = self.stated_probability
        return columns

    def save_changed_links(self) -> None:
        super().save_changed_links()
        if "tags" in self.changed_data:
            self.instance.tags.set(self.chosen_tags())

    def save(self, commit=True):
        if self.instance.pk:
            return super().save(commit)
        self.instance.stated_probability = self.stated_probability
        prediction = super().save(commit)
        if commit:
            prediction.tags.set(self.chosen_tags())
        return prediction


class SignalForm(PickerForm, KeyedForm):
    key_from = "title"

    class Meta:
        model = Signal
        fields = ["title", "occurred_on", "direction", "url", "summary", "theses", "predictions", "key"]
        field_classes = {"theses": ManyPicker, "predictions": ManyPicker}
        widgets = {"occurred_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}
        labels = {"occurred_on": "Date", "url": "Link"}


class QuickSignalForm(KeyedForm):
    """Adding a signal from a thesis page: the thesis is implied."""

    key_from = "title"

    class Meta:
        model = Signal
        fields = ["title", "occurred_on", "direction", "url", "summary", "key"]
        widgets = {"occurred_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 2}),
                   "key": forms.HiddenInput}
        labels = {"occurred_on": "Date", "url": "Link", "direction": "Bears on the thesis as"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("occurred_on", timezone.localdate())


class ThesisStatusForm(VersionedForm):
    class Meta:
        model = Thesis
        fields = ["status"]


class ResolveForm(forms.Form):
    """`made_on`: the prediction's date, before which it cannot have been resolved."""

    status = forms.ChoiceField(
        choices=[(Status.TRUE, "True — it happened"), (Status.FALSE, "False — it did not"),
                 (Status.AMBIGUOUS, "Ambiguous — cannot be judged")],
        widget=forms.RadioSelect, label="Outcome",
    )
    resolved_on = form_field(Prediction, "resolved_on", required=True, widget=DateInput(), label="Resolved on")
    note = form_field(ResolutionEvent, "note", widget=forms.Textarea(attrs={"rows": 2}), label="Note")
    evidence_url = form_field(ResolutionEvent, "evidence_url", label="Evidence link")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, made_on: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.made_on = made_on
        self.initial.setdefault("resolved_on", timezone.localdate())

    def clean_resolved_on(self):
        value = self.cleaned_data["resolved_on"]
        if self.made_on and value < self.made_on:
            raise forms.ValidationError(f"It was made on {day(self.made_on)}; it cannot have been resolved "
                                        f"before that.")
        return value


class UndoForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


FORECAST_MIN, FORECAST_MAX, FORECAST_STEP = 0.1, 99.9, 0.1  # percent; the bundle takes any 0 < p < 1
FORECAST_RANGE = f"Enter a probability from {FORECAST_MIN:g} to {FORECAST_MAX:g}%."


class ForecastForm(forms.Form):
    percent = forms.FloatField(
        min_value=FORECAST_MIN, max_value=FORECAST_MAX, label="Your probability (%)",
        error_messages={"min_value": FORECAST_RANGE.replace("%", "%%"), "max_value": FORECAST_RANGE.replace("%", "%%")},
        widget=forms.NumberInput(attrs={"step": f"{FORECAST_STEP:g}", "min": f"{FORECAST_MIN:g}",
                                        "max": f"{FORECAST_MAX:g}", "inputmode": "decimal"}),
    )
    note = form_field(Forecast, "note", widget=forms.TextInput, label="Note (optional)")

    def clean_percent(self):
        value = self.cleaned_data["percent"]
        if not math.isfinite(value):
            raise forms.ValidationError(FORECAST_RANGE)
        return value

    @property
    def probability(self) -> float:
        return self.cleaned_data["percent"] / 100


class ImportForm(forms.Form):
    file = forms.FileField(label="Bundle file (JSON)")


SORTS = {
    "resolve_by": ("Resolve-by date, soonest first", ["resolve_by", "id"]),
    "-resolve_by": ("Resolve-by date, latest first", ["-resolve_by", "-id"]),
    "-made_on": ("Newest first", ["-made_on", "-id"]),
    "made_on": ("Oldest first", ["made_on", "id"]),
    "-resolved_on": ("Recently resolved", ["-resolved_on", "-id"]),
}
DEFAULT_SORT = "resolve_by"
SCORED = "scored"
DUE_CHOICES = [("", "Any time"), ("overdue", "Overdue (past resolve-by, still open)"),
               ("soon", "Due in the next 30 days")]


def _read_once(anything: str, rows):
    """Choices for a ChoiceField, read from the database the first time they are asked for."""
    read: list = []

    def choices() -> list:
        if not read:
            read.append([("", anything), *rows()])
        return read[0]

    return choices


class PredictionFilterForm(forms.Form):
    """The predictions list's filters, by key so that links stay readable and stable.

    Each field's choices are read once, when first needed (to check a value given, or to draw the select), so
    validating a filter costs no extra query, and a filter that names no speaker never reads the people.
    """

    q = forms.CharField(required=False, max_length=search.MAX_QUERY_LENGTH, label="Search", widget=forms.SearchInput(
        attrs={"placeholder": "Words from the prediction, its speaker, source, quotes, tags, theses, companies"}))
    status = forms.ChoiceField(required=False, label="Status", choices=[
        ("", "Any status"), *Status.choices, (SCORED, "Resolved true or false")])
    speaker = forms.ChoiceField(required=False, label="Speaker")
    source = forms.ChoiceField(required=False, label="Source")
    thesis = forms.ChoiceField(required=False, label="Thesis")
    company = forms.ChoiceField(required=False, label="Company")
    tag = forms.ChoiceField(required=False, label="Tag")
    forecaster = forms.ChoiceField(required=False, label="Forecast by")
    due = forms.ChoiceField(required=False, choices=DUE_CHOICES, label="Due")
    # The default order is the empty value, so a URL names the order only when it is not the default.
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[
        ("" if k == DEFAULT_SORT else k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        forecasters = get_user_model().objects.filter(Exists(Forecast.objects.filter(user=OuterRef("pk"))))
        choices = {
            "speaker": ("Anyone", lambda: Person.objects.values_list("key", "name")),
            "source": ("Any source", lambda: Source.objects.values_list("key", "title")),
            "thesis": ("Any thesis", lambda: Thesis.objects.values_list("key", "title")),
            "company": ("Any company", lambda: Company.objects.values_list("key", "name")),
            "tag": ("Any tag", lambda: ((n, n) for n in Tag.objects.values_list("name", flat=True))),
            "forecaster": ("Anyone or no one", lambda: ((n, n) for n in forecasters.order_by("username")
                                                        .values_list("username", flat=True))),
        }
        for name, (anything, rows) in choices.items():
            self.fields[name].choices = _read_once(anything, rows)

    def filter(self, queryset):
        data = self.cleaned_data
        matching = search.matching_ids("prediction", data.get("q") or "")  # every word, in any order
        if matching is not None:
            queryset = queryset.filter(pk__in=matching)
        if data.get("status") == SCORED:
            queryset = queryset.scored()
        elif data.get("status"):
            queryset = queryset.filter(status=data["status"])
        lookups = {"speaker": "speaker__key", "source": "source__key", "thesis": "theses__key",
                   "company": "companies__key", "tag": "tags__name"}
        for name, lookup in lookups.items():
            if data.get(name):
                queryset = queryset.filter(**{lookup: data[name]})
        if data.get("forecaster"):
            forecast = Forecast.objects.filter(prediction=OuterRef("pk"), user__username=data["forecaster"])
            queryset = queryset.filter(Exists(forecast))
        today = timezone.localdate()
        if data.get("due") == "overdue":
            queryset = queryset.due(today)
        elif data.get("due") == "soon":
            queryset = queryset.open().filter(resolve_by__gte=today, resolve_by__lte=today + timedelta(days=30))
        return queryset.order_by(*SORTS[data.get("sort") or DEFAULT_SORT][1])
