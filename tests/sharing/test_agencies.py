"""Agencies: kinds, ISO countries, contacts, and the LOCAL agency migrated in place."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from vigil.config import Settings
from vigil.sharing.agencies import (
    country_name,
    create_agency,
    find_agency,
    list_agencies,
    parse_kind,
    update_agency,
)
from vigil.sharing.audit import AuditQuery, event_json, find_events
from vigil.sharing.errors import AccountError
from vigil.store.db import Store, alembic_config, make_engine
from vigil.store.models import AgencyKind


def test_agencies_are_created_listed_and_found(store: Store) -> None:
    with store.session() as session:
        create_agency(
            session, "ncb-fr", "NCB Paris", AgencyKind.NCB, "fr", "duty desk +33 1 00 00 00 00"
        )
        create_agency(session, "CAC", "Crimes against Children unit", AgencyKind.CENTRAL_UNIT)
    with store.session() as session:
        found = find_agency(session, "NCB-FR")
        assert (found.code, found.kind, found.country, found.contact) == (
            "NCB-FR",
            "ncb",
            "FR",
            "duty desk +33 1 00 00 00 00",
        )
        assert AgencyKind(found.kind) is AgencyKind.NCB
        assert [agency.code for agency in list_agencies(session)] == ["CAC", "NCB-FR"]
        assert find_agency(session, "cac").country is None
    assert country_name("FR") == "France"


@pytest.mark.parametrize("country", ["XX", "FRA", "F", "12", "uk"])
def test_a_bad_country_code_names_the_field_and_the_value(store: Store, country: str) -> None:
    with store.session() as session, pytest.raises(AccountError) as caught:
        create_agency(session, "NCB-X", "Somewhere", AgencyKind.NCB, country)
    message = str(caught.value)
    assert message.startswith("country:")
    assert repr(country) in message
    assert "\n" not in message
    with store.session() as session:
        assert [agency.code for agency in list_agencies(session)] == []


def test_ncbs_and_specialised_units_need_a_country_and_a_country_has_one_ncb(
    store: Store,
) -> None:
    with store.session() as session:
        for kind in (AgencyKind.NCB, AgencyKind.SPECIALISED_UNIT):
            with pytest.raises(AccountError, match=r"^country: .*needs a country"):
                create_agency(session, "NOWHERE", "No country", kind)
        create_agency(session, "NGO", "An international NGO", AgencyKind.PARTNER)
        create_agency(session, "NCB-BR", "NCB Brasilia", AgencyKind.NCB, "BR")
        with pytest.raises(AccountError, match=r"BR already has an NCB \(NCB-BR\)"):
            create_agency(session, "NCB-BR2", "Another", AgencyKind.NCB, "BR")
        # A specialised unit of a country with an NCB is fine.
        create_agency(session, "BR-CYBER", "Cyber unit", AgencyKind.SPECIALISED_UNIT, "BR")
        with pytest.raises(AccountError, match=r"BR already has an NCB"):
            update_agency(session, "BR-CYBER", kind=AgencyKind.NCB)
        with pytest.raises(AccountError, match=r"^code: agency NCB-BR already exists"):
            create_agency(session, "ncb-br", "Again", AgencyKind.NCB, "PT")


def test_update_changes_only_what_is_given(store: Store) -> None:
    with store.session() as session:
        create_agency(session, "NCB-PH", "NCB Manila", AgencyKind.NCB, "PH", "desk")
    with store.session() as session:
        update_agency(session, "ncb-ph", contact="night desk")
    with pytest.raises(AccountError, match=r"^country: 'ZZ'"), store.session() as session:
        update_agency(session, "NCB-PH", country="ZZ")
    with store.session() as session:
        agency = find_agency(session, "NCB-PH")
        assert (agency.name, agency.country, agency.contact) == ("NCB Manila", "PH", "night desk")
        update_agency(session, "NCB-PH", contact="")
    with store.session() as session:
        assert find_agency(session, "NCB-PH").contact is None
        events = [event_json(e) for e in reversed(find_events(session, AuditQuery()))]
    # Created, then two changes: the refused one left no trace.
    assert [(e["action"], e["object"], e["details"]) for e in events] == [
        ("agency.create", "agency:NCB-PH", {"name": "NCB Manila", "kind": "ncb", "country": "PH"}),
        ("agency.change", "agency:NCB-PH", {"contact": "night desk"}),
        ("agency.change", "agency:NCB-PH", {"contact": None}),
    ]


def test_unknown_agency_and_kind_are_one_line_naming_what_exists(store: Store) -> None:
    with store.session() as session:
        create_agency(session, "NCB-PH", "NCB Manila", AgencyKind.NCB, "PH")
        with pytest.raises(AccountError, match=r"^agency: no agency 'NCB-XX' \(agencies: NCB-PH\)"):
            find_agency(session, "NCB-XX")
    with pytest.raises(AccountError, match=r"^kind: 'police' .*central_unit, ncb"):
        parse_kind("police")
    assert parse_kind("Specialised unit") is AgencyKind.SPECIALISED_UNIT


def test_local_agency_migrates_in_place(settings: Settings) -> None:
    # A database from before accounts: the LOCAL agency with a case filed under it.
    engine = make_engine(settings)
    try:
        command.upgrade(alembic_config(engine), "0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agency (id, code, name, created_at)"
                    " VALUES (7, 'LOCAL', 'Local agency', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO cases (agency_id, reference, created_at)"
                    " VALUES (7, 'OP-1', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()
    store = Store(settings)
    try:
        with store.session() as session:
            local = find_agency(session, "LOCAL")
            assert (local.id, local.name, local.kind, local.country, local.contact) == (
                7,
                "Local agency",
                AgencyKind.SPECIALISED_UNIT,
                None,
                None,
            )
            assert [agency.code for agency in list_agencies(session)] == ["LOCAL"]
            # Its country can be set afterwards; it cannot be set to nonsense.
            update_agency(session, "LOCAL", country="NL")
            with pytest.raises(AccountError, match=r"^country:"):
                update_agency(session, "LOCAL", country="Netherlands")
        with store.session() as session:
            assert find_agency(session, "LOCAL").country == "NL"
    finally:
        store.close()


def test_local_agency_exists_on_a_fresh_database(store: Store) -> None:
    with store.session() as session:
        local = find_agency(session, "local")
        assert (local.code, local.kind, local.country) == ("LOCAL", "specialised_unit", None)
