"""The web settings from the environment, and `vigil serve` refusing a bad one in one line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.config import Settings
from vigil.web.config import ConfigError, WebConfig


def test_settings_are_read_from_the_environment() -> None:
    config = WebConfig.from_env(
        {
            "VIGIL_SESSION_HOURS": "8",
            "VIGIL_SESSION_IDLE_MINUTES": "15",
            "VIGIL_MAX_BODY_BYTES": "4096",
            "VIGIL_MAX_UPLOAD_BYTES": "1048576",
            "VIGIL_READ_TIMEOUT_SECONDS": "2.5",
            "VIGIL_BEHIND_TLS": "1",
        }
    )
    assert config.session_lifetime == timedelta(hours=8)
    assert config.session_idle == timedelta(minutes=15)
    assert (config.max_body_bytes, config.max_upload_bytes) == (4096, 1 << 20)
    assert config.read_timeout_seconds == 2.5
    assert config.behind_tls is True
    assert WebConfig.from_env({}) == WebConfig()


@pytest.mark.parametrize("value", ["abc", "0", "-3"])
def test_a_bad_setting_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="VIGIL_READ_TIMEOUT_SECONDS"):
        WebConfig.from_env({"VIGIL_READ_TIMEOUT_SECONDS": value})


def test_serve_refuses_a_bad_setting_in_one_line(settings: Settings) -> None:
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = CliRunner().invoke(app, ["serve", *where], env={"VIGIL_SESSION_HOURS": "soon"})
    assert result.exit_code == 2
    assert result.stderr == "error: VIGIL_SESSION_HOURS: 'soon' is not a number\n"
