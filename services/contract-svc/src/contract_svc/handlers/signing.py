"""Signatures: the customer's (API or e-signature webhook), the company's countersignature,
and the order placed once both are there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

import sqlalchemy as sa

from contract_svc.adapters.tables import orders, signatures
from contract_svc.domain.approvals import ApprovalStatus
from contract_svc.domain.lifecycle import ContractStatus, company_countersigns, customer_signs
from contract_svc.domain.orders import OrderStatus
from contract_svc.handlers.records import (
    ContractRecord,
    contract_span,
    lock_contract,
    update_contract,
)
from l2c_runtime.errors import Conflict
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractSigned, Money, OrderPlaced

Party = Literal["customer", "company"]
AUTOMATIC_COUNTERSIGNER = "automatic countersignature (contract policy)"


@dataclass(frozen=True)
class SignatureEvidence:
    """What an e-signature provider reports for one signer of one envelope."""

    envelope_id: str
    party: Party
    signer: str
    signed_at: datetime
    ip_address: str | None
    document_hash: str


async def sign_contract(contract_id: UUID, signed_by: str, uow: UnitOfWork) -> UUID | None:
    """The customer signs through the API. With automatic countersignature (the default
    policy) the contract is then fully signed and its order placed; returns the order id,
    or None while the company's countersignature is outstanding."""
    record = await lock_contract(contract_id, uow)
    with contract_span("sign contract", record):
        return await _customer_signs(record, signed_by, uow.clock.now(), None, None, "api", uow)


async def countersign_contract(contract_id: UUID, signed_by: str, uow: UnitOfWork) -> UUID | None:
    """A company signatory countersigns through the API; places the order."""
    record = await lock_contract(contract_id, uow)
    with contract_span("countersign contract", record):
        return await _company_signs(record, signed_by, uow.clock.now(), None, None, "api", uow)


async def record_esignature(
    contract_id: UUID, evidence: SignatureEvidence, uow: UnitOfWork
) -> bool:
    """Record a signature reported by the e-signature provider. Idempotent per envelope:
    the same envelope again changes nothing and returns False. A document hash that is not
    the contract's current one is refused (the signer signed another version)."""
    record = await lock_contract(contract_id, uow)
    seen = (
        await uow.session.execute(
            sa.select(signatures.c.contract_id, signatures.c.party).where(
                signatures.c.envelope_id == evidence.envelope_id
            )
        )
    ).first()
    if seen is not None:
        if (seen.contract_id, seen.party) != (contract_id, evidence.party):
            raise Conflict(f"envelope {evidence.envelope_id} belongs to another signature")
        return False
    if evidence.document_hash != record.document_hash:
        raise Conflict(
            "the signed document does not match the contract's current version "
            f"(expected hash {record.document_hash})"
        )
    with contract_span("e-signature received", record):
        sign = _customer_signs if evidence.party == "customer" else _company_signs
        await sign(
            record,
            evidence.signer,
            evidence.signed_at,
            evidence.ip_address,
            evidence.envelope_id,
            "esignature",
            uow,
        )
    return True


async def _customer_signs(
    record: ContractRecord,
    signer: str,
    signed_at: datetime,
    ip_address: str | None,
    envelope_id: str | None,
    channel: str,
    uow: UnitOfWork,
) -> UUID | None:
    row = record.row
    status = customer_signs(
        ContractStatus(row["status"]),
        ApprovalStatus(row["approval_status"]),
        row["automatic_countersignature"],
    )
    await _record_signature(
        record, "customer", signer, signed_at, ip_address, envelope_id, channel, uow
    )
    values: dict[str, object] = {
        "status": status.value,
        "signed_by": signer,
        "signed_at": signed_at,
    }
    if status is ContractStatus.SIGNED:
        now = uow.clock.now()
        await _record_signature(
            record, "company", AUTOMATIC_COUNTERSIGNER, now, None, None, "automatic", uow
        )
        values.update(countersigned_by=AUTOMATIC_COUNTERSIGNER, countersigned_at=now)
    await update_contract(record.id, uow, **values)
    if status is not ContractStatus.SIGNED:
        return None
    return await _fully_signed(record, signer, uow)


async def _company_signs(
    record: ContractRecord,
    signer: str,
    signed_at: datetime,
    ip_address: str | None,
    envelope_id: str | None,
    channel: str,
    uow: UnitOfWork,
) -> UUID | None:
    status = company_countersigns(ContractStatus(record.row["status"]))
    await _record_signature(
        record, "company", signer, signed_at, ip_address, envelope_id, channel, uow
    )
    await update_contract(
        record.id, uow, status=status.value, countersigned_by=signer, countersigned_at=signed_at
    )
    return await _fully_signed(record, str(record.row["signed_by"]), uow)


async def _record_signature(
    record: ContractRecord,
    party: Party,
    signer: str,
    signed_at: datetime,
    ip_address: str | None,
    envelope_id: str | None,
    channel: str,
    uow: UnitOfWork,
) -> None:
    await uow.session.execute(
        sa.insert(signatures).values(
            id=uuid4(),
            contract_id=record.id,
            party=party,
            signer=signer,
            signed_at=signed_at,
            ip_address=ip_address,
            document_hash=record.document_hash,
            envelope_id=envelope_id,
            channel=channel,
            recorded_at=uow.clock.now(),
        )
    )


async def _fully_signed(record: ContractRecord, customer_signer: str, uow: UnitOfWork) -> UUID:
    """Both parties signed: ContractSigned, and the order for provisioning and billing."""
    row = record.row
    now = uow.clock.now()
    currency = row["currency"]
    order_id = uuid4()
    await uow.session.execute(
        sa.insert(orders).values(
            id=order_id,
            contract_id=record.id,
            status=OrderStatus.PLACED.value,
            placed_at=now,
            attempt=1,
            updated_at=now,
        )
    )
    await uow.emit(
        ContractSigned(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            contract_id=record.id,
            quote_id=row["quote_id"],
            opportunity_id=row["opportunity_id"],
            signed_by=customer_signer,
            total_contract_value=Money.of(row["total_contract_value"], currency),
            signed_at=now,
        )
    )
    await uow.emit(
        OrderPlaced(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            order_id=order_id,
            contract_id=record.id,
            customer_name=row["customer_name"],
            currency=currency,
            start_date=row["start_date"],
            end_date=row["end_date"],
            billing_period=row["billing_period"],
            payment_terms_days=row["payment_terms_days"],
            lines=record.lines,
            placed_at=now,
            billing_timing=row["billing_timing"],
            trial_days=row["trial_days"],
            trial_requires_payment_method=row["trial_requires_payment_method"],
            usage_rates=record.usage_rates,
        )
    )
    return order_id


async def signatures_of(contract_id: UUID, uow: UnitOfWork) -> list[dict[str, object]]:
    rows = await uow.session.execute(
        sa.select(signatures)
        .where(signatures.c.contract_id == contract_id)
        .order_by(signatures.c.recorded_at, signatures.c.party.desc())
    )
    return [dict(r._mapping) for r in rows]
