"""REC-2, STAFF-4: one-time passwords staff can read aloud: no look-alike characters, in
groups, at least as strong as the 16 random characters used before, and accepted by every
check of the profile they are made for."""

import math
import string

import pytest

from openccc_tui.domain.policy import PROFILES, SPECIAL_CHARACTERS, PasswordContext, ProfileName
from openccc_tui.domain.readable_password import one_time_password_bits, readable_one_time_password

CONTEXT = PasswordContext(first_name="Winnie", last_name="Pooh", email="winnie@test.com", username="winnie01")
LOOK_ALIKES = set("0Oo1lI^")


def previous_bits(name: ProfileName) -> float:
    symbols = SPECIAL_CHARACTERS if name is ProfileName.OPENCCC else ""
    return 16 * math.log2(len(string.ascii_letters + string.digits + symbols))


@pytest.mark.parametrize("name", [ProfileName.OPENCCC, ProfileName.NIST])
def test_rec_2_one_time_passwords_are_grouped_readable_and_as_strong_as_before(name):
    profile = PROFILES[name]
    assert one_time_password_bits(profile) >= previous_bits(name)
    for _ in range(50):
        password = readable_one_time_password(profile, CONTEXT)
        assert profile.password_problems(password, CONTEXT) == []
        assert not set(password) & LOOK_ALIKES
        assert [len(group) for group in password.split("-")] == [4] * 5


def test_rec_2_nist_one_time_passwords_have_one_case_only():
    password = readable_one_time_password(PROFILES[ProfileName.NIST], CONTEXT)
    assert password == password.upper()


def test_rec_2_excelsior_one_time_passwords_fill_its_16_letters_and_digits():
    """Excelsior allows 16 letters and digits at most: no room for separators, and 16 of the
    56 readable letters and digits (92.9 bits) is as strong as that alphabet can be there."""
    profile = PROFILES[ProfileName.EXCELSIOR]
    for _ in range(50):
        password = readable_one_time_password(profile, CONTEXT)
        assert profile.password_problems(password, CONTEXT) == []
        assert len(password) == 16 and password.isalnum() and not set(password) & LOOK_ALIKES
    assert one_time_password_bits(profile) > 92
