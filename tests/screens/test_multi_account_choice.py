"""BULK-9 on Multi Account Creation at 80×24: the last thing chosen, a file in the import
folder or rows pasted, is what F5 uploads, and the page says which before the upload."""

from textual import events
from textual.widgets import TextArea

from openccc_tui.app import Mode
from openccc_tui.screens.staff.multi_account import MultiAccountScreen, UploadTree
from tests.screens.conftest import SIZE
from tests.screens.staff_helpers import open_console
from tests.screens.test_multi_account import counted, finished, text
from tests.screens.test_multi_account_in_view import in_view, write_upload
from tests.services.test_bulk import row


def pasted(*numbers: int) -> str:
    return "\n".join("\t".join(row(n)) for n in numbers) + "\n"


def record_messages(page: MultiAccountScreen) -> list[str]:
    """Every message the page shows, as it shows it: a small job ends before a test can read
    the "Processing…" line."""
    shown: list[str] = []
    show = page.show_message

    def recorded(text: str, *, error: bool = False) -> None:
        shown.append(text)
        show(text, error=error)

    page.show_message = recorded  # type: ignore[method-assign]
    return shown


async def open_page(app, pilot, import_dir) -> MultiAccountScreen:
    write_upload(import_dir / "fall.csv", [row(1), row(2)])
    await open_console(app, pilot, "cory", "creator", page="multi_account")
    page = app.screen
    assert isinstance(page, MultiAccountScreen)
    tree = page.query_one(UploadTree)
    for _ in range(100):
        if tree.root.children:
            break
        await pilot.pause(0.05)
    assert app.focused is tree
    nothing = "Nothing chosen yet: a file from the import folder, or rows pasted below."
    assert text(page, "#chosen-file") == nothing
    return page


async def choose_fall_csv(pilot) -> None:
    """Back to the import folder's tree, and Enter on its first file."""
    while not isinstance(pilot.app.focused, UploadTree):
        await pilot.press("shift+tab")
    await pilot.press("home", "down", "enter")


async def paste(pilot, rows: str) -> None:
    """Into the paste box, as a terminal pastes: a Paste event to the focused widget."""
    while not isinstance(pilot.app.focused, TextArea):
        await pilot.press("tab")
    pilot.app.post_message(events.Paste(rows))
    await counted(pilot)


async def test_bulk_9_a_file_chosen_after_a_paste_is_uploaded_not_the_pasted_rows(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(app, pilot, sqlite_runtime.settings.import_dir)
        shown = record_messages(page)
        await paste(pilot, pasted(4, 5, 6))
        assert text(page, "#chosen-file") == "Chosen: the 3 pasted rows"
        await choose_fall_csv(pilot)
        assert text(page, "#chosen-file") == "Chosen: file fall.csv, not the pasted rows"
        assert in_view(page, "#chosen-file")
        await pilot.press("f5")
        await finished(pilot)
        assert shown[-2:] == ["Processing 2 rows of fall.csv… F8 cancels.", "Done."]
        assert text(page, "#job-summary").startswith("Processed 2 of 2 rows: 2 Success, 0 Failure.")
        assert page.results is not None and page.results.name.startswith("fall-results-")
        assert in_view(page, "#job-summary")
        await pilot.press("f5")  # the same choice again: the same file, whose rows now exist
        await finished(pilot)
        assert text(page, "#job-summary").startswith("Processed 2 of 2 rows: 2 Success, 0 Failure. 2 of the accounts")
    assert not app.crashes


async def test_bulk_9_rows_pasted_after_a_file_are_uploaded_until_the_paste_is_emptied(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(app, pilot, sqlite_runtime.settings.import_dir)
        shown = record_messages(page)
        await choose_fall_csv(pilot)
        assert text(page, "#chosen-file") == "Chosen: file fall.csv"
        await paste(pilot, "\t".join(row(0)[:3]) + "\n")  # the start of a header-less row
        assert text(page, "#chosen-file") == "Chosen: the 1 pasted row, not the file fall.csv"
        await pilot.press("f7", "backspace")  # select all, delete
        await paste(pilot, "\t".join(["email", "first"]) + "\n")
        assert text(page, "#chosen-file") == "Chosen: the pasted text (no rows in it yet), not the file fall.csv"
        await pilot.press("f7", "backspace")
        await paste(pilot, pasted(4, 5, 6))
        assert text(page, "#chosen-file") == "Chosen: the 3 pasted rows, not the file fall.csv"
        await pilot.press("f5")
        await finished(pilot)
        assert shown[-2:] == ["Processing the 3 pasted rows… F8 cancels.", "Done."]
        assert text(page, "#job-summary").startswith("Processed 3 of 3 rows: 3 Success, 0 Failure.")
        assert page.results is not None and page.results.name.startswith("pasted-rows-results-")
        assert in_view(page, "#job-summary")
        page.query_one("#pasted", TextArea).focus()
        await pilot.press("f7", "backspace")  # the paste emptied: the file chosen before it
        await pilot.pause()
        assert text(page, "#chosen-file") == "Chosen: file fall.csv"
        await pilot.press("f5")
        await finished(pilot)
        assert shown[-2:] == ["Processing 2 rows of fall.csv… F8 cancels.", "Done."]
        assert text(page, "#job-summary").startswith("Processed 2 of 2 rows: 2 Success, 0 Failure.")
        assert in_view(page, "#job-summary")
    assert not app.crashes
