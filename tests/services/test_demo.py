"""TERM-4: the trainer's demo database has a student for every sign-in case, is marked as
a demo, and only a demo database can be reset."""

import pytest
from sqlmodel import func, select

from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.setup import initialise, is_demo_database, reset_demo, seed_demo
from openccc_tui.services.student.sign_in import SIGN_IN_FAILED, Method, SignInFlow, Step
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount

ACTOR = command_line_actor("trainer")
PASSWORD = "Student#Demo26"


def walk(runtime, identifier, *, method=Method.EMAIL, username=None, password=PASSWORD):
    flow = SignInFlow(runtime)
    if method is Method.PHONE:
        flow.toggle_method()
    steps = [flow.submit_identifier(identifier)]
    if steps[-1] is Step.USERNAME:
        steps.append(flow.submit_username(username))
    steps.append(flow.submit_password(password))
    return flow, steps


@pytest.fixture
def demo(runtime):
    seed_demo(runtime, ACTOR)
    return runtime


def test_term_4_sign_2_validated_email_goes_straight_to_the_home_page(demo):
    _, steps = walk(demo, "val.verde@demo.example")
    assert steps == [Step.PASSWORD, Step.DONE]


def test_term_4_sign_3_shared_legacy_email_asks_for_the_user_name(demo):
    flow, steps = walk(demo, "family@demo.example", username="klegacy02")
    assert steps == [Step.USERNAME, Step.PASSWORD, Step.VALIDATION_CODE]
    assert flow.masked_destination == "f****y@demo.example"


def test_term_4_sign_5_unvalidated_email_gets_a_code(demo):
    _, steps = walk(demo, "una.unvalidated@demo.example")
    assert steps == [Step.PASSWORD, Step.VALIDATION_CODE]


def test_term_4_sign_1_phone_only_student_signs_in_with_the_phone(demo):
    _, steps = walk(demo, "(916) 445-2841", method=Method.PHONE)
    assert steps == [Step.PASSWORD, Step.DONE]


def test_term_4_acc_8_plus_one_address_needs_no_code(demo):
    _, steps = walk(demo, "admissions+lee@democollege.edu")
    assert steps[-1] is not Step.VALIDATION_CODE and steps[-1] in (Step.DONE, Step.EDIT_PROFILE)


def test_term_4_sign_6_staff_made_account_must_change_its_password(demo):
    flow, steps = walk(demo, "rosa.reclaim@demo.example")
    assert steps == [Step.PASSWORD, Step.VALIDATION_CODE]
    with read_session(demo.engine) as session:
        rosa = session.exec(select(StudentAccount).where(StudentAccount.cccid == "DEM0008")).one()
    assert rosa.must_change_password and rosa.created_by_staff_id is not None and rosa.reclaimed_at is None


def test_term_4_sign_7_locked_student_gets_the_wrong_password_message(demo):
    flow, steps = walk(demo, "lou.locked@demo.example")
    assert steps[-1] is not Step.DONE and flow.message == SIGN_IN_FAILED


def test_term_4_demo_is_marked_and_reset_brings_back_the_seed(demo):
    assert is_demo_database(demo)
    walk(demo, "val.verde@demo.example", password="Wrong#Pass99")
    printed = reset_demo(demo, ACTOR)
    assert [p.username for p in printed] == ["dana.director", "cory.creator", "sam.support"]
    with read_session(demo.engine) as session:
        assert session.exec(select(func.count()).select_from(StudentAccount)).one() == 9
        val = session.exec(select(StudentAccount).where(StudentAccount.cccid == "DEM0002")).one()
    assert val.failed_sign_ins == 0
    assert is_demo_database(demo)


def test_term_4_reset_refuses_a_database_the_demo_did_not_make(runtime):
    initialise(
        runtime,
        ACTOR,
        mis_code="861",
        college_name="Real College",
        director="dir",
        full_name="Director",
        password="Chair#Lamp2026",
    )
    assert not is_demo_database(runtime)
    with pytest.raises(ServiceError, match="only a demo database"):
        reset_demo(runtime, ACTOR)
    with read_session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(StudentAccount)).one() == 0
