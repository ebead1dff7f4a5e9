"""TERM-1: on the Linux console (TERM=linux, 16 colours) every page uses the terminal's own
ANSI palette, and still works by keyboard alone."""

import pytest

from openccc_tui.app import ANSI_THEME, Mode
from openccc_tui.screens.student import pages
from tests import factories
from tests.screens.conftest import SIZE, settle, submit
from tests.screens.staff_helpers import open_console


@pytest.fixture
def linux_console(monkeypatch):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)


async def test_term_1_linux_console_gets_the_ansi_theme_and_signs_in_by_keyboard(
    linux_console, make_app, sqlite_runtime
):
    factories.stored_student(sqlite_runtime, email="winnie@test.com", email_validated=True)
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        assert app.console.color_system == "standard" and app.theme == ANSI_THEME
        await submit(pilot, "winnie@test.com")
        await submit(pilot, factories.STUDENT_PASSWORD)
        assert isinstance(app.screen, pages.StudentHomeScreen)


async def test_term_1_a_256_colour_terminal_keeps_the_default_theme(monkeypatch, make_app):
    monkeypatch.setenv("TERM", "xterm-256color")
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE):
        assert app.theme != ANSI_THEME


def test_term_1_sign_in_in_16_colours_snapshot_80x24(linux_console, make_app, snap_compare):
    assert snap_compare(make_app(Mode.FULL), terminal_size=SIZE, run_before=settle)


def test_term_1_staff_home_in_16_colours_snapshot_80x24(linux_console, make_app, snap_compare):
    async def console(pilot):
        await open_console(pilot.app, pilot, "dana", "director", "creator", "support")
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=console)
