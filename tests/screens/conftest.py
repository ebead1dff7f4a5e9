"""Helpers for Pilot and snapshot tests: an app on the test database, inputs that do not blink."""

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from openccc_tui.app import Mode, OpenCCCApp

SIZE = (80, 24)


def steady(app) -> None:
    """Turn the cursor blink off, so snapshots do not depend on timing."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def settle(pilot: Pilot) -> None:
    steady(pilot.app)
    await pilot.pause()


@pytest.fixture(autouse=True)
def colour_terminal(monkeypatch):
    """Snapshots are taken as on a truecolour terminal, whatever terminal runs the tests;
    tests of 16-colour terminals set TERM themselves."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def make_app(sqlite_runtime):
    def make(mode: Mode = Mode.FULL) -> OpenCCCApp:
        return OpenCCCApp(sqlite_runtime, mode)

    return make


async def submit(pilot: Pilot, *keys: str) -> None:
    """Type `keys`, press Enter, and wait for the answer to be shown."""
    await pilot.press(*keys, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
