"""Hand-over letters (TRACK-2) through the screens, by keyboard: reached from the account
screen, the Add User success box, a job's summary and the tracking sheet; the one-time
password is only in the PDF, never on screen (STAFF-4)."""

import re
import stat

import pytest
from pypdf import PdfReader
from textual.widgets import DataTable, Input

from openccc_tui.app import Mode
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.services import account_creation
from tests import factories
from tests.screens.conftest import SIZE, settle, submit
from tests.screens.console_helpers import settled
from tests.screens.staff_helpers import open_console
from tests.services.test_bulk import row

pytestmark = pytest.mark.usefixtures("numbered_cccids")

ONE_TIME = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def message(screen) -> str:
    return str(screen.query_one("#page-message").render())


def listed(screen) -> list[str]:
    table = screen.query_one("#letters-accounts", DataTable)
    return [str(table.get_row_at(n)[0]) for n in range(table.row_count)]


def screen_text(screen) -> str:
    """Everything the page shows: its texts and the table's cells."""
    parts = [str(widget.render()) for widget in screen.query("Static")]
    for table in screen.query(DataTable):
        parts += [str(value) for n in range(table.row_count) for value in table.get_row_at(n)]
    return "\n".join(parts)


def pdfs(folder) -> list:
    return sorted(folder.glob("letters-*.pdf"))


async def test_track_2_from_the_account_screen_one_owner_only_pdf_and_no_password_on_screen(
    make_app, sqlite_runtime, student
):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "sam", "support", page="support")
        await submit(pilot, student.cccid)
        await pilot.press("enter")
        await settled(pilot)
        await pilot.press("h")
        await settled(pilot)
        assert isinstance(app.screen, LettersScreen) and listed(app.screen) == [student.cccid]
        assert "shred" in screen_text(app.screen)
        await pilot.press("ctrl+s")
        await settled(pilot)
        (written,) = pdfs(sqlite_runtime.settings.export_dir)
        assert message(app.screen).startswith(f"1 letter(s) written to {written}")
        assert "shred the paper and delete the file" in message(app.screen)
        (one_time,) = ONE_TIME.findall(PdfReader(written).pages[0].extract_text())
        assert one_time not in screen_text(app.screen)
        table = app.screen.query_one("#letters-accounts", DataTable)
        assert str(table.get_row_at(0)[3]).endswith(" letter")
        assert not app.crashes
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


async def test_track_2_add_by_cccid_refuses_an_unknown_one_and_delete_removes(make_app, sqlite_runtime, student):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        session = await open_console(app, pilot, "cora", "creator")
        app.push_screen(LettersScreen(session))
        await pilot.pause()
        await submit(pilot, "ZZZ9999")
        await settled(pilot)
        assert message(app.screen) == "no account with CCCID ZZZ9999" and listed(app.screen) == []
        app.screen.query_one("#letters-cccids", Input).value = student.cccid.lower()
        await pilot.press("enter")
        await settled(pilot)
        assert listed(app.screen) == [student.cccid]
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert len(pdfs(sqlite_runtime.settings.export_dir)) == 1
        app.screen.query_one("#letters-accounts", DataTable).focus()
        await pilot.press("delete")
        assert listed(app.screen) == []
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert message(app.screen) == "Choose at least one account."
        assert len(pdfs(sqlite_runtime.settings.export_dir)) == 1


async def test_track_2_from_the_add_user_success_box(make_app, sqlite_runtime):
    from tests.screens.test_add_user import fill_directly, save

    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="add_user")
        fill_directly(app.screen)
        await save(app, pilot)
        assert app.screen.id == "add-user-success"
        await pilot.press("l")
        await settled(pilot)
        assert isinstance(app.screen, LettersScreen) and listed(app.screen) == ["STU1000"]
        await pilot.press("escape")
        assert isinstance(app.screen, AddUserScreen)


async def test_track_2_from_a_jobs_summary_the_successful_rows(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        assert not app.screen.check_action("letters", ())
        app.screen.query_one("#pasted").text = "\n".join("\t".join(r) for r in (row(4), row(5), row(6, email="bad")))
        await pilot.press("f5")
        for worker in list(app.workers):
            if worker.group == "job":
                await worker.wait()
        await pilot.pause()
        await pilot.press("f9")
        await pilot.pause()
        for worker in list(app.workers):  # not the import folder's tree: its loader runs while it is shown
            if worker.group == "load":
                await worker.wait()
        await pilot.pause()
        assert isinstance(app.screen, LettersScreen) and len(listed(app.screen)) == 2


async def test_track_2_from_the_tracking_sheet_the_marked_rows(make_app, sqlite_runtime, student):
    second = factories.STUDENT_FORM | {
        "email": "tigger@test.com",
        "email-confirm": "tigger@test.com",
        "first": "Tigger",
    }
    creator = factories.staff_actor(sqlite_runtime, "carl", "creator")
    other = account_creation.add_user(sqlite_runtime, creator, second, permission_reference="form 8")
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cora", "creator", page="tracking")
        app.screen.show_rows()
        await settled(pilot)
        table = app.screen.query_one("#tracking-rows", DataTable)
        table.focus()
        await pilot.press("down", "space")
        assert message(app.screen) == "1 account(s) marked for letters."
        await pilot.press("h")
        await settled(pilot)
        assert isinstance(app.screen, LettersScreen) and listed(app.screen) == [other.cccid]


def test_letters_page_snapshot_80x24(make_app, snap_compare, student):
    async def opened(pilot):
        session = await open_console(pilot.app, pilot, "cora", "creator")
        pilot.app.push_screen(LettersScreen(session, [student.account_id]))
        await settled(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=opened)
