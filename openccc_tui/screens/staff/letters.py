"""Hand-over letters (SPEC TRACK-2): the chosen accounts, then one owner-only PDF with a page
per student and a fresh one-time password on each. Staff never see those passwords
(STAFF-4): they are only in the PDF, never on this page."""

from collections.abc import Sequence
from dataclasses import replace

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.staff.letters import (
    HANDOVER_NOTE,
    LetterAccount,
    accounts_by_cccid,
    job_accounts,
    letter_accounts,
    write_letters,
)
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell

PAPER_WARNING = (
    "The PDF holds one-time passwords: it is readable by you only. Print it, hand each page to its "
    "student, then shred the paper and delete the file."
)


class LettersScreen(StaffPage):
    AUTO_FOCUS = "#letters-cccids"
    BINDINGS = [
        Binding("ctrl+s", "write", "Write letters", id="letters.write"),
        Binding("delete", "remove", "Remove account", id="letters.remove"),
        Binding("escape", "back", "Back", id="letters.back"),
    ]

    def __init__(self, session: StaffSession, account_ids: Sequence[int] = (), *, job_id: int | None = None) -> None:
        super().__init__(session)
        self.initial = list(account_ids)
        self.job_id = job_id
        self.chosen: list[LetterAccount] = []

    def compose(self) -> ComposeResult:
        days = self.runtime.settings.letter_password_days
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("Hand-over letters", classes="page-title")
            yield Static(
                f"One PDF in the export folder, a page per student with a fresh one-time password (works once, "
                f"for {days} days; the password stays as it is). Nobody sees those passwords here.",
                classes="page-help",
            )
            yield Static(PAPER_WARNING, classes="page-help", id="letters-warning")
            yield PageMessage()
            with Horizontal(classes="row"):
                yield FormField("Add CCCIDs (separate with spaces)", field_id="letters-cccids")
                yield Button("Add", id="letters-add")
            yield DataTable(id="letters-accounts", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield Button("Write letters", id="letters-write", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#letters-accounts", DataTable).add_columns("CCCID", "Name", "Sign-in email", "Handed over")
        if self.initial or self.job_id is not None:
            self.load_initial()

    @work(exclusive=True, group="load")
    async def load_initial(self) -> None:
        try:
            ids = self.initial
            if self.job_id is not None:
                ids = await self.run_service(job_accounts, self.job_id)
            await self.add_accounts(ids)
        except Failed:
            return

    async def add_accounts(self, account_ids: Sequence[int]) -> None:
        known = {a.account_id for a in self.chosen}
        found = await self.run_service(letter_accounts, [i for i in account_ids if i not in known])
        self.chosen.extend(found)
        self.show_table()
        self.show_message(f"{len(self.chosen)} account(s) chosen.")

    def show_table(self) -> None:
        table = self.query_one("#letters-accounts", DataTable)
        table.clear()
        for account in self.chosen:
            table.add_row(
                cell(account.cccid),
                cell(account.name),
                cell(account.email),
                cell(account.handed_over or "-"),
                key=str(account.account_id),
            )

    @on(Input.Submitted, "#letters-cccids")
    @on(Button.Pressed, "#letters-add")
    @work(exclusive=True, group="add")
    async def add_by_cccid(self) -> None:
        field = self.query_one("#letters-cccids", Input)
        cccids = field.value.split()
        if not cccids:
            self.show_message("Type one or more CCCIDs.", error=True)
            return
        try:
            ids = await self.run_service(accounts_by_cccid, cccids)
            await self.add_accounts(ids)
        except Failed:
            return
        field.value = ""

    def action_remove(self) -> None:
        table = self.query_one("#letters-accounts", DataTable)
        if not self.chosen or not table.has_focus:
            return
        del self.chosen[table.cursor_row]
        self.show_table()
        self.show_message(f"{len(self.chosen)} account(s) chosen.")

    @on(Button.Pressed, "#letters-write")
    def write_pressed(self) -> None:
        self.action_write()

    @work(exclusive=True, group="write")
    async def action_write(self) -> None:
        if not self.chosen:
            self.show_message("Choose at least one account.", error=True)
            return
        ids = [a.account_id for a in self.chosen]
        try:
            written = await self.run_service(write_letters, ids)
        except Failed:
            return
        today = self.runtime.clock().date().isoformat()
        self.chosen = [replace(a, handed_over=f"{today} {HANDOVER_NOTE}") for a in self.chosen]
        self.show_table()
        self.show_written(
            written.path,
            f"{written.count} letter(s) written to {written.path}; their one-time passwords work once, until "
            f"{written.valid_until.isoformat()}. {PAPER_WARNING}",
        )
