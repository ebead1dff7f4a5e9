"""The trainer's outbox panel (SPEC TERM-4): the newest messages "sent" to students, so a
room can watch the validation codes arrive. Only trainer mode, on a demo database, has it."""

from textual import work
from textual.widgets import Static

from openccc_tui.domain.text import printable
from openccc_tui.services import notify
from openccc_tui.services.runtime import Runtime

SHOWN = 3
REFRESH_SECONDS = 1.0
EMPTY = "No messages yet: codes sent to students appear here."


def summary_line(created_at, to_address: str, body: str | None) -> str:
    """The body's first line comes first, so the code stays in view on a narrow terminal."""
    first = body.splitlines()[0] if body else notify.EXPIRED_NOTE
    return printable(f"{first} → {to_address} {created_at:%H:%M}")


class OutboxPanel(Static):
    DEFAULT_CSS = """
    OutboxPanel {
        dock: bottom;
        height: 5;
        margin-bottom: 1;  /* above the footer, which is docked at the bottom too */
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(EMPTY, markup=False, id="outbox-panel")
        self.runtime = runtime
        self.border_title = "Outbox · F9 hides, ctrl+r resets the demo"

    def on_mount(self) -> None:
        self.refresh_messages()
        self.set_interval(REFRESH_SECONDS, self.refresh_messages)

    @work(thread=True, exclusive=True, group="outbox")
    def refresh_messages(self) -> None:
        messages = notify.recent(self.runtime, last=SHOWN)
        lines = [summary_line(m.created_at, m.to_address, m.body) for m in messages]
        self.app.call_from_thread(self.update, "\n".join(lines) or EMPTY)
