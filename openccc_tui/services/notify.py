"""The notifier (SPEC CODE-2): every message goes to the outbox table, and by SMTP when
configured.

The outbox row is written in the caller's transaction, so a message exists exactly when
the change that caused it was committed; `deliver_pending` then hands new rows to SMTP.
A kiosk has no email, so staff and trainers read codes from the outbox. A body holding a
secret (a code or a one-time password) is kept only until `purge_after`, and is removed
at once when SMTP has delivered it. Nobody has to read the outbox for that: expired bodies
are purged after every send (`deliver_pending`, with or without SMTP), before a code is
checked, when a command or the app starts, and every minute while the app or a long
command runs (`Purger`).
"""

import logging
import smtplib
import ssl
import threading
from datetime import datetime
from email.message import EmailMessage
from types import TracebackType

from sqlmodel import Session, col, select, update

from openccc_tui.services.records import get_row, required, stored_ids
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import OutboxMessage

logger = logging.getLogger("openccc_tui.notify")

PURGED_BODY = None
EXPIRED_NOTE = "(removed: the code in it has expired)"
SENDING = "sending"
SMTP_TIMEOUT_SECONDS = 20
PURGE_EVERY_SECONDS = 60.0


def queue(
    session: Session,
    runtime: Runtime,
    *,
    channel: str,
    to: str,
    subject: str,
    body: str,
    secret_until: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; `secret_until` marks a body that holds a secret."""
    message = OutboxMessage(
        channel=channel,
        to_address=to,
        subject=subject,
        body=body,
        purge_after=secret_until,
        created_at=runtime.clock(),
    )
    session.add(message)
    return message


def purge_expired(session: Session, now: datetime) -> int:
    """Remove the bodies whose secret has expired; returns how many."""
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.purge_after) <= now, col(OutboxMessage.body).is_not(None))
        .values(body=PURGED_BODY)
    )
    return int(result.rowcount or 0)


def purge_expired_bodies(runtime: Runtime) -> int:
    """`purge_expired` in a short transaction of its own; returns how many bodies went."""
    with write_session(runtime.engine) as session:
        return purge_expired(session, runtime.clock())


class Purger:
    """Purges expired bodies every `every` seconds in a thread of its own until stopped, for
    a process that runs long without sending anything (a headless import). A failed purge
    is logged and tried again at the next turn."""

    def __init__(self, runtime: Runtime, every: float = PURGE_EVERY_SECONDS) -> None:
        self.runtime = runtime
        self.every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-purger", daemon=True)

    def start(self) -> "Purger":
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> "Purger":
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            try:
                purge_expired_bodies(self.runtime)
            except Exception:
                logger.exception("purging expired outbox bodies failed; trying again in %s s", self.every)


def deliver_pending(runtime: Runtime) -> int:
    """Purge expired bodies, then send unsent email messages by SMTP when it is configured;
    returns how many were sent.

    Each message is claimed first (one UPDATE that only one terminal can win), so two
    terminals never send the same message; no database lock is held while SMTP talks.
    """
    if not runtime.settings.smtp_configured:
        purge_expired_bodies(runtime)
        return 0
    with write_session(runtime.engine) as session:
        purge_expired(session, runtime.clock())
        pending = stored_ids(
            session.exec(
                select(OutboxMessage.id).where(
                    OutboxMessage.channel == "email",
                    col(OutboxMessage.smtp_sent_at).is_(None),
                    col(OutboxMessage.smtp_error).is_(None),
                    col(OutboxMessage.body).is_not(None),
                )
            ).all()
        )
    sent = 0
    for message_id in pending:
        message = _claim(runtime, message_id)
        if message is None:
            continue
        try:
            _send(runtime, message)
        except (OSError, smtplib.SMTPException) as error:
            _record(runtime, message_id, error=f"{type(error).__name__}: {error}"[:500])
            logger.warning("SMTP delivery of outbox message %s failed: %s", message_id, type(error).__name__)
            continue
        _record(runtime, message_id, error=None)
        sent += 1
    return sent


def _claim(runtime: Runtime, message_id: int) -> OutboxMessage | None:
    with write_session(runtime.engine) as session:
        claimed = session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message_id,
                col(OutboxMessage.smtp_error).is_(None),
                col(OutboxMessage.smtp_sent_at).is_(None),
            )
            .values(smtp_error=SENDING)
        ).rowcount
        return session.get(OutboxMessage, message_id) if claimed == 1 else None


def _record(runtime: Runtime, message_id: int, *, error: str | None) -> None:
    with write_session(runtime.engine) as session:
        message = get_row(session, OutboxMessage, message_id)
        message.smtp_error = error
        if error is None:
            message.smtp_sent_at = runtime.clock()
            if message.purge_after is not None:
                message.body = PURGED_BODY


def _send(runtime: Runtime, message: OutboxMessage) -> None:
    settings = runtime.settings
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body or "")
    with smtplib.SMTP(
        required(settings.smtp_host, "the SMTP host"), settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(email)


def recent(runtime: Runtime, *, to: str | None = None, last: int = 20) -> list[OutboxMessage]:
    """The newest outbox messages, newest first, after purging expired secrets."""
    with write_session(runtime.engine) as session:
        purge_expired(session, runtime.clock())
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(last)
        if to:
            query = query.where(OutboxMessage.to_address == to.strip())
        return list(session.exec(query).all())
