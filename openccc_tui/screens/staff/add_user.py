"""The Add User screen (SPEC ADD-1..4): every field, checked as the user leaves it, saved
by the account-creation service, with the new CCCID shown in a success box that can record
the hand-over. "Save and add another" keeps the college's address and phone for the next
student; a refusal stays on screen, beside the focus, until it is dismissed."""

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from openccc_tui.domain.fields import check_field
from openccc_tui.domain.template import FIELD_PATHS
from openccc_tui.screens.app_access import ConsolePage, OpenConsolePage
from openccc_tui.screens.dialogs import ConfirmDialog, MessageDialog
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.screens.staff.support import HandOverDialog
from openccc_tui.services.account_creation import (
    CreatedAccount,
    DuplicateAccount,
    add_user,
    form_context,
    record_credentials_given,
)
from openccc_tui.services.errors import InvalidInput, describe
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.tick_box import TickBox
from openccc_tui.widgets.verbatim import Verbatim


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
KEPT_FOR_ANOTHER = frozenset({"phone-number", "country", "state", "street1", "street2", "city", "postal"})
"""What "Save and add another" keeps: the college's address and phone, the same for every
student a clerk adds in one sitting (with the phone type)."""
DUPLICATE_FOCUS = {
    "email": "#f-email",
    "username": "#f-username",
}
"""Where the focus goes after an ADD-3 duplicate message: the field the message names, else
the first name (the name and date-of-birth checks)."""


def field_id(column: str) -> str:
    return "f-" + column


class AddUserScreen(StaffPage):
    AUTO_FOCUS = "#f-username"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="add_user.save"),
        Binding("ctrl+n", "save_and_add_another", "Save, add another", id="add_user.save_another"),
        Binding("f6", "multi_account", "Multi Account Creation", id="add_user.multi"),
        Binding("escape", "back", "Back", id="add_user.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page form"):
            yield Static("Add OpenCCC User", classes="page-title")
            yield Static(
                "Fields marked * are required. Save with ctrl+s; ctrl+n saves and starts the next "
                "student with the same address and phone.",
                classes="page-help",
            )
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
            yield TickBox("The student accepts the Terms of Use *", id="f-accepted-terms")
            yield Static("", id="f-accepted-terms-error", classes="field-error")
            yield TickBox("The student's permission is on file *", id="permission-on-file")
            yield FormField("Permission reference *", field_id="permission-reference")
            yield Static("The form's number and date, and where it is kept.", classes="field-help")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Save and add another", id="save-another")
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
        values["accepted-terms"] = "TRUE" if self.query_one("#f-accepted-terms", TickBox).value else ""
        return values

    def is_filled(self) -> bool:
        typed = any(
            self.query_one(f"#{field_id(f.column)}", Input).value.strip() not in ("", f.default) for f in TEXT_FIELDS
        )
        return typed or self.query_one("#f-accepted-terms", TickBox).value

    @on(Input.Blurred)
    def check_left_field(self, event: Input.Blurred) -> None:
        """ADD-2: a field is checked as the user leaves it."""
        column = (event.input.id or "").removeprefix("f-")
        if column not in {f.column for f in TEXT_FIELDS}:
            return
        if not event.value.strip():
            self._field(column).show_error(None)  # a required field is reported at Save, not while tabbing
            return
        error = check_field(column, self.values(), form_context(self.runtime))
        self._field(column).show_error(describe(error) if error else None)

    def _field(self, column: str) -> FormField:
        return self.query_one(f"#{field_id(column)}-field", FormField)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save(another=False)

    @on(Button.Pressed, "#save-another")
    def action_save_and_add_another(self) -> None:
        self.save(another=True)

    def action_multi_account(self) -> None:
        self.post_to_app(OpenConsolePage(ConsolePage.MULTI_ACCOUNT))

    @work(exclusive=True, group="save")
    async def save(self, another: bool) -> None:
        for field in TEXT_FIELDS:
            self._field(field.column).show_error(None)
        self.query_one("#f-accepted-terms-error", Static).update("")
        self.query_one("#permission-reference-field", FormField).show_error(None)
        values = self.values()
        on_file = self.query_one("#permission-on-file", TickBox).value
        reference = self.query_one("#permission-reference", Input).value if on_file else ""
        try:
            created = await self.run_service(add_user, values, permission_reference=reference)
        except Failed as failure:
            cause = failure.__cause__
            if isinstance(cause, InvalidInput):
                self._show_field_errors(cause)
            else:
                self._refused(str(cause), cause)
            return
        self._clear(keep=KEPT_FOR_ANOTHER if another else frozenset())
        self.show_message(f"Saved {created.email} ({created.cccid}).")

        def after(choice: str | None) -> None:
            if choice == "handover":
                self.record_handover(created)
            elif choice == "letter":
                self.app.push_screen(LettersScreen(self.session, [created.account_id]))

        self.app.push_screen(AccountCreatedDialog(created), after)

    def _refused(self, text: str, cause: BaseException | None) -> None:
        """A refusal that no field shows (ADD-3 duplicates): a box that stays until dismissed,
        then the focus on the field it names."""
        focus = "#f-first"
        if isinstance(cause, DuplicateAccount):
            focus = next((f for word, f in DUPLICATE_FOCUS.items() if f"with {word}:" in text), focus)

        def after(_: bool | None) -> None:
            self.query_one(focus).focus()

        self.app.push_screen(MessageDialog("Not saved", [text], dialog_id="add-user-refused"), after)

    @work(group="handover")
    async def record_handover(self, created: CreatedAccount) -> None:
        answer = await self.app.push_screen_wait(HandOverDialog(self.runtime.clock().date()))
        if answer is None:
            return
        try:
            await self.run_service(record_credentials_given, created.account_id, *answer)
        except Failed:
            return
        self.show_message(f"Saved {created.email} ({created.cccid}); hand-over recorded for the tracking sheet.")

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

    def _clear(self, keep: frozenset[str] = frozenset()) -> None:
        """A fresh form, but for the columns in `keep` (and the phone type with the phone)."""
        for field in TEXT_FIELDS:
            if field.column not in keep:
                self.query_one(f"#{field_id(field.column)}", Input).value = field.default
        if "phone-number" not in keep:
            self.query_one("#f-phone-type", Select).clear()
        self.query_one("#f-homeless", Select).value = "FALSE"
        self.query_one("#f-accepted-terms", TickBox).value = False
        self.query_one("#permission-on-file", TickBox).value = False
        self.query_one("#permission-reference", Input).value = ""
        self.query_one(f"#{field_id('username')}", Input).focus()
        self.query_one(VerticalScroll).scroll_home(animate=False)

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


class AccountCreatedDialog(ModalScreen[str | None]):
    """ADD-4's success box: user name, email and CCCID. Enter closes it; h (or the button)
    goes on to record that the credentials were handed to the student (TRACK-1), l to write
    a hand-over letter (TRACK-2)."""

    AUTO_FOCUS = "#ok"
    BINDINGS = [
        Binding("escape", "close", "Close", id="created.close"),
        Binding("h", "handover", "Record hand-over", id="created.handover"),
        Binding("l", "letter", "Hand-over letter", id="created.letter"),
    ]

    def __init__(self, created: CreatedAccount) -> None:
        super().__init__(id="add-user-success")
        self.created = created

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Account created", classes="dialog-title")
            for line in (
                f"User name: {self.created.username}",
                f"Email: {self.created.email}",
                f"CCCID: {self.created.cccid}",
                "The student must change this password at first sign-in.",
            ):
                yield Verbatim(line, classes="dialog-line")
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Hand-over date (h)", id="handover")
                yield Button("Letter (l)", id="letter")

    @on(Button.Pressed, "#ok")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#handover")
    def action_handover(self) -> None:
        self.dismiss("handover")

    @on(Button.Pressed, "#letter")
    def action_letter(self) -> None:
        self.dismiss("letter")
