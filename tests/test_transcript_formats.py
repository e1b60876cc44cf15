"""Format detection and the conventions real files use beyond the sample files: line endings, byte order marks,
voice spans, top-level JSON lists, and files that only look like text."""

import pytest

from tracker.transcripts.parse import TranscriptError, read
from tracker.transcripts.sentences import sentences


def said(text: str) -> list[tuple]:
    return [(s.start_ms, s.speaker, s.text) for s in sentences(read(text)[1])]


@pytest.mark.parametrize(("text", "expected"), [
    ("1\r\n00:00:01,000 --> 00:00:02,000\r\nAnna: Hi there.\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nBye.\r\n",
     [(1000, "Anna", "Hi there."), (2000, "Anna", "Bye.")]),
    ("\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v Ann>Hi.\r\n", [(1000, "Ann", "Hi.")]),
    ("WEBVTT\n\n00:01.000 --> 00:02.000 align:start position:10%\n<v.loud Bob>Yes.</v> <v Ann>No.</v>\n",
     [(1000, "Bob", "Yes."), (1000, "Ann", "No.")]),
    ("1\n00:00:01,000 --> 00:00:02,000\nAnna: <i>Hi</i> &amp; bye.\n", [(1000, "Anna", "Hi & bye.")]),
    ('[{"start": 0.5, "end": 1, "text": "Hi."}]', [(500, None, "Hi.")]),
    ("<html><p>Anna: Hello.</p><p>More.</p></html>", [(None, "Anna", "Hello."), (None, "Anna", "More.")]),
    ('<cite>Ben:</cite><time datetime="0:01:02.5">a minute in</time><p>Hi.</p>', [(62500, "Ben", "Hi.")]),
    ("[speaker note] Hello.", [(None, None, "[speaker note] Hello.")]),
    ("(1:02:03.250) Hello.", [(3723250, None, "Hello.")]),
])
def test_real_file_conventions_are_read(text, expected):
    assert said(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("WEBVT\n\n00:01.000 --> 00:02.000\nHi\n", "line 3: a subtitle timing line, but the file is neither WebVTT"),
    ("WEBVTT\n\n00:05.000 --> 00:02.000\nHi\n", "cue 1: ends (2 s) before it starts (5 s)"),
    ("WEBVTT\n", "the transcript has no words"),
    ('{"a": ' * 100_000 + "1" + "}" * 100_000, "the JSON is nested too deeply"),
    ('{"segments": [{"start": NaN, "end": 1, "text": "Hi."}]}', "segments[0].start: input should be a finite"),
    ('{"segments": 5}', "expected a JSON object with a list of segments"),
    ("<cite>A</cite><time>soon</time><p>x</p>", "line 1: unreadable time 'soon'"),
    ("[0:10] One.\n[0:05] Two.\n", "line 2: time 0:05 is earlier than the one before it"),
    ("Hello\x00", "line 1: contains a NUL character"),
])
def test_broken_files_are_located_errors(text, message):
    with pytest.raises(TranscriptError) as caught:
        read(text)
    assert str(caught.value).startswith(message)
