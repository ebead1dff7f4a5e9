"""The Add User screen (SPEC ADD-1..4): every field, checked as the user leaves it, saved
by the account-creation service, with the new CCCID shown in a success box."""

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from openccc_tui.domain.fields import check_field
from openccc_tui.domain.template import FIELD_PATHS
from openccc_tui.screens.dialogs import ConfirmDialog, MessageDialog
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.accounts import DuplicateAccount, add_user, form_context
from openccc_tui.services.errors import InvalidInput, describe
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage


@dataclass(frozen=True)
class TextField:
    column: str
    label: str
    secret: bool = False
    default: str = ""
    placeholder: str = ""


# ADD-1, in the order of the documented form.
BEFORE_SELECTS = (
    TextField("username", "User name (blank: the email)"),
    TextField("email", "Email *"),
    TextField("email-confirm", "Confirm email *"),
    TextField("phone-number", "Primary phone"),
)
AFTER_SELECTS = (
    TextField("country", "Country * (2-letter code)", default="US"),
    TextField("state", "State * (2-letter code in the US)"),
    TextField("street1", "Street address 1 *"),
    TextField("street2", "Street address 2"),
    TextField("city", "City *"),
    TextField("postal", "Postal code *"),
    TextField("first", "Legal first name (recommended)"),
    TextField("middle", "Legal middle name"),
    TextField("last", "Legal last name *"),
    TextField("preferred", "Preferred name"),
    TextField("suffix", "Suffix"),
    TextField("dob", "Date of birth * (YYYY-MM-DD)", placeholder="2001-09-30"),
    TextField("dob-confirm", "Confirm date of birth *", placeholder="2001-09-30"),
    TextField("password", "Password *", secret=True),
    TextField("password-confirm", "Confirm password *", secret=True),
)
TEXT_FIELDS = BEFORE_SELECTS + AFTER_SELECTS
COLUMN_BY_PATH = {FIELD_PATHS[f.column]: f.column for f in TEXT_FIELDS}


def field_id(column: str) -> str:
    return "f-" + column


class AddUserScreen(StaffPage):
    AUTO_FOCUS = "#f-username"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="add_user.save"),
        Binding("f6", "multi_account", "Multi Account Creation", id="add_user.multi"),
        Binding("escape", "back", "Back", id="add_user.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page form"):
            yield Static("Add OpenCCC User", classes="page-title")
            yield Static("Fields marked * are required. Save with ctrl+s.", classes="page-help")
            yield PageMessage()
            for field in BEFORE_SELECTS:
                yield self._text_field(field)
            with Horizontal(classes="select-row"):
                yield Label("Phone type", classes="field-label")
                yield Select(
                    [("Mobile", "mobile"), ("Landline", "landline")], id="f-phone-type", prompt="Choose", compact=True
                )
            with Horizontal(classes="select-row"):
                yield Label("Homeless", classes="field-label")
                yield Select(
                    [("No", "FALSE"), ("Yes", "TRUE")], id="f-homeless", value="FALSE", allow_blank=False, compact=True
                )
            for field in AFTER_SELECTS:
                yield self._text_field(field)
            yield Checkbox("The student accepts the Terms of Use *", id="f-accepted-terms")
            yield Static("", id="f-accepted-terms-error", classes="field-error")
            yield Checkbox("The student's permission to create this account is on file *", id="permission-on-file")
            yield FormField(
                "Permission reference * (form number, date, where it is kept)", field_id="permission-reference"
            )
            yield Button("Save", id="save", variant="primary")
        yield Footer()

    def _text_field(self, field: TextField) -> FormField:
        widget = FormField(
            field.label, field_id=field_id(field.column), secret=field.secret, placeholder=field.placeholder
        )
        return widget

    def on_mount(self) -> None:
        for field in TEXT_FIELDS:
            if field.default:
                self.query_one(f"#{field_id(field.column)}", Input).value = field.default

    def values(self) -> dict[str, str]:
        values = {f.column: self.query_one(f"#{field_id(f.column)}", Input).value for f in TEXT_FIELDS}
        phone_type = self.query_one("#f-phone-type", Select).value
        values["phone-type"] = phone_type if isinstance(phone_type, str) else ""
        values["homeless"] = str(self.query_one("#f-homeless", Select).value)
        values["accepted-terms"] = "TRUE" if self.query_one("#f-accepted-terms", Checkbox).value else ""
        return values

    def is_filled(self) -> bool:
        typed = any(
            self.query_one(f"#{field_id(f.column)}", Input).value.strip() not in ("", f.default) for f in TEXT_FIELDS
        )
        return typed or self.query_one("#f-accepted-terms", Checkbox).value

    @on(Input.Blurred)
    def check_left_field(self, event: Input.Blurred) -> None:
        """ADD-2: a field is checked as the user leaves it."""
        column = (event.input.id or "").removeprefix("f-")
        if column not in {f.column for f in TEXT_FIELDS}:
            return
        if not event.value.strip():
            self._field(column).show_error(None)  # a required field is reported at Save, not while tabbing
            return
        error = check_field(column, self.values(), form_context(self.openccc_app.runtime))
        self._field(column).show_error(describe(error) if error else None)

    def _field(self, column: str) -> FormField:
        return self.query_one(f"#{field_id(column)}-field", FormField)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def action_save(self) -> None:
        self.save()

    def action_multi_account(self) -> None:
        self.openccc_app.open_staff_page("multi_account")

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        for field in TEXT_FIELDS:
            self._field(field.column).show_error(None)
        self.query_one("#f-accepted-terms-error", Static).update("")
        self.query_one("#permission-reference-field", FormField).show_error(None)
        values = self.values()
        on_file = self.query_one("#permission-on-file", Checkbox).value
        reference = self.query_one("#permission-reference", Input).value if on_file else ""
        try:
            created = await self.run_service(add_user, values, permission_reference=reference)
        except Failed as failure:
            cause = failure.__cause__
            if isinstance(cause, InvalidInput):
                self._show_field_errors(cause)
            elif isinstance(cause, DuplicateAccount):
                self.notify(str(cause), title="Not saved", severity="error")
            return
        self._clear()
        self.show_message("")
        self.app.push_screen(
            MessageDialog(
                "Account created",
                [
                    f"User name: {created.username}",
                    f"Email: {created.email}",
                    f"CCCID: {created.cccid}",
                    "The student must change this password at first sign-in.",
                ],
                dialog_id="add-user-success",
                action="Hand-over letter",
            ),
            lambda letter: letter and self.app.push_screen(LettersScreen(self.session, [created.account_id])),
        )

    def _show_field_errors(self, error: InvalidInput) -> None:
        self.show_message("Not saved: correct the fields marked below.", error=True)
        first = None
        for problem in error.errors:
            if problem.path == "terms.accepted":
                self.query_one("#f-accepted-terms-error", Static).update(describe(problem))
                first = first or "#f-accepted-terms"
            elif problem.path == "permission":
                self.query_one("#permission-reference-field", FormField).show_error(describe(problem))
                first = first or "#permission-on-file"
            elif problem.path in COLUMN_BY_PATH:
                column = COLUMN_BY_PATH[problem.path]
                self._field(column).show_error(describe(problem))
                first = first or f"#{field_id(column)}"
        if first:
            self.query_one(first).focus()

    def _clear(self) -> None:
        for field in TEXT_FIELDS:
            self.query_one(f"#{field_id(field.column)}", Input).value = field.default
        self.query_one("#f-phone-type", Select).clear()
        self.query_one("#f-homeless", Select).value = "FALSE"
        self.query_one("#f-accepted-terms", Checkbox).value = False
        self.query_one("#permission-on-file", Checkbox).value = False
        self.query_one("#permission-reference", Input).value = ""
        self.query_one(f"#{field_id('username')}", Input).focus()

    def action_back(self) -> None:
        self.leave()

    @work(group="leave")
    async def leave(self) -> None:
        """Back to the console, after asking whether a filled-in form may be discarded."""
        if self.is_filled():
            discard = await self.app.push_screen_wait(
                ConfirmDialog("Discard this form? What you typed will be lost.", yes="Discard", no="Keep editing")
            )
            if not discard:
                return
        self._clear()
        self.app.pop_screen()
