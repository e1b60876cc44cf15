import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

from tracker.roles import create_roles

# One address, one account, whatever the letter case: a reset link or a digest must have one recipient. An
# expression index: auth.User is Django's model, so the rule cannot sit in its Meta.
EMAIL_INDEX = "tracker_user_email_unique_ci"


def give_editors_the_users_page(apps, schema_editor):
    create_roles(apps)


def one_account_per_address(apps, schema_editor):
    User = apps.get_model("auth", "User")
    shared = (User.objects.exclude(email="").annotate(address=Lower("email")).values("address")
              .annotate(n=models.Count("pk")).filter(n__gt=1))
    if shared:
        addresses = ", ".join(sorted(row["address"] for row in shared))
        raise RuntimeError(f"Several accounts share an e-mail address ({addresses}). Give each its own (or clear it) "
                           f"in the admin, then migrate again.")
    schema_editor.execute(f"CREATE UNIQUE INDEX {EMAIL_INDEX} ON auth_user (LOWER(email)) WHERE email <> ''")


def drop_address_rule(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {EMAIL_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0011_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(one_account_per_address, drop_address_rule),
        migrations.CreateModel(
            name='AccountSession',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user_pk', models.BigIntegerField(blank=True, db_index=True, null=True)),
            ],
            options={
                'verbose_name': 'session',
            },
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('new_account', models.BooleanField(default=False)),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-sent_at', '-id'],
                'permissions': [('manage_users', 'Can invite people and change their roles')],
                'indexes': [models.Index(fields=['user', '-sent_at'], name='invitation_latest_idx')],
            },
        ),
        migrations.RunPython(give_editors_the_users_page, migrations.RunPython.noop),
    ]
