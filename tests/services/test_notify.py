"""CODE-2: the outbox always, and a real SMTP server on loopback when configured."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from openccc_tui.services import notify
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import OutboxMessage


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def with_smtp(runtime, port):
    runtime.settings = runtime.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False, "smtp_from": "openccc@college.edu"}
    )


def queue(runtime, secret=False):
    with write_session(runtime.engine) as session:
        notify.queue(
            session,
            runtime,
            channel="email",
            to="winnie@test.com",
            subject="Hello",
            body="Code: 123456",
            secret_until=runtime.clock() + timedelta(minutes=10) if secret else None,
        )


def test_code_2_without_smtp_messages_stay_in_the_outbox(runtime):
    queue(runtime)
    assert notify.deliver_pending(runtime) == 0
    (message,) = notify.recent(runtime)
    assert message.body == "Code: 123456" and message.smtp_sent_at is None


def test_code_2_smtp_delivers_and_secret_bodies_leave_the_outbox(runtime, smtp_server):
    controller, inbox = smtp_server
    with_smtp(runtime, controller.port)
    queue(runtime, secret=True)
    queue(runtime, secret=False)
    assert notify.deliver_pending(runtime) == 2
    assert [m.rcpt_tos for m in inbox.messages] == [["winnie@test.com"], ["winnie@test.com"]]
    assert b"Code: 123456" in inbox.messages[0].content
    with read_session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [r.body for r in rows] == [None, "Code: 123456"]
    assert all(r.smtp_sent_at is not None for r in rows)
    assert notify.deliver_pending(runtime) == 0  # nothing is sent twice


def test_code_2_an_unreachable_server_is_recorded_not_raised(runtime):
    with_smtp(runtime, free_port())
    queue(runtime)
    assert notify.deliver_pending(runtime) == 0
    (message,) = notify.recent(runtime)
    assert message.smtp_error is not None
    assert message.smtp_error.startswith("ConnectionRefusedError") and message.body == "Code: 123456"


def test_code_2_recent_filters_by_address_and_count(runtime):
    for n in range(3):
        with write_session(runtime.engine) as session:
            notify.queue(session, runtime, channel="email", to=f"s{n}@test.com", subject=f"m{n}", body="b")
    assert [m.subject for m in notify.recent(runtime, last=2)] == ["m2", "m1"]
    assert [m.subject for m in notify.recent(runtime, to="s0@test.com")] == ["m0"]
