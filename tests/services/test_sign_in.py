"""SIGN-1..8 and ACC-8 through the sign-in flow, without a terminal."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import col, select

from openccc_tui.services import notify
from openccc_tui.services.credentials.lockout import lock_duration
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.student.sign_in import (
    CODE_WRONG,
    SIGN_IN_FAILED,
    Method,
    SignInFlow,
    Step,
    throttle_key,
)
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import IdentifierThrottle, StudentAccount
from tests import factories
from tests.conftest import NOW
from tests.factories import code_in

PASSWORD = "Hunny#Pot9"


add = factories.stored_student
latest_code = factories.latest_code


def sign_in(runtime, identifier, password=PASSWORD, method=Method.EMAIL, username=None):
    flow = SignInFlow(runtime)
    if method is Method.PHONE:
        flow.toggle_method()
    step = flow.submit_identifier(identifier)
    if step is Step.USERNAME:
        flow.submit_username(username or "")
    flow.submit_password(password)
    return flow


def account(runtime, account_id):
    with read_session(runtime.engine) as session:
        return session.get(StudentAccount, account_id)


def test_sign_1_email_or_phone_is_normalised_before_lookup(runtime):
    add(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        phone="+19164452841",
        phone_validated=True,
    )
    assert sign_in(runtime, "  WINNIE@Test.com ").step is Step.DONE
    assert sign_in(runtime, "(916) 445-2841", method=Method.PHONE).step is Step.DONE


def test_sign_1_malformed_identifiers_are_refused_with_what_to_fix(runtime):
    flow = SignInFlow(runtime)
    assert flow.submit_identifier("winnie@") is Step.SIGN_IN and "Enter a valid email address" in flow.message
    flow.toggle_method()
    assert flow.submit_identifier("12") is Step.SIGN_IN and "Enter a valid mobile phone number" in flow.message


def test_sign_2_unique_and_validated_goes_to_the_password_then_home(runtime):
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True)
    flow = SignInFlow(runtime)
    assert flow.submit_identifier("winnie@test.com") is Step.PASSWORD
    assert flow.submit_password(PASSWORD) is Step.DONE
    assert flow.session is not None
    assert flow.session.cccid == "AAA0001" and flow.session.account_id == account_id


def test_sign_3_shared_attribute_asks_the_username(runtime):
    add(runtime, cccid="AAA0001", email="family@test.com", username="mom1965")
    kid = add(runtime, cccid="AAA0002", email="family@test.com", username="kid2005", first_name="Kid")
    flow = SignInFlow(runtime)
    assert flow.submit_identifier("family@test.com") is Step.USERNAME
    assert flow.submit_username("KID2005") is Step.PASSWORD
    assert flow.submit_password(PASSWORD) is Step.VALIDATION_CODE
    assert flow.submit_code(latest_code(runtime, "family@test.com")) is Step.EDIT_PROFILE
    assert account(runtime, kid).email_validated


def test_sign_3_a_wrong_username_still_shows_the_password_page_and_fails_alike(runtime):
    add(runtime, cccid="AAA0001", email="family@test.com", username="mom1965")
    add(runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    flow = SignInFlow(runtime)
    flow.submit_identifier("family@test.com")
    assert flow.submit_username("nobody") is Step.PASSWORD
    assert flow.submit_password(PASSWORD) is Step.SIGN_IN and flow.message == SIGN_IN_FAILED


def test_sign_3_attribute_owned_by_another_account_offers_an_alternate(runtime):
    add(runtime, cccid="AAA0001", email="family@test.com", username="mom1965", email_validated=True)
    kid = add(runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    flow = sign_in(runtime, "family@test.com", username="kid2005")
    assert flow.step is Step.ALTERNATE_CONTACT
    assert flow.submit_alternate(Method.PHONE, "916-445-2841") is Step.VALIDATION_CODE
    assert flow.masked_destination == "(***) ***-2841"
    assert flow.submit_code(latest_code(runtime, "+19164452841")) is Step.EDIT_PROFILE
    saved = account(runtime, kid)
    assert saved.phone == "+19164452841" and saved.phone_validated and not saved.email_validated
    assert flow.preferred_choices() == [Method.PHONE]


def test_sign_3_an_alternate_that_is_not_unique_either_leads_to_the_helpdesk(runtime):
    add(runtime, cccid="AAA0001", email="family@test.com", username="mom1965", email_validated=True)
    add(runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    add(runtime, cccid="AAA0003", email="cousin@test.com")
    flow = sign_in(runtime, "family@test.com", username="kid2005")
    assert flow.submit_alternate(Method.EMAIL, "Cousin@test.com") is Step.HELPDESK


def test_sign_4_unknown_identifier_shows_the_password_page_and_fails_like_a_wrong_password(runtime, monkeypatch):
    add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True)
    hashes = []
    verify = runtime.hasher.verify
    monkeypatch.setattr(runtime.hasher, "dummy_verify", lambda: hashes.append("dummy"))

    def counted_verify(*args):
        hashes.append("verify")
        return verify(*args)

    monkeypatch.setattr(runtime.hasher, "verify", counted_verify)
    flow = SignInFlow(runtime)
    assert flow.submit_identifier("nobody@test.com") is Step.PASSWORD
    assert flow.submit_password(PASSWORD) is Step.SIGN_IN
    unknown_message, unknown_hashes = flow.message, hashes[:]
    hashes.clear()
    wrong = sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    assert unknown_message == wrong.message == SIGN_IN_FAILED
    # A failed check costs two hashes either way: the password and a one-time password (REC-2).
    assert unknown_hashes == ["dummy", "dummy"] and hashes == ["verify", "dummy"]
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(StudentAccount)).all()) == 1


def test_sign_7_unknown_identifiers_are_throttled_without_creating_accounts(runtime):
    for _ in range(5):
        sign_in(runtime, "nobody@test.com")
    with read_session(runtime.engine) as session:
        throttle = session.get_one(IdentifierThrottle, throttle_key(Method.EMAIL, "nobody@test.com"))
        assert throttle.locked_until == NOW + timedelta(minutes=15)
        assert session.exec(select(StudentAccount)).all() == []
    add(runtime, cccid="NEW0001", email="nobody@test.com", email_validated=True)  # registration still possible
    assert sign_in(runtime, "nobody@test.com").step is Step.DONE


def test_sign_5_unvalidated_email_asks_the_code_sent_to_the_masked_address(runtime):
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com")
    flow = sign_in(runtime, "winnie@test.com")
    assert flow.step is Step.VALIDATION_CODE and flow.masked_destination == "w****e@test.com"
    assert (
        flow.submit_code("000000" if latest_code(runtime, "winnie@test.com") != "000000" else "111111")
        is Step.VALIDATION_CODE
    )
    assert flow.message == CODE_WRONG
    assert flow.submit_code(latest_code(runtime, "winnie@test.com")) is Step.EDIT_PROFILE
    assert account(runtime, account_id).email_validated
    assert flow.confirm_profile(Method.EMAIL) is Step.DONE


def test_sign_5_the_first_account_to_validate_a_shared_attribute_owns_it(runtime):
    add(runtime, cccid="AAA0001", email="family@test.com", username="mom1965")
    add(runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    mom = sign_in(runtime, "family@test.com", username="mom1965")
    kid = sign_in(runtime, "family@test.com", username="kid2005")
    kid_code = latest_code(runtime, "family@test.com")
    mom_code_flow = mom  # mom's code was sent first, then superseded for her challenge only
    mom_messages = notify.recent(runtime, to="family@test.com")
    mom_code = code_in(mom_messages[1].body)
    assert mom_code_flow.submit_code(mom_code) is Step.EDIT_PROFILE
    assert kid.submit_code(kid_code) is Step.ALTERNATE_CONTACT


def test_acc_8_plus_address_under_a_validated_parent_needs_no_code(runtime):
    add(runtime, cccid="PAR0001", email="dept@college.edu", email_validated=True)
    add(runtime, cccid="AAA0001", email="dept+jdoe@college.edu", must_change_password=True)
    flow = sign_in(runtime, "dept+jdoe@college.edu")
    assert flow.step is Step.UPDATE_PASSWORD
    assert notify.recent(runtime, to="dept+jdoe@college.edu") == []


def test_acc_8_plus_address_under_an_unvalidated_parent_needs_a_code(runtime):
    add(runtime, cccid="PAR0001", email="dept@college.edu")
    add(runtime, cccid="AAA0001", email="dept+jdoe@college.edu")
    assert sign_in(runtime, "dept+jdoe@college.edu").step is Step.VALIDATION_CODE


def test_sign_6_password_change_required_allows_only_update_password(runtime):
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True, must_change_password=True)
    flow = sign_in(runtime, "winnie@test.com")
    assert flow.step is Step.UPDATE_PASSWORD and flow.session is None
    with pytest.raises(ServiceError):
        flow.submit_code("123456")
    assert flow.submit_new_password("short", "short") is Step.UPDATE_PASSWORD
    assert "at least 8 characters" in flow.message
    assert flow.submit_new_password(PASSWORD, PASSWORD) is Step.UPDATE_PASSWORD
    assert flow.message == "The new password must differ from the old one."
    assert flow.submit_new_password("Fresh#Start8", "Fresh#Start9") is Step.UPDATE_PASSWORD
    assert flow.submit_new_password("Fresh#Start8", "Fresh#Start8") is Step.DONE
    saved = account(runtime, account_id)
    assert not saved.must_change_password and runtime.hasher.verify("Fresh#Start8", saved.password_hash).ok


def test_sign_6_a_password_that_fails_the_current_policy_must_be_changed(runtime):
    add(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        password_hash=runtime.hasher.hash("winniepooh"),
    )
    assert sign_in(runtime, "winnie@test.com", password="winniepooh").step is Step.UPDATE_PASSWORD


def test_acc_7_an_older_hash_is_upgraded_at_sign_in(runtime):
    from passlib.hash import pbkdf2_sha256

    account_id = add(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        password_hash=pbkdf2_sha256.hash(PASSWORD),
    )
    assert sign_in(runtime, "winnie@test.com").step is Step.DONE
    assert account(runtime, account_id).password_hash.startswith("$argon2id$")


def test_sign_7_five_failures_lock_the_account_with_the_same_message(runtime):
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True)
    for _ in range(5):
        assert sign_in(runtime, "winnie@test.com", password="Wrong#Pass1").message == SIGN_IN_FAILED
    locked = sign_in(runtime, "winnie@test.com")
    assert locked.step is Step.SIGN_IN and locked.message == SIGN_IN_FAILED
    assert account(runtime, account_id).locked_until == NOW + timedelta(minutes=15)
    runtime.clock = lambda: NOW + timedelta(minutes=15, seconds=1)
    assert sign_in(runtime, "winnie@test.com").step is Step.DONE


def test_sign_7_locks_grow_on_repeats_and_a_success_resets_the_count(runtime):
    assert [lock_duration(n) for n in range(4)] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert lock_duration(20) == timedelta(hours=24)
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True)
    for _ in range(4):
        sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    sign_in(runtime, "winnie@test.com")
    assert account(runtime, account_id).failed_sign_ins == 0
    for _ in range(5):
        sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    runtime.clock = lambda: NOW + timedelta(minutes=16)
    for _ in range(5):
        sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    assert account(runtime, account_id).locked_until == NOW + timedelta(minutes=16 + 30)


def test_sign_7_failures_count_per_account_whatever_the_identifier(runtime):
    account_id = add(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        phone="+19164452841",
        phone_validated=True,
    )
    for n in range(5):
        if n % 2:
            sign_in(runtime, "916 445 2841", password="Wrong#Pass1", method=Method.PHONE)
        else:
            sign_in(runtime, "WINNIE@test.com", password="Wrong#Pass1")
    assert account(runtime, account_id).locked_until is not None


def test_sign_7_concurrent_failures_are_all_counted(runtime):
    account_id = add(runtime, cccid="AAA0001", email="winnie@test.com", email_validated=True)
    flows = []
    for _ in range(4):
        flow = SignInFlow(runtime)
        flow.submit_identifier("winnie@test.com")
        flows.append(flow)
    threads = [threading.Thread(target=f.submit_password, args=("Wrong#Pass1",)) for f in flows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert account(runtime, account_id).failed_sign_ins == 4
    sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    assert account(runtime, account_id).locked_until is not None


def test_sign_8_validation_page_masks_phones(runtime):
    add(runtime, cccid="AAA0001", email="w@test.com", phone="+19164452841")
    flow = sign_in(runtime, "(916) 445-2841", method=Method.PHONE)
    assert flow.step is Step.VALIDATION_CODE and flow.masked_destination == "(***) ***-2841"
    (message,) = notify.recent(runtime, to="+19164452841")
    assert message.channel == "sms"


def test_staff_5_sign_in_events_are_audited_without_secrets(runtime):
    from openccc_tui.store.models import AuditEvent

    add(runtime, cccid="AAA0001", email="winnie@test.com")
    flow = sign_in(runtime, "winnie@test.com", password="Wrong#Pass1")
    flow = sign_in(runtime, "winnie@test.com")
    code = latest_code(runtime, "winnie@test.com")
    flow.submit_code(code)
    with read_session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert [e.action for e in events] == [
        "student.sign_in.failed",
        "student.sign_in.password",
        "student.email.validated",
    ]
    assert all(e.actor == "student:AAA0001" for e in events)
    assert not any(PASSWORD in e.detail or "Wrong#Pass1" in e.detail or code in e.detail for e in events)
