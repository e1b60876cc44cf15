from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db import transaction
from django.db.models import F

from .accounts import email_owner
from .cache import invalidate_scoreboard
from .models import (
    ApiToken,
    Company,
    Forecast,
    Person,
    Prediction,
    PredictionEdit,
    Price,
    Quote,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
    ThesisCompany,
)
from .scores import delete_forecasters, groups_of, rescore, rescore_groups


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the app writes: shown here, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionedAdmin(admin.ModelAdmin):
    """The version is never typed in: each change here moves it on, so edit forms opened before are stale."""

    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        if change:
            obj.refresh_from_db(fields=["version"])


@admin.register(Person)
class PersonAdmin(VersionedAdmin):
    list_display = ["name", "affiliation", "key"]
    search_fields = ["name", "affiliation", "key"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Company)
class CompanyAdmin(VersionedAdmin):
    list_display = ["name", "ticker", "key"]
    search_fields = ["name", "ticker", "key"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Source)
class SourceAdmin(VersionedAdmin):
    list_display = ["title", "kind", "publisher", "published_on"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "publisher", "key"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["author"]


@admin.register(Quote)
class QuoteAdmin(VersionedAdmin):
    list_display = ["__str__", "speaker", "source", "timestamp_label"]
    list_filter = ["source", "speaker"]
    search_fields = ["text", "key"]
    list_select_related = ["speaker", "source"]
    autocomplete_fields = ["source", "speaker"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ThesisCompanyInline(admin.TabularInline):
    model = ThesisCompany
    extra = 0
    autocomplete_fields = ["company"]


@admin.register(Thesis)
class ThesisAdmin(VersionedAdmin):
    list_display = ["title", "stance", "status", "opened_on", "benchmark"]
    list_filter = ["stance", "status"]
    search_fields = ["title", "rationale", "key"]
    filter_horizontal = ["quotes"]
    inlines = [ThesisCompanyInline]


@admin.register(Price)
class PriceAdmin(ReadOnlyAdmin):
    """Read-only: prices change by imports, which keep each ticker's PriceSeries (and so every cached series) in
    step; a price edited here would not be."""

    list_display = ["ticker", "day", "close", "adj_close"]
    list_filter = ["ticker"]
    date_hierarchy = "day"


class ResolutionEventInline(admin.TabularInline):
    model = ResolutionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor", "from_status", "to_status", "resolved_on", "note",
                       "evidence_url"]

    def has_add_permission(self, request, obj=None):
        return False


class PredictionEditInline(admin.TabularInline):
    model = PredictionEdit
    fk_name = "prediction"
    extra = 0
    can_delete = False
    readonly_fields = ["at", "editor", "field", "before", "after"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Prediction)
class PredictionAdmin(VersionedAdmin):
    list_display = ["__str__", "speaker", "status", "made_on", "resolve_by", "resolved_on"]
    list_filter = ["status", "speaker", "tags", "theses"]
    search_fields = ["statement", "criteria", "key"]
    list_select_related = ["speaker"]
    date_hierarchy = "resolve_by"
    autocomplete_fields = ["speaker", "source"]
    filter_horizontal = ["quotes", "theses", "companies", "tags"]
    # Status changes go through the resolve action, which records history; never edited here.
    readonly_fields = ["status", "resolved_on", "resolution_note", "resolution_url", "version"]
    inlines = [ResolutionEventInline, PredictionEditInline]

    def save_model(self, request, obj, form, change):
        # An edit here of a forecast question is recorded as on the edit page (tracker/forms.py PredictionForm).
        before = Prediction.objects.filter(pk=obj.pk).values(*PredictionEdit.Field.values).first() if change else None
        # A scored prediction moved between speakers, sources, theses, companies or tags moves their accuracy: the
        # groups it was in (read before the save) and is in after its links are saved are rescored.
        obj.groups_before = groups_of([obj.pk]) if change else {}
        super().save_model(request, obj, form, change)
        if before:
            PredictionEdit.record(obj, before, editor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        after = groups_of([form.instance.pk])
        rescore_groups({kind: ids | form.instance.groups_before.get(kind, set()) for kind, ids in after.items()})
        invalidate_scoreboard()


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["prediction", "user", "probability", "made_at"]
    list_filter = ["user"]
    search_fields = ["prediction__statement", "user__username"]
    list_select_related = ["prediction", "user"]
    raw_id_fields = ["prediction"]

    # A forecast changed here may be a counted one: its predictions' stored scores follow in the same transaction.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = Forecast.objects.filter(pk=obj.pk).values_list("prediction_id", flat=True).first()
            super().save_model(request, obj, form, change)
            rescore({obj.prediction_id, before} - {None})
            invalidate_scoreboard()

    def delete_model(self, request, obj):
        self.delete_queryset(request, Forecast.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            affected = set(queryset.values_list("prediction_id", flat=True))
            super().delete_queryset(request, queryset)
            rescore(affected)
            invalidate_scoreboard()


class AdminUserForm(UserChangeForm):
    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "")
        if owner := email_owner(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(f"The account {owner.get_username()} already uses this address.")
        return email


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountAdmin(UserAdmin):
    """Django's user admin, refusing an address another account has (in any case) before the database does; and
    deleting a user takes their forecasts along, which moves the community median of what they forecast."""

    form = AdminUserForm

    def delete_model(self, request, obj):
        self.delete_queryset(request, get_user_model().objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            delete_forecasters(queryset)
            invalidate_scoreboard()


@admin.register(Signal)
class SignalAdmin(VersionedAdmin):
    list_display = ["title", "direction", "occurred_on"]
    list_filter = ["direction"]
    search_fields = ["title", "summary", "key"]
    date_hierarchy = "occurred_on"
    filter_horizontal = ["theses", "predictions"]


@admin.register(ResolutionEvent)
class ResolutionEventAdmin(ReadOnlyAdmin):
    """Read-only: the resolution history is append-only."""

    list_display = ["prediction", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action", "to_status"]
    search_fields = ["prediction__statement", "note"]
    list_select_related = ["prediction", "actor"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the settings page or by `manage.py create_api_token` (the only times one is shown);
    here an administrator sees them and can revoke (delete) one."""

    list_display = ["name", "user", "prefix", "read_only", "created_at", "expires_at", "last_used_at"]
    list_filter = ["read_only"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "prefix", "digest", "read_only", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
