"""TERM-6: from a student's account, support opens the messages sent to the student and reads
a kiosk student's code out whole, by keyboard, at 80×24."""

import os
import time
from datetime import timedelta

import pytest

from openccc_tui.app import Mode
from openccc_tui.screens.staff.messages import StudentMessagesScreen
from openccc_tui.services import account_creation, notify
from openccc_tui.store.engine import write_session
from openccc_tui.widgets.verbatim import Verbatim
from tests import factories
from tests.conftest import NOW
from tests.screens.conftest import SIZE, settle
from tests.screens.console_helpers import settled
from tests.screens.test_staff_pages import open_account


@pytest.fixture(autouse=True)
def utc_zone():
    """Times are shown in the terminal's local zone; the snapshot is taken in UTC."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def student(sqlite_runtime, monkeypatch):
    monkeypatch.setattr("openccc_tui.store.account_rows.new_cccid", lambda: "STU1000")
    creator = factories.staff_actor(sqlite_runtime, "cory", "creator")
    created = account_creation.add_user(sqlite_runtime, creator, factories.STUDENT_FORM, permission_reference="form 7")
    with write_session(sqlite_runtime.engine) as session:
        notify.queue(
            session,
            sqlite_runtime,
            channel="email",
            to="winnie@test.com",
            subject="Your OpenCCC Validation Code",
            body="Your Validation Code is 482913. It is valid for 10 minutes.",
            secret_until=NOW + timedelta(minutes=10),
        )
    return created


async def test_term_6_support_reads_the_code_from_the_account_page(make_app, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(app, pilot, student.cccid)
        await pilot.press("m")
        await settled(pilot)
        assert isinstance(app.screen, StudentMessagesScreen)
        shown = "\n".join(str(w.render()) for w in app.screen.query("#message-list Verbatim"))
        assert "Your Validation Code is 482913." in shown and "email to winnie@test.com" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StudentMessagesScreen)


def test_term_6_messages_page_snapshot_80x24(make_app, snap_compare, student):

    async def opened(pilot):
        await open_account(pilot.app, pilot, student.cccid)
        await pilot.press("m")
        await settled(pilot)
        await settle(pilot)
        assert pilot.app.screen.query(Verbatim)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=opened)
