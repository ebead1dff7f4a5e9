"""Issue 16, point 4 (TERM-2): a visible warning a minute before an idle session ends, for
staff and at a kiosk; any key keeps the session and what was typed. Idle and manual staff
sign-outs are audited (STAFF-5)."""

from sqlmodel import select
from textual.widgets import Input

from openccc_tui.app import IDLE_WARNING_SECONDS, Mode, OpenCCCApp
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import AuditEvent
from openccc_tui.widgets.idle_warning import IdleWarning
from tests import factories
from tests.screens.conftest import SIZE, settle, submit
from tests.screens.console_helpers import settled
from tests.screens.staff_helpers import open_console


def warning_text(app: OpenCCCApp) -> str:
    return str(app.screen.query_one(IdleWarning).render())


def sign_outs(runtime) -> list[tuple[str, str]]:
    with read_session(runtime.engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.sign_out")).all()
    return [(row.actor, row.detail) for row in rows]


async def test_term_2_staff_see_a_warning_a_minute_before_idle_sign_out_and_a_key_keeps_the_form(sqlite_runtime):
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.STAFF, idle_clock=lambda: now[0])
    limit = sqlite_runtime.settings.staff_idle_timeout_seconds
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator", page="add_user")
        await pilot.press("tab", *"half@typed.edu")
        now[0] += limit - IDLE_WARNING_SECONDS - 1
        await app.end_idle_session()
        await pilot.pause()
        assert not app.screen.query(IdleWarning)
        now[0] += 1
        await app.end_idle_session()
        await pilot.pause()
        assert warning_text(app) == "You will be signed out in 60 seconds. Press any key to stay."
        assert app.screen.query_one(IdleWarning).region.y <= 1  # at the top, in view whatever the scroll
        now[0] += 45
        await pilot.pause(1.2)  # the warning counts down by itself
        assert "in 15 seconds" in warning_text(app)
        await pilot.press("shift")  # any key
        await pilot.pause()
        assert not app.screen.query(IdleWarning)
        now[0] += limit - 1
        await app.end_idle_session()
        assert isinstance(app.screen, AddUserScreen) and app.staff_session is not None
        assert app.screen.query_one("#f-email", Input).value == "half@typed.edu"
        now[0] += 1
        await app.end_idle_session()
        await settled(pilot)
        assert isinstance(app.screen, StaffSignInScreen) and app.staff_session is None
        assert not app.screen.query(IdleWarning)
    assert sign_outs(sqlite_runtime) == [("cory", "idle for 15 minutes")]
    assert not app.crashes


async def test_term_2_a_kiosk_warns_before_it_clears_the_page(sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="winnie@test.com")
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.KIOSK, idle_clock=lambda: now[0])
    limit = sqlite_runtime.settings.kiosk_idle_timeout_seconds
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, *"winnie@test.com")
        assert isinstance(app.screen, pages.PasswordScreen)
        now[0] += limit - IDLE_WARNING_SECONDS
        await app.end_idle_session()
        await pilot.pause()
        assert warning_text(app).startswith("This page will be cleared in 60 seconds")
        now[0] += IDLE_WARNING_SECONDS
        await app.end_idle_session()
        await settled(pilot)
        assert isinstance(app.screen, SignInScreen) and not app.screen.query(IdleWarning)
    assert not app.crashes


async def test_staff_5_a_manual_sign_out_is_audited(make_app, sqlite_runtime):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("ctrl+o")
        await settled(pilot)
        assert isinstance(app.screen, StaffSignInScreen)
    assert sign_outs(sqlite_runtime) == [("cory", "signed out")]


def test_idle_warning_snapshot_80x24(sqlite_runtime, snap_compare):
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.STAFF, idle_clock=lambda: now[0])

    async def idle(pilot):
        await open_console(pilot.app, pilot, "cory", "creator", page="add_user")
        now[0] += sqlite_runtime.settings.staff_idle_timeout_seconds - IDLE_WARNING_SECONDS
        await pilot.app.end_idle_session()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=idle)
