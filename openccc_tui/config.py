"""Configuration (pydantic-settings): built once by the command line and passed in.

Sources, strongest first: values given to the constructor (the command line's flags),
`OPENCCC_*` environment variables, the settings file (the TOML file named by
`OPENCCC_CONFIG`, else `openccc.toml` in the user configuration folder when it exists),
defaults. A settings file that is missing, unreadable or not TOML, and a value that is not
valid, raise `ConfigurationError` with one line saying what to fix (SPEC TERM-5).
"""

import base64
import binascii
import getpass
import os
import pwd
import stat
import tomllib
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir, user_log_dir
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from openccc_tui.config_error import ConfigurationError as ConfigurationError
from openccc_tui.domain.policy import ProfileName

APP_NAME = "openccc-tui"
CONFIG_VARIABLE = "OPENCCC_CONFIG"
ENV_PREFIX = "OPENCCC_"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def default_database_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "openccc.db"


def default_log_file() -> Path:
    """Each user's own log (`~/.local/state/openccc-tui/log/` on Linux): several users of one
    host never share a file unless `log_file` names a shared one."""
    return Path(user_log_dir(APP_NAME)) / "openccc-tui.log"


class SettingsFile(TomlConfigSettingsSource):
    """The settings file (named by OPENCCC_CONFIG, else the user's own when it exists); unlike
    pydantic-settings' own source, a file that is named but missing or unreadable is an error,
    not silently no settings."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        try:
            if not path.is_file():
                if not os.environ.get(CONFIG_VARIABLE):
                    raise ConfigurationError(f"the settings file {path} is not a file: make it one or remove it")
                raise ConfigurationError(
                    f"the settings file {path} named by {CONFIG_VARIABLE} does not exist or is not a file: "
                    f"create it or correct {CONFIG_VARIABLE}"
                )
        except PermissionError:
            raise _unreadable(path) from None
        super().__init__(settings_cls, toml_file=path)

    def _read_file(self, file_path: Path) -> dict[str, Any]:  # type: ignore[override]
        try:
            with open(file_path, "rb") as file:
                return tomllib.load(file)
        except PermissionError:
            raise _unreadable(file_path) from None
        except OSError as error:
            raise ConfigurationError(f"cannot read the settings file {file_path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigurationError(f"the settings file {file_path} is not UTF-8 text: save it as UTF-8") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"the settings file {file_path} is not valid TOML: {error}: correct it") from None


def _unreadable(path: Path) -> ConfigurationError:
    return ConfigurationError(
        f"cannot read the settings file {path}: permission denied: make it readable by this user "
        f"({_user()}), for example through a group both share (chgrp GROUP {path}; chmod 640 {path})"
    )


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def settings_file() -> Path:
    """The settings file: the one named by `OPENCCC_CONFIG`, else the user's own."""
    named = os.environ.get(CONFIG_VARIABLE)
    return Path(named) if named else Path(user_config_dir(APP_NAME)) / "openccc.toml"


def _settings_file_in_use() -> Path | None:
    """The settings file read: the named one (which must exist), else the user's own if any."""
    config_file = settings_file()
    if os.environ.get(CONFIG_VARIABLE):
        return config_file
    try:
        return config_file if config_file.exists() else None
    except PermissionError:
        raise _unreadable(config_file) from None


def add_setting(path: Path, name: str, value: str) -> None:
    """Add `name = "value"` to the settings file, which may then hold a key (STAFF-6): a new
    file is created readable by its owner only (0600); an existing one keeps its owner and
    group (the accounts that run the app read it) and loses any access by others."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(isinstance(v, dict) for v in tomllib.loads(existing).values()):
        raise ValueError(f"{path} has [tables], which the settings never use: add {name} to it by hand")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        os.fchmod(descriptor, stat.S_IMODE(os.fstat(descriptor).st_mode) & 0o640)
        separator = "\n" if existing and not existing.endswith("\n") else ""
        file.write(f'{separator}{name} = "{value}"\n')
        file.flush()
        os.fsync(descriptor)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    database_url: str = Field(default_factory=default_database_url)
    database_group: str | None = None
    """A group that shares a SQLite database: its files are made 0660 and a folder made for
    it 2770 (setgid); without it, 0600 and 0700."""
    policy_profile: ProfileName = ProfileName.OPENCCC
    staff_idle_timeout_seconds: int = Field(default=900, gt=0)
    kiosk_idle_timeout_seconds: int = Field(default=180, gt=0)
    import_dir: Path = Field(default_factory=Path.cwd)
    export_dir: Path = Field(default_factory=Path.cwd)
    log_file: Path = Field(default_factory=default_log_file)

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "no-reply@openccc.invalid"

    ssn_hash_key: SecretStr | None = None
    """The key of the SSN last-4 hashes (REC-3); without it no SSN digits are taken at all."""
    totp_key: SecretStr | None = None
    """The key that encrypts staff TOTP secrets (STAFF-6), never kept in the database: 32
    random bytes in URL-safe base64 (a Fernet key). `openccc-tui init` writes one."""

    hash_workers: int = Field(default=2, ge=1, le=32)
    bulk_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    bulk_max_rows: int = Field(default=200_000, gt=0)

    letter_password_days: int = Field(default=30, ge=1, le=365)
    """How long the one-time password of a hand-over letter works (TRACK-2)."""
    letter_fonts: list[Path] = Field(default_factory=list)
    """Font files for hand-over letters: the regular face, the bold face, then fallbacks for
    scripts they lack; empty uses DejaVu Sans and, when installed, Noto Sans CJK."""

    @field_validator("import_dir", "export_dir", "log_file", mode="after")
    @classmethod
    def _per_user(cls, path: Path) -> Path:
        """`{user}` in a path is the operating-system user running the app, so one settings
        file gives each staff member their own exchange folder and log (TERM-6)."""
        text = str(path)
        return Path(text.replace("{user}", getpass.getuser())) if "{user}" in text else path

    @field_validator("totp_key")
    @classmethod
    def _totp_key_is_a_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                raw = base64.urlsafe_b64decode(value.get_secret_value().encode("ascii"))
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError("not a key: 32 bytes in URL-safe base64, as `openccc-tui init` writes")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _settings_file_in_use()
        if config_file is not None:
            sources.append(SettingsFile(settings_cls, config_file))
        return tuple(sources)

    @field_validator("import_dir", "export_dir", "log_file", mode="after")
    @classmethod
    def _expand_home(cls, path: Path) -> Path:
        """`~` is each user's home: one shared settings file can name per-user files."""
        return path.expanduser()

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)


def load_settings(**overrides: Any) -> Settings:
    """The settings, or a ConfigurationError whose one line names the setting and its source."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        message = " ".join(str(first["msg"]).split())
        raise ConfigurationError(f"configuration {name}: {message}; {_source_of(name, overrides)}") from None


def _source_of(name: str, overrides: dict[str, Any]) -> str:
    variable = f"{ENV_PREFIX}{name.upper()}"
    config_file = _settings_file_in_use()
    if name in overrides:
        return "correct the command line"
    if variable in os.environ:
        return f"correct {variable}"
    if config_file:
        return f"correct the settings file {config_file}"
    return "correct the settings"
