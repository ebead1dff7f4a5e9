"""A student's messages on the Support page (SPEC TERM-6, CODE-2): a student at a kiosk has
no email, so support staff read the codes and one-time passwords sent to the account's
email and phone from the outbox while they are valid. Every view is audited (STAFF-5)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from openccc_tui.domain.staff import Role
from openccc_tui.services import audit, notify
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import NotFound
from openccc_tui.services.permissions import authorise
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import OutboxMessage, StudentAccount

RECENT = timedelta(days=14)
MAX_MESSAGES = 30


@dataclass(frozen=True)
class MessageView:
    sent_at: datetime
    channel: str
    to: str
    subject: str
    body: str
    """The whole message, or a note that its code has expired and was removed."""
    valid_until: datetime | None


def student_messages(runtime: Runtime, actor: Actor, account_id: int) -> list[MessageView]:
    """The messages of the last two weeks to the account's email or phone, newest first."""
    now = runtime.clock()
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.SUPPORT)
        account = session.get(StudentAccount, account_id)
        if account is None:
            raise NotFound("no such account")
        notify.purge_expired(session, now)
        addresses = [a for a in (account.email, account.email_normalized, account.phone) if a]
        messages = session.exec(
            select(OutboxMessage)
            .where(
                col(OutboxMessage.to_address).in_(addresses),
                col(OutboxMessage.created_at) >= now - RECENT,
            )
            .order_by(col(OutboxMessage.id).desc())
            .limit(MAX_MESSAGES)
        ).all()
        audit.record(
            session, runtime, actor, "support.messages_viewed", account_id=account_id, detail=f"{len(messages)} shown"
        )
        return [
            MessageView(
                sent_at=message.created_at,
                channel=message.channel,
                to=message.to_address,
                subject=message.subject,
                body=message.body if message.body is not None else notify.EXPIRED_NOTE,
                valid_until=message.purge_after,
            )
            for message in messages
        ]
