"""Synthetic data for demos and benchmarks: deterministic for a seed, written with bulk_create."""

from __future__ import annotations

import math
import random
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.models import Company, Forecast, Person, Prediction, ResolutionEvent, Signal, Source, Tag, Thesis
from tracker.scores import groups_of, rescore, rescore_groups

Status = Prediction.Status

# Fixed dates, never today, so that a seed always gives the same rows: predictions are made over two years
# and resolutions and forecasts stop at DEMO_TODAY.
START = date(2024, 7, 1)
DEMO_TODAY = date(2026, 10, 31)
SPAN_DAYS = 730
BATCH = 2000

TAGS = ["ai", "chips", "cloud", "energy", "regulation", "ipo", "earnings", "open-source", "robotics",
        "data-centers", "china", "consumer", "enterprise", "funding", "models"]
FIRST = ["Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Malik",
         "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara"]
LAST = ["Ito", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Park", "Quist", "Reyes", "Stone"]
VERBS = ["ship a new flagship model", "beat revenue estimates", "announce layoffs", "raise a new round",
         "open a data center", "cut prices", "go public", "lose market share", "sign a major partner",
         "face an antitrust suit"]


@dataclass(frozen=True)
class Profile:
    """How a forecaster forms a probability: knowledge of the outcome, noise, and overconfidence."""

    insight: float  # weight of the true outcome against the prior
    noise: float  # standard deviation of the error, in log-odds
    stretch: float  # log-odds multiplier; > 1 is overconfident


# forecaster-01 is skilled, 02 average, 03 noisy, 04 overconfident, 05 skilled again, and so on.
PROFILES = [Profile(0.6, 0.4, 1.0), Profile(0.3, 0.8, 1.0), Profile(0.05, 1.5, 1.0), Profile(0.3, 0.6, 2.2)]


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def clamp[N: (int, float)](x: N, low: N, high: N) -> N:
    return min(high, max(low, x))


def at(day: date, seconds: int = 0) -> datetime:
    return datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)


class Demo:
    """Builds the rows in memory with one random generator, in a fixed order, then writes them in batches."""

    def __init__(self, seed: int, prefix: str):
        self.rng = random.Random(seed)
        self.prefix = prefix
        # Names name one person, company or source only (tracker.limits.same_name), also beside another seed's.
        self.suffix = f" (demo {seed})" if prefix else ""

    def key(self, kind: str, i: int, width: int = 2) -> str:
        return f"{self.prefix}{kind}-{i:0{width}d}"

    def person_name(self, i: int) -> str:
        # Past len(FIRST) people the surname shifts, so that no two of the (at most 30) share a name.
        last = LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        return f"{FIRST[i % len(FIRST)]} {last}{self.suffix}"

    def people(self, n: int) -> list[Person]:
        rows = [Person(key=self.key("person", i), name=self.person_name(i),
                       affiliation=self.rng.choice(["", "Fund", "Lab", "Newsletter", "Podcast"]))
                for i in range(1, n + 1)]
        return Person.objects.bulk_create(rows)

    def companies(self, n: int) -> list[Company]:
        rows = [Company(key=self.key("company", i), name=f"Company {i}{self.suffix}", ticker=f"C{i:03d}")
                for i in range(1, n + 1)]
        return Company.objects.bulk_create(rows)

    def sources(self, n: int, people: list[Person]) -> list[Source]:
        rows = []
        for i in range(1, n + 1):
            kind = self.rng.choice(Source.Kind.values)
            timed = kind in (Source.Kind.PODCAST, Source.Kind.VIDEO)
            rows.append(Source(
                key=self.key("source", i, 3), kind=kind, title=f"{kind.title()} {i}{self.suffix}",
                author=self.rng.choice(people), published_on=START + timedelta(days=self.rng.randrange(SPAN_DAYS)),
                duration_seconds=self.rng.randint(600, 10_800) if timed else None,
            ))
        return Source.objects.bulk_create(rows, batch_size=BATCH)

    def theses(self, n: int, companies: list[Company]) -> list[Thesis]:
        rows = [Thesis(key=self.key("thesis", i), title=f"Thesis {i}: {self.rng.choice(VERBS)}",
                       stance=self.rng.choice(Thesis.Stance.values), status=Thesis.Status.ACTIVE,
                       opened_on=START + timedelta(days=self.rng.randrange(90)))
                for i in range(1, n + 1)]
        theses = Thesis.objects.bulk_create(rows)
        Thesis.companies.through.objects.bulk_create([
            Thesis.companies.through(thesis_id=t.pk, company_id=c.pk)
            for t in theses for c in self.rng.sample(companies, min(len(companies), self.rng.randint(1, 3)))
        ])
        return theses

    def tags(self, n: int) -> list[Tag]:
        names = TAGS[:n] + [f"topic-{i}" for i in range(len(TAGS) + 1, n + 1)]
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
        Tag.objects.bulk_create([Tag(name=name) for name in names if name not in existing])
        return list(Tag.objects.filter(name__in=names).order_by("name"))

    def predictions(self, n: int, people, sources, companies) -> tuple[list[Prediction], dict[int, float]]:
        """Predictions and each one's latent chance of coming true (by index), which forecasters sense."""
        hit_rates = [self.rng.uniform(0.3, 0.8) for _ in people]
        rows, chance = [], {}
        for i in range(n):
            who = self.rng.randrange(len(people))
            q = self.rng.betavariate(4 * hit_rates[who], 4 * (1 - hit_rates[who]))
            made_on = START + timedelta(days=self.rng.randrange(SPAN_DAYS))
            horizon = self.rng.randint(30, 540)
            resolve_by = made_on + timedelta(days=horizon)
            status, resolved_on = Status.OPEN, None
            if self.rng.random() < 0.6:
                late = self.rng.randint(max(1, horizon // 3), horizon + 30)
                resolved_on = min(made_on + timedelta(days=late), DEMO_TODAY)
                roll = self.rng.random()
                status = Status.AMBIGUOUS if roll < 0.07 else (Status.TRUE if self.rng.random() < q else Status.FALSE)
            elif self.rng.random() < 0.75:
                resolve_by = max(resolve_by, DEMO_TODAY + timedelta(days=self.rng.randint(1, 500)))
            stated = round(clamp(q + self.rng.gauss(0, 0.15), 0.05, 0.95), 2) if self.rng.random() < 0.3 else None
            company = self.rng.choice(companies)
            rows.append(Prediction(
                key=self.key("prediction", i + 1, 5), speaker=people[who],
                source=self.rng.choice(sources) if self.rng.random() < 0.9 else None,
                statement=f"{company.name} will {self.rng.choice(VERBS)} by {resolve_by:%B %Y}.",
                made_on=made_on, resolve_by=resolve_by, stated_probability=stated, status=status,
                resolved_on=resolved_on, resolution_note="Synthetic outcome." if resolved_on else "",
            ))
            chance[i] = q
        created = Prediction.objects.bulk_create(rows, batch_size=BATCH)
        # Each resolution in the history too, as the app writes it, so an undo and an export see a real state.
        ResolutionEvent.objects.bulk_create([
            ResolutionEvent(prediction=p, at=datetime.combine(p.resolved_on, time(12), tzinfo=UTC),
                            from_status=Status.OPEN, to_status=p.status, resolved_on=p.resolved_on,
                            note=p.resolution_note)
            for p in created if p.resolved_on], batch_size=BATCH)
        return created, chance

    def links(self, predictions, theses, companies, tags) -> int:
        through = [Prediction.theses.through, Prediction.companies.through, Prediction.tags.through]
        rows: list[list] = [[], [], []]
        for p in predictions:
            for t in self.rng.sample(theses, self.rng.choice([0, 1, 1, 2])):
                rows[0].append(through[0](prediction_id=p.pk, thesis_id=t.pk))
            for c in self.rng.sample(companies, self.rng.choice([0, 1, 1, 2, 3])):
                rows[1].append(through[1](prediction_id=p.pk, company_id=c.pk))
            for t in self.rng.sample(tags, self.rng.randint(1, 3)):
                rows[2].append(through[2](prediction_id=p.pk, tag_id=t.pk))
        for model, batch in zip(through, rows, strict=True):
            model.objects.bulk_create(batch, batch_size=BATCH)
        return sum(map(len, rows))

    def signals(self, theses, predictions) -> list[Signal]:
        rows, links = [], []
        for t in theses:
            for _ in range(self.rng.randint(0, 6)):
                i = len(rows) + 1
                rows.append(Signal(key=self.key("signal", i, 4), title=f"Signal {i}",
                                   occurred_on=START + timedelta(days=self.rng.randrange(SPAN_DAYS)),
                                   direction=self.rng.choice(Signal.Direction.values)))
                links.append((t, self.rng.sample(predictions, min(len(predictions), self.rng.randint(0, 2)))))
        signals = Signal.objects.bulk_create(rows, batch_size=BATCH)
        Signal.theses.through.objects.bulk_create(
            [Signal.theses.through(signal_id=s.pk, thesis_id=t.pk) for s, (t, _) in zip(signals, links, strict=True)])
        Signal.predictions.through.objects.bulk_create(
            [Signal.predictions.through(signal_id=s.pk, prediction_id=p.pk)
             for s, (_, ps) in zip(signals, links, strict=True) for p in ps], batch_size=BATCH)
        return signals

    def users(self, n: int) -> list:
        user_model = get_user_model()
        width = max(2, len(str(n)))
        names = [f"forecaster-{i:0{width}d}" for i in range(1, n + 1)]
        existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
        user_model.objects.bulk_create(
            [user_model(username=name, password=make_password(None)) for name in names if name not in existing])
        users = list(user_model.objects.filter(username__in=names).order_by("username"))
        members = Group.objects.get(name="members")
        memberships = user_model.groups.through
        memberships.objects.bulk_create([memberships(user_id=u.pk, group_id=members.pk) for u in users],
                                        ignore_conflicts=True)
        return users

    def forecasts(self, n: int, users, predictions, chance) -> int:
        """n forecasts, as threads of updates by one user on one prediction (about 2.5 per thread, wiser as time
        passes); about one in ten comes after the resolution, which scoring must ignore."""
        profiles = [PROFILES[i % len(PROFILES)] for i in range(len(users))]
        weights = list(accumulate(self.rng.uniform(0.3, 3.0) for _ in users))
        # (user, prediction, made_at) is unique in the database.
        seen: set[tuple[int, int, datetime]] = set()
        rows: list[Forecast] = []
        while len(rows) < n:
            u = self.rng.choices(range(len(users)), cum_weights=weights)[0]
            i = self.rng.randrange(len(predictions))
            updates = min(n - len(rows), 1 + int(self.rng.expovariate(1 / 1.5)))
            for made_at, progress in sorted(self.moment(predictions[i]) for _ in range(updates)):
                if (u, i, made_at) not in seen:
                    seen.add((u, i, made_at))
                    probability = self.belief(profiles[u], predictions[i], chance[i], progress)
                    rows.append(Forecast(user=users[u], prediction=predictions[i], probability=probability,
                                         made_at=made_at))
        Forecast.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def moment(self, p: Prediction) -> tuple[datetime, float]:
        """When a forecast on p is made, and how far through p's life (0 to 1, where 1 knows the outcome)."""
        first = at(p.made_on)
        if p.resolved_on and self.rng.random() < 0.9:
            last = at(p.resolved_on)
        elif p.resolved_on:
            return at(p.resolved_on, self.rng.randrange(30 * 86_400)), 1.0
        else:
            last = at(max(DEMO_TODAY, p.made_on + timedelta(days=1)))
        span = int((last - first).total_seconds())
        offset = self.rng.randrange(span)
        return first + timedelta(seconds=offset), offset / span

    def belief(self, profile: Profile, p: Prediction, q: float, progress: float) -> float:
        """The forecaster's probability, in hundredths: closer to the outcome for the skilled and the late."""
        outcome = 1.0 if p.status == Status.TRUE else 0.0 if p.status == Status.FALSE else q
        insight = profile.insight * (0.5 + 0.5 * progress)
        target = clamp(insight * outcome + (1 - insight) * q, 0.02, 0.98)
        x = logit(target) * profile.stretch + self.rng.gauss(0, profile.noise)
        return clamp(round(1 / (1 + math.exp(-x)), 2), 0.01, 0.99)


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic people, sources, theses, companies, tags, predictions, signals, "
        "members and their forecasts. The same --seed always gives the same data. Refuses to run on a database "
        "that already has predictions unless --append is given (keys then carry the seed, e.g. "
        "demo-2-prediction-00001, and existing forecaster-NN users are reused)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--predictions", type=int, default=1000)
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--forecasts", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--append", action="store_true",
                            help="Add to a database that already has predictions.")

    def handle(self, predictions: int, users: int, forecasts: int, seed: int, append: bool, **options):
        if min(predictions, users, forecasts, seed) < 0:
            raise CommandError("--predictions, --users, --forecasts and --seed cannot be negative.")
        if forecasts and not (predictions and users):
            raise CommandError("Forecasts need at least one prediction and one user.")
        prefix = f"demo-{seed}-" if append else ""
        if not append and Prediction.objects.exists():
            raise CommandError("The database already has predictions; use --append to add demo data to them.")
        if append and Prediction.objects.filter(key__startswith=prefix).exists():
            raise CommandError(f"Demo data for seed {seed} is already loaded; pick another --seed.")
        if not Group.objects.filter(name="members").exists():
            raise CommandError("The 'members' group is missing (it is made by a migration): run `manage.py migrate`.")
        started = clock.perf_counter()
        demo = Demo(seed, prefix)
        scale = max(predictions, 1)
        with transaction.atomic():
            people = demo.people(clamp(scale // 500, 4, 30))
            companies = demo.companies(clamp(scale // 400, 5, 40))
            sources = demo.sources(clamp(scale // 50, 5, 300), people)
            theses = demo.theses(clamp(scale // 500, 3, 30), companies)
            tags = demo.tags(len(TAGS))
            rows, chance = demo.predictions(predictions, people, sources, companies)
            links = demo.links(rows, theses, companies, tags)
            signals = demo.signals(theses, rows)
            members = demo.users(users)
            made = demo.forecasts(forecasts, members, rows, chance) if forecasts else 0
            rescore(p.pk for p in rows)  # written around the services, so scored here
            rescore_groups(None if not append else groups_of(p.pk for p in rows))
        resolved = sum(p.status != Status.OPEN for p in rows)
        self.stdout.write(
            f"Created {len(rows)} predictions ({resolved} resolved, {len(rows) - resolved} open), {made} forecasts "
            f"by {len(members)} users, {len(people)} people, {len(sources)} sources, {len(theses)} theses, "
            f"{len(companies)} companies, {len(tags)} tags, {len(signals)} signals and {links} links "
            f"in {clock.perf_counter() - started:.1f} s."
        )
