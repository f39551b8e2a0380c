"""Path parameters the domain routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: The largest id a record can have (a 32-bit integer column on PostgreSQL): a larger one
#: names no record, and is refused before it reaches the database.
MAX_ID = 2_147_483_647

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
