"""ACC-6a: common passwords in their usual disguises are refused under every profile, with
the reason in plain words; good passwords and passphrases are still accepted."""

import random
import string

import pytest

from openccc_tui.domain.policy import (
    COMMON_LABEL,
    EXCELSIOR,
    NIST,
    OPENCCC,
    SPECIAL_CHARACTERS,
    PasswordContext,
    common_password_reason,
    generate_password,
    password_stem,
)
from openccc_tui.resources import common_passwords

CONTEXT = PasswordContext(
    first_name="Winnie",
    last_name="Pooh",
    email="winnie@test.com",
    username="winnie01",
    common_passwords=common_passwords(),
    college_name="Excelsior College",
)

# Decorated forms that meet the composition rules of `openccc` (and, at 16 characters or
# fewer, of `excelsior`): only the common-password rule can refuse them.
DECORATED = [
    "Password1!",
    "P@$$w0rd1",
    "Passw0rd!",
    "!Password1",
    "Pa55word#1",
    "Summer2024!",
    "Spring2026!",
    "Winter2025!",
    "Fall2025!",
    "January2025!",
    "Welcome1!",
    "Welcome2024!",
    "Qwerty123!",
    "Qwertyuiop1!",
    "Zaq12wsx!",
    "1Qaz2wsx!",
    "OpenCCC2026!",
    "Excelsior1!",
    "Student1!",
    "College2026!",
    "Semester1!",
    "Iloveyou1!",
    "Letmein1!",
    "Football1!",
    "Baseball1!",
    "Monkey123!",
    "Dragon2024!",
    "Sunshine1!",
    "Princess1!",
    "Trustno1!",
    "Abc12345!",
    "Master123!",
    "Shadow1!",
    "Superman1!",
    "Michael1!",
    "Jennifer1!",
    "Charlie1!",
    "Freedom1!",
    "Whatever1!",
    "Changeme1!",
    "Starwars1!",
    "Pokemon1!",
    "Computer1!",
    "Aaaaaaaa1!",
    "Hello123!",
]

# The same passwords made 15 characters or longer for `nist`.
DECORATED_LONG = [
    "passwordpassword",
    "1234567890123456",
    "Password12345678!",
    "P@$$w0rdP@$$w0rd",
    "Summer2024!Summer2024!",
    "Spring2026!!!!!!!!",
    "Welcome123456789!",
    "Iloveyou!Iloveyou!",
    "Qwertyuiopasdfgh1",
    "qwertyqwertyqwerty",
    "OpenCCC2026!OpenCCC",
    "Football12345678",
    "Monkey123456789!",
    "Letmein!Letmein!",
    "Student123456789",
    "aaaaaaaaaaaaaaaa",
    "abcdefghijklmnop",
    "Dragon2024!Dragon",
    "Sunshine12345678!",
    "Trustno1Trustno1",
    "Princess!!!!!!!!",
    "Baseball20252025",
    "Shadow!Shadow!Shadow!",
    "Superman123456789",
    "Michael123456789!",
    "Jennifer12345678",
    "Charlie2024Charlie",
    "Freedom!123456789",
    "Whatever12345678",
    "Changeme12345678!",
    "Starwars12345678",
    "Pokemon!!Pokemon!!",
    "Computer12345678",
]

CASES = (
    [(OPENCCC, p) for p in DECORATED]
    + [(EXCELSIOR, p) for p in DECORATED if len(p) <= EXCELSIOR.max_password_length]
    + [(NIST, p) for p in DECORATED_LONG]
)


def test_acc_6a_the_lists_hold_at_least_30_decorated_forms_for_every_profile():
    assert len(DECORATED) >= 30 and len(DECORATED_LONG) >= 30
    assert sum(1 for profile, _ in CASES if profile is EXCELSIOR) >= 30


@pytest.mark.parametrize(("profile", "password"), CASES, ids=[f"{p.name}-{pw}" for p, pw in CASES])
def test_acc_6a_decorated_common_passwords_are_refused_under_every_profile(profile, password):
    problems = profile.password_problems(password, CONTEXT)
    assert len(problems) == 1, problems
    assert problems[0].startswith(COMMON_LABEL + " (it ")


@pytest.mark.parametrize(
    ("profile", "password", "reason"),
    [
        (EXCELSIOR, "Monkey123", "it is one of the most common passwords"),
        (OPENCCC, "Password1!", "it is a common password with a number and a symbol added"),
        (EXCELSIOR, "dragon8642", "it is a common password with a number added"),
        (OPENCCC, "P@$$w0rd", "it is a common password written with look-alike characters (@ for a, 0 for o)"),
        (OPENCCC, "Summer2024!", "it is a season or month and a year"),
        (EXCELSIOR, "may2026", "it is a season or month and a year"),
        (OPENCCC, "OpenCCC2026!", "it contains OpenCCC or the college's name"),
        (EXCELSIOR, "Excelsior2024", "it contains OpenCCC or the college's name"),
        (EXCELSIOR, "Winnie#Pooh24", "it contains your name"),
        (NIST, "WinniePooh2024!!", "it contains your name"),
        (OPENCCC, "Abcd1234!", "it repeats or counts (aaaa, 1234, qwerty)"),
        (NIST, "1234567890123456", "it repeats or counts (aaaa, 1234, qwerty)"),
        (NIST, "aaaaaaaaaaaaaaaa", "it repeats or counts (aaaa, 1234, qwerty)"),
        (NIST, "passwordpassword", "it is a common password repeated"),
        (NIST, "WinnieSummer2024!", "it is little more than your name plus a season or month and a year"),
        (EXCELSIOR, "Password1x", "it is a common password with a few characters added"),
    ],
)
def test_acc_6a_the_message_says_why_in_plain_words(profile, password, reason):
    assert profile.password_problems(password, CONTEXT) == [f"{COMMON_LABEL} ({reason})"]


def test_acc_6a_the_email_local_part_and_user_name_count_as_context_words():
    context = PasswordContext(email="roo.jumps@test.com", username="kanga77", common_passwords=common_passwords())
    assert common_password_reason("Roo.Jumps#77", context) == "it contains your email or user name"
    assert common_password_reason("Kanga77!!", context) == "it contains your email or user name"
    assert common_password_reason("Roo.Jumps#77", CONTEXT) is None


def test_acc_6a_without_a_list_the_patterns_are_still_refused():
    context = PasswordContext(first_name="Winnie", common_passwords=frozenset())
    assert common_password_reason("Summer2024!", context) == "it is a season or month and a year"
    assert common_password_reason("Qwerty1234!", context) == "it repeats or counts (aaaa, 1234, qwerty)"
    assert common_password_reason("Password1!", context) is None


def test_acc_5_openccc_leaves_a_name_to_its_own_rule():
    assert OPENCCC.password_problems("Winnie#Pooh24", CONTEXT) == ["Does not contain your first or last name"]


def test_acc_6a_the_reason_never_repeats_the_password():
    for profile, password in CASES:
        for problem in profile.password_problems(password, CONTEXT):
            assert password.casefold() not in problem.casefold()


GOOD = {
    OPENCCC: ["Hunny#Pot9", "Tiger#Lake9", "Fresh#Start8", "Quiet#River26", "7@Kp#29!xQ", "mR7#q9Lx!2vB8zKp"],
    EXCELSIOR: ["honey7pot", "Tiger#Lake9", "blue9canyon", "mR7q9Lx2vB8zKp"],
    NIST: [
        "correct horse battery",
        "purple otter mends the kite",
        "Blue-Canyon-Rides-42",
        "mR7#q9Lx!2vB8zKp",
        "839201746520193",
        "tea with hunny at four o'clock",
    ],
}


@pytest.mark.parametrize(
    ("profile", "password"),
    [(profile, password) for profile, passwords in GOOD.items() for password in passwords],
)
def test_acc_6a_good_passwords_and_passphrases_are_still_accepted(profile, password):
    assert profile.password_problems(password, CONTEXT) == []


@pytest.mark.parametrize("profile", [OPENCCC, EXCELSIOR, NIST])
def test_acc_6a_random_passwords_are_accepted(profile):
    chooser = random.Random(6)
    alphabet = string.ascii_letters + string.digits + SPECIAL_CHARACTERS
    length = max(12, profile.min_password_length)
    refused = []
    for _ in range(500):
        password = "".join(chooser.choice(alphabet) for _ in range(length - 4))
        password += chooser.choice(string.ascii_uppercase) + chooser.choice(string.ascii_lowercase)
        password += chooser.choice(string.digits) + chooser.choice(SPECIAL_CHARACTERS)
        if profile.password_problems(password, CONTEXT):
            refused.append(password)
    assert refused == []


@pytest.mark.parametrize("profile", [OPENCCC, EXCELSIOR, NIST])
def test_acc_6a_generated_one_time_passwords_meet_the_profile(profile):
    assert profile.password_problems(generate_password(profile, CONTEXT), CONTEXT) == []


def test_acc_6a_the_checklist_shows_the_reason_on_the_failed_line():
    checklist = dict(OPENCCC.password_checklist("Summer2024!", CONTEXT))
    assert checklist[f"{COMMON_LABEL} (it is a season or month and a year)"] is False
    assert dict(OPENCCC.password_checklist("Hunny#Pot9", CONTEXT))[COMMON_LABEL] is True


def test_acc_6b_the_stem_is_what_lies_between_the_decoration():
    assert password_stem("Tiger#Lake01") == password_stem("!tiger#lake2024") == "tiger#lake"
    assert password_stem("P@$$word1") == "password"
    assert password_stem("2024!") == ""
