"""The L2C event contract: every message other systems may publish or consume.

Pure data: Pydantic v2 models, a CloudEvents envelope and topic names. No I/O.
"""

from l2c_schemas.ar import InvoicePaid, PaymentApplied, PaymentNotified, PaymentReceived
from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.billing import InvoiceIssued, InvoiceLine, SubscriptionActivated
from l2c_schemas.contract import ContractDrafted, ContractSigned, OrderPlaced
from l2c_schemas.cpq import PricedLine, QuoteAccepted, QuoteCreated, QuoteTotals
from l2c_schemas.deal import DealClosed, OpportunityOpened, OpportunityStageChanged
from l2c_schemas.lead import LeadCaptured, LeadDisqualified, LeadQualified, LeadSubmitted
from l2c_schemas.money import DecimalStr, Money, round_money
from l2c_schemas.registry import MESSAGE_TYPES, message_type

__all__ = [
    "MESSAGE_TYPES",
    "ContractDrafted",
    "ContractSigned",
    "DealClosed",
    "DecimalStr",
    "InvoiceIssued",
    "InvoiceLine",
    "InvoicePaid",
    "JourneyEvent",
    "LeadCaptured",
    "LeadDisqualified",
    "LeadQualified",
    "LeadSubmitted",
    "Message",
    "Money",
    "OpportunityOpened",
    "OpportunityStageChanged",
    "OrderPlaced",
    "PaymentApplied",
    "PaymentNotified",
    "PaymentReceived",
    "PricedLine",
    "QuoteAccepted",
    "QuoteCreated",
    "QuoteTotals",
    "SubscriptionActivated",
    "message_type",
    "round_money",
]
