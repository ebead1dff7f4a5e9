from pathlib import Path

import pytest
from pydantic import ValidationError

from openccc_tui.config import ConfigurationError, Settings, load_settings
from openccc_tui.domain.policy import ProfileName


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("OPENCCC_DATABASE_URL", "OPENCCC_CONFIG", "OPENCCC_POLICY_PROFILE", "OPENCCC_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("openccc.db")
    assert settings.policy_profile is ProfileName.OPENCCC
    assert settings.kiosk_idle_timeout_seconds == 180
    assert settings.hash_workers == 2
    assert settings.bulk_max_bytes == 50 * 1024 * 1024 and settings.bulk_max_rows == 200_000
    assert not settings.smtp_configured


def test_toml_file_then_environment_then_arguments(tmp_path, monkeypatch):
    config = tmp_path / "openccc.toml"
    config.write_text(
        'policy_profile = "nist"\nsmtp_host = "mail.college.edu"\nsmtp_port = 25\nexport_dir = "/srv/exports"\n'
    )
    monkeypatch.setenv("OPENCCC_CONFIG", str(config))
    settings = Settings()
    assert settings.policy_profile is ProfileName.NIST and settings.smtp_port == 25
    assert settings.export_dir == Path("/srv/exports") and settings.smtp_configured
    monkeypatch.setenv("OPENCCC_SMTP_PORT", "2525")
    assert Settings().smtp_port == 2525
    assert Settings(smtp_port=465).smtp_port == 465


def test_environment_names_the_database():
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_unknown_profile_and_unknown_keys_are_refused(monkeypatch):
    monkeypatch.setenv("OPENCCC_POLICY_PROFILE", "lax")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("OPENCCC_POLICY_PROFILE")
    with pytest.raises(ValidationError):
        Settings(colour="blue")  # type: ignore[call-arg]  # the unknown key is what is tested


def test_smtp_password_is_not_shown_in_repr():
    settings = Settings(smtp_password="hunter2")
    assert "hunter2" not in repr(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "hunter2"


def test_term_6_user_in_a_folder_is_the_user_running_the_app(tmp_path, monkeypatch):
    config = tmp_path / "openccc.toml"
    config.write_text(
        'import_dir = "/srv/openccc-tui/exchange/{user}"\nexport_dir = "/srv/openccc-tui/exchange/{user}"\n'
        'log_file = "/var/log/openccc-tui/{user}.log"\n'
    )
    monkeypatch.setenv("OPENCCC_CONFIG", str(config))
    monkeypatch.setattr("getpass.getuser", lambda: "cory")
    settings = Settings()
    assert settings.import_dir == settings.export_dir == Path("/srv/openccc-tui/exchange/cory")
    assert settings.log_file == Path("/var/log/openccc-tui/cory.log")


def test_term_5_paths_may_start_with_each_users_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(log_file="~/logs/openccc.log", import_dir="~/in", export_dir="~/out")
    assert settings.log_file == tmp_path / "logs" / "openccc.log"
    assert (settings.import_dir, settings.export_dir) == (tmp_path / "in", tmp_path / "out")


def test_term_5_settings_problems_are_one_line_configuration_errors(monkeypatch, tmp_path):
    config = tmp_path / "openccc.toml"
    config.write_text("staff_idle_timeout_seconds = -5\n")
    monkeypatch.setenv("OPENCCC_CONFIG", str(config))
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert str(refused.value) == (
        f"configuration staff_idle_timeout_seconds: Input should be greater than 0; correct the settings file {config}"
    )
    monkeypatch.setenv("OPENCCC_STAFF_IDLE_TIMEOUT_SECONDS", "0")
    with pytest.raises(ConfigurationError, match="correct OPENCCC_STAFF_IDLE_TIMEOUT_SECONDS$"):
        load_settings()
