"""Cues merged into sentences: every word exactly once and in order, times from the cue a sentence starts in,
and a splitter that knows abbreviations and amounts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.transcripts.parse import Cue, read
from tracker.transcripts.sentences import sentences

WORD = st.one_of(
    st.text(alphabet="abcXYZé", min_size=1, max_size=6),
    st.sampled_from(["Mr.", "approx.", "$14.2", "bn.", "e.g.", "U.S.", "3.5%", "Yes!", "why?", "end.", "“Quote.”",
                     "J.", "...", "—", "(aside)", "2027.", "Dario:"]),
)
SPEAKER = st.one_of(st.none(), st.sampled_from(["Anna", "Ben Gilbert", "SPEAKER_00"]))


@st.composite
def cue_lists(draw):
    cues, at = [], 0
    for n in range(draw(st.integers(0, 25))):
        length = draw(st.integers(0, 400))
        words = draw(st.lists(WORD, max_size=12))
        cues.append(Cue(at, at + length, draw(SPEAKER), " ".join(words), f"cue {n + 1}"))
        at += length + draw(st.integers(0, 50))
    return cues


@given(cue_lists())
@settings(max_examples=200, deadline=None)
def test_every_word_survives_exactly_once_in_order(cues):
    words = [word for cue in cues for word in cue.text.split()]
    assert [word for s in sentences(cues) for word in s.text.split()] == words


@given(cue_lists())
@settings(max_examples=200, deadline=None)
def test_each_sentence_has_the_start_of_the_cue_its_first_word_is_in_and_its_speaker(cues):
    # The cue and the speaker in force for each word, in order.
    owners, speaker = [], None
    for cue in cues:
        speaker = cue.speaker if cue.speaker is not None else speaker
        owners += [(cue.start_ms, speaker)] * len(cue.text.split())
    n = 0
    for s in sentences(cues):
        assert (s.start_ms, s.speaker) == owners[n]
        assert all(owner[1] == s.speaker for owner in owners[n:n + len(s.text.split())])
        n += len(s.text.split())


@given(cue_lists())
@settings(max_examples=60, deadline=None)
def test_a_webvtt_file_keeps_every_word_of_its_cues(cues):
    # "Dario:" starting a cue is a speaker label, not a word: leave labels out of the words here.
    texts = [" ".join(w for w in cue.text.split() if not w.endswith(":")) or "…" for cue in cues]
    lines = ["WEBVTT", ""]
    for cue, text in zip(cues, texts, strict=True):
        lines += [f"{ms(cue.start_ms)} --> {ms(cue.end_ms)}", (f"<v {cue.speaker}>" if cue.speaker else "") + text, ""]
    if not cues:
        return
    _, read_cues = read("\n".join(lines))
    expected = [w for text in texts for w in text.split()]
    assert [w for s in sentences(read_cues) for w in s.text.split()] == expected


def ms(value: int) -> str:
    hours, rest = divmod(value, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def split(text: str) -> list[str]:
    return [s.text for s in sentences([Cue(None, None, None, text, "line 1")])]


@pytest.mark.parametrize(("text", "expected"), [
    ("Revenue was approx. $14.2 bn. in the quarter. It grew.", ["Revenue was approx. $14.2 bn. in the quarter.",
                                                                "It grew."]),
    ("Revenue was $14.2 bn. Then it fell.", ["Revenue was $14.2 bn.", "Then it fell."]),
    ("Mr. Huang and Dr. Su spoke. E.g. chips.", ["Mr. Huang and Dr. Su spoke.", "E.g. chips."]),
    ("Growth was 3.5% in the U.S. market. Fine.", ["Growth was 3.5% in the U.S. market.", "Fine."]),
    ("J. Smith said so. “It is.” Really? yes.", ["J. Smith said so.", "“It is.”", "Really? yes."]),
    ("By 2027. 2028 is later.", ["By 2027.", "2028 is later."]),
    ("No punctuation at all", ["No punctuation at all"]),
])
def test_the_splitter_guards_abbreviations_decimals_and_amounts(text, expected):
    assert split(text) == expected


def test_a_sentence_never_runs_from_one_speaker_into_the_next():
    cues = [Cue(0, 1000, "Anna", "I think that", "cue 1"), Cue(1000, 2000, "Ben", "it will.", "cue 2")]
    assert [(s.speaker, s.text) for s in sentences(cues)] == [("Anna", "I think that"), ("Ben", "it will.")]
