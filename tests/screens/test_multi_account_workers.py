"""Issue 16 on Multi Account Creation at 80×24: the import folder's list refreshes (BULK-9);
no file is parsed and no transaction runs on the event loop, and F8 cancels the check of a
large file too (BULK-8, TERM-1); the buttons act through their own handlers."""

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msoffcrypto
import pytest
from sqlmodel import func, select
from textual.widgets import Button, Input, ProgressBar

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.screens.dialogs import ConfirmDialog, PasswordDialog
from openccc_tui.screens.staff import multi_account
from openccc_tui.screens.staff.multi_account import MultiAccountScreen, UploadTree
from openccc_tui.services.bulk import bulk_jobs, bulk_uploads
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from tests.screens.conftest import SIZE
from tests.screens.console_helpers import sessions_on_the_event_loop, until
from tests.screens.staff_helpers import open_console
from tests.screens.test_multi_account import finished, text
from tests.screens.test_multi_account_choice import paste, pasted
from tests.screens.test_multi_account_in_view import PASSWORD, HeldHasher, in_view, write_upload
from tests.services.test_bulk import row

WATCHED = {
    multi_account: ("open_upload", "open_pasted"),
    bulk_jobs: ("protect_results", "write_template"),
}
"""The page's file work: reading and checking an upload, protecting results, the template."""


@contextmanager
def file_work_on_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], list[str]]]:
    """Every call of the page's file work, and those made on a thread that runs an event loop
    (the Textual app's): a test asserts the second list is empty, the first is not."""
    calls: list[str] = []
    on_the_loop: list[str] = []

    def watched(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass  # a worker thread
            else:
                on_the_loop.append(name)
            return function(*args, **kwargs)

        return call

    for module, names in WATCHED.items():
        for name in names:
            monkeypatch.setattr(module, name, watched(name, getattr(module, name)))
    yield calls, on_the_loop


def tree_names(page: MultiAccountScreen) -> list[str]:
    return [str(node.label) for node in page.query_one(UploadTree).root.children]


async def listed(pilot, page: MultiAccountScreen, name: str) -> None:
    await until(pilot, lambda: name in tree_names(page))


async def click(pilot, page: MultiAccountScreen, selector: str) -> None:
    """A click on a button of the page, scrolled into view first, as a user would."""
    page.query_one(selector).scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.click(selector)


def footer_keys(app) -> set[str]:
    return {binding.key for _, binding, enabled, _ in app.active_bindings.values() if enabled and binding.show}


def accounts(runtime) -> int:
    with read_session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StudentAccount)).one()


async def test_bulk_9_the_folder_list_refreshes_with_f4_on_resume_and_before_an_upload(make_app, sqlite_runtime):
    """Files copied into the import folder over SFTP while the page is open appear: with F4
    (shown in the footer), when the page is shown again after a dialog, and when F5 uploads."""
    folder = sqlite_runtime.settings.import_dir
    write_upload(folder / "fall.csv", [row(1)])
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        page = app.screen
        assert isinstance(page, MultiAccountScreen)
        await listed(pilot, page, "fall.csv")
        assert "f4" in footer_keys(app)
        write_upload(folder / "spring.csv", [row(2)])
        await pilot.pause(0.2)
        assert "spring.csv" not in tree_names(page)
        await pilot.press("f4")
        await listed(pilot, page, "spring.csv")
        (folder / "spring.csv").unlink()
        write_upload(folder / "summer.csv", [row(3)])
        app.push_screen(ConfirmDialog("Anything?"))
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is page
        await listed(pilot, page, "summer.csv")
        assert tree_names(page) == ["fall.csv", "summer.csv"]
        write_upload(folder / "winter.csv", [row(4)])
        page.chosen = folder / "fall.csv"
        await pilot.press("f5")
        await finished(pilot)
        assert text(page, "#job-summary").startswith("Processed 1 of 1 rows: 1 Success")
        await listed(pilot, page, "winter.csv")
    assert not app.crashes


async def test_bulk_8_term_1_upload_progress_summary_protect_with_no_parse_or_transaction_on_the_event_loop(
    sqlite_runtime, monkeypatch
):
    """At 80×24, by keys and clicks: F2, a file chosen in the tree, F5, the progress (held
    between two batches), the summary, then the protected results; and rows pasted. Every
    parse, the template and the protection ran in a worker, and no database session was
    opened on the event loop."""
    rows = [row(n) for n in range(1, 81)] + [row(81, email="nope")]
    hasher = HeldHasher(rows[59][PASSWORD])
    runtime = dataclasses.replace(sqlite_runtime, hasher=hasher)
    write_upload(runtime.settings.import_dir / "fall.csv", rows)
    app = OpenCCCApp(runtime, Mode.STAFF)
    with file_work_on_the_event_loop(monkeypatch) as (calls, parsed_on_the_loop):
        async with app.run_test(size=SIZE) as pilot:
            await open_console(app, pilot, "cory", "creator", page="multi_account")
            page = app.screen
            assert isinstance(page, MultiAccountScreen)
            with sessions_on_the_event_loop() as sessions:
                try:
                    await listed(pilot, page, "fall.csv")
                    await pilot.press("f2")
                    await finished(pilot, "template")
                    assert text(page, "#page-message").startswith("Template written to ")
                    await pilot.press("home", "down", "enter")
                    assert text(page, "#chosen-file") == "Chosen: file fall.csv"
                    await pilot.press("f5")
                    progress = page.query_one("#job-progress", ProgressBar)
                    await until(pilot, lambda: progress.progress == 50, tries=1000)
                    await pilot.pause()
                    assert text(page, "#page-message") == "Processing 81 rows of fall.csv… F8 cancels."
                    assert text(page, "#job-rate").startswith("50 of 81 rows, ")
                    assert all(in_view(page, part) for part in ("#page-message", "#job-progress", "#job-rate"))
                    assert "f8" in footer_keys(app)
                    hasher.go.set()
                    await finished(pilot)
                    assert text(page, "#job-summary").startswith("Processed 81 of 81 rows: 80 Success, 1 Failure.")
                    assert in_view(page, "#job-summary") and "f8" not in footer_keys(app)
                    results = page.results
                    assert results is not None and results.exists()
                    page.query_one("#results-password", Input).value = "Sheet#Pass1234"
                    page.query_one("#results-confirm", Input).value = "Sheet#Pass1234"
                    await click(pilot, page, "#protect")
                    await finished(pilot, "protect")
                    assert page.results == results.with_suffix(".xlsx") and not results.exists()
                    assert text(page, "#page-message").endswith("protected by the password you typed.")
                    await paste(pilot, pasted(90, 91))
                    await pilot.press("f5")
                    await finished(pilot)
                    assert text(page, "#job-summary").startswith("Processed 2 of 2 rows: 2 Success, 0 Failure.")
                    assert in_view(page, "#job-summary")
                finally:
                    hasher.go.set()
    assert msoffcrypto.OfficeFile(results.with_suffix(".xlsx").open("rb")).is_encrypted()
    assert sorted(set(calls)) == ["open_pasted", "open_upload", "protect_results", "write_template"]
    assert parsed_on_the_loop == []
    assert sessions == [], "\n".join(sessions)
    assert not app.crashes


async def test_bulk_7a_the_password_dialog_of_a_protected_workbook_works_with_the_check_in_a_worker(
    make_app, sqlite_runtime, monkeypatch
):
    from tests.services.test_bulk_workbooks import encrypted, with_cells, workbook_bytes

    locked = sqlite_runtime.settings.import_dir / "locked.xlsx"
    locked.write_bytes(encrypted(workbook_bytes([with_cells(6, accepted_terms=1, postal=2134)]), "File pass 2026"))
    app = make_app(Mode.STAFF)
    with file_work_on_the_event_loop(monkeypatch) as (calls, parsed_on_the_loop):
        async with app.run_test(size=SIZE) as pilot:
            await open_console(app, pilot, "cory", "creator", page="multi_account")
            page = app.screen
            await listed(pilot, page, "locked.xlsx")
            await pilot.press("home", "down", "enter", "f5")
            await until(pilot, lambda: isinstance(app.screen, PasswordDialog))
            assert not page.running
            await pilot.press(*"wrong one", "enter")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, PasswordDialog)
                    and text(app.screen, "#dialog-password-error") == "locked.xlsx: wrong password"
                ),
            )
            await pilot.press(*"File pass 2026", "enter")
            await until(pilot, lambda: app.screen is page)
            await finished(pilot)
            assert text(page, "#job-summary").startswith("Processed 1 of 1 rows: 1 Success, 0 Failure.")
            assert in_view(page, "#job-summary")
    assert calls == ["open_upload"] * 3 and parsed_on_the_loop == []
    assert not app.crashes


class HeldCheck:
    """Holds the check of an upload at one row until the test lets it go: a large file whose
    reading takes a while, with the page still answering keys."""

    def __init__(self, at_row: int) -> None:
        self.at_row = at_row
        self.reached = threading.Event()
        self.go = threading.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        add = bulk_uploads._PasswordReuse.add
        held = self

        def add_held(reuse: Any, number: int, cells: list[str]) -> None:
            if number == held.at_row:
                held.reached.set()
                held.go.wait(timeout=60)
            add(reuse, number, cells)

        monkeypatch.setattr(bulk_uploads._PasswordReuse, "add", add_held)


async def test_bulk_8_f8_cancels_during_the_check_of_a_large_file_and_says_what_was_cancelled(
    make_app, sqlite_runtime, monkeypatch
):
    held = HeldCheck(at_row=1_500)
    held.install(monkeypatch)
    write_upload(sqlite_runtime.settings.import_dir / "large.csv", [row(n) for n in range(1, 3_001)])
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await open_console(app, pilot, "cory", "creator", page="multi_account")
            page = app.screen
            assert isinstance(page, MultiAccountScreen)
            await listed(pilot, page, "large.csv")
            await pilot.press("home", "down", "enter", "f5")
            await until(pilot, held.reached.is_set)
            assert text(page, "#page-message") == "Reading and checking large.csv… F8 cancels."
            assert page.running and "f8" in footer_keys(app) and in_view(page, "#page-message")
            assert not page.query_one("#job-progress").display  # no numbers before the rows are processed
            await pilot.press("escape")  # the check is part of the job: Escape asks
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("escape")
            await pilot.press("f8")
            assert text(page, "#page-message") == "Cancelling the reading and checking of large.csv…"
            held.go.set()
            await finished(pilot)
            assert text(page, "#page-message") == (
                "Cancelled while reading and checking large.csv, before any row was processed: nothing was created."
            )
            assert not page.running and not page.query_one("#job-summary").display
            assert not page.query_one("#job-progress").display
            assert page.query_one("#cancel-job", Button).disabled and "f8" not in footer_keys(app)
            assert in_view(page, "#page-message")
            assert await asyncio.to_thread(accounts, sqlite_runtime) == 0
            held.at_row = 0
            await pilot.press("f5")  # not cancelled: the same file is processed whole
            await finished(pilot)
            assert text(page, "#job-summary").startswith("Processed 3000 of 3000 rows: 3000 Success")
            assert await asyncio.to_thread(accounts, sqlite_runtime) == 3_000
        finally:
            held.go.set()
    assert not app.crashes


async def test_bulk_1_8_each_button_acts_through_its_own_handler(make_app, sqlite_runtime):
    """Clicked at 80×24: Download Template, Upload (nothing chosen, then pasted rows), Cancel
    while a job runs, and Save results as protected .xlsx with passwords that differ."""
    assert "on_button_pressed" not in vars(MultiAccountScreen)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        page = app.screen
        assert isinstance(page, MultiAccountScreen)
        await click(pilot, page, "#template")
        await finished(pilot, "template")
        template = sqlite_runtime.settings.export_dir / "bulkAccountCreateTemplate.csv"
        assert text(page, "#page-message") == f"Template written to {template}."
        await click(pilot, page, "#upload")
        assert text(page, "#page-message") == "Not processed: choose a file in the import folder, or paste rows"
        await paste(pilot, pasted(*range(1, 4)))
        await click(pilot, page, "#upload")
        await finished(pilot)
        assert text(page, "#job-summary").startswith("Processed 3 of 3 rows: 3 Success, 0 Failure.")
        page.query_one("#results-password", Input).value = "Sheet#Pass1234"
        page.query_one("#results-confirm", Input).value = "Sheet#Pass9999"
        await click(pilot, page, "#protect")
        await finished(pilot, "protect")
        assert text(page, "#page-message") == "the two results passwords differ: type the same password twice"
        assert page.results is not None and page.results.suffix == ".csv"
        assert not page.query_one("#protect", Button).disabled
    assert not app.crashes


async def test_bulk_8_the_cancel_button_stops_a_running_job(sqlite_runtime):
    rows = [row(n) for n in range(1, 121)]
    hasher = HeldHasher(rows[59][PASSWORD])
    runtime = dataclasses.replace(sqlite_runtime, hasher=hasher)
    write_upload(runtime.settings.import_dir / "fall.csv", rows)
    app = OpenCCCApp(runtime, Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await open_console(app, pilot, "cory", "creator", page="multi_account")
            page = app.screen
            assert isinstance(page, MultiAccountScreen)
            page.chosen = runtime.settings.import_dir / "fall.csv"
            await pilot.press("f5")
            progress = page.query_one("#job-progress", ProgressBar)
            await until(pilot, lambda: progress.progress == 50, tries=1000)
            await click(pilot, page, "#cancel-job")
            assert text(page, "#page-message") == "Cancelling: the rows being saved are finished first…"
            hasher.go.set()
            await finished(pilot)
            assert "Cancelled before the end." in text(page, "#job-summary")
            assert in_view(page, "#job-summary")
        finally:
            hasher.go.set()
    assert not app.crashes
