"""Which transcript sentences are candidate predictions: forward-looking and checkable. Rules only, offline.

A sentence earns points for what makes a claim a prediction (a future or modal cue, a time expression that
resolves to a date after the source's, a number or an amount, a company or person already known) and loses
them for what makes it something else (a question, an instruction or wish, the past tense, a fragment).
Each rule that fires leaves a `Reason` a person can read beside the sentence, so the flag can be judged at a
glance. `THRESHOLD` was chosen on the tuning half of `bench/data/candidates.tsv` (see `bench/candidates.py`).

Pure: no database. The names to look for arrive as a `Lexicon`, built by the caller.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker.formats import day

# Chosen on the tuning half of the labelled set (bench/candidates.py prints the sweep).
THRESHOLD = 2.0
SHORTEST = 5  # words: "We'll see." is not a claim anyone can check
# Characters: longer is a paragraph the splitter found no end in (a text without stops), not one claim; and a
# quote (which an accepted candidate becomes) has a length limit of its own.
LONGEST = 2000


@dataclass(frozen=True, slots=True)
class Reason:
    text: str  # "future: 'will'", "date: next year → 31 Dec 2027", "question (−)"
    weight: float


@dataclass(frozen=True, slots=True)
class Flag:
    score: float
    reasons: tuple[Reason, ...]
    resolve_by: date | None = None
    companies: tuple[int, ...] = ()  # ids of the companies the sentence names
    people: tuple[int, ...] = ()

    @property
    def is_candidate(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def why(self) -> list[str]:
        return [r.text for r in self.reasons]


@dataclass(frozen=True)
class Name:
    kind: str  # "company" or "person"
    id: int
    shown: str  # how a reason names it
    spellings: tuple[str, ...]  # matched case-insensitively, as whole words


WORD = re.compile(r"\w+(?:[.&'’-]\w+)*")


def _tokens(text: str) -> list[str]:
    """Words, case folded, possessives off: "Nvidia's" is "nvidia", "Z.ai" stays one word."""
    return [w[:-2] if w.endswith(("'s", "’s")) else w for w in WORD.findall(text.casefold())]


class Lexicon:
    """The companies and people to look for, by every spelling they go by, as runs of whole words (case-insensitive).

    A dictionary of word runs rather than one regular expression of alternatives: with hundreds of names the
    expression costs a fifth of a millisecond a sentence, the dictionary a few microseconds."""

    def __init__(self, names: Iterable[Name] = ()):
        self.by_words: dict[tuple[str, ...], Name] = {}
        for name in names:
            for spelling in name.spellings:
                words = tuple(_tokens(spelling))
                if words and len(" ".join(words)) >= 3:
                    self.by_words.setdefault(words, name)
        self.longest = max((len(w) for w in self.by_words), default=0)
        self.starts = {words[0] for words in self.by_words}

    def find(self, text: str) -> list[Name]:
        """The names in `text`, in the order they first appear; the longest spelling wins where they overlap."""
        if not self.by_words:
            return []
        words, found, at = _tokens(text), [], 0
        while at < len(words):
            if words[at] not in self.starts:
                at += 1
                continue
            for size in range(min(self.longest, len(words) - at), 0, -1):
                name = self.by_words.get(tuple(words[at:at + size]))
                if name is not None:
                    found.append(name)
                    at += size
                    break
            else:
                at += 1
        return list(dict.fromkeys(found))


def company_spellings(name: str, ticker: str = "") -> tuple[str, ...]:
    """"Cursor (Anysphere)" is also "Cursor" and "Anysphere", "Alphabet (Google, Gemini)" also "Google" and
    "Gemini", "Meta Platforms" also "Meta"; a ticker of 3 or more letters counts too."""
    outside = re.sub(r"\s*\([^)]*\)", "", name).strip()
    inside = [part.strip() for group in re.findall(r"\(([^)]*)\)", name) for part in group.split(",")]
    bare = re.sub(r"[,.]?\s+(?:Inc|Corp|Corporation|Ltd|LLC|PLC|AG|SA|Platforms|Holdings|Group)\.?$", "", outside,
                  flags=0)
    spellings = [name, outside, bare, *inside]
    if len(ticker) >= 3:
        spellings.append(ticker)
    return tuple(dict.fromkeys(s for s in spellings if s))


def person_spellings(name: str) -> tuple[str, ...]:
    """A person by full name, and by surname when it is distinctive enough (5 letters or more)."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    parts = name.split()
    surname = parts[-1] if len(parts) > 1 and len(parts[-1]) >= 5 else None
    return tuple(s for s in (name, surname) if s)


def _words(*phrases: str) -> str:
    return r"\b(?:" + "|".join(phrases) + r")\b"


APOSTROPHE = re.compile(r"[’‘]")

# (pattern, weight), strongest first: the first that matches is the sentence's one future reason, quoted as said.
FUTURE = [
    (re.compile(_words(r"will", r"won't", r"wo n't", r"shall", r"\w+'ll")), 2.0),
    (re.compile(_words(r"going to", r"gonna", r"about to", r"(?:is|are) set to", r"on track to", r"poised to",
                       r"bound to")), 2.0),
    (re.compile(_words(r"i (?:fully |really )?expect", r"we expect", r"expects?", r"expected to", r"i predict",
                       r"predicts?", r"my (?:prediction|bet|guess) is", r"i'd bet", r"i would bet", r"i bet",
                       r"bet on", r"forecasts?", r"odds are", r"i'm (?:confident|sure|certain) (?:that )?",
                       r"chances are")), 2.0),
    (re.compile(_words(r"likely", r"unlikely", r"probably", r"inevitabl[ey]", r"eventually", r"soon",
                       r"in the (?:near |long )?(?:future|term)", r"coming", r"ahead")), 1.0),
    (re.compile(_words(r"could", r"might", r"may")), 0.5),
]
# Sayings about the conversation itself ("I'll say this", "we're going to take a break"), not about the world.
TALK = re.compile(r"\b(?:(?:i|we|you)(?:'ll| will|'m going to| am going to|'re going to| are going to|'m gonna) "
                  r"(?:say|tell|talk|read|take a|ask|start with|get (?:into|to)|move on|come back|be right back|see "
                  r"what|see why|see how|hear|show you|walk you|try to explain|put it)|going to sound|time will tell"
                  r"|going to hate)\b")
# Events that predictions are made of, said in the present tense: "Cursor gets acquired", "Cerebras goes public".
EVENT = re.compile(_words(r"gets? (?:acquired|bought)", r"goes public", r"go public", r"ipos?", r"lists in",
                          r"(?:likely|prime|obvious) target", r"overtakes?", r"beats? (?:estimates|expectations)",
                          r"ends (?:the|this|next) year", r"passes", r"hits", r"tops", r"outnumbers?",
                          r"keeps? (?:rising|falling|growing|increasing)", r"go(?:es)? up", r"go(?:es)? down",
                          r"comes? out", r"gets? (?:delayed|tighter|looser|cheaper|banned)"))
# (pattern, label, weight): each that matches counts against, once.
NEGATIVE = [
    (re.compile(_words(r"should", r"shouldn't", r"ought to", r"need to", r"needs to", r"must", r"have to",
                       r"has to", r"let's", r"i hope", r"i wish", r"hopefully")), "normative", -2.0),
    (re.compile(_words(r"was", r"were", r"wasn't", r"weren't", r"did", r"didn't", r"had", r"hadn't", r"used to",
                       r"ago", r"yesterday", r"last (?:year|month|week|quarter|decade)", r"back then",
                       r"(?:has|have) (?:been|already)", r"already", r"so far",
                       r"went", r"said", r"came out", r"released", r"launched", r"raised", r"announced",
                       r"shipped", r"dropped", r"rose", r"grew", r"ran", r"took", r"became", r"found", r"got",
                       r"used", r"spent", r"founded", r"started")), "past", -1.5),
    (re.compile(r"^(?:if|when|whether)\b"), "condition", -0.5),
]
# Amounts, in three patterns that each start with something the matcher finds fast (a currency sign, a digit, the
# unit's word); one pattern with a leading `\b[a-z]+` tried at every word cost more than the rest of the rules.
AMOUNTS = (
    re.compile(r"[$€£]\s?\d[\d,.]*\s?(?:[kmbt]n?\b|thousand|million|billion|trillion)?"
               r"|\b\d[\d,.]*\s?(?:%|percent\b|x\b|×|(?:thousand|million|billion|trillion|bn|gw|mw|tw|k|[mbt])\b)"),
    re.compile(r"\b(?:percent|thousand|million|billion|trillion)\b"),  # "seventy percent": the word before it too
    re.compile(r"\b(?:half|double|triple|twice|a third|a quarter) (?:of|the)\b|\b(?:doubles?|triples?|halves)\b"),
)
WORD_BEFORE = re.compile(r"[a-z]+(?:-[a-z]+)? $")
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
YEAR = re.compile(r"(?<![\w$.-])(19\d\d|20\d\d|21\d\d)(?![\w%-])")  # not in 2026-02-04 or $2025

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "twenty": 20, "fifteen": 15,
                "a couple of": 2, "a couple": 2, "a few": 3, "few": 3, "several": 3}
MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
SEASONS = {"spring": 5, "summer": 8, "fall": 11, "autumn": 11, "winter": 2}
COUNT = r"(\d+|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + r")"
UNIT = r"(years?|months?|quarters?|decades?|weeks?)"


def end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def later(start: date, count: int, unit: str) -> date:
    unit = unit.rstrip("s")
    months = {"year": 12 * count, "month": count, "quarter": 3 * count, "decade": 120 * count}.get(unit)
    if months is None:  # weeks
        return date.fromordinal(start.toordinal() + 7 * count)
    return add_months(start, months)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _quarter_end(year: int, quarter: int) -> date:
    return end_of_month(year, 3 * quarter)


def _month_end_after(base: date, months: int) -> date:
    at = add_months(base.replace(day=1), months)
    return end_of_month(at.year, at.month)


def _quarter_end_after(base: date, quarters: int) -> date:
    at = add_months(base.replace(day=1), 3 * quarters)
    return _quarter_end(at.year, (at.month - 1) // 3 + 1)


# Time expressions, most specific first. Each gives a function of (match, base date) -> the date it means.
TIMES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"\b(?:in|within|over) the (?:next|coming) " + COUNT + r" " + UNIT + r"\b"),
     lambda m, b: later(b, _count(m.group(1)), m.group(2))),
    (re.compile(r"\b(?:in|within|after) (?:about |around |roughly |another )?" + COUNT + r" " + UNIT
                + r"(?: (?:from now|time))?\b"),
     lambda m, b: later(b, _count(m.group(1)), m.group(2))),
    (re.compile(r"\b" + COUNT + r" " + UNIT + r" from now\b"),
     lambda m, b: later(b, _count(m.group(1)), m.group(2))),
    (re.compile(r"\b(?:the )?end of (?:the|this) decade\b|\bby the end of the (?:20)?20s\b"),
     lambda m, b: date(b.year // 10 * 10 + 9, 12, 31)),
    (re.compile(r"\bnext decade\b"), lambda m, b: date(b.year // 10 * 10 + 19, 12, 31)),
    (re.compile(r"\b(?:the )?end of (?:the |this )?year\b|\bthis year\b|\bby year[- ]end\b"),
     lambda m, b: date(b.year, 12, 31)),
    (re.compile(r"\bnext year\b"), lambda m, b: date(b.year + 1, 12, 31)),
    (re.compile(r"\b(?:the )?year after next\b"), lambda m, b: date(b.year + 2, 12, 31)),
    (re.compile(r"\bnext quarter\b"), lambda m, b: _quarter_end_after(b, 1)),
    (re.compile(r"\bthis quarter\b"), lambda m, b: _quarter_end_after(b, 0)),
    (re.compile(r"\bnext month\b"), lambda m, b: _month_end_after(b, 1)),
    (re.compile(r"\b(?:a|one) year from now\b|\bwithin a year\b|\bin a year\b"),
     lambda m, b: later(b, 1, "year")),
    (re.compile(r"\bq([1-4]) (?:of )?((?:19|20|21)\d\d)\b"),
     lambda m, b: _quarter_end(int(m.group(2)), int(m.group(1)))),
    (re.compile(r"\b(?:h2|second half of|later in) ((?:19|20|21)\d\d)\b"),
     lambda m, b: date(int(m.group(1)), 12, 31)),
    (re.compile(r"\b(?:h1|first half of) ((?:19|20|21)\d\d)\b"), lambda m, b: date(int(m.group(1)), 6, 30)),
    (re.compile(r"\b(?:in|by|before|until|through) the (first|second|third|fourth|last) quarter\b"),
     lambda m, b: _quarter_named(m.group(1), b)),
    (re.compile(r"\b(?:by|in|before|until|through) (?:the )?(" + "|".join(
        sorted(list(MONTHS) + list(SEASONS), key=len, reverse=True)) + r")\b(?:\.? ((?:19|20|21)\d\d))?"),
     lambda m, b: _month_or_season(m.group(1), m.group(2), b)),
    (re.compile(r"\b(?:by|in|before|until|through|around|after|from) (?:the end of |early |late |mid-?)?"
                r"((?:19|20|21)\d\d)(?![\w%])"), lambda m, b: date(int(m.group(1)), 12, 31)),
    (YEAR, lambda m, b: date(int(m.group(1)), 12, 31)),
]


def _quarter_named(word: str, base: date) -> date:
    quarter = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}[word.lower()]
    at = _quarter_end(base.year, quarter)
    return at if at > base else _quarter_end(base.year + 1, quarter)


def _month_or_season(word: str, year: str | None, base: date) -> date | None:
    word = word.lower()
    if word == "may" and year is None:
        return None  # "by may" is almost always the verb
    month = MONTHS.get(word) or SEASONS[word]
    if year:
        return end_of_month(int(year), month)
    at = end_of_month(base.year, month)
    return at if at > base else end_of_month(base.year + 1, month)


# Every time expression has one of these; most sentences have none, and a few substring tests rule out all of TIMES.
TIME_HINTS = ("year", "month", "quarter", "decade", "week", "q1", "q2", "q3", "q4", "h1", "h2", "half", "jan", "feb",
              "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "spring", "summer", "fall",
              "autumn", "winter", "later in")
FOUR_DIGITS = re.compile(r"\d\d\d\d")


def _amount(low: str) -> tuple[int, int] | None:
    """The span of the first amount in `low` ("$10b", "50%", "seventy percent", "double the"), or None."""
    found = [m.span() for pattern in AMOUNTS if (m := pattern.search(low))]
    if not found:
        return None
    start, end = min(found)
    if AMOUNTS[1].match(low, start) and (before := WORD_BEFORE.search(low, 0, start)):
        start = before.start()
    return start, end



def resolve_time(text: str, base: date) -> tuple[str, date] | None:
    """The first time expression in `text` and the date it means, said on `base`; None if there is none."""
    return _resolve_time(Said(text), base)


class Said:
    """A sentence, and its lower-case form that the patterns search: lower-case patterns on lower-case text are
    about a third faster than case-insensitive ones, and flagging runs on every sentence of every import."""

    def __init__(self, text: str):
        self.text = APOSTROPHE.sub("'", text)
        self.low = self.text.lower()
        self.aligned = len(self.low) == len(self.text)  # lower() keeps the length of all but a few letters

    def shown(self, match: re.Match, lower: bool = False) -> str:
        """What a match covers, as said (or lower-cased), spaces collapsed."""
        said = match.group(0) if lower or not self.aligned else self.text[match.start():match.end()]
        return " ".join(said.split())


def _resolve_time(said: Said, base: date) -> tuple[str, date] | None:
    if not (any(hint in said.low for hint in TIME_HINTS) or FOUR_DIGITS.search(said.low)):
        return None
    for pattern, meaning in TIMES:
        match = pattern.search(said.low)
        if match:
            at = meaning(match, base)
            if at is not None:
                return said.shown(match), at
    return None


def flag(text: str, said_on: date | None, lexicon: Lexicon | None = None) -> Flag:
    """How much `text`, said on `said_on` (None: unknown, today's year is not assumed), looks like a prediction."""
    if len(text) > LONGEST:
        return Flag(0.0, (Reason(f"longer than {LONGEST:,} characters: not one sentence (−)", 0.0),))
    said = Said(text)
    low = said.low
    reasons: list[Reason] = []
    for pattern, weight in FUTURE:
        if match := pattern.search(low):
            reasons.append(Reason(f"future: '{said.shown(match, lower=True)}'", weight))
            break
    resolve_by = None
    if said_on is not None and (found := _resolve_time(said, said_on)):
        expression, at = found
        if at > said_on:
            resolve_by = at
            # "2026 state of AI" names a year; "by 2026", "next year" point at a moment to judge by.
            weight = 1.0 if YEAR.fullmatch(expression) else 2.0
            reasons.append(Reason(f"date: {expression} → {day(at)}", weight))
        elif at.year < said_on.year:
            reasons.append(Reason(f"past date: {expression} (−)", -1.0))
    elif said_on is None and (match := YEAR.search(low)):
        reasons.append(Reason(f"date: {match.group(0)}", 0.5))
    years = {m.span() for m in YEAR.finditer(low)}
    if span := _amount(low):
        shown = said.text[span[0]:span[1]] if said.aligned else low[span[0]:span[1]]
        reasons.append(Reason(f"amount: '{' '.join(shown.split())}'", 1.0))
    elif number := next((m for m in NUMBER.finditer(low) if m.span() not in years), None):
        reasons.append(Reason(f"number: '{number.group(0)}'", 0.5))
    if match := EVENT.search(low):
        reasons.append(Reason(f"event: '{said.shown(match, lower=True)}'", 1.0))
    companies: list[int] = []
    people: list[int] = []
    for name in (lexicon.find(said.text) if lexicon else []):
        (companies if name.kind == "company" else people).append(name.id)
        # Naming what we track makes a claim worth a look; naming many does not make it more of a prediction.
        reasons.append(Reason(f"names {name.shown}", 0.5 if len(companies) + len(people) == 1 else 0.0))
    if match := TALK.search(low):
        reasons.append(Reason(f"talk: '{said.shown(match, lower=True)}' (−)", -2.5))
    if low.rstrip(" \"'”’)").endswith("?"):
        reasons.append(Reason("question (−)", -3.0))
    for pattern, label, weight in NEGATIVE:
        if match := pattern.search(low):
            reasons.append(Reason(f"{label}: '{said.shown(match, lower=True)}' (−)", weight))
    if len(low.split()) < SHORTEST:
        reasons.append(Reason("too short to check (−)", -2.0))
    score = round(sum(r.weight for r in reasons), 2)
    return Flag(score, tuple(reasons), resolve_by, tuple(dict.fromkeys(companies)), tuple(dict.fromkeys(people)))


def normalised(text: str) -> str:
    """What makes two sentences the same one, across re-imports: case, spacing and curly quotes aside."""
    return " ".join(APOSTROPHE.sub("'", text).replace("“", '"').replace("”", '"').split()).casefold()
