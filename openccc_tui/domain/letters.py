"""The one-time password printed on a hand-over letter (SPEC TRACK-2).

A student types it from paper, so it avoids characters that read alike in print or in
handwriting (O/0/Q/D, I/l/1, S/5, B/8, Z/2, G/6, U/V) and lower case altogether, and is
printed in groups of four: `K7QM-4TXR-9PWN`. The dashes are part of it, as printed.
Twelve characters of 19 give about 51 bits: far beyond what rate-limited sign-in attempts
can guess in the letter's lifetime.
"""

import secrets

LETTER_ALPHABET = "ACEFHJKMNPRTWXY3479"
"""No two of these characters are easily confused, in print or by hand."""
GROUPS = 3
GROUP_SIZE = 4


def letter_password() -> str:
    """A random one-time password for a letter, from a cryptographic source."""
    groups = ("".join(secrets.choice(LETTER_ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS))
    return "-".join(groups)


def is_letter_password(text: str) -> bool:
    """Whether `text` has the form of a letter's one-time password."""
    groups = text.split("-")
    return len(groups) == GROUPS and all(
        len(group) == GROUP_SIZE and all(ch in LETTER_ALPHABET for ch in group) for group in groups
    )
