"""Data shown exactly as it is (SPEC TERM-3): never as markup, never as terminal codes."""

from textual.widgets import Static

from openccc_tui.domain.text import printable


class Verbatim(Static):
    """A Static that shows data literally."""

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(printable(text), markup=False, **kwargs)

    def show(self, text: str) -> None:
        self.update(printable(text))
