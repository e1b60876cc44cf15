"""EMAIL_URL: the one variable that says how the app sends mail, read into a Django 6.1 MAILERS entry.

    smtp://user:password@host:587?tls=1    SMTP with STARTTLS (user and password percent-encoded)
    smtps://user:password@host:465         SMTP over TLS from the first byte
    smtp://127.0.0.1:1025                  a local relay or a test server, no login
    console:                               print every message on standard output (development)
    locmem: / dummy:                       keep them in memory (tests) / throw them away

Anything else is refused with a message that says what is wrong, so a typo stops the start-up instead of
losing every reminder at the first send.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
# A server that accepts the connection and then says nothing must not hold a cron run for ever.
DEFAULT_TIMEOUT = 10


class BadEmailURL(ValueError):
    pass


def mailer_from_url(url: str) -> dict:
    """The MAILERS entry for an EMAIL_URL (see the module's docstring), or BadEmailURL saying what is wrong."""
    shown = _without_password(url)
    scheme, colon, rest = url.strip().partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in BACKENDS:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: it must start with one of "
                          f"{', '.join(s + ':' for s in BACKENDS)} (for example smtp://127.0.0.1:1025 or console:).")
    if scheme not in ("smtp", "smtps"):
        if rest.strip("/"):
            raise BadEmailURL(f"EMAIL_URL={shown!r}: {scheme}: takes nothing after the colon.")
        return {"BACKEND": BACKENDS[scheme]}
    return {"BACKEND": BACKENDS[scheme], "OPTIONS": _smtp_options(url.strip(), scheme, shown)}


def _smtp_options(url: str, scheme: str, shown: str) -> dict:
    parts = urlsplit(url)
    if not url.lower().startswith(f"{scheme}://"):
        raise BadEmailURL(f"EMAIL_URL={shown!r}: write {scheme}://host[:port], with the two slashes.")
    if parts.path not in ("", "/") or parts.fragment:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: an SMTP address has no path; only ?tls=1, ?ssl=1 or ?timeout=N "
                          f"may follow the host and port.")
    host = parts.hostname
    if not host:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: the host is missing (smtp://host:port).")
    try:
        port = parts.port
    except ValueError:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: the port must be a number from 1 to 65535.") from None
    if port == 0:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: the port must be a number from 1 to 65535.")
    options = {"host": host, "use_ssl": scheme == "smtps", "use_tls": False, "timeout": DEFAULT_TIMEOUT}
    if port:
        options["port"] = port
    if parts.username is not None:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    seen = set()
    for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)):
        if name in seen:
            raise BadEmailURL(f"EMAIL_URL={shown!r}: ?{name} is given twice.")
        seen.add(name)
        if name in ("tls", "ssl"):
            if value.lower() not in FLAGS:
                raise BadEmailURL(f"EMAIL_URL={shown!r}: ?{name}={value!r} must be 1 or 0.")
            options[f"use_{name}"] = FLAGS[value.lower()]
        elif name == "timeout":
            if not value.isdigit() or not 1 <= int(value) <= 600:
                raise BadEmailURL(f"EMAIL_URL={shown!r}: ?timeout={value!r} must be a whole number of seconds "
                                  f"from 1 to 600.")
            options["timeout"] = int(value)
        else:
            raise BadEmailURL(f"EMAIL_URL={shown!r}: ?{name} is not understood; use tls, ssl or timeout.")
    if options["use_tls"] and options["use_ssl"]:
        raise BadEmailURL(f"EMAIL_URL={shown!r}: STARTTLS (tls=1) and TLS from the start (smtps: or ssl=1) "
                          f"exclude each other; choose one.")
    return options


def _without_password(url: str) -> str:
    """The URL as an error message may show it: a password never reaches a log."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return url.split("@")[-1]
    return url.strip().replace(f":{password}@", ":***@", 1) if password else url.strip()
