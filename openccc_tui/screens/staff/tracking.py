"""The tracking sheet export (SPEC TRACK-1): a date range, CSV or password-protected .xlsx."""

from datetime import timedelta

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.tracking import export_tracking
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage


class TrackingScreen(StaffPage):
    AUTO_FOCUS = "#track-from"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("Tracking sheet", classes="page-title")
            yield Static(
                "The accounts your college created in a date range, with CCCIDs, application numbers and "
                "hand-over dates. No passwords. Files go to the export folder; the .xlsx password is not kept.",
                classes="page-help")
            yield PageMessage()
            with Horizontal(classes="row"):
                yield FormField("From (YYYY-MM-DD)", field_id="track-from")
                yield FormField("To (YYYY-MM-DD)", field_id="track-to")
            with Horizontal(classes="select-row"):
                yield Label("Format", classes="field-label")
                yield Select([("CSV", ".csv"), ("Password-protected Excel (.xlsx)", ".xlsx")], id="track-format",
                             value=".xlsx", allow_blank=False, compact=True)
            yield FormField("File password (.xlsx)", field_id="track-password", secret=True)
            yield Button("Export", id="export", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        today = self.app.runtime.clock().date()
        self.query_one("#track-from", Input).value = (today - timedelta(days=30)).isoformat()
        self.query_one("#track-to", Input).value = today.isoformat()

    def on_input_submitted(self) -> None:
        self.export()

    def on_button_pressed(self) -> None:
        self.export()

    @work(exclusive=True)
    async def export(self) -> None:
        start = parse_iso_date(self.query_one("#track-from", Input).value.strip())
        end = parse_iso_date(self.query_one("#track-to", Input).value.strip())
        if start is None or end is None:
            self.show_message("Write both dates as YYYY-MM-DD.", error=True)
            return
        suffix = str(self.query_one("#track-format", Select).value)
        password_input = self.query_one("#track-password", Input)
        password = password_input.value if suffix == ".xlsx" else None
        password_input.value = ""
        path = self.app.runtime.settings.export_dir / f"tracking-{self.session.college_mis}-{start}-{end}{suffix}"
        try:
            count = await self.run_service(export_tracking, start, end, path, password=password)
        except Failed:
            return
        self.show_message(f"{count} account(s) written to {path}")
