"""Issue 16, point 3: Add User for a clerk adding many students at 80×24. "Save and add
another" keeps the college's address and phone, the success box records the hand-over,
refusals stay in view until dismissed, tick boxes read as text, no label is cut."""

import asyncio

import pytest
from rich.cells import cell_len
from sqlmodel import col, select
from textual.widgets import Input, Label, Select

from openccc_tui.app import Mode
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import AuditEvent, StudentAccount
from openccc_tui.widgets.tick_box import TickBox
from tests import factories
from tests.screens.conftest import SIZE, settle
from tests.screens.console_helpers import settled, until
from tests.screens.staff_helpers import open_console
from tests.screens.test_add_user import fill_directly

NEXT_STUDENT = {
    "email": "lee.kim@college.edu",
    "email-confirm": "lee.kim@college.edu",
    "first": "Lee",
    "last": "Kim",
    "dob": "2002-03-04",
    "dob-confirm": "2002-03-04",
    "password": "Rainy#Day77",
    "password-confirm": "Rainy#Day77",
}


@pytest.fixture(autouse=True)
def numbered_cccids(monkeypatch):
    numbers = iter(range(1000, 9999))
    monkeypatch.setattr("openccc_tui.store.account_rows.new_cccid", lambda: f"PAT{next(numbers)}")


def value(screen: AddUserScreen, column: str) -> str:
    return screen.query_one(f"#f-{column}", Input).value


async def open_add_user(app, pilot) -> AddUserScreen:
    await open_console(app, pilot, "cory", "creator", page="add_user")
    assert isinstance(app.screen, AddUserScreen)
    return app.screen


async def test_add_1_save_and_add_another_keeps_the_college_address_and_phone(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_add_user(app, pilot)
        fill_directly(screen)
        screen.query_one("#f-phone-number", Input).value = "9164452841"
        screen.query_one("#f-phone-type", Select).value = "landline"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.id == "add-user-success")
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is screen and app.focused is not None and app.focused.id == "f-username"
        kept = {c: value(screen, c) for c in ("street1", "city", "state", "postal", "country", "phone-number")}
        assert kept == {
            "street1": "1 Main St",
            "city": "Davis",
            "state": "CA",
            "postal": "95616",
            "country": "US",
            "phone-number": "9164452841",
        }
        assert screen.query_one("#f-phone-type", Select).value == "landline"
        for column in ("email", "first", "last", "dob", "password", "password-confirm"):
            assert value(screen, column) == "", column  # nothing of the last student stays
        assert not screen.query_one("#f-accepted-terms", TickBox).value
        assert not screen.query_one("#permission-on-file", TickBox).value
        assert screen.query_one("#permission-reference", Input).value == ""
        for column, text in NEXT_STUDENT.items():
            screen.query_one(f"#f-{column}", Input).value = text
        screen.query_one("#f-accepted-terms", TickBox).value = True
        screen.query_one("#permission-on-file", TickBox).value = True
        screen.query_one("#permission-reference", Input).value = "Paper form 119"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.id == "add-user-success")
        await pilot.press("enter")
        await settled(pilot)
        assert value(screen, "street1") == ""  # plain Save starts an empty form
    with read_session(sqlite_runtime.engine) as session:
        rows = session.exec(select(StudentAccount).order_by(col(StudentAccount.id))).all()
    assert [(r.email, r.street1, r.phone, r.phone_type) for r in rows] == [
        ("pat+jones@college.edu", "1 Main St", "+19164452841", "landline"),
        ("lee.kim@college.edu", "1 Main St", "+19164452841", "landline"),
    ]
    assert not app.crashes


async def test_add_4_the_success_box_records_the_hand_over(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_add_user(app, pilot)
        fill_directly(screen)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.id == "add-user-success")
        await pilot.press("h")
        await until(pilot, lambda: app.screen.query("#given-on"))
        assert app.screen.query_one("#given-on", Input).value == "2026-11-24"
        await pilot.press("tab", *"handed over at the desk", "tab", "enter")
        await until(pilot, lambda: "hand-over recorded" in str(screen.query_one("#page-message").render()))
    with read_session(sqlite_runtime.engine) as session:
        account = session.exec(select(StudentAccount)).one()
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.account_id == account.id)).all()
    assert account.credentials_given_at is not None and account.credentials_note == "handed over at the desk"
    assert "account.credentials_given" in actions
    assert not app.crashes


async def test_add_3_a_duplicate_stays_in_view_until_dismissed_then_the_focus_is_on_the_email(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, cccid="OLD0001", email="pat+jones@college.edu")
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_add_user(app, pilot)
        fill_directly(screen)
        screen.query_one("#permission-reference", Input).focus()  # the focus is at the bottom of the form
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.id == "add-user-refused")
        lines = [str(w.render()) for w in app.screen.query(".dialog-line")]
        assert lines == ["A user already exists with email: pat+jones@college.edu"]
        await asyncio.sleep(4.5)  # a toast would be gone by now
        assert app.screen.id == "add-user-refused"
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is screen and app.focused is screen.query_one("#f-email")
        assert screen.query_one("#f-email").region.y < SIZE[1]  # scrolled into view
        assert value(screen, "email") == "pat+jones@college.edu"  # nothing typed is lost
    assert not app.crashes


async def test_add_2_a_refused_field_gets_the_focus_and_its_message_beside_it(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_add_user(app, pilot)
        fill_directly(screen)
        screen.query_one("#f-postal", Input).value = "9561"
        screen.query_one("#permission-reference", Input).focus()
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert app.focused is screen.query_one("#f-postal")
        error = screen.query_one("#f-postal-error")
        assert str(error.render()) and error.region.height >= 1 and 0 < error.region.bottom < SIZE[1]


async def test_term_1_tick_boxes_show_their_state_in_text_in_16_colours(monkeypatch, make_app):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        assert app.console.color_system == "standard"
        screen = await open_add_user(app, pilot)
        terms = screen.query_one("#f-accepted-terms", TickBox)
        assert str(terms.render()).startswith("[ ] The student accepts")
        terms.focus()
        await pilot.press("space")
        assert terms.value and str(terms.render()).startswith("[x] The student accepts")


async def test_term_1_no_add_user_label_is_cut_at_80_columns(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_add_user(app, pilot)
        await settle(pilot)
        labels = list(screen.query(".field-label").results(Label))
        assert len(labels) > 20
        for label in labels:
            text = str(label.render())
            assert cell_len(text) <= label.content_region.width, text
        for box in screen.query(TickBox):
            assert cell_len(str(box.render())) <= box.content_region.width, box.label
            assert box.region.right <= SIZE[0]


def test_add_user_bottom_of_the_form_snapshot_80x24(make_app, snap_compare):
    async def bottom(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="add_user")
        screen = pilot.app.screen
        fill_directly(screen)
        screen.query_one("#permission-reference", Input).focus()
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=bottom)
