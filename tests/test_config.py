"""Configuration: file + environment, secrets only from the environment, and `importer config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.config import describe, load_settings
from importer.errors import ConfigError


def test_environment_overrides_the_file_and_sources_are_reported(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[vtex]\naccount = "fromfile"\n[flows.prices]\nmode = "full"\n'
        '[flows.prices.columns]\nsku_ref = "Codigo"\n',
        encoding="utf-8",
    )
    loaded = load_settings(
        cwd=tmp_path,
        environ={"VTEX_ACCOUNT": "fromenv", "VTEX_APP_KEY": "k", "VTEX_APP_TOKEN": "t"},
    )
    assert loaded.settings.vtex.account == "fromenv"
    assert loaded.settings.flow("prices").mode == "full"
    assert loaded.settings.flow("prices").columns == {"sku_ref": ["Codigo"]}
    assert not loaded.sandbox
    rows = {key: (value, source) for key, value, source in describe(loaded)}
    assert rows["vtex.account"] == ("fromenv", "env VTEX_ACCOUNT")
    assert rows["flows.prices.mode"] == ("full", "importer.toml")
    assert rows["vtex.app_token"] == ("******** (set)", "env VTEX_APP_TOKEN")
    assert all("TOKEN-123" not in value for value, _ in rows.values())


def test_secrets_in_the_file_are_refused_with_the_variable_to_use(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text('[vtex]\napp_token = "abc"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="set it in the environment as VTEX_APP_TOKEN"):
        load_settings(cwd=tmp_path, environ={})


def test_no_credentials_means_sandbox(tmp_path: Path) -> None:
    assert load_settings(cwd=tmp_path, environ={}).sandbox


def test_invalid_values_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[flows.prices]\nmode = "everything"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"flows\.prices\.mode"):
        load_settings(cwd=tmp_path, environ={})


@pytest.mark.parametrize("environment", ["x.example/#", "evil.example", "a b"])
def test_an_environment_that_is_not_one_host_label_is_refused(
    tmp_path: Path, environment: str
) -> None:
    # It is spliced into the host name the token is sent to.
    with pytest.raises(ConfigError, match=r"vtex\.environment"):
        load_settings(cwd=tmp_path, environ={"VTEX_ENVIRONMENT": environment})


def test_nested_environment_variables(tmp_path: Path) -> None:
    loaded = load_settings(cwd=tmp_path, environ={"IMPORTER__WATCH__SETTLE_S": "5"})
    assert loaded.settings.watch.settle_s == 5
    assert loaded.folder("inbox") == tmp_path.resolve() / "inbox"


def test_an_unknown_time_zone_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        '[flows.prices]\ntimezone = "Brasil"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="unknown time zone 'Brasil'"):
        load_settings(cwd=tmp_path, environ={})
