"""Validation and recovery codes (SPEC CODE-1).

Six digits from `secrets`, valid 10 minutes, single use, stored hashed, bound to one
account, one destination and one purpose. The limits count per account, destination and
purpose over 15 minutes, whatever the challenge: five wrong entries, and three resends
after the first code. A new challenge does not start them over, nor does a resend reset
the wrong entries; an empty or malformed entry is not a guess. Every change of a
challenge is a conditional UPDATE, so two terminals submitting the same code at once
cannot both succeed.

Flows that must look the same whether or not there is an account to send to (REC-1) use
`pretend_issue` and `pretend_verify`: the same limits, the time of one hash, nothing sent.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, update

from openccc_tui.domain.local_time import try_again_after
from openccc_tui.domain.masking import mask_email, mask_phone
from openccc_tui.services import notify
from openccc_tui.services.credentials import attempts
from openccc_tui.services.credentials.attempts import Limit
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.records import saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Challenge

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_ENTRIES = 5
MAX_RESENDS = 3
LIMIT_WINDOW = timedelta(minutes=15)
WRONG_ENTRIES = Limit("code.wrong", MAX_WRONG_ENTRIES, LIMIT_WINDOW)
SENDS = Limit("code.send", 1 + MAX_RESENDS, LIMIT_WINDOW)
CODE_LENGTH = 6
NOT_A_CODE = "Enter the 6-digit Validation Code."


class Purpose(StrEnum):
    VALIDATE_CONTACT = "validate_contact"
    RECOVER = "recover"


class CodeResult(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    ENDED = "ended"
    """Expired, used, or replaced by a newer challenge: a resend gives a new code."""
    MALFORMED = "malformed"
    """Empty, or not six digits: not counted as a guess."""


class CodeLimitReached(ServiceError):
    """A CODE-1 limit; the message says until when, in local time."""

    def __init__(self, reason: str, retry_at: datetime) -> None:
        self.retry_at = retry_at
        super().__init__(f"{reason} {try_again_after(retry_at)}")


class TooManyWrongCodes(CodeLimitReached):
    def __init__(self, retry_at: datetime) -> None:
        super().__init__("That is five wrong codes.", retry_at)


class ResendRefused(CodeLimitReached):
    def __init__(self, retry_at: datetime) -> None:
        super().__init__("You have asked for three new codes in 15 minutes.", retry_at)


@dataclass(frozen=True)
class Destination:
    channel: str
    """`email` or `sms`."""
    address: str

    @property
    def masked(self) -> str:
        return mask_email(self.address) if self.channel == "email" else mask_phone(self.address)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def is_well_formed(code: str) -> bool:
    code = code.strip()
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit()


def _counted(account_id: int | None, address: str, purpose: Purpose) -> tuple[object, ...]:
    """What the limits count per: account, destination and purpose."""
    return (purpose.value, account_id if account_id is not None else "-", address)


def _nobody(destination: Destination) -> str:
    """The counted destination of a code nobody is sent: the channel chosen and what was typed."""
    return f"{destination.channel}:{destination.address}"


def _refuse_if_wrong_entries_spent(runtime: Runtime, counted: tuple[object, ...]) -> None:
    until = attempts.spent_until(runtime, WRONG_ENTRIES, *counted)
    if until is not None:
        raise TooManyWrongCodes(until)


def _count_send(runtime: Runtime, counted: tuple[object, ...]) -> None:
    """One more code to this account, destination and purpose, or ResendRefused."""
    _refuse_if_wrong_entries_spent(runtime, counted)
    taken = attempts.take(runtime, SENDS, *counted)
    if not taken.allowed:
        attempts.give_back(runtime, taken)
        raise ResendRefused(taken.until)


def _send(session: Session, runtime: Runtime, destination: Destination, code: str, expires: datetime) -> None:
    body = (
        f"Your OpenCCC Validation Code is {code}. It expires in 10 minutes.\n"
        "If you did not try to sign in to OpenCCC, ignore this message."
    )
    notify.queue(
        session,
        runtime,
        channel=destination.channel,
        to=destination.address,
        subject="Your OpenCCC Validation Code",
        body=body,
        secret_until=expires,
    )


def issue(runtime: Runtime, account_id: int, destination: Destination, purpose: Purpose) -> int:
    """Start a challenge and send its code; earlier open challenges of the same kind end.

    Raises CodeLimitReached when the window's codes or wrong entries are spent.
    """
    _count_send(runtime, _counted(account_id, destination.address, purpose))
    return _new_challenge(runtime, account_id, destination, purpose)


def _new_challenge(runtime: Runtime, account_id: int, destination: Destination, purpose: Purpose) -> int:
    now = runtime.clock()
    code = new_code()
    code_hash = runtime.hasher.hash(code)
    with write_session(runtime.engine) as session:
        session.exec(
            update(Challenge)
            .where(
                col(Challenge.account_id) == account_id,
                col(Challenge.purpose) == purpose.value,
                col(Challenge.used_at).is_(None),
                col(Challenge.ended_at).is_(None),
            )
            .values(ended_at=now)
        )
        challenge = Challenge(
            account_id=account_id,
            purpose=purpose.value,
            destination=destination.address,
            code_hash=code_hash,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            last_sent_at=now,
        )
        session.add(challenge)
        session.flush()
        _send(session, runtime, destination, code, challenge.expires_at)
        challenge_id = saved_id(challenge)
    notify.deliver_pending(runtime)
    return challenge_id


def _load(runtime: Runtime, challenge_id: int) -> Challenge:
    with read_session(runtime.engine) as session:
        challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise ServiceError("that code request is unknown; start again")
    return challenge


def resend(runtime: Runtime, challenge_id: int, destination: Destination) -> int:
    """Send a new code: for the same challenge while it is open, else for a new one (whose
    id is returned). Raises CodeLimitReached when the window's codes or wrong entries are spent."""
    challenge = _load(runtime, challenge_id)
    purpose = Purpose(challenge.purpose)
    _count_send(runtime, _counted(challenge.account_id, destination.address, purpose))
    now = runtime.clock()
    code = new_code()
    code_hash = runtime.hasher.hash(code)
    with write_session(runtime.engine) as session:
        still_open = session.exec(
            update(Challenge)
            .where(
                col(Challenge.id) == challenge_id,
                col(Challenge.used_at).is_(None),
                col(Challenge.ended_at).is_(None),
            )
            .values(
                code_hash=code_hash,
                sends=Challenge.sends + 1,
                last_sent_at=now,
                expires_at=now + CODE_LIFETIME,
            )
        ).rowcount
        if still_open:
            _send(session, runtime, destination, code, now + CODE_LIFETIME)
    if not still_open:
        return _new_challenge(runtime, challenge.account_id, destination, purpose)
    notify.deliver_pending(runtime)
    return challenge_id


def verify(runtime: Runtime, challenge_id: int, code: str) -> CodeResult:
    """Check a code. Exactly one of several concurrent correct submissions is ACCEPTED.

    Raises TooManyWrongCodes when this entry is the fifth wrong one of the window, or
    comes after it; the challenge then ends.
    """
    if not is_well_formed(code):
        return CodeResult.MALFORMED
    notify.purge_expired_bodies(runtime)
    now = runtime.clock()
    challenge = _load(runtime, challenge_id)
    counted = _counted(challenge.account_id, challenge.destination, Purpose(challenge.purpose))
    _refuse_if_wrong_entries_spent(runtime, counted)
    if challenge.used_at or challenge.ended_at or challenge.expires_at <= now:
        return CodeResult.ENDED
    guess = attempts.take(runtime, WRONG_ENTRIES, *counted)
    if not guess.allowed:
        attempts.give_back(runtime, guess)
        _end(runtime, challenge_id)
        raise TooManyWrongCodes(guess.until)
    open_challenge = (
        col(Challenge.id) == challenge_id,
        col(Challenge.used_at).is_(None),
        col(Challenge.ended_at).is_(None),
        col(Challenge.expires_at) > now,
    )
    if runtime.hasher.verify(code.strip(), challenge.code_hash).ok:
        attempts.give_back(runtime, guess)
        with write_session(runtime.engine) as session:
            won = session.exec(
                update(Challenge)
                .where(*open_challenge, col(Challenge.code_hash) == challenge.code_hash)
                .values(used_at=now)
            ).rowcount
        return CodeResult.ACCEPTED if won == 1 else CodeResult.ENDED
    with write_session(runtime.engine) as session:
        session.exec(update(Challenge).where(*open_challenge).values(failed_attempts=Challenge.failed_attempts + 1))
    if guess.count >= MAX_WRONG_ENTRIES:
        _end(runtime, challenge_id)
        raise TooManyWrongCodes(guess.until)
    return CodeResult.WRONG


def _end(runtime: Runtime, challenge_id: int) -> None:
    with write_session(runtime.engine) as session:
        session.exec(
            update(Challenge)
            .where(col(Challenge.id) == challenge_id, col(Challenge.ended_at).is_(None))
            .values(ended_at=runtime.clock())
        )


def pretend_issue(runtime: Runtime, destination: Destination, purpose: Purpose) -> None:
    """What `issue` does when there is nobody to send to: the limits and one hash, no code."""
    _count_send(runtime, _counted(None, _nobody(destination), purpose))
    runtime.hasher.hash(new_code())


def pretend_verify(runtime: Runtime, destination: Destination, purpose: Purpose, code: str) -> CodeResult:
    """What `verify` does when no code was sent: the same limits and time; never ACCEPTED."""
    if not is_well_formed(code):
        return CodeResult.MALFORMED
    counted = _counted(None, _nobody(destination), purpose)
    _refuse_if_wrong_entries_spent(runtime, counted)
    guess = attempts.take(runtime, WRONG_ENTRIES, *counted)
    if not guess.allowed:
        attempts.give_back(runtime, guess)
        raise TooManyWrongCodes(guess.until)
    runtime.hasher.dummy_verify()
    if guess.count >= MAX_WRONG_ENTRIES:
        raise TooManyWrongCodes(guess.until)
    return CodeResult.WRONG
