"""80×24 snapshots of the modal dialogs, each reached the way a user reaches it: the password
check and the email code of Edit Account (ACC-9), Start a New Application (APP-1), the
support dialogs for the email on file (REC-4) and the hand-over (TRACK-1), the question
before a filled form is thrown away (ADD-1) and the apology after a crash (TERM-5)."""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.services import account_creation
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student.student_profile import REAUTHENTICATE_AFTER
from openccc_tui.store.engine import write_session
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit
from tests.screens.staff_helpers import open_console

LOG_FILE = Path("/var/log/openccc-tui/openccc-tui.log")
"""Shown in the crash apology: a fixed name, so the snapshot does not carry the test's folder."""


async def until(pilot: Pilot[object], condition: Callable[[], object]) -> None:
    """Pause until `condition()` holds: a worker waiting on a dialog never completes."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the dialog never opened")


def dialog_open(pilot: Pilot[object], dialog_id: str) -> Callable[[], bool]:
    return lambda: bool(pilot.app.screen.query(f"#{dialog_id}"))


@pytest.fixture
def student(sqlite_runtime: Runtime) -> None:
    factories.stored_student(
        sqlite_runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        street1="1 Main St",
        city="Davis",
        state="CA",
        postal_code="95616",
    )
    with write_session(sqlite_runtime.engine) as session:
        session.add(factories.college("861", "Hundred Acre College"))


async def edit_account(pilot: Pilot[object]) -> None:
    await submit(pilot, "winnie@test.com")
    await submit(pilot, factories.STUDENT_PASSWORD)
    await pilot.press("e")
    await pilot.pause()


def test_acc_9_password_check_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], sqlite_runtime: Runtime, snap_compare, student: None
) -> None:
    async def later_save(pilot: Pilot[object]) -> None:
        await edit_account(pilot)
        signed_in = sqlite_runtime.clock()
        sqlite_runtime.clock = lambda: signed_in + REAUTHENTICATE_AFTER + timedelta(seconds=1)
        await pilot.press("ctrl+s")
        await until(pilot, dialog_open(pilot, "reauth-password"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=later_save)


def test_acc_9_email_code_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], snap_compare, student: None
) -> None:
    async def new_email(pilot: Pilot[object]) -> None:
        await edit_account(pilot)
        await fill(pilot, {"#new-email": "pooh@home.org", "#email-confirm": "pooh@home.org"})
        await pilot.press("ctrl+s")
        await until(pilot, dialog_open(pilot, "email-code"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=new_email)


def test_app_1_new_application_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], snap_compare, student: None
) -> None:
    async def new_application(pilot: Pilot[object]) -> None:
        await submit(pilot, "winnie@test.com")
        await submit(pilot, factories.STUDENT_PASSWORD)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("n")
        await until(pilot, dialog_open(pilot, "app-college"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=new_application)


@pytest.fixture
def staff_made_student(sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("openccc_tui.store.account_rows.new_cccid", lambda: "STU1000")
    creator = factories.staff_actor(sqlite_runtime, "cory", "creator")
    return account_creation.add_user(
        sqlite_runtime, creator, factories.STUDENT_FORM, permission_reference="form 7"
    ).cccid


async def account_screen(pilot: Pilot[object], cccid: str) -> None:
    await open_console(pilot.app, pilot, "sam", "support", page="support")
    await submit(pilot, cccid)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_rec_4_update_email_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], snap_compare, staff_made_student: str
) -> None:
    async def update_email(pilot: Pilot[object]) -> None:
        await account_screen(pilot, staff_made_student)
        await pilot.press("e")
        await until(pilot, dialog_open(pilot, "verification-note"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=update_email)


def test_track_1_hand_over_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], snap_compare, staff_made_student: str
) -> None:
    async def hand_over(pilot: Pilot[object]) -> None:
        await account_screen(pilot, staff_made_student)
        await pilot.press("c")
        await until(pilot, dialog_open(pilot, "handover-note"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=hand_over)


def test_add_1_discard_question_dialog_snapshot_80x24(make_app: Callable[..., OpenCCCApp], snap_compare) -> None:
    async def filled_then_escape(pilot: Pilot[object]) -> None:
        await open_console(pilot.app, pilot, "cory", "creator", page="add_user")
        await fill(pilot, {"#f-email": "someone@x.com"})
        await pilot.press("escape")
        await until(pilot, dialog_open(pilot, "yes"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=filled_then_escape)


def explode() -> None:
    raise RuntimeError("forced failure on this screen")


def test_term_5_crash_apology_dialog_snapshot_80x24(
    make_app: Callable[..., OpenCCCApp], sqlite_runtime: Runtime, snap_compare
) -> None:
    sqlite_runtime.settings = sqlite_runtime.settings.model_copy(update={"log_file": LOG_FILE})

    async def crash(pilot: Pilot[object]) -> None:
        await pilot.pause()
        pilot.app.screen.call_later(explode)
        for _ in range(200):  # the page's own message loop stopped: wait on the app, not on the page
            await asyncio.sleep(0.02)
            if pilot.app.screen.id == "crash" and pilot.app.screen.query(".dialog-line"):
                break
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=crash)
