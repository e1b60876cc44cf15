"""The candidate-prediction rules (tracker/transcripts/candidates.py): pure, no database."""

from datetime import date

import pytest

from tracker.transcripts.candidates import (
    THRESHOLD,
    Lexicon,
    Name,
    company_spellings,
    flag,
    normalised,
    person_spellings,
    resolve_time,
)

JAN_2026 = date(2026, 1, 31)
LEXICON = Lexicon([Name("company", 1, "Alphabet", company_spellings("Alphabet (Google, Gemini)", "GOOGL")),
                   Name("company", 2, "Cursor", company_spellings("Cursor (Anysphere)")),
                   Name("company", 3, "Meta", company_spellings("Meta Platforms")),
                   Name("person", 7, "Dario Amodei", person_spellings("Dario Amodei"))])


@pytest.mark.parametrize(("said", "expected"), [
    ("next year", date(2027, 12, 31)),  # said in January 2026
    ("by 2027", date(2027, 12, 31)),
    ("in two years", date(2028, 1, 31)),
    ("within 18 months", date(2027, 7, 31)),
    ("over the next three years", date(2029, 1, 31)),
    ("by the end of the decade", date(2029, 12, 31)),
    ("this year", date(2026, 12, 31)),
    ("by the end of the year", date(2026, 12, 31)),
    ("next quarter", date(2026, 6, 30)),
    ("next month", date(2026, 2, 28)),
    ("by June", date(2026, 6, 30)),
    ("before the summer", date(2026, 8, 31)),
    ("in January", date(2027, 1, 31)),  # January 2026 is over by its last day: the next one
    ("in Q3 2027", date(2027, 9, 30)),
    ("before the third quarter", date(2026, 9, 30)),
    ("in the second half of 2026", date(2026, 12, 31)),
])
def test_time_expressions_resolve_relative_to_the_day_they_were_said(said, expected):
    assert resolve_time(f"It happens {said}.", JAN_2026)[1] == expected


def test_next_year_depends_on_when_it_was_said():
    assert resolve_time("Rates fall next year.", date(2024, 6, 1))[1] == date(2025, 12, 31)


def test_may_the_verb_is_not_a_month_and_percentages_are_not_years():
    assert resolve_time("It may rain.", JAN_2026) is None
    assert resolve_time("Margins fall by 40%.", JAN_2026) is None
    assert resolve_time("Recorded 2026-02-04.", JAN_2026) is None


def test_a_prediction_carries_its_reasons_date_and_companies():
    result = flag("Google will spend $10B on chips next year.", JAN_2026, LEXICON)
    assert result.is_candidate
    assert result.why == ["future: 'will'", "date: next year → 31 Dec 2027", "amount: '$10B'", "names Alphabet"]
    assert (result.resolve_by, result.companies, result.score) == (date(2027, 12, 31), (1,), 5.5)


@pytest.mark.parametrize("text", [
    "I expect the Fed to cut rates twice in 2026.",
    "I'd bet Cursor gets acquired within eighteen months.",
    "We're going to see a ten-gigawatt data centre announced before the end of the year.",
    "Meta won't release open weights for its next frontier model.",
    "Inflation falls below 3% by June.",
    "Dario Amodei thinks models will write 90% of code by 2027.",
])
def test_forward_looking_checkable_sentences_are_candidates(text):
    assert flag(text, JAN_2026, LEXICON).is_candidate, flag(text, JAN_2026, LEXICON).why


@pytest.mark.parametrize(("text", "reason"), [
    ("Will Google win the search war next year?", "question (−)"),
    ("We should spend 20% more on open models next year.", "normative: 'should' (−)"),
    ("You need to read the paper by Friday.", "normative: 'need to' (−)"),
    ("Nvidia's revenue was up 94% last year.", "past: 'was' (−)"),
    ("I'll say this about the book: it will change how you think.", "talk: 'i'll say' (−)"),
    ("We'll see.", "too short to check (−)"),
])
def test_questions_instructions_the_past_and_talk_are_not_candidates(text, reason):
    result = flag(text, JAN_2026, LEXICON)
    assert not result.is_candidate
    assert reason in result.why


def test_a_date_before_the_day_it_was_said_counts_against():
    result = flag("Cursor shipped the feature in 2024.", JAN_2026, LEXICON)
    assert "past date: in 2024 (−)" in result.why and result.resolve_by is None


def test_without_the_sources_date_no_date_is_suggested():
    result = flag("Models will write most code by 2027.", None, LEXICON)
    assert result.resolve_by is None and "date: 2027" in result.why and result.is_candidate


def test_names_match_as_whole_words_ignoring_case_by_every_spelling():
    assert [n.id for n in LEXICON.find("anysphere and GEMINI and metaverse and Amodei")] == [2, 1, 7]
    assert LEXICON.find("cursory look at the cursors") == []
    assert company_spellings("Meta Platforms, Inc.") == ("Meta Platforms, Inc.", "Meta Platforms")


def test_a_paragraph_without_stops_is_not_a_candidate():
    result = flag("We will see rates fall next year and " * 100, JAN_2026, LEXICON)
    assert not result.is_candidate and result.why == ["longer than 2,000 characters: not one sentence (−)"]


def test_the_threshold_is_what_is_candidate():
    assert flag("Rates fall next year, I expect.", JAN_2026).score >= THRESHOLD


def test_normalised_text_ignores_case_spacing_and_curly_quotes():
    assert normalised("  I’d   bet on “it”. ") == normalised('i\'d bet on "it".')
