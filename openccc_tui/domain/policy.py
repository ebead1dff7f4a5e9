"""Policy profiles for user names and passwords (SPEC ACC-5, ACC-6).

A profile is configuration: the three profiles are data built from the same rule types,
and every check reports each rule that failed in words a student can act on.
"""

import secrets
import string
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum

SPECIAL_CHARACTERS = "!@#$%^&*"


class ProfileName(StrEnum):
    OPENCCC = "openccc"
    EXCELSIOR = "excelsior"
    NIST = "nist"


@dataclass(frozen=True)
class PasswordContext:
    """What a password is checked against besides itself."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    username: str = ""
    common_passwords: Collection[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class PasswordRule:
    """One rule: its label reads as a checklist line ("At least 8 characters")."""

    label: str
    passes: Callable[[str, PasswordContext], bool]


@dataclass(frozen=True)
class UsernameRules:
    min_length: int
    max_length: int
    letters_and_digits_only: bool
    require_digit: bool
    fixed_once_created: bool


@dataclass(frozen=True)
class PolicyProfile:
    name: ProfileName
    password_rules: tuple[PasswordRule, ...]
    username: UsernameRules
    secret_question_required: bool
    secret_questions_allowed: bool
    knowledge_based_recovery: bool
    min_password_length: int
    max_password_length: int

    def password_checklist(self, password: str, context: PasswordContext) -> list[tuple[str, bool]]:
        """Every rule of the profile with whether `password` meets it, in display order."""
        return [(rule.label, rule.passes(password, context)) for rule in self.password_rules]

    def password_problems(self, password: str, context: PasswordContext) -> list[str]:
        """The labels of the rules `password` fails; empty when it is acceptable."""
        return [label for label, ok in self.password_checklist(password, context) if not ok]

    def username_problems(self, username: str) -> list[str]:
        rules = self.username
        problems = []
        if not rules.min_length <= len(username) <= rules.max_length:
            problems.append(f"{rules.min_length} to {rules.max_length} characters")
        if rules.letters_and_digits_only and not (username.isascii() and username.isalnum()):
            problems.append("letters and digits only, no spaces or symbols")
        if not rules.letters_and_digits_only and not _is_legacy_username(username):
            problems.append("letters, digits and . _ @ + - only")
        if rules.require_digit and not any(c.isdigit() for c in username):
            problems.append("at least one digit")
        return problems


def describe_problems(problems: list[str]) -> str:
    """`rules not met: a digit, at least 8 characters`: one line for an error message."""
    return "rules not met: " + ", ".join(p[0].lower() + p[1:] for p in problems)


def _is_legacy_username(username: str) -> bool:
    return username.isascii() and all(c.isalnum() or c in "._@+-" for c in username)


def _min_length(n: int) -> PasswordRule:
    return PasswordRule(f"At least {n} characters", lambda p, _: len(p) >= n)


def _max_length(n: int) -> PasswordRule:
    return PasswordRule(f"At most {n} characters", lambda p, _: len(p) <= n)


def _contains_name(password: str, name: str) -> bool:
    name = name.strip().casefold()
    return len(name) >= 3 and name in password.casefold()


NOT_COMMON = PasswordRule(
    "Not a commonly used password",
    lambda p, c: p.casefold() not in c.common_passwords,
)
NOT_EMAIL_OR_USERNAME = PasswordRule(
    "Not your email address or user name",
    lambda p, c: p.casefold() not in {x.strip().casefold() for x in (c.email, c.username) if x.strip()},
)
HAS_UPPER = PasswordRule("An upper-case letter", lambda p, _: any(ch.isupper() for ch in p))
HAS_LOWER = PasswordRule("A lower-case letter", lambda p, _: any(ch.islower() for ch in p))
HAS_DIGIT = PasswordRule("A digit", lambda p, _: any(ch.isdigit() for ch in p))
HAS_LETTER = PasswordRule("A letter", lambda p, _: any(ch.isalpha() for ch in p))
HAS_SPECIAL = PasswordRule("One of ! @ # $ % ^ & *", lambda p, _: any(ch in SPECIAL_CHARACTERS for ch in p))
NO_SPACES = PasswordRule("No spaces", lambda p, _: not any(ch.isspace() for ch in p))
NO_NAMES = PasswordRule(
    "Does not contain your first or last name",
    lambda p, c: not (_contains_name(p, c.first_name) or _contains_name(p, c.last_name)),
)

LEGACY_USERNAME = UsernameRules(
    min_length=3,
    max_length=254,
    letters_and_digits_only=False,
    require_digit=False,
    fixed_once_created=False,
)

OPENCCC = PolicyProfile(
    name=ProfileName.OPENCCC,
    password_rules=(
        _min_length(8),
        _max_length(128),
        HAS_UPPER,
        HAS_LOWER,
        HAS_DIGIT,
        HAS_SPECIAL,
        NO_NAMES,
        NOT_COMMON,
        NOT_EMAIL_OR_USERNAME,
    ),
    username=LEGACY_USERNAME,
    secret_question_required=False,
    secret_questions_allowed=True,
    knowledge_based_recovery=True,
    min_password_length=8,
    max_password_length=128,
)

EXCELSIOR = PolicyProfile(
    name=ProfileName.EXCELSIOR,
    password_rules=(
        _min_length(6),
        _max_length(16),
        HAS_LETTER,
        HAS_DIGIT,
        NO_SPACES,
        NOT_COMMON,
        NOT_EMAIL_OR_USERNAME,
    ),
    username=UsernameRules(
        min_length=6,
        max_length=16,
        letters_and_digits_only=True,
        require_digit=True,
        fixed_once_created=True,
    ),
    secret_question_required=True,
    secret_questions_allowed=True,
    knowledge_based_recovery=True,
    min_password_length=6,
    max_password_length=16,
)

# NIST SP 800-63B-4: 15 characters when the password is the only factor, at least 64
# accepted, no composition rules, a blocklist, no secret questions or knowledge-based recovery.
NIST = PolicyProfile(
    name=ProfileName.NIST,
    password_rules=(_min_length(15), _max_length(128), NOT_COMMON, NOT_EMAIL_OR_USERNAME),
    username=LEGACY_USERNAME,
    secret_question_required=False,
    secret_questions_allowed=False,
    knowledge_based_recovery=False,
    min_password_length=15,
    max_password_length=128,
)

PROFILES: dict[ProfileName, PolicyProfile] = {p.name: p for p in (OPENCCC, EXCELSIOR, NIST)}


def get_profile(name: str) -> PolicyProfile:
    return PROFILES[ProfileName(name)]


def generate_password(profile: PolicyProfile, context: PasswordContext) -> str:
    """A random password from a cryptographic source that meets every rule of `profile`.

    Used for one-time passwords, which nobody chooses and staff never see (STAFF-4).
    """
    length = min(max(16, profile.min_password_length), profile.max_password_length)
    alphabet = string.ascii_letters + string.digits + (SPECIAL_CHARACTERS if _needs_special(profile) else "")
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not profile.password_problems(candidate, context):
            return candidate


def _needs_special(profile: PolicyProfile) -> bool:
    return HAS_SPECIAL in profile.password_rules
