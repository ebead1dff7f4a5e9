"""Configuration (pydantic-settings): built once by the command line and passed in.

Sources, strongest first: values given to the constructor (the command line's flags),
`OPENCCC_*` environment variables, the TOML file named by `OPENCCC_CONFIG`, defaults.
"""

import getpass
import os
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir
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

    hash_workers: int = Field(default=2, ge=1, le=32)
    bulk_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    bulk_max_rows: int = Field(default=200_000, gt=0)

    @field_validator("import_dir", "export_dir", "log_file", mode="after")
    @classmethod
    def _per_user(cls, path: Path) -> Path:
        """`{user}` in a path is the operating-system user running the app, so one settings
        file gives each staff member their own exchange folder and log (TERM-6)."""
        text = str(path)
        return Path(text.replace("{user}", getpass.getuser())) if "{user}" in text else path

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
        config_file = os.environ.get("OPENCCC_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)
