"""contract-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from contract_svc.handlers.amendments import amend_contract, list_amendments
from contract_svc.handlers.approvals import (
    Approval,
    add_clause,
    decide_approval,
    list_approvals,
    revise_terms,
)
from contract_svc.handlers.drafting import draft_contract
from contract_svc.handlers.orders import find_order, report_provisioning, retry_order_provisioning
from contract_svc.handlers.policy import update_policy
from contract_svc.handlers.records import (
    Clause,
    ContractRecord,
    find_contract,
    list_contracts,
    load_policy,
)
from contract_svc.handlers.signing import (
    SignatureEvidence,
    countersign_contract,
    record_esignature,
    sign_contract,
    signatures_of,
)
from contract_svc.handlers.term_events import (
    activate_next_due_contract,
    announce_next_renewal,
    end_next_expiring_term,
    renew_contract,
    terminate_contract,
)

__all__ = [
    "Approval",
    "Clause",
    "ContractRecord",
    "SignatureEvidence",
    "activate_next_due_contract",
    "add_clause",
    "amend_contract",
    "announce_next_renewal",
    "countersign_contract",
    "decide_approval",
    "draft_contract",
    "end_next_expiring_term",
    "find_contract",
    "find_order",
    "list_amendments",
    "list_approvals",
    "list_contracts",
    "load_policy",
    "record_esignature",
    "renew_contract",
    "report_provisioning",
    "retry_order_provisioning",
    "revise_terms",
    "sign_contract",
    "signatures_of",
    "terminate_contract",
    "update_policy",
]
