"""`vigil stats`: identification figures of what your agency may see."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from vigil.cli.common import AgencyCode, DatabaseUrl, DataDir, print_json
from vigil.cli.identifying import AsJson, identifying, print_table
from vigil.store.repo import DEFAULT_AGENCY_CODE


class Breakdown(StrEnum):
    """What `vigil stats --by` splits the figures by."""

    COUNTRY = "country"
    YEAR = "year"


def stats(
    by: Annotated[
        Breakdown | None,
        typer.Option("--by", help="Split the figures by country or by year (default: totals)."),
    ] = None,
    as_json: AsJson = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Victims identified and rescued, series open and identified, offenders identified,
    and media and seizures per case: counting only what your agency may see."""
    from vigil.cases.stats import MEASURE_NAMES, statistics

    with identifying(agency, data_dir, database_url) as (session, viewer):
        figures = statistics(session, viewer)
    if as_json:
        print_json(figures.to_json())
        return
    columns = [name.replace("_", " ") for name in MEASURE_NAMES]
    if by is None:
        print_table("Totals", columns, [[figures.totals[n] for n in MEASURE_NAMES]])
        per_case = [(c.reference, c.agency, c.seizures, c.media) for c in figures.cases]
        print_table("Per case", ["case", "agency", "seizures", "media"], per_case)
        return
    split = figures.by_country if by is Breakdown.COUNTRY else figures.by_year
    rows = [[key, *(counts[n] for n in MEASURE_NAMES)] for key, counts in split.items()]
    print_table(f"By {by.value}", [by.value, *columns], rows)
