"""Validation and recovery codes (SPEC CODE-1).

Six digits from `secrets`, valid 10 minutes, single use, stored hashed, bound to one
account, one destination and one purpose. Five wrong entries end the challenge. A resend
sends a new code for the same challenge, keeps its failure count, and is allowed three
times in 15 minutes. Every change is a conditional UPDATE, so two terminals submitting
the same code at once cannot both succeed.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select, update

from openccc_tui.domain.masking import mask_email, mask_phone
from openccc_tui.services import notify
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import Challenge

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_ENTRIES = 5
MAX_RESENDS = 3
RESEND_WINDOW = timedelta(minutes=15)


class Purpose(StrEnum):
    VALIDATE_CONTACT = "validate_contact"
    RECOVER = "recover"


class CodeResult(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    ENDED = "ended"
    """Expired, used, or five wrong entries: a new challenge is needed."""


@dataclass(frozen=True)
class Destination:
    channel: str
    """`email` or `sms`."""
    address: str

    @property
    def masked(self) -> str:
        return mask_email(self.address) if self.channel == "email" else mask_phone(self.address)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _send(session: Session, runtime: Runtime, destination: Destination, code: str, expires: datetime) -> None:
    body = (
        f"Your OpenCCC verification code is {code}. It expires in 10 minutes.\n"
        "If you did not try to sign in to OpenCCC, ignore this message."
    )
    notify.queue(
        session,
        runtime,
        channel=destination.channel,
        to=destination.address,
        subject="Your OpenCCC verification code",
        body=body,
        secret_until=expires,
    )


def issue(runtime: Runtime, account_id: int, destination: Destination, purpose: Purpose) -> int:
    """Start a challenge and send its code; earlier open challenges of the same kind end."""
    now = runtime.clock()
    code = new_code()
    code_hash = runtime.hasher.hash(code)
    with write_session(runtime.engine) as session:
        session.exec(
            update(Challenge)
            .where(
                Challenge.account_id == account_id,
                Challenge.purpose == purpose.value,
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
            resend_window_started_at=now,
        )
        session.add(challenge)
        session.flush()
        _send(session, runtime, destination, code, challenge.expires_at)
        challenge_id = challenge.id
    notify.deliver_pending(runtime)
    return challenge_id


class ResendRefused(Exception):
    def __init__(self, retry_at: datetime) -> None:
        self.retry_at = retry_at
        super().__init__(f"three new codes were sent in 15 minutes; ask again after {retry_at:%H:%M} UTC")


def resend(runtime: Runtime, challenge_id: int, destination: Destination) -> bool:
    """Send a new code for the same challenge; False when the challenge has ended.

    Raises ResendRefused after three resends in the current 15-minute window.
    """
    now = runtime.clock()
    code = new_code()
    code_hash = runtime.hasher.hash(code)
    with write_session(runtime.engine) as session:
        challenge = session.exec(select(Challenge).where(Challenge.id == challenge_id).with_for_update()).one()
        if challenge.used_at is not None or challenge.ended_at is not None:
            return False
        if now - challenge.resend_window_started_at >= RESEND_WINDOW:
            challenge.resend_window_started_at = now
            challenge.resends_in_window = 0
        if challenge.resends_in_window >= MAX_RESENDS:
            raise ResendRefused(challenge.resend_window_started_at + RESEND_WINDOW)
        challenge.resends_in_window += 1
        challenge.sends += 1
        challenge.code_hash = code_hash
        challenge.last_sent_at = now
        challenge.expires_at = now + CODE_LIFETIME
        _send(session, runtime, destination, code, challenge.expires_at)
    notify.deliver_pending(runtime)
    return True


def verify(runtime: Runtime, challenge_id: int, code: str) -> CodeResult:
    """Check a code. Exactly one of several concurrent correct submissions is ACCEPTED."""
    notify.purge_expired_bodies(runtime)
    now = runtime.clock()
    with write_session(runtime.engine) as session:
        challenge = session.get(Challenge, challenge_id)
        if challenge is None or challenge.used_at or challenge.ended_at or challenge.expires_at <= now:
            return CodeResult.ENDED
        stored_hash = challenge.code_hash
    well_formed = len(code.strip()) == 6 and code.strip().isdigit()
    correct = well_formed and runtime.hasher.verify(code.strip(), stored_hash).ok
    with write_session(runtime.engine) as session:
        open_challenge = (
            Challenge.id == challenge_id,
            col(Challenge.used_at).is_(None),
            col(Challenge.ended_at).is_(None),
            Challenge.expires_at > now,
            Challenge.code_hash == stored_hash,
        )
        if correct:
            won = session.exec(update(Challenge).where(*open_challenge).values(used_at=now)).rowcount
            return CodeResult.ACCEPTED if won == 1 else CodeResult.ENDED
        session.exec(update(Challenge).where(*open_challenge[:4]).values(failed_attempts=Challenge.failed_attempts + 1))
        session.exec(
            update(Challenge)
            .where(
                Challenge.id == challenge_id,
                Challenge.failed_attempts >= MAX_WRONG_ENTRIES,
                col(Challenge.ended_at).is_(None),
            )
            .values(ended_at=now)
        )
        ended = session.get(Challenge, challenge_id).ended_at is not None
    return CodeResult.ENDED if ended else CodeResult.WRONG
