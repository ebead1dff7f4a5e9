"""The one line under a page's title that says what just happened, or what to fix."""

from textual.widgets import Static


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
