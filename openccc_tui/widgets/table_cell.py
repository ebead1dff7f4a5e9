"""A DataTable cell that shows data literally (SPEC TERM-3)."""

from rich.text import Text

from openccc_tui.domain.text import printable


def cell(value: object) -> Text:
    """A DataTable cell: Textual reads plain strings there as markup, a Text it does not."""
    return Text(printable("" if value is None else str(value)), no_wrap=True)
