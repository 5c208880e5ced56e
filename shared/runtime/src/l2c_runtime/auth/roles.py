"""Who may do what: each role's scopes, as data, in one place (docs/security.md shows the
same table). A route declares the one scope it needs; a token's roles grant scopes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Every scope a route can require. Reads end in `:read` so "read-only everywhere" is a rule,
# not a list to keep in step.
SCOPES: frozenset[str] = frozenset(
    {
        "leads:submit",  # push a lead in (web forms, imports)
        "leads:read",
        "leads:write",  # assign, contact, disqualify, recycle, merge
        "leads:erase",  # GDPR erasure
        "lead-rules:read",
        "lead-rules:write",  # scoring rules, qualification gates, routing, teams
        "accounts:read",
        "accounts:write",
        "opportunities:read",
        "opportunities:write",
        "pipelines:read",
        "pipelines:write",
        "forecast:read",
        "catalog:read",
        "quotes:read",
        "quotes:write",  # create, revise, send, record the customer's answer
        "quotes:approve",  # decide a discount approval step (the step's role must match)
        "contracts:read",
        "contracts:write",  # terms, clauses, amendments, renewals, terminations
        "contracts:sign",  # record the customer's signature
        "contracts:countersign",
        "contracts:approve",  # decide a contract approval step (the step's role must match)
        "contract-policy:write",
        "orders:read",
        "orders:write",  # retry provisioning
        "billing:read",  # subscriptions, credit notes, revenue schedules, deferred revenue
        "billing-setup:write",  # tax rates, tax jurisdictions, usage plans, auto-finalize
        "invoices:read",
        "invoices:write",  # finalize, void
        "payments:read",
        "payments:write",  # record a payment
        "payments:apply",  # apply or unapply cash
        "statements:import",  # import a bank statement (CAMT.053, CSV) and apply its cash
        "receivables:read",  # balances, aging, DSO, cash collected
        "disputes:write",  # open a dispute on an invoice (a customer portal, finance)
        "disputes:resolve",  # uphold (credit note) or reject a dispute
        "credit-notes:write",  # request a credit note by hand on an issued or paid invoice
        "refunds:write",  # refund a payment or unapplied cash
        "write-offs:write",  # request a write-off by hand, reverse one
        "corrections:approve",  # approve another person's credit note or write-off
        "audit:read",
        "insights:read",  # journeys and lead-to-cash metrics (insights-svc)
        "insights:admin",  # hand-off SLA definitions (insights-svc)
        "clock:read",
        "clock:advance",  # simulated time (dev/test), through `l2c clock`
        "dlq:replay",  # through `l2c dlq replay`
    }
)

READ_SCOPES = frozenset(s for s in SCOPES if s.endswith(":read"))

_SALES = {
    "leads:submit",
    "leads:read",
    "leads:write",
    "accounts:read",
    "accounts:write",
    "opportunities:read",
    "opportunities:write",
    "pipelines:read",
    "forecast:read",
    "catalog:read",
    "quotes:read",
    "quotes:write",
    "contracts:read",
    "orders:read",
    "clock:read",
}

ROLE_SCOPES: Mapping[str, frozenset[str]] = {
    "integration": frozenset({"leads:submit", "payments:write", "disputes:write", "clock:read"}),
    "sales_rep": frozenset(_SALES),
    "sales_manager": frozenset(_SALES | {"quotes:approve", "lead-rules:read"}),
    "deal_desk": frozenset(
        {
            "accounts:read",
            "opportunities:read",
            "pipelines:read",
            "catalog:read",
            "quotes:read",
            "quotes:write",
            "quotes:approve",
            "contracts:read",
            "contracts:write",
            "contracts:sign",
            "orders:read",
            "orders:write",
            "clock:read",
        }
    ),
    "legal": frozenset(
        {
            "accounts:read",
            "quotes:read",
            "contracts:read",
            "contracts:write",
            "contracts:sign",
            "contracts:countersign",
            "contracts:approve",
            "orders:read",
            "clock:read",
        }
    ),
    "finance": frozenset(
        READ_SCOPES - {"audit:read"}
        | {
            "quotes:approve",
            "contracts:approve",
            "invoices:write",
            "billing-setup:write",
            "payments:write",
            "payments:apply",
            "statements:import",
            "disputes:write",
            "disputes:resolve",
            "credit-notes:write",
            "refunds:write",
            "write-offs:write",
            "corrections:approve",
        }
    ),
    "revops_admin": frozenset(
        READ_SCOPES - {"audit:read"}
        | {
            "lead-rules:write",
            "pipelines:write",
            "contract-policy:write",
            "leads:erase",
            "insights:admin",
        }
    ),
    "auditor": READ_SCOPES,
    "platform_admin": frozenset(
        {"audit:read", "insights:read", "clock:read", "clock:advance", "dlq:replay"}
    ),
}
"""Role → scopes. `auditor` reads everything and changes nothing."""

EVERY_RECORD_ROLES: frozenset[str] = frozenset(ROLE_SCOPES) - {"sales_rep", "sales_manager"}
"""Roles that see every lead, opportunity and quote; sales roles alone see only their own and
their teams' records."""


def scopes_of(roles: Iterable[str]) -> frozenset[str]:
    """The scopes granted by a token's roles (unknown roles grant nothing)."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_SCOPES.get(role, frozenset())
    return frozenset(granted)
