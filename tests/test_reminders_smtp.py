"""`manage.py send_reminders` against a real SMTP server (aiosmtpd on 127.0.0.1): who gets a digest, what it
lists, that a second run sends nothing, that a refusal is retried and that a server that is down is recorded."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_person, make_prediction, make_user
from tests.smtp import SMTPServer, free_port
from tracker.mailers import mailer_from_url
from tracker.models import Forecast, Prediction, ReminderOutbox, ReminderSettings
from tracker.reminders import send_due

NOW = "2026-12-02T08:00"
TODAY = date(2026, 12, 2)
SITE = "https://tracker.example.com"
State = ReminderOutbox.State


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_to(settings):
    """Point the app's one mailer at a URL, as EMAIL_URL would (tests otherwise get Django's in-memory outbox)."""
    settings.SITE_URL = SITE
    settings.REMINDER_RETRY_PAUSES = (0.05, 0.05)

    def point(url: str) -> None:
        settings.MAILERS = {"default": mailer_from_url(url)}

    return point


@pytest.fixture
def people(db):
    editor = make_user("edith", role="editors")
    member = make_user("mo", role="members")
    nobody = make_user("nomail", role="members")  # no address: never mailed
    for user, address in ((editor, "edith@example.com"), (member, "mo@example.com")):
        user.email, user.date_joined = address, at("2026-01-05T10:00")
        user.save(update_fields=["email", "date_joined"])
    return {"editor": editor, "member": member, "nobody": nobody}


@pytest.fixture
def items(people):
    speaker = make_person(name="Ada Analyst")
    overdue = make_prediction(statement="Overdue and open.", resolve_by=TODAY - timedelta(days=3), speaker=speaker)
    coming = make_prediction(statement="Comes due in three days.", resolve_by=TODAY + timedelta(days=3))
    later = make_prediction(statement="Due next year.", resolve_by=date(2027, 6, 30))
    make_prediction(statement="Resolved long ago.", resolve_by=TODAY - timedelta(days=10), status="true",
                    resolved_on=TODAY - timedelta(days=5))
    member = people["member"]
    # The member's forecast on `later` is 20 days old (stale at 14); the one on `coming` is fresh.
    Forecast.objects.create(user=member, prediction=later, probability=0.3, made_at=at(NOW) - timedelta(days=20))
    Forecast.objects.create(user=member, prediction=coming, probability=0.6, made_at=at(NOW) - timedelta(days=2))
    return {"overdue": overdue, "coming": coming, "later": later}


def link(prediction: Prediction) -> str:
    return f"{SITE}{prediction.get_absolute_url()}"


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.django_db
def test_a_run_sends_each_user_one_message_with_their_own_items(smtp, mail_to, people, items):
    mail_to(smtp.url)
    call_command("send_reminders", "--now", NOW)
    assert sorted(str(m["To"]) for m in smtp.recorder.messages) == ["edith@example.com", "mo@example.com"]

    [editors] = smtp.recorder.to("edith@example.com")
    text, html = parts(editors)
    # An editor may resolve: the overdue one is listed, with the week's.
    assert link(items["overdue"]) in text and link(items["coming"]) in text
    assert link(items["later"]) not in text
    assert f'href="{link(items["overdue"])}"' in html
    assert "Due for resolution (1)" in text and "Due within 7 days (1)" in text
    assert "Stale forecasts" not in text  # she has none

    [members] = smtp.recorder.to("mo@example.com")
    text, html = parts(members)
    assert link(items["overdue"]) not in text  # a member cannot resolve
    assert link(items["coming"]) in text
    assert "Stale forecasts (1)" in text and link(items["later"]) in text
    assert "your forecast 30%" in text
    assert editors["Subject"] == "Thesis Tracker: 1 due for resolution, 1 due within 7 days"
    assert members["Subject"] == "Thesis Tracker: 1 due within 7 days, 1 stale forecast"


@pytest.mark.django_db
def test_every_digest_carries_a_one_click_unsubscribe_that_needs_no_login(smtp, mail_to, people, items, client):
    mail_to(smtp.url)
    call_command("send_reminders", "--now", NOW)
    [message] = smtp.recorder.to("mo@example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(message["List-Unsubscribe"]).strip("<>")
    assert url.startswith(f"{SITE}/reminders/unsubscribe/")
    # On the wire as the URL itself, on one line: not folded into RFC 2047 encoded-words a client cannot follow.
    [raw] = [r for r in smtp.recorder.raw if b"To: mo@example.com" in r]
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert url in parts(message)[0]
    path = url.removeprefix(SITE)
    # A link checker's GET changes nothing; the mail client's one-click POST (no session, no CSRF token) does.
    assert client.get(path).status_code == 200
    assert not ReminderSettings.objects.filter(user=people["member"], digest="off").exists()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert ReminderSettings.objects.get(user=people["member"]).digest == "off"
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200  # twice is harmless


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_changes_nothing(client, people):
    response = client.post(reverse("reminders_unsubscribe", args=[f"{people['member'].pk}:forged"]))
    assert response.status_code == 404
    assert not ReminderSettings.objects.exists()


@pytest.mark.django_db
def test_a_second_run_sends_nothing_more(smtp, mail_to, people, items):
    mail_to(smtp.url)
    call_command("send_reminders", "--now", NOW)
    call_command("send_reminders", "--now", "2026-12-02T08:05")
    call_command("send_reminders", "--now", "2026-12-02T23:59")
    assert len(smtp.recorder.messages) == 2
    assert set(ReminderOutbox.objects.values_list("period", "state")) == {("daily:2026-12-02", "sent")}


@pytest.mark.django_db
def test_nothing_goes_out_before_the_digest_hour_and_the_next_day_brings_the_next(smtp, mail_to, people, items):
    mail_to(smtp.url)
    call_command("send_reminders", "--now", "2026-12-02T06:59")  # yesterday's is due now, today's not yet
    assert {p for (p,) in ReminderOutbox.objects.values_list("period")} == {"daily:2026-12-01"}
    call_command("send_reminders", "--now", "2026-12-03T07:00")
    assert {p for (p,) in ReminderOutbox.objects.values_list("period")} == {"daily:2026-12-01", "daily:2026-12-03"}
    assert len(smtp.recorder.messages) == 4


@pytest.mark.django_db
def test_a_weekly_digest_goes_out_on_the_users_weekday_only(smtp, mail_to, people, items):
    mail_to(smtp.url)
    # 2 Dec 2026 is a Wednesday (weekday 2). Mo wants Fridays at 09:00; Edith turns hers off.
    ReminderSettings.objects.create(user=people["member"], digest="weekly", weekday=4, hour=9)
    ReminderSettings.objects.create(user=people["editor"], digest="off")
    call_command("send_reminders", "--now", "2026-11-27T08:59")  # a Friday, before nine: last Friday's
    call_command("send_reminders", "--now", "2026-11-27T09:00")  # nine: this Friday's
    call_command("send_reminders", "--now", "2026-12-02T10:00")  # Wednesday: still that week's, already sent
    assert len(smtp.recorder.messages) == 2
    call_command("send_reminders", "--now", "2026-12-04T09:00")  # Friday at nine
    assert [p for (p,) in ReminderOutbox.objects.order_by("due_at").values_list("period")] == [
        "weekly:2026-W47", "weekly:2026-W48", "weekly:2026-W49"]
    assert [str(m["To"]) for m in smtp.recorder.messages] == ["mo@example.com"] * 3


@pytest.mark.django_db
def test_a_new_account_gets_its_first_digest_at_its_next_digest_hour(smtp, mail_to, people, items):
    mail_to(smtp.url)
    people["member"].date_joined = at("2026-12-02T07:30")
    people["member"].save(update_fields=["date_joined"])
    call_command("send_reminders", "--now", NOW)
    assert [str(m["To"]) for m in smtp.recorder.messages] == ["edith@example.com"]
    call_command("send_reminders", "--now", "2026-12-03T07:00")
    assert len(smtp.recorder.to("mo@example.com")) == 1


@pytest.mark.django_db
def test_no_message_when_the_digest_would_be_empty(smtp, mail_to, people):
    mail_to(smtp.url)
    make_prediction(resolve_by=date(2027, 6, 30))
    call_command("send_reminders", "--now", NOW)
    assert smtp.recorder.messages == []
    assert set(ReminderOutbox.objects.values_list("state", flat=True)) == {State.EMPTY}


@pytest.mark.django_db
def test_a_server_that_refuses_once_is_tried_again_and_delivers(smtp, mail_to, people, items):
    mail_to(smtp.url)
    smtp.recorder.refuse = 1
    call_command("send_reminders", "--now", NOW)
    assert smtp.recorder.refused == 1
    assert sorted(str(m["To"]) for m in smtp.recorder.messages) == ["edith@example.com", "mo@example.com"]
    assert sorted(ReminderOutbox.objects.values_list("state", "attempts")) == [("sent", 1), ("sent", 2)]


@pytest.mark.django_db
def test_a_permanent_refusal_is_recorded_as_failed_and_not_tried_again(smtp, mail_to, people, items):
    mail_to(smtp.url)
    smtp.recorder.refuse, smtp.recorder.refuse_with = 1, "550 5.1.1 Mailbox does not exist"
    with pytest.raises(CommandError, match="1 digests not delivered"):
        call_command("send_reminders", "--now", NOW)
    failed = ReminderOutbox.objects.get(state=State.FAILED)
    assert "550" in failed.last_error and "Mailbox does not exist" in failed.last_error
    assert smtp.recorder.refused == 1 and len(smtp.recorder.messages) == 1
    call_command("send_reminders", "--now", "2026-12-02T09:00")
    assert len(smtp.recorder.messages) == 1


@pytest.mark.django_db
def test_a_server_that_is_down_leaves_the_digests_pending_and_tells_the_editors(mail_to, people, items, client):
    port = free_port()  # nothing listens here
    mail_to(f"smtp://127.0.0.1:{port}")
    with pytest.raises(CommandError, match="2 digests not delivered"):
        call_command("send_reminders", "--now", NOW)
    rows = list(ReminderOutbox.objects.all())
    assert [(r.state, r.attempts) for r in rows] == [("pending", 3), ("pending", 3)]
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert all(r.next_attempt_at > timezone.now() for r in rows)  # backing off

    client.force_login(people["editor"])
    page = client.get(reverse("settings")).content.decode()
    assert "No reminder sent yet; 2 failed:" in page
    assert "mo, daily:2026-12-02: ConnectionRefusedError" in page
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "2 reminder digests of the last 7 days did not go out." in dashboard
    client.force_login(people["member"])
    assert "failed" not in client.get(reverse("settings")).content.decode()  # members do not see delivery
    assert "did not go out" not in client.get(reverse("dashboard")).content.decode()

    # The server comes back; once the back-off has passed, the next run delivers both, once.
    server = SMTPServer(port).start()
    try:
        call_command("send_reminders", "--now", "2026-12-02T08:10")
        assert server.recorder.messages == []  # still backing off
        ReminderOutbox.objects.update(next_attempt_at=timezone.now())
        call_command("send_reminders", "--now", "2026-12-02T08:20")
        assert sorted(str(m["To"]) for m in server.recorder.messages) == ["edith@example.com", "mo@example.com"]
    finally:
        server.stop()
    client.force_login(people["editor"])
    assert "none failed" in client.get(reverse("settings")).content.decode()
    assert "did not go out" not in client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_a_run_that_died_mid_send_is_taken_over_when_its_claim_expires(smtp, mail_to, people, items):
    mail_to(smtp.url)
    ReminderSettings.objects.create(user=people["editor"], digest="off")
    call_command("send_reminders", "--dry-run")  # writes nothing
    assert not ReminderOutbox.objects.exists()
    entry = ReminderOutbox.objects.create(user=people["member"], period="daily:2026-12-02",
                                          due_at=at("2026-12-02T07:00"), next_attempt_at=timezone.now(),
                                          claimed_by="dead-run", claimed_until=timezone.now() + timedelta(minutes=5))
    call_command("send_reminders", "--now", NOW)
    assert smtp.recorder.messages == []  # another run holds it, and may still be sending
    ReminderOutbox.objects.filter(pk=entry.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    call_command("send_reminders", "--now", NOW)
    assert [str(m["To"]) for m in smtp.recorder.messages] == ["mo@example.com"]
    entry.refresh_from_db()
    assert (entry.state, entry.claimed_by, entry.sent_at is not None) == ("sent", "", True)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_digest_once(smtp, mail_to):
    mail_to(smtp.url)
    users = [make_user(f"user{n}", role="members") for n in range(12)]
    for n, user in enumerate(users):
        user.email, user.date_joined = f"user{n}@example.com", at("2026-01-05T10:00")
        user.save(update_fields=["email", "date_joined"])
    make_prediction(resolve_by=TODAY + timedelta(days=1))
    start = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            start.wait()
            reports.append(send_due(at(NOW)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(str(m["To"]) for m in smtp.recorder.messages) == sorted(u.email for u in users)
    assert sum(r.sent for r in reports) == 12
    assert ReminderOutbox.objects.filter(state=State.SENT).count() == 12


@pytest.mark.django_db
def test_the_dry_run_prints_a_users_digest_and_sends_nothing(capsys, mail_to, people, items, mailoutbox):
    call_command("send_reminders", "--dry-run", "--user", "mo", "--now", NOW)
    out = capsys.readouterr().out
    assert "To: mo@example.com" in out
    assert "Due within 7 days (1)" in out and link(items["coming"]) in out
    assert mailoutbox == [] and not ReminderOutbox.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_a_bad_clock_and_user_without_dry_run(people):
    with pytest.raises(CommandError, match="2026-12-02T08:00"):
        call_command("send_reminders", "--now", "yesterday")
    with pytest.raises(CommandError, match="--user only goes with --dry-run"):
        call_command("send_reminders", "--user", "mo")
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("send_reminders", "--dry-run", "--user", "ghost")


@pytest.mark.django_db
def test_the_dry_run_lists_who_is_due_and_what_the_outbox_holds(smtp, mail_to, people, items, capsys):
    mail_to(smtp.url)
    call_command("send_reminders", "--dry-run", "--now", NOW)
    assert capsys.readouterr().out.splitlines() == [
        "edith <edith@example.com>: daily:2026-12-02 (due 2026-12-02 07:00): not yet in the outbox",
        "mo <mo@example.com>: daily:2026-12-02 (due 2026-12-02 07:00): not yet in the outbox"]
    call_command("send_reminders", "--now", NOW)
    capsys.readouterr()
    call_command("send_reminders", "--dry-run", "--now", NOW)
    assert capsys.readouterr().out.count(": sent") == 2
    assert len(smtp.recorder.messages) == 2


@pytest.mark.django_db
def test_the_outbox_forgets_finished_digests_after_90_days(smtp, mail_to, people, items):
    mail_to(smtp.url)
    call_command("send_reminders", "--now", "2026-08-01T08:00")
    assert ReminderOutbox.objects.filter(period="daily:2026-08-01").count() == 2  # empty then: nothing was due
    call_command("send_reminders", "--now", NOW)
    assert not ReminderOutbox.objects.filter(period="daily:2026-08-01").exists()
    assert ReminderOutbox.objects.filter(period="daily:2026-12-02", state="sent").count() == 2
