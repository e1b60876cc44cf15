from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from tracker.api.routes import api
from tracker.views import (
    accounts,
    bundles,
    catalog,
    dashboard,
    predictions,
    scoreboard,
    search,
    theses,
    tokens,
    transcripts,
)

api_patterns, _, _ = api.urls
api_urls = ([path(p.pattern._route, login_not_required(p.callback), name=p.name) for p in api_patterns], "api")

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("predictions/", predictions.prediction_list, name="prediction_list"),
    path("predictions/new/", catalog.prediction_edit, name="prediction_create"),
    path("predictions/<int:pk>/", predictions.prediction_detail, name="prediction_detail"),
    path("predictions/<int:pk>/edit/", catalog.prediction_edit, name="prediction_edit"),
    path("predictions/<int:pk>/delete/", catalog.prediction_delete, name="prediction_delete"),
    path("predictions/<int:pk>/resolve/", predictions.resolve, name="prediction_resolve"),
    path("predictions/<int:pk>/undo/", predictions.undo, name="prediction_undo"),
    path("predictions/<int:pk>/forecast/", predictions.forecast, name="prediction_forecast"),
    path("theses/", theses.thesis_list, name="thesis_list"),
    path("theses/new/", theses.thesis_edit, name="thesis_create"),
    path("theses/<int:pk>/", theses.thesis_detail, name="thesis_detail"),
    path("theses/<int:pk>/edit/", theses.thesis_edit, name="thesis_edit"),
    path("theses/<int:pk>/delete/", theses.thesis_delete, name="thesis_delete"),
    path("theses/<int:pk>/status/", theses.thesis_status, name="thesis_status"),
    path("theses/<int:pk>/signals/", theses.thesis_add_signal, name="thesis_add_signal"),
    path("sources/", catalog.source_list, name="source_list"),
    path("sources/new/", catalog.source_edit, name="source_create"),
    path("sources/<int:pk>/", catalog.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", catalog.source_edit, name="source_edit"),
    path("sources/<int:pk>/delete/", catalog.source_delete, name="source_delete"),
    path("sources/<int:pk>/transcript/", transcripts.transcript_upload, name="transcript_upload"),
    path("sources/<int:pk>/transcript/save/", transcripts.transcript_save, name="transcript_save"),
    path("sources/<int:pk>/transcript/quote/", transcripts.transcript_quote, name="transcript_quote"),
    path("quotes/new/", catalog.quote_edit, name="quote_create"),
    path("quotes/<int:pk>/", catalog.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", catalog.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/delete/", catalog.quote_delete, name="quote_delete"),
    path("people/", catalog.person_list, name="person_list"),
    path("people/new/", catalog.person_edit, name="person_create"),
    path("people/<int:pk>/", catalog.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", catalog.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", catalog.person_delete, name="person_delete"),
    path("companies/", catalog.company_list, name="company_list"),
    path("companies/new/", catalog.company_edit, name="company_create"),
    path("companies/<int:pk>/", catalog.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", catalog.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", catalog.company_delete, name="company_delete"),
    path("signals/", catalog.signal_list, name="signal_list"),
    path("signals/new/", catalog.signal_edit, name="signal_create"),
    path("signals/<int:pk>/edit/", catalog.signal_edit, name="signal_edit"),
    path("signals/<int:pk>/delete/", catalog.signal_delete, name="signal_delete"),
    path("scoreboard/", scoreboard.scoreboard, name="scoreboard"),
    path("scoreboard/download/", scoreboard.scoreboard_download, name="scoreboard_download"),
    path("search/", search.search_page, name="search"),
    path("import/", bundles.import_view, name="import"),
    path("export/", bundles.export_view, name="export"),
    # Only these account pages: there is no e-mail, so no self-service password reset.
    path("settings/", accounts.settings_page, name="settings"),
    path("settings/tokens/", tokens.token_create, name="api_token_create"),
    path("settings/tokens/<int:pk>/revoke/", tokens.token_revoke, name="api_token_revoke"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("admin/", admin.site.urls),
    # The API authenticates by bearer token (tracker.api.tokens), so the log-in page never answers for it.
    path("api/v1/", include(api_urls)),
]

handler403 = "tracker.views.common.permission_denied"
