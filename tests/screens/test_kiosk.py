"""TERM-2: kiosk mode offers the student flows only, ignores every key that would leave
them, and ends an idle session with nothing of the last user left."""

import os
import subprocess
import sys

import pytest

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.cli import scrub_environment
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from tests import factories
from tests.screens.conftest import SIZE, fill, submit

ESCAPE_KEYS = [
    "ctrl+q",
    "ctrl+c",
    "ctrl+z",
    "ctrl+backslash",
    "ctrl+p",
    "ctrl+d",
    "ctrl+s",
    "ctrl+l",
    "ctrl+o",
    "ctrl+e",
    "f1",
    "f2",
    "f4",
    "f5",
    "f10",
    "f12",
    "ctrl+f1",
    "ctrl+shift+p",
    "super+c",
]


def identifier(app) -> str:
    return app.screen.query_one("#identifier").value


@pytest.mark.parametrize("key", ESCAPE_KEYS)
async def test_term_2_kiosk_ignores_keys_that_would_leave_the_flows(make_app, key):
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"win")
        await pilot.press(key, key)
        await pilot.pause()
        assert app.is_running and not app._exit_renderables
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
        await pilot.press(*"nie")
        assert identifier(app) == "winnie"
        assert app.clipboard == ""
    assert app.return_code is None and not app.crashes


async def test_term_2_kiosk_never_reaches_the_staff_console_or_the_clipboard(make_app):
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, SignInScreen)
        app.copy_to_clipboard("winnie@test.com")
        assert app.clipboard == ""
        app_keys = [key for key, active in app.screen.active_bindings.items() if active.node is app and active.enabled]
        assert sorted(app_keys) == ["shift+tab", "tab"]  # ctrl+c is left to the field, which copies nothing here


async def test_term_2_kiosk_idle_time_returns_to_a_fresh_sign_in(sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="winnie@test.com")
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK, idle_clock=lambda: now[0])
    limit = sqlite_runtime.settings.kiosk_idle_timeout_seconds
    assert limit == 180
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "winnie@test.com")
        assert isinstance(app.screen, pages.PasswordScreen)
        await fill(pilot, {"#password": "Half#typed"})
        now[0] += limit - 1
        await app.end_idle_session()
        assert isinstance(app.screen, pages.PasswordScreen)
        now[0] += 1
        await app.end_idle_session()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
        assert identifier(app) == "" and app.screen.flow.identifier == ""
        assert app.clipboard == ""
        await pilot.press(*"x")
        assert identifier(app) == "x"


async def test_term_2_a_half_typed_sign_in_page_is_cleared_too(sqlite_runtime):
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK, idle_clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"winnie@te")
        first_page = app.screen
        now[0] += sqlite_runtime.settings.kiosk_idle_timeout_seconds
        await app.end_idle_session()
        await pilot.pause()
        assert app.screen is not first_page and identifier(app) == ""


def test_term_2_scrub_removes_signals_devtools_and_inspect():
    environ = {
        "TEXTUAL_ALLOW_SIGNALS": "1",
        "TEXTUAL": "devtools,debug",
        "TEXTUAL_DEVTOOLS_HOST": "10.0.0.9",
        "TEXTUAL_DEVTOOLS_PORT": "8081",
        "TEXTUAL_PRESS": "ctrl+q",
        "TEXTUAL_SCREENSHOT": "1",
        "TEXTUAL_DRIVER": "x:y",
        "PYTHONINSPECT": "1",
        "TERM": "linux",
        "LANG": "C.UTF-8",
    }
    removed = scrub_environment(environ)
    assert environ == {"TERM": "linux", "LANG": "C.UTF-8"}
    assert "TEXTUAL_ALLOW_SIGNALS" in removed and "PYTHONINSPECT" in removed


def test_term_2_the_command_line_loads_textual_only_after_the_scrub():
    code = "import sys, openccc_tui.cli; print('textual' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert shown.stdout.strip() == "False"
