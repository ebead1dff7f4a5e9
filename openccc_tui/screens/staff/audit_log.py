"""The audit log for directors (SPEC STAFF-5): filter by staff, account, action and date;
page through every match (n and p), and export them all to CSV."""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.staff.audit_reader import PAGE_SIZE, AuditFilter, AuditPage, audit_page, export_audit
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell


class AuditLogScreen(StaffPage):
    AUTO_FOCUS = "#audit-staff"
    BINDINGS = [
        Binding("f5", "export", "Export CSV", id="audit.export"),
        Binding("n", "page(1)", "Older", id="audit.older"),
        Binding("p", "page(-1)", "Newer", id="audit.newer"),
        Binding("escape", "back", "Back", id="audit.back"),
    ]

    def __init__(self, session: StaffSession) -> None:
        super().__init__(session)
        self.page: AuditPage | None = None
        self.shown_filters = AuditFilter()

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

    @on(Button.Pressed, "#export")
    def export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#search")
    def search(self) -> None:
        filters = self.filters()
        if filters is not None:
            self.show_page(filters, 0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":
            page = self.page
            if page is None:
                return False
            older = parameters[0] == 1
            return page.offset + PAGE_SIZE < page.total if older else page.offset > 0
        return True

    def action_page(self, direction: int) -> None:
        if self.page is not None:
            self.show_page(self.shown_filters, self.page.offset + direction * PAGE_SIZE)

    @work(exclusive=True, group="search")
    async def show_page(self, filters: AuditFilter, offset: int) -> None:
        """The page of matches that starts `offset` events after the newest."""
        try:
            page = await self.run_service(audit_page, filters, offset=offset)
        except Failed:
            return
        self.page, self.shown_filters = page, filters
        table = self.query_one("#audit-rows", DataTable)
        table.clear()
        for row in page.rows:
            table.add_row(
                *(cell(value) for value in (f"{row.at:%Y-%m-%d %H:%M}", row.actor, row.action, row.cccid, row.detail))
            )
        self.refresh_bindings()
        if not page.total:
            self.show_message("No event matches.")
            return
        first, last = page.offset + 1, page.offset + len(page.rows)
        keys = " · ".join(
            text for text, shown in (("n: older", last < page.total), ("p: newer", page.offset > 0)) if shown
        )
        self.show_message(f"Events {first:,}–{last:,} of {page.total:,}, newest first." + (f" {keys}" if keys else ""))

    @work(exclusive=True, group="export")
    async def action_export(self) -> None:
        filters = self.filters()
        if filters is None:
            return
        stamp = self.runtime.clock().strftime("%Y%m%d-%H%M%S")
        path = self.runtime.settings.export_dir / f"audit-{self.session.college_mis}-{stamp}.csv"
        try:
            count = await self.run_service(export_audit, filters, path)
        except Failed:
            return
        self.show_written(path, f"{count} event(s) written to {path}.")
