"""Django's model backend, reading a user's permissions in one query instead of two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Value


class OneQueryModelBackend(ModelBackend):
    """Fills the caches ModelBackend keeps on the user (`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`)
    from one query: the user's own permissions UNION their groups'. A page asks many `perms.tracker.*`
    questions; with the caches full, each is answered from memory."""

    def _fill_caches(self, user_obj) -> None:
        if user_obj.is_superuser:
            rows = Permission.objects.values_list("content_type__app_label", "codename", Value("all"))
        else:
            direct = Permission.objects.filter(user=user_obj)
            via_groups = Permission.objects.filter(group__user=user_obj)
            columns = ("content_type__app_label", "codename")
            rows = direct.values_list(*columns, Value("user")).order_by().union(
                via_groups.values_list(*columns, Value("group")).order_by(), all=True).order_by()
        user_perms, group_perms = set(), set()
        for app_label, codename, via in rows:
            name = f"{app_label}.{codename}"
            if via != "group":
                user_perms.add(name)
            if via != "user":
                group_perms.add(name)
        user_obj._user_perm_cache = user_perms
        user_obj._group_perm_cache = group_perms
        user_obj._perm_cache = user_perms | group_perms

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, f"_{from_name}_perm_cache"):
            self._fill_caches(user_obj)
        return getattr(user_obj, f"_{from_name}_perm_cache")

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            self._fill_caches(user_obj)
        return user_obj._perm_cache
