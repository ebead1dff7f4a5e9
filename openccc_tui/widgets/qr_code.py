"""A QR code drawn with half-block characters, dark modules on a light ground, two module
rows per terminal line, so an authenticator app can scan it from the screen."""

import qrcode
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

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
    DEFAULT_CSS = "QRCode { width: auto; height: auto; }"

    def __init__(self, data: str, **kwargs) -> None:
        super().__init__(qr_text(data), **kwargs)
