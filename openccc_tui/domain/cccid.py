"""The CCCID, the student's lifelong identifier (SPEC ACC-2).

The public sources give a seven-character identifier but not its alphabet; this module is
the one place that decides the format: three upper-case letters then four digits.
"""

import re
import secrets
import string

CCCID_PATTERN = re.compile(r"[A-Z]{3}[0-9]{4}")
CCCID_LENGTH = 7


def new_cccid() -> str:
    """A fresh CCCID from a cryptographic source, unrelated to creation order."""
    letters = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3))
    digits = "".join(secrets.choice(string.digits) for _ in range(4))
    return letters + digits


def is_cccid(text: str) -> bool:
    return CCCID_PATTERN.fullmatch(text) is not None


def normalise_cccid(text: str) -> str:
    return text.strip().upper()
