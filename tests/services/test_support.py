"""REC-4, STAFF-4: look-up without secrets, email update after identity verification, OTP reset."""

from datetime import date

import pytest
from sqlmodel import select

from openccc_tui.services import account_creation, notify
from openccc_tui.services.account_creation import DuplicateAccount
from openccc_tui.services.errors import InvalidInput, ServiceError
from openccc_tui.services.records import get_row
from openccc_tui.services.staff import support
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, OutboxMessage, StudentAccount
from tests import factories


@pytest.fixture
def created(runtime):
    creator = factories.staff_actor(runtime, "cory", "creator")
    return account_creation.add_user(
        runtime,
        creator,
        factories.STUDENT_FORM | {"phone-number": "916-445-2841", "phone-type": "mobile"},
        permission_reference="form 1",
    )


@pytest.fixture
def helpdesk(runtime):
    return factories.staff_actor(runtime, "sam", "support")


@pytest.mark.parametrize(
    "search",
    [
        support.Search(cccid="{cccid}"),
        support.Search(email="WINNIE@test.com"),
        support.Search(phone="(916) 445-2841"),
        support.Search(last_name="pooh", date_of_birth=date(2000, 1, 2)),
    ],
)
def test_rec_4_find_by_cccid_email_phone_or_last_name_and_birth_date(runtime, created, helpdesk, search):
    if search.cccid:
        search = support.Search(cccid=created.cccid.lower())
    (view,) = support.find_accounts(runtime, helpdesk, search)
    assert view.cccid == created.cccid and view.username == "winnie@test.com"  # seed 004: support sees the user name
    assert view.created_by == "cory" and view.idme_workflow_status == "staff_verified"


def test_staff_4_the_account_view_holds_no_secret(runtime, created, helpdesk):
    (view,) = support.find_accounts(runtime, helpdesk, support.Search(cccid=created.cccid))
    fields = set(vars(view))
    assert not {"password_hash", "password", "secret_answer", "secret_answer_hash", "ssn_last4_hash"} & fields
    assert "Hunny#Pot9" not in repr(view) and "$argon2" not in repr(view)


def test_rec_4_a_search_needs_a_key(runtime, helpdesk):
    with pytest.raises(ServiceError, match="search by"):
        support.find_accounts(runtime, helpdesk, support.Search(last_name="Pooh"))


def test_rec_4_email_update_needs_identity_verification_and_is_audited(runtime, created, helpdesk):
    with pytest.raises(ServiceError, match="verified the student's identity"):
        support.update_email(
            runtime,
            helpdesk,
            created.account_id,
            "w@home.org",
            "w@home.org",
            identity_verified=False,
            verification_note="",
        )
    with pytest.raises(InvalidInput):
        support.update_email(
            runtime,
            helpdesk,
            created.account_id,
            "w@home.org",
            "x@home.org",
            identity_verified=True,
            verification_note="photo ID at the counter",
        )
    support.update_email(
        runtime,
        helpdesk,
        created.account_id,
        "W@Home.org",
        "w@home.org",
        identity_verified=True,
        verification_note="photo ID at the counter",
    )
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, created.account_id)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "account.email.update")).one()
    assert (account.email, account.email_normalized, account.email_validated) == ("W@Home.org", "w@home.org", False)
    assert event.actor == "sam" and event.account_id == created.account_id and "photo ID" in event.detail


@pytest.mark.parametrize("validated", [True, False])
def test_acc_3_email_update_refuses_an_address_on_another_account_with_the_add_3_message(
    runtime, created, helpdesk, validated
):
    with write_session(runtime.engine) as session:
        session.add(factories.account(cccid="OWN0001", email="taken@test.com", email_validated=validated))
    with pytest.raises(DuplicateAccount, match=r"^A user already exists with email: Taken@Test.com$"):
        support.update_email(
            runtime,
            helpdesk,
            created.account_id,
            " Taken@Test.com",
            "taken@test.com",
            identity_verified=True,
            verification_note="phone call",
        )
    with read_session(runtime.engine) as session:
        assert get_row(session, StudentAccount, created.account_id).email == "winnie@test.com"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "account.email.update")).first() is None


def test_acc_3_email_update_to_the_same_address_in_another_case_is_the_students_own(runtime, created, helpdesk):
    support.update_email(
        runtime,
        helpdesk,
        created.account_id,
        "Winnie@Test.com",
        "winnie@test.com",
        identity_verified=True,
        verification_note="phone call",
    )
    with read_session(runtime.engine) as session:
        assert get_row(session, StudentAccount, created.account_id).email == "Winnie@Test.com"


def test_staff_5_email_update_audit_names_the_old_and_the_new_address(runtime, created, helpdesk):
    support.update_email(
        runtime,
        helpdesk,
        created.account_id,
        "w@home.org",
        "w@home.org",
        identity_verified=True,
        verification_note="photo ID at the counter",
    )
    with read_session(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "account.email.update")).one()
    assert event.detail == "from winnie@test.com to w@home.org; identity verified: photo ID at the counter"


def test_staff_4_reset_sends_a_one_time_password_staff_never_see(runtime, created, helpdesk):
    shown = support.reset_password(runtime, helpdesk, created.account_id)
    assert shown == "w****e@test.com"
    (message,) = notify.recent(runtime, to="winnie@test.com")
    one_time = (message.body or "").split("One-time password: ")[1].split()[0]
    assert one_time not in shown
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, created.account_id)
        details = " ".join(e.detail for e in session.exec(select(AuditEvent)))
    assert account.must_change_password
    assert runtime.hasher.verify(one_time, account.password_hash).ok
    assert not runtime.hasher.verify("Hunny#Pot9", account.password_hash).ok
    assert one_time not in details
    assert runtime.profile.password_problems(one_time, factories_context(account)) == []


def factories_context(account):
    from openccc_tui.domain.policy import PasswordContext

    return PasswordContext(first_name=account.first_name, last_name=account.last_name, email=account.email)


def test_staff_4_one_time_password_leaves_the_outbox_after_a_day(runtime, created, helpdesk):
    from datetime import timedelta

    support.reset_password(runtime, helpdesk, created.account_id)
    start = runtime.clock()
    runtime.clock = lambda: start + timedelta(hours=24, seconds=1)
    (message,) = notify.recent(runtime)
    assert message.body is None and message.subject == "Your OpenCCC one-time password"
    with read_session(runtime.engine) as session:
        assert all(m.body is None for m in session.exec(select(OutboxMessage)))


def test_track_1_credentials_handover_is_recorded(runtime, created):
    creator = factories.staff_actor(runtime, "cathy", "creator")
    account_creation.record_credentials_given(
        runtime, creator, created.account_id, date(2026, 11, 25), "given at intake"
    )
    view = support.get_account(runtime, creator, created.account_id)
    assert view.credentials_given_at is not None
    assert view.credentials_given_at.date() == date(2026, 11, 25) and view.credentials_note == "given at intake"
