"""The investigators' pages: server-rendered views over the same domain functions as the API.

Each area has its module and router here; :data:`PAGE_ROUTERS` lists them for the app. Page
routes are browser-only (``allow(..., scopes=())``), are left out of the OpenAPI document, and
render through :func:`vigil.web.pages.render.render`.
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.web.pages import admin, dashboard, previews, records, referrals, review, triage

PAGE_ROUTERS: list[APIRouter] = [
    dashboard.router,
    triage.router,
    review.router,
    previews.router,
    records.router,
    referrals.router,
    admin.router,
]
