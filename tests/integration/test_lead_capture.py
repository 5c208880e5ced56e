"""lead-svc capture on the real broker and database: bulk import with per-item results,
duplicates of a person merging, the same intake event twice, engagement signals re-scoring
a lead, and a malformed signal reaching the dead-letter topic."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import Record, publish, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.spans import journey_spans, read_spans
from l2c_platform.tokens import operator_client
from l2c_schemas import LeadCaptured, LeadSubmitted
from l2c_schemas.envelope import encode
from l2c_schemas.lead import LeadActivityRecorded, LeadMerged, LeadScored
from l2c_schemas.topics import LEAD_ACTIVITY, LEAD_EVENTS, LEAD_INTAKE, dead_letter_topic

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _lead(marker: str, **overrides: Any) -> dict[str, Any]:
    return {
        "email": f"pat-{marker}@pat{marker}.example",
        "full_name": "Pat Doe",
        "company": f"Pat {marker} Ltd",
        "country": "GB",
        "employees": 50,
        "title": "Analyst",
        "source": "web_form",
        **overrides,
    }


async def _leads(platform: Platform, **params: str) -> list[dict[str, Any]]:
    async with operator_client() as client:
        got = await client.get(f"{platform.config.base_url('lead-svc')}/leads", params=params)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


def _of_lead(ce_type: str, lead_id: str) -> Any:
    def matches(r: Record) -> bool:
        return r.headers.get("ce_type") == ce_type and r.json().get("lead_id") == lead_id

    return matches


async def test_bulk_capture_reports_each_item_created_merged_or_rejected(
    platform: Platform,
) -> None:
    marker = uuid4().hex[:10]
    items = [
        _lead(marker),
        {"email": "not-an-address", "full_name": "X", "company": "Y"},
        _lead(marker, email=f"PAT-{marker}@pat{marker}.example ", title="Head of Finance"),
        _lead(marker, email=f"sam-{marker}@pat{marker}.example", full_name="Sam"),
    ]
    async with operator_client() as client:
        answer = await client.post(f"{platform.config.base_url('lead-svc')}/leads/bulk", json=items)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["created"], body["merged"], body["rejected"]) == (2, 1, 1)
    outcomes = [r["outcome"] for r in body["results"]]
    assert outcomes == ["created", "rejected", "merged", "created"]
    assert body["results"][1]["errors"][0]["loc"] == ["email"]
    assert body["results"][2]["lead_id"] == body["results"][0]["lead_id"]
    # one lead, one trace: each item is captured in a span of its own
    first, fourth = (body["results"][i]["lead_id"] for i in (0, 3))
    spans = read_spans(platform.config.span_file)
    captures = {
        s["attributes"]["l2c.bulk_index"]: s
        for s in [*journey_spans(spans, first), *journey_spans(spans, fourth)]
        if s["name"] == "lead capture"
    }
    assert captures.keys() == {"0", "2", "3"}
    assert captures["0"]["attributes"]["l2c.lead_id"] == first
    assert captures["3"]["attributes"]["l2c.lead_id"] == fourth
    assert len({captures[i]["trace_id"] for i in ("0", "2", "3")}) == 3
    # Same company (one business domain), two people: linked, not merged.
    found = await _leads(platform, q=f"pat{marker}.example")
    assert len(found) == 2
    assert {lead["company_key"] for lead in found} == {f"domain:pat{marker}.example"}
    merged = next(lead for lead in found if lead["full_name"] == "Pat Doe")
    assert merged["title"] == "Head of Finance"  # the newer word about the person


async def test_a_duplicate_person_from_the_intake_topic_merges_and_keeps_the_history(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex[:10]
    base = platform.config.base_url("lead-svc")
    gmail = f"pat.{marker}@gmail.com"
    async with operator_client() as client:
        first = await client.post(f"{base}/leads", json=_lead(marker, email=gmail))
    assert first.status_code == 201
    lead_id = first.json()["lead_id"]
    again = LeadSubmitted(
        **_lead(marker, email=f"Pat{marker}+promo@googlemail.com", employees=500),
        external_id=f"crm-{marker}",
        utm_source="newsletter",
        marketing_consent=True,
    )
    await publish_message(infra.kafka_bootstrap, again, source="/test/marketing-automation")

    merged = await wait_for_records(
        infra.kafka_bootstrap, LEAD_EVENTS, _of_lead(LeadMerged.ce_type, lead_id)
    )
    assert merged and merged[0].json()["matched_on"] == "email"
    assert "employees" in merged[0].json()["changed_fields"]
    assert gmail not in merged[0].value.decode()  # no personal data in the event
    async with operator_client() as client:
        lead = (await client.get(f"{base}/leads/{lead_id}")).json()
        timeline = (await client.get(f"{base}/leads/{lead_id}/timeline")).json()
    assert lead["employees"] == 500 and lead["marketing_consent"] is True
    assert [t["source"] for t in lead["attribution"]["touches"]] == ["web_form", "web_form"]
    assert lead["attribution"]["touches"][1]["utm_source"] == "newsletter"
    kinds = [entry["kind"] for entry in timeline]
    assert kinds[0] == "captured" and "merged" in kinds
    merge = next(entry for entry in timeline if entry["kind"] == "merged")
    assert merge["changes"]["employees"] == [50, 500]


async def test_the_same_intake_event_delivered_twice_changes_nothing(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex[:10]
    submission = LeadSubmitted(**_lead(marker), external_id=f"twice-{marker}")
    record = encode(submission, source="/test/web-form")
    for _ in range(2):
        await publish(infra.kafka_bootstrap, LEAD_INTAKE, record.value, record.headers, record.key)
    later = LeadSubmitted(**_lead(uuid4().hex[:10]), external_id=f"twice-{marker}")
    await publish_message(infra.kafka_bootstrap, later)  # same key, so it comes after both

    async def after_both() -> list[dict[str, Any]] | None:
        return await _leads(platform, q=later.company) or None

    await eventually(after_both, "the record after the duplicate")
    leads = await _leads(platform, q=submission.company)
    assert len(leads) == 1
    async with operator_client() as client:
        timeline = (
            await client.get(
                f"{platform.config.base_url('lead-svc')}/leads/{leads[0]['lead_id']}/timeline"
            )
        ).json()
    assert [e["kind"] for e in timeline].count("captured") == 1
    assert "merged" not in [e["kind"] for e in timeline]


async def test_engagement_signals_rescore_a_lead_and_can_make_it_marketing_qualified(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex[:10]
    base = platform.config.base_url("lead-svc")
    email = f"eve-{marker}@eve{marker}.example"
    async with operator_client() as client:
        now = datetime.fromisoformat((await client.get(f"{base}/clock")).json()["now"])
        probe = (await client.post(f"{base}/leads", json=_lead(f"probe{marker}"))).json()
    # Before the person is a lead, their signal waits for them. A signal for the probe lead
    # on the same partition (same key) right after it shows when it has been processed.
    key = marker.encode()
    for signal in (
        LeadActivityRecorded(email=email, kind="webinar_attended", occurred_at=now),
        LeadActivityRecorded(lead_id=probe["lead_id"], kind="page_view", occurred_at=now),
    ):
        record = encode(signal, source="/test/webinars")
        await publish(infra.kafka_bootstrap, LEAD_ACTIVITY, record.value, record.headers, key)

    async def probe_scored() -> bool | None:
        async with operator_client() as client:
            got = (await client.get(f"{base}/leads/{probe['lead_id']}")).json()
        return True if got["intent_score"] > 0 else None

    await eventually(probe_scored, "the signals to be processed")
    async with operator_client() as client:
        created = await client.post(
            f"{base}/leads", json=_lead(marker, email=email, employees=5, title=None)
        )
    lead = created.json()
    assert (lead["fit_score"], lead["intent_score"]) == (10, 15)  # business e-mail; webinar
    assert lead["status"] == "new"  # 25 < 30
    lead_id = lead["lead_id"]
    for kind in ("pricing_page_visit", "content_download"):
        signal = LeadActivityRecorded(lead_id=lead_id, kind=kind, occurred_at=now)
        await publish_message(infra.kafka_bootstrap, signal, source="/test/web-analytics")

    async def scored() -> dict[str, Any] | None:
        async with operator_client() as client:
            current = (await client.get(f"{base}/leads/{lead_id}")).json()
        return current if current["intent_score"] >= 15 + 10 + 8 else None

    current = await eventually(scored, "three engagement signals to count")
    assert current["intent_score"] == 33
    assert current["status"] == "marketing_qualified"  # 43 ≥ 30, but fit 10 < 30: not SQL
    assert current["team"] is not None
    rules = {item["rule"] for item in current["score_items"]}
    assert {"engagement: webinar attended", "engagement: pricing page visit"} <= rules
    events = await wait_for_records(
        infra.kafka_bootstrap, LEAD_EVENTS, _of_lead(LeadScored.ce_type, lead_id), count=3
    )
    assert max(e.json()["intent_score"] for e in events) == 33


async def test_an_activity_naming_no_lead_reaches_the_dead_letter_topic(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex
    body = b'{"kind": "page_view", "occurred_at": "2026-11-26T10:00:00Z"}'
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"nobody-{marker}".encode()),
        ("ce_type", LeadActivityRecorded.ce_type.encode()),
        ("ce_source", b"/test/web-analytics"),
    ]
    await publish(infra.kafka_bootstrap, LEAD_ACTIVITY, body, headers, marker.encode())
    dead = await wait_for_records(
        infra.kafka_bootstrap,
        dead_letter_topic(LEAD_ACTIVITY),
        lambda r: r.key == marker.encode() and r.headers.get("l2c_consumer") == "lead-svc-e2e",
    )
    assert dead and "lead_id or email" in dead[0].headers["l2c_error"]


async def test_an_explicit_merge_folds_a_duplicate_into_the_survivor(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex[:10]
    base = platform.config.base_url("lead-svc")
    async with operator_client() as client:
        survivor = (await client.post(f"{base}/leads", json=_lead(marker))).json()
        duplicate = (
            await client.post(
                f"{base}/leads",
                json=_lead(marker, email=f"p.doe-{marker}@gmail.com", industry="Fintech"),
            )
        ).json()
        merged = await client.post(
            f"{base}/leads/{survivor['lead_id']}/merge",
            json={"duplicate_id": duplicate["lead_id"]},
        )
        again = await client.post(
            f"{base}/leads/{survivor['lead_id']}/merge",
            json={"duplicate_id": duplicate["lead_id"]},
        )
        gone = (await client.get(f"{base}/leads/{duplicate['lead_id']}")).json()
        timeline = (await client.get(f"{base}/leads/{survivor['lead_id']}/timeline")).json()
    assert merged.status_code == 200, merged.text
    assert merged.json()["industry"] == "Fintech"  # filled from the duplicate
    assert merged.json()["email"] == survivor["email"]  # the survivor's own values stay
    assert again.status_code == 409
    assert (gone["status"], gone["merged_into"]) == ("merged", survivor["lead_id"])
    assert {e["lead_id"] for e in timeline} == {survivor["lead_id"], duplicate["lead_id"]}
    events = await wait_for_records(
        infra.kafka_bootstrap, LEAD_EVENTS, _of_lead(LeadMerged.ce_type, survivor["lead_id"])
    )
    assert events[0].json()["merged_lead_id"] == duplicate["lead_id"]


async def test_the_same_person_submitted_concurrently_becomes_one_lead(
    platform: Platform,
) -> None:
    marker = uuid4().hex[:10]
    base = platform.config.base_url("lead-svc")
    async with operator_client(timeout=30) as client:
        answers = await asyncio.gather(
            *(client.post(f"{base}/leads", json=_lead(marker)) for _ in range(6))
        )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["lead_id"] for a in answers}) == 1
    assert len(await _leads(platform, q=f"pat{marker}.example")) == 1


async def test_one_person_twice_in_one_poll_of_the_intake_topic_becomes_one_merged_lead(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex[:10]
    producer_key = f"poll-{marker}".encode()
    for title in ("Analyst", "Head of Data"):
        record = encode(LeadSubmitted(**_lead(marker, title=title)), source="/test/import")
        await publish(
            infra.kafka_bootstrap, LEAD_INTAKE, record.value, record.headers, producer_key
        )

    async def merged() -> list[dict[str, Any]] | None:
        found = await _leads(platform, q=f"pat{marker}.example")
        return found if found and found[0]["title"] == "Head of Data" else None

    leads = await eventually(merged, "the second submission to merge")
    assert len(leads) == 1
    events = await wait_for_records(
        infra.kafka_bootstrap, LEAD_EVENTS, _of_lead(LeadMerged.ce_type, leads[0]["lead_id"])
    )
    assert events[0].json()["changed_fields"] == ["title"]


async def test_a_lead_from_the_intake_topic_is_handled_in_the_trace_its_record_carries(
    platform: Platform, infra: Infrastructure
) -> None:
    """The intake consumer handles a poll's submissions together, yet each lead gets a span
    of its own in the trace its record carries, naming the lead; its events go on from it."""
    trace_id = uuid4().hex
    submission = LeadSubmitted(**_lead(uuid4().hex[:10]))
    record = encode(submission, source="/test/web-form")
    headers = [*record.headers, ("traceparent", f"00-{trace_id}-{uuid4().hex[:16]}-01".encode())]
    await publish(infra.kafka_bootstrap, LEAD_INTAKE, record.value, headers, record.key)

    def ours(r: Record) -> bool:
        return r.headers.get("ce_type") == LeadCaptured.ce_type and trace_id in r.headers.get(
            "traceparent", ""
        )

    (captured,) = await wait_for_records(infra.kafka_bootstrap, LEAD_EVENTS, ours)
    lead_id = captured.json()["lead_id"]
    assert captured.json()["segment"] == "smb"  # 50 employees: under mid-market's 200
    span_id = captured.headers["traceparent"].split("-")[2]
    spans = journey_spans(read_spans(platform.config.span_file), lead_id)
    handling = [s for s in spans if s["span_id"] == span_id]
    assert handling, "no lead-svc span names the lead"
    assert handling[0]["service"] == "lead-svc"
    assert handling[0]["trace_id"] == trace_id
    assert handling[0]["name"] == f"{LeadSubmitted.ce_type} handle"


async def test_a_later_submission_withdrawing_consent_wins_and_silence_keeps_it(
    platform: Platform,
) -> None:
    marker = uuid4().hex[:10]
    base = platform.config.base_url("lead-svc")
    async with operator_client() as client:
        first = await client.post(f"{base}/leads", json=_lead(marker, marketing_consent=True))
        withdrawn = await client.post(f"{base}/leads", json=_lead(marker, marketing_consent=False))
        silent = await client.post(f"{base}/leads", json=_lead(marker))  # says nothing of it
    assert (first.status_code, withdrawn.status_code, silent.status_code) == (201, 200, 200)
    assert first.json()["marketing_consent"] is True
    assert withdrawn.json()["outcome"] == "merged"
    assert withdrawn.json()["marketing_consent"] is False
    assert silent.json()["marketing_consent"] is False
