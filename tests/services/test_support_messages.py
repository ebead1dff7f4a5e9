"""TERM-6, CODE-2: support staff read a student's messages whole while their codes are valid;
every view is audited; other roles are refused."""

from datetime import timedelta

import pytest
from sqlmodel import select

from openccc_tui.services import account_creation, notify
from openccc_tui.services.errors import PermissionDenied
from openccc_tui.services.staff import support, support_messages
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent
from tests import factories
from tests.conftest import NOW


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


def send(runtime, to, body, *, secret_for=None, at=NOW, channel="email"):
    with write_session(runtime.engine) as session:
        message = notify.queue(
            session,
            runtime,
            channel=channel,
            to=to,
            subject="Your code",
            body=body,
            secret_until=at + secret_for if secret_for else None,
        )
        message.created_at = at


def test_term_6_support_reads_a_students_messages_whole(runtime, created, helpdesk):
    send(
        runtime,
        "winnie@test.com",
        "Your Validation Code is 123456.\nIt is valid 10 minutes.",
        secret_for=timedelta(minutes=10),
    )
    send(runtime, "+19164452841", "Your Validation Code is 654321.", secret_for=timedelta(minutes=10), channel="sms")
    send(runtime, "someone@else.edu", "Not for this student.")
    messages = support_messages.student_messages(runtime, helpdesk, created.account_id)
    assert [m.body for m in messages] == [
        "Your Validation Code is 654321.",
        "Your Validation Code is 123456.\nIt is valid 10 minutes.",
    ]
    assert messages[1].valid_until == NOW + timedelta(minutes=10)


def test_term_6_expired_codes_and_old_messages_are_not_shown(runtime, created, helpdesk):
    send(runtime, "winnie@test.com", "Code 111111", secret_for=timedelta(minutes=10), at=NOW - timedelta(minutes=11))
    send(runtime, "winnie@test.com", "An old notice", at=NOW - timedelta(days=15))
    (message,) = support_messages.student_messages(runtime, helpdesk, created.account_id)
    assert message.body == notify.EXPIRED_NOTE and "111111" not in message.body


def test_term_6_staff_5_every_view_is_audited(runtime, created, helpdesk):
    send(runtime, "winnie@test.com", "Code 222222", secret_for=timedelta(minutes=10))
    support_messages.student_messages(runtime, helpdesk, created.account_id)
    support_messages.student_messages(runtime, helpdesk, created.account_id)
    with read_session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "support.messages_viewed")).all()
    assert [(e.account_id, e.detail) for e in events] == [(created.account_id, "1 shown")] * 2
    assert all("222222" not in (e.detail or "") for e in events)


def test_term_6_staff_2_only_support_reads_messages(runtime, created):
    creator = factories.staff_actor(runtime, "carla", "creator")
    with pytest.raises(PermissionDenied):
        support_messages.student_messages(runtime, creator, created.account_id)


def test_term_6_a_found_account_leads_to_its_messages(runtime, created, helpdesk):
    send(runtime, "winnie@test.com", "Code 333333", secret_for=timedelta(minutes=10))
    (view,) = support.find_accounts(runtime, helpdesk, support.Search(phone="(916) 445-2841"))
    assert [m.body for m in support_messages.student_messages(runtime, helpdesk, view.account_id)] == ["Code 333333"]
