"""TERM-3: data carrying escape sequences, OSC 52, bidi overrides, zero-width characters or
Rich/Textual markup is shown literally on every screen that displays data. The data is
stored directly, as legacy rows or another program's writes would be: the input rules
that refuse it (tests/domain/test_fields.py) are not what protects the screen here."""

import html
import re

import pytest
from sqlmodel import select

from openccc_tui.app import Mode
from openccc_tui.services.audit import record
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import OutboxMessage, Staff, StudentAccount
from tests import factories
from tests.screens.conftest import SIZE, submit
from tests.screens.staff_helpers import open_console

OSC_52 = "\x1b]52;c;ZXZpbA==\x07Eve"
MARKUP = "[bold]Mal[/bold][@click=app.quit]x[/]"
LINK = "[link=https://evil.example]Ci[/link]"
BIDI = "Zo\u202eë\u200b"
CLEAR = "\x1b[2J\x1b[31mMain St"
RAW = ("\x1b", "\x07", "\u202e", "\u200b")


def screen_text(app) -> str:
    """The screen as the terminal would show it: the text of an SVG screenshot."""
    svg = app.export_screenshot()
    spans = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(spans)).replace("\xa0", " ")


def assert_literal(app, *shown: str) -> str:
    text = screen_text(app)
    for char in RAW:
        assert char not in text
    for part in shown:
        assert part in text, f"{part!r} not shown literally in:\n{text}"
    assert app.is_running and not app.crashes
    return text


@pytest.fixture
def hostile(sqlite_runtime):
    cory = factories.staff_actor(sqlite_runtime, "cory", "creator", "support", "director")
    account_id = factories.stored_student(
        sqlite_runtime,
        cccid="HOS0001",
        email="eve@test.com",
        email_validated=True,
        first_name=OSC_52,
        last_name=MARKUP,
        middle_name=BIDI,
        street1=CLEAR,
        city=LINK,
        created_by_staff_id=cory.staff_id,
        created_for_college_id=cory.college_id,
        created_at=sqlite_runtime.clock(),
        updated_at=sqlite_runtime.clock(),
    )
    with write_session(sqlite_runtime.engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == "cory")).one()
        staff.full_name = f"{OSC_52} {MARKUP}"
        session.add(
            Staff(
                username="mallory",
                full_name=MARKUP + BIDI,
                college_id=cory.college_id,
                password_hash="x",
                totp_secret="x",
                roles="support",
            )
        )
        record(session, sqlite_runtime, cory, "account.update", account_id=account_id, detail=f"{MARKUP} {OSC_52}")
        session.add(
            OutboxMessage(
                channel="email",
                to_address="eve@test.com",
                subject=MARKUP,
                body=f"{OSC_52} {MARKUP}",
                created_at=sqlite_runtime.clock(),
            )
        )
    return account_id


async def test_term_3_support_account_screen_shows_names_literally(make_app, hostile):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "sam", "support", page="support")
        await submit(pilot, "HOS0001")
        assert_literal(app, "HOS0001", "[bold]Mal[/bold]")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_literal(
            app, "\\x1b]52;c;ZXZpbA==\\x07Eve", "[bold]Mal[/bold][@click=app.quit]x[/]", "Zo\\u202eë\\u200b", LINK
        )


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("audit_log", "[bold]Mal[/bold]"),
        ("staff_access", "[bold]Mal[/bold][@click=app.quit]x[/]Zo\\u202eë\\u200b"),
        ("tracking", "\\x1b]52;c;ZXZpbA=="),
    ],
)
async def test_term_3_staff_lists_show_data_literally(make_app, hostile, page, shown):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "dana", "director", "creator", page=page)
        if page == "tracking":
            app.screen.show_rows()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for table in app.screen.query("DataTable"):
            table.focus()  # scrolled into view, as a keyboard user would reach it
        await pilot.pause()
        assert_literal(app, shown)


async def test_term_3_student_home_and_edit_account_show_their_own_data_literally(make_app, hostile):
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "eve@test.com")
        await submit(pilot, factories.STUDENT_PASSWORD)
        assert_literal(app, "HOS0001")
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#p-first").value == "\\x1b]52;c;ZXZpbA==\\x07Eve"
        assert_literal(app)


async def test_term_3_trainer_outbox_shows_message_text_literally(make_app, sqlite_runtime, hostile):
    from openccc_tui.services.audit import command_line_actor
    from openccc_tui.services.setup import DEMO_SEEDED

    with write_session(sqlite_runtime.engine) as session:
        record(session, sqlite_runtime, command_line_actor("test"), DEMO_SEEDED)
    app = make_app(Mode.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#outbox-panel").refresh_messages()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_literal(app, "\\x1b]52;c;ZXZpbA==\\x07Eve [bold]Mal[/bold]")


def test_term_3_hostile_rows_are_really_stored(sqlite_runtime, hostile):
    from openccc_tui.store.engine import read_session

    with read_session(sqlite_runtime.engine) as session:
        row = session.get_one(StudentAccount, hostile)
    assert row.first_name == OSC_52 and row.last_name == MARKUP and row.middle_name == BIDI


async def test_term_3_saving_a_legacy_hostile_name_asks_for_a_fix(make_app, sqlite_runtime, hostile):
    from openccc_tui.store.engine import read_session

    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "eve@test.com")
        await submit(pilot, factories.STUDENT_PASSWORD)
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = assert_literal(app, "Not saved: correct the fields marked below.")
        assert shown.count("letters, spaces, hyphens,") == 3  # first, middle and last name
    with read_session(sqlite_runtime.engine) as session:
        assert session.get_one(StudentAccount, hostile).first_name == OSC_52  # nothing half-saved


async def test_term_3_control_characters_typed_or_pasted_never_reach_the_terminal(make_app):
    from textual import events

    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#identifier").focus()
        app.screen.query_one("#identifier").post_message(events.Paste(f"{OSC_52}{BIDI}"))
        await pilot.pause()
        assert "\x1b" in app.screen.query_one("#identifier").value  # held in the field, refused on Next
        assert_literal(app, "]52;c;ZXZpbA==Eve")
        await submit(pilot)
        assert "Enter a valid email address" in screen_text(app)
