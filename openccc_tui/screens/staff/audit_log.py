"""The audit log for directors (SPEC STAFF-5): filter by staff, account, action and date;
export what is shown to CSV."""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.audit_log import AuditFilter, export_audit, search_audit
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.literal import cell
from openccc_tui.widgets.page_message import PageMessage


class AuditLogScreen(StaffPage):
    AUTO_FOCUS = "#audit-staff"
    BINDINGS = [
        Binding("f5", "export", "Export CSV", id="audit.export"),
        Binding("escape", "back", "Back", id="audit.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("Audit log", classes="page-title")
            yield PageMessage()
            with Horizontal(classes="row"):
                yield FormField("Staff user", field_id="audit-staff")
                yield FormField("CCCID", field_id="audit-cccid")
                yield FormField("Action starts with", field_id="audit-action")
            with Horizontal(classes="row"):
                yield FormField("From (YYYY-MM-DD)", field_id="audit-from")
                yield FormField("To (YYYY-MM-DD)", field_id="audit-to")
                yield Button("Search", id="search", variant="primary")
                yield Button("Export CSV", id="export")
            yield DataTable(id="audit-rows", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-rows", DataTable).add_columns("When (UTC)", "Who", "Action", "CCCID", "Detail")
        self.search()

    def filters(self) -> AuditFilter | None:
        value = lambda i: self.query_one(f"#{i}", Input).value.strip()  # noqa: E731
        start = parse_iso_date(value("audit-from")) if value("audit-from") else None
        end = parse_iso_date(value("audit-to")) if value("audit-to") else None
        if (value("audit-from") and start is None) or (value("audit-to") and end is None):
            self.show_message("Write dates as YYYY-MM-DD.", error=True)
            return None
        return AuditFilter(
            staff=value("audit-staff"), cccid=value("audit-cccid"), action=value("audit-action"), start=start, end=end
        )

    def on_input_submitted(self) -> None:
        self.search()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.action_export()
        else:
            self.search()

    @work(exclusive=True, group="search")
    async def search(self) -> None:
        filters = self.filters()
        if filters is None:
            return
        try:
            rows = await self.run_service(search_audit, filters)
        except Failed:
            return
        table = self.query_one("#audit-rows", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                *(cell(value) for value in (f"{row.at:%Y-%m-%d %H:%M}", row.actor, row.action, row.cccid, row.detail))
            )
        self.show_message(f"{len(rows)} event(s).")

    @work(exclusive=True, group="export")
    async def action_export(self) -> None:
        filters = self.filters()
        if filters is None:
            return
        stamp = self.openccc_app.runtime.clock().strftime("%Y%m%d-%H%M%S")
        path = self.openccc_app.runtime.settings.export_dir / f"audit-{self.session.college_mis}-{stamp}.csv"
        try:
            count = await self.run_service(export_audit, filters, path)
        except Failed:
            return
        self.show_written(path, f"{count} event(s) written to {path}.")
