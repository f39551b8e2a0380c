"""One JSON shape for every refusal, and pagination.

Every error the API answers reads ``{"error": {"status", "code", "message", "field"}}``:
the domain's errors are translated here (a hidden record and a missing one alike: 404), and
anything unexpected is a 500 that says only that, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigil.sharing.errors import AccountError, AuthenticationError, TokenError
from vigil.sharing.policy import ForbiddenError, NotVisibleError
from vigil.store.db import QueryTimeoutError
from vigil.web.templating import TEMPLATES

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    """A refusal a route raises: the status, a one-line message and the field it concerns."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code or _CODES.get(status, "error")
        self.headers = headers


class ConflictError(ApiError):
    """The request clashes with what exists (a taken name): 409."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(409, message, field)


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


#: For routes' ``responses=``: the error shape in the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for status, code in _CODES.items()
    if status in {400, 401, 403, 404, 409, 422}
}


def error_response(
    status: int,
    message: str,
    field: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON error response."""
    detail = ErrorDetail(
        status=status, code=code or _CODES.get(status, "error"), message=message, field=field
    )
    return JSONResponse(ErrorBody(error=detail).model_dump(), status_code=status, headers=headers)


def _field_of(message: str) -> str | None:
    """The field an AccountError names: its messages read ``field: ...``."""
    head, sep, _ = message.partition(":")
    return head.strip() if sep and head.strip().replace(" ", "").isidentifier() else None


def _wants_page(request: Request) -> bool:
    """A browser navigating to a page (not a program calling the API)."""
    return _from_browser(request) and request.method == "GET"


def _from_browser(request: Request) -> bool:
    """A browser's navigation or form submission, which is answered with a page."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        ("/api/", "/m/")
    )


_HEADINGS = {
    400: "The request was not understood",
    403: "Not allowed",
    404: "Not found",
    409: "That conflicts with the record as it is",
    413: "Too large",
    422: "Please check the form",
    429: "Too many requests",
    503: "Busy: try again",
}


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The error as a page of its own, for a browser: the same message as the JSON error."""
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "heading": _HEADINGS.get(status, "Something went wrong"),
            "message": message,
        },
        status_code=status,
        headers=dict(headers) if headers else None,
    )


class UnauthenticatedError(ApiError):
    """No valid session or token: 401, or a redirect to the login page for a browser."""

    def __init__(self, message: str = "log in, or present an API token") -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": 'Bearer realm="vigil"'})


def _answer(
    request: Request,
    status: int,
    message: str,
    field: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as JSON for programs, as a page for a browser's navigation or form."""
    if _from_browser(request):
        return error_page(request, status, message, headers)
    return error_response(status, message, field, code, headers)


def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if isinstance(exc, UnauthenticatedError) and _wants_page(request):
        return RedirectResponse("/login", status_code=303)
    return _answer(request, exc.status, exc.message, exc.field, exc.code, exc.headers)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    # The first part says where (body, query, path...); a field may itself be called "path".
    where = list(first.get("loc", ()))
    if where and where[0] in ("body", "query", "path", "header", "cookie"):
        where = where[1:]
    field = ".".join(str(part) for part in where) or None
    message = f"{field or 'request'}: {first.get('msg', 'invalid')}"
    return _answer(request, 422, message, field)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _answer(request, exc.status_code, str(exc.detail), headers=exc.headers)


def _not_visible(request: Request, exc: Exception) -> Response:
    return _answer(request, 404, str(exc))


def _forbidden(request: Request, exc: Exception) -> Response:
    return _answer(request, 403, str(exc))


def _account_error(request: Request, exc: Exception) -> Response:
    message = str(exc)
    return _answer(request, 422, message, _field_of(message))


def _refused(request: Request, exc: Exception) -> Response:
    return _answer(request, 401, str(exc))


def _timeout(request: Request, exc: Exception) -> Response:
    return _answer(request, 503, str(exc))


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(request, 500, "internal error: the server's log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` in the one JSON shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(NotVisibleError, _not_visible)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(AccountError, _account_error)
    app.add_exception_handler(AuthenticationError, _refused)
    app.add_exception_handler(TokenError, _refused)
    app.add_exception_handler(QueryTimeoutError, _timeout)
    app.add_exception_handler(Exception, _unexpected)


# --- pagination ---------------------------------------------------------------------------

PAGE_DEFAULT = 50
PAGE_MAX = 500


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a listing: ``limit`` rows after skipping ``offset``."""

    limit: int
    offset: int


def page_request(
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Rows to return.")] = PAGE_DEFAULT,
    offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0,
) -> PageRequest:
    """The ``limit`` and ``offset`` query parameters of a listing."""
    return PageRequest(limit=limit, offset=offset)


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One slice of a listing. ``total`` is given only where it counts rows the viewer may
    see (never a count of what exists)."""

    items: list[Item]
    limit: int
    offset: int
    total: int | None = None

    @classmethod
    def of(cls, items: list[Item], page: PageRequest, total: int | None) -> Page[Item]:
        """The slice ``items`` of a listing, asked for by ``page``."""
        return cls(items=items, limit=page.limit, offset=page.offset, total=total)
