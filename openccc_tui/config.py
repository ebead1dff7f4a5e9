"""Configuration (pydantic-settings): built once by the command line and passed in.

Sources, strongest first: values given to the constructor (the command line's flags),
`OPENCCC_*` environment variables, the settings file (the TOML file named by
`OPENCCC_CONFIG`, else `openccc.toml` in the user configuration folder when it exists),
defaults.
"""

import base64
import binascii
import os
import stat
import tomllib
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir, user_log_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from openccc_tui.domain.policy import ProfileName

APP_NAME = "openccc-tui"


def default_database_url() -> str:
    return f"sqlite:///{Path(user_data_dir(APP_NAME)) / 'openccc.db'}"


def settings_file() -> Path:
    """The settings file: the one named by `OPENCCC_CONFIG`, else the user's own."""
    named = os.environ.get("OPENCCC_CONFIG")
    return Path(named) if named else Path(user_config_dir(APP_NAME)) / "openccc.toml"


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
    model_config = SettingsConfigDict(env_prefix="OPENCCC_", extra="forbid")

    database_url: str = Field(default_factory=default_database_url)
    policy_profile: ProfileName = ProfileName.OPENCCC
    staff_idle_timeout_seconds: int = Field(default=900, gt=0)
    kiosk_idle_timeout_seconds: int = Field(default=180, gt=0)
    import_dir: Path = Field(default_factory=Path.cwd)
    export_dir: Path = Field(default_factory=Path.cwd)
    log_file: Path = Field(default_factory=lambda: Path(user_log_dir(APP_NAME)) / "openccc-tui.log")

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
        config_file = settings_file()
        if os.environ.get("OPENCCC_CONFIG") or config_file.exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)
