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
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and not request.url.path.startswith("/api/")
    )


class UnauthenticatedError(ApiError):
    """No valid session or token: 401, or a redirect to the login page for a browser."""

    def __init__(self, message: str = "log in, or present an API token") -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": 'Bearer realm="vigil"'})


def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if isinstance(exc, UnauthenticatedError) and _wants_page(request):
        return RedirectResponse("/login", status_code=303)
    return error_response(exc.status, exc.message, exc.field, exc.code, exc.headers)


def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    # The first part says where (body, query, path...); a field may itself be called "path".
    where = list(first.get("loc", ()))
    if where and where[0] in ("body", "query", "path", "header", "cookie"):
        where = where[1:]
    field = ".".join(str(part) for part in where) or None
    message = f"{field or 'request'}: {first.get('msg', 'invalid')}"
    return error_response(422, message, field)


def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


def _not_visible(_request: Request, exc: Exception) -> Response:
    return error_response(404, str(exc))


def _forbidden(_request: Request, exc: Exception) -> Response:
    return error_response(403, str(exc))


def _account_error(_request: Request, exc: Exception) -> Response:
    message = str(exc)
    return error_response(422, message, _field_of(message))


def _refused(_request: Request, exc: Exception) -> Response:
    return error_response(401, str(exc))


def _timeout(_request: Request, exc: Exception) -> Response:
    return error_response(503, str(exc))


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error: the server's log has the details")


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
