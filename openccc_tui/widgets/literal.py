"""Data shown exactly as it is (SPEC TERM-3): never as markup, never as terminal codes."""

from rich.text import Text
from textual.widgets import Static

from openccc_tui.domain.text import printable


def cell(value: object) -> Text:
    """A DataTable cell: Textual reads plain strings there as markup, a Text it does not."""
    return Text(printable("" if value is None else str(value)), no_wrap=True)


class Literal(Static):
    """A Static that shows data literally."""

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(printable(text), markup=False, **kwargs)

    def show(self, text: str) -> None:
        self.update(printable(text))
