import pytest

from openccc_tui.domain.policy import EXCELSIOR, NIST, OPENCCC, PasswordContext, get_profile
from openccc_tui.resources import common_passwords

CONTEXT = PasswordContext(
    first_name="Winnie",
    last_name="Pooh",
    email="winnie@test.com",
    username="winnie01",
    common_passwords=common_passwords(),
)
LONG_PASSPHRASE = "hunny pot by the river, " * 6
COMMON_PROBLEM = "Not a common or easily guessed password (it is one of the most common passwords)"


def test_acc_6_shipped_common_password_list_has_at_least_10000_entries():
    assert len(common_passwords()) >= 10_000
    assert "password" in common_passwords()
    assert "123456" in common_passwords()


def test_acc_5_openccc_accepts_a_password_meeting_every_rule():
    assert OPENCCC.password_problems("Hunny#Pot9", CONTEXT) == []


@pytest.mark.parametrize(
    ("password", "failed_rule"),
    [
        ("Hun#Pt9", "At least 8 characters"),
        ("hunny#pot9", "An upper-case letter"),
        ("HUNNY#POT9", "A lower-case letter"),
        ("Hunny#Pott", "A digit"),
        ("HunnyPot99", "One of ! @ # $ % ^ & *"),
        ("Winnie#Pot9", "Does not contain your first or last name"),
        ("xPOOHx#a9", "Does not contain your first or last name"),
    ],
)
def test_acc_5_each_rejection_names_the_rule_that_failed(password, failed_rule):
    assert OPENCCC.password_problems(password, CONTEXT) == [failed_rule]


def test_acc_5_short_names_are_not_forbidden_in_passwords():
    context = PasswordContext(first_name="Al", last_name="Li", common_passwords=frozenset())
    assert OPENCCC.password_problems("Alpine#Li9x", context) == []


def test_acc_6_excelsior_password_rules():
    assert EXCELSIOR.password_problems("honey7pot", CONTEXT) == []
    assert EXCELSIOR.password_problems("hon7y", CONTEXT) == ["At least 6 characters"]
    assert EXCELSIOR.password_problems("honeypotsaregreat7", CONTEXT) == ["At most 16 characters"]
    assert EXCELSIOR.password_problems("bluecanyon", CONTEXT) == ["A digit"]
    assert EXCELSIOR.password_problems("8305617x 9", CONTEXT) == ["No spaces"]
    assert EXCELSIOR.password_problems("12345678", CONTEXT) == [
        "A letter",
        "Not a common or easily guessed password (it is one of the most common passwords)",
    ]


def test_acc_6_excelsior_user_names():
    assert EXCELSIOR.username_problems("winnie01") == []
    assert EXCELSIOR.username_problems("winnie") == ["at least one digit"]
    assert EXCELSIOR.username_problems("win1") == ["6 to 16 characters"]
    assert EXCELSIOR.username_problems("winnie.01") == ["letters and digits only, no spaces or symbols"]
    assert EXCELSIOR.username.fixed_once_created
    assert EXCELSIOR.secret_question_required


def test_acc_6_nist_length_only_and_blocklist():
    assert NIST.password_problems("correct horse battery", CONTEXT) == []
    assert NIST.password_problems("Short#Pass9", CONTEXT) == ["At least 15 characters"]
    assert NIST.password_problems(LONG_PASSPHRASE[:64], CONTEXT) == []
    assert NIST.password_problems(LONG_PASSPHRASE[:129], CONTEXT) == ["At most 128 characters"]
    assert not NIST.secret_questions_allowed
    assert not NIST.knowledge_based_recovery


@pytest.mark.parametrize("profile", [OPENCCC, EXCELSIOR, NIST])
def test_acc_6_every_profile_rejects_common_passwords_and_the_email_or_username(profile):
    assert COMMON_PROBLEM in profile.password_problems("password", CONTEXT)
    assert "Not your email address or user name" in profile.password_problems("WINNIE@test.com", CONTEXT)
    assert "Not your email address or user name" in profile.password_problems("winnie01", CONTEXT)


def test_acc_6_common_passwords_are_compared_case_insensitively():
    assert COMMON_PROBLEM in NIST.password_problems("PASSWORD", CONTEXT)


def test_acc_6_profiles_are_looked_up_by_name():
    assert get_profile("nist") is NIST
    with pytest.raises(ValueError):
        get_profile("lax")


def test_acc_5_checklist_lists_every_rule_in_order():
    checklist = OPENCCC.password_checklist("hunny", CONTEXT)
    assert [label for label, _ in checklist][:2] == ["At least 8 characters", "At most 128 characters"]
    assert dict(checklist)["A lower-case letter"] is True
    assert dict(checklist)["An upper-case letter"] is False
