"""Personal API tokens: issued once, stored as a digest, found by a public prefix, limited per token."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tracker.models import ApiToken

SCHEME = "tt"
API_PREFIX = "/api/"
# last_used_at is written at most this often per token, so reading the API is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user, name: str, *, read_only: bool = False, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; the second value is the token itself, which is never stored and shown once."""
    prefix = secrets.token_hex(6)
    raw = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=digest_of(raw),
                                    read_only=read_only, expires_at=expires_at)
    return token, raw


def find(raw: str) -> ApiToken | None:
    """The live token `raw` names, or None: unknown, wrong secret, expired, or its user is inactive."""
    scheme, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not secret or len(prefix) > ApiToken._meta.get_field("prefix").max_length:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, digest_of(raw)):
        return None
    if token.is_expired() or not token.user.is_active:
        return None
    return token


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def over_limit(token: ApiToken, now: float | None = None) -> int | None:
    """Count a request against the token's budget (API_RATE_LIMIT requests per API_RATE_WINDOW seconds, in the
    shared cache so it holds across workers and servers); the seconds to wait when it is spent, else None."""
    window, limit = settings.API_RATE_WINDOW, settings.API_RATE_LIMIT
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"api-rate:{token.pk}:{slot}"
    try:
        count = cache.incr(key)  # atomic in Redis; the database cache reads and writes it back
    except ValueError:  # the window's first request
        count = 1 if cache.add(key, 1, window + 1) else cache.incr(key)
    if count <= limit:
        return None
    return max(1, math.ceil((slot + 1) * window - now))


def token_user(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Under /api/, the user is the bearer token's, never the session's: a page's cookies cannot act through the
    API (so it needs no CSRF check), and the body-size limit below this sees who is sending."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            request.api_token = None
            request.user = AnonymousUser()
            scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() == "bearer" and raw.strip():
                token = find(raw.strip())
                if token is not None:
                    request.api_token, request.user = token, token.user
        return get_response(request)

    return middleware
