"""Who is who: the keys that recognise the same person and the same company. Pure functions.

Same person: the normalised e-mail address. Addresses are compared lower-cased and trimmed.
Gmail (gmail.com, googlemail.com) ignores dots in the local part and everything after a `+`,
so `Ada.Lovelace+news@GoogleMail.com` and `adalovelace@gmail.com` are one person there. Other
providers may treat `+tags` and dots as different mailboxes, so we never strip them elsewhere.

Same company: the e-mail domain when it is a business domain (not free mail), else the
company name without legal suffixes (Ltd, GmbH, Inc, LLC, …), punctuation, case and spacing.
A company match links leads of one account; only a person match merges leads.
"""

from __future__ import annotations

import re
import unicodedata

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
    }
)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "gmbh",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "corp",
        "corporation",
        "co",
        "company",
        "kg",
        "oy",
        "ab",
        "srl",
        "spa",
        "pty",
    }
)


def normalise_email(email: str) -> str:
    """The address as stored and shown: trimmed and lower-cased."""
    return email.strip().lower()


def email_domain(email: str) -> str:
    return normalise_email(email).rsplit("@", 1)[-1]


def is_free_mail(email: str) -> bool:
    """True for addresses at consumer providers, which say nothing about the company."""
    return email_domain(email) in FREE_MAIL_DOMAINS


def person_key(email: str) -> str:
    """The key two submissions of the same person share (see the module's rules)."""
    local, _, domain = normalise_email(email).rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def normalise_company_name(name: str) -> str:
    """`Analytical Engines, Ltd.` → `analytical engines`: accents, punctuation, legal
    suffixes and extra spaces removed, lower-cased."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", folded.replace("&", " and ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def company_key(email: str, company: str) -> str:
    """`domain:engines.example` for a business address, else `name:analytical engines`."""
    if not is_free_mail(email):
        return f"domain:{email_domain(email)}"
    return f"name:{normalise_company_name(company)}"
