"""Policy profiles for user names and passwords (SPEC ACC-5, ACC-6).

A profile is configuration: the three profiles are data built from the same rule types,
and every check reports each rule that failed in words a student can act on.
"""

import re
import secrets
import string
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from itertools import groupby

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
    college_name: str = ""


@dataclass(frozen=True)
class PasswordRule:
    """One rule: its label reads as a checklist line ("At least 8 characters").

    `explain` says why a password fails in plain words (None when it passes); rules
    without one fail with their label.
    """

    label: str
    passes: Callable[[str, PasswordContext], bool]
    explain: Callable[[str, PasswordContext], str | None] | None = None

    def problem(self, password: str, context: PasswordContext) -> str | None:
        if self.explain is not None:
            reason = self.explain(password, context)
            return None if reason is None else f"{self.label} ({reason})"
        return None if self.passes(password, context) else self.label


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
        """Every rule of the profile with whether `password` meets it, in display order; a
        failed rule reads as its problem, which may say why (ACC-6a)."""
        checklist = []
        for rule in self.password_rules:
            problem = rule.problem(password, context)
            checklist.append((rule.label if problem is None else problem, problem is None))
        return checklist

    def password_problems(self, password: str, context: PasswordContext) -> list[str]:
        """What `password` fails, one line a rule; empty when it is acceptable."""
        return [text for text, ok in self.password_checklist(password, context) if not ok]

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


# ACC-6a: a password is compared with the common-password list once the usual disguises
# are taken off it: upper case, look-alike characters, digits and symbols at the ends,
# runs and repeats, and words anybody near the student could guess.

_SYMBOL_LOOK_ALIKES = str.maketrans({"@": "a", "$": "s"})
_DIGIT_LOOK_ALIKES = (
    str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}),
    str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t"}),
)
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


def _sequence_bigrams() -> dict[str, frozenset[int]]:
    """Each pair of neighbours in a sequence (either way) and the sequences it belongs to."""
    found: dict[str, set[int]] = {}
    directed = [*_SEQUENCES, *(sequence[::-1] for sequence in _SEQUENCES)]
    for number, sequence in enumerate(directed):
        for a, b in zip(sequence, sequence[1:], strict=False):
            found.setdefault(a + b, set()).add(number)
    return {pair: frozenset(numbers) for pair, numbers in found.items()}


_BIGRAMS = _sequence_bigrams()
_PERIODS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec|spring|summer|fall|autumn|winter"
)
_PERIOD_AND_YEAR = re.compile(
    rf"(?:{_PERIODS})[^a-z0-9]*(?:19|20)?\d\d(?!\d)|(?<!\d)(?:19|20)?\d\d[^a-z0-9]*(?:{_PERIODS})"
)
_SITE_WORDS = ("openccc",)
_LETTER_RUNS = re.compile(r"([^\W\d_]+)")
_STOP_WORDS = frozenset({"the", "and", "for"})
MIN_REMAINDER = 4
"""Fewer letters and digits than this left after the disguises are taken off: refused."""
NEAR_EXTRA = 2
"""A common password with at most this many characters added is still refused."""

NAME, ACCOUNT, SITE, PERIOD, RUNS = "name", "account", "site", "period", "runs"
_ALONE = {
    NAME: "it contains your name",
    ACCOUNT: "it contains your email or user name",
    SITE: "it contains OpenCCC or the college's name",
    PERIOD: "it is a season or month and a year",
    RUNS: "it repeats or counts (aaaa, 1234, qwerty)",
}
_NOUNS = {
    NAME: "your name",
    ACCOUNT: "your email or user name",
    SITE: "OpenCCC or the college's name",
    PERIOD: "a season or month and a year",
    RUNS: "repeats or counts (aaaa, 1234, qwerty)",
}
_ORDER = (NAME, ACCOUNT, SITE, PERIOD, RUNS)


def _unrepeated(text: str) -> tuple[str, bool]:
    """`text` without whole repetitions: `passwordpassword` is `password` repeated."""
    period = (text + text).find(text, 1)
    if 0 < period < len(text):
        return text[:period], True
    return text, False


def _run_seeds() -> re.Pattern[str]:
    """The shortest runs that count: 3 equal characters, 3 digits or 4 characters in a row of
    one sequence. A run found is then followed as far as it goes."""
    seeds = set()
    for sequence in (*_SEQUENCES, *(sequence[::-1] for sequence in _SEQUENCES)):
        if sequence[0] == sequence[-1]:
            sequence += sequence[1:]  # the digits go round: 8901 counts
        for start in range(len(sequence) - 2):
            if sequence[start : start + 3].isdigit():
                seeds.add(sequence[start : start + 3])
            elif start + 4 <= len(sequence):
                seeds.add(sequence[start : start + 4])
    return re.compile(r"(.)\1\1|" + "|".join(re.escape(seed) for seed in sorted(seeds)), re.DOTALL)


_RUN_SEEDS = _run_seeds()


def _run_end(text: str, start: int) -> int:
    """Where the longest run starting at `start` ends (`start` when none starts there)."""
    size = len(text)
    same = start + 1
    while same < size and text[same] == text[start]:
        same += 1
    counted = start + 1
    for sequence in _BIGRAMS.get(text[start : start + 2], ()):
        end = start + 1
        while end + 1 < size and sequence in _BIGRAMS.get(text[end : end + 2], ()):
            end += 1
        counted = max(counted, end + 1)
    long_count = counted - start >= (3 if text[start:counted].isdigit() else 4)
    return max(same if same - start >= 3 else start, counted if long_count else start)


def _run_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where `text` repeats one character 3 times or more, or follows a sequence (the
    alphabet, the digits, a keyboard row) for 3 digits or 4 characters or more."""
    position = 0
    while (seed := _RUN_SEEDS.search(text, position)) is not None:
        start = seed.start()
        end = _run_end(text, start)
        if end > start:
            yield start, end
        position = max(end, start + 1)


def _without_runs(text: str) -> tuple[str, bool]:
    kept, position = [], 0
    for start, end in _run_spans(text):
        kept.append(text[position:start])
        position = end
    if not position:
        return text, False
    kept.append(text[position:])
    return "".join(kept), True


def _split_ends(text: str) -> tuple[str, str, str]:
    """The digits and symbols before the first letter, the middle, and those after the last."""
    start = 0
    while start < len(text) and not text[start].isalpha():
        start += 1
    if start == len(text):
        return text, "", ""
    end = len(text)
    while not text[end - 1].isalpha():
        end -= 1
    return text[:start], text[start:end], text[end:]


def _decoration(end: str) -> set[str] | None:
    """What an end adds when it is a usual decoration (a number, a year, a count, a symbol or
    two, in at most two groups); None when it is not and counts as part of the password."""
    kinds: set[str] = set()
    groups = ["".join(group) for _, group in groupby(end, str.isdigit)]
    if len(groups) > 2:
        return None
    for group in groups:
        if group[0].isdigit():
            unit, _ = _unrepeated(group)
            counted = len(unit) <= 2 < len(group) or not _without_runs(unit)[0]
            if not (len(group) <= 4 or counted):
                return None
            kinds.update(("a number", RUNS) if counted else ("a number",))
        elif len(group) <= 2 or len(set(group)) == 1:
            kinds.add("a symbol" if len(group) == 1 else "symbols")
        else:
            return None
    return kinds


def _pieces(text: str) -> list[str]:
    """`text` and its runs of letters, case-folded, when 3 characters or longer."""
    folded = text.strip().casefold()
    pieces = [folded, *re.findall(r"[^\W\d_]+", folded)]
    return [piece for piece in pieces if len(piece) >= 3 and piece not in _STOP_WORDS]


@lru_cache(maxsize=256)
def _context_words(
    first_name: str, last_name: str, email: str, username: str, college_name: str
) -> tuple[tuple[str, str], ...]:
    """The words anybody near the student could guess, longest first, with their kind."""
    words: dict[str, str] = {}
    for text, kind in (
        (college_name.replace(" ", ""), SITE),
        (college_name, SITE),
        (username, ACCOUNT),
        (email.partition("@")[0], ACCOUNT),
        (last_name, NAME),
        (first_name, NAME),
    ):
        for piece in _pieces(text):
            words[piece] = kind
    for word in _SITE_WORDS:
        words[word] = SITE
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


def _join(items: list[str], last: str = " and ") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + last + items[-1]


def _near_common(text: str, common: Collection[str]) -> bool:
    """Whether `text` is a common password of 4 or more characters with a few added."""
    for length in range(max(MIN_REMAINDER, len(text) - NEAR_EXTRA), len(text)):
        if any(text[start : start + length] in common for start in range(len(text) - length + 1)):
            return True
    return False


@dataclass
class _Disguises:
    """What was taken off one reading of a password."""

    found: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)
    look_alike: bool = False
    repeated: bool = False
    ends_counted: bool = False

    def common_reason(self, near: bool) -> str:
        text = "it is a common password"
        if self.look_alike:
            text += " written with look-alike characters (@ for a, 0 for o)"
        if self.repeated:
            text += " repeated"
        added = [_NOUNS[kind] for kind in _ORDER if kind in self.found]
        added += sorted(self.added) + (["a few characters"] if near else [])
        if added:
            text += (", with " if self.look_alike else " with ") + _join(added) + " added"
        return text

    def short_reason(self) -> str:
        kinds = [kind for kind in _ORDER if kind in self.found]
        if len(kinds) == 1:
            return _ALONE[kinds[0]]
        if not kinds:
            if self.ends_counted or self.repeated:
                return _ALONE[RUNS]
            return "it is little more than digits and symbols" if self.added else "it is too short"
        return "it is little more than " + _join([_NOUNS[kind] for kind in kinds], last=" plus ")


def _one_word(middle: str, disguises: _Disguises) -> str:
    """`middle` said once: `passwordpassword` and `dragon2024!dragon` are one word repeated."""
    unit, repeated = _unrepeated(middle)
    chunks = _LETTER_RUNS.split(unit)
    if len(chunks) >= 5 and len(set(chunks[1::2])) == 1:
        between = [_decoration(chunk) for chunk in chunks[0::2] if chunk]
        if all(kinds is not None for kinds in between):
            for kinds in between:
                disguises.added |= (kinds or set()) - {RUNS}
            unit, repeated = chunks[1], True
    disguises.repeated = disguises.repeated or repeated
    return unit


def _undecorated(text: str, disguises: _Disguises) -> str:
    """`text` without the usual decoration at its ends, once words and runs were taken out."""
    prefix, middle, suffix = _split_ends(text)
    kept = []
    for end in (prefix, suffix):
        kinds = _decoration(end)
        if kinds is None:
            kept.append(end)
        else:
            kept.append("")
            disguises.added |= kinds - {RUNS}
    return kept[0] + middle + kept[1]


def _judge(
    middle: str,
    ends: str,
    disguises: _Disguises,
    words: tuple[tuple[str, str], ...],
    common: Collection[str],
    names_ruled_out: bool,
) -> tuple[int, str] | None:
    """How bad the rest of a password is once its disguises are off: (rank, why) or None."""
    unit = _one_word(middle, disguises)
    if unit in common:
        return 1, disguises.common_reason(near=False)
    rest = unit
    for word, kind in words:
        if word in rest:
            rest = rest.replace(word, "")
            disguises.found.add(kind)
    rest, counted = _without_runs(rest)
    if counted:
        disguises.found.add(RUNS)
    if rest != unit:
        rest = _undecorated(rest, disguises)
    rest += ends
    if rest in common:
        return 1, disguises.common_reason(near=False)
    if _near_common(rest, common):
        return 2, disguises.common_reason(near=True)
    if sum(map(str.isalnum, rest)) < MIN_REMAINDER:
        if names_ruled_out and disguises.found <= {NAME, RUNS} and NAME in disguises.found:
            return None
        return 3, disguises.short_reason()
    return None


def common_password_reason(password: str, context: PasswordContext, *, names_ruled_out: bool = False) -> str | None:
    """Why `password` is common or easily guessed (SPEC ACC-6a), or None when it is not.

    `names_ruled_out`: the profile refuses names by a rule of its own, so a password that is
    weak only because of a name is left to that rule.
    """
    if not password:
        return None
    lowered = password.casefold()
    if lowered in context.common_passwords:
        return "it is one of the most common passwords"
    words = _context_words(context.first_name, context.last_name, context.email, context.username, context.college_name)
    worst: tuple[int, str] | None = None
    swapped = lowered.translate(_SYMBOL_LOOK_ALIKES)
    for source in dict.fromkeys((lowered, swapped)):
        unit, repeated = _unrepeated(source)
        without_periods = _PERIOD_AND_YEAR.sub("", unit)
        prefix, middle, suffix = _split_ends(without_periods)
        added: set[str] = set()
        ends = ""
        for end in (prefix, suffix):
            kinds = _decoration(end)
            if kinds is None:
                ends += _without_runs(end)[0]
            else:
                added |= kinds
        ends_counted = RUNS in added
        added.discard(RUNS)
        for reading in dict.fromkeys((middle, *(middle.translate(table) for table in _DIGIT_LOOK_ALIKES))):
            disguises = _Disguises(
                found={PERIOD} if without_periods != unit else set(),
                added=set(added),
                look_alike=source != lowered or reading != middle,
                repeated=repeated,
                ends_counted=ends_counted,
            )
            verdict = _judge(reading, ends, disguises, words, context.common_passwords, names_ruled_out)
            if verdict is not None and (worst is None or verdict[0] < worst[0]):
                worst = verdict
    return None if worst is None else worst[1]


def password_stem(password: str) -> str:
    """What is left of `password` between its first and last letter, case-folded, with `@`
    and `$` read as letters: two passwords with one stem differ only in their decoration."""
    return _split_ends(password.casefold().translate(_SYMBOL_LOOK_ALIKES))[1]


COMMON_LABEL = "Not a common or easily guessed password"


def _not_common(names_ruled_out: bool) -> PasswordRule:
    def explain(password: str, context: PasswordContext) -> str | None:
        return common_password_reason(password, context, names_ruled_out=names_ruled_out)

    return PasswordRule(COMMON_LABEL, lambda p, c: explain(p, c) is None, explain)


NOT_COMMON = _not_common(names_ruled_out=False)
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
        _not_common(names_ruled_out=True),
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
