"""CODE-1/CODE-2: an expired code or one-time password leaves the outbox although nobody
reads the outbox: after the next send, before a code is checked, at a command's start,
and every minute while the app or a long command runs. Checked in the raw table."""

import io
import re
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.cli import main
from openccc_tui.services import notify
from openccc_tui.services.credentials import codes
from openccc_tui.services.credentials.codes import Destination, Purpose
from openccc_tui.services.credentials.one_time_password import send_one_time_password
from openccc_tui.services.records import saved_id
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import StudentAccount
from tests import factories
from tests.conftest import NOW, TOTP_KEY
from tests.screens.conftest import SIZE

EMAIL = Destination("email", "winnie@test.com")
OTHER = Destination("email", "tigger@test.com")


def raw_bodies(runtime) -> list[str | None]:
    """The outbox as stored, read with plain SQL: no service call that could purge."""
    with runtime.engine.connect() as connection:
        return list(connection.execute(text("SELECT body FROM outbox_message ORDER BY id")).scalars())


def add_account(runtime, cccid: str, email: str) -> int:
    with write_session(runtime.engine) as session:
        account = factories.account(cccid=cccid, email=email)
        session.add(account)
        session.flush()
        return saved_id(account)


def at(runtime, moment) -> None:
    runtime.clock = lambda: moment


def test_code_2_an_expired_code_leaves_the_outbox_at_the_next_send_without_smtp(runtime):
    first = add_account(runtime, "AAA0001", EMAIL.address)
    second = add_account(runtime, "AAA0002", OTHER.address)
    codes.issue(runtime, first, EMAIL, Purpose.VALIDATE_CONTACT)
    (body,) = raw_bodies(runtime)
    assert body is not None and re.search(r"\b\d{6}\b", body)
    at(runtime, NOW + timedelta(minutes=9))
    codes.issue(runtime, second, OTHER, Purpose.VALIDATE_CONTACT)
    assert all(raw_bodies(runtime)), "a code still valid stays"
    at(runtime, NOW + timedelta(minutes=10, seconds=1))
    codes.issue(runtime, second, OTHER, Purpose.RECOVER)
    first_body, second_body, third_body = raw_bodies(runtime)
    assert first_body is None and second_body and third_body


def test_code_1_checking_any_code_purges_the_expired_ones(runtime):
    first = add_account(runtime, "AAA0001", EMAIL.address)
    second = add_account(runtime, "AAA0002", OTHER.address)
    codes.issue(runtime, first, EMAIL, Purpose.VALIDATE_CONTACT)
    at(runtime, NOW + timedelta(minutes=5))
    challenge = codes.issue(runtime, second, OTHER, Purpose.VALIDATE_CONTACT)
    at(runtime, NOW + timedelta(minutes=12))
    codes.verify(runtime, challenge, "000000")
    assert raw_bodies(runtime)[0] is None and raw_bodies(runtime)[1] is not None


def test_rec_2_an_expired_one_time_password_leaves_the_outbox_at_the_next_delivery(runtime):
    account_id = add_account(runtime, "AAA0001", EMAIL.address)
    with write_session(runtime.engine) as session:
        account = session.get(StudentAccount, account_id)
        assert account is not None
        send_one_time_password(session, runtime, account)
    notify.deliver_pending(runtime)
    assert raw_bodies(runtime)[0]
    at(runtime, NOW + timedelta(hours=24, seconds=1))
    assert notify.deliver_pending(runtime) == 0
    assert raw_bodies(runtime) == [None]


def queue_expired(runtime, body: str = "Your code is 482915") -> None:
    with write_session(runtime.engine) as session:
        notify.queue(
            session,
            runtime,
            channel="email",
            to=EMAIL.address,
            subject="Code",
            body=body,
            secret_until=runtime.clock() - timedelta(seconds=1),
        )


def test_code_2_the_background_purger_empties_expired_bodies_until_stopped(runtime):
    queue_expired(runtime)
    with notify.Purger(runtime, every=0.05) as purger:
        deadline = time.monotonic() + 10
        while raw_bodies(runtime) != [None] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert raw_bodies(runtime) == [None]
    assert not purger.running
    queue_expired(runtime)
    time.sleep(0.2)
    assert raw_bodies(runtime) == [None, "Your code is 482915"], "a stopped purger does nothing more"


async def test_code_2_the_running_app_purges_expired_bodies_every_interval(runtime, monkeypatch):
    monkeypatch.setattr("openccc_tui.app.OUTBOX_PURGE_SECONDS", 0.1)
    app = OpenCCCApp(runtime, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        queue_expired(runtime)
        for _ in range(100):
            await pilot.pause(0.05)
            if raw_bodies(runtime) == [None]:
                break
        assert raw_bodies(runtime) == [None]


def test_code_2_every_command_purges_at_its_start(database_url, runtime, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("OPENCCC_LOG_FILE", str(tmp_path / "cli.log"))
    monkeypatch.setenv("OPENCCC_TOTP_KEY", TOTP_KEY)  # staff add stores the new secret encrypted (STAFF-6)
    with write_session(runtime.engine) as session:
        session.add(factories.college("861"))
    queue_expired(runtime)
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng#Pass\n"))
    argv = [
        "staff",
        "add",
        "cory",
        "--college",
        "861",
        "--roles",
        "creator",
        "--name",
        "Cory",
        "--password-stdin",
        "--db",
        database_url,
    ]
    assert main(argv) == 0, capsys.readouterr().err
    assert raw_bodies(runtime) == [None]


def test_code_2_a_purged_body_does_not_stay_in_the_sqlite_file(tmp_path, sqlite_runtime):
    queue_expired(sqlite_runtime, body="Your code is 739164")
    notify.purge_expired_bodies(sqlite_runtime)
    with sqlite_runtime.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    sqlite_runtime.engine.dispose()
    stored = b"".join(path.read_bytes() for path in Path(tmp_path).glob("openccc.db*"))
    assert b"739164" not in stored
