"""The lookup API: Vigil's own (``/api/lookup``) and Meta's Hasher-Matcher-Actioner's (``/m/``).

A partner's system asks with its API token whether hashes are known; the answers come from
the in-memory :class:`vigil.matching.lookup.LookupService`, which ``vigil serve`` refreshes
every second. Each token is rate-limited by a token bucket held in memory; each request is
counted in the :class:`~vigil.matching.lookup.LookupLedger`, which the refresher writes to the
audit trail once a second (one event per asker, with how many requests and hashes).

The HMA routes answer as HMA's matching blueprint does, so that a platform integrated with
HMA can point at Vigil unchanged: ``GET /m/raw_lookup?signal_type=&signal=[&banks=]
[&include_distance=]`` gives ``{"matches": [id, ...]}`` (or ``[{"bank_content_id", "distance"}]``)
and ``GET /m/lookup?signal_type=&signal=[&banks=]`` gives ``{bank name: [{"bank_content_id",
"distance"}]}``. Vigil hashes no content for partners: ``/m/lookup?url=`` and ``POST
/m/lookup`` answer 403, as HMA does when its hasher role is off.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vigil.matching.lookup import (
    MAX_BATCH,
    LookupAnswer,
    LookupInputError,
    LookupService,
)
from vigil.matching.lookup_ledger import LookupLedger
from vigil.sharing.policy import Permission
from vigil.store.db import Store
from vigil.web.auth import Principal
from vigil.web.config import positive_setting
from vigil.web.deps import config_of
from vigil.web.errors import ApiError, ErrorBody
from vigil.web.rules import allow

log = logging.getLogger(__name__)

RATE_ENV = "VIGIL_LOOKUP_RATE"
BURST_ENV = "VIGIL_LOOKUP_BURST"
REFRESH_ENV = "VIGIL_LOOKUP_REFRESH_SECONDS"
# Reading which banks an agency may see is one small query.
_READ_SECONDS = 10.0


@dataclass(frozen=True)
class LookupConfig:
    """How often each token may ask, and how often the service follows the banks."""

    #: Requests a second each token may make, on average...
    rate: float = 200.0
    #: ... and at most this many at once after a pause.
    burst: int = 400
    #: Seconds between refreshes of the in-memory banks (and audit flushes).
    refresh_seconds: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LookupConfig:
        """The settings from ``VIGIL_LOOKUP_*`` (``os.environ`` by default), else defaults."""
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            rate=positive_setting(env, RATE_ENV, default.rate),
            burst=int(positive_setting(env, BURST_ENV, default.burst)),
            refresh_seconds=positive_setting(env, REFRESH_ENV, default.refresh_seconds),
        )


class RateLimiter:
    """A token bucket per caller: ``rate`` requests a second, ``burst`` at once."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, caller: str) -> float:
        """Spend one request of ``caller``: 0 if allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(caller, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[caller] = (tokens - 1, now)
                return 0.0
            self._buckets[caller] = (tokens, now)
            return (1 - tokens) / self.rate


@dataclass
class Lookup:
    """What the lookup routes share: the service, the ledger, the limiter and the store."""

    store: Store
    service: LookupService
    ledger: LookupLedger
    limiter: RateLimiter
    config: LookupConfig

    def refresh(self) -> float:
        """Follow the banks and flush the ledger; returns the seconds the refresh took."""
        started = time.perf_counter()
        with self.store.session() as session:
            self.service.refresh(session)
        elapsed = time.perf_counter() - started
        with self.store.session() as session:
            self.ledger.flush(session)
        return elapsed

    def _refresh_logged(self) -> None:
        # A failed refresh (the database locked a moment) must not end the thread: the
        # service keeps answering from what it holds, and the next tick tries again.
        try:
            self.refresh()
        except Exception:
            log.exception(
                "lookup service: refresh failed; retrying in %s s", self.config.refresh_seconds
            )

    def start(self) -> Callable[[], None]:
        """Refresh now, then every ``refresh_seconds`` on a thread; returns what stops it
        (after a last refresh, which writes the last requests' audit events)."""
        self.refresh()
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(self.config.refresh_seconds):
                self._refresh_logged()
            self._refresh_logged()

        thread = threading.Thread(target=run, name="vigil-lookup-refresh", daemon=True)
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join()

        return stopper

    def ask(
        self, caller: Principal, signal_type: str, values: Sequence[object]
    ) -> list[LookupAnswer]:
        """One request: rate-limited, answered, counted for the audit trail."""
        wait = self.limiter.take(caller.token_prefix or caller.username)
        if wait > 0:
            raise ApiError(
                429,
                f"too many requests: at most {self.limiter.rate:g} a second; retry in {wait:.2f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        try:
            answers = self.service.lookup(
                partial(self.store.read_session, _READ_SECONDS), caller.viewer, signal_type, values
            )
        except LookupInputError as exc:
            field = str(exc).partition(":")[0].partition("[")[0]
            raise ApiError(422, str(exc), field) from None
        self.ledger.note(caller.actor, signal_type.strip().lower(), answers)
        return answers


class KnownOut(BaseModel):
    """A bank entry a hash matched, as much as the caller may see."""

    bank: str
    reference: str = Field(description="What to report against: vigil:entry:ID")
    category: str | None
    distance: int = Field(description="Bits for PDQ; 0 for the exact hashes")


class AnswerOut(BaseModel):
    """One hash asked and whether it is known."""

    hash: str
    match: bool
    matches: list[KnownOut]


class LookupOut(BaseModel):
    """The answers, in the order the hashes were asked."""

    signal_type: str
    results: list[AnswerOut]


class LookupIn(BaseModel):
    """Hashes of one signal type: pdq, md5, sha1 or sha256."""

    signal_type: str
    hashes: list[str] = Field(description=f"At most {MAX_BATCH:,}")


class RawLookupOut(BaseModel):
    """HMA's raw_lookup answer."""

    matches: list[int | dict[str, int | str]]


def lookup_response(signal_type: str, answers: list[LookupAnswer]) -> Response:
    """The answers as :class:`LookupOut` JSON, written directly: building the models and
    having FastAPI check them took longer than the search of a batch (20 microseconds a hash
    against about 70), and nested dicts through ``json.dumps`` still 5.

    Only the bank names and categories need escaping: each pair is written once a request.
    The hashes are canonical hex (``parse_values`` checked every digit), the reference and
    distance are numbers.
    """
    heads: dict[tuple[str, str | None], str] = {}
    results = []
    for answer in answers:
        if not answer.matches:
            results.append(f'{{"hash":"{answer.value}","match":false,"matches":[]}}')
            continue
        found = []
        for m in answer.matches:
            head = heads.get((m.bank, m.category))
            if head is None:
                head = f'{{"bank":{json.dumps(m.bank)},"category":{json.dumps(m.category)},'
                heads[(m.bank, m.category)] = head
            found.append(f'{head}"reference":"{m.reference}","distance":{m.distance}}}')
        results.append(f'{{"hash":"{answer.value}","match":true,"matches":[{",".join(found)}]}}')
    name = json.dumps(signal_type.strip().lower())
    body = f'{{"signal_type":{name},"results":[{",".join(results)}]}}'
    return Response(body, media_type="application/json")


def _banks(value: str | None) -> set[str] | None:
    return {name.strip() for name in value.split(",") if name.strip()} if value else None


_HASHING_OFF = (
    "hashing is disabled: Vigil hashes no content for lookups; send signal_type and signal"
)
_REFUSED_CONTENT = {"model": ErrorBody, "description": "hashing content is off (as HMA's)"}
_HMA_LOOKUP_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "neither url nor both signal and signal_type"},
    403: _REFUSED_CONTENT,
}


def lookup_router(lookup: Lookup) -> APIRouter:
    """The routes of the lookup API, answering from ``lookup``."""
    router = APIRouter(tags=["lookup"])
    caller_rule = allow(Permission.LOOKUP)

    # One value takes a fraction of a millisecond: answered on the event loop, which saves
    # the hand-over to a worker thread. A batch may take a second: on a worker thread.
    @router.post("/api/lookup", response_model=LookupOut)
    async def lookup_batch(body: LookupIn, caller: Principal = caller_rule) -> Response:
        """Whether each hash is known (one signal type, at most 10,000 hashes)."""
        answers = await run_in_threadpool(lookup.ask, caller, body.signal_type, body.hashes)
        return lookup_response(body.signal_type, answers)

    @router.get("/api/lookup", response_model=LookupOut)
    async def lookup_one(
        signal_type: str, hash: Annotated[str, Query()], caller: Principal = caller_rule
    ) -> Response:
        """Whether one hash is known."""
        return lookup_response(signal_type, lookup.ask(caller, signal_type, [hash]))

    @router.post("/api/lookup/file", response_model=LookupOut)
    async def lookup_file(
        request: Request,
        signal_type: Annotated[str, Form()],
        file: Annotated[UploadFile, File(description="Text, one hash per line; # comments")],
        caller: Principal = caller_rule,
    ) -> Response:
        """Whether each hash of a text file is known (one a line, at most 10,000)."""
        limit = config_of(request).max_upload_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise ApiError(413, f"file: larger than the upload limit of {limit:,} bytes", "file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(422, "file: not UTF-8 text (one hash per line)", "file") from None
        values = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        return lookup_response(
            signal_type, await run_in_threadpool(lookup.ask, caller, signal_type, values)
        )

    @router.get("/m/raw_lookup")
    async def hma_raw_lookup(
        signal_type: str,
        signal: str,
        banks: str | None = None,
        include_distance: bool = False,
        caller: Principal = caller_rule,
    ) -> RawLookupOut:
        """HMA's raw lookup: the matching entries' ids (with their distance if asked)."""
        (answer,) = lookup.ask(caller, signal_type, [signal])
        wanted = _banks(banks)
        found = [m for m in answer.matches if wanted is None or m.bank in wanted]
        if include_distance:
            return RawLookupOut(
                matches=[
                    {"bank_content_id": m.entry_id, "distance": str(m.distance)} for m in found
                ]
            )
        return RawLookupOut(matches=[m.entry_id for m in found])

    @router.get("/m/lookup", responses=_HMA_LOOKUP_ERRORS)
    async def hma_lookup(
        signal_type: str | None = None,
        signal: str | None = None,
        url: str | None = None,
        banks: str | None = None,
        caller: Principal = caller_rule,
    ) -> dict[str, list[dict[str, int | str]]]:
        """HMA's lookup: matches by bank name, each with its entry id and distance."""
        if url is not None:
            raise ApiError(403, _HASHING_OFF, "url")
        if not signal or not signal_type:
            raise ApiError(400, "signal: either url or both signal and signal_type are required")
        (answer,) = lookup.ask(caller, signal_type, [signal])
        wanted = _banks(banks)
        by_bank: dict[str, list[dict[str, int | str]]] = {}
        for m in answer.matches:
            if wanted is None or m.bank in wanted:
                by_bank.setdefault(m.bank, []).append(
                    {"bank_content_id": m.entry_id, "distance": str(m.distance)}
                )
        return by_bank

    @router.post("/m/lookup", responses={403: _REFUSED_CONTENT})
    async def hma_lookup_content(caller: Principal = caller_rule) -> None:
        """HMA's lookup of uploaded content: refused, Vigil hashes no content for lookups."""
        raise ApiError(403, _HASHING_OFF)

    return router


def install_lookup(app: FastAPI, store: Store, config: LookupConfig | None = None) -> Lookup:
    """Give ``app`` the lookup routes over a new (empty) service; ``start`` fills it."""
    config = config or LookupConfig.from_env()
    lookup = Lookup(
        store=store,
        service=LookupService(),
        ledger=LookupLedger(),
        limiter=RateLimiter(config.rate, config.burst),
        config=config,
    )
    app.state.lookup = lookup
    app.include_router(lookup_router(lookup))
    return lookup
