"""One-time passwords that staff can read aloud at a kiosk (SPEC REC-2, STAFF-4).

No look-alike characters (no 0 O o, 1 l I, no ^), in groups of four joined by `-`, from a
cryptographic source, and at least as many random bits as the 16 characters of letters,
digits and symbols used before, wherever the profile's maximum length leaves room for it
(Excelsior's 16 letters and digits do not: there the password fills all 16, ungrouped).
"""

import math
import secrets
import string

from openccc_tui.domain.policy import HAS_LOWER, HAS_SPECIAL, SPECIAL_CHARACTERS, PasswordContext, PolicyProfile

UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOWER = "abcdefghijkmnpqrstuvwxyz"
DIGITS = "23456789"
SYMBOLS = "!#$%&*@"
GROUP = 4
SEPARATOR = "-"


def _previous_bits(profile: PolicyProfile) -> float:
    """The strength of the generator this one replaced: 16 characters (or the profile's
    bounds) of letters, digits and, when required, the special characters."""
    length = min(max(16, profile.min_password_length), profile.max_password_length)
    symbols = SPECIAL_CHARACTERS if HAS_SPECIAL in profile.password_rules else ""
    return length * math.log2(len(string.ascii_letters + string.digits + symbols))


def _shape(profile: PolicyProfile) -> tuple[str, int, bool]:
    """The alphabet, the number of random characters, and whether they are grouped."""
    symbols = SYMBOLS if HAS_SPECIAL in profile.password_rules else ""
    needed = _previous_bits(profile)
    plain = UPPER + DIGITS + symbols
    # One case reads aloud best; lower case joins when a rule or the length asks for it.
    choices = [plain + LOWER] if HAS_LOWER in profile.password_rules else [plain, plain + LOWER]
    for alphabet in choices:
        groups = math.ceil(math.ceil(needed / math.log2(len(alphabet))) / GROUP)
        if groups * (GROUP + 1) - 1 <= profile.max_password_length:
            return alphabet, groups * GROUP, True
    return plain + LOWER, profile.max_password_length, False


def one_time_password_bits(profile: PolicyProfile) -> float:
    alphabet, length, _ = _shape(profile)
    return length * math.log2(len(alphabet))


def readable_one_time_password(profile: PolicyProfile, context: PasswordContext) -> str:
    """A random password meeting every rule of `profile`, such as `Kp4x-7R#m-Wd9f-hJ3n-2c*T`."""
    alphabet, length, grouped = _shape(profile)
    while True:
        text = "".join(secrets.choice(alphabet) for _ in range(length))
        if grouped:
            text = SEPARATOR.join(text[i : i + GROUP] for i in range(0, length, GROUP))
        if not profile.password_problems(text, context):
            return text
