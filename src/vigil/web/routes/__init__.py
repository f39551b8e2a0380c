"""The routers the app serves; a new area of the API adds its router to :data:`ROUTERS`.

Every route takes its caller from ``vigil.web.rules.allow`` (or ``public``): the app refuses
to start with a route that does not.
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.web.routes import (
    accounts,
    alerts,
    audit,
    banks,
    cases,
    hits,
    identification,
    ingest,
    matches,
    missing,
    pages,
    referrals,
    reports,
    runs,
    series,
    suggest,
    tokens,
    victims,
)

ROUTERS: list[APIRouter] = [
    pages.router,
    runs.router,
    ingest.router,
    cases.router,
    banks.router,
    matches.router,
    reports.router,
    hits.router,
    referrals.router,
    identification.router,
    missing.router,
    alerts.router,
    series.router,
    victims.router,
    suggest.router,
    accounts.router,
    tokens.router,
    audit.router,
]
