"""What text from people may hold (SPEC TERM-3).

Control characters, bidi overrides and zero-width characters can rewrite a terminal or
hide what a name says; they are refused at input. Rendering with markup off is the
screens' half of the rule.
"""

import unicodedata

# Format characters (Cf) cover the bidi controls, zero-width joiners and the BOM.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_TERMINAL_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""What a terminal acts on or hides: controls (escape sequences, OSC 52), format characters
(bidi overrides, zero-width), separators and lone surrogates. All have no width of their own."""


def unsafe_character(text: str) -> str | None:
    """The first character that must not be stored as typed text, or None."""
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


# What spreadsheets and word processors put in place of a plain space, hyphen or
# apostrophe (BULK-7a). Read as the plain form in names and street lines.
_LOOK_ALIKES = str.maketrans(
    {
        "\u00a0": " ",  # NO-BREAK SPACE
        "\u2007": " ",  # FIGURE SPACE
        "\u202f": " ",  # NARROW NO-BREAK SPACE
        "\u2010": "-",  # HYPHEN
        "\u2011": "-",  # NON-BREAKING HYPHEN
        "\u2012": "-",  # FIGURE DASH
        "\u2013": "-",  # EN DASH
        "\u2014": "-",  # EM DASH
        "\u2212": "-",  # MINUS SIGN
        "\u2018": "'",  # LEFT SINGLE QUOTATION MARK
        "\u2019": "'",  # RIGHT SINGLE QUOTATION MARK
        "\u02bc": "'",  # MODIFIER LETTER APOSTROPHE
        "\u0060": "'",  # GRAVE ACCENT
        "\u00b4": "'",  # ACUTE ACCENT
        "\u2032": "'",  # PRIME
    }
)


def plain_form(text: str) -> str:
    """Composed (NFC) text with look-alike spaces, dashes and apostrophes made plain."""
    return unicodedata.normalize("NFC", text.translate(_LOOK_ALIKES))


def describe_character(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: how a refused character is named to the user."""
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} {name}"


NAME_PUNCTUATION = " '-.,"
ADDRESS_PUNCTUATION = " #.,'-/&()"


def first_outside_name(text: str) -> str | None:
    """The first character a name may not hold (letters of any script, combining marks and
    `' - . ,` and spaces may be there), or None."""
    return next((c for c in text if unicodedata.category(c)[0] not in "LM" and c not in NAME_PUNCTUATION), None)


def first_outside_address(text: str) -> str | None:
    """The first character a street line may not hold (letters, digits, spaces and
    `# . , ' - / & ( )` may be there), or None."""
    return next((c for c in text if unicodedata.category(c)[0] not in "LMN" and c not in ADDRESS_PUNCTUATION), None)


def has_letter(text: str) -> bool:
    return any(unicodedata.category(c)[0] == "L" for c in text)


def fold_for_matching(text: str) -> str:
    """Case-, accent- and space-insensitive form of a name (ADD-3 duplicate checks)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if not unicodedata.combining(c) and not c.isspace())
    return "".join(kept).casefold()


def printable(text: str) -> str:
    """`text` with every refused character written out as an escape (`\\x1b`, `\\u202e`).

    For showing data that was stored before the input rules, or came from a file: what
    a terminal would act on is shown as visible text instead (TERM-3).
    """
    if unsafe_character(text) is None:
        return text
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if unicodedata.category(c) in _REFUSED_CATEGORIES
        else c
        for c in text
    )


def strip_terminal_controls(text: str) -> str:
    """`text` without the characters a terminal would act on or hide. The last line of
    defence for output (TERM-3): data is shown with `printable` before it gets here."""
    if text.isprintable():
        return text
    return "".join(c for c in text if unicodedata.category(c) not in _TERMINAL_UNSAFE)
