"""A student's messages for support staff (SPEC TERM-6, CODE-2): codes and one-time
passwords sent to a kiosk student, read out whole while they are valid."""

from datetime import UTC, datetime

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from openccc_tui.screens.staff.page import Failed, StaffPage
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.services.staff.support_messages import MessageView, student_messages
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.verbatim import Verbatim


def local_time(moment: datetime) -> str:
    """A stored UTC time as this terminal's local time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def describe_message(message: MessageView) -> list[str]:
    """The message's lines: when and where it went, its subject, its whole body."""
    valid = f", valid until {local_time(message.valid_until)}" if message.valid_until else ""
    head = f"{local_time(message.sent_at)}  {message.channel} to {message.to}{valid}"
    return [head, message.subject, *message.body.splitlines()]


class StudentMessagesScreen(StaffPage):
    """The last two weeks of messages to one account's email and phone, newest first."""

    def __init__(self, session: StaffSession, account_id: int, cccid: str) -> None:
        super().__init__(session)
        self.account_id = account_id
        self.cccid = cccid

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page wide"):
            yield Static(f"Messages to {self.cccid}", classes="page-title")
            yield Static(
                "What the student was sent, for reading out at a kiosk. Codes and one-time passwords "
                "are shown while they are valid; reading them is recorded in the audit log.",
                classes="hint",
            )
            yield PageMessage()
            yield Vertical(id="message-list")
        yield Footer()

    def on_mount(self) -> None:
        self.load_messages()

    @work(exclusive=True, group="load")
    async def load_messages(self) -> None:
        try:
            messages = await self.run_service(student_messages, self.account_id)
        except Failed:
            return
        listing = self.query_one("#message-list", Vertical)
        await listing.remove_children()
        if not messages:
            self.show_message("No messages to this student in the last two weeks.")
            return
        await listing.mount_all(
            Vertical(*(Verbatim(line) for line in describe_message(m)), classes="student-message") for m in messages
        )
