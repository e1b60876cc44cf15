"""Import a generated 4-hour transcript (3,000 WebVTT cues, about 40,000 words) and print time and memory.

    .venv/bin/python bench/transcript_import.py [runs]

Uses its own SQLite file under var/bench/ (DATABASE_URL to use another database), with DEBUG off. Measures,
each as the median of `runs`: parsing and merging alone (`prepare`); flagging the candidate predictions alone
(`flag_source`, against 200 companies and 200 people); the command line import (parse, map speakers, save, flag);
and the browser's two steps through Django's test client (upload to the review page; save, which flags the
candidates), and the two together: from upload to the review queue.
(The test environment is set up so the client returns the review form.) Peak memory is measured in a
separate run under tracemalloc (Python allocations), plus the process's peak RSS.
"""

import datetime
import io
import os
import random
import resource
import secrets
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'transcripts.sqlite3'}")
os.environ.update({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                   "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_SECURE_SSL_REDIRECT": "0",
                   "DJANGO_SECURE_COOKIES": "0", "DJANGO_SETTINGS_MODULE": "tracker.settings"})

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from tracker.models import Candidate, Company, Person, Source, TranscriptSegment  # noqa: E402
from tracker.roles import create_roles  # noqa: E402
from tracker.transcripts.queue import flag_source  # noqa: E402
from tracker.transcripts.store import prepare  # noqa: E402

HOURS, CUES = 4, 3000
SPEAKERS = ["Dwarkesh Patel", "Dario Amodei", "SPEAKER_02", "Ben Gilbert"]
VOCABULARY = [
    "the", "model", "will", "scale", "compute", "next", "year", "revenue", "approx.", "$14.2", "bn.", "growth",
    "of", "3.5%", "we", "think", "Mr.", "Huang", "said", "chips", "data", "centres", "by", "2027", "I", "expect",
    "margins", "to", "recover", "inference", "costs", "fall", "and", "so", "on", "it", "is", "likely", "that",
    "agents", "write", "most", "code", "U.S.", "exports", "power", "grid",
]


def generate(seed: int = 1) -> str:
    """A WebVTT transcript: turns of a few cues, named by `<v Name>` or `Name:`, sentences across cues."""
    rng = random.Random(seed)
    step = HOURS * 3_600_000 // CUES
    stream: list[str] = []  # sentences of 8 to 20 words, laid across cues of 11 to 16 words
    while len(stream) < CUES * 14:
        sentence = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 20))]
        sentence[0], sentence[-1] = sentence[0].capitalize(), sentence[-1].rstrip(".") + "."
        stream += sentence
    lines, speaker, at = ["WEBVTT", ""], None, 0
    for n in range(CUES):
        start = n * step
        size = rng.randint(11, 16)
        text = " ".join(stream[at:at + size])
        at += size
        if speaker is None or rng.random() < 0.12:
            speaker = rng.choice(SPEAKERS)
            text = f"<v {speaker}>{text}" if rng.random() < 0.5 else f"{speaker}: {text}"
        lines += [str(n + 1), f"{ms(start)} --> {ms(start + step - 1)}", text, ""]
    return "\n".join(lines)


def ms(value: int) -> str:
    hours, rest = divmod(value, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def timed(fn, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def main(runs: int) -> None:
    setup_test_environment()  # so the test client hands back the review form; it only adds overhead
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    create_roles()
    source, _ = Source.objects.get_or_create(key="bench-4h", defaults={
        "kind": Source.Kind.PODCAST, "title": "A four-hour episode", "duration_seconds": HOURS * 3600,
        "url": "https://www.youtube.com/watch?v=bench", "published_on": datetime.date(2026, 1, 31)})
    # Names for the candidate rules to look for, as a database in use would hold them.
    for n in range(200):
        Company.objects.get_or_create(key=f"bench-company-{n}", defaults={"name": f"Benchco {n} Holdings"})
        Person.objects.get_or_create(key=f"bench-person-{n}", defaults={"name": f"Bench Person{n}"})
    Company.objects.get_or_create(key="bench-nvidia", defaults={"name": "Nvidia", "ticker": "NVDA"})
    data = generate().encode("utf-8")
    path = ROOT / "var" / "bench" / "four-hours.vtt"
    path.write_bytes(data)
    parsed = prepare(data, source)
    words = sum(len(s.text.split()) for s in parsed.sentences)
    print(f"{len(data) / 1e6:.2f} MB, {CUES} cues, {words} words, {len(parsed.sentences)} sentences, "
          f"{len(parsed.labels)} speakers; {runs} runs each; {django.db.connection.vendor}")

    def cli() -> None:
        call_command("import_transcript", source.key, str(path), "--replace", stdout=io.StringIO())

    user = get_user_model().objects.filter(username="bench-editor").first()
    if user is None:
        user = get_user_model().objects.create_user("bench-editor")
        user.groups.add(django.contrib.auth.models.Group.objects.get(name="editors"))
    client = Client()
    client.force_login(user)
    review: dict = {}

    def upload() -> None:
        response = client.post(reverse("transcript_upload", args=[source.pk]),
                               {"file": SimpleUploadedFile("four-hours.vtt", data)})
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        review["data"] = {name: form[name].value() for name in form.fields if form[name].value() is not None}

    def save() -> None:
        upload_data = dict(review["data"], replace="on")
        response = client.post(reverse("transcript_save", args=[source.pk]), upload_data)
        assert response.status_code == 302 and response["Location"].endswith("#transcript"), response

    cli()  # so that flagging below has a stored transcript to read

    def flag_afresh() -> None:  # as after a first import: every candidate is new
        Candidate.objects.filter(source=source).delete()
        flag_source(source)

    for name, fn in [("parse and merge (prepare)", lambda: prepare(data, source)),
                     ("flag candidates afresh (flag_source)", flag_afresh),
                     ("command line import (parse, map, save)", cli),
                     ("browser: upload to the review page", upload)]:
        p50, low, high = timed(fn, runs)
        print(f"{name:42s} p50 {p50 * 1000:7.0f} ms  (min {low * 1000:.0f}, max {high * 1000:.0f})")
    save_times = []
    for _ in range(runs):
        upload()
        started = time.perf_counter()
        save()
        save_times.append(time.perf_counter() - started)
    print(f"{'browser: save the reviewed upload':42s} p50 {statistics.median(save_times) * 1000:7.0f} ms  "
          f"(min {min(save_times) * 1000:.0f}, max {max(save_times) * 1000:.0f})")
    whole = []
    for _ in range(runs):
        started = time.perf_counter()
        upload()
        save()
        whole.append(time.perf_counter() - started)
    print(f"{'browser: upload to the review queue':42s} p50 {statistics.median(whole) * 1000:7.0f} ms  "
          f"(min {min(whole) * 1000:.0f}, max {max(whole) * 1000:.0f})")
    pending = Candidate.objects.filter(source=source).pending().count()
    print(f"candidates in the queue: {pending} of {len(parsed.sentences)} sentences")

    tracemalloc.start()
    cli()
    _, peak_cli = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    upload()
    save()
    _, peak_browser = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak Python memory (tracemalloc): command line import {peak_cli / 2**20:.1f} MB, browser upload and save "
          f"{peak_browser / 2**20:.1f} MB; peak RSS of the whole process {rss:.0f} MB")
    assert TranscriptSegment.objects.filter(source=source).count() == len(parsed.sentences)
    print(f"people: {Person.objects.count()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
