"""The web application: the REST API and the investigators' pages, behind a login.

``create_app`` assembles it: the routers of :mod:`vigil.web.routes` (each route declaring
its access rule, checked here), the JSON errors, the security headers and limits, and the
static folder of the pages' own styles (never media).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from vigil import __version__
from vigil.store.db import Store
from vigil.store.models import utcnow
from vigil.web.config import WebConfig
from vigil.web.errors import install_error_handlers
from vigil.web.lookup import install_lookup
from vigil.web.routes import ROUTERS
from vigil.web.routes.ingest import IngestJobs
from vigil.web.rules import check_rules
from vigil.web.security import SecurityMiddleware
from vigil.web.templating import STATIC_DIR


def create_app(
    store: Store,
    config: WebConfig | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The FastAPI application serving ``store`` (settings from the environment by default).

    MissingRuleError when a route declares no access rule.
    """
    # The interactive API pages load their scripts from a CDN, and Vigil often runs offline:
    # they are off, and /openapi.json describes the API.
    app = FastAPI(
        title="Vigil",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.store = store
    app.state.config = config or WebConfig.from_env()
    app.state.clock = clock
    app.state.ingest_jobs = IngestJobs()
    for router in ROUTERS:
        app.include_router(router)
    install_lookup(app, store)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(SecurityMiddleware, config=app.state.config)
    check_rules(app)
    return app
