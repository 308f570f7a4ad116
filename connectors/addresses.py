"""Email addresses and company domains as the connectors read them: the bare address in a
header or cell, its domain, whether that domain is a free-mail provider (so says nothing of
the employer), and a company's bare host name and default name from a domain or URL."""

from __future__ import annotations

import re
from functools import lru_cache

# Addresses at these domains say nothing about the employer, so no company is derived from them.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
    }
)

EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)

_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST_RE = re.compile(r"[a-z0-9.-]+")
_NAME_SPLIT_RE = re.compile(r"[-_]")


def normalize_email(value: str) -> str | None:
    """The bare, lower-cased address in `value`, or None when there is none."""
    match = EMAIL_RE.search(value or "")
    return match.group(0).lower() if match else None


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def is_free_mail(address_or_domain: str) -> bool:
    return email_domain(address_or_domain) in FREE_MAIL_DOMAINS


# Exports repeat the same few company domains on thousands of rows.
@lru_cache(maxsize=4096)
def normalize_domain(value: str) -> str | None:
    """A bare host name from a domain or URL: 'https://www.Acme.example/x' -> 'acme.example'."""
    v = (value or "").strip().lower()
    if not v:
        return None
    v = _SCHEME_RE.sub("", v)
    v = v.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    v = v.rpartition("@")[2].split(":", 1)[0].strip(".")
    v = v.removeprefix("www.")
    if "." not in v or not _HOST_RE.fullmatch(v):
        return None
    return v


def name_from_domain(domain: str) -> str:
    label = domain.split(".", 1)[0]
    return " ".join(part.capitalize() for part in _NAME_SPLIT_RE.split(label) if part) or domain
