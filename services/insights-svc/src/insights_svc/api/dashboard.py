"""The dashboard: server-rendered pages over the same computations as the API (funnel,
velocity trends, conversion, quality, a journey explorer). Charts are drawn by the vendored
Chart.js (static/vendor/chartjs) from data the page carries; no script is inline, so the
Content-Security-Policy allows scripts of this origin only.

Pages need `insights:read` (bearer header or the sign-in cookie, api/session.py); the sign-in
and sign-out form posts are plain routes that check the token themselves."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from insights_svc.api.session import (
    COOKIE,
    COOKIE_PATH,
    SCOPE,
    DashboardAccess,
    SignInRequired,
    cookie_lifetime,
    form_of,
    safe_next,
    same_origin,
    sign_in,
)
from insights_svc.config import DashboardSettings
from insights_svc.domain import metrics
from insights_svc.domain.journey import STATUSES, Milestones
from insights_svc.handlers import reports
from l2c_runtime.auth import MissingScope, NotAuthenticated
from l2c_runtime.auth.verifier import IssuerUnavailable
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.http.params import TextQuery
from l2c_runtime.service import Runtime, runtime_of

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DEFAULT_DAYS = 90
MAX_MONTHS = 36
"""The most months a velocity trend shows."""
PAGE_SIZE = 50
DURATIONS = [n for n, d in metrics.DEFINITIONS.items() if isinstance(d, metrics.Duration)]
RATES = [n for n, d in metrics.DEFINITIONS.items() if isinstance(d, metrics.Rate)]
CONVERSION = ["lead_to_opportunity_rate", "opportunity_win_rate", "quote_to_close_rate"]
QUALITY = [n for n in RATES if n not in CONVERSION]
DESCRIBED: dict[str, Any] = {
    **metrics.DEFINITIONS,
    **{n: SimpleNamespace(description=d) for n, (_, _, d) in reports.DOCUMENT_METRICS.items()},
}
"""Each metric's definition, shown as the title of its row."""
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make form posts send `Origin: null`
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Moment = Annotated[
    datetime | None, Query(description="ISO 8601; without a zone, UTC", alias="from")
]
Until = Annotated[datetime | None, Query(description="ISO 8601; without a zone, UTC")]
access = [Depends(DashboardAccess(SCOPE))]
router = APIRouter(prefix="/dashboard", tags=["dashboard"], dependencies=access)
sign_in_router = APIRouter()


def _days(seconds: object) -> str:
    return "–" if not isinstance(seconds, int | float) else f"{seconds / 86400:.2f}"


def _percent(rate: object) -> str:
    return "–" if not isinstance(rate, str) else f"{float(rate) * 100:.2f} %"


def _when(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(moment, datetime) else "–"


templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters.update(days=_days, percent=_percent, when=_when)


def settings_of(request: Request) -> DashboardSettings:
    settings: DashboardSettings = request.app.state.dashboard_settings
    return settings


def page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    html = templates.get_template(template).render(
        request=request,
        user=principal.subject if principal is not None else None,
        jaeger_url=settings_of(request).jaeger_url,
        **values,
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def chart(
    canvas: str, kind: str, labels: list[str], series: dict[str, list[Any]], **options: Any
) -> dict[str, Any]:
    """What static/dashboard.js draws: one dataset per series."""
    datasets = [{"label": label, "data": data} for label, data in series.items()]
    return {"canvas": canvas, "type": kind, "labels": labels, "datasets": datasets, **options}


def funnel_chart(funnel: list[dict[str, Any]]) -> dict[str, Any]:
    labels = [row["stage"] for row in funnel]
    return chart(
        "funnel-chart", "bar", labels, {"journeys": [r["count"] for r in funnel]}, horizontal=True
    )


def report(
    request: Request, template: str, start: datetime, end: datetime, **values: Any
) -> HTMLResponse:
    """A page of metrics over [start, end): the navigation keeps the period."""
    nav = template.removesuffix(".html")
    query = _query(start, end, by=values.get("by"))
    return page(
        request,
        template,
        nav=nav,
        start=start,
        end=end,
        query=query,
        definitions=DESCRIBED,
        **values,
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def period(
    runtime: Runtime, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """[start, end): by default the last 90 days up to now (the platform clock's)."""
    end = _utc(end) or runtime.clock.now()
    start = _utc(start) or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise RuleViolation("from must be before to")
    return start, end


def months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at each first day of a month (UTC)."""
    cuts = [start]
    cursor = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while True:
        cursor = (cursor + timedelta(days=32)).replace(day=1)
        if cursor >= end:
            break
        cuts.append(cursor)
        if len(cuts) > MAX_MONTHS:
            raise RuleViolation(
                f"a trend shows at most {MAX_MONTHS} months: choose a shorter period"
            )
    return list(zip(cuts, [*cuts[1:], end], strict=True))


def _group(by: str | None) -> metrics.Group | None:
    """A grouping of the form (empty: none)."""
    if not by:
        return None
    if by not in metrics.GROUPS:
        raise RuleViolation(f"by must be one of {', '.join(metrics.GROUPS)}")
    return by  # type: ignore[return-value]


def _uuid(text: str | None) -> UUID | None:
    """A searched id (empty: none)."""
    if text is None or not text.strip():
        return None
    try:
        return UUID(text.strip())
    except ValueError as exc:
        raise RuleViolation(f"{text!r} is not a lead or account id (a UUID)") from exc


def _query(start: datetime, end: datetime, **more: object) -> str:
    values = {"from": start.isoformat(), "to": end.isoformat()}
    values |= {k: str(v) for k, v in more.items() if v is not None}
    return urlencode(values)


@router.get("", response_class=HTMLResponse, summary="Dashboard: overview")
async def overview(
    request: Request, runtime: RuntimeDep, from_: Moment = None, to: Until = None
) -> HTMLResponse:
    """The funnel of the leads captured in the period, conversion, quality and velocity at a
    glance (the numbers of `GET /metrics/{name}` for the same period)."""
    start, end = period(runtime, from_, to)
    journeys = await reports.journeys_in(runtime.sessions, start, end)
    funnel = reports.metric_of(reports.FUNNEL, journeys, start, end, None)["stages"]
    overall = {
        n: reports.metric_of(n, journeys, start, end, None)["groups"].get("all")
        for n in [*RATES, *DURATIONS]
    }
    return report(
        request,
        "overview.html",
        start,
        end,
        funnel=funnel,
        conversion={n: overall[n] for n in CONVERSION},
        quality={n: overall[n] for n in QUALITY},
        durations={n: overall[n] for n in DURATIONS},
        charts=[funnel_chart(funnel)],
    )


def _p50_days(stats: dict[str, Any] | None) -> float | None:
    return None if stats is None else float(stats["p50_seconds"]) / 86400


@router.get("/velocity", response_class=HTMLResponse, summary="Dashboard: velocity trends")
async def velocity(
    request: Request, runtime: RuntimeDep, from_: Moment = None, to: Until = None
) -> HTMLResponse:
    """Each duration metric per month of the period: count, p50, p90 and mean."""
    start, end = period(runtime, from_, to)
    buckets = months(start, end)
    journeys = await reports.journeys_in(runtime.sessions, start, end)
    trend = {
        name: [
            {
                "from": low,
                "to": high,
                "stats": reports.metric_of(name, journeys, low, high, None)["groups"].get("all"),
            }
            for low, high in buckets
        ]
        for name in DURATIONS
    }
    labels = [low.strftime("%Y-%m") for low, _ in buckets]
    series = {name: [_p50_days(r["stats"]) for r in rows] for name, rows in trend.items()}
    charts = [chart("velocity-chart", "line", labels, series, y="days (p50)")]
    return report(request, "velocity.html", start, end, trend=trend, charts=charts)


def _rate(groups: dict[str, dict[str, Any]], key: str) -> float | None:
    rate = groups.get(key, {}).get("rate")
    return None if rate is None else float(rate)


@router.get("/conversion", response_class=HTMLResponse, summary="Dashboard: conversion")
async def conversion(
    request: Request,
    runtime: RuntimeDep,
    from_: Moment = None,
    to: Until = None,
    by: Annotated[str | None, Query(max_length=20, description=", ".join(metrics.GROUPS))] = None,
) -> HTMLResponse:
    """The conversion rates and the funnel, grouped by owner, team, segment, source, campaign,
    currency or cohort on request (an empty `by`: not grouped)."""
    group = _group(by)
    start, end = period(runtime, from_, to)
    journeys = await reports.journeys_in(runtime.sessions, start, end)
    rates = {n: reports.metric_of(n, journeys, start, end, group)["groups"] for n in CONVERSION}
    funnel = reports.metric_of(reports.FUNNEL, journeys, start, end, None)["stages"]
    keys = sorted({key for groups in rates.values() for key in groups})
    series = {name: [_rate(groups, k) for k in keys] for name, groups in rates.items()}
    charts = [chart("conversion-chart", "bar", keys, series, y="rate"), funnel_chart(funnel)]
    return report(
        request,
        "conversion.html",
        start,
        end,
        by=group,
        groups_by=metrics.GROUPS,
        rates=rates,
        funnel=funnel,
        charts=charts,
    )


@router.get("/quality", response_class=HTMLResponse, summary="Dashboard: quality and DSO")
async def quality(
    request: Request, runtime: RuntimeDep, from_: Moment = None, to: Until = None
) -> HTMLResponse:
    """Quote accuracy, invoice accuracy and discount compliance, and days sales outstanding,
    per currency."""
    start, end = period(runtime, from_, to)
    journeys = await reports.journeys_in(runtime.sessions, start, end)
    rates = {n: reports.metric_of(n, journeys, start, end, "currency")["groups"] for n in QUALITY}
    for name in reports.DOCUMENT_METRICS:
        answer = await reports.document_metric(runtime.sessions, name, start, end, "currency")
        rates[name] = answer["groups"]
    dso = (await reports.dso_of(runtime.sessions, start, end))["groups"]
    currencies = sorted(dso)
    days = [None if dso[c]["dso"] is None else float(dso[c]["dso"]) for c in currencies]
    charts = [chart("dso-chart", "bar", currencies, {"DSO": days}, y="days")]
    return report(request, "quality.html", start, end, rates=rates, dso=dso, charts=charts)


@router.get(
    "/journeys",
    response_class=HTMLResponse,
    summary="Dashboard: journey explorer",
    responses={303: {"description": "`q` is a lead's id: its journey's page"}},
)
async def explorer(
    request: Request,
    runtime: RuntimeDep,
    q: Annotated[
        str | None,
        Query(max_length=64, description="a lead id (opens its journey) or an account id"),
    ] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    owner: TextQuery = None,
    from_: Moment = None,
    to: Until = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Search a lead or an account; without one, the journeys with an event in the period,
    newest capture first, 50 a page."""
    status, owner = status or None, owner or None  # a form's empty field: no filter
    if status is not None and status not in STATUSES:
        raise RuleViolation(f"status must be one of {', '.join(STATUSES)}")
    start, end = period(runtime, from_, to)
    account: UUID | None = None
    lead = _uuid(q)
    if lead is not None:
        try:
            await reports.journey(runtime.sessions, lead)
            target = f"{COOKIE_PATH}/journeys/{lead}"
            return RedirectResponse(target, status_code=303, headers=HEADERS)
        except NotFound:
            account = lead
        found = await reports.journey_list(runtime.sessions, None, None, account, owner, status)
    else:
        found = await reports.journey_list(runtime.sessions, start, end, None, owner, status)
    shown: list[Milestones] = found[offset : offset + PAGE_SIZE]
    more = offset + PAGE_SIZE < len(found)
    return page(
        request,
        "journeys.html",
        nav="journeys",
        start=start,
        end=end,
        q=lead,
        status=status,
        owner=owner,
        statuses=STATUSES,
        account=account,
        journeys=shown,
        total=len(found),
        offset=offset,
        next_query=_query(start, end, q=lead, status=status, owner=owner, offset=offset + PAGE_SIZE)
        if more
        else None,
        previous_query=_query(
            start, end, q=lead, status=status, owner=owner, offset=max(0, offset - PAGE_SIZE)
        )
        if offset > 0
        else None,
        query=_query(start, end),
    )


@router.get("/journeys/{lead_id}", response_class=HTMLResponse, summary="Dashboard: one journey")
async def journey(request: Request, runtime: RuntimeDep, lead_id: UUID) -> HTMLResponse:
    """One lead's timeline: each stage with its time, actor, owner, ids, amounts and a link to
    its trace in Jaeger."""
    found, stages, truncated = await reports.journey(runtime.sessions, lead_id)
    return page(
        request,
        "journey.html",
        nav="journeys",
        journey=found,
        stages=stages,
        truncated=truncated,
        query="",
    )


# --- signing in and out (form posts; not API operations) ----------------------------------


async def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", nav=None, next=safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    settings = settings_of(request)
    if not same_origin(request):
        return page(
            request,
            "login.html",
            403,
            nav=None,
            next=COOKIE_PATH,
            error="cross-site sign-in refused",
        )
    try:
        form = await form_of(request)
    except ValueError as exc:
        return page(request, "login.html", 422, nav=None, next=COOKIE_PATH, error=str(exc))
    target = safe_next(form.get("next"))
    token = form.get("token", "").strip()
    try:
        principal = await sign_in(request, token)
    except NotAuthenticated as exc:
        return page(request, "login.html", 401, nav=None, next=target, error=str(exc))
    except MissingScope as exc:
        return page(request, "login.html", 403, nav=None, next=target, error=str(exc))
    except IssuerUnavailable as exc:
        return page(
            request,
            "login.html",
            503,
            nav=None,
            next=target,
            error=f"cannot verify tokens now: {exc}",
        )
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    response.set_cookie(
        COOKIE,
        token,
        max_age=cookie_lifetime(token, settings.session_max_seconds),
        path=COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    request.state.principal = principal
    return response


async def logout(request: Request) -> Response:
    if not same_origin(request):
        return JSONResponse({"detail": "cross-site sign-out refused"}, status_code=403)
    response = RedirectResponse(f"{COOKIE_PATH}/login", status_code=303, headers=HEADERS)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
    return response


sign_in_router.add_route(
    f"{COOKIE_PATH}/login", login_form, methods=["GET"], include_in_schema=False
)
sign_in_router.add_route(f"{COOKIE_PATH}/login", login, methods=["POST"], include_in_schema=False)
sign_in_router.add_route(f"{COOKIE_PATH}/logout", logout, methods=["POST"], include_in_schema=False)


def install_dashboard(app: FastAPI, settings: DashboardSettings | None = None) -> None:
    """The static files, the sign-in routes and the answer to a page without a valid token:
    the sign-in form for a browser (401, with the bearer challenge), JSON for a script."""
    app.state.dashboard_settings = settings or DashboardSettings()
    app.mount(f"{COOKIE_PATH}/static", StaticFiles(directory=STATIC), name="dashboard-static")
    app.include_router(sign_in_router)
    fallback = app.exception_handlers[NotAuthenticated]

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        if "text/html" not in request.headers.get("accept", ""):
            answer = fallback(request, exc)  # the API's JSON 401
            return await answer if inspect.isawaitable(answer) else answer
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = page(
            request, "login.html", 401, nav=None, next=safe_next(target), error=exc.reason
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="l2c"'
        if exc.from_cookie:
            response.delete_cookie(
                COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
            )
        return response

    app.add_exception_handler(SignInRequired, sign_in_required)
