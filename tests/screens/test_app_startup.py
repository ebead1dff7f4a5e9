"""Start-up (issue 17): the App shows its first page before its settings are read and the
database is open, reads and opens them in a thread once the first frame is on screen, and
whatever needs them sooner waits for them. A failure to read or open them ends the App with
the error, which the command line prints (TERM-5)."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from openccc_tui import app as app_module
from openccc_tui.app import Mode, OpenCCCApp, RuntimeOpening
from openccc_tui.config import ConfigurationError, Settings
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services.runtime import Runtime
from tests import factories
from tests.screens.conftest import SIZE, submit

ROOT = Path(__file__).parent.parent.parent

FIRST_PAGE = """
import asyncio, os, sys, threading
from functools import partial
from openccc_tui.app import RuntimeOpening
from openccc_tui.cli import logged_settings, new_app, parse_arguments

LATER = ("pydantic", "pydantic_settings", "openccc_tui.config", "openccc_tui.domain.policy", "sqlalchemy",
         "sqlmodel", "openccc_tui.store.models", "openccc_tui.services.student.sign_in", "passlib",
         "argon2", "phonenumbers", "email_validator", "cryptography", "fpdf", "openpyxl", "msoffcrypto",
         "qrcode", "alembic", "textual_serve", "openccc_tui.screens.staff.home", "openccc_tui.screens.dialogs")

async def main():
    os.environ["OPENCCC_LOG_FILE"] = sys.argv[2]
    args = parse_arguments(["--db", sys.argv[1], "--mode", sys.argv[3]])
    app = new_app(partial(logged_settings, args), args.mode, report=None)
    gate, opening = threading.Event(), app.opening
    app.opening = RuntimeOpening(lambda: gate.wait() and opening.read_settings(), opening.open)
    async with app.run_test(size=(80, 24)) as pilot:
        print(type(app.screen).__name__, *sorted(name for name in LATER if name in sys.modules))
        gate.set()
        runtime = app.start_opening().result()
        await pilot.pause()
        print(type(runtime).__name__, "sqlalchemy" in sys.modules, app.startup_error)

asyncio.run(main())
"""


def run_app_script(script: str, runtime: Runtime, argument: str) -> list[str]:
    """The lines a fresh Python process running `script` prints (its arguments: the database
    URL, the log file, `argument`): a fresh process has imported nothing yet."""
    settings = runtime.settings
    result = subprocess.run(
        [sys.executable, "-c", script, settings.database_url, str(settings.log_file), argument],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize("mode", ["full", "kiosk"])
def test_the_first_page_is_shown_before_the_database_layers_are_imported(mode, sqlite_runtime):
    first_page, opened = run_app_script(FIRST_PAGE, sqlite_runtime, mode)
    assert first_page == "SignInScreen"
    assert opened == "Runtime True None"


def gated(runtime: Runtime) -> tuple[RuntimeOpening, threading.Event]:
    gate = threading.Event()

    def open_runtime(_settings: Settings) -> Runtime:
        gate.wait(timeout=30)
        return runtime

    return RuntimeOpening(lambda: runtime.settings, open_runtime), gate


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


async def test_term_5_a_runtime_that_cannot_be_opened_ends_the_app_with_its_error(sqlite_runtime):
    refusal = RuntimeError("the database has no OpenCCC schema")

    def open_runtime(_settings: Settings) -> Runtime:
        raise refusal

    app = OpenCCCApp(RuntimeOpening(lambda: sqlite_runtime.settings, open_runtime), Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.startup_error is refusal and app.crashes == [] and not app.is_running


def nist_read_later(runtime: Runtime) -> tuple[OpenCCCApp, threading.Event, Settings]:
    """A kiosk App whose settings, naming the nist profile, are read once the gate opens."""
    nist = runtime.settings.model_copy(update={"policy_profile": "nist"})
    gate = threading.Event()

    def read_settings() -> Settings:
        gate.wait(timeout=30)
        return nist

    return OpenCCCApp(RuntimeOpening(read_settings, lambda _settings: runtime), Mode.KIOSK), gate, nist


async def test_rec_3_recover_account_drawn_before_the_settings_is_withdrawn_when_they_name_nist(sqlite_runtime):
    """The first page is drawn before the settings are read: it offers Recover Account, and
    withdraws it, from the page and the footer, once the settings name the nist profile."""
    app, gate, nist = nist_read_later(sqlite_runtime)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query("#recover") and app.known_settings is None
        assert app.screen.check_action("recover_account", ()) is True
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.known_settings is nist
        assert not app.screen.query("#recover") and app.screen.check_action("recover_account", ()) is False
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


async def test_rec_3_recover_account_asked_for_before_nist_settings_are_read_does_not_open(sqlite_runtime):
    app, gate, nist = nist_read_later(sqlite_runtime)
    async with app.run_test(size=SIZE) as pilot:
        threading.Timer(0.3, gate.set).start()
        await pilot.press("f3")  # waits for the settings, then refuses
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and not app.screen.query("#recover")


async def test_term_5_settings_that_cannot_be_read_end_the_app_with_their_error(sqlite_runtime):
    refusal = ConfigurationError("configuration policy_profile: Input should be 'openccc'; correct the settings")
    opened: list[Settings] = []

    def read_settings() -> Settings:
        raise refusal

    def open_runtime(settings: Settings) -> Runtime:
        opened.append(settings)
        return sqlite_runtime

    app = OpenCCCApp(RuntimeOpening(read_settings, open_runtime), Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.startup_error is refusal and app.crashes == [] and not app.is_running
    assert opened == [] and app.known_settings is None


async def test_a_page_shown_while_the_app_had_no_focus_gets_its_field_when_it_has(sqlite_runtime):
    """In a browser the App starts without focus: Staff Sign In, shown once the database is
    open, has its user name field focused when the user clicks into the page."""
    opening, gate = gated(sqlite_runtime)
    app = OpenCCCApp(opening, Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.AppBlur())
        await pilot.pause()
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StaffSignInScreen) and app.focused is None
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "staff-username"
        await pilot.press("d", "a", "n", "a")
        assert app.focused.value == "dana"


FIRST_IMPORTS = """
import asyncio, os, sys, threading
from functools import partial

WATCHED = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings")
FIRST = {}


class FirstImporter:
    def find_spec(self, name, path=None, target=None):
        if name in WATCHED:
            FIRST.setdefault(name, threading.current_thread().name)
        return None


sys.meta_path.insert(0, FirstImporter())
from openccc_tui.app import RuntimeOpening
from openccc_tui.cli import logged_settings, new_app, parse_arguments


async def main():
    os.environ["OPENCCC_LOG_FILE"] = sys.argv[2]
    args = parse_arguments(["--db", sys.argv[1], "--mode", "full"])
    app = new_app(partial(logged_settings, args), "full", report=None)
    gate, opening = threading.Event(), app.opening
    app.opening = RuntimeOpening(lambda: gate.wait() and opening.read_settings(), opening.open)
    async with app.run_test(size=(80, 24)) as pilot:
        threading.Timer(2, gate.set).start()  # after the keys: what they ask for waits for the opening
        await pilot.press(*sys.argv[3].split())
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(type(app.screen).__name__, app.startup_error, app.crashes)
    print(*(f"{name}={FIRST.get(name)}" for name in WATCHED))

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("keys", "page"),
    [
        pytest.param("n o @ x . e d u enter", "PasswordScreen", id="answer"),
        pytest.param("ctrl+t", "SignInScreen", id="switch-to-phone"),
        pytest.param("f3", "RecoverAccountScreen", id="recover-account"),
        pytest.param("f2", "StaffSignInScreen", id="staff-sign-in"),
    ],
)
def test_what_the_first_page_leads_to_is_imported_after_the_opening_thread_imported_the_layers(
    sqlite_runtime, keys, page
):
    """A student who answers (or asks for another page) while the App is still opening its
    database waits for it: the event loop never imports the settings and database layers
    while the opening thread imports them (two threads importing SQLAlchemy at once can find
    it half made), so the opening thread is always the first to import them."""
    shown, imported = run_app_script(FIRST_IMPORTS, sqlite_runtime, keys)
    assert shown == f"{page} None []"
    assert all(first.split("=")[1].startswith("openccc-open") for first in imported.split()), imported


APP_CSS = str(Path(app_module.__file__).with_name("app.tcss"))
"""The App's styles, for the test subclasses below (a relative CSS_PATH is read beside the subclass)."""


class EarlyKeys(OpenCCCApp):
    """Keys that arrive as the App starts, before its first page has a field focused."""

    CSS_PATH = APP_CSS
    keys: tuple[tuple[str, str | None], ...] = ()

    def on_mount(self) -> None:
        for key, character in self.keys:
            self.post_message(events.Key(key, character))


ENTER, TAB = ("enter", "\r"), ("tab", "\t")


def typed(text: str) -> tuple[tuple[str, str], ...]:
    names = {"@": "at", ".": "full_stop", "#": "number_sign"}
    return tuple((names.get(ch, ch), ch) for ch in text)


async def test_sign_1_keys_typed_as_the_app_starts_wait_for_the_first_page_enter_included(sqlite_runtime):
    """A student who types before the Sign In page has its field gets all they typed in it,
    then Enter (a line feed, when typed before the terminal was set up): never an empty or
    cut answer, and never the password that follows in the email field."""
    factories.stored_student(sqlite_runtime, email="winnie@test.com", email_validated=True)
    app = EarlyKeys(sqlite_runtime, Mode.KIOSK)
    app.keys = (*typed("winnie@test.com"), ("ctrl+j", "\n"), *typed(factories.STUDENT_PASSWORD), ENTER)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(app.screen, pages.StudentHomeScreen)
        assert app.held_keys is None


async def test_staff_1_staff_mode_shows_staff_sign_in_once_the_database_is_open_with_the_keys_typed_meanwhile(
    sqlite_runtime,
):
    opening, gate = gated(sqlite_runtime)
    app = EarlyKeys(opening, Mode.STAFF)
    app.keys = (*typed("dana"), TAB, *typed("Secret#1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.has_class("backdrop")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StaffSignInScreen)
        assert app.screen.query_one("#staff-username", Input).value == "dana"
        assert app.screen.query_one("#staff-password", Input).value == "Secret#1"


async def test_staff_1_keys_typed_after_an_early_f2_go_to_staff_sign_in_not_the_student_page(sqlite_runtime):
    opening, gate = gated(sqlite_runtime)
    app = OpenCCCApp(opening, Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        threading.Timer(0.3, gate.set).start()
        await pilot.press("f2", "d", "a", "n", "a")
        await pilot.pause()
        assert isinstance(app.screen, StaffSignInScreen)
        assert app.screen.query_one("#staff-username", Input).value == "dana"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and app.screen.query_one("#identifier", Input).value == ""


@pytest.mark.parametrize("key", ["f2", "f3", "ctrl+t"])
async def test_term_5_a_key_that_needs_settings_that_cannot_be_read_ends_the_app_with_their_error(sqlite_runtime, key):
    """F2, F3 or Ctrl+T pressed while the settings are still being read, and they fail: the App
    ends with their one line, not a crash."""
    refusal = ConfigurationError("configuration policy_profile: Input should be 'openccc'; correct the settings")

    def read_settings() -> Settings:
        time.sleep(0.3)
        raise refusal

    app = OpenCCCApp(RuntimeOpening(read_settings, lambda _settings: sqlite_runtime), Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.Key(key, None))  # not pilot.press: it waits on pages the ending App closes
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()
    assert app.startup_error is refusal and app.crashes == [] and app.return_code in (None, 0)


async def test_term_5_an_error_once_the_app_has_stopped_is_logged_never_shown(sqlite_runtime, capsys):
    """An error reported once the App has stopped running (a page's callback as the App ends,
    as seen when bad settings ended it while its first page was still being drawn) goes to the
    log: Textual's own handler prints its traceback, with local values, on the terminal."""
    from openccc_tui.crash import configure_logging

    configure_logging(sqlite_runtime.settings.log_file)
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    secret = "Str0ng#Pass"
    try:
        raise RuntimeError(f"failed while ending {len(secret)}")
    except RuntimeError as error:
        app._handle_exception(error)  # as Textual reports it
    app._print_error_renderables()  # what Textual prints as the App's run ends
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Str0ng#Pass" not in err and app.return_code == 1
    assert "RuntimeError: failed while ending 11" in sqlite_runtime.settings.log_file.read_text()
