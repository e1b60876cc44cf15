from functools import cache

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

ABILITIES = {
    "can_resolve": "resolve_prediction",
    "can_forecast": "add_forecast",
    "can_edit": "change_prediction",
    "can_edit_thesis": "change_thesis",
    "can_add_signal": "add_signal",
    "can_import": "add_prediction",
}


def permission_codes(user) -> set[str]:
    """The user's tracker permissions in one query (Django's backend takes two)."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return set(ABILITIES.values())
    rows = Permission.objects.filter(Q(user=user) | Q(group__user=user), content_type__app_label="tracker")
    return set(rows.values_list("codename", flat=True))


def abilities(request: HttpRequest) -> dict:
    """What the logged-in user may do, for templates: `can_resolve`, `can_forecast`, ... (looked up lazily)."""
    # An error page can be rendered for a request that never reached authentication (a bad Host header).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return dict.fromkeys(ABILITIES, False)
    codes = cache(lambda: permission_codes(user))
    return {name: SimpleLazyObject(lambda code=code: code in codes()) for name, code in ABILITIES.items()}
