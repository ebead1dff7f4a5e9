"""Support look-up (SPEC REC-4, STAFF-4): find an account, see it without secrets, update
its email after verifying identity, send a one-time password, record a hand-over."""

import asyncio
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.domain.staff import Role
from openccc_tui.screens.app_access import AppAccess
from openccc_tui.screens.dialogs import ConfirmDialog
from openccc_tui.screens.field_names import name_problems
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.screens.staff.messages import StudentMessagesScreen
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.account_creation import record_credentials_given
from openccc_tui.services.errors import InvalidInput, ServiceError, describe
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.services.staff.support import (
    AccountView,
    Search,
    find_accounts,
    get_account,
    reset_password,
    update_email,
)
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.table_cell import cell
from openccc_tui.widgets.tick_box import TickBox
from openccc_tui.widgets.verbatim import Verbatim


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def describe_account(view: AccountView) -> list[tuple[str, str]]:
    """The account as label/value pairs: what support may see, and no secret (STAFF-4)."""
    name = " ".join(p for p in (view.first_name, view.middle_name, view.last_name) if p)
    return [
        ("CCCID", view.cccid),
        ("User name", view.username or "(none)"),
        ("Legal name", name + (f" (preferred: {view.preferred_name})" if view.preferred_name else "")),
        ("Date of birth", view.date_of_birth.isoformat()),
        ("Email", f"{view.email} (validated: {_yes(view.email_validated)})"),
        ("Phone", f"{view.phone} (validated: {_yes(view.phone_validated)})" if view.phone else "(none)"),
        ("City, state", f"{view.city}, {view.state}"),
        ("ID status", view.idme_workflow_status),
        (
            "Created",
            f"{view.created_at:%Y-%m-%d %H:%M} by {view.created_by}" + (f" for {view.college}" if view.college else ""),
        ),
        ("Reclaimed", f"{view.reclaimed_at:%Y-%m-%d}" if view.reclaimed_at else "no"),
        ("Must change password", _yes(view.must_change_password)),
        ("Locked", _yes(view.locked)),
        (
            "Credentials given",
            f"{view.credentials_given_at:%Y-%m-%d} {view.credentials_note}"
            if view.credentials_given_at
            else "not recorded",
        ),
        ("Applications", " ".join(view.confirmation_numbers) or "(none)"),
    ]


class SupportScreen(StaffPage):
    AUTO_FOCUS = "#search-cccid"
    BINDINGS = [Binding("escape", "back", "Back", id="support.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("Support look-up", classes="page-title")
            yield Static(
                "Fill one: CCCID, email, phone, or last name with date of birth. Enter searches.", classes="page-help"
            )
            yield PageMessage()
            with Horizontal(classes="row"):
                yield FormField("CCCID", field_id="search-cccid")
                yield FormField("Email", field_id="search-email")
                yield FormField("Phone", field_id="search-phone")
            with Horizontal(classes="row"):
                yield FormField("Last name", field_id="search-last")
                yield FormField("Date of birth (YYYY-MM-DD)", field_id="search-dob")
                yield Button("Find", id="find", variant="primary")
            yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#results", DataTable).add_columns("CCCID", "Name", "Email", "Created by")

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def on_input_submitted(self) -> None:
        self.search()

    @on(Button.Pressed, "#find")
    def find_pressed(self) -> None:
        self.search()

    @work(exclusive=True)
    async def search(self) -> None:
        dob_text = self._value("search-dob").strip()
        dob = parse_iso_date(dob_text) if dob_text else None
        if dob_text and dob is None:
            self.show_message("Write the date of birth as YYYY-MM-DD.", error=True)
            return
        query = Search(
            cccid=self._value("search-cccid"),
            email=self._value("search-email"),
            phone=self._value("search-phone"),
            last_name=self._value("search-last"),
            date_of_birth=dob,
        )
        try:
            views = await self.run_service(find_accounts, query)
        except Failed:
            return
        table = self.query_one("#results", DataTable)
        table.clear()
        for view in views:
            table.add_row(
                cell(view.cccid),
                cell(f"{view.first_name} {view.last_name}"),
                cell(view.email),
                cell(view.created_by),
                key=str(view.account_id),
            )
        self.show_message(f"{len(views)} account(s) found." + (" Choose one with Enter." if views else ""))
        if views:
            table.focus()

    @on(DataTable.RowSelected)
    def open_account(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(AccountScreen(self.session, int(event.row_key.value or "")))


class AccountScreen(StaffPage):
    """One account, with the support actions the staff member's roles allow."""

    BINDINGS = [
        Binding("e", "update_email", "Email", id="account.email"),
        Binding("o", "one_time_password", "One-time password", id="account.otp"),
        Binding("c", "credentials_given", "Hand-over date", id="account.handover"),
        Binding("h", "letter", "Letter", id="account.letter"),
        Binding("m", "messages", "Messages", id="account.messages"),
        Binding("escape", "back", "Back", id="account.back"),
    ]

    def __init__(self, session: StaffSession, account_id: int) -> None:
        super().__init__(session)
        self.account_id = account_id
        self.view: AccountView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static("Student account", classes="page-title")
            yield PageMessage()
            yield Vertical(id="account-lines")
            with Horizontal(classes="buttons"):
                if Role.SUPPORT in self.actor.roles:
                    yield Button("Update email", id="update-email")
                    yield Button("Send one-time password", id="otp", variant="warning")
                yield Button("Record hand-over", id="handover")
            with Horizontal(classes="buttons"):
                yield Button("Hand-over letter", id="letter")
                if Role.SUPPORT in self.actor.roles:
                    yield Button("Messages", id="messages")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("update_email", "one_time_password", "messages"):
            return Role.SUPPORT in self.actor.roles
        return True

    def on_mount(self) -> None:
        self.refresh_account()

    @work(exclusive=True, group="load")
    async def refresh_account(self) -> None:
        try:
            view = await self.run_service(get_account, self.account_id)
        except Failed:
            return
        lines = self.query_one("#account-lines", Vertical)
        await lines.remove_children()
        self.view = view
        await lines.mount_all(Verbatim(f"{label:<21} {value}") for label, value in describe_account(view))

    @on(Button.Pressed, "#update-email")
    def update_email_pressed(self) -> None:
        self.action_update_email()

    @on(Button.Pressed, "#otp")
    def one_time_password_pressed(self) -> None:
        self.action_one_time_password()

    @on(Button.Pressed, "#handover")
    def handover_pressed(self) -> None:
        self.action_credentials_given()

    @on(Button.Pressed, "#messages")
    def messages_pressed(self) -> None:
        self.action_messages()

    @on(Button.Pressed, "#letter")
    def letter_pressed(self) -> None:
        self.action_letter()

    def action_letter(self) -> None:
        self.app.push_screen(LettersScreen(self.session, [self.account_id]))

    def action_messages(self) -> None:
        if self.view is not None:
            self.app.push_screen(StudentMessagesScreen(self.session, self.account_id, self.view.cccid))

    @work(group="action")
    async def action_update_email(self) -> None:
        if not await self.app.push_screen_wait(UpdateEmailDialog(self.session, self.account_id)):
            return
        self.show_message("Email updated. The student validates it with a code at the next sign-in.")
        self.refresh_account()

    @work(group="action")
    async def action_one_time_password(self) -> None:
        confirmed = await self.app.push_screen_wait(
            ConfirmDialog(
                "Send a one-time password to the email on file? The current password stops working, "
                "and the student must choose a new one at sign-in.",
                yes="Send",
                no="Cancel",
            )
        )
        if not confirmed:
            return
        try:
            destination = await self.run_service(reset_password, self.account_id)
        except Failed:
            return
        self.show_message(f"A one-time password was sent to {destination}.")
        self.refresh_account()

    @work(group="action")
    async def action_credentials_given(self) -> None:
        answer = await self.app.push_screen_wait(HandOverDialog(self.runtime.clock().date()))
        if answer is None:
            return
        try:
            await self.run_service(record_credentials_given, self.account_id, answer[0], answer[1])
        except Failed:
            return
        self.show_message("Hand-over recorded for the tracking sheet.")
        self.refresh_account()


class UpdateEmailDialog(AppAccess, ModalScreen[bool]):
    """Saves the new email itself, so a refusal is shown beside what was typed, which stays
    (REC-4); dismisses True once the email is updated."""

    AUTO_FOCUS = "#new-email"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="email.cancel")]
    FIELDS = {"email": "new-email", "email.confirm": "confirm-email", "verification": "verification-note"}

    def __init__(self, session: StaffSession, account_id: int) -> None:
        super().__init__()
        self.session, self.account_id = session, account_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Update the email on file", classes="dialog-title")
            yield Static("", id="email-message", classes="sign-in-message", markup=False)
            yield FormField("New email", field_id="new-email")
            yield FormField("Confirm new email", field_id="confirm-email")
            yield TickBox("I verified the student's identity", id="verified")
            yield FormField("How identity was verified", field_id="verification-note")
            with Horizontal(classes="buttons"):
                yield Button("Update", id="update", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#update")
    def update_pressed(self) -> None:
        self.save()

    def on_input_submitted(self) -> None:
        self.save()

    @work(exclusive=True)
    async def save(self) -> None:
        value = lambda i: self.query_one(f"#{i}", Input).value  # noqa: E731
        for field in self.query(FormField):
            field.show_error(None)
        message = self.query_one("#email-message", Static)
        message.update("")
        try:
            await asyncio.to_thread(
                update_email,
                self.runtime,
                self.session.actor,
                self.account_id,
                value("new-email"),
                value("confirm-email"),
                identity_verified=self.query_one("#verified", TickBox).value,
                verification_note=value("verification-note"),
            )
        except InvalidInput as error:
            message.update("Not updated: correct the fields marked below.")
            for problem in error.errors:
                field_id = self.FIELDS.get(problem.path)
                if field_id:
                    self.query_one(f"#{field_id}-field", FormField).show_error(describe(problem))
                else:
                    message.update(name_problems([problem]))
            first = next((self.FIELDS[p.path] for p in error.errors if p.path in self.FIELDS), None)
            if first:
                self.query_one(f"#{first}").focus()
            return
        except ServiceError as error:
            message.update(f"Not updated: {error}.")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class HandOverDialog(ModalScreen[tuple[date, str] | None]):
    AUTO_FOCUS = "#given-on"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="handover.cancel")]

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Credentials handed to the student", classes="dialog-title")
            yield FormField("Date (YYYY-MM-DD)", field_id="given-on")
            yield FormField("Note", field_id="handover-note")
            with Horizontal(classes="buttons"):
                yield Button("Record", id="record", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#given-on", Input).value = self.today.isoformat()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#record")
    def record_pressed(self) -> None:
        given = parse_iso_date(self.query_one("#given-on", Input).value.strip())
        if given is None or given > self.today:
            self.query_one("#given-on-field", FormField).show_error("A date up to today, written YYYY-MM-DD.")
            return
        self.dismiss((given, self.query_one("#handover-note", Input).value))
