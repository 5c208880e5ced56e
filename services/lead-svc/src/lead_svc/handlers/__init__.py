"""lead-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from lead_svc.handlers.assignment import breach_next_due, reassign, record_contact
from lead_svc.handlers.intake import capture_lead, capture_many, merge_leads, record_activity
from lead_svc.handlers.privacy import erase_lead
from lead_svc.handlers.qualification import disqualify, recycle, rescore_outdated
from lead_svc.handlers.queries import find_lead, list_leads, timeline

__all__ = [
    "breach_next_due",
    "capture_lead",
    "capture_many",
    "disqualify",
    "erase_lead",
    "find_lead",
    "list_leads",
    "merge_leads",
    "reassign",
    "record_activity",
    "record_contact",
    "recycle",
    "rescore_outdated",
    "timeline",
]
