"""The session engine (SESSION_ENGINE): Django's cached database sessions (read from the shared cache, written
through to the database), each row also naming its user, so that deactivating an account ends its sessions with
one indexed DELETE instead of decoding every session."""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache import caches
from django.db import models

USER_KEY = "_auth_user_id"  # django.contrib.auth.SESSION_KEY; importing auth here would load it too early


class AccountSession(AbstractBaseSession):
    """A database session that records whose it is."""

    user_pk = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        app_label = "tracker"
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


def user_pk_of(data: dict) -> int | None:
    try:
        return int(data.get(USER_KEY))
    except (TypeError, ValueError):
        return None


class SessionStore(CachedDatabaseStore):
    @classmethod
    def get_model_class(cls):
        return AccountSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_pk = user_pk_of(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_pk = user_pk_of(data)
        return session


def end_sessions(user_pk: int) -> int:
    """Log the user out everywhere; the number of sessions ended. The cached copies go too, or they would keep
    the sessions alive until they expire from the cache."""
    sessions = AccountSession.objects.filter(user_pk=user_pk)
    keys = list(sessions.values_list("session_key", flat=True))
    caches[settings.SESSION_CACHE_ALIAS].delete_many([SessionStore.cache_key_prefix + key for key in keys])
    return sessions.delete()[0]
