"""Text typed into the pages, read by their parsers (bounded, derandomized fuzzing): the triage
grid's filters and offset from any query string (never an exception, every error names its
field, the links' query reads back the same) and a referral's records (read, or refused
naming the line)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.reports.grid import KINDS
from vigil.sharing.audit import ChainHead
from vigil.sharing.referral_terms import ReferralError
from vigil.web.pages.referral_views import parse_records
from vigil.web.pages.triage_query import FIELDS, read_filters, read_offset
from vigil.web.routes.params import MAX_ID

# Values as a browser or a hand-edited address may send them: text of any kind, dates and
# near-dates, the known words.
_VALUE = st.one_of(
    st.text(max_size=40),
    st.dates().map(str),
    st.sampled_from(["yes", "no", "show", "image", "video", "2025-13-01", " DCIM/ ", "\x00"]),
)
_PARAMS = st.dictionaries(st.sampled_from([*FIELDS, "other"]), _VALUE, max_size=len(FIELDS) + 1)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(_PARAMS)
def test_any_query_is_read_without_an_exception(params: dict[str, str]) -> None:
    form = read_filters(params)
    for name, message in form.errors.items():
        assert name in FIELDS
        assert message.startswith(f"{name}: ")
    filters = form.filters
    assert filters.kind is None or filters.kind in KINDS
    assert filters.has_match in (True, False, None)
    if filters.taken_from and filters.taken_to:
        assert filters.taken_from <= filters.taken_to
    # What the pager's links carry reads back as the same form.
    again = read_filters(dict(parse_qsl(form.query(), keep_blank_values=True)))
    assert again.values == form.values
    assert again.filters == form.filters


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=20)))
def test_any_offset_is_a_whole_number_from_zero(text: str | None) -> None:
    offset = read_offset(text)
    assert offset >= 0
    if text is not None and text.isdecimal() and len(text) < 10:
        assert offset == int(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=60))
def test_any_records_text_of_a_referral_is_read_or_refused_by_its_line(text: str) -> None:
    refused: list[str] = []
    records: list[tuple[object, int]] = []
    try:
        records = list(parse_records(text))
    except ReferralError as exc:
        refused.append(str(exc))
    assert all(message.startswith("records: line ") for message in refused)
    assert all(1 <= record_id <= MAX_ID for _, record_id in records)


def test_digits_int_does_not_read_are_refused_not_a_crash() -> None:
    # "²" is a digit to str.isdigit but no number to int(): once answered with a 500.
    assert read_offset("²") == 0
    with pytest.raises(ReferralError, match="series:²"):
        parse_records("series:²")
    with pytest.raises(ValueError, match="is not an audit head"):
        ChainHead.parse("²:" + "0" * 64)
