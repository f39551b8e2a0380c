"""Failed logins, and the lock-outs they earn, per account and per address.

Failures are rows in the database, so every server process sees the same count; rows are
only added (never updated), so concurrent processes do not contend for one. A lock-out is
derived from the rows when a login is tried: the failure that makes ``limit`` within
``window`` locks the key (a username, or an address) out for ``first_lockout``; each later
failure locks it out again for twice as long as the last. Attempts made while locked out
are refused unchecked and not counted, so a lock-out ends on time whatever is tried
meanwhile, and only a guess actually checked can make the next one longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil.sharing.clock import as_utc
from vigil.store.models import LoginFailure

KEY_MAX = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    """When failures of one key (a username, or an address) lock it out, and for how long."""

    limit: int
    window: timedelta = timedelta(minutes=15)
    first_lockout: timedelta = timedelta(minutes=5)
    longest_lockout: timedelta = timedelta(hours=24)
    # Failures older than this are forgotten (and pruned); for an account, so are those
    # before its last successful login.
    memory: timedelta = timedelta(hours=24)

    def lockout(self, further: int) -> timedelta:
        """How long a key is locked out after ``further`` failures beyond the one that
        first reached ``limit`` within ``window``: doubling with each."""
        return min(self.first_lockout * (1 << min(further, 32)), self.longest_lockout)


# An address is often a whole office behind one NAT: it gets more room than one account.
ACCOUNT_POLICY = ThrottlePolicy(limit=5)
ADDRESS_POLICY = ThrottlePolicy(limit=20)


def _key(value: str) -> str:
    return value.strip().lower()[:KEY_MAX]


def _locked_until(times: list[datetime], policy: ThrottlePolicy) -> datetime | None:
    """The end of the lock-out these failure times (oldest first) earn, None when none.

    The failure that first makes ``limit`` within ``window`` locks the key out; every one
    after it (each made once the previous lock-out ended) locks it out again, for twice as
    long as the one before.
    """
    for index in range(policy.limit - 1, len(times)):
        if times[index] - times[index - policy.limit + 1] <= policy.window:
            return times[-1] + policy.lockout(len(times) - 1 - index)
    return None


def _failure_times(
    session: Session, column: InstrumentedAttribute[str], key: str, since: datetime
) -> list[datetime]:
    query = (
        select(LoginFailure.at)
        .where(column == key, LoginFailure.at >= since)
        .order_by(LoginFailure.at)
    )
    return [as_utc(moment) for moment in session.scalars(query)]


def locked_until(
    session: Session,
    username: str,
    address: str,
    now: datetime,
    account: ThrottlePolicy = ACCOUNT_POLICY,
    by_address: ThrottlePolicy = ADDRESS_POLICY,
) -> datetime | None:
    """When the lock-out on this username or this address ends, None when neither is locked.

    Known and unknown usernames are treated alike, so that a lock-out tells nothing of
    which names exist.
    """
    now = as_utc(now)
    ends = []
    for column, key, policy in (
        (LoginFailure.username, _key(username), account),
        (LoginFailure.address, _key(address), by_address),
    ):
        end = _locked_until(_failure_times(session, column, key, now - policy.memory), policy)
        if end is not None and end > now:
            ends.append(end)
    return max(ends, default=None)


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    """Remember a failed login, and forget failures too old to count any more."""
    now = as_utc(now)
    oldest = now - max(ACCOUNT_POLICY.memory, ADDRESS_POLICY.memory)
    session.execute(delete(LoginFailure).where(LoginFailure.at < oldest))
    session.add(LoginFailure(username=_key(username), address=_key(address), at=now))
    session.flush()


def clear_account(session: Session, username: str) -> None:
    """Forget an account's failures after it logged in (its address's are kept)."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == _key(username)))
