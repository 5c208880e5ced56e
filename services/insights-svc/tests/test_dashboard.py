"""The dashboard's pure pieces: the month buckets of a trend, where a sign-in may lead, how
long its cookie lives, which posts count as same-origin, and the vendored Chart.js."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from starlette.requests import Request

from insights_svc.api.dashboard import STATIC, months
from insights_svc.api.session import cookie_lifetime, safe_next, same_origin
from l2c_runtime.errors import RuleViolation

CHART_JS_SHA256 = "3f288f4f26882c26b58931fb586a9b4f30370b5de38d69dc005b0bd05b08e113"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_trend_is_cut_at_each_first_of_the_month() -> None:
    cuts = months(_utc("2026-01-15T12:00"), _utc("2026-03-02T00:00"))
    assert cuts == [
        (_utc("2026-01-15T12:00"), _utc("2026-02-01T00:00")),
        (_utc("2026-02-01T00:00"), _utc("2026-03-01T00:00")),
        (_utc("2026-03-01T00:00"), _utc("2026-03-02T00:00")),
    ]
    assert months(_utc("2026-01-01T00:00"), _utc("2026-01-31T00:00")) == [
        (_utc("2026-01-01T00:00"), _utc("2026-01-31T00:00"))
    ]
    december = months(_utc("2025-12-10T00:00"), _utc("2026-01-10T00:00"))
    assert [low.month for low, _ in december] == [12, 1]


def test_a_trend_of_more_than_36_months_is_refused() -> None:
    assert len(months(_utc("2020-01-01T00:00"), _utc("2023-01-01T00:00"))) == 36
    with pytest.raises(RuleViolation, match="36 months"):
        months(_utc("2020-01-01T00:00"), _utc("2023-01-01T00:01"))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard/quality?from=2026-01-01", "/dashboard/quality?from=2026-01-01"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("//evil.example/dashboard", "/dashboard"),
        ("/dashboard\\@evil.example", "/dashboard"),
        ("/dashboard\r\nSet-Cookie: x=1", "/dashboard"),
        ("/metrics/dso", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_a_sign_in_leads_only_to_a_dashboard_page(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_the_cookie_lives_until_the_token_expires_at_most_the_longest_allowed() -> None:
    def token(exp: int) -> str:
        return jwt.encode({"exp": exp}, "k" * 32, algorithm="HS256")

    assert cookie_lifetime(token(1_000_600), 28_800, now=1_000_000) == 600
    assert cookie_lifetime(token(1_100_000), 28_800, now=1_000_000) == 28_800
    assert cookie_lifetime(token(999_000), 28_800, now=1_000_000) == 0


def _post(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"host", b"127.0.0.1:8007"))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/dashboard/login",
        "query_string": b"",
        "headers": raw,
        "server": ("127.0.0.1", 8007),
    }
    return Request(scope)


def test_only_a_post_from_a_page_of_the_same_origin_signs_in() -> None:
    own = "http://127.0.0.1:8007"
    assert same_origin(_post({"Origin": own, "Sec-Fetch-Site": "same-origin"}))
    assert same_origin(_post({"Origin": own}))
    assert not same_origin(_post({"Origin": "https://evil.example"}))
    assert not same_origin(_post({"Origin": "null"}))
    assert not same_origin(_post({"Origin": own, "Sec-Fetch-Site": "cross-site"}))
    assert not same_origin(_post({"Origin": "https://127.0.0.1:8007"}))
    assert not same_origin(_post({}))


def test_the_vendored_chart_js_is_the_one_its_readme_names() -> None:
    vendored = STATIC / "vendor" / "chartjs"
    digest = hashlib.sha256((vendored / "chart.umd.min.js").read_bytes()).hexdigest()
    assert digest == CHART_JS_SHA256
    readme = (vendored / "README.md").read_text(encoding="utf-8")
    assert "chart.js 4.6.2" in readme and CHART_JS_SHA256 in readme
    assert (
        (vendored / "chart.umd.min.js")
        .read_text(encoding="utf-8")
        .startswith("/*!\n * Chart.js v4.6.2")
    )


def test_no_page_has_an_inline_script_or_a_foreign_source() -> None:
    """The Content-Security-Policy allows scripts of this origin only."""
    templates = Path(STATIC).parent / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in text.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert 'src="/dashboard/static/' in opening or 'type="application/json"' in opening
        assert "http://" not in text and "https://" not in text, template.name
