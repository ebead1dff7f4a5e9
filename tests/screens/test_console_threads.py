"""Issue 16, point 2: no database transaction runs on the event loop's thread, so the screen
never freezes while one waits: every page of a student's visit and of a clerk's day is
walked by keyboard at 80×24 with a watch on every session opened."""

import asyncio

import pyotp
from sqlmodel import select
from textual.widgets import Button, DataTable, Select

from openccc_tui.app import Mode
from openccc_tui.screens.staff.home import StaffHomeScreen
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.staff.support import AccountScreen
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.applications import MyApplicationsScreen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen, RecoverAccountScreen
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services.student import edit_account
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import Staff
from tests import factories
from tests.screens.conftest import SIZE, submit
from tests.screens.console_helpers import sessions_on_the_event_loop, settled, until

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def code_for(runtime, address: str) -> str:
    return await asyncio.to_thread(factories.latest_code, runtime, address)


async def test_term_1_a_students_whole_visit_opens_no_session_on_the_event_loop(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, cccid="STU1234", email="winnie@test.com", must_change_password=True)
    with write_session(sqlite_runtime.engine) as session:
        session.add(factories.college())
    app = make_app(Mode.FULL)
    with sessions_on_the_event_loop() as found:
        async with app.run_test(size=SIZE) as pilot:
            await submit(pilot, *"winnie@test.com")
            await pilot.press("f4")  # Forgot your password? and straight back
            await settled(pilot)
            assert isinstance(app.screen, ForgotPasswordScreen)
            await pilot.press("escape")
            await settled(pilot)
            await submit(pilot, *"winnie@test.com")
            await submit(pilot, *factories.STUDENT_PASSWORD)
            assert isinstance(app.screen, pages.ValidationCodeScreen)
            await submit(pilot, *await code_for(sqlite_runtime, "winnie@test.com"))
            assert isinstance(app.screen, pages.EditProfileScreen)
            await pilot.press("tab", "enter")
            await settled(pilot)
            assert isinstance(app.screen, pages.UpdatePasswordScreen)
            await pilot.press(*"Fresh#Start8", "enter")
            await submit(pilot, *"Fresh#Start8")
            assert isinstance(app.screen, pages.StudentHomeScreen)
            await pilot.press("m")
            await settled(pilot)
            assert isinstance(app.screen, MyApplicationsScreen)
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query("#app-college"))
            dialog = app.screen
            dialog.query_one("#app-college", Select).value = dialog.query_one("#app-college", Select)._options[1][1]
            dialog.query_one("#app-term", Select).value = "Fall 2027"
            dialog.query_one("#submit").press()
            await until(pilot, lambda: app.screen.id == "application-confirmation")
            await pilot.press("enter", "escape")
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EditAccountScreen) and app.screen.query("#p-city"))
            await settled(pilot)
            address = {"street1": "1 Main St", "city": "Sacramento", "state": "CA", "postal": "95814"}
            for column, value in address.items():
                app.screen.query_one(f"#p-{column}").value = value
            await pilot.press("ctrl+s")
            await until(pilot, lambda: str(app.screen.query_one("#page-message").render()) == edit_account.SAVED)
            await pilot.press("escape", "ctrl+o")
            await settled(pilot)
            assert isinstance(app.screen, SignInScreen)
            await pilot.press("f3")
            await settled(pilot)
            assert isinstance(app.screen, RecoverAccountScreen)
            await pilot.press("enter")
            await settled(pilot)
            await submit(pilot, *"winnie@test.com")
    assert not app.crashes
    assert not found, "\n".join(found)


def staff_with_secret(runtime, username: str, *roles: str, approved: bool = True) -> None:
    factories.staff_actor(runtime, username, *roles, approved=approved)
    with write_session(runtime.engine) as session:
        session.exec(select(Staff).where(Staff.username == username)).one().totp_secret = SECRET


async def test_staff_5_a_clerks_day_opens_no_session_on_the_event_loop(make_app, sqlite_runtime):
    staff_with_secret(sqlite_runtime, "cory", "creator", "support", "director")
    factories.staff_actor(sqlite_runtime, "dana", "creator", approved=False)
    factories.stored_student(sqlite_runtime, cccid="STU1234", email="winnie@test.com")
    app = make_app(Mode.STAFF)
    with sessions_on_the_event_loop() as found:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"cory", "tab", *"Staff#Pass99", "enter")
            await settled(pilot)
            await pilot.press(*pyotp.TOTP(SECRET).at(sqlite_runtime.clock().timestamp()), "enter")
            await settled(pilot)
            await pilot.press("enter")  # I agree
            await settled(pilot)
            assert isinstance(app.screen, StaffHomeScreen)
            await pilot.press("a")
            await settled(pilot)
            await pilot.press("tab", *"pat@college.edu", "tab", *"pat@college.edu", "tab")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen.query("#yes"))
            app.screen.query_one("#yes", Button).press()  # Discard
            await settled(pilot)
            await pilot.press("l")
            await settled(pilot)
            await pilot.press(*"STU1234", "enter")
            await settled(pilot)
            await pilot.press("enter")  # the account found
            await settled(pilot)
            assert isinstance(app.screen, AccountScreen) and app.screen.view is not None
            await pilot.press("escape", "escape")
            await settled(pilot)
            await pilot.press("t")
            await settled(pilot)
            app.screen.query_one("#show", Button).press()
            await settled(pilot)
            assert app.screen.query_one("#tracking-rows", DataTable).row_count == 0
            await pilot.press("escape", "g")
            await settled(pilot)
            assert app.screen.query_one("#audit-rows", DataTable).row_count > 0
            await pilot.press("escape", "s")
            await settled(pilot)
            assert app.screen.query_one("#staff-rows", DataTable).row_count == 2
            await pilot.press("escape", "ctrl+o")
            await settled(pilot)
            assert isinstance(app.screen, StaffSignInScreen)
    assert not app.crashes
    assert not found, "\n".join(found)
