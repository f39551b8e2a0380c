"""The web application: the REST API and the investigators' pages, behind a login.

``create_app`` assembles it: the routers of :mod:`vigil.web.routes` (each route declaring
its access rule, checked here), the JSON errors, the security headers and limits, and the
static folder of the pages' own styles (never media). ``serving_app`` is what ``vigil serve``
runs in each worker process: the store named by the environment (``VIGIL_DATA_DIR``,
``VIGIL_DATABASE_URL``), and the lookup service filled when the worker starts and followed
every second until it stops (its last refresh writes the last lookups to the audit trail).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from vigil import __version__
from vigil.config import load_settings
from vigil.store.db import Store
from vigil.store.models import utcnow
from vigil.web.auth import TokenCache
from vigil.web.config import WebConfig
from vigil.web.errors import install_error_handlers
from vigil.web.lookup import install_lookup
from vigil.web.pages import PAGE_ROUTERS
from vigil.web.routes import ROUTERS
from vigil.web.routes.ingest import IngestJobs
from vigil.web.rules import check_rules
from vigil.web.security import SecurityMiddleware
from vigil.web.templating import STATIC_DIR


def create_app(
    store: Store,
    config: WebConfig | None = None,
    clock: Callable[[], datetime] = utcnow,
    token_cache: TokenCache | None = None,
    follow_banks: bool = False,
) -> FastAPI:
    """The FastAPI application serving ``store`` (settings from the environment by default,
    the token cache's too). With ``follow_banks`` its startup fills the lookup service and
    refreshes it every second until shutdown.

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
        lifespan=_following_banks if follow_banks else None,
    )
    app.state.store = store
    app.state.config = config or WebConfig.from_env()
    app.state.clock = clock
    app.state.token_cache = TokenCache.from_env() if token_cache is None else token_cache
    app.state.ingest_jobs = IngestJobs()
    # The lookup routes come first: a partner's single lookups are the most frequent
    # requests, and routes are matched in order (matching the whole table cost more than
    # the lookup itself).
    install_lookup(app, store)
    for router in [*ROUTERS, *PAGE_ROUTERS]:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(SecurityMiddleware, config=app.state.config)
    check_rules(app)
    return app


@asynccontextmanager
async def _following_banks(app: FastAPI) -> AsyncIterator[None]:
    # Filling the service reads every bank entry (seconds at millions): off the event loop.
    stop = await run_in_threadpool(app.state.lookup.start)
    try:
        yield
    finally:
        await run_in_threadpool(stop)


def serving_app() -> FastAPI:
    """The application one ``vigil serve`` worker runs, over the store the environment names
    (``VIGIL_DATA_DIR``, ``VIGIL_DATABASE_URL``), already migrated by ``vigil serve``."""
    store = Store(load_settings())
    app = create_app(store, follow_banks=True)
    router_shutdown = app.router.lifespan_context

    @asynccontextmanager
    async def closing(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with router_shutdown(app):
                yield
        finally:
            store.close()

    app.router.lifespan_context = closing
    return app
