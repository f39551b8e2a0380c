"""How the web server behaves: session lifetimes, size limits, the read time limit.

Every setting has an environment-variable twin (read by :meth:`WebConfig.from_env`), so that
``vigil serve`` and a deployment's unit file agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

SESSION_HOURS_ENV = "VIGIL_SESSION_HOURS"
SESSION_IDLE_MINUTES_ENV = "VIGIL_SESSION_IDLE_MINUTES"
MAX_BODY_ENV = "VIGIL_MAX_BODY_BYTES"
MAX_UPLOAD_ENV = "VIGIL_MAX_UPLOAD_BYTES"
READ_TIMEOUT_ENV = "VIGIL_READ_TIMEOUT_SECONDS"
BEHIND_TLS_ENV = "VIGIL_BEHIND_TLS"
EVIDENCE_ROOT_ENV = "VIGIL_EVIDENCE_ROOT"


class ConfigError(ValueError):
    """A web setting from the environment is refused; the message names the variable."""


@dataclass(frozen=True)
class WebConfig:
    """The web server's settings (defaults suit one unit's server)."""

    #: A browser session ends this long after login, whatever is done with it.
    session_lifetime: timedelta = timedelta(hours=12)
    #: ... and this long after its last request.
    session_idle: timedelta = timedelta(minutes=30)
    #: The largest request body, uploads aside.
    max_body_bytes: int = 1 << 20
    #: The largest upload (a multipart/form-data body: a bank file, a list of hashes).
    max_upload_bytes: int = 256 << 20
    #: Reads of the web and API stop after this long (the datasette habit).
    read_timeout_seconds: float = 10.0
    #: A TLS-terminating proxy stands in front: send HSTS and trust X-Forwarded-Proto.
    behind_tls: bool = False
    #: The folder on the server under which ingests started through the API must lie
    #: (None: ingest through the API is off).
    evidence_root: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebConfig:
        """The settings from the environment (``os.environ`` by default), else the defaults."""
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            session_lifetime=timedelta(
                hours=positive_setting(
                    env, SESSION_HOURS_ENV, default.session_lifetime / timedelta(hours=1)
                )
            ),
            session_idle=timedelta(
                minutes=positive_setting(
                    env, SESSION_IDLE_MINUTES_ENV, default.session_idle / timedelta(minutes=1)
                )
            ),
            max_body_bytes=int(positive_setting(env, MAX_BODY_ENV, default.max_body_bytes)),
            max_upload_bytes=int(positive_setting(env, MAX_UPLOAD_ENV, default.max_upload_bytes)),
            read_timeout_seconds=positive_setting(
                env, READ_TIMEOUT_ENV, default.read_timeout_seconds
            ),
            behind_tls=env.get(BEHIND_TLS_ENV, "").strip().lower() in {"1", "true", "yes"},
            evidence_root=Path(env[EVIDENCE_ROOT_ENV]) if env.get(EVIDENCE_ROOT_ENV) else None,
        )


def positive_setting(env: Mapping[str, str], name: str, default: float) -> float:
    """The number in ``env[name]``, ``default`` when unset; ConfigError naming the variable
    for text that is not a number or not greater than 0."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}: {text!r} must be greater than 0")
    return value
