"""Knowledge used to recover an account (SPEC REC-3, seed 004): secret questions and the
last four SSN digits. Neither is ever kept as typed: answers are normalised and then
hashed like passwords, SSN digits are kept only as a keyed hash."""

import hashlib
import hmac
import re
import unicodedata

SECRET_QUESTIONS: tuple[str, ...] = (
    "What was the name of your first school?",
    "What is the name of the street you grew up on?",
    "What was the first name of your childhood best friend?",
    "What was the name of your first pet?",
    "In which city was your mother born?",
    "What was the make of your first car or bicycle?",
)
MIN_ANSWER_LENGTH = 3
SSN_LAST4 = re.compile(r"[0-9]{4}")


def normalise_answer(answer: str) -> str:
    """Case, accents of width forms, and spacing do not matter: `  Main   St ` == `main st`."""
    folded = unicodedata.normalize("NFKC", answer).casefold()
    return " ".join(folded.split())


def check_answer(answer: str) -> str | None:
    """What is wrong with a new secret answer, or None."""
    if len(normalise_answer(answer)) < MIN_ANSWER_LENGTH:
        return f"an answer of at least {MIN_ANSWER_LENGTH} characters"
    return None


def ssn_digest(last4: str, key: bytes) -> str:
    """HMAC-SHA256 of the four digits under the installation's key."""
    return hmac.new(key, last4.encode(), hashlib.sha256).hexdigest()


def is_ssn_last4(text: str) -> bool:
    return SSN_LAST4.fullmatch(text.strip()) is not None
