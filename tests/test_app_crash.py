"""TERM-5: an unexpected error shows a short apology, and the traceback goes to the log."""

import asyncio

import pytest
from textual.widgets import Input, Static

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.screens.student.sign_in import SignInScreen
from tests.screens.conftest import SIZE, submit


async def test_term_5_crash_shows_an_apology_and_logs_the_traceback(sqlite_runtime, monkeypatch):
    from openccc_tui.crash import configure_logging

    configure_logging(sqlite_runtime.settings.log_file)

    def explode(self):
        secret = "Str0ng#Pass"  # a local value that must never reach the screen
        raise RuntimeError(f"forced failure {len(secret)}")

    monkeypatch.setattr(SignInScreen, "submit", explode)
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "winnie@test.com")
        await pilot.pause()
        assert app.screen.id == "crash"
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Sorry, something went wrong" in shown and str(sqlite_runtime.settings.log_file) in shown
        assert "Traceback" not in shown and "Str0ng#Pass" not in shown
        await pilot.press("enter")
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#identifier", Input).value == ""  # a fresh Sign In, nothing left
        monkeypatch.undo()
        await submit(pilot, "x")
        assert str(app.screen.query_one("#page-message").render()).startswith("Enter a valid email address")
    assert app.return_code in (None, 0)
    log = sqlite_runtime.settings.log_file.read_text()
    assert "Traceback" in log and "RuntimeError: forced failure 11" in log
    assert "Str0ng#Pass" not in log


def explode():
    raise RuntimeError("forced failure on this screen")


async def crash_here(app, pilot) -> None:
    """Raise inside the page's own message loop; that loop stops, so wait on the app until the
    apology is pushed and its lines are mounted (under load, one comes well after the other)."""
    app.screen.call_later(explode)
    for _ in range(200):
        await asyncio.sleep(0.02)
        if app.screen.id == "crash" and app.screen.query(".dialog-line"):
            return


def assert_apology(app) -> None:
    assert app.screen.id == "crash"
    shown = " ".join(str(w.render()) for w in app.screen.query(Static))
    assert "Sorry, something went wrong" in shown and "Traceback" not in shown


@pytest.mark.parametrize("page", ["add_user", "multi_account", "support", "tracking", "audit_log", "staff_access"])
async def test_term_5_a_crash_on_any_staff_page_is_logged_and_ends_on_staff_sign_in(sqlite_runtime, page):
    from openccc_tui.crash import configure_logging
    from openccc_tui.screens.staff.sign_in import StaffSignInScreen
    from tests.screens.staff_helpers import open_console

    configure_logging(sqlite_runtime.settings.log_file)
    app = OpenCCCApp(sqlite_runtime, Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", "creator", "support", page=page)
        assert app.screen.__class__.__name__ != "StaffHomeScreen"
        await crash_here(app, pilot)
        assert_apology(app)
        await pilot.press("enter")
        assert isinstance(app.screen, StaffSignInScreen) and app.staff_session is None
    assert "forced failure on this screen" in sqlite_runtime.settings.log_file.read_text()


@pytest.mark.parametrize("steps", [0, 1, 2])
async def test_term_5_a_crash_on_any_student_page_in_a_kiosk_returns_to_sign_in(sqlite_runtime, steps):
    from openccc_tui.crash import configure_logging
    from openccc_tui.screens.student import pages
    from tests import factories

    configure_logging(sqlite_runtime.settings.log_file)
    factories.stored_student(sqlite_runtime, email="winnie@test.com", email_validated=True)
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        answers = ["winnie@test.com", factories.STUDENT_PASSWORD][:steps]
        for answer in answers:
            await submit(pilot, answer)
        expected = [SignInScreen, pages.PasswordScreen, pages.StudentHomeScreen][steps]
        assert isinstance(app.screen, expected)
        await crash_here(app, pilot)
        assert_apology(app)
        await pilot.press("enter")
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
        assert app.screen.query_one("#identifier", Input).value == ""
