"""ADD-1..4 and ACC-2, ACC-4 through the account-creation service shared with bulk uploads."""

import pytest
from sqlmodel import select

from openccc_tui.domain.cccid import is_cccid
from openccc_tui.services import account_creation
from openccc_tui.services.errors import InvalidInput
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, StudentAccount
from tests import factories

FORM = factories.STUDENT_FORM


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def add(runtime, actor, **changes):
    return account_creation.add_user(runtime, actor, FORM | changes, permission_reference="paper form 2026-118")


def test_add_4_save_creates_a_staff_verified_account_that_must_change_its_password(runtime, creator):
    created = add(runtime, creator)
    assert is_cccid(created.cccid)
    assert (created.username, created.email) == ("winnie@test.com", "winnie@test.com")
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, created.account_id)
    assert account.idme_workflow_status == "staff_verified"  # ACC-4
    assert account.must_change_password  # ADD-4
    assert account.created_by_staff_id == creator.staff_id and account.created_for_college_id == creator.college_id
    assert not account.email_validated
    assert account.password_hash.startswith("$argon2id$") and "Hunny#Pot9" not in account.password_hash
    assert runtime.hasher.verify("Hunny#Pot9", account.password_hash).ok


def test_add_1_permission_on_file_is_required_and_audited(runtime, creator):
    with pytest.raises(InvalidInput) as raised:
        account_creation.add_user(runtime, creator, FORM, permission_reference="  ")
    assert [e.path for e in raised.value.errors] == ["permission"]
    created = add(runtime, creator)
    with read_session(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "account.create")).one()
    assert event.account_id == created.account_id and "paper form 2026-118" in event.detail
    assert "Hunny#Pot9" not in event.detail


def test_add_1_a_given_username_is_kept(runtime, creator):
    assert add(runtime, creator, username="winnie2000").username == "winnie2000"


def test_add_3_same_email(runtime, creator):
    add(runtime, creator)
    with pytest.raises(account_creation.DuplicateAccount) as raised:
        add(
            runtime,
            creator,
            email=" Winnie@Test.com",
            **{"email-confirm": "winnie@test.com"},
            first="Other",
            dob="2001-01-01",
            **{"dob-confirm": "2001-01-01"},
        )
    assert str(raised.value) == "A user already exists with email: Winnie@Test.com"


def test_add_3_same_username(runtime, creator):
    add(runtime, creator, username="hpotter12345")
    with pytest.raises(account_creation.DuplicateAccount) as raised:
        add(
            runtime,
            creator,
            username="HPotter12345",
            email="harry@test.com",
            **{"email-confirm": "harry@test.com"},
            first="Harry",
            last="Potter",
        )
    assert str(raised.value) == "A user already exists with username: HPotter12345"


def test_add_3_one_person_with_the_same_names_and_birth_date(runtime, creator):
    add(runtime, creator, first="José", last="De la Cruz")
    with pytest.raises(account_creation.DuplicateAccount) as raised:
        add(
            runtime,
            creator,
            email="other@test.com",
            **{"email-confirm": "other@test.com"},
            first="jose",
            last="DELACRUZ",
        )  # case-, accent- and space-insensitive
    assert str(raised.value) == (
        "A user already exists for the given firstname, lastname, date-of-birth, please contact support."
    )


def test_add_3_several_people_with_the_same_names_and_birth_date(runtime, creator):
    with write_session(runtime.engine) as session:
        session.add(factories.account(cccid="AAA0001", email="a@test.com"))
        session.add(factories.account(cccid="AAA0002", email="b@test.com"))
    with pytest.raises(account_creation.DuplicateAccount) as raised:
        add(runtime, creator, email="c@test.com", **{"email-confirm": "c@test.com"})
    assert str(raised.value) == "Multiple users match on (firstname, lastname, date-of-birth), please contact support."


def test_add_3_checks_run_in_the_documented_order(runtime, creator):
    add(runtime, creator, username="first-user")
    with pytest.raises(account_creation.DuplicateAccount, match="with email"):
        add(runtime, creator, username="first-user")  # email, username and person all match


def test_add_3_nothing_is_written_for_a_duplicate(runtime, creator):
    add(runtime, creator)
    with pytest.raises(account_creation.DuplicateAccount):
        add(runtime, creator)
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(StudentAccount)).all()) == 1
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "account.create")).all()) == 1


def test_add_2_invalid_fields_are_reported_with_their_paths(runtime, creator):
    with pytest.raises(InvalidInput) as raised:
        add(runtime, creator, **{"email-confirm": "x@test.com"}, postal="9", password="short")
    assert [e.path for e in raised.value.errors] == [
        "email.confirm",
        "address.postal_code",
        "password",
        "password.confirm",
    ]


def test_acc_2_each_account_gets_its_own_cccid(runtime, creator):
    cccids = set()
    for n in range(5):
        created = add(
            runtime,
            creator,
            email=f"s{n}@test.com",
            **{"email-confirm": f"s{n}@test.com"},
            first=f"Student{'abcde'[n]}",
        )
        cccids.add(created.cccid)
    assert len(cccids) == 5


def test_add_3_two_terminals_saving_the_same_student_at_once_create_one_account(runtime, creator):
    import threading

    barrier = threading.Barrier(4)
    outcomes = []

    def save(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(add(runtime, creator, username=f"winnie{n}").cccid)
        except account_creation.DuplicateAccount as duplicate:
            outcomes.append(str(duplicate))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[:3] == [account_creation.EMAIL_EXISTS.format("winnie@test.com")] * 3, outcomes
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(StudentAccount).where(StudentAccount.email == "winnie@test.com")).all()) == 1
