"""Reading transcripts: one function per format, each returning cues; `read` detects the format.

Pure Python, no database. A cue is what the file gives as one unit (a WebVTT or SRT cue, a JSON segment, an
HTML paragraph, a line of text); `sentences.py` merges cues into speaker turns and sentences. Every problem is
raised as a TranscriptError naming where it is (a line or a cue) and what is wrong.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Annotated

import srt
import webvtt
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from webvtt.errors import MalformedCaptionError, MalformedFileError


@dataclass(frozen=True, slots=True)
class Cue:
    start_ms: int | None
    end_ms: int | None
    # The label as written, or None where the file names no one (the previous speaker carries on).
    speaker: str | None
    text: str
    where: str  # "cue 12", "line 40": for messages about this cue


class TranscriptError(ValueError):
    """Bad input, with its place in the file."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message


# "Anna:", "Dr. Anna Smith:", "SPEAKER_00:", "Speaker 2:" at the start of a line: up to five words, the first
# capitalised. A word and a colon inside a sentence ("the plan: grow") does not start a line, so is left alone.
SPEAKER_PREFIX = re.compile(r"^\s*([^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,4}):(?:\s+|$)")


def split_speaker(line: str) -> tuple[str | None, str]:
    """("Anna", "Hello.") from "Anna: Hello."; (None, line) when the line names no speaker."""
    match = SPEAKER_PREFIX.match(line)
    if not match or not match.group(1)[0].isupper():
        return None, line
    return match.group(1).strip(), line[match.end():]


def _labelled_lines(text: str, start_ms, end_ms, where: str) -> list[Cue]:
    """The cues of one block of text, split where a line starts with `Name:`."""
    cues: list[Cue] = []
    speaker, lines = None, []
    for line in text.splitlines():
        label, rest = split_speaker(line)
        if label is not None:
            if lines or speaker is not None:
                cues.append(Cue(start_ms, end_ms, speaker, " ".join(lines), where))
            speaker, lines = label, [rest]
        else:
            lines.append(line)
    if lines or speaker is not None:
        cues.append(Cue(start_ms, end_ms, speaker, " ".join(lines), where))
    return cues


def _check_times(start_ms: int | None, end_ms: int | None, where: str) -> None:
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        raise TranscriptError(where, f"ends ({end_ms / 1000:g} s) before it starts ({start_ms / 1000:g} s)")


# --- WebVTT ----------------------------------------------------------------------------------------------

def _vtt_timing_lines(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if "-->" in line]


def _bad_vtt_timing(text: str) -> tuple[int, str] | None:
    """The first timing line webvtt-py cannot read, found by parsing each one on its own with webvtt-py."""
    for number, line in _vtt_timing_lines(text):
        try:
            if len(webvtt.from_string(f"WEBVTT\n\n{line}\nx\n")) == 1:
                continue
        except (MalformedCaptionError, MalformedFileError, ValueError):
            pass
        return number, line
    return None


def parse_vtt(text: str) -> list[Cue]:
    """WebVTT: speakers from `<v Name>` voice spans and from `Name:` at the start of a line of a cue."""
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedCaptionError, MalformedFileError, ValueError) as exc:
        bad = _bad_vtt_timing(text)
        if bad:
            raise TranscriptError(f"line {bad[0]}", f"malformed cue timing {bad[1].strip()!r}") from None
        raise TranscriptError("", f"not a valid WebVTT file: {exc}") from None
    # webvtt-py silently drops a cue whose timing line it cannot read, words and all: count them ourselves.
    if len(captions) != len(_vtt_timing_lines(text)):
        bad = _bad_vtt_timing(text)
        number, line = bad if bad else (0, "")
        raise TranscriptError(f"line {number}" if number else "",
                              f"malformed cue timing {line.strip()!r}" if line else
                              f"{len(_vtt_timing_lines(text))} timing lines but only {len(captions)} cues read")
    cues: list[Cue] = []
    for n, caption in enumerate(captions, 1):
        where = f"cue {n}"
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        _check_times(start, end, where)
        # A cue may hold several voice spans ("<v A>Yes</v> <v B>No</v>"): each is a turn of its own.
        parts = webvtt.Caption.VOICE_SPAN_PATTERN.split(caption.raw_text)
        chunks = [(None, parts[0])] + list(zip(parts[1::2], parts[2::2], strict=True))
        for voice, raw in chunks:
            words = html.unescape(webvtt.Caption.CUE_TEXT_TAGS.sub("", raw))
            if voice is None and not words.strip():
                continue
            for cue in _labelled_lines(words, start, end, where):
                cues.append(cue if cue.speaker or voice is None else
                            Cue(cue.start_ms, cue.end_ms, voice.strip(), cue.text, where))
    return cues


# --- SRT -------------------------------------------------------------------------------------------------

def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def parse_srt(text: str) -> list[Cue]:
    """SRT: speakers are `Name:` prefixes."""
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.expected_start) + 1
        bad = exc.unmatched_content.strip().splitlines()
        raise TranscriptError(f"line {line}", f"not a readable SRT cue: {' / '.join(bad[:2])[:100]!r}" if bad else
                              "not a readable SRT cue") from None
    timings = sum("-->" in line for line in text.splitlines())
    if timings != len(subtitles):
        raise TranscriptError("", f"{timings} timing lines but {len(subtitles)} cues read")
    cues: list[Cue] = []
    for n, subtitle in enumerate(subtitles, 1):
        where = f"cue {n}"
        start, end = _ms(subtitle.start), _ms(subtitle.end)
        _check_times(start, end, where)
        # SRT files carry <i>, <b> and <font> tags too; they are not words.
        text = html.unescape(webvtt.Caption.CUE_TEXT_TAGS.sub("", subtitle.content))
        cues.extend(_labelled_lines(text, start, end, where))
    return cues


# --- JSON: Whisper / WhisperX and the Podcast Namespace -----------------------------------------------------

Seconds = Annotated[float, Field(ge=0, le=10**7, allow_inf_nan=False)]


class _Segment(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class WhisperSegment(_Segment):
    start: Seconds | None = None
    end: Seconds | None = None
    text: str
    speaker: str | None = None


class PodcastSegment(_Segment):
    startTime: Seconds | None = None  # noqa: N815 (the format's names)
    endTime: Seconds | None = None  # noqa: N815
    body: str
    speaker: str | None = None


def seconds_to_ms(value: float | None) -> int | None:
    """Seconds as written (1.234) to milliseconds (1234), rounding away float noise."""
    return None if value is None else round(value * 1000)


def _segments(data) -> list:
    """The segments: a top-level list, or the object's `segments` list."""
    segments = data if isinstance(data, list) else data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError("", "expected a JSON object with a list of segments (or a list of segments)")
    return segments


def parse_json(text: str) -> list[Cue]:
    """Whisper/WhisperX (`start`, `end`, `text`, `speaker`) or Podcast Namespace (`startTime`, `endTime`, `body`,
    `speaker`) segments; told apart by their fields."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise TranscriptError("", "the JSON is nested too deeply") from None
    segments = _segments(data)
    podcast = bool(segments) and isinstance(segments[0], dict) and "body" in segments[0]
    model = PodcastSegment if podcast else WhisperSegment
    cues: list[Cue] = []
    for n, raw in enumerate(segments):
        where = f"segments[{n}]"
        try:
            segment = model.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            field = ".".join(str(part) for part in error["loc"])
            raise TranscriptError(f"{where}.{field}" if field else where, error["msg"][0].lower() + error["msg"][1:]
                                  ) from None
        if podcast:
            start, end, body = segment.startTime, segment.endTime, segment.body
        else:
            start, end, body = segment.start, segment.end, segment.text
        start_ms, end_ms = seconds_to_ms(start), seconds_to_ms(end)
        _check_times(start_ms, end_ms, where)
        speaker = segment.speaker.strip() if segment.speaker and segment.speaker.strip() else None
        cues.append(Cue(start_ms, end_ms, speaker, body, where))
    return cues


# --- HTML (the Podcast Namespace's <cite>, <time>, <p>) ------------------------------------------------------

CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?$")


def clock_ms(text: str) -> int | None:
    """"1:02:03.5" → 3723500 ms; None if `text` is not a clock time."""
    match = CLOCK.match(text.strip())
    if not match:
        return None
    hours, minutes, secs, fraction = match.groups()
    ms = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(secs)) * 1000 + ms


class _TranscriptHTML(HTMLParser):
    READ = frozenset({"cite", "time", "p"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cues: list[Cue] = []
        self.speaker: str | None = None
        self.start_ms: int | None = None
        self.open: str | None = None  # the element whose text is being read
        self.buffer: list[str] = []
        self.fixed = False  # the <time> being read gave its time in an attribute
        self.line = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.READ:
            self.open, self.line = tag, self.getpos()[0]
            # <time datetime="0:01:02">1 minute in</time>: the attribute is the machine-readable time.
            datetime = dict(attrs).get("datetime") if tag == "time" else None
            self.buffer = [datetime] if datetime else []
            self.fixed = bool(datetime)

    def handle_data(self, data):
        if self.open and not (self.open == "time" and self.fixed):
            self.buffer.append(data)

    def handle_endtag(self, tag):
        if tag != self.open:
            return
        text, where = "".join(self.buffer).strip(), f"line {self.line}"
        if tag == "cite":
            self.speaker = text.removesuffix(":").strip() or None
        elif tag == "time":
            ms = clock_ms(text)
            if ms is None:
                raise TranscriptError(where, f"unreadable time {text!r} (use h:mm:ss or mm:ss)")
            self.start_ms = ms
        else:
            label, text = split_speaker(" ".join(text.split()))  # "<p>Anna: Hello.</p>" without a <cite>
            self.speaker = label or self.speaker
            self.cues.append(Cue(self.start_ms, None, self.speaker, text, where))
        self.open = None


def parse_html(text: str) -> list[Cue]:
    """HTML transcripts: `<cite>` names the speaker, `<time>` the moment, each `<p>` is a cue."""
    parser = _TranscriptHTML()
    parser.feed(text)
    parser.close()
    if not parser.cues:
        raise TranscriptError("", "no <p> paragraphs found in the HTML")
    return parser.cues


# --- Plain text ------------------------------------------------------------------------------------------

# "[1:02:03]", "[02:03]", "(02:03)" at the start of a line, before an optional `Name:`.
TEXT_MARK = re.compile(r"^\s*[\[(]((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])]\s*")


def parse_text(text: str) -> list[Cue]:
    """Plain text: `[h:mm:ss]` or `(mm:ss)` marks and `Name:` turns, or neither (an article). One cue a line."""
    cues: list[Cue] = []
    start_ms: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        mark = TEXT_MARK.match(line)
        if mark:
            ms = clock_ms(mark.group(1))
            if ms is None:
                raise TranscriptError(f"line {number}", f"unreadable time {mark.group(1)!r}")
            if start_ms is not None and ms < start_ms:
                raise TranscriptError(f"line {number}", f"time {mark.group(1)} is earlier than the one before it")
            start_ms, line = ms, line[mark.end():]
        speaker, rest = split_speaker(line)
        if rest.strip() or speaker:
            cues.append(Cue(start_ms, None, speaker, rest, f"line {number}"))
    return cues


# --- Detection -------------------------------------------------------------------------------------------

SRT_START = re.compile(r"^\s*\d+\s*\r?\n[^\n]*-->")
JSON_START = re.compile(r"^(?:\{|\[\s*[{\]])")
TIMING_LINE = re.compile(r"^[ \t]*[\d:.,]+[ \t]*-->", re.MULTILINE)


def detect(text: str) -> str:
    """The format of a transcript, from its content: vtt, srt, json, html or text."""
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if JSON_START.match(head):
        return "json"
    if SRT_START.match(text):
        return "srt"
    if head.startswith("<") and re.search(r"<(p|cite|time)\b", head[:10_000], re.IGNORECASE):
        return "html"
    return "text"


PARSERS = {"vtt": parse_vtt, "srt": parse_srt, "json": parse_json, "html": parse_html, "text": parse_text}


def read(text: str) -> tuple[str, list[Cue]]:
    """(format, cues) of a decoded transcript."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise TranscriptError("", "the transcript is empty")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TranscriptError(f"line {line}", "contains a NUL character: this is not a text file")
    kind = detect(text)
    if kind in {"text", "html"} and (timing := TIMING_LINE.search(text)):
        # Subtitle cues without the WEBVTT header or the SRT numbering: reading them as text would keep the
        # timing lines as words.
        line = text.count("\n", 0, timing.start()) + 1
        raise TranscriptError(f"line {line}", "a subtitle timing line, but the file is neither WebVTT (it would "
                                              "start with WEBVTT) nor SRT (numbered cues)")
    cues = PARSERS[kind](text)
    if not any(cue.text.strip() for cue in cues):
        raise TranscriptError("", "the transcript has no words")
    return kind, cues
