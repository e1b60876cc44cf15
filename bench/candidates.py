"""Precision and recall of the candidate-prediction rules on the labelled set, bench/data/candidates.tsv.

    .venv/bin/python bench/candidates.py [--sweep]

The set is split once, by a hash of each sentence, into a tuning half (the rules and THRESHOLD were adjusted
looking at it) and a held-out half (only measured). The names the rules look for are the companies and people of
the shipped episode, fixtures/lex-fridman-490.json, as `flag_source` would find them in a database holding it.
`--sweep` prints precision and recall at other thresholds, on the tuning half only: that is how THRESHOLD was chosen.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from tracker.transcripts.candidates import (  # noqa: E402
    THRESHOLD,
    Lexicon,
    Name,
    company_spellings,
    flag,
    person_spellings,
)

LABELLED = ROOT / "bench" / "data" / "candidates.tsv"
FIXTURE = ROOT / "fixtures" / "lex-fridman-490.json"
SAID_ON = date(2026, 1, 31)  # the episode's date; the written sentences are set on it too


@dataclass(frozen=True)
class Row:
    label: bool
    split: str
    origin: str
    text: str


def labelled() -> list[Row]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, split, origin, text = line.split("\t", 3)
            rows.append(Row(label == "1", split, origin, text))
    return rows


def episode_lexicon() -> Lexicon:
    bundle = json.loads(FIXTURE.read_text(encoding="utf-8"))
    names = [Name("company", n, c["name"], company_spellings(c["name"], c.get("ticker", "")))
             for n, c in enumerate(bundle["companies"])]
    names += [Name("person", n, p["name"], person_spellings(p["name"])) for n, p in enumerate(bundle["people"])]
    return Lexicon(names)


@dataclass(frozen=True)
class Measured:
    n: int
    positives: int
    flagged: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.positives if self.positives else 0.0

    def __str__(self) -> str:
        return (f"{self.n:4d} sentences, {self.positives:3d} candidates by hand; flagged {self.flagged:3d}, "
                f"{self.hits:3d} right: precision {self.precision:.2f}, recall {self.recall:.2f}")


def measure(rows: list[Row], threshold: float = THRESHOLD, lexicon: Lexicon | None = None) -> Measured:
    lexicon = lexicon or episode_lexicon()
    scores = [flag(row.text, SAID_ON, lexicon).score for row in rows]
    flagged = [row for row, score in zip(rows, scores, strict=True) if score >= threshold]
    return Measured(len(rows), sum(r.label for r in rows), len(flagged), sum(r.label for r in flagged))


def main(argv: list[str]) -> None:
    rows, lexicon = labelled(), episode_lexicon()
    started = time.perf_counter()
    for row in rows:
        flag(row.text, SAID_ON, lexicon)
    per_sentence = (time.perf_counter() - started) / len(rows)
    print(f"threshold {THRESHOLD}; {per_sentence * 1e6:.0f} µs a sentence")
    for name, part in [("tuning half", [r for r in rows if r.split == "tune"]),
                       ("held-out half", [r for r in rows if r.split == "held-out"]),
                       ("held-out, seed write-ups", [r for r in rows if r.split == "held-out" and r.origin == "seed"]),
                       ("held-out, written", [r for r in rows if r.split == "held-out" and r.origin == "written"]),
                       ("all", rows)]:
        print(f"{name:26s} {measure(part, lexicon=lexicon)}")
    if "--sweep" in argv:
        tune = [r for r in rows if r.split == "tune"]
        for threshold in (1.0, 1.5, 2.0, 2.5, 3.0, 3.5):
            print(f"  tuning half at {threshold:3.1f}: {measure(tune, threshold, lexicon)}")
    if "--errors" in argv:  # the tuning half's mistakes, to read while adjusting the rules
        for row in rows:
            if row.split != "tune":
                continue
            result = flag(row.text, SAID_ON, lexicon)
            if result.is_candidate != row.label:
                print(f"{'missed' if row.label else 'wrong '} {result.score:5.2f} {row.text[:90]}  {result.why}")


if __name__ == "__main__":
    main(sys.argv[1:])
