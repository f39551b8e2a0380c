"""The investigators' pages: server-rendered views over the same domain functions as the API.

Each area has its module and router here; :data:`PAGE_ROUTERS` lists them for the app. Page
routes are browser-only (``allow(..., scopes=())``), are left out of the OpenAPI document, and
render through :func:`vigil.web.pages.render.render`.
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.web.pages import (
    admin,
    admin_sharing,
    admin_users,
    audit,
    dashboard,
    previews,
    records_cases,
    records_locations,
    records_missing,
    records_offenders,
    records_series,
    records_victims,
    referrals,
    review,
    tokens,
    triage,
)

PAGE_ROUTERS: list[APIRouter] = [
    dashboard.router,
    triage.router,
    review.router,
    previews.router,
    records_cases.router,
    records_series.router,
    records_victims.router,
    records_offenders.router,
    records_locations.router,
    records_missing.router,
    referrals.router,
    admin.router,
    admin_users.router,
    admin_sharing.router,
    tokens.router,
    audit.router,
]
