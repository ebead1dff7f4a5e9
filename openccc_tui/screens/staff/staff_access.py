"""Staff access, for directors (SPEC STAFF-2): approve staff, grant and revoke roles,
deactivate, end a sign-in lockout; never the director's own account. Approving,
deactivating and unlocking ask first."""

from collections.abc import Callable
from datetime import UTC

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Static

from openccc_tui.domain.staff import Role
from openccc_tui.screens.dialogs import ConfirmDialog
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.staff.staff_members import (
    StaffSummary,
    approve_staff,
    clear_lockout,
    list_staff,
    set_active,
    set_role,
)
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell


def _status(member: StaffSummary) -> str:
    if not member.active:
        return "deactivated"
    if not member.approved:
        return "waiting for approval"
    if member.locked_until is not None:
        until = member.locked_until if member.locked_until.tzinfo else member.locked_until.replace(tzinfo=UTC)
        return f"locked until {until.astimezone():%H:%M}"
    return "active"


class StaffAccessScreen(StaffPage):
    BINDINGS = [
        Binding("p", "approve", "Approve", id="staff_access.approve"),
        Binding("1", "toggle_role('creator')", "Creator", id="staff_access.creator"),
        Binding("2", "toggle_role('support')", "Support", id="staff_access.support"),
        Binding("3", "toggle_role('director')", "Director", id="staff_access.director"),
        Binding("d", "toggle_active", "(De)activate", id="staff_access.active"),
        Binding("u", "unlock", "Unlock", id="staff_access.unlock"),
        Binding("escape", "back", "Back", id="staff_access.back"),
    ]
    AUTO_FOCUS = "#staff-rows"

    def __init__(self, session: StaffSession) -> None:
        super().__init__(session)
        self.members: dict[int, StaffSummary] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("Staff access", classes="page-title")
            yield Static(
                "Choose a staff member, then: p approve · 1 2 3 toggle creator, support, director · "
                "d deactivate or reactivate · u end a sign-in lockout.",
                classes="page-help",
            )
            yield PageMessage()
            yield DataTable(id="staff-rows", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield Button("Approve", id="approve")
                yield Button("(De)activate", id="active")
                yield Button("Unlock", id="unlock")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#staff-rows", DataTable).add_columns("User", "Name", "Roles", "Status", "Authenticator")
        self.load()

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        try:
            members = await self.run_service(list_staff)
        except Failed:
            return
        self.members = {m.staff_id: m for m in members}
        table = self.query_one("#staff-rows", DataTable)
        row = table.cursor_row
        table.clear()
        for m in members:
            roles = ",".join(sorted(r.value for r in m.roles))
            table.add_row(
                cell(m.username),
                cell(m.full_name),
                cell(roles),
                cell(_status(m)),
                cell("enrolled" if m.enrolled else "not yet"),
                key=str(m.staff_id),
            )
        if members:
            table.move_cursor(row=min(row, len(members) - 1))

    def selected(self) -> StaffSummary | None:
        table = self.query_one("#staff-rows", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.members.get(int(key or ""))

    @on(DataTable.RowSelected)
    def row_chosen(self) -> None:
        self.query_one("#staff-rows", DataTable).focus()

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        member = self.selected()
        if member:
            self.change(
                approve_staff,
                member.staff_id,
                done=f"{member.username} approved.",
                ask=(f"Approve {member.full_name} ({member.username})? They can sign in and act at once.", "Approve"),
            )

    def action_toggle_role(self, role: str) -> None:
        member = self.selected()
        if member:
            granted = Role(role) not in member.roles
            verb = "granted" if granted else "revoked"
            self.change(set_role, member.staff_id, Role(role), granted, done=f"{role} {verb} for {member.username}.")

    @on(Button.Pressed, "#active")
    def action_toggle_active(self) -> None:
        member = self.selected()
        if member:
            verb = "deactivated" if member.active else "reactivated"
            effect = "can no longer sign in or act" if member.active else "can sign in again"
            self.change(
                set_active,
                member.staff_id,
                not member.active,
                done=f"{member.username} {verb}.",
                ask=(
                    f"{'Deactivate' if member.active else 'Reactivate'} {member.full_name} ({member.username})? "
                    f"They {effect}.",
                    "Deactivate" if member.active else "Reactivate",
                ),
            )

    @on(Button.Pressed, "#unlock")
    def action_unlock(self) -> None:
        member = self.selected()
        if member:
            self.change(
                clear_lockout,
                member.staff_id,
                done=f"{member.username} can sign in again.",
                ask=(
                    f"End the sign-in lockout of {member.full_name} ({member.username})? Do this only after "
                    "you have spoken to them: five wrong tries may mean someone else tried their account.",
                    "Unlock",
                ),
            )

    @work(exclusive=True, group="change")
    async def change(
        self, service: Callable[..., None], *args: object, done: str, ask: tuple[str, str] | None = None
    ) -> None:
        if ask is not None:
            question, yes = ask
            if not await self.app.push_screen_wait(ConfirmDialog(question, yes=yes, no="Cancel")):
                return
        try:
            await self.run_service(service, *args)
        except Failed:
            return
        self.show_message(done)
        self.load()
