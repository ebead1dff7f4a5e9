"""The one line under a page's title that says what just happened, or what to fix."""

from typing import Protocol

from textual.widgets import Static

from openccc_tui.services.flow import MessageKind


class FlowMessage(Protocol):
    """A flow's message and its kind (every flow has both, see services/flow.py)."""

    @property
    def message(self) -> str: ...

    @property
    def message_kind(self) -> MessageKind: ...


class PageMessage(Static):
    DEFAULT_CSS = """
    PageMessage { height: auto; color: $success; margin-bottom: 1; }
    PageMessage.-error { color: $error; text-style: bold; }
    PageMessage.-empty { display: none; }
    """

    def __init__(self) -> None:
        super().__init__("", id="page-message", classes="-empty", markup=False)

    def show(self, text: str, *, error: bool = False) -> None:
        self.update(text)
        self.set_class(error, "-error")
        self.set_class(not text, "-empty")

    def show_flow(self, flow: FlowMessage) -> None:
        """The flow's message, coloured by the kind the flow gives it."""
        self.show(flow.message, error=flow.message_kind is MessageKind.ERROR)
