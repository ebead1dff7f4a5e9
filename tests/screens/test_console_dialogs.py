"""Issue 16, point 5: a dialog keeps what was typed when it refuses it, and its messages
name fields in words (REC-4's update-email dialog)."""

import pytest
from sqlmodel import select
from textual.widgets import Input

from openccc_tui.app import Mode
from openccc_tui.domain.errors import INVALID, FieldError
from openccc_tui.screens.field_names import FIELD_NAMES, field_name, name_problems
from openccc_tui.screens.staff.support import AccountScreen, UpdateEmailDialog
from openccc_tui.services import account_creation
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from openccc_tui.widgets.tick_box import TickBox
from tests import factories
from tests.screens.conftest import SIZE, settle
from tests.screens.console_helpers import settled, until
from tests.screens.staff_helpers import open_console


@pytest.fixture
def student(sqlite_runtime):
    creator = factories.staff_actor(sqlite_runtime, "cory", "creator")
    return account_creation.add_user(sqlite_runtime, creator, factories.STUDENT_FORM, permission_reference="form 7")


async def open_dialog(app, pilot, cccid: str) -> UpdateEmailDialog:
    await open_console(app, pilot, "sam", "support", page="support")
    await pilot.press(*cccid, "enter")
    await settled(pilot)
    await pilot.press("enter")
    await settled(pilot)
    assert isinstance(app.screen, AccountScreen)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, UpdateEmailDialog))
    assert isinstance(app.screen, UpdateEmailDialog)
    return app.screen


async def press_update(pilot, dialog: UpdateEmailDialog) -> None:
    """Enter on Update, once its press animation from the last time is over (Textual ignores
    a press while it lasts)."""
    button = dialog.query_one("#update")
    await until(pilot, lambda: not button.has_class("-active"))
    button.focus()
    await pilot.pause()
    await pilot.press("enter")


def typed(dialog: UpdateEmailDialog) -> list[str]:
    return [dialog.query_one(f"#{i}", Input).value for i in ("new-email", "confirm-email", "verification-note")]


def dialog_text(dialog: UpdateEmailDialog) -> str:
    return " ".join(str(w.render()) for w in dialog.query("Static, Label"))


async def test_rec_4_update_email_keeps_what_was_typed_when_refused(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot, student.cccid)
        await pilot.press(*"w.pooh@home.org", "tab", *"w.pooh@home.com", "tab", "space", "tab", *"photo ID")
        await press_update(pilot, dialog)
        await until(pilot, lambda: str(dialog.query_one("#confirm-email-error").render()))
        assert app.screen is dialog  # still open
        assert typed(dialog) == ["w.pooh@home.org", "w.pooh@home.com", "photo ID"]
        assert str(dialog.query_one("#confirm-email-error").render()) == "does not match the email entered above"
        assert app.focused is dialog.query_one("#confirm-email")
        assert "email.confirm" not in dialog_text(dialog)
        dialog.query_one("#confirm-email", Input).value = "w.pooh@home.org"
        dialog.query_one("#verified", TickBox).value = False
        await press_update(pilot, dialog)
        await until(pilot, lambda: "identity" in str(dialog.query_one("#email-message").render()))
        assert app.screen is dialog and typed(dialog)[0] == "w.pooh@home.org"
        message = str(dialog.query_one("#email-message").render())
        assert message == "Not updated: confirm that you verified the student's identity first."
        await pilot.press("shift+tab", "shift+tab", "space")  # tick the box again
        await press_update(pilot, dialog)
        await until(pilot, lambda: isinstance(app.screen, AccountScreen))
        await settled(pilot)
        assert "Email updated" in str(app.screen.query_one("#page-message").render())
    with read_session(sqlite_runtime.engine) as session:
        assert session.exec(select(StudentAccount)).one().email == "w.pooh@home.org"
    assert not app.crashes


def test_every_field_path_a_form_or_service_names_has_words():
    from openccc_tui.domain.template import FIELD_PATHS

    for path in FIELD_PATHS.values():
        assert path in FIELD_NAMES, path
    assert field_name("email.confirm") == "Confirm email"
    assert field_name("some.new_path") == "Some new path"
    problem = FieldError("email.confirm", INVALID, "does not match the email entered above")
    assert name_problems([problem]) == "Confirm email: does not match the email entered above"


def test_update_email_refused_snapshot_80x24(make_app, sqlite_runtime, student, snap_compare):
    async def refused(pilot):
        await open_dialog(pilot.app, pilot, student.cccid)
        await pilot.press(*"w.pooh@home.org", "tab", *"w.pooh@home.com", "tab", "space", "tab", *"photo ID")
        dialog = pilot.app.screen
        await press_update(pilot, dialog)
        await until(pilot, lambda: str(dialog.query_one("#confirm-email-error").render()))
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=refused)
