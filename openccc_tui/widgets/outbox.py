"""The trainer's outbox panel (SPEC TERM-4): the newest messages "sent" to students, whole,
so a room can watch validation codes and one-time passwords arrive. Only trainer mode, on
a demo database, has it.

It gives way to a QR code or a password checklist (widgets with the class `needs-room`)
while one is on screen: those need every line of an 80×24 terminal to be read or scanned."""

from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from openccc_tui.domain.local_time import clock_time
from openccc_tui.domain.text import printable
from openccc_tui.services import notify
from openccc_tui.services.runtime import Runtime

SHOWN = 3
REFRESH_SECONDS = 1.0
EMPTY = "No messages yet: codes sent to students appear here."
NEEDS_ROOM = "needs-room"


def message_text(created_at: datetime, to_address: str, body: str | None) -> str:
    """A whole message, blank lines left out, then who it went to and when (local time)."""
    lines = [line for line in (body or notify.EXPIRED_NOTE).splitlines() if line.strip()]
    return "\n".join(printable(line) for line in [*lines, f"  → {to_address} at {clock_time(created_at)}"])


class OutboxPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    OutboxPanel {
        dock: bottom;
        height: auto;
        max-height: 8;
        margin-bottom: 1;  /* above the footer, which is docked at the bottom too */
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    OutboxPanel > Static { height: auto; }
    """

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(id="outbox-panel")
        self.runtime = runtime
        self.border_title = "Outbox, newest first · F1 identities · F9 hides · ctrl+r resets"
        self.text = EMPTY

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, markup=False, id="outbox-text")

    def on_mount(self) -> None:
        self.refresh_messages()
        self.set_interval(REFRESH_SECONDS, self.refresh_messages)

    @work(thread=True, exclusive=True, group="outbox")
    def refresh_messages(self) -> None:
        messages = notify.recent(self.runtime, last=SHOWN)
        text = "\n".join(message_text(m.created_at, m.to_address, m.body) for m in messages) or EMPTY
        self.app.call_from_thread(self.show, text)

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.query_one("#outbox-text", Static).update(text)
            self.scroll_home(animate=False)
        self.make_room()

    def make_room(self) -> None:
        """Hidden while a widget that needs the room is on screen; back when it is gone."""
        if self.is_attached:
            self.display = not any(widget.region.area > 0 for widget in self.screen.query(f".{NEEDS_ROOM}"))
