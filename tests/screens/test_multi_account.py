"""BULK-1..9 through the Multi Account Creation screen: template, file, paste, progress,
summary, protected results."""

import csv

import msoffcrypto
from textual.widgets import Button, Input, ProgressBar

from openccc_tui.app import Mode
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.screens.staff.multi_account import MultiAccountScreen
from tests.screens.conftest import SIZE, settle
from tests.screens.staff_helpers import open_console
from tests.services.test_bulk import row


async def finished(pilot, group: str = "job"):
    """Wait for the job (its check, then its rows), or the page's other worker of `group`
    ("template", "protect"); the directory tree's loader is a worker that runs as long as the tree."""
    await pilot.pause()
    for worker in list(pilot.app.workers):
        if worker.group == group:
            await worker.wait()
    await pilot.pause()


async def counted(pilot) -> None:
    """Wait for the pasted rows to be counted (a worker, off the event loop)."""
    await pilot.pause()
    for worker in list(pilot.app.workers):
        if worker.group == "paste-count":
            await worker.wait()
    await pilot.pause()


def text(screen, selector):
    return str(screen.query_one(selector).render())


async def test_bulk_template_file_upload_summary_and_protected_results(make_app, sqlite_runtime):
    settings = sqlite_runtime.settings
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("m")
        assert isinstance(app.screen, MultiAccountScreen)
        await pilot.press("f2")
        await finished(pilot, "template")
        template = settings.export_dir / "bulkAccountCreateTemplate.csv"
        assert text(app.screen, "#page-message") == f"Template written to {template}."
        upload = settings.import_dir / "fall.csv"
        with upload.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(TEMPLATE_COLUMNS)
            writer.writerows([row(1), row(2), row(3, email="nope")])
        app.screen.chosen = upload
        await pilot.press("f5")
        await finished(pilot)
        summary = text(app.screen, "#job-summary")
        assert summary.startswith("Processed 3 of 3 rows: 2 Success, 1 Failure.")
        assert "1 × errorCode:invalid.value,field:email" in summary
        results = app.screen.results
        assert results is not None
        assert results.exists() and results.parent == settings.export_dir
        app.screen.query_one("#results-password", Input).value = "Sheet#Pass1234"
        app.screen.query_one("#results-confirm", Input).value = "Sheet#Pass1234"
        app.screen.query_one("#protect", Button).press()
        await finished(pilot, "protect")
        protected = app.screen.results
        assert protected is not None
        assert text(app.screen, "#job-summary").endswith(f"Results: {protected.name} in the export folder")
    assert protected is not None
    assert protected.suffix == ".xlsx" and not results.exists()
    assert msoffcrypto.OfficeFile(protected.open("rb")).is_encrypted()
    assert not app.crashes


async def test_bulk_9_pasted_rows(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        app.screen.query_one("#pasted").text = "\n".join("\t".join(row(n)) for n in (4, 5))
        await pilot.press("f5")
        await finished(pilot)
        assert text(app.screen, "#job-summary").startswith("Processed 2 of 2 rows: 2 Success, 0 Failure.")


async def test_bulk_2_a_refused_file_says_why_and_creates_nothing(make_app, sqlite_runtime):
    settings = sqlite_runtime.settings
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        bad = settings.import_dir / "bad.csv"
        bad.write_text("email,first\nx@y.z,Al\n")
        app.screen.chosen = bad
        await pilot.press("f5")
        await finished(pilot)
        assert text(app.screen, "#page-message").startswith("Not processed: The header stops before column 3")
        await pilot.press("f5")  # nothing chosen after a refusal is still the same file: refused again
        await finished(pilot)
        assert text(app.screen, "#page-message").startswith("Not processed: The header stops before column 3")
        app.screen.chosen = None
        await pilot.press("f5")
        await pilot.pause()
        assert "choose a file" in text(app.screen, "#page-message")


def test_multi_account_snapshot_80x24(make_app, snap_compare):
    async def opened(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="multi_account")
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=opened)


def test_multi_account_summary_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    async def processed(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="multi_account")
        pilot.app.screen.query_one("#pasted").text = "\n".join("\t".join(row(n)) for n in (1, 2)) + "\nbad\trow"
        await counted(pilot)
        await pilot.press("f5")
        await finished(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=processed)


async def test_bulk_1_7_in_the_browser_the_template_and_results_are_downloads(make_app, sqlite_runtime, monkeypatch):
    delivered = []
    monkeypatch.setattr(type(make_app()), "is_web", property(lambda app: True))
    app = make_app(Mode.STAFF)
    monkeypatch.setattr(app, "deliver_binary", lambda path, **options: delivered.append((path, options)))
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("m")
        await pilot.press("f2")
        await finished(pilot, "template")
        template = sqlite_runtime.settings.export_dir / "bulkAccountCreateTemplate.csv"
        assert delivered == [(template, {"open_method": "download"})]
        assert text(app.screen, "#page-message").endswith("Your browser downloads it as bulkAccountCreateTemplate.csv.")
        pasted = "\n".join(["\t".join(TEMPLATE_COLUMNS), "\t".join(row(1))])
        app.screen.query_one("#pasted").text = pasted
        await pilot.press("f5")
        await finished(pilot)
        assert len(delivered) == 2 and delivered[1][0] == app.screen.results
        assert text(app.screen, "#page-message") == f"Done. Your browser downloads it as {app.screen.results.name}."


async def test_bulk_8_escape_during_a_running_job_asks_before_cancelling(sqlite_runtime, tmp_path):
    """At 80x24: Escape while a job runs asks; "Keep going" leaves it running, "Cancel the
    job" stops it after the batch being saved, and every CCCID in its results exists."""
    import dataclasses

    from sqlmodel import select

    from openccc_tui.app import OpenCCCApp
    from openccc_tui.domain.hashing import PasswordHasher
    from openccc_tui.screens.dialogs import ConfirmDialog
    from openccc_tui.store.engine import read_session
    from openccc_tui.store.models import StudentAccount

    # Real hashes: a job of some 20 s, which the cancel cuts short.
    runtime = dataclasses.replace(sqlite_runtime, hasher=PasswordHasher())
    total_rows = 2000
    app = OpenCCCApp(runtime, Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        page = app.screen
        assert isinstance(page, MultiAccountScreen)
        upload = runtime.settings.import_dir / "long.csv"
        with upload.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(TEMPLATE_COLUMNS)
            writer.writerows(row(n) for n in range(total_rows))
        page.chosen = upload
        await pilot.press("f5")
        await pilot.press("f5")  # a second upload waits for the first job
        assert text(page, "#page-message") == "A job is running: wait for its end, or cancel it with F8."
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        assert "A job is running. Cancel it?" in str(app.screen.query_one("Static").render())
        await pilot.press("escape")  # the dialog's Escape is "Keep going"
        assert page.is_current and page.running
        for _ in range(600):  # until a first batch is saved
            if page.query_one("#job-progress", ProgressBar).progress:
                break
            await pilot.pause(0.05)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#yes")
        await finished(pilot)
        assert page.is_current and not page.running
        assert "Cancelled before the end." in text(page, "#job-summary")
        with page.results.open(encoding="utf-8-sig", newline="") as file:
            listed = {r[0]: r[TEMPLATE_COLUMNS.index("cccid")] for r in list(csv.reader(file))[1:]}
        with read_session(runtime.engine) as session:
            stored = {a.email: a.cccid for a in session.exec(select(StudentAccount))}
        assert listed == stored and 0 < len(stored) < total_rows
        await pilot.press("escape")  # no job running: Escape goes back without asking
        assert not isinstance(app.screen, (ConfirmDialog, MultiAccountScreen))
    assert not app.crashes


async def test_bulk_1_a_template_path_that_is_a_symlink_is_refused_on_the_page(make_app, sqlite_runtime, tmp_path):
    """STAFF-6: the template is never written through a link; the page says so and goes on."""
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep")
    (sqlite_runtime.settings.export_dir / "bulkAccountCreateTemplate.csv").symlink_to(target)
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        await pilot.press("f2")
        await finished(pilot, "template")
        assert "is a symbolic link: files are never written through one" in text(app.screen, "#page-message")
    assert target.read_text() == "keep" and not app.crashes


async def test_bulk_7a_a_protected_workbook_asks_its_password_in_a_masked_dialog(make_app, sqlite_runtime):
    from openccc_tui.screens.dialogs import PasswordDialog
    from openccc_tui.widgets.secret_input import SecretInput
    from tests.services.test_bulk_workbooks import encrypted, with_cells, workbook_bytes

    locked = sqlite_runtime.settings.import_dir / "locked.xlsx"
    locked.write_bytes(encrypted(workbook_bytes([with_cells(6, accepted_terms=1, postal=2134)]), "File pass 2026"))
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        page = app.screen
        page.chosen = locked
        await pilot.press("f5")
        await finished(pilot)
        assert isinstance(app.screen, PasswordDialog)
        field = app.screen.query_one("#dialog-password", SecretInput)
        assert field.password and app.focused is field
        assert text(app.screen, "#dialog-password-error") == ""
        await pilot.press(*"wrong one", "enter")
        await finished(pilot)
        assert isinstance(app.screen, PasswordDialog)
        assert text(app.screen, "#dialog-password-error") == "locked.xlsx: wrong password"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is page
        assert text(page, "#page-message") == "Not processed: locked.xlsx is protected by a password."
        await pilot.press("f5")
        await finished(pilot)
        await pilot.press(*"File pass 2026")
        app.screen.query_one("#open", Button).press()
        await pilot.pause()
        assert app.screen is page
        await finished(pilot)
        assert text(page, "#job-summary").startswith("Processed 1 of 1 rows: 1 Success, 0 Failure.")
    assert not app.crashes
