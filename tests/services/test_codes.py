"""CODE-1: six digits, ten minutes, single use, hashed, bound, five wrong entries, resends."""

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from openccc_tui.services import codes, notify
from openccc_tui.services.codes import CodeResult, Destination, Purpose, ResendRefused
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Challenge, OutboxMessage
from tests import factories
from tests.conftest import NOW
from tests.factories import code_in

EMAIL = Destination("email", "winnie@test.com")


@pytest.fixture
def account_id(runtime):
    with write_session(runtime.engine) as session:
        account = factories.account(cccid="AAA0001")
        session.add(account)
        session.flush()
        return account.id


def sent_code(runtime, index=0):
    return code_in(notify.recent(runtime, to=EMAIL.address)[index].body)


def test_code_1_six_digits_from_a_secure_source():
    draws = {codes.new_code() for _ in range(2000)}
    assert all(re.fullmatch(r"\d{6}", c) for c in draws) and len(draws) > 1990


def test_code_1_stored_hashed_and_bound_to_account_destination_and_purpose(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    with read_session(runtime.engine) as session:
        challenge = session.get_one(Challenge, challenge_id)
    assert challenge.code_hash.startswith("$argon2id$") and code not in challenge.code_hash
    assert (challenge.account_id, challenge.destination, challenge.purpose) == (
        account_id,
        EMAIL.address,
        "validate_contact",
    )
    assert challenge.expires_at == NOW + timedelta(minutes=10)


def test_code_1_single_use(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    assert codes.verify(runtime, challenge_id, code) is CodeResult.ACCEPTED
    assert codes.verify(runtime, challenge_id, code) is CodeResult.ENDED


def test_code_1_two_terminals_submitting_the_same_code_at_once_one_wins(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    results = []
    barrier = threading.Barrier(4)

    def submit():
        barrier.wait()
        results.append(codes.verify(runtime, challenge_id, code))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted([CodeResult.ACCEPTED] + [CodeResult.ENDED] * 3)


def test_code_1_valid_ten_minutes(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    runtime.clock = lambda: NOW + timedelta(minutes=10)
    assert codes.verify(runtime, challenge_id, code) is CodeResult.ENDED


def test_code_1_five_wrong_entries_end_the_challenge(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    wrong = "000000" if code != "000000" else "111111"
    assert [codes.verify(runtime, challenge_id, wrong) for _ in range(5)] == [CodeResult.WRONG] * 4 + [CodeResult.ENDED]
    assert codes.verify(runtime, challenge_id, code) is CodeResult.ENDED


def test_code_1_resend_keeps_the_failure_count_and_replaces_the_code(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    first = sent_code(runtime)
    for _ in range(4):
        codes.verify(runtime, challenge_id, "abcdef")
    assert codes.resend(runtime, challenge_id, EMAIL)
    second = sent_code(runtime)
    if second != first:
        assert codes.verify(runtime, challenge_id, first) is CodeResult.ENDED  # fifth failure ends it
    else:
        assert codes.verify(runtime, challenge_id, "abcdef") is CodeResult.ENDED


def test_code_1_three_resends_per_fifteen_minutes(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    for _ in range(3):
        assert codes.resend(runtime, challenge_id, EMAIL)
    with pytest.raises(ResendRefused) as refused:
        codes.resend(runtime, challenge_id, EMAIL)
    assert refused.value.retry_at == NOW + timedelta(minutes=15)
    runtime.clock = lambda: NOW + timedelta(minutes=9)  # the code itself is still valid
    with pytest.raises(ResendRefused):
        codes.resend(runtime, challenge_id, EMAIL)
    runtime.clock = lambda: NOW + timedelta(minutes=15)
    assert codes.resend(runtime, challenge_id, EMAIL)


def test_code_1_a_new_challenge_ends_the_previous_one(runtime, account_id):
    first = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    old_code = sent_code(runtime)
    codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    assert codes.verify(runtime, first, old_code) is CodeResult.ENDED


def test_code_2_outbox_bodies_with_a_code_are_purged_once_it_expires(runtime, account_id):
    codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    runtime.clock = lambda: NOW + timedelta(minutes=10)
    (message,) = notify.recent(runtime)
    assert message.body is None
    with read_session(runtime.engine) as session:
        assert all(m.body is None for m in session.exec(select(OutboxMessage)))
