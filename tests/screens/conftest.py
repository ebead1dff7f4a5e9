"""Helpers for Pilot and snapshot tests: an app on the test database, inputs that do not blink,
and form fields filled without typing them key by key."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, RadioButton, Select, TextArea

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.services import account_creation
from openccc_tui.services.account_creation import CreatedAccount
from openccc_tui.services.runtime import Runtime
from tests import factories

SIZE = (80, 24)


def steady(app: App[object]) -> None:
    """Turn the cursor blink off, so snapshots do not depend on timing."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def settle(pilot: Pilot[Any]) -> None:
    steady(pilot.app)
    await pilot.pause()


@pytest.fixture(autouse=True)
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots are taken as on a truecolour terminal, whatever terminal runs the tests;
    tests of 16-colour terminals set TERM themselves."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def make_app(sqlite_runtime: Runtime) -> Callable[..., OpenCCCApp]:
    def make(mode: Mode = Mode.FULL) -> OpenCCCApp:
        return OpenCCCApp(sqlite_runtime, mode)

    return make


def _put(field: Input, value: str) -> None:
    """What typing leaves in `field`: the value (Input.Changed is posted, as for each typed
    key) and the cursor after it. Typing stops at the field's maximum length; a longer value
    here is a mistake in the test."""
    assert not field.max_length or len(value) <= field.max_length, f"#{field.id} takes {field.max_length} characters"
    field.value = value
    field.cursor_position = len(value)


async def fill(pilot: Pilot[Any], values: Mapping[str, str | bool], *, leave: bool = True) -> None:
    """Set the fields of the current screen, named by selector, without typing them key by key
    (Textual's Pilot waits for idle twice per key: a form took seconds).

    An Input gets its text, then the Input.Blurred that leaving it posts, so the checks a
    screen runs when a field is left (ADD-2) run as they do for a user who tabs on; each is
    handled before the next field is set, as when typed in order (`leave=False`: the text
    only, for tests that then leave the field with a real key). A Checkbox or RadioButton
    takes True or False, a Select its value, a TextArea its text. The focus stays where it
    was: tests move it with keys, as a user would, when what follows depends on it."""
    screen = pilot.app.screen
    for selector, value in values.items():
        widget = screen.query_one(selector)
        if isinstance(widget, Input):
            assert isinstance(value, str)
            _put(widget, value)
            if leave:
                validation = widget.validate(value) if "blur" in widget.validate_on else None
                widget.post_message(Input.Blurred(widget, value, validation))
        elif isinstance(widget, (Checkbox, RadioButton)):
            widget.value = bool(value)
        elif isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, TextArea):
            assert isinstance(value, str)
            widget.text = value
        else:
            raise TypeError(f"fill() does not know how to set {selector} ({type(widget).__name__})")
        await pilot.pause()


@dataclass(frozen=True)
class Typed:
    """Text in a sequence of keys for `keys_and_text`."""

    text: str


async def keys_and_text(pilot: Pilot[Any], *steps: str | Typed) -> None:
    """Press the keys one after the other; each Typed text goes into whichever field has the
    focus at that point, as typing it would, without a key press (and two waits) per character.
    For tests of the Tab order, where the keys between the texts are the subject."""
    for step in steps:
        if isinstance(step, Typed):
            field = pilot.app.focused
            assert isinstance(field, Input), f"{step.text!r} typed with the focus on {field!r}"
            _put(field, field.value + step.text)
        else:
            await pilot.press(step)


async def submit(pilot: Pilot[Any], *text: str) -> None:
    """Put `text` in the focused field as if typed, press Enter, and wait for the answer to be
    shown. The text may also be given spread into characters, as older tests did."""
    if text:
        if pilot.app.focused is None:
            await pilot.pause()  # the first page is still being composed, as the App starts
        field = pilot.app.focused
        assert isinstance(field, Input), f"the focus is on {field!r}, not on a field"
        _put(field, field.value + "".join(text))
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def numbered_cccids(monkeypatch: pytest.MonkeyPatch) -> None:
    """New accounts get the CCCIDs STU1000, STU1001, … in order."""
    numbers = iter(range(1000, 9999))
    monkeypatch.setattr("openccc_tui.store.account_rows.new_cccid", lambda: f"STU{next(numbers)}")


@pytest.fixture
def student(sqlite_runtime: Runtime, numbered_cccids: None) -> CreatedAccount:
    """An account a creator made from paper form 7 (STUDENT_FORM)."""
    creator = factories.staff_actor(sqlite_runtime, "cory", "creator")
    return account_creation.add_user(sqlite_runtime, creator, factories.STUDENT_FORM, permission_reference="form 7")
