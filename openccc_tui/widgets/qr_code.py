"""A QR code drawn with half-block characters, dark modules on a light ground, two module
rows per terminal line, so an authenticator app can scan it from the screen."""

import qrcode
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from openccc_tui.widgets.outbox import NEEDS_ROOM, OutboxPanel

DARK, LIGHT = "black", "white"


def qr_text(data: str) -> Text:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    text = Text(no_wrap=True)
    for top, bottom in zip(matrix[::2], matrix[1::2], strict=True):
        for upper, lower in zip(top, bottom, strict=True):
            text.append("▀", Style(color=DARK if upper else LIGHT, bgcolor=DARK if lower else LIGHT))
        text.append("\n")
    text.rstrip()
    return text


class QRCode(Static):
    """Needs every line it has to be scanned: the trainer's outbox panel gives way to it."""

    DEFAULT_CSS = "QRCode { width: auto; height: auto; }"

    def __init__(self, data: str, **kwargs) -> None:
        super().__init__(qr_text(data), **kwargs)
        self.add_class(NEEDS_ROOM)

    def on_mount(self) -> None:
        self.call_after_refresh(self._make_room)

    def _make_room(self) -> None:
        for panel in self.screen.query(OutboxPanel):
            panel.make_room()
