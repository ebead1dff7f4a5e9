"""ADD-1..4 through the Add User screen, by keyboard only."""

import pytest
from sqlmodel import select
from textual.widgets import Input

from openccc_tui.app import Mode
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from tests.screens.conftest import SIZE, Typed, fill, keys_and_text, settle
from tests.screens.staff_helpers import open_console

# From the first field, in Tab order (ADD-1 order): Tab and Space are real keys, and each text
# goes to whichever field the focus is on, as typing it would.
KEYS = [
    "tab",  # user name: blank, the email is used
    Typed("pat+jones@college.edu"),
    "tab",
    Typed("pat+jones@college.edu"),
    "tab",
    Typed("9164452841"),
    "tab",
    "tab",
    "tab",  # phone, phone type, homeless
    "tab",
    Typed("CA"),
    "tab",
    Typed("1 Main St"),
    "tab",
    "tab",
    Typed("Davis"),
    "tab",
    Typed("95616"),
    "tab",  # country stays US
    Typed("Pat"),
    "tab",
    "tab",
    Typed("Jones"),
    "tab",
    "tab",
    "tab",
    Typed("2001-09-30"),
    "tab",
    Typed("2001-09-30"),
    "tab",
    Typed("Sunny#Day42"),
    "tab",
    Typed("Sunny#Day42"),
    "tab",
    "space",
    "tab",
    "space",
    "tab",
    Typed("Paper form 118"),
]


@pytest.fixture(autouse=True)
def fixed_cccid(monkeypatch):
    monkeypatch.setattr("openccc_tui.store.account_rows.new_cccid", lambda: "PAT1234")


async def fill_and_save(app, pilot, keys=KEYS):
    await keys_and_text(pilot, *keys)
    await save(app, pilot)


async def save(app, pilot):
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()


def fill_directly(screen):
    """The same form as KEYS, set without typing, for tests about what Save does."""
    from textual.widgets import Checkbox, Input

    values = {
        "email": "pat+jones@college.edu",
        "email-confirm": "pat+jones@college.edu",
        "state": "CA",
        "street1": "1 Main St",
        "city": "Davis",
        "postal": "95616",
        "first": "Pat",
        "last": "Jones",
        "dob": "2001-09-30",
        "dob-confirm": "2001-09-30",
        "password": "Sunny#Day42",
        "password-confirm": "Sunny#Day42",
    }
    for column, value in values.items():
        screen.query_one(f"#f-{column}", Input).value = value
    screen.query_one("#f-accepted-terms", Checkbox).value = True
    screen.query_one("#permission-on-file", Checkbox).value = True
    screen.query_one("#permission-reference", Input).value = "Paper form 118"


async def test_add_4_fill_by_keyboard_and_read_the_success_box(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("a")
        assert isinstance(app.screen, AddUserScreen) and app.focused.id == "f-username"
        await fill_and_save(app, pilot)
        assert app.screen.id == "add-user-success"
        shown = [str(line.render()) for line in app.screen.query(".dialog-line")]
        assert shown[:3] == ["User name: pat+jones@college.edu", "Email: pat+jones@college.edu", "CCCID: PAT1234"]
        await pilot.press("enter")
        assert isinstance(app.screen, AddUserScreen)
        assert app.screen.query_one("#f-password", Input).value == ""  # nothing of the last student stays
    with read_session(sqlite_runtime.engine) as session:
        account = session.exec(select(StudentAccount)).one()
    assert account.cccid == "PAT1234" and account.phone == "+19164452841" and account.must_change_password
    assert not app.crashes


async def test_add_2_a_field_is_checked_when_left(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="add_user")
        await pilot.press("tab")
        await fill(pilot, {"#f-email": "not-an-email"}, leave=False)
        await pilot.press("tab")
        assert "@-sign" in str(app.screen.query_one("#f-email-error").render())
        await fill(pilot, {"#f-email-confirm": "other@x.com"}, leave=False)
        await pilot.press("tab")
        assert "does not match" in str(app.screen.query_one("#f-email-confirm-error").render())


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ({}, "A user already exists with email: pat+jones@college.edu"),
        (
            {"email": "x@college.edu", "username": "pat+jones@college.edu"},
            "A user already exists with username: pat+jones@college.edu",
        ),
        (
            {"email": "x@college.edu"},
            "A user already exists for the given firstname, lastname, date-of-birth, please contact support.",
        ),
        (
            {"email": "x@college.edu", "twice": True},
            "Multiple users match on (firstname, lastname, date-of-birth), please contact support.",
        ),
    ],
)
async def test_add_3_every_duplicate_message_appears_on_the_screen(make_app, sqlite_runtime, existing, message):
    from datetime import date

    from openccc_tui.store.engine import write_session
    from tests import factories

    rows = 2 if existing.pop("twice", False) else 1
    with write_session(sqlite_runtime.engine) as session:
        for n in range(rows):
            fields = {
                "email": "pat+jones@college.edu",
                "first_name": "Pat",
                "last_name": "Jones",
                "date_of_birth": date(2001, 9, 30),
            } | existing
            if "email" in existing:
                fields["email"] = f"{n}{existing['email']}"
            session.add(factories.account(cccid=f"OLD000{n}", **fields))
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="add_user")
        fill_directly(app.screen)
        await save(app, pilot)
        assert app.screen.id == "add-user-refused"  # in view until dismissed (issue 16)
        assert str(app.screen.query_one(".dialog-line").render()) == message
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddUserScreen)
        assert str(app.screen.query_one("#page-message").render()) == message


async def test_add_1_escape_asks_before_throwing_away_a_filled_form(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="add_user")
        await pilot.press("tab")
        await fill(pilot, {"#f-email": "someone@x.com"})
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert (
            isinstance(app.screen, AddUserScreen) and app.screen.query_one("#f-email", Input).value == "someone@x.com"
        )
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("tab", "enter")  # Discard
        await pilot.pause()
        assert type(app.screen).__name__ == "StaffHomeScreen"


def test_add_user_snapshot_80x24(make_app, snap_compare):
    async def page(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="add_user")
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=page)


def test_add_user_success_snapshot_80x24(make_app, snap_compare):
    async def saved(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="add_user")
        fill_directly(pilot.app.screen)
        await save(pilot.app, pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=saved)
