"""Forms for the browser app: filters, in-place actions, and create/edit for every kind of object."""

from __future__ import annotations

import math
from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from . import search, services
from .accounts import email_owner
from .cache import invalidate_scoreboard
from .editing import set_links, update_if_unchanged
from .fields import form_field
from .formats import day
from .limits import bounds, namesakes
from .market import priced_links
from .models import (
    DEFAULT_BENCHMARK,
    Company,
    Forecast,
    Person,
    Prediction,
    PredictionEdit,
    Quote,
    ReminderSettings,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
    ThesisCompany,
    format_timestamp,
)
from .pickers import ManyPicker, OnePicker, PickerForm
from .roles import MAY_FORECAST, Role
from .validators import normal_ticker, to_key, validate_key

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
    # Who saves the edit, for records that name them (set by the view: tracker/views/common.py edit_object).
    actor = None
    # Many-to-many links this form edits that the other end's form edits too (a thesis's predictions are the
    # predictions' theses): saving them also moves the versions of the objects linked or unlinked.
    shared_links: tuple[str, ...] = ()

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
            if field.name in edited and field.name not in self.shared_links:
                field.save_form_data(self.instance, self.cleaned_data[field.name])
        for name in self.shared_links:
            if name in edited:
                set_links(self.instance, name, self.cleaned_data[name])

    def save(self, commit=True):
        if not self.instance.pk:
            with transaction.atomic():
                saved = super().save(commit)
                if commit:
                    for name in self.shared_links:
                        set_links(saved, name, self.cleaned_data[name], created=True)
            return saved
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
        # A form without the source field (a quote typed on a prediction's form) is given it on its instance.
        source = data.get("source") if "source" in self.fields else getattr(self.instance, "source", None)
        at = data.get("timestamp_seconds")
        if source and source.duration_seconds and at is not None and at > source.duration_seconds:
            self.add_error("timestamp_seconds", f"“{source.title}” is only {format_timestamp(source.duration_seconds)}"
                                                f" long.")
        return data


class NewQuoteForm(QuoteForm):
    """A quote typed on the new-prediction form. Its source is the prediction's (set on the instance before
    it is validated); left blank, there is no new quote."""

    use_required_attribute = False  # the whole fieldset is optional

    class Meta(QuoteForm.Meta):
        fields = ["text", "speaker", "timestamp_seconds", "key"]
        labels = {"text": "Verbatim text", "speaker": "Said by"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["key"]  # made from the text, as a blank key is on the quote form
        self.fields["text"].required = False
        self.fields["speaker"].help_text = "Blank: the prediction's speaker."

    @property
    def is_given(self) -> bool:
        return self.is_bound and self.has_changed()

    def clean_text(self):
        text = self.cleaned_data.get("text")
        if not text:
            raise forms.ValidationError("Enter the words of the new quote, or leave all its fields blank.",
                                        code="required")
        return text


class TickerField(forms.CharField):
    """A ticker as typed ('spy ') is the ticker prices are stored under ('SPY')."""

    def to_python(self, value) -> str:
        return normal_ticker(super().to_python(value))


class ThesisForm(PickerForm, KeyedForm):
    key_from = "title"
    shared_links = ("predictions",)
    quotes = QuoteChoiceField(queryset=Quote.objects.none(), required=False, label="Supporting quotes")
    predictions = ManyPicker(queryset=Prediction.objects.none(), required=False, label="Predictions",
                             help_text="The predictions that bear on this thesis.")

    class Meta:
        model = Thesis
        fields = ["title", "stance", "status", "rationale", "opened_on", "companies", "quotes", "predictions",
                  "benchmark", "key"]
        field_classes = {"companies": ManyPicker, "benchmark": TickerField}
        widgets = {"opened_on": DateInput(), "rationale": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quotes"].queryset = quote_choices()
        self.fields["predictions"].queryset = Prediction.objects.order_by("-pk")  # the newest is picked most
        if self.instance.pk:
            # The other end of Prediction.theses: a ModelForm fills in only the model's own fields.
            self.initial.setdefault("predictions", list(self.instance.predictions.values_list("pk", flat=True)))
        self.fields["benchmark"].required = False
        self.fields["benchmark"].help_text += f" Left blank: {DEFAULT_BENCHMARK}."

    def clean_benchmark(self) -> str:
        return self.cleaned_data["benchmark"] or DEFAULT_BENCHMARK


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
QUOTE_PERMISSION = f"tracker.add_{Quote._meta.model_name}"  # as edit_object asks of the quote form


FORECAST_MIN, FORECAST_MAX, FORECAST_STEP = 0.1, 99.9, 0.1  # percent; the bundle takes any 0 < p < 1
FORECAST_RANGE = f"Enter a probability from {FORECAST_MIN:g} to {FORECAST_MAX:g}%."


class ForecastPercentField(forms.FloatField):
    """A forecast, typed as a percentage strictly between certainties: 0 and 1 would make a log score infinite."""

    def __init__(self, **kwargs):
        message = FORECAST_RANGE.replace("%", "%%")
        super().__init__(
            min_value=FORECAST_MIN, max_value=FORECAST_MAX,
            error_messages={"min_value": message, "max_value": message},
            widget=forms.NumberInput(attrs={"step": f"{FORECAST_STEP:g}", "min": f"{FORECAST_MIN:g}",
                                            "max": f"{FORECAST_MAX:g}", "inputmode": "decimal"}),
            **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError(FORECAST_RANGE)

    @staticmethod
    def probability(percent: float) -> float:
        # Rounded, because 99.9 / 100 is 0.9990000000000001 in floating point: the stored value should be the
        # one typed, to a millionth, not a hair past the bound the form promised.
        return round(percent / 100, 6)


class PredictionForm(PickerForm, KeyedForm):
    """`user`: who creates it; they may type a new quote with it if they may add quotes, and give their own
    forecast if they may forecast. `within`: the source a page came from (a source's or a quote's "Add
    prediction"), whose quotes alone are offered."""

    key_from = "statement"
    shared_links = ("theses",)
    field_order = ["statement", "speaker", "source", "made_on", "resolve_by", "criteria", "stated_percent",
                   "my_percent", "tags", "quotes", "theses", "companies", "key"]
    quotes = QuoteChoiceField(queryset=Quote.objects.none(), required=False, label="Supporting quotes")
    tags = TagsField(required=False, help_text="Comma-separated, e.g. ipo, m-and-a")
    stated_percent = forms.FloatField(
        required=False, min_value=100 * STATED[0], max_value=100 * STATED[1],
        label="Speaker's stated confidence (%)", help_text="Only if the speaker gave a number.",
    )
    my_percent = ForecastPercentField(
        required=False, label="Your own forecast (%)",
        help_text=f"Optional: how likely you think it is to come true, from {FORECAST_MIN:g} to {FORECAST_MAX:g}%.")

    class Meta:
        model = Prediction
        fields = ["statement", "speaker", "source", "made_on", "resolve_by", "criteria", "quotes", "theses",
                  "companies", "key"]
        field_classes = {"speaker": OnePicker, "source": OnePicker, "theses": ManyPicker, "companies": ManyPicker}
        widgets = {"made_on": DateInput(), "resolve_by": DateInput(),
                   "statement": forms.Textarea(attrs={"rows": 3}), "criteria": forms.Textarea(attrs={"rows": 3})}
        labels = {"criteria": "Resolution criteria", "resolve_by": "Resolve by"}

    def __init__(self, *args, user=None, within: Source | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        quotes = quote_choices()
        self.fields["quotes"].queryset = quotes.filter(source=within) if within else quotes
        self.new_quote = None
        if self.instance.pk:
            self.initial.setdefault("tags", sorted(t.name for t in self.instance.tags.all()))
            if self.instance.stated_probability is not None:
                self.initial.setdefault("stated_percent", round(self.instance.stated_probability * 100, 2))
        else:
            self.initial.setdefault("made_on", timezone.localdate())
        if not self.instance.pk and user and user.has_perm(QUOTE_PERMISSION):
            self.new_quote = NewQuoteForm(self.data if self.is_bound else None, prefix="new_quote")
            self.inline_forms = (("New quote (optional): the words it was said in, if not listed above",
                                  self.new_quote, "quotes"),)
        # One's own forecast goes with a new prediction; later ones are made on its page.
        if self.instance.pk or not (user and user.has_perm(MAY_FORECAST)):
            del self.fields["my_percent"]

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
        if self.new_quote is not None and self.new_quote.is_given:
            self.clean_new_quote(data.get("source"))
        return data

    def clean_new_quote(self, source: Source | None) -> None:
        """The new quote is checked as the quote form checks one, said in the prediction's source."""
        if source is None:
            if "source" not in self.errors:
                self.add_error("source", "A new quote needs its source: pick where the prediction was made.")
            return
        self.new_quote.instance.source = source
        if not self.new_quote.is_valid():
            self.add_error(None, "The new quote is not valid: see its fields below.")

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
            # The values as loaded: the version check below proves they were the stored ones.
            before = {name: self.initial.get(name) for name in PredictionEdit.Field.values
                      if name in self.edited_fields()}
            with transaction.atomic():
                prediction = super().save(commit)
                PredictionEdit.record(prediction, before, editor=self.actor)
            return prediction
        self.instance.stated_probability = self.stated_probability
        with transaction.atomic():
            prediction = super().save(commit)
            if commit:
                prediction.tags.set(self.chosen_tags())
                if self.new_quote is not None and self.new_quote.is_given:
                    if self.new_quote.instance.speaker_id is None:
                        self.new_quote.instance.speaker = prediction.speaker
                    prediction.quotes.add(self.new_quote.save())
                if self.cleaned_data.get("my_percent") is not None:
                    services.record_forecast(prediction, self.user,
                                             ForecastPercentField.probability(self.cleaned_data["my_percent"]))
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


class PositionsForm(forms.Form):
    """How each company of a thesis is held when its return is computed: as the stance says, long or short."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, thesis: Thesis, **kwargs):
        super().__init__(*args, **kwargs)
        self.thesis = thesis
        self.links = list(priced_links(ThesisCompany.objects.filter(thesis=thesis)).order_by("company__name", "pk"))
        self.initial["version"] = thesis.version
        as_stance = f"As the stance says ({thesis.default_direction})"
        for link in self.links:
            self.fields[self.name_for(link.company_id)] = forms.ChoiceField(
                choices=[("", as_stance), *ThesisCompany.Direction.choices], required=False, initial=link.direction,
                label=f"How {link.company.name} is held")

    @staticmethod
    def name_for(company_id: int) -> str:
        return f"direction-{company_id}"

    def changes(self) -> dict[int, str]:
        """Link pk -> the direction chosen, for the links whose direction the form changes."""
        chosen = {link.pk: self.cleaned_data[self.name_for(link.company_id)] for link in self.links}
        return {link.pk: chosen[link.pk] for link in self.links if chosen[link.pk] != link.direction}

    def save(self) -> int:
        """Write the changed directions if the thesis is still at the version the form was loaded at (else
        StaleEdit, nothing written); how many changed."""
        changes = self.changes()
        with transaction.atomic():
            update_if_unchanged(self.thesis, self.cleaned_data["version"], {}, touched=bool(changes))
            for pk, direction in changes.items():
                ThesisCompany.objects.filter(pk=pk).update(direction=direction)
            if changes:
                invalidate_scoreboard()
        return len(changes)


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


class ForecastForm(forms.Form):
    percent = ForecastPercentField(label="Your probability (%)")
    note = form_field(Forecast, "note", widget=forms.TextInput, label="Note (optional)")

    @property
    def probability(self) -> float:
        return ForecastPercentField.probability(self.cleaned_data["percent"])


class ImportForm(forms.Form):
    file = forms.FileField(label="Bundle file (JSON)")


class PriceImportForm(forms.Form):
    file = forms.FileField(label="Price file (CSV from Stooq or Yahoo)")
    ticker = TickerField(required=False, max_length=Thesis._meta.get_field("benchmark").max_length,
                         help_text="The ticker the file's prices are for, e.g. GOOGL or SPY. Leave blank for a file "
                                   "with a Ticker column.")


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


# --- Accounts -------------------------------------------------------------------------------------------

USER_FIELDS = get_user_model()._meta


def address_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(label="E-mail address", max_length=USER_FIELDS.get_field("email").max_length, **kwargs)


class InviteForm(forms.Form):
    """Invite someone new (with a role), or, given `account`, the person behind an account that cannot log in yet."""

    email = address_field()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if account is not None:
            del self.fields["role"]
            self.initial.setdefault("email", account.email)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        owner = email_owner(email, exclude_pk=self.account.pk if self.account else None)
        if owner is not None and not owner.has_usable_password() and self.account is None:
            raise forms.ValidationError(f"{owner.get_username()} already has this address and has not joined yet: "
                                        f"send a new invitation from their row below.")
        if owner is not None:
            raise forms.ValidationError(f"The account {owner.get_username()} already uses this address.")
        return email

    def cleaned_role(self) -> Role | None:
        return Role(self.cleaned_data["role"]) if "role" in self.cleaned_data else None


class RoleForm(forms.Form):
    """A new role, and the one the page showed, which the change checks is still held."""

    role = forms.ChoiceField(choices=Role.choices)
    seen = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)


class JoinForm(SetPasswordForm):
    """An invitee's password, and their user name when the invitation made the account."""

    username = forms.CharField(label="User name", max_length=USER_FIELDS.get_field("username").max_length,
                               validators=USER_FIELDS.get_field("username").validators,
                               help_text="Letters, digits and @ . + - _ only; others see it next to your forecasts.")
    field_order = ["username", "new_password1", "new_password2"]

    def __init__(self, user, *args, chooses_username: bool, **kwargs):
        super().__init__(user, *args, **kwargs)
        if chooses_username:
            self.initial.setdefault("username", user.get_username())
        else:
            del self.fields["username"]

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError("This user name is taken; choose another.")
        self.user.username = name  # so the password checks compare against the name chosen
        return name


class EmailForm(forms.Form):
    """A user's own address, and the one the page showed (a change elsewhere since is not overwritten)."""

    email = address_field(required=False, help_text="For invitations, password resets and reminders. Leave it "
                                                    "empty to get no e-mail at all (no password reset either).")
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.initial.setdefault("email", user.email)
        self.initial.setdefault("seen", user.email)

    def clean_email(self) -> str:
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        if email_owner(email, exclude_pk=self.user.pk):
            raise forms.ValidationError("Another account uses this address; each address belongs to one account.")
        return email
class ReminderSettingsForm(VersionedForm):
    """A user's digest: how often, on which weekday, at what hour, and when a forecast counts as stale."""

    HOURS = [(h, f"{h:02d}:00") for h in range(24)]

    class Meta:
        model = ReminderSettings
        fields = ["digest", "weekday", "hour", "stale_after_days"]
        widgets = {"digest": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hour"] = forms.TypedChoiceField(
            choices=self.HOURS, coerce=int, label="Hour", help_text=self.fields["hour"].help_text)
        self.fields["weekday"].label = "Weekday"


class CalendarLinkForm(forms.Form):
    """Make a calendar link (or a new one, which ends the old), or revoke it."""

    action = forms.ChoiceField(choices=[("create", "Make a link"), ("revoke", "Revoke the link")])
    shown = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
