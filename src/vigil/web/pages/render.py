"""Rendering a page: the template, and what every page's frame shows (the user, the agency,
the CSRF token for its forms and scripts, and the navigation the user's roles allow)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from vigil import __version__
from vigil.sharing.policy import Permission
from vigil.web.auth import Principal
from vigil.web.templating import TEMPLATES


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar."""

    section: str
    label: str
    href: str
    permission: Permission


NAV: tuple[NavItem, ...] = (
    NavItem("dashboard", "Dashboard", "/", Permission.READ),
    NavItem("referrals", "Referrals", "/referrals", Permission.READ),
    NavItem("cases", "Cases", "/cases", Permission.READ),
    NavItem("series", "Series", "/series", Permission.READ),
    NavItem("victims", "Victims", "/victims", Permission.READ),
    NavItem("offenders", "Offenders", "/offenders", Permission.READ),
    NavItem("locations", "Locations", "/locations", Permission.READ),
    NavItem("missing", "Missing children", "/missing", Permission.READ),
    NavItem("admin", "Admin", "/admin", Permission.ADMINISTER),
    NavItem("audit", "Audit log", "/admin/audit", Permission.AUDIT),
)


def nav_for(caller: Principal) -> list[NavItem]:
    """The navigation entries ``caller``'s roles allow."""
    return [item for item in NAV if caller.viewer.can(item.permission)]


def render(
    request: Request,
    caller: Principal,
    template: str,
    context: Mapping[str, Any],
    *,
    section: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """``template`` rendered with ``context`` inside the page frame of ``caller``.

    ``section`` marks the navigation entry the page belongs to.
    """
    frame = {
        "version": __version__,
        "user": caller.username,
        "agency": caller.actor.agency,
        "csrf_token": caller.csrf_token,
        "nav": nav_for(caller),
        "section": section,
        "can": {permission.value: caller.viewer.can(permission) for permission in Permission},
    }
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {**frame, **context},
        status_code=status,
        headers=dict(headers) if headers else None,
    )


def back_to(url: str) -> RedirectResponse:
    """After a form's change: the page at ``url`` (303, so that a reload does not post
    again)."""
    return RedirectResponse(url, status_code=303)
