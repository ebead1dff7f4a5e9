"""The warning shown before an idle session ends (SPEC TERM-2): how many seconds are left,
and that any key keeps the session."""

from collections.abc import Callable

from textual.widgets import Static


class IdleWarning(Static):
    DEFAULT_CSS = """
    IdleWarning {
        dock: top;
        height: auto;
        padding: 0 1;
        border: heavy $warning;
        background: $warning 20%;
        color: $text;
        text-style: bold;
    }
    IdleWarning:ansi {
        border: heavy ansi_yellow;
        background: ansi_default;
        color: ansi_bright_yellow;
    }
    """

    def __init__(self, what: str, seconds_left: Callable[[], int]) -> None:
        super().__init__("", markup=False, id="idle-warning")
        self.what = what
        self.seconds_left = seconds_left

    def on_mount(self) -> None:
        self.count_down()
        self.set_interval(1, self.count_down)

    def count_down(self) -> None:
        seconds = max(self.seconds_left(), 0)
        self.update(f"{self.what} in {seconds} seconds. Press any key to stay.")
