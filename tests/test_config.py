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


# -- the layers: default < importer.toml < environment, and where each value came from -------


def test_each_layer_overrides_the_one_below_and_is_named_as_the_source(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(
        "[watch]\nsettle_s = 3\nscan_interval_s = 7\n", encoding="utf-8"
    )
    loaded = load_settings(cwd=tmp_path, environ={"IMPORTER__WATCH__SETTLE_S": "5"})
    watch = loaded.settings.watch
    assert (watch.settle_s, watch.scan_interval_s, watch.polling) == (5, 7, False)
    rows = {key: (value, source) for key, value, source in describe(loaded)}
    assert rows["watch.settle_s"] == ("5.0", "env IMPORTER__WATCH__SETTLE_S")
    assert rows["watch.scan_interval_s"] == ("7.0", "importer.toml")
    assert rows["watch.polling"] == ("False", "default")


def test_an_empty_variable_leaves_the_file_value(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text('[vtex]\naccount = "loja"\n', encoding="utf-8")
    loaded = load_settings(cwd=tmp_path, environ={"VTEX_ACCOUNT": ""})
    assert loaded.settings.vtex.account == "loja"
    assert loaded.sources["vtex.account"] == "importer.toml"


def test_config_path_names_the_file_and_roots_the_folders(tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc" / "loja.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('[folders]\ninbox = "entrada"\n', encoding="utf-8")
    loaded = load_settings(elsewhere, cwd=tmp_path, environ={})
    assert loaded.config_file == elsewhere
    assert loaded.folder("inbox") == elsewhere.parent.resolve() / "entrada"
    assert loaded.sources["folders.inbox"] == "loja.toml"
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "missing.toml", cwd=tmp_path, environ={})


def test_a_file_that_is_not_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text("[watch\nsettle_s = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cwd=tmp_path, environ={})


@pytest.mark.parametrize(
    ("toml", "environ", "key"),
    [
        ("[wach]\nsettle_s = 3\n", {}, "wach"),
        ("[watch]\nsetle_s = 3\n", {}, r"watch\.setle_s"),
        ("", {"IMPORTER__WACH__SETTLE_S": "3"}, "wach"),
        ("", {"IMPORTER__WATCH__SETLE_S": "3"}, r"watch\.setle_s"),
    ],
)
def test_an_unknown_key_is_refused_by_name(
    tmp_path: Path, toml: str, environ: dict[str, str], key: str
) -> None:
    # A misspelt key must not be ignored: the setting it meant would silently keep its default.
    (tmp_path / "importer.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"  {key}: Extra inputs are not permitted"):
        load_settings(cwd=tmp_path, environ=environ)


def test_a_bad_environment_value_names_the_key_the_value_and_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=tmp_path, environ={"IMPORTER__WATCH__SETTLE_S": "soon"})
    message = str(caught.value)
    assert "watch.settle_s: Input should be a valid number" in message
    assert "(got 'soon')" in message
    assert "env IMPORTER__WATCH__SETTLE_S" in message  # which variable to fix


def test_a_bad_file_value_names_the_file_as_its_source(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text("[watch]\nsettle_s = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watch\.settle_s: .*\(got -1\) \[importer\.toml\]"):
        load_settings(cwd=tmp_path, environ={})


def test_a_variable_under_a_key_the_file_gives_a_value_is_a_config_error(
    tmp_path: Path,
) -> None:
    # `watch = 5` is not a table: the variable cannot go inside it. That is the file's mistake,
    # reported as such (it used to crash with a TypeError).
    (tmp_path / "importer.toml").write_text("watch = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"  watch: .*\(got 5\) \[importer\.toml\]"):
        load_settings(cwd=tmp_path, environ={"IMPORTER__WATCH__SETTLE_S": "5"})


def test_columns_from_the_environment_are_reported_as_coming_from_it(tmp_path: Path) -> None:
    loaded = load_settings(
        cwd=tmp_path, environ={"IMPORTER__FLOWS__PRICES__COLUMNS__SKU_REF": "Codigo"}
    )
    assert loaded.settings.flow("prices").columns == {"sku_ref": ["Codigo"]}
    rows = {key: (value, source) for key, value, source in describe(loaded)}
    assert rows["flows.prices.columns"] == (
        "{'sku_ref': ['Codigo']}",
        "env IMPORTER__FLOWS__PRICES__COLUMNS__SKU_REF",
    )


@pytest.mark.parametrize(
    "environ",
    [
        {"VTEX_ACCOUNT": "named", "IMPORTER__VTEX__ACCOUNT": "prefixed"},
        {"IMPORTER__VTEX__ACCOUNT": "prefixed", "VTEX_ACCOUNT": "named"},
    ],
)
def test_a_named_variable_wins_over_its_prefixed_form(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    # Both set: the result must not depend on the order of the environment.
    loaded = load_settings(cwd=tmp_path, environ=environ)
    assert loaded.settings.vtex.account == "named"
    assert loaded.sources["vtex.account"] == "env VTEX_ACCOUNT"


def test_a_named_store_without_secrets_names_where_the_store_was_named(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text('[vtex]\naccount = "loja"\n', encoding="utf-8")
    from_file = load_settings(cwd=tmp_path, environ={"VTEX_APP_KEY": "k"})
    assert from_file.missing_credentials() == (
        "[vtex] account in importer.toml names the store 'loja', but VTEX_APP_TOKEN is not set: "
        "set VTEX_APP_TOKEN in the environment (the built-in sandbox is used only when no store "
        'is named: unset VTEX_ACCOUNT and leave account = "sandbox")'
    )
    from_env = load_settings(cwd=tmp_path, environ={"VTEX_ACCOUNT": "outra"})
    message = from_env.missing_credentials()
    assert message is not None
    assert message.startswith("VTEX_ACCOUNT names the store 'outra', but VTEX_APP_KEY and ")
