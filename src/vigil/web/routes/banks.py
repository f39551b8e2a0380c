"""Banks: listing, describing, creating, importing into, exporting and deleting them.

The same functions as ``vigil bank ...`` (``banks.catalog``, ``banks.transfer``): an import
is all-or-nothing, an export is audited, and only a bank's owner imports into it, deletes it
or sets who may see it.
"""

from __future__ import annotations

import io
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from vigil.banks.catalog import (
    BankError,
    BankInfo,
    create_bank,
    delete_bank,
    describe_bank,
    list_banks,
)
from vigil.banks.formats import BankFormatError
from vigil.banks.transfer import (
    AlreadyImportedError,
    ImportRunningError,
    export_bank,
    import_file,
)
from vigil.cases.series import series_from_banks
from vigil.sharing.clock import as_utc
from vigil.sharing.policy import Permission, Viewer, check_bank
from vigil.sharing.records import qualified_bank_name
from vigil.sharing.views import record_view
from vigil.store.models import Bank, Level, RecordType
from vigil.web.auth import Principal
from vigil.web.deps import config_of, reading, store_of, writing
from vigil.web.errors import ERROR_RESPONSES, ApiError, Page, PageRequest, page_request
from vigil.web.routes.cases import SharingIn, SharingOut, change_sharing
from vigil.web.routes.params import RecordId
from vigil.web.routes.refusals import refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["banks"], responses=ERROR_RESPONSES)

BankFormat = Literal["vics", "icse-csv", "hashlist", "te-pdq"]
_SUFFIX = {"vics": ".json", "icse-csv": ".csv", "hashlist": ".txt", "te-pdq": ".txt"}
_READ_CHUNK = 1 << 20
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]")


class BankOut(BaseModel):
    """A bank: its owner, who may see it, and how many entries it holds."""

    id: int
    name: str
    agency: str
    source: str | None
    dissemination: Level
    category_scheme: str
    created_at: datetime
    entries: int


class ImportedFile(BaseModel):
    """A file imported into a bank."""

    file_name: str
    format: str
    entries: int
    imported_at: datetime


class BankDetail(BankOut):
    """A bank with its entries by category and the files imported into it."""

    entries_by_category: dict[str, int]
    imports: list[ImportedFile]


class BankIn(BaseModel):
    """A new, empty bank of the caller's agency."""

    name: str = Field(min_length=1, max_length=200, examples=["known-series"])
    source: str | None = Field(None, max_length=500)
    dissemination: Level = Level.OWNER
    named: list[str] = Field(default_factory=list, max_length=200)
    category_scheme: str = Field("VICS-US", max_length=40)


class ImportOut(BaseModel):
    """What an import added to which bank."""

    bank: str
    file_name: str
    format: str
    entries: int


class DeletedOut(BaseModel):
    """A deleted bank and how many entries went with it."""

    name: str
    entries: int


def _bank_out(info: BankInfo) -> BankOut:
    return BankOut(
        id=info.id,
        name=info.name,
        agency=info.agency,
        source=info.source,
        dissemination=Level(info.dissemination),
        category_scheme=info.category_scheme,
        created_at=as_utc(info.created_at),
        entries=info.entries,
    )


def _bank_detail(info: BankInfo) -> BankDetail:
    imports = [
        ImportedFile(file_name=name, format=fmt, entries=count, imported_at=as_utc(at))
        for name, fmt, count, at in info.imports
    ]
    return BankDetail(
        **_bank_out(info).model_dump(),
        entries_by_category=info.entries_by_category,
        imports=imports,
    )


def _bank(session: Session, viewer: Viewer, bank_id: int) -> Bank:
    """The bank ``bank_id`` if the viewer may see it (NotVisibleError otherwise)."""
    check_bank(session, viewer, bank_id)
    return session.get_one(Bank, bank_id)


def _field_of_refusal(message: str) -> str:
    """The field of :class:`BankIn` a refusal of ``create_bank`` is about."""
    for field, word in (("category_scheme", "scheme"), ("name", "name"), ("named", "--with")):
        if word in message:
            return field
    return "dissemination"


def _upload_name(upload: UploadFile) -> str:
    """The uploaded file's own name, without any folder (reports and the audit name it)."""
    name = Path((upload.filename or "").replace("\\", "/")).name.strip()
    return name if name and name not in {".", ".."} else "upload"


@router.get("/api/banks")
def get_banks(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    caller: Annotated[Principal, allow(Permission.READ)],
) -> Page[BankOut]:
    """The banks the caller may see, by name, with their entry counts."""
    with reading(request) as session:
        banks = list_banks(session, caller.actor)
    items = [_bank_out(info) for info in banks[page.offset : page.offset + page.limit]]
    return Page[BankOut].of(items, page, len(banks))


@router.get("/api/banks/{bank_id}")
def get_bank(
    request: Request,
    bank_id: RecordId,
    caller: Annotated[Principal, allow(Permission.READ, records={"bank_id": PathRecord.BANK})],
) -> BankDetail:
    """One bank: its entries by category and its imports; 404 when hidden or missing."""
    with reading(request) as session:
        detail = _bank_detail(describe_bank(session, _bank(session, caller.viewer, bank_id)))
    with writing(request) as session:
        record_view(session, caller.viewer, session.get_one(Bank, bank_id))
    return detail


@router.post("/api/banks", status_code=201, responses={409: ERROR_RESPONSES[409]})
def post_bank(
    request: Request,
    body: BankIn,
    caller: Annotated[Principal, allow(Permission.WRITE)],
) -> BankDetail:
    """Create an empty bank owned by the caller's agency."""
    with writing(request) as session:
        try:
            bank = create_bank(
                session,
                body.name,
                source=body.source,
                dissemination=body.dissemination,
                named=body.named,
                category_scheme=body.category_scheme,
                actor=caller.actor,
            )
        except BankError as exc:
            message = str(exc)
            if "already exists" in message:
                raise ApiError(409, f"name: {message}", "name") from None
            raise ApiError(422, message, _field_of_refusal(message)) from None
        return _bank_detail(describe_bank(session, bank))


@router.post(
    "/api/banks/{bank_id}/imports",
    status_code=201,
    responses={409: ERROR_RESPONSES[409], 413: {"description": "larger than the upload limit"}},
)
async def post_import(
    request: Request,
    bank_id: RecordId,
    file: Annotated[UploadFile, File(description="A hash list in a supported format.")],
    caller: Annotated[Principal, allow(Permission.WRITE, records={"bank_id": PathRecord.BANK})],
    fmt: Annotated[
        BankFormat | None, Form(alias="format", description="Default: detected.")
    ] = None,
) -> ImportOut:
    """Import a hash list into a bank the caller's agency owns: all of it, or nothing."""
    limit = config_of(request).max_upload_bytes

    def find_name() -> str:
        with reading(request) as session:
            # CODE/NAME: the viewer's agency may have a bank of the same name.
            return qualified_bank_name(_bank(session, caller.viewer, bank_id))

    name = await run_in_threadpool(find_name)
    with tempfile.TemporaryDirectory(prefix="vigil-upload-") as folder:
        path = Path(folder) / _upload_name(file)
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(_READ_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(
                        413, f"file: larger than the upload limit of {limit:,} bytes", "file"
                    )
                out.write(chunk)
        store = store_of(request)
        try:
            outcome = await run_in_threadpool(
                import_file, store.session, path, name, fmt, None, caller.actor
            )
        except (BankFormatError, BankError) as exc:
            # Named as uploaded: the server's temporary folder is nobody's business.
            message = str(exc).replace(str(path), path.name)
            conflict = isinstance(exc, AlreadyImportedError | ImportRunningError)
            raise ApiError(409 if conflict else 422, f"file: {message}", "file") from None

    def make_series() -> None:  # the entries' series names become series of the bank's agency
        with writing(request) as session:
            series_from_banks(session, caller.viewer, bank_id)

    await run_in_threadpool(make_series)
    return ImportOut(
        bank=outcome.bank,
        file_name=outcome.file_name,
        format=outcome.format,
        entries=outcome.entries,
    )


@router.get(
    "/api/banks/{bank_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The bank's entries in the format asked for, as a download.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
def get_export(
    request: Request,
    bank_id: RecordId,
    fmt: Annotated[BankFormat, Query(alias="format", description="The format to write.")],
    caller: Annotated[Principal, allow(Permission.READ, records={"bank_id": PathRecord.BANK})],
) -> Response:
    """Every entry of a bank the caller may see, in an exchange format (audited)."""
    buffer = io.BytesIO()
    with writing(request) as session:
        bank = _bank(session, caller.viewer, bank_id)
        name = bank.name
        with refused(422, BankError, field="format"):
            export_bank(session, qualified_bank_name(bank), fmt, buffer, caller.actor)
    # A header holds only plain ASCII: the bank's name as far as it is that.
    download = _UNSAFE_IN_NAME.sub("_", name)[:100] + _SUFFIX[fmt]
    return Response(
        buffer.getvalue(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{download}"'},
    )


@router.delete("/api/banks/{bank_id}")
def remove_bank(
    request: Request,
    bank_id: RecordId,
    caller: Annotated[Principal, allow(Permission.WRITE, records={"bank_id": PathRecord.BANK})],
) -> DeletedOut:
    """Delete a bank the caller's agency owns, its entries and the matches against them."""
    with writing(request) as session:
        bank = _bank(session, caller.viewer, bank_id)
        name = bank.name
        entries = delete_bank(session, qualified_bank_name(bank), caller.actor)
    return DeletedOut(name=name, entries=entries)


@router.put("/api/banks/{bank_id}/sharing")
def share_bank(
    request: Request,
    bank_id: RecordId,
    body: SharingIn,
    caller: Annotated[Principal, allow(Permission.WRITE, records={"bank_id": PathRecord.BANK})],
) -> SharingOut:
    """Set who besides its owner may see the bank (its owner only)."""
    return change_sharing(request, caller, RecordType.BANK, bank_id, body)
