"""The two steps of a browser upload: the file (or pasted text), then what each speaker label means."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings

from tracker.models import Person, Source

from .parse import TranscriptError
from .store import Mapped, NewPerson, Parsed, match_people, prepare

# Labels a diarizer makes up ("SPEAKER_00", "Speaker 2", "spk1"): no one is called that, so they default to nobody.
DIARIZATION_LABEL = re.compile(r"^(?:speaker|spk)[ _-]?\d+$", re.IGNORECASE)
NEW, NOBODY = "new", "none"


class TranscriptUploadForm(forms.Form):
    file = forms.FileField(required=False, label="Transcript file",
                           help_text="WebVTT, SRT, Whisper or Podcast Namespace JSON, HTML or plain text; the format "
                                     "is detected from the content.")
    text = forms.CharField(required=False, label="Or paste the text", strip=False,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="Plain text, with [h:mm:ss] marks and “Name:” turns or without (an article).")

    def __init__(self, *args, source: Source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        field = "file" if upload else "text"
        if upload:
            limit = settings.TRANSCRIPT_MAX_BYTES
            raw = upload.read(limit + 1)  # enough to tell it is too large without reading it all
        elif text.strip():
            raw = text.encode("utf-8")
        else:
            raise forms.ValidationError("Choose a transcript file or paste its text.")
        try:
            data["parsed"] = prepare(raw, self.source)
        except TranscriptError as exc:
            self.add_error(field, str(exc))
        data["raw"] = raw
        return data


class SpeakerMappingForm(forms.Form):
    """One choice per speaker label: an existing person (preselected when the names match), a new person, or
    nobody. The upload itself waits in the cache under `token` until this form is saved."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, parsed: Parsed, existing: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = parsed.labels
        matched = match_people(self.labels)
        people = [(str(pk), name) for pk, name in Person.objects.order_by("name").values_list("pk", "name")]
        self.rows = []
        for n, label in enumerate(self.labels):
            person = matched[label]
            default = str(person.pk) if person else NOBODY if DIARIZATION_LABEL.match(label) else NEW
            choice = forms.ChoiceField(label=f"“{label}” is", initial=default, choices=[
                (NEW, "A new person (named below)"), (NOBODY, "Nobody: leave unattributed"), ("People", people)])
            name = forms.CharField(required=False, max_length=200, label=f"Name of the new person for “{label}”",
                                   initial="" if DIARIZATION_LABEL.match(label) else label)
            self.fields[f"speaker_{n}"], self.fields[f"name_{n}"] = choice, name
            self.rows.append((label, parsed.first_words(label), self[f"speaker_{n}"], self[f"name_{n}"]))
        if existing:
            self.fields["replace"] = forms.BooleanField(
                label=f"Replace the current transcript ({existing} sentences). Quotes are kept.")

    def clean(self):
        data = super().clean()
        for n, label in enumerate(self.labels):
            if data.get(f"speaker_{n}") == NEW and not (data.get(f"name_{n}") or "").strip():
                if DIARIZATION_LABEL.match(label):
                    self.add_error(f"name_{n}", f"Give the new person for “{label}” a name.")
                else:
                    data[f"name_{n}"] = label
        return data

    def mapping(self) -> dict[str, Mapped]:
        """Each label's person, new person or None (also for a person deleted since the page was shown)."""
        people = Person.objects.in_bulk([int(self.cleaned_data[f"speaker_{n}"]) for n in range(len(self.labels))
                                        if self.cleaned_data[f"speaker_{n}"].isdigit()])
        result: dict[str, Mapped] = {}
        for n, label in enumerate(self.labels):
            choice = self.cleaned_data[f"speaker_{n}"]
            result[label] = (NewPerson(self.cleaned_data[f"name_{n}"].strip()) if choice == NEW else
                             None if choice == NOBODY else people.get(int(choice)))
        return result
