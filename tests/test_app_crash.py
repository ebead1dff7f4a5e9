"""TERM-5: an unexpected error shows a short apology, and the traceback goes to the log."""

from textual.widgets import Static

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.screens.student.sign_in import SignInScreen
from tests.screens.conftest import SIZE


async def test_term_5_crash_shows_an_apology_and_logs_the_traceback(sqlite_runtime, monkeypatch):
    from openccc_tui.crash import configure_logging

    configure_logging(sqlite_runtime.settings.log_file)

    def explode(self):
        secret = "Str0ng#Pass"  # a local value that must never reach the screen
        raise RuntimeError(f"forced failure {len(secret)}")

    monkeypatch.setattr(SignInScreen, "submit", explode)
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"winnie@test.com", "enter")
        await pilot.pause()
        assert app.screen.id == "crash"
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Sorry, something went wrong" in shown and str(sqlite_runtime.settings.log_file) in shown
        assert "Traceback" not in shown and "Str0ng#Pass" not in shown
        await pilot.press("enter")
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#identifier").value == ""  # a fresh Sign In, nothing left
        monkeypatch.undo()
        await pilot.press(*"x", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#page-message").render()).startswith("Enter a valid email address")
    assert app.return_code in (None, 0)
    log = sqlite_runtime.settings.log_file.read_text()
    assert "Traceback" in log and "RuntimeError: forced failure 11" in log
    assert "Str0ng#Pass" not in log
