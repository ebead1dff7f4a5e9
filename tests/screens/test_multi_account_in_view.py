"""BULK-8 and TERM-1 on Multi Account Creation at 80×24: the message, the progress and then
the summary of a job are scrolled into view, whatever part of the page was shown."""

import csv
import dataclasses
import threading

import pytest
from textual.geometry import Region
from textual.widgets import ProgressBar

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.domain.hashing import PasswordHasher
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.screens.staff.multi_account import FAILURE_LINES, MultiAccountScreen
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.setup import seed_demo
from openccc_tui.widgets.outbox import OutboxPanel
from tests.screens.conftest import SIZE
from tests.screens.staff_helpers import open_console
from tests.screens.test_multi_account import finished, text
from tests.services.test_bulk import row

PASSWORD = TEMPLATE_COLUMNS.index("password")


class HeldHasher(PasswordHasher):
    """The cheap test hasher, which holds one password's hash until the test lets it go: the
    job stops between two batches, with its progress on the page."""

    def __init__(self, held: str) -> None:
        super().__init__(memory_kib=64, time_cost=1, parallelism=1, _allow_weak=True)
        self.held = held
        self.go = threading.Event()

    def hash(self, secret: str) -> str:
        if secret == self.held:
            self.go.wait(timeout=60)
        return super().hash(secret)


def in_view(page: MultiAccountScreen, selector: str) -> bool:
    """The widget is whole on the 80×24 screen, in the part of the page shown (not under the
    footer, the header or the trainer's outbox panel)."""
    widget = page.query_one(selector)
    region = widget.region
    shown = page.query_one("#multi-page").scrollable_content_region
    return (
        widget.display
        and bool(region)
        and Region(0, 0, *SIZE).contains_region(region)
        and shown.contains_region(region)
    )


async def scroll_page(pilot, page: MultiAccountScreen, where: str) -> None:
    scroll = page.query_one("#multi-page")
    if where == "top":
        scroll.scroll_home(animate=False, immediate=True)
    else:
        scroll.scroll_end(animate=False, immediate=True)
    await pilot.pause()


def write_upload(path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("mode", "start", "then"),
    [
        (Mode.STAFF, "top", "bottom"),
        (Mode.STAFF, "bottom", "top"),
        (Mode.TRAINER, "top", "bottom"),
    ],
)
async def test_bulk_8_term_1_progress_then_summary_in_view_at_80x24_from_any_scroll_position(
    sqlite_runtime, mode, start, then
):
    """The page is scrolled to one end before F5, and to the other while the job waits between
    two batches: the progress, then the summary, come into view all the same (in trainer mode
    too, where the outbox panel takes the bottom of the screen)."""
    if mode is Mode.TRAINER:
        seed_demo(sqlite_runtime, command_line_actor("trainer"))
    rows = [row(n) for n in range(1, 121)] + [row(121, email="nope"), row(122, dob="3/4/2001")]
    hasher = HeldHasher(rows[59][PASSWORD])  # the second batch of 50 rows waits for it
    app = OpenCCCApp(dataclasses.replace(sqlite_runtime, hasher=hasher), mode)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await open_console(app, pilot, "cory", "creator", page="multi_account")
            page = app.screen
            assert isinstance(page, MultiAccountScreen)
            assert bool(page.query(OutboxPanel)) is (mode is Mode.TRAINER)
            upload = sqlite_runtime.settings.import_dir / "fall.csv"
            write_upload(upload, rows)
            page.chosen = upload
            await scroll_page(pilot, page, start)
            assert not in_view(page, "#job-summary")
            await pilot.press("f5")
            for _ in range(400):
                if page.query_one("#job-progress", ProgressBar).progress == 50:
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            assert text(page, "#page-message") == "Processing 122 rows of fall.csv… F8 cancels."
            assert text(page, "#job-rate").startswith("50 of 122 rows, ")
            assert all(in_view(page, part) for part in ("#page-message", "#job-progress", "#job-rate"))
            await scroll_page(pilot, page, then)
            hasher.go.set()
            await finished(pilot)
            summary = text(page, "#job-summary")
            assert summary.startswith("Processed 122 of 122 rows: 120 Success, 2 Failure.")
            assert page.results is not None
            assert summary.endswith(f"Results: {page.results.name} in the export folder")
            assert in_view(page, "#job-summary") and in_view(page, "#page-message")
            assert text(page, "#page-message") == "Done."
            assert not page.query_one("#job-rate").display
        finally:
            hasher.go.set()  # a failed assertion leaves no job waiting
    assert not app.crashes


async def test_bulk_8_term_1_a_long_summary_lists_the_commonest_failures_and_stays_in_view(make_app, sqlite_runtime):
    """Eight different failure messages: the five most frequent are listed, the rest counted in
    one line, so the summary fits the view at 80×24."""
    first = [row(n) for n in range(1, 9)]
    again = [row(n, password=f"Other#{n}#Lake26") for n in range(1, 9)]
    wrong = [row(9, email="nope"), row(10, email="nope")]
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="multi_account")
        page = app.screen
        upload = sqlite_runtime.settings.import_dir / "twice.csv"
        write_upload(upload, first + wrong + again)
        page.chosen = upload
        await scroll_page(pilot, page, "top")
        await pilot.press("f5")
        await finished(pilot)
        lines = text(page, "#job-summary").splitlines()
        assert lines[0] == "Processed 18 of 18 rows: 8 Success, 10 Failure."
        failures = [line for line in lines if line.startswith("  ")]
        assert failures[0].startswith("  2 × errorCode:invalid.value,field:email")
        assert all(" × A user already exists with email: s" in line for line in failures[1:FAILURE_LINES])
        assert failures[FAILURE_LINES:] == ["  4 × 4 other messages: the results file has each row's message"]
        assert in_view(page, "#job-summary")
    assert not app.crashes
