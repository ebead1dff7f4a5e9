import pytest
from hypothesis import given
from hypothesis import strategies as st

from openccc_tui.domain.contact import ContactError, check_email, normalise_email, normalise_phone, parent_email
from openccc_tui.domain.masking import mask_email, mask_phone


def test_acc_8_emails_compare_case_insensitively_after_trimming():
    assert normalise_email("  Winnie@Test.COM ") == "winnie@test.com"


def test_acc_8_plus_one_address_resolves_to_its_parent():
    assert parent_email("RestorativeJustice+jdoe42@Imperial.edu") == "restorativejustice@imperial.edu"
    assert parent_email("dept+a+b@college.edu") == "dept@college.edu"
    assert parent_email("dept@college.edu") is None
    assert parent_email("+tag@college.edu") is None


@given(st.from_regex(r"[a-z]{1,10}\+[a-z0-9]{1,10}@[a-z]{1,10}\.edu", fullmatch=True))
def test_acc_8_every_plus_address_has_a_parent_without_plus(address):
    parent = parent_email(address)
    assert parent is not None and "+" not in parent
    assert parent.split("@")[1] == address.split("@")[1]


def test_email_syntax_is_checked_without_network():
    assert check_email(" winnie@test.com ") == "winnie@test.com"
    with pytest.raises(ContactError):
        check_email("winnie@")
    with pytest.raises(ContactError):
        check_email("a" * 250 + "@x.com")


def test_sign_1_phone_numbers_are_normalised_to_e164():
    assert normalise_phone("+1 916 445 2841").e164 == "+19164452841"
    assert normalise_phone("916.445.2841").e164 == "+19164452841"
    assert normalise_phone("020 7946 0018", "GB").e164 == "+442079460018"
    with pytest.raises(ContactError):
        normalise_phone("12")
    with pytest.raises(ContactError):
        normalise_phone("not a phone")


def test_sign_8_email_masking_keeps_first_and_last_of_the_local_part():
    assert mask_email("winnie@test.com") == "w****e@test.com"
    assert mask_email("ab@test.com") == "a*@test.com"
    assert mask_email("a@test.com") == "a*@test.com"


def test_sign_8_phone_masking_keeps_the_last_four_digits():
    assert mask_phone("+19164452841") == "(***) ***-2841"
