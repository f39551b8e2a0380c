"""Who may see and do what: the one place Vigil decides access.

Every read of shared data — domain functions, the CLI, reports, the API and pages — asks
this package, either for a yes / no on one record or for a SQL condition that keeps only the
rows a viewer may see. Nothing else in Vigil compares agency ids or dissemination levels.
Its modules: ``viewers`` (who asks, and what their roles and scopes allow), ``visibility``
(cases, seizures, banks, media, matches, notices), ``identification`` (series, victims,
offenders, locations, missing-child reports, alerts), ``network`` (referrals, administration,
the audit trail) and ``hits`` (what a seizure touches that its agency may not see, and the
grants that extend what an agency sees). Import from here.

The rules:

- A record (case, seizure, bank) is visible to its owning agency; to every police member
  when its level is ``all`` (partners are not members: they see only what is named or
  referred to them); to the agencies named on it when its level is ``named``; and to any
  agency it was referred to, whatever its level.
- A seizure is also visible to an agency its case was referred to. Sightings and ingest
  runs are seen through their seizure, bank entries through their bank.
- Series, victims, offenders, locations and missing-child reports are owned records like
  cases (``identification``); a record's history is seen with the record.
- A media row (shared by SHA-256 across seizures) is visible only through a sighting in a
  visible seizure, its membership of a visible series, or a referral of that media.
- An alert is seen with its seizure, and only when the record it is about (a series, a
  missing-child report, another seizure) is visible too.
- A match is visible when both its sides are (or it was referred).
- A referral is seen by the agencies that sent and received it, and acted on only by its
  recipient; the central unit oversees every agency's overdue referrals.
- Roles grant permissions (:data:`ROLE_PERMISSIONS`); an API token's scopes narrow them.

A record that exists but is hidden and one that does not exist are refused alike
(:class:`NotVisibleError`, which the API answers with 404), so nobody learns what exists.
"""

from vigil.sharing.policy.hits import (
    HiddenHit,
    grant,
    hidden_hits,
)
from vigil.sharing.policy.identification import (
    ALERT_COUNTERPARTS,
    alert_condition,
    check_location,
    check_missing_report,
    check_offender,
    check_record,
    check_series,
    check_victim,
    record_condition,
    visible_ids,
)
from vigil.sharing.policy.network import (
    audit_agency,
    check_administers,
    check_other_agency,
    check_recipient,
    inbox_condition,
    outbox_condition,
    overdue_scope_condition,
    oversees_network,
    referral_condition,
)
from vigil.sharing.policy.viewers import (
    PARTNER_PERMISSIONS,
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    ColumnLike,
    ForbiddenError,
    NotVisibleError,
    Permission,
    PolicyError,
    Viewer,
    permissions_of,
    require,
    resolve,
)
from vigil.sharing.policy.visibility import (
    bank_condition,
    case_condition,
    check_bank,
    check_case,
    check_match,
    check_media,
    check_owner,
    check_seizure,
    granted_ids,
    hit_notice_condition,
    location_condition,
    match_condition,
    match_target_condition,
    media_condition,
    missing_report_condition,
    offender_condition,
    owned_condition,
    owns,
    seizure_condition,
    series_condition,
    victim_condition,
    visible_bank_ids,
    visible_media_ids,
    visible_seizure_ids,
    visible_series_ids,
)

__all__ = [
    "ALERT_COUNTERPARTS",
    "PARTNER_PERMISSIONS",
    "ROLE_PERMISSIONS",
    "SCOPE_PERMISSIONS",
    "ColumnLike",
    "ForbiddenError",
    "HiddenHit",
    "NotVisibleError",
    "Permission",
    "PolicyError",
    "Viewer",
    "alert_condition",
    "audit_agency",
    "bank_condition",
    "case_condition",
    "check_administers",
    "check_bank",
    "check_case",
    "check_location",
    "check_match",
    "check_media",
    "check_missing_report",
    "check_offender",
    "check_other_agency",
    "check_owner",
    "check_recipient",
    "check_record",
    "check_seizure",
    "check_series",
    "check_victim",
    "grant",
    "granted_ids",
    "hidden_hits",
    "hit_notice_condition",
    "inbox_condition",
    "location_condition",
    "match_condition",
    "match_target_condition",
    "media_condition",
    "missing_report_condition",
    "offender_condition",
    "outbox_condition",
    "overdue_scope_condition",
    "oversees_network",
    "owned_condition",
    "owns",
    "permissions_of",
    "record_condition",
    "referral_condition",
    "require",
    "resolve",
    "seizure_condition",
    "series_condition",
    "victim_condition",
    "visible_bank_ids",
    "visible_ids",
    "visible_media_ids",
    "visible_seizure_ids",
    "visible_series_ids",
]
