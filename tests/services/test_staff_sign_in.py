"""STAFF-1, STAFF-3: password, TOTP, enrolment, agreement, lockout."""

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import col, select

from openccc_tui.services.credentials.totp_secrets import unseal
from openccc_tui.services.staff.staff_sign_in import (
    CODE_JUST_USED,
    NOT_APPROVED,
    WRONG_CODE,
    WRONG_CREDENTIALS,
    StaffSignInFlow,
    StaffStep,
)
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, Staff
from tests import factories
from tests.conftest import NOW

PASSWORD = "Staff#Pass99"


def secret_of(runtime, username):
    with read_session(runtime.engine) as session:
        stored = session.exec(select(Staff).where(Staff.username == username)).one().totp_secret
    return unseal(stored, runtime.settings.totp_key)


def code(runtime, username, at=None):
    return pyotp.TOTP(secret_of(runtime, username)).at((at or runtime.clock()).timestamp())


def signed_in(runtime, username):
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials(username, PASSWORD)
    if flow.step is StaffStep.ENROL:
        flow.submit_code(code(runtime, username))
    if flow.step is StaffStep.AGREEMENT:
        flow.accept_agreement()
    return flow


def test_staff_1_first_sign_in_enrols_totp_then_asks_the_agreement(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials("Cory", PASSWORD) is StaffStep.ENROL
    assert flow.enrolment_uri.startswith("otpauth://totp/OpenCCC:cory%40861?secret=")
    assert flow.submit_code(code(runtime, "cory")) is StaffStep.AGREEMENT
    assert flow.session is None
    assert flow.accept_agreement() is StaffStep.DONE  # STAFF-3
    assert flow.session is not None
    assert flow.session.actor.name == "cory" and flow.session.college_mis == "861"
    with read_session(runtime.engine) as session:
        staff = session.exec(select(Staff)).one()
        assert staff.totp_enrolled_at is not None and staff.agreement_accepted_at is not None
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions[-3:] == ["staff.totp.enrol", "staff.agreement.accept", "staff.sign_in"]


def test_staff_1_later_sign_ins_ask_only_the_code(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    signed_in(runtime, "cory")
    runtime.clock = lambda: NOW + timedelta(minutes=5)
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials("cory", PASSWORD) is StaffStep.CODE
    assert flow.enrolment_uri == ""
    assert flow.submit_code(code(runtime, "cory")) is StaffStep.DONE


def test_staff_1_a_code_is_accepted_only_once(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    signed_in(runtime, "cory")
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("cory", PASSWORD)
    assert flow.submit_code(code(runtime, "cory")) is StaffStep.CODE
    assert flow.message == CODE_JUST_USED  # told apart from a wrong code (issue 16)


def test_staff_1_codes_from_the_neighbouring_step_are_accepted(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("cory", PASSWORD)
    assert flow.submit_code(code(runtime, "cory", NOW - timedelta(seconds=30))) is StaffStep.AGREEMENT


def test_staff_1_wrong_unknown_and_inactive_give_the_same_message(runtime, monkeypatch):
    factories.staff_actor(runtime, "cory", "creator")
    calls = []
    monkeypatch.setattr(runtime.hasher, "dummy_verify", lambda: calls.append(1))
    for username, password in (("cory", "Wrong#Pass1"), ("nobody", PASSWORD)):
        flow = StaffSignInFlow(runtime)
        assert flow.submit_credentials(username, password) is StaffStep.CREDENTIALS
        assert flow.message == WRONG_CREDENTIALS
    assert calls == [1]  # the unknown user name cost a hash too


def test_staff_1_five_failures_lock_for_15_minutes_with_the_same_message(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    for _ in range(5):
        StaffSignInFlow(runtime).submit_credentials("cory", "Wrong#Pass1")
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials("cory", PASSWORD) is StaffStep.CREDENTIALS
    assert flow.message == WRONG_CREDENTIALS
    runtime.clock = lambda: NOW + timedelta(minutes=14)
    assert StaffSignInFlow(runtime).submit_credentials("cory", PASSWORD) is StaffStep.CREDENTIALS
    runtime.clock = lambda: NOW + timedelta(minutes=15, seconds=1)
    assert StaffSignInFlow(runtime).submit_credentials("cory", PASSWORD) is StaffStep.ENROL
    with read_session(runtime.engine) as session:
        assert "staff.sign_in.locked_out" in session.exec(select(AuditEvent.action)).all()


def test_staff_1_wrong_codes_count_toward_the_lock(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("cory", PASSWORD)
    for _ in range(4):
        assert flow.submit_code("000000") is StaffStep.ENROL
    assert flow.submit_code("000000") is StaffStep.CREDENTIALS
    assert flow.message == WRONG_CREDENTIALS
    assert StaffSignInFlow(runtime).submit_credentials("cory", PASSWORD) is StaffStep.CREDENTIALS


def test_staff_1_success_resets_the_failure_count(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    for _ in range(4):
        StaffSignInFlow(runtime).submit_credentials("cory", "Wrong#Pass1")
    signed_in(runtime, "cory")
    runtime.clock = lambda: NOW + timedelta(minutes=1)
    for _ in range(4):
        StaffSignInFlow(runtime).submit_credentials("cory", "Wrong#Pass1")
    assert StaffSignInFlow(runtime).submit_credentials("cory", PASSWORD) is StaffStep.CODE


def test_staff_2_unapproved_staff_cannot_sign_in(runtime):
    factories.staff_actor(runtime, "newbie", "creator", approved=False)
    flow = StaffSignInFlow(runtime)
    assert flow.submit_credentials("newbie", PASSWORD) is StaffStep.CREDENTIALS
    assert flow.message == NOT_APPROVED


def test_deactivated_staff_get_the_wrong_password_message(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    with write_session(runtime.engine) as session:
        session.exec(select(Staff)).one().active = False
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("cory", PASSWORD)
    assert flow.message == WRONG_CREDENTIALS


def test_staff_5_no_secret_in_the_audit_log(runtime):
    factories.staff_actor(runtime, "cory", "creator")
    StaffSignInFlow(runtime).submit_credentials("cory", "Wrong#Pass1")
    signed_in(runtime, "cory")
    with read_session(runtime.engine) as session:
        details = " ".join(e.detail for e in session.exec(select(AuditEvent)))
    assert PASSWORD not in details and "Wrong#Pass1" not in details
    assert secret_of(runtime, "cory") not in details


@pytest.mark.parametrize("bad", ["12345", "abcdef", "1234567", ""])
def test_staff_1_malformed_codes_are_wrong_codes(runtime, bad):
    factories.staff_actor(runtime, "cory", "creator")
    flow = StaffSignInFlow(runtime)
    flow.submit_credentials("cory", PASSWORD)
    assert flow.submit_code(bad) is StaffStep.ENROL and flow.message == WRONG_CODE
