"""Support look-up (REC-4, STAFF-4), audit log (STAFF-5), staff access (STAFF-2) and the
tracking sheet (TRACK-1) through their screens, by keyboard."""

import pytest
from sqlmodel import select

from openccc_tui.app import Mode
from openccc_tui.screens.staff.support import UpdateEmailDialog
from openccc_tui.services import notify
from openccc_tui.services.staff import support
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit
from tests.screens.console_helpers import settled
from tests.screens.staff_helpers import open_console

pytestmark = pytest.mark.usefixtures("numbered_cccids")


async def dialog_done(pilot):
    """Wait for the open dialog's own work; the page under it still waits for its answer."""
    screen = pilot.app.screen
    await pilot.pause()
    own = [w for w in pilot.app.workers if w.node is screen]
    if own:  # an empty list would mean every worker, the page's included
        await pilot.app.workers.wait_for_complete(own)
    await pilot.pause()


async def open_account(app, pilot, cccid):
    """Sign in as support, find the account by CCCID and open it."""
    await open_console(app, pilot, "sam", "support", page="support")
    await submit(pilot, cccid)
    await pilot.press("enter")
    await settled(pilot)


def text_of(screen, selector):
    return str(screen.query_one(selector).render())


async def test_rec_4_find_by_email_and_open_the_account(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "sam", "support")
        await pilot.press("l")
        await pilot.press("tab")
        await submit(pilot, "WINNIE@test.com")
        assert "1 account(s) found" in text_of(app.screen, "#page-message")
        await pilot.press("enter")
        await settled(pilot)
        lines = [str(w.render()) for w in app.screen.query("#account-lines Verbatim")]
        assert any(line.startswith("CCCID") and student.cccid in line for line in lines)
        assert any(line.startswith("User name") and "winnie@test.com" in line for line in lines)
        assert not any("argon2" in line or "Hunny#Pot9" in line for line in lines)


async def test_staff_4_one_time_password_from_the_account_screen(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(app, pilot, student.cccid)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("tab", "enter")  # "Cancel" has the focus; Tab moves to "Send"
        await settled(pilot)
        assert text_of(app.screen, "#page-message") == "A one-time password was sent to w****e@test.com."
    messages = notify.recent(sqlite_runtime, to="winnie@test.com")
    assert len(messages) == 1 and "One-time password:" in (messages[0].body or "")


async def test_rec_4_email_update_from_the_account_screen(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(app, pilot, student.cccid)
        await pilot.press("e")
        await pilot.pause()
        await fill(
            pilot,
            {
                "#new-email": "w.pooh@home.org",
                "#confirm-email": "w.pooh@home.org",
                "#verification-note": "photo ID at the counter",
            },
        )
        await pilot.press("tab", "tab", "space", "tab", "tab", "enter")
        await settled(pilot)
        assert "Email updated" in text_of(app.screen, "#page-message")
    with read_session(sqlite_runtime.engine) as session:
        assert session.exec(select(StudentAccount)).one().email == "w.pooh@home.org"


async def test_acc_3_email_update_dialog_refuses_another_students_address(make_app, sqlite_runtime, student):
    factories.stored_student(sqlite_runtime, cccid="OTH0001", email="other@test.com", email_validated=True)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(app, pilot, student.cccid)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"other@test.com", "tab", *"other@test.com", "tab", "space", "tab", *"phone call", "tab")
        await pilot.press("enter")
        await dialog_done(pilot)
        assert isinstance(app.screen, UpdateEmailDialog)
        assert text_of(app.screen, "#email-message") == "Not updated: A user already exists with email: other@test.com."
    with read_session(sqlite_runtime.engine) as session:
        mine = session.exec(select(StudentAccount).where(StudentAccount.cccid == student.cccid)).one()
    assert mine.email == "winnie@test.com"


async def test_acc_9_email_update_dialog_takes_the_address_twice(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_account(app, pilot, student.cccid)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"w.pooh@home.org", "tab", *"w.pooh@home.com", "tab", "space", "tab", *"phone call", "tab")
        await pilot.press("enter")
        await dialog_done(pilot)
        assert isinstance(app.screen, UpdateEmailDialog)
        assert text_of(app.screen, "#confirm-email-error") == "does not match the email entered above"
        assert app.screen.focused is not None and app.screen.focused.id == "confirm-email"
    with read_session(sqlite_runtime.engine) as session:
        assert session.exec(select(StudentAccount)).one().email == "winnie@test.com"


async def test_staff_5_audit_log_filters_by_action(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", page="audit_log")
        await settled(pilot)
        await pilot.press("tab", "tab")
        await submit(pilot, "account.create")
        assert text_of(app.screen, "#page-message") == "Events 1–1 of 1, newest first."
        await pilot.press("f5")
        await settled(pilot)
        assert "written to" in text_of(app.screen, "#page-message")
    assert list(sqlite_runtime.settings.export_dir.glob("audit-861-*.csv"))


async def test_staff_2_director_approves_and_grants_from_staff_access(make_app, sqlite_runtime):
    factories.staff_actor(sqlite_runtime, "newbie", "creator", approved=False)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", page="staff_access")
        await settled(pilot)
        await pilot.press("down")  # dana, newbie: newbie is second
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("tab", "enter")  # approving asks first: "Cancel" has the focus, Tab moves to "Approve"
        await settled(pilot)
        assert text_of(app.screen, "#page-message") == "newbie approved."
        await pilot.press("2")
        await settled(pilot)
        assert text_of(app.screen, "#page-message") == "support granted for newbie."
        await pilot.press("up", "3")
        await settled(pilot)
        assert "own access" in text_of(app.screen, "#page-message")


async def test_track_1_export_csv_from_the_screen(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cathy", "creator", page="tracking")
        await pilot.press("tab", "tab", "enter", "up", "enter")  # format: CSV
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "enter")  # password (unused for CSV), Show, Export
        await settled(pilot)
        assert "1 account(s) written to" in text_of(app.screen, "#page-message")
    (path,) = sqlite_runtime.settings.export_dir.glob("tracking-861-*.csv")
    assert student.cccid in path.read_text(encoding="utf-8-sig")


async def test_track_1_creator_records_a_hand_over_from_the_tracking_sheet(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cathy", "creator", page="tracking")
        app.screen.query_one("#show").press()
        await settled(pilot)
        assert text_of(app.screen, "#page-message") == "1 account(s) created in the range."
        app.screen.query_one("#tracking-rows").focus()
        await pilot.press("enter")
        await pilot.pause()
        await fill(pilot, {"#handover-note": "given at intake desk"})
        await pilot.press("tab", "tab", "enter")
        await settled(pilot)
    view = support.get_account(
        sqlite_runtime, factories.staff_actor(sqlite_runtime, "sam", "support"), student.account_id
    )
    assert view.credentials_note == "given at intake desk" and view.credentials_given_at is not None


async def test_staff_2_pages_the_role_does_not_allow_do_not_open(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "sam", "support")
        for key in ("a", "m", "t", "g", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == "StaffHomeScreen"
        app.open_staff_page("add_user")
        await pilot.pause()
        assert type(app.screen).__name__ == "StaffHomeScreen"


@pytest.mark.parametrize(
    ("roles", "page"),
    [
        (("support",), "support"),
        (("director",), "audit_log"),
        (("director",), "staff_access"),
        (("creator",), "tracking"),
    ],
)
def test_staff_page_snapshots_80x24(make_app, snap_compare, sqlite_runtime, student, roles, page):
    async def opened(pilot):
        await open_console(pilot.app, pilot, "dana", *roles, page=page)
        await settled(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=opened)


def test_account_screen_snapshot_80x24(make_app, snap_compare, student):
    async def opened(pilot):
        await open_account(pilot.app, pilot, student.cccid)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=opened)
