import re
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import col, select

from openccc_tui.domain.staff import Role
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.credentials.totp_secrets import unseal
from openccc_tui.services.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, ServiceError
from openccc_tui.services.setup import initialise, seed_demo
from openccc_tui.services.staff.staff_members import add_staff, command_line_creator, ensure_college, find_college
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, College, Staff, StudentAccount
from tests import factories
from tests.conftest import NOW

ACTOR = command_line_actor("root")


def test_init_creates_college_and_an_approved_director_with_totp(runtime):
    created = initialise(
        runtime,
        ACTOR,
        mis_code="861",
        college_name="Test College",
        director="jdir",
        full_name="Jo Director",
        password="Str0ng#Pass",
    )
    uri = created.enrolment_uri
    assert uri.startswith("otpauth://totp/OpenCCC:jdir%40861?secret=")
    secret = pyotp.parse_uri(uri).secret
    with read_session(runtime.engine) as session:
        staff = session.exec(select(Staff)).one()
        assert staff.roles == "director" and staff.approved_at is not None
        assert unseal(staff.totp_secret, runtime.settings.totp_key) == secret and len(secret) == 32
        assert staff.totp_secret.startswith("v1:") and secret not in staff.totp_secret  # STAFF-6
        assert staff.password_hash.startswith("$argon2id$") and "Str0ng#Pass" not in staff.password_hash
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
        assert actions == ["college.create", "staff.create"]


def test_init_twice_reuses_the_college_and_refuses_a_second_director_of_the_same_name(runtime):
    initialise(
        runtime, ACTOR, mis_code="861", college_name="Test", director="jdir", full_name="", password="Str0ng#Pass"
    )
    with pytest.raises(AlreadyExists, match="staff user jdir already exists"):
        initialise(
            runtime, ACTOR, mis_code="861", college_name="Test", director="jdir", full_name="", password="Str0ng#Pass"
        )
    initialise(
        runtime, ACTOR, mis_code="861", college_name="Test", director="kdir", full_name="", password="Str0ng#Pass"
    )
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(College)).all()) == 1


def test_staff_password_must_meet_the_policy_and_nothing_is_written(runtime):
    with pytest.raises(InvalidInput, match="password: rules not met: at least 8 characters"):
        initialise(runtime, ACTOR, mis_code="861", college_name="Test", director="jdir", full_name="", password="weak")
    with read_session(runtime.engine) as session:
        assert session.exec(select(Staff)).all() == []
        assert session.exec(select(College)).all() == []


def test_staff_user_names_and_mis_codes_are_checked(runtime):
    with write_session(runtime.engine) as session:
        with pytest.raises(ServiceError, match="MIS code is 3 letters or digits"):
            ensure_college(session, runtime, ACTOR, "8611", "Too long")
        college = ensure_college(session, runtime, ACTOR, "861", "Test")
        with pytest.raises(ServiceError, match="staff user name"):
            add_staff(
                session,
                runtime,
                ACTOR,
                username="a b",
                full_name="",
                college=college,
                roles=frozenset({Role.CREATOR}),
                password="Str0ng#Pass",
                approved=True,
            )


def test_unknown_college_is_named(runtime):
    with read_session(runtime.engine) as session, pytest.raises(NotFound, match="no college with MIS code 999"):
        find_college(session, "999")


def test_staff_5_audit_records_who_where_and_no_password(runtime):
    initialise(
        runtime, ACTOR, mis_code="861", college_name="Test", director="jdir", full_name="", password="Str0ng#Pass"
    )
    with read_session(runtime.engine) as session:
        events = session.exec(select(AuditEvent)).all()
    assert {e.actor for e in events} == {"cli:root"}
    assert {e.terminal for e in events} == {"test tty"}
    assert all("Str0ng#Pass" not in e.detail for e in events)


def test_term_4_demo_seed_has_a_director_a_creator_and_support(runtime):
    printed = seed_demo(runtime, ACTOR)
    assert sorted(p.roles for p in printed) == ["creator", "director", "support"]
    with read_session(runtime.engine) as session:
        staff = {s.username: s for s in session.exec(select(Staff))}
    for member in printed:
        assert unseal(staff[member.username].totp_secret, runtime.settings.totp_key) == member.totp_secret
        assert runtime.hasher.verify(member.password, staff[member.username].password_hash).ok
    with read_session(runtime.engine) as session:
        master = session.exec(select(StudentAccount).where(StudentAccount.cccid == "DEM0001")).one()
    assert master.email == "admissions@democollege.edu" and master.email_validated  # ACC-8 parent


def test_term_4_demo_refuses_a_database_that_has_data(runtime):
    seed_demo(runtime, ACTOR)
    with pytest.raises(ServiceError, match="empty database"):
        seed_demo(runtime, ACTOR)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"locked_until": NOW + timedelta(minutes=5)}, "the account is locked after failed sign-ins"),
        ({"approved_at": None}, "a director has not approved the account"),
        ({"totp_enrolled_at": None}, "the authenticator (TOTP) is not enrolled"),
        ({"agreement_accepted_at": None}, "the agreement never to share the account is not accepted"),
        ({"active": False}, "the account is deactivated"),
        ({"roles": "support"}, "the account lacks the creator role"),
    ],
)
def test_bulk_8_command_line_creator_must_be_able_to_act_on_the_console(runtime, change, reason):
    factories.staff_actor(runtime, "cory", "creator")
    factories.console_ready(runtime, "cory")
    assert command_line_creator(runtime, "Cory").name == "cory"
    with write_session(runtime.engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == "cory")).one()
        for name, value in change.items():
            setattr(staff, name, value)
    with pytest.raises(PermissionDenied, match=re.escape(reason)):
        command_line_creator(runtime, "cory")


def test_bulk_8_command_line_creator_unknown_user(runtime):
    with pytest.raises(NotFound, match="no staff user nobody"):
        command_line_creator(runtime, "nobody")
