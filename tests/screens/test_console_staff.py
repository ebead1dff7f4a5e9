"""Issue 16, points 6, 7 and 8 through the real screens at 80×24: the audit page's true
count and pages (STAFF-5), failed sign-ins under unknown names and the whole agreement in
it, lockouts shown and ended by a director who is asked first (STAFF-2), and a replayed
authenticator code told apart without counting toward the lock (STAFF-1)."""

from datetime import timedelta

import pyotp
from sqlmodel import col, select
from textual.widgets import DataTable

from openccc_tui.app import Mode
from openccc_tui.screens.dialogs import ConfirmDialog
from openccc_tui.screens.staff.audit_log import AuditLogScreen
from openccc_tui.screens.staff.home import StaffHomeScreen
from openccc_tui.screens.staff.staff_access import StaffAccessScreen
from openccc_tui.services import audit
from openccc_tui.services.staff.staff_sign_in import AGREEMENT, CODE_JUST_USED
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, Staff
from tests import factories
from tests.screens.conftest import SIZE, settle
from tests.screens.console_helpers import settled, until
from tests.screens.staff_helpers import open_console

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def message(app) -> str:
    return str(app.screen.query_one("#page-message").render())


def cells(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def staff_row(runtime, username: str) -> Staff:
    with read_session(runtime.engine) as session:
        return session.exec(select(Staff).where(Staff.username == username)).one()


def actions(runtime) -> list[tuple[str, str, str]]:
    with read_session(runtime.engine) as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [(row.actor, row.action, row.detail) for row in rows]


def numbered_rows(app) -> list[int]:
    """The numbers of the events `add_events` wrote, as the page shows them."""
    return [int(row[4].removeprefix("row ")) for row in cells(app, "#audit-rows") if row[4].startswith("row ")]


def add_events(runtime, director, count: int) -> None:
    events = [audit.event(runtime, director, "account.create", detail=f"row {n}") for n in range(count)]
    with write_session(runtime.engine) as session:
        audit.record_all(session, events)


async def test_staff_5_the_audit_page_shows_the_true_count_and_pages_through_it(make_app, sqlite_runtime):
    colleague = factories.staff_actor(sqlite_runtime, "dora", "director")  # dana signs in below
    add_events(sqlite_runtime, colleague, 250)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", page="audit_log")
        await settled(pilot)
        assert isinstance(app.screen, AuditLogScreen)
        assert app.screen.page is not None
        total = app.screen.page.total
        assert total > 250  # and the staff.create events of the setting up
        assert message(app) == f"Events 1–100 of {total}, newest first. n: older"
        first_page = numbered_rows(app)
        assert first_page[0] == 249 and len(cells(app, "#audit-rows")) == 100
        app.screen.query_one("#audit-rows").focus()
        await pilot.press("n")
        await settled(pilot)
        assert message(app) == f"Events 101–200 of {total}, newest first. n: older · p: newer"
        assert numbered_rows(app)[0] == first_page[-1] - 1  # the next older event, none skipped
        await pilot.press("n")
        await settled(pilot)
        assert message(app) == f"Events 201–{total} of {total}, newest first. p: newer"
        await pilot.press("n")  # no older page: nothing happens
        await settled(pilot)
        assert message(app).startswith("Events 201–")
        await pilot.press("p", "p")
        await settled(pilot)
        assert message(app).startswith("Events 1–100 ")
        app.screen.query_one("#audit-action").focus()
        await pilot.press(*"nope", "enter")  # n and p type into a filter as usual
        await settled(pilot)
        assert message(app) == "No event matches."
    assert not app.crashes


async def test_staff_5_unknown_staff_names_and_the_whole_agreement_reach_the_directors_page(make_app, sqlite_runtime):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    with write_session(sqlite_runtime.engine) as session:
        session.exec(select(Staff).where(Staff.username == "cory")).one().totp_secret = SECRET
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nobody", "tab", *"Staff#Pass99", "enter")
        await settled(pilot)
        app.screen.query_one("#staff-username").value = ""
        app.screen.query_one("#staff-username").focus()
        await pilot.press(*"cory", "tab", *"Staff#Pass99", "enter")
        await settled(pilot)
        await pilot.press(*pyotp.TOTP(SECRET).at(sqlite_runtime.clock().timestamp()), "enter")
        await settled(pilot)
        await pilot.press("enter")  # I agree
        await settled(pilot)
        assert isinstance(app.screen, StaffHomeScreen)
        await pilot.press("ctrl+o")
        await settled(pilot)
        await open_console(app, pilot, "dana", "director", page="audit_log")
        await settled(pilot)
        shown = {(row[1], row[2]) for row in cells(app, "#audit-rows")}
        assert ("anonymous", "staff.sign_in.unknown.failed") in shown
        assert ("cory", "staff.agreement.accept") in shown and ("cory", "staff.sign_out") in shown
        assert not any("nobody" in " ".join(row) for row in cells(app, "#audit-rows"))  # the name typed is not kept
    (agreement,) = [d for _, a, d in actions(sqlite_runtime) if a == "staff.agreement.accept"]
    assert agreement == AGREEMENT and len(AGREEMENT) > 200
    assert not app.crashes


async def test_staff_2_a_director_sees_a_lockout_and_ends_it_after_confirming(make_app, sqlite_runtime):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    with write_session(sqlite_runtime.engine) as session:
        cory = session.exec(select(Staff).where(Staff.username == "cory")).one()
        cory.locked_until = sqlite_runtime.clock() + timedelta(minutes=15)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", page="staff_access")
        await settled(pilot)
        assert isinstance(app.screen, StaffAccessScreen)
        rows = cells(app, "#staff-rows")
        assert rows[0][0] == "cory" and rows[0][3].startswith("locked until ")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")  # Cancel: nothing changes
        await until(pilot, lambda: isinstance(app.screen, StaffAccessScreen))
        assert staff_row(sqlite_runtime, "cory").locked_until is not None
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("shift+tab", "enter")  # Unlock
        await until(pilot, lambda: message(app) == "cory can sign in again.")
        await settled(pilot)
        assert cells(app, "#staff-rows")[0][3] == "active"
    assert staff_row(sqlite_runtime, "cory").locked_until is None
    assert ("dana", "staff.unlock", "cory") in actions(sqlite_runtime)
    assert not app.crashes


async def test_staff_2_deactivating_asks_first(make_app, sqlite_runtime):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", page="staff_access")
        await settled(pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        question = str(app.screen.query_one("Static").render())
        assert question == "Deactivate Cory (cory)? They can no longer sign in or act."
        await pilot.press("enter")  # the focus starts on Cancel
        await until(pilot, lambda: isinstance(app.screen, StaffAccessScreen))
        await settled(pilot)
        assert staff_row(sqlite_runtime, "cory").active
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("shift+tab", "enter")
        await until(pilot, lambda: message(app) == "cory deactivated.")
    assert not staff_row(sqlite_runtime, "cory").active


async def test_staff_1_a_replayed_code_is_told_apart_and_does_not_count(make_app, sqlite_runtime):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    code = pyotp.TOTP(SECRET).at(sqlite_runtime.clock().timestamp())
    with write_session(sqlite_runtime.engine) as session:
        cory = session.exec(select(Staff).where(Staff.username == "cory")).one()
        cory.totp_secret = SECRET
        cory.totp_enrolled_at = cory.agreement_accepted_at = sqlite_runtime.clock()
        cory.totp_last_step = int(sqlite_runtime.clock().timestamp() // 30)  # this code was just used
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"cory", "tab", *"Staff#Pass99", "enter")
        await settled(pilot)
        for _ in range(6):  # more than the five failures that lock
            await pilot.press(*code, "enter")
            await settled(pilot)
            assert str(app.screen.query_one("#code-message").render()) == CODE_JUST_USED
        assert app.screen.query_one("#steps").current == "code"
    cory = staff_row(sqlite_runtime, "cory")
    assert cory.failed_attempts == 0 and cory.locked_until is None
    assert [a for _, a, _ in actions(sqlite_runtime)].count("staff.sign_in.code_reused") == 6
    assert not app.crashes


def test_staff_access_with_a_lockout_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    with write_session(sqlite_runtime.engine) as session:
        session.exec(select(Staff).where(Staff.username == "cory")).one().locked_until = (
            sqlite_runtime.clock() + timedelta(minutes=15)
        )

    async def page(pilot):
        await open_console(pilot.app, pilot, "dana", "director", page="staff_access")
        await settled(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=page)


def test_audit_log_paged_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    colleague = factories.staff_actor(sqlite_runtime, "dora", "director")
    add_events(sqlite_runtime, colleague, 120)

    async def page(pilot):
        await open_console(pilot.app, pilot, "dana", "director", page="audit_log")
        await settled(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=page)


def test_replayed_code_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    factories.staff_actor(sqlite_runtime, "cory", "creator")
    code = pyotp.TOTP(SECRET).at(sqlite_runtime.clock().timestamp())
    with write_session(sqlite_runtime.engine) as session:
        cory = session.exec(select(Staff).where(Staff.username == "cory")).one()
        cory.totp_secret = SECRET
        cory.totp_enrolled_at = cory.agreement_accepted_at = sqlite_runtime.clock()
        cory.totp_last_step = int(sqlite_runtime.clock().timestamp() // 30)

    async def replay(pilot):
        await pilot.press(*"cory", "tab", *"Staff#Pass99", "enter")
        await settled(pilot)
        await pilot.press(*code, "enter")
        await settled(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=replay)
