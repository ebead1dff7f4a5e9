"""STAFF-6: staff TOTP secrets are stored encrypted with the configured key, never in the
database itself; rows from before are encrypted by the data step of `db upgrade`; staff
sign-in says why it cannot work when the key is missing or wrong."""

import os
import stat
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import text
from sqlmodel import select

from openccc_tui.config import Settings, add_setting
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.credentials import totp_secrets
from openccc_tui.services.credentials.totp_secrets import TotpKeyProblem, seal_plaintext_secrets, unseal
from openccc_tui.services.staff.staff_sign_in import StaffSignInFlow, StaffStep
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, Staff
from tests import factories

ROOT = command_line_actor("root")
PASSWORD = "Staff#Pass99"
OTHER_KEY = SecretStr(totp_secrets.new_key())


def stored(runtime, username: str = "cory") -> str:
    """The column as the database holds it, read with plain SQL."""
    with runtime.engine.connect() as connection:
        return connection.execute(text("SELECT totp_secret FROM staff WHERE username = :u"), {"u": username}).scalar()


def enrol(runtime, username: str = "cory") -> str:
    """Sign in for the first time: the enrolment URI's secret confirms with a code; returns it."""
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials(username, PASSWORD) is StaffStep.ENROL
    secret = pyotp.parse_uri(flow.enrolment_uri).secret
    assert flow.submit_code(pyotp.TOTP(secret).at(runtime.clock())) is StaffStep.AGREEMENT
    return secret


def sign_in(runtime, secret: str, username: str = "cory") -> StaffSignInFlow:
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials(username, PASSWORD)
    if flow.step is StaffStep.CODE:
        flow.submit_code(pyotp.TOTP(secret).at(runtime.clock().timestamp() + 30))
    return flow


def without_key(runtime, key: SecretStr | None = None):
    runtime.settings = runtime.settings.model_copy(update={"totp_key": key})
    return runtime


def test_staff_6_the_database_never_holds_the_base32_secret_and_sign_in_works(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    secret = enrol(runtime)
    raw = stored(runtime)
    assert raw.startswith("v1:") and secret not in raw and secret.lower() not in raw.lower()
    assert unseal(raw, runtime.settings.totp_key) == secret
    if runtime.engine.dialect.name == "sqlite":
        database = Path(runtime.engine.url.database)
        data = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert secret.encode() not in data
    assert sign_in(runtime, secret).step is StaffStep.AGREEMENT


def test_staff_6_a_plaintext_row_is_encrypted_by_the_upgrade_step_and_still_signs_in(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")
    secret = pyotp.random_base32()
    with write_session(runtime.engine) as session:
        session.exec(select(Staff).where(Staff.username == "cory")).one().totp_secret = secret  # before STAFF-6
    assert sign_in(runtime, secret).step is StaffStep.DONE  # a row not yet encrypted still works
    assert seal_plaintext_secrets(runtime, ROOT) == 1
    raw = stored(runtime)
    assert raw.startswith("v1:") and secret not in raw and unseal(raw, runtime.settings.totp_key) == secret
    assert seal_plaintext_secrets(runtime, ROOT) == 0
    later = runtime.clock() + timedelta(minutes=2)  # a new code: the last one was used
    runtime.clock = lambda: later
    assert sign_in(runtime, secret).step is StaffStep.DONE
    with read_session(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.totp.encrypt")).one()
    assert (event.actor, event.detail) == ("cli:root", "1 secret(s) encrypted") and secret not in event.detail


def test_staff_6_plaintext_rows_without_a_key_are_left_and_named(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    with write_session(runtime.engine) as session:
        session.exec(select(Staff).where(Staff.username == "cory")).one().totp_secret = "JBSWY3DPEHPK3PXP"
    with pytest.raises(TotpKeyProblem, match=r"^1 staff authenticator secret\(s\) are stored in plaintext and"):
        seal_plaintext_secrets(without_key(runtime), ROOT)
    assert stored(runtime) == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(("key", "reason"), [(None, "the settings have no totp_key"), (OTHER_KEY, "is not the key")])
def test_staff_6_sign_in_says_why_it_cannot_work_without_the_right_key(runtime, key, reason):
    factories.staff_actor(runtime, "cory", "creator")
    without_key(runtime, key)
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials("cory", PASSWORD) is StaffStep.CREDENTIALS
    assert flow.message.startswith("Staff sign-in is unavailable on this terminal") and reason in flow.message
    assert totp_secrets.sign_in_problem(runtime) == flow.message
    with read_session(runtime.engine) as session:
        assert session.exec(select(Staff)).one().failed_attempts == 0  # nobody's fault: nothing is counted


@pytest.mark.parametrize(("key", "reason"), [(None, "the settings have no totp_key"), (OTHER_KEY, "is not the key")])
def test_staff_6_no_staff_is_added_without_the_key_of_the_secrets_already_there(runtime, key, reason):
    factories.staff_actor(runtime, "cory", "creator")
    without_key(runtime, key)
    with pytest.raises(TotpKeyProblem, match=reason):
        factories.staff_actor(runtime, "cathy", "creator")
    with read_session(runtime.engine) as session:
        assert [s.username for s in session.exec(select(Staff))] == ["cory"]


def test_staff_6_totp_key_must_be_a_key():
    with pytest.raises(ValidationError, match="not a key: 32 bytes in URL-safe base64"):
        Settings(totp_key="hunter2")
    assert Settings(totp_key=totp_secrets.new_key()).totp_key is not None


def test_staff_6_a_new_settings_file_is_owner_only_and_an_existing_one_loses_access_by_others(tmp_path):
    new = tmp_path / "etc" / "openccc.toml"
    add_setting(new, "totp_key", "k1")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    existing = tmp_path / "shared.toml"
    existing.write_text('database_url = "sqlite:///x.db"')
    os.chmod(existing, 0o664)
    add_setting(existing, "totp_key", "k2")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_text() == 'database_url = "sqlite:///x.db"\ntotp_key = "k2"\n'
