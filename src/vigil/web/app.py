"""The web application: a REST API and the investigators' pages (a status page for now)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from vigil import __version__
from vigil.reports.escape import printable_value
from vigil.reports.summary import summarize_seizure
from vigil.store.db import Store
from vigil.store.models import Case, IngestRun, Seizure

# Names from seizures are shown escaped (see vigil.reports.escape).
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
        finalize=printable_value,
    )
)


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every ingest run, newest first, with its case, seizure and summary."""
    with store.session() as session:
        rows = session.execute(
            select(IngestRun, Seizure, Case)
            .join(Seizure, IngestRun.seizure_id == Seizure.id)
            .join(Case, Seizure.case_id == Case.id)
            .order_by(IngestRun.id.desc())
        )
        runs = []
        for run, seizure, case in rows:
            summary = summarize_seizure(session, seizure.id)
            runs.append(
                {
                    "id": run.id,
                    "case": case.reference,
                    "seizure": seizure.name,
                    "status": run.status,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "resumes": run.resumes,
                    "pdq_mode": run.pdq_mode,
                    "summary": summary.to_json(),
                }
            )
        return runs


def create_app(store: Store) -> FastAPI:
    """The FastAPI application serving ``store``."""
    # The interactive API pages load their scripts from a CDN, and Vigil often runs offline:
    # they are off, and /openapi.json describes the API.
    app = FastAPI(
        title="Vigil",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )

    @app.get("/api/ingest-runs")
    def ingest_runs() -> list[dict[str, Any]]:
        """Ingest runs, newest first."""
        return list_runs(store)

    @app.get("/", response_class=HTMLResponse)
    def status_page(request: Request) -> HTMLResponse:
        """The status page: ingest runs and their headline numbers."""
        return TEMPLATES.TemplateResponse(
            request, "status.html", {"runs": list_runs(store), "version": __version__}
        )

    return app
