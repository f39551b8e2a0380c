"""Security hygiene on every response: headers, and limits on what a request may send.

- A Content-Security-Policy without inline script or style (pages load theirs from
  ``/static``); images only from Vigil itself or from ``blob:`` (a revealed preview is held
  in the page's memory, fetched by its own audited request); no framing, no MIME sniffing,
  no referrer; responses are not cached, except the static files.
- HSTS only when the request came over TLS (or ``VIGIL_BEHIND_TLS`` says a proxy terminates
  it): sent over plain http it would mean nothing, and could lock a test server out.
- A request body beyond the limit is refused with 413 before it is read into memory;
  uploads (multipart/form-data) have a limit of their own.
- No route serves media files: the static folder holds the pages' own scripts and styles.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.web.config import WebConfig
from vigil.web.errors import error_response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = "/static/"

_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _TooLarge(HTTPException):
    """A body that grew past the limit while being read (no Content-Length said so)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"body: larger than the limit of {limit} bytes"


class SecurityMiddleware:
    """Adds the security headers to every response and enforces the body limits."""

    def __init__(self, app: ASGIApp, config: WebConfig) -> None:
        self.app = app
        self.config = config

    def _limit(self, scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-type" and value.startswith(b"multipart/form-data"):
                return self.config.max_upload_bytes
        return self.config.max_body_bytes

    def _declared_length(self, scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    def _over_tls(self, scope: Scope) -> bool:
        return scope.get("scheme") == "https" or self.config.behind_tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(STATIC_PREFIX)
        tls = self._over_tls(scope)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control" or cacheable
                ]
                headers += _HEADERS
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                if tls:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers}
            await send(message)

        limit = self._limit(scope)
        declared = self._declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send_with_headers, limit)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send_with_headers, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, _too_large(limit), "body", "too_large")
        await response(scope, receive, send)
