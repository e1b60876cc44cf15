"""Cues to speaker turns and sentences.

Words are the file's whitespace-separated tokens; a sentence is a run of them, so every word survives exactly
once and in order, whatever the splitter decides. A sentence keeps the start of the cue its first word came
from and the end of the cue its last word came from. A cue without a speaker continues the current turn.

The splitter is our own, and small: pysbd 0.3.4 breaks "approx. $14.2 bn." in the wrong places, and working
on tokens makes decimals ("14.2", "3.5%") impossible to split. A sentence ends at a token ending in `.`, `!`,
`?` or `…` (closing quotes and brackets allowed after it) when the next token starts a sentence (a capital, a
digit, an opening quote), unless the token is a known abbreviation or an initial ("J.").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .parse import Cue


@dataclass(frozen=True, slots=True)
class Sentence:
    start_ms: int | None
    end_ms: int | None
    speaker: str | None
    text: str
    where: str  # the cue it starts in


# Lower-cased, without the final period. Words that also end spoken sentences ("no.", "sat.") are left out.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "approx",
    "inc", "corp", "ltd", "bros", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "gov", "sen", "capt", "lt", "sgt", "dept", "univ", "ave",
})
CLOSERS = "\"'”’)]»"
ENDINGS = (".", "!", "?", "…")
OPENERS = "\"'“‘(["


def ends_sentence(token: str, following: str | None) -> bool:
    bare = token.rstrip(CLOSERS)
    if not bare.endswith(ENDINGS):
        return False
    if following is None:
        return True
    first = following.lstrip(OPENERS)[:1]
    if not (first.isupper() or first.isdigit() or following[:1] in OPENERS or first in "$€£"):
        return False
    if bare.endswith(".") and not bare.endswith(".."):
        word = bare[:-1].lstrip(OPENERS).lower()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    return True


def sentences(cues: Iterable[Cue]) -> list[Sentence]:
    out: list[Sentence] = []
    speaker: str | None = None
    words: list[str] = []
    first = last = None

    def flush() -> None:
        if words:
            out.append(Sentence(first.start_ms, last.end_ms, speaker, " ".join(words), first.where))
            words.clear()

    for cue in cues:
        if cue.speaker is not None and cue.speaker != speaker:
            flush()  # a sentence never runs from one speaker into the next
            speaker = cue.speaker
        for token in cue.text.split():
            # Decided at the next word, so a sentence runs on across cue boundaries.
            if words and ends_sentence(words[-1], token):
                flush()
            if not words:
                first = cue
            words.append(token)
            last = cue
    flush()
    return out
