"""CODE-1: six digits, ten minutes, single use, hashed, bound; five wrong entries and three resends
per account, destination and purpose over 15 minutes."""

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from openccc_tui.domain.hashing import PasswordHasher
from openccc_tui.services import notify
from openccc_tui.services.credentials import codes
from openccc_tui.services.credentials.codes import CodeResult, Destination, Purpose, ResendRefused, TooManyWrongCodes
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Challenge, OutboxMessage
from tests import factories
from tests.conftest import NOW
from tests.factories import code_in

EMAIL = Destination("email", "winnie@test.com")
OTHER_EMAIL = Destination("email", "w.pooh@home.org")


@pytest.fixture
def account_id(runtime):
    with write_session(runtime.engine) as session:
        account = factories.account(cccid="AAA0001")
        session.add(account)
        session.flush()
        return account.id


def sent_code(runtime, index=0, to=EMAIL):
    return code_in(notify.recent(runtime, to=to.address)[index].body)


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


def wrong_for(code):
    return "000000" if code != "000000" else "111111"


def test_code_1_five_wrong_entries_end_the_challenge(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    assert [codes.verify(runtime, challenge_id, wrong_for(code)) for _ in range(4)] == [CodeResult.WRONG] * 4
    with pytest.raises(TooManyWrongCodes) as ended:
        codes.verify(runtime, challenge_id, wrong_for(code))
    assert ended.value.retry_at == NOW + timedelta(minutes=15)
    with pytest.raises(TooManyWrongCodes):
        codes.verify(runtime, challenge_id, code)


def test_code_1_wrong_entries_count_per_account_destination_and_purpose_not_per_challenge(runtime, account_id):
    first = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    for _ in range(3):
        assert codes.verify(runtime, first, wrong_for(sent_code(runtime))) is CodeResult.WRONG
    second = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    assert codes.verify(runtime, second, wrong_for(sent_code(runtime))) is CodeResult.WRONG
    with pytest.raises(TooManyWrongCodes):
        codes.verify(runtime, second, wrong_for(sent_code(runtime)))
    with pytest.raises(TooManyWrongCodes):  # no fresh challenge with five more guesses
        codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    other = codes.issue(runtime, account_id, OTHER_EMAIL, Purpose.VALIDATE_CONTACT)  # another destination
    assert codes.verify(runtime, other, sent_code(runtime, to=OTHER_EMAIL)) is CodeResult.ACCEPTED
    recover = codes.issue(runtime, account_id, EMAIL, Purpose.RECOVER)  # another purpose
    assert codes.verify(runtime, recover, sent_code(runtime)) is CodeResult.ACCEPTED
    runtime.clock = lambda: NOW + timedelta(minutes=15)
    third = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    assert codes.verify(runtime, third, sent_code(runtime)) is CodeResult.ACCEPTED


def test_code_1_resend_keeps_the_failure_count_and_replaces_the_code(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    first = sent_code(runtime)
    for _ in range(4):
        codes.verify(runtime, challenge_id, wrong_for(first))
    assert codes.resend(runtime, challenge_id, EMAIL) == challenge_id
    second = sent_code(runtime)
    with pytest.raises(TooManyWrongCodes):
        codes.verify(runtime, challenge_id, wrong_for(second))  # the fifth failure ends it


def test_code_1_empty_or_malformed_entries_are_not_guesses(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    code = sent_code(runtime)
    for entry in ["", "   ", "12345", "1234567", "abcdef", "12 456", "١٢٣٤٥٦"] * 3:
        assert codes.verify(runtime, challenge_id, entry) is CodeResult.MALFORMED
    assert [codes.verify(runtime, challenge_id, wrong_for(code)) for _ in range(4)] == [CodeResult.WRONG] * 4
    assert codes.verify(runtime, challenge_id, f" {code} ") is CodeResult.ACCEPTED


def test_code_1_three_resends_per_fifteen_minutes_whatever_the_challenge(runtime, account_id):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    for _ in range(3):
        assert codes.resend(runtime, challenge_id, EMAIL) == challenge_id
    with pytest.raises(ResendRefused) as refused:
        codes.resend(runtime, challenge_id, EMAIL)
    assert refused.value.retry_at == NOW + timedelta(minutes=15)
    with pytest.raises(ResendRefused):  # a new challenge is a send like any other
        codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    runtime.clock = lambda: NOW + timedelta(minutes=9)  # the code itself is still valid
    with pytest.raises(ResendRefused):
        codes.resend(runtime, challenge_id, EMAIL)
    assert len(notify.recent(runtime, to=EMAIL.address)) == 4
    runtime.clock = lambda: NOW + timedelta(minutes=15)
    challenge_id = codes.resend(runtime, challenge_id, EMAIL)
    assert codes.verify(runtime, challenge_id, sent_code(runtime)) is CodeResult.ACCEPTED


def test_code_1_refusals_say_until_when_in_local_time(runtime, account_id, pacific_time):
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    for _ in range(3):
        codes.resend(runtime, challenge_id, EMAIL)
    with pytest.raises(ResendRefused) as refused:
        codes.resend(runtime, challenge_id, EMAIL)
    assert str(refused.value) == "You have asked for three new codes in 15 minutes. Try again after 7:45 AM."


class CountingHasher(PasswordHasher):
    """The real hasher, counting how many codes it checks."""

    def __init__(self) -> None:
        super().__init__(memory_kib=64, time_cost=1, parallelism=1, _allow_weak=True)
        self.verified = 0

    def verify(self, secret, stored_hash):
        self.verified += 1
        return super().verify(secret, stored_hash)


def test_code_1_a_burst_of_wrong_codes_checks_at_most_five(runtime, account_id):
    runtime.hasher = CountingHasher()
    challenge_id = codes.issue(runtime, account_id, EMAIL, Purpose.VALIDATE_CONTACT)
    wrong = wrong_for(sent_code(runtime))
    outcomes: list[CodeResult | str] = []
    barrier = threading.Barrier(8)

    def submit():
        barrier.wait()
        try:
            outcomes.append(codes.verify(runtime, challenge_id, wrong))
        except TooManyWrongCodes:
            outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runtime.hasher.verified == 5
    assert sorted(outcomes) == ["refused"] * 4 + [CodeResult.WRONG] * 4


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
