"""Start-up (issue 17): the App shows its first page before the database is open, opens it
in a thread once the first frame is on screen, and whatever needs it sooner waits for it.
A failure to open it ends the App with the error, which the command line prints (TERM-5)."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from openccc_tui.app import Mode, OpenCCCApp, RuntimeOpening
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services.runtime import Runtime
from tests.screens.conftest import SIZE, submit

ROOT = Path(__file__).parent.parent.parent

FIRST_PAGE = """
import asyncio, sys, threading
from openccc_tui.app import RuntimeOpening
from openccc_tui.cli import new_app
from openccc_tui.config import load_settings

LATER = ("sqlalchemy", "sqlmodel", "openccc_tui.store.models", "openccc_tui.services.student.sign_in", "passlib",
         "argon2", "phonenumbers", "email_validator", "cryptography", "fpdf", "openpyxl", "msoffcrypto",
         "qrcode", "alembic", "textual_serve", "openccc_tui.screens.staff.home")

async def main():
    app = new_app(load_settings(database_url=sys.argv[1], log_file=sys.argv[2]), sys.argv[3], report=None)
    gate, opening = threading.Event(), app.opening
    app.opening = RuntimeOpening(opening.settings, lambda: gate.wait() and opening.open())
    async with app.run_test(size=(80, 24)) as pilot:
        print(type(app.screen).__name__, *sorted(name for name in LATER if name in sys.modules))
        gate.set()
        runtime = app.start_opening().result()
        await pilot.pause()
        print(type(runtime).__name__, "sqlalchemy" in sys.modules, app.startup_error)

asyncio.run(main())
"""


@pytest.mark.parametrize("mode", ["full", "kiosk"])
def test_the_first_page_is_shown_before_the_database_layers_are_imported(mode, sqlite_runtime):
    settings = sqlite_runtime.settings
    result = subprocess.run(
        [sys.executable, "-c", FIRST_PAGE, settings.database_url, str(settings.log_file), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first_page, opened = result.stdout.splitlines()
    assert first_page == "SignInScreen"
    assert opened == "Runtime True None"


def gated(runtime: Runtime) -> tuple[RuntimeOpening, threading.Event]:
    gate = threading.Event()

    def open_runtime() -> Runtime:
        gate.wait(timeout=30)
        return runtime

    return RuntimeOpening(runtime.settings, open_runtime), gate


async def test_sign_4_an_answer_given_before_the_database_is_open_waits_for_it(sqlite_runtime):
    opening, gate = gated(sqlite_runtime)
    app = OpenCCCApp(opening, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen) and app.focused is not None and app.focused.id == "identifier"
        assert app.opened is not None and not app.opened.done()
        threading.Timer(0.3, gate.set).start()
        await submit(pilot, "nobody@example.com")
        assert isinstance(app.screen, pages.PasswordScreen)
        assert app.runtime is sqlite_runtime and app.startup_error is None


async def test_staff_mode_shows_staff_sign_in_once_the_database_is_open(sqlite_runtime):
    opening, gate = gated(sqlite_runtime)
    app = OpenCCCApp(opening, Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.id == "backdrop"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StaffSignInScreen)


async def test_term_5_a_runtime_that_cannot_be_opened_ends_the_app_with_its_error(sqlite_runtime):
    refusal = RuntimeError("the database has no OpenCCC schema")

    def open_runtime() -> Runtime:
        raise refusal

    app = OpenCCCApp(RuntimeOpening(sqlite_runtime.settings, open_runtime), Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.startup_error is refusal and app.crashes == [] and not app.is_running
