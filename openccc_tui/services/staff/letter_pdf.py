"""The hand-over letter as a PDF page (SPEC TRACK-2), with fpdf2.

Fonts: DejaVu Sans (Debian's fonts-dejavu-core) prints Latin with accents, Greek and
Cyrillic; Noto Sans CJK (fonts-noto-cjk), when installed, is the fallback for Chinese,
Japanese and Korean names. The setting `letter_fonts` names other files: the regular
face, the bold face, then any fallbacks. A font that is missing, or a name no font can
print, refuses the letters in one line rather than printing a blank.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

from openccc_tui.services.errors import ServiceError

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_REGULAR = DEJAVU / "DejaVuSans.ttf"
DEFAULT_BOLD = DEJAVU / "DejaVuSans-Bold.ttf"
DEFAULT_FALLBACKS = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),)
MAIN = "letter"


class FontMissing(ServiceError):
    """A font file the letters need is not there."""


@dataclass(frozen=True)
class LetterFonts:
    regular: Path
    bold: Path
    fallbacks: tuple[Path, ...] = ()


def letter_fonts(configured: Sequence[Path]) -> LetterFonts:
    """The fonts to use: `configured` (regular, bold, fallbacks...) or Debian's defaults, the
    CJK fallback only when installed. Raises FontMissing naming the file and the package."""
    if configured:
        if len(configured) < 2:
            raise FontMissing("letter_fonts needs at least two files: the regular and the bold face")
        fonts = LetterFonts(configured[0], configured[1], tuple(configured[2:]))
        for path in (fonts.regular, fonts.bold, *fonts.fallbacks):
            if not path.is_file():
                raise FontMissing(f"the letter font {path} (setting letter_fonts) is missing")
        return fonts
    for path in (DEFAULT_REGULAR, DEFAULT_BOLD):
        if not path.is_file():
            raise FontMissing(
                f"letters need the font {path}: install the package fonts-dejavu-core, or set letter_fonts"
            )
    return LetterFonts(DEFAULT_REGULAR, DEFAULT_BOLD, tuple(p for p in DEFAULT_FALLBACKS if p.is_file()))


def _characters(path: Path) -> frozenset[int]:
    with TTFont(path, fontNumber=0, lazy=True) as font:
        table = font.getBestCmap() or {}
        return frozenset(table)


@dataclass(frozen=True)
class Letter:
    """What one page says. `one_time_password` is printed and never kept."""

    college: str
    first_name: str
    last_name: str
    cccid: str
    email: str
    username: str
    valid_until: date
    one_time_password: str = field(repr=False)


STEPS = (
    "Go to the OpenCCC Sign In page and enter the email address above. "
    "If you are asked for a user name, enter the user name above.",
    "On the Password page, type the one-time password exactly as printed, in capitals and with the dashes. "
    "It works once.",
    "You are asked to choose a new password straight away. Choose your own and keep it to yourself: "
    "nobody at the college knows it or will ever ask for it.",
    "On the Edit Account page, replace the email address with your own email address (type it twice). "
    "Check that your name, address, phone number and date of birth are right, then save.",
    "A six-digit validation code is sent to your own email. Enter it on the Validation Code page. "
    "The account is then yours.",
)


class _Document(FPDF):
    def __init__(self, fonts: LetterFonts) -> None:
        super().__init__(format="Letter", unit="mm")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(MAIN, "", str(fonts.regular))
        self.add_font(MAIN, "B", str(fonts.bold))
        names = []
        for number, path in enumerate(fonts.fallbacks):
            name = f"fallback{number}"
            self.add_font(name, "", str(path))
            names.append(name)
        if names:
            self.set_fallback_fonts(names, exact_match=False)
        self.set_title("OpenCCC account letters")
        self.set_creator("openccc-tui")


def _line(pdf: _Document, label: str, value: str) -> None:
    pdf.set_font(MAIN, "", 13)
    pdf.cell(48, 9, label)
    pdf.set_font(MAIN, "B", 14)
    pdf.multi_cell(0, 9, value, new_x="LMARGIN", new_y="NEXT")


def _page(pdf: _Document, letter: Letter) -> None:
    pdf.add_page()
    pdf.set_font(MAIN, "B", 18)
    pdf.multi_cell(0, 10, letter.college, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(MAIN, "", 14)
    pdf.multi_cell(0, 8, "Your OpenCCC account: private, for you only", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    _line(pdf, "Name", f"{letter.first_name} {letter.last_name}".strip())
    _line(pdf, "CCCID", letter.cccid)
    _line(pdf, "Sign in with", letter.email)
    if letter.username and letter.username != letter.email:
        _line(pdf, "User name", letter.username)
    pdf.ln(4)
    pdf.set_font(MAIN, "", 13)
    pdf.multi_cell(0, 8, "One-time password:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(MAIN, "B", 28)
    pdf.multi_cell(0, 15, letter.one_time_password, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(MAIN, "", 12)
    pdf.multi_cell(
        0,
        7,
        f"It works once, until {letter.valid_until.isoformat()}. Your account's password is not printed here.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(5)
    pdf.set_font(MAIN, "B", 14)
    pdf.multi_cell(0, 9, "Make the account yours", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(MAIN, "", 13)
    for number, step in enumerate(STEPS, start=1):
        pdf.multi_cell(0, 7, f"{number}. {step}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.ln(3)
    pdf.set_font(MAIN, "B", 12)
    pdf.multi_cell(
        0,
        7,
        "Keep this letter to yourself and destroy it once you have chosen your own password.",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def unprintable(fonts: LetterFonts, texts: Sequence[str]) -> str:
    """The characters of `texts` that none of the fonts can print (empty when all print)."""
    covered = _characters(fonts.regular) & _characters(fonts.bold)
    for path in fonts.fallbacks:
        covered = covered | _characters(path)
    missing = {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered}
    return "".join(sorted(missing))


def render(fonts: LetterFonts, letters: Sequence[Letter]) -> bytes:
    """The PDF, a page per letter."""
    pdf = _Document(fonts)
    for letter in letters:
        _page(pdf, letter)
    return bytes(pdf.output())
