"""The tracking sheet export (SPEC TRACK-1): a date range, CSV or password-protected .xlsx."""

from datetime import date, timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static

from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.domain.staff import Role
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.screens.staff.support import HandOverDialog
from openccc_tui.services.account_creation import record_credentials_given
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.services.staff.tracking import export_tracking, tracking_rows
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell


class TrackingScreen(StaffPage):
    AUTO_FOCUS = "#track-from"
    BINDINGS = [
        Binding("space", "choose", "Choose for letters", id="tracking.choose"),
        Binding("h", "letters", "Hand-over letters", id="tracking.letters"),
        Binding("escape", "back", "Back", id="tracking.back"),
    ]

    def __init__(self, session: StaffSession) -> None:
        super().__init__(session)
        self.for_letters: dict[int, None] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("Tracking sheet", classes="page-title")
            yield Static(
                "The accounts your college created in a date range, with CCCIDs, application numbers and "
                "hand-over dates. No passwords. Files go to the export folder; the .xlsx password is not kept.",
                classes="page-help",
            )
            yield PageMessage()
            with Horizontal(classes="row"):
                yield FormField("From (YYYY-MM-DD)", field_id="track-from")
                yield FormField("To (YYYY-MM-DD)", field_id="track-to")
            with Horizontal(classes="select-row"):
                yield Label("Format", classes="field-label")
                yield Select(
                    [("CSV", ".csv"), ("Password-protected Excel (.xlsx)", ".xlsx")],
                    id="track-format",
                    value=".xlsx",
                    allow_blank=False,
                    compact=True,
                )
            yield FormField("File password (.xlsx)", field_id="track-password", secret=True)
            with Horizontal(classes="buttons"):
                yield Button("Show", id="show")
                yield Button("Export", id="export", variant="primary")
            yield Static(
                "Choose an account and press Enter to record that its credentials were handed over; "
                "Space marks accounts for hand-over letters, H writes them.",
                classes="page-help",
            )
            yield DataTable(id="tracking-rows", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        today = self.runtime.clock().date()
        self.query_one("#track-from", Input).value = (today - timedelta(days=30)).isoformat()
        self.query_one("#track-to", Input).value = today.isoformat()

    def on_input_submitted(self) -> None:
        self.export()

    @on(Button.Pressed, "#show")
    def show_pressed(self) -> None:
        self.show_rows()

    @on(Button.Pressed, "#export")
    def export_pressed(self) -> None:
        self.export()

    def date_range(self) -> tuple[date, date] | None:
        start = parse_iso_date(self.query_one("#track-from", Input).value.strip())
        end = parse_iso_date(self.query_one("#track-to", Input).value.strip())
        if start is None or end is None:
            self.show_message("Write both dates as YYYY-MM-DD.", error=True)
            return None
        return start, end

    @work(exclusive=True, group="show")
    async def show_rows(self) -> None:
        dates = self.date_range()
        if dates is None:
            return
        try:
            rows = await self.run_service(tracking_rows, *dates)
        except Failed:
            return
        table = self.query_one("#tracking-rows", DataTable)
        if not table.columns:
            table.add_columns("Created", "CCCID", "Email", "Name", "Handed over", "Letter")
        table.clear()
        shown = {row.account_id for row in rows}
        self.for_letters = {i: None for i in self.for_letters if i in shown}
        for row in rows:
            table.add_row(
                cell(row.created),
                cell(row.cccid),
                cell(row.email),
                cell(f"{row.first} {row.last}"),
                cell(row.credentials_given or "-"),
                "*" if row.account_id in self.for_letters else "",
                key=str(row.account_id),
            )
        self.show_message(f"{len(rows)} account(s) created in the range.")

    @on(DataTable.RowSelected)
    @work(group="handover")
    async def record_handover(self, event: DataTable.RowSelected) -> None:
        answer = await self.app.push_screen_wait(HandOverDialog(self.runtime.clock().date()))
        if answer is None:
            return
        try:
            await self.run_service(record_credentials_given, int(event.row_key.value or ""), *answer)
        except Failed:
            return
        self.show_rows()

    @work(exclusive=True, group="export")
    async def export(self) -> None:
        dates = self.date_range()
        if dates is None:
            return
        start, end = dates
        suffix = str(self.query_one("#track-format", Select).value)
        password_input = self.query_one("#track-password", Input)
        password = password_input.value if suffix == ".xlsx" else None
        password_input.value = ""
        path = self.runtime.settings.export_dir / f"tracking-{self.session.college_mis}-{start}-{end}{suffix}"
        try:
            count = await self.run_service(export_tracking, start, end, path, password=password)
        except Failed:
            return
        self.show_written(path, f"{count} account(s) written to {path}.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("choose", "letters"):
            return bool({Role.CREATOR, Role.SUPPORT} & self.actor.roles)
        return True

    def _cursor_account(self) -> int | None:
        table = self.query_one("#tracking-rows", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key else None

    def action_choose(self) -> None:
        """Mark or unmark the account under the cursor for hand-over letters (TRACK-2)."""
        table = self.query_one("#tracking-rows", DataTable)
        account_id = self._cursor_account()
        if account_id is None or not table.has_focus:
            return
        if account_id in self.for_letters:
            del self.for_letters[account_id]
        else:
            self.for_letters[account_id] = None
        table.update_cell(str(account_id), table.ordered_columns[-1].key, "*" if account_id in self.for_letters else "")
        self.show_message(f"{len(self.for_letters)} account(s) marked for letters.")

    def action_letters(self) -> None:
        """Letters for the marked accounts, or else the one under the cursor."""
        chosen = list(self.for_letters) or [i for i in (self._cursor_account(),) if i is not None]
        if not chosen:
            self.show_message("Show the accounts and mark some with Space first.", error=True)
            return
        self.app.push_screen(LettersScreen(self.session, chosen))
