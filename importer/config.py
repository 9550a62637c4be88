"""Settings: environment > importer.toml > defaults, remembering where each value came from.

Secrets (`VTEX_APP_KEY`, `VTEX_APP_TOKEN`) come only from the environment: a config file that
holds them is refused, because config files get copied, mailed and committed.

Why the layering is done here by hand and not with pydantic-settings (dropped from the
dependencies; checked against pydantic-settings 2.16): its sources merge into one dict and keep
no record of which source gave which value, so the walk over the file and the environment that
fills `LoadedSettings.sources` (what `importer config` prints, and what a missing secret's
message names) would stay anyway. On top of it, keeping today's behaviour needed: a custom
source for VTEX_ACCOUNT and the other named variables (an env source gives a nested field no
name of its own); a subclass overriding the private `EnvSettingsSource._load_env_vars` and
importing `pydantic_settings.sources.utils`, because the env source reads `os.environ` in its
constructor and `load_settings(environ=...)` must read the mapping it is given; class-level
state to hand `settings_customise_sources` the `--config` path of this call (`toml_file` is
class configuration); and a check of its own for misspelt sections, which the env source
ignores silently (`IMPORTER__WACH__SETTLE_S=5` would do nothing instead of being an error).
A prototype that passed the configuration tests was 495 lines against 436.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from importer.errors import ConfigError
from importer.files.modes import parse_mode
from importer.flows.registry import FLOW_NAMES

if TYPE_CHECKING:  # a type only: the report's words load with the reports
    from importer.report_words import ReportStyle

# The account name that means "no store": the built-in sandbox (the default).
SANDBOX_ACCOUNT = "sandbox"

SECRET_KEYS = ("vtex.app_key", "vtex.app_token", "notify.smtp_password", "notify.webhook_url")

# Environment variables with a name of their own (FORMATS.md); anything else can be set with
# IMPORTER__SECTION__KEY (double underscores separate the levels).
ENV_NAMES: dict[str, str] = {
    "VTEX_ACCOUNT": "vtex.account",
    "VTEX_ENVIRONMENT": "vtex.environment",
    "VTEX_BASE_URL": "vtex.base_url",
    "VTEX_APP_KEY": "vtex.app_key",
    "VTEX_APP_TOKEN": "vtex.app_token",
}
ENV_PREFIX = "IMPORTER__"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateLimit(_Strict):
    """A token bucket: `per_second` sustained, `burst` requests at once after idle time."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class VtexSettings(_Strict):
    account: str = SANDBOX_ACCOUNT
    environment: str = "vtexcommercestable"
    base_url: str | None = None
    app_key: SecretStr | None = None
    app_token: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    backoff_initial_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=60.0, ge=0)
    # Requests in flight. The rate limits below are what bound the load on VTEX; this only has
    # to cover per_second x latency, or latency becomes the limit: 8 gave 53% of the logistics
    # budget at VTEX's usual 200 ms (docs/PERFORMANCE.md).
    concurrency: int = Field(default=32, ge=1, le=64)
    # Batch jobs (Bulk Pricing, batch inventory): the first status poll after this many seconds,
    # then twice as long each time up to a minute, as VTEX advises; after batch_wait_max_s the
    # job is left running and checked again on the next pass.
    batch_poll_initial_s: float = Field(default=5.0, gt=0)
    batch_wait_max_s: float = Field(default=1800.0, ge=0)
    # Client-side limits, well under VTEX's documented caps (API-NOTES §8.1, §8.3) because other
    # integrations share the account's quota.
    rate_limits: dict[str, RateLimit] = Field(
        default_factory=lambda: {
            "catalog": RateLimit(per_second=100, burst=100),
            "pricing": RateLimit(per_second=30, burst=300),
            "logistics": RateLimit(per_second=50, burst=100),
            "orders": RateLimit(per_second=20, burst=20),
        }
    )
    # How the buckets adapt (importer/vtex/ratelimit.py): requests are spread once VTEX's
    # Ratelimit-Remaining falls to this share of Ratelimit-Limit; after a 429 the rate is
    # halved, then raised by recover_step of the configured rate per recover_window_s.
    slow_down_below: float = Field(default=0.2, ge=0, lt=1)
    recover_window_s: float = Field(default=10.0, gt=0)
    recover_step: float = Field(default=0.1, gt=0, le=1)

    @field_validator("account")
    @classmethod
    def _account_name(cls, value: str) -> str:
        if not value or not value.replace("-", "").isalnum() or not value.isascii():
            raise ValueError(
                "a VTEX account name has only letters, digits and hyphens (as in "
                "https://ACCOUNT.vtexcommercestable.com.br)"
            )
        return value

    @field_validator("environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        # It becomes part of every host name the token is sent to: anything but a plain label
        # ("x.example/#") could send the credentials to another host.
        if not value or not value.replace("-", "").isalnum() or not value.isascii():
            raise ValueError(
                "a VTEX environment is one word of letters, digits and hyphens, such as "
                "vtexcommercestable (as in https://ACCOUNT.vtexcommercestable.com.br)"
            )
        return value

    @property
    def has_credentials(self) -> bool:
        return self.app_key is not None and self.app_token is not None


class FolderSettings(_Strict):
    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    archive: Path = Path("archive")
    state: Path = Path("state")


class GuardSettings(_Strict):
    """Limits a person sets on what a file may change before someone looks (README, Guard)."""

    # Prices: a base price that would move more than this (percent of what VTEX holds) is held
    # for approval, not sent. VTEX Admin's own price-change limits: +70% / -30%. 0: no limit.
    max_rise_pct: float = Field(default=70.0, ge=0)
    max_fall_pct: float = Field(default=30.0, ge=0, le=100)
    # "always": every change a file would send waits for `importer approve` (held); "never".
    approval: Literal["never", "always"] = "never"
    # A full file removing more than max_removals: "refuse" it whole (FORMATS.md, the
    # default), or "hold" it whole, removals included, for `importer approve`.
    removals: Literal["refuse", "hold"] = "refuse"


class FlowSettings(_Strict):
    enabled: bool = True
    mode: Literal["partial", "full"] = "partial"
    encoding: str = "auto"
    delimiter: str = "auto"
    decimal: Literal["auto", ",", "."] = "auto"
    sheet: str | None = None
    max_removals: float = Field(default=0.10, ge=0, le=1)
    columns: dict[str, list[str]] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)
    # The ERP's clock: dates and times written without an offset are in this time zone
    # (e.g. "America/Sao_Paulo"); VTEX gets them in UTC.
    timezone: str = "UTC"
    # Catalog only. Brands the file names that VTEX does not have: create them, or report the
    # rows (stores whose brands are curated by hand).
    create_brands: bool = True
    # Catalog only. Categories and brands the importer creates are created active (so that
    # their SKUs can activate), or inactive for a store that enriches products in the Admin
    # before they go live (false: VTEX activates no SKU under them, so none is tried).
    publish_new: bool = True
    # Catalog only. Where a file without a category column files its new products: the inactive
    # "Integration" category of VTEX's ERP guide (a path or a VTEX id; created inactive when
    # VTEX lacks it), from which the store's team moves them. Empty: the column is required.
    default_category: str = ""
    # The store's weight unit (VTEX's PackagedWeightKg is in it, default grams, despite the name).
    weight_unit: Literal["g", "kg"] = "g"
    # The specification group that product_spec:/sku_spec: columns are created in.
    spec_group: str = "Especificações"
    # Catalog only. Who owns a column once the product or SKU exists in VTEX: "erp" (the
    # default: every file's value is sent) or "admin" (sent only when the importer creates the
    # record; see importer.flows.catalog.owners), e.g. { description = "admin" }.
    owners: dict[str, Literal["erp", "admin"]] = Field(default_factory=dict)
    # Prices and inventory: from this many changed rows that a batch can carry, they go to VTEX
    # as one Bulk Pricing / batch inventory job instead of one call per SKU (0: never).
    batch_threshold: int = Field(default=1000, ge=0)
    # Inventory only. VTEX's batch inventory CSV has no column for the moment the ERP counted
    # (dateUtcOnBalanceSystem), so VTEX takes the job's own time, and releases reservations of
    # orders the count does not reflect (an oversell). Stock therefore goes per SKU, with its
    # count time, unless a store accepts that for the batch's speed: true.
    batch_without_count_time: bool = False
    guard: GuardSettings = Field(default_factory=GuardSettings)
    # An alert ([notify]) when no file of this flow arrived for this many hours (None: never).
    expect_every_h: float | None = Field(default=None, gt=0)

    @field_validator("columns", mode="before")
    @classmethod
    def _one_alias_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("defaults", mode="before")
    @classmethod
    def _defaults_are_text(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: str(v) for k, v in value.items()}
        return value

    @field_validator("owners")
    @classmethod
    def _ownable_columns(cls, value: dict[str, str]) -> dict[str, str]:
        from importer.flows.catalog.owners import OWNABLE, OWNABLE_SPECS, unknown_owned

        bad = unknown_owned(value)
        if bad is not None:
            raise ValueError(
                f"{bad!r} is not a catalog column an update writes; owners can name "
                f"{', '.join((*OWNABLE, *OWNABLE_SPECS))}"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone {value!r}; use a name such as "America/Sao_Paulo" or "UTC"'
            ) from None
        return value

    @field_validator("default_category")
    @classmethod
    def _a_category_path_or_id(cls, value: str) -> str:
        value = value.strip()
        if value and not value.isdigit() and any(not p.strip() for p in value.split(">")):
            raise ValueError(
                'must be a category path such as "Integration" or "Dept > Category" (no empty '
                'level), or a VTEX category id such as "12"'
            )
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if value not in ("auto", "\\t") and len(value) != 1:
            raise ValueError('must be "auto" or one character such as ";"')
        return "\t" if value == "\\t" else value


class WatchSettings(_Strict):
    scan_interval_s: float = Field(default=10.0, gt=0)
    settle_s: float = Field(default=2.0, ge=0)
    polling: bool = False
    # Bigger input files are refused before they are read (reading costs a few times a
    # file's size in memory).
    max_file_mb: int = Field(default=1024, ge=1)  # = importer.read.limits.DEFAULT_MAX_FILE_MB

    # Take NAME only once NAME<done_marker> exists beside it (".ok": precos.csv.ok), for ERPs
    # that write such a marker when their export is complete. Empty: no marker is needed.
    done_marker: str = ""

    @field_validator("done_marker")
    @classmethod
    def _a_name_suffix(cls, value: str) -> str:
        if value and (len(value) < 2 or value[0] != "." or "/" in value or "\\" in value):
            raise ValueError('must be empty or a suffix such as ".ok" or ".done"')
        return value


class OrdersSettings(_Strict):
    # Pull orders that are ready for handling into outbox/orders/ and tell VTEX they are being
    # handled. On by default: it is half of an ERP integration (set false to only send data).
    enabled: bool = True
    source: Literal["feed", "list"] = "feed"  # Feed v3 (VTEX's advice), or List Orders
    pull_interval_s: float = Field(default=60.0, gt=0)  # how often `importer watch` pulls
    # How often a pull also lists the orders ready for handling and exports those the feed
    # never delivered (VTEX deletes a feed's configuration after a retention period without
    # events, and events expire): hourly; 0 only with `importer orders pull --sweep`.
    sweep_interval_s: float = Field(default=3600.0, ge=0)
    file_format: Literal["csv", "xlsx"] = "csv"


class ReconcileSettings(_Strict):
    # How often `importer watch` runs `importer reconcile` for the flows whose values it sent
    # (prices, inventory): hours, e.g. 24. Off by default: a reconcile reads every key back.
    every_h: float | None = Field(default=None, gt=0)


class StateSettings(_Strict):
    """The store under state/ (importer.sqlite3)."""

    # How long a write waits while another process (a backup, a `sqlite3` shell) holds the
    # store; then the pass stops and its files are left for the next pass.
    lock_wait_s: float = Field(default=30.0, ge=0)
    # A pass starts only with this much free space on the state folder's disk: a pass that
    # sent rows to VTEX and then could not record them would send them again on every retry.
    min_free_mb: float = Field(default=64.0, ge=0)


class OutputSettings(_Strict):
    """File modes of what the importer writes (README "Who can read the files"): octal text,
    applied as written; `report_mode = "umask"` gives reports what any new file gets."""

    report_mode: str = "umask"
    orders_mode: str = "0640"  # orders and cancellations: customers' data, the ERP's group
    state_mode: str = "0600"  # the store (with its -wal/-shm) and the log

    @field_validator("report_mode", "orders_mode", "state_mode", mode="before")
    @classmethod
    def _mode_is_text(cls, value: Any) -> Any:
        # TOML reads 640 as decimal 640 (0o1200) and 0o640 as 416: only text is unambiguous.
        if isinstance(value, int):
            raise ValueError('write a file mode as text in quotes, e.g. "0640"')
        return value

    @field_validator("report_mode")
    @classmethod
    def _report_mode(cls, value: str) -> str:
        parse_mode(value, umask_allowed=True)
        return value

    @field_validator("orders_mode", "state_mode")
    @classmethod
    def _file_mode(cls, value: str) -> str:
        parse_mode(value, umask_allowed=False)
        return value

    @property
    def report_file_mode(self) -> int | None:
        return parse_mode(self.report_mode, umask_allowed=True)

    @property
    def orders_file_mode(self) -> int | None:
        return parse_mode(self.orders_mode, umask_allowed=False)

    @property
    def state_file_mode(self) -> int | None:
        return parse_mode(self.state_mode, umask_allowed=False)


class ReportSettings(_Strict):
    """Who reads the reports (FORMATS.md): their language and their clock."""

    language: Literal["en", "pt-BR", "es"] = "en"
    timezone: str = "UTC"  # an IANA name: "America/Sao_Paulo"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. America/Sao_Paulo)") from None
        return value


class NotifySettings(_Strict):
    """Telling people (README, Be told): an e-mail and/or a webhook when a file has failed,
    invalid or held rows, and when an expected file did not arrive (`expect_every_h`)."""

    smtp_host: str | None = None  # no host: no e-mail
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None  # IMPORTER__NOTIFY__SMTP_PASSWORD only
    mail_from: str | None = None
    mail_to: list[str] = Field(default_factory=list)
    # A webhook URL carries its own secret (Slack's, Teams'): IMPORTER__NOTIFY__WEBHOOK_URL only.
    webhook_url: SecretStr | None = None
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("mail_to", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        # From the environment a list is text: "a@example.com, b@example.com".
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def mails(self) -> bool:
        return bool(self.smtp_host and self.mail_to)


class Settings(_Strict):
    vtex: VtexSettings = Field(default_factory=VtexSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    orders: OrdersSettings = Field(default_factory=OrdersSettings)
    folders: FolderSettings = Field(default_factory=FolderSettings)
    flows: dict[str, FlowSettings] = Field(default_factory=dict)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    report: ReportSettings = Field(default_factory=ReportSettings)

    @field_validator("flows")
    @classmethod
    def _known_flows(cls, value: dict[str, FlowSettings]) -> dict[str, FlowSettings]:
        unknown = sorted(set(value) - set(FLOW_NAMES))
        if unknown:
            raise ValueError(f"unknown flow {unknown[0]!r}; the flows are {', '.join(FLOW_NAMES)}")
        if "catalog" in value and value["catalog"].guard.approval == "always":
            raise ValueError(
                '[flows.catalog.guard] approval = "always" is not available for the catalog yet '
                "(the keyed flows have it: prices, inventory, invoices, tracking, cancellations)"
            )
        owned = sorted(name for name, flow in value.items() if flow.owners and name != "catalog")
        if owned:
            raise ValueError(f"[flows.{owned[0]}] owners: owners is a [flows.catalog] setting")
        return {name: value.get(name, FlowSettings()) for name in FLOW_NAMES}

    def flow(self, name: str) -> FlowSettings:
        return self.flows.get(name) or FlowSettings()


@dataclass
class LoadedSettings:
    """Settings plus where they came from: the folder paths are absolute."""

    settings: Settings
    root: Path  # the folder that relative paths in the config are relative to
    config_file: Path | None
    sources: dict[str, str] = field(default_factory=dict)  # dotted key -> "default" | file | env

    @property
    def sandbox(self) -> bool:
        """No credentials: everything goes to the built-in VTEX sandbox (allowed only when no
        store is named: see `missing_credentials`)."""
        return not self.settings.vtex.has_credentials and not self.settings.vtex.base_url

    def missing_credentials(self) -> str | None:
        """Why this configuration must not run, when it names a store but lacks its secrets.

        The sandbox stands in only when no store is named: an environment file that did not
        load, or misspelt variable names, must not turn a production run into a sandbox run
        that "pulls" demo orders and exits 0. A `base_url` on loopback (the sandbox served on a
        port, a test double) needs no secrets: no store can be reached through it."""
        vtex = self.settings.vtex
        if vtex.has_credentials or vtex.account == SANDBOX_ACCOUNT or vtex.base_url:
            return None
        missing = [
            name
            for name, secret in (("VTEX_APP_KEY", vtex.app_key), ("VTEX_APP_TOKEN", vtex.app_token))
            if secret is None
        ]
        named_by = self.sources.get("vtex.account", "default")
        where = "VTEX_ACCOUNT" if named_by.startswith("env") else f"[vtex] account in {named_by}"
        return (
            f"{where} names the store {vtex.account!r}, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set: set "
            f"{' and '.join(missing)} in the environment (the built-in sandbox is used only "
            f'when no store is named: unset VTEX_ACCOUNT and leave account = "sandbox")'
        )

    def report_style(self) -> ReportStyle:
        """How the reports speak to their readers (`[report]`)."""
        from importer.report_words import ReportStyle

        report = self.settings.report
        return ReportStyle(report.language, report.timezone)

    def folder(self, name: Literal["inbox", "outbox", "archive", "state"]) -> Path:
        path = getattr(self.settings.folders, name)
        assert isinstance(path, Path)
        return path if path.is_absolute() else self.root / path


def load_settings(
    config: Path | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Read importer.toml (from `config`, else the current folder) and the environment."""
    cwd = cwd or Path.cwd()
    env = os.environ if environ is None else environ
    config_file = config if config is not None else cwd / "importer.toml"
    if config is not None and not config.is_file():
        raise ConfigError(f"{config}: no such configuration file")
    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config_file.is_file():
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: not valid TOML: {exc}") from exc
        for key in _dotted_keys(raw):
            if key in SECRET_KEYS:
                raise ConfigError(
                    f"{config_file}: {key} must not be in the file; set it in the environment "
                    f"as {_env_name_for(key)} instead"
                )
            sources[key] = config_file.name
    for name, dotted, value in _environment_layer(env):
        if _set_dotted(raw, dotted, value):
            sources[_reported_key(dotted)] = f"env {name}"
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, config_file, sources)) from None
    root = config_file.parent.resolve() if config_file.is_file() else cwd.resolve()
    return LoadedSettings(settings, root, config_file if config_file.is_file() else None, sources)


def describe(loaded: LoadedSettings) -> list[tuple[str, str, str]]:
    """(key, value, source) for every setting, secrets masked: what `importer config` prints."""
    rows: list[tuple[str, str, str]] = []
    data = loaded.settings.model_dump(mode="python")
    for key, value in _flatten(data):
        if key in SECRET_KEYS:
            shown = "(not set)" if value is None else "******** (set)"
        else:
            shown = "" if value is None else str(value)
        rows.append((key, shown, loaded.sources.get(key, "default")))
    return rows


def _environment_layer(env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(variable, dotted key, value) to lay over the file, in the order to apply them: the
    IMPORTER__ forms first, so that a named variable (VTEX_ACCOUNT) wins over its prefixed form
    whatever the order of the environment. Empty variables count as unset."""
    prefixed = [
        (name, ".".join(part.lower() for part in name[len(ENV_PREFIX) :].split("__")), value)
        for name, value in sorted(env.items())
        if name.startswith(ENV_PREFIX) and value != ""
    ]
    named = [(name, ENV_NAMES[name], env[name]) for name in ENV_NAMES if env.get(name, "") != ""]
    return prefixed + named


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not dotted.endswith(_WHOLE_TABLES):
            out.extend(_flatten(value, dotted + "."))
        else:
            out.append((dotted, value))
    return out


# A flow's columns and defaults are one setting each (a table of names the ERP chooses): they
# are shown, and their source recorded, as a whole.
_WHOLE_TABLES = (".columns", ".defaults")


def _reported_key(dotted: str) -> str:
    """The key `describe` shows for a dotted key: flows.prices.columns for
    flows.prices.columns.sku_ref."""
    for table in _WHOLE_TABLES:
        head, inside, _ = dotted.partition(table + ".")
        if inside:
            return head + table
    return dotted


def _dotted_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and not dotted.endswith(_WHOLE_TABLES):
            keys.extend(_dotted_keys(value, dotted + "."))
        else:
            keys.append(dotted)
    return keys


def _set_dotted(data: dict[str, Any], key: str, value: str) -> bool:
    """Set `key` in `data`, unless a level above it holds a value rather than a table (the
    file's `watch = 5`): then nothing is set, and validation reports the file's value."""
    parts = key.split(".")
    for part in parts[:-1]:
        inner = data.setdefault(part, {})
        if not isinstance(inner, dict):
            return False
        data = inner
    data[parts[-1]] = value
    return True


def _may_hold_a_secret(key: str) -> bool:
    """Values under [vtex] (and anything named like a key or token) are never echoed: a
    misspelt `app_token` would otherwise print the token in an error message."""
    lowered = key.lower()
    return lowered.startswith("vtex") or any(
        word in lowered for word in ("key", "token", "secret", "password")
    )


def _env_name_for(key: str) -> str:
    for name, dotted in ENV_NAMES.items():
        if dotted == key:
            return name
    return ENV_PREFIX + "__".join(p.upper() for p in key.split("."))


def _source_of(key: str, sources: Mapping[str, str]) -> str | None:
    """Where the value at `key` (a validation error's location) came from: its own source, the
    table it is in (flows.prices.columns.sku_ref.0), or what was set inside it (a misspelt
    section from IMPORTER__WACH__SETTLE_S)."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in sources:
            return sources[".".join(parts[:end])]
    inside = sorted({source for dotted, source in sources.items() if dotted.startswith(key + ".")})
    return ", ".join(inside) or None


def _explain(exc: ValidationError, config_file: Path, sources: Mapping[str, str]) -> str:
    lines = [f"{config_file.name}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        line = f"  {key}: {err['msg']}"
        if not _may_hold_a_secret(key):
            line += f" (got {err.get('input')!r})"
        source = _source_of(key, sources)
        lines.append(line if source is None else f"{line} [{source}]")
    return "\n".join(lines)
