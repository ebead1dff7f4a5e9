"""STAFF-1, STAFF-3 through the real screens: F2, password, enrolment with QR, agreement, home."""

import pyotp
from rich.style import Style
from sqlmodel import select
from textual.widgets import Button, ContentSwitcher

from openccc_tui.app import Mode
from openccc_tui.screens.staff.home import StaffHomeScreen
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.services.credentials.totp_secrets import seal
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import Staff
from openccc_tui.widgets.qr_code import QRCode
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit

FIXED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_fixed_secret(runtime, username):
    factories.staff_actor(runtime, username, "creator", "support")
    with write_session(runtime.engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        staff.totp_secret = seal(FIXED_SECRET, runtime.settings.totp_key)


async def type_credentials(pilot, username="cory", password="Staff#Pass99"):
    await fill(pilot, {"#staff-username": username})
    await pilot.press("tab")
    await submit(pilot, password)


async def test_staff_1_sign_in_by_keyboard_from_the_student_page(make_app, sqlite_runtime):
    with_fixed_secret(sqlite_runtime, "cory")
    app = make_app(Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, StaffSignInScreen)
        await type_credentials(pilot)
        assert app.screen.query_one("#steps", ContentSwitcher).current == "enrol"
        assert app.screen.query(QRCode)
        code = pyotp.TOTP(FIXED_SECRET).at(sqlite_runtime.clock().timestamp())
        await submit(pilot, code)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#steps", ContentSwitcher).current == "agreement"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StaffHomeScreen)
        assert app.staff_session.actor.name == "cory"
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Add User", "Multi Account Creation", "Support look-up", "Tracking sheet", "Sign out"]
    assert not app.crashes


async def test_staff_1_wrong_password_shows_the_generic_message_and_clears_the_password(make_app, sqlite_runtime):
    with_fixed_secret(sqlite_runtime, "cory")
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await type_credentials(pilot, password="Wrong#Pass1")
        assert "The user name or password is not correct." in str(app.screen.query_one("#credentials-message").render())
        assert app.screen.query_one("#staff-password").value == ""
        assert app.focused.id == "staff-password"


async def test_staff_mode_starts_on_staff_sign_in_and_signs_out_after_idle_time(make_app, sqlite_runtime):
    from tests.screens.staff_helpers import open_console

    now = [1000.0]
    from openccc_tui.app import OpenCCCApp

    app = OpenCCCApp(sqlite_runtime, Mode.STAFF, idle_clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, StaffSignInScreen)
        await open_console(app, pilot, "cory", "creator", page="add_user")
        now[0] += sqlite_runtime.settings.staff_idle_timeout_seconds - 1
        await app.end_idle_session()
        assert app.staff_session is not None
        now[0] += 1
        await app.end_idle_session()
        await pilot.pause()
        assert app.staff_session is None and isinstance(app.screen, StaffSignInScreen)
        assert len(app.screen_stack) == 2


async def test_staff_sign_out_returns_to_the_first_page(make_app, sqlite_runtime):
    from tests.screens.staff_helpers import open_console

    app = make_app(Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.staff_session is None and type(app.screen).__name__ == "SignInScreen"


def test_staff_sign_in_snapshot_80x24(make_app, snap_compare):
    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=settle)


def test_staff_enrolment_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    with_fixed_secret(sqlite_runtime, "cory")

    async def enrol(pilot):
        await type_credentials(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=enrol)


def test_staff_agreement_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    with_fixed_secret(sqlite_runtime, "cory")

    async def agreement(pilot):
        await type_credentials(pilot)
        await submit(pilot, pyotp.TOTP(FIXED_SECRET).at(sqlite_runtime.clock().timestamp()))
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=agreement)


def test_staff_code_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    with_fixed_secret(sqlite_runtime, "cory")
    with write_session(sqlite_runtime.engine) as session:
        staff = session.exec(select(Staff)).one()
        staff.totp_enrolled_at = sqlite_runtime.clock()
        staff.agreement_accepted_at = sqlite_runtime.clock()

    async def code_step(pilot):
        await type_credentials(pilot)
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=code_step)


def test_staff_home_snapshot_80x24(make_app, snap_compare):
    from tests.screens.staff_helpers import open_console

    async def home(pilot):
        await open_console(pilot.app, pilot, "dana", "director", "creator", "support")
        await settle(pilot)

    assert snap_compare(make_app(Mode.STAFF), terminal_size=SIZE, run_before=home)


def colour_name(style: str | Style, part: str) -> str:
    """The name of a drawn span's foreground (`color`) or background (`bgcolor`) colour."""
    assert isinstance(style, Style)
    colour = style.color if part == "color" else style.bgcolor
    assert colour is not None
    return colour.name


def test_qr_code_draws_the_enrolment_uri_module_for_module():
    import qrcode

    from openccc_tui.widgets.qr_code import DARK, qr_text

    uri = pyotp.TOTP(FIXED_SECRET).provisioning_uri(name="cory@861", issuer_name="OpenCCC")
    text = qr_text(uri)
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(uri)
    code.make(fit=True)
    matrix = code.get_matrix()
    drawn = []
    for line in text.split("\n"):
        assert set(line.plain) == {"▀"} and len(line.spans) == len(line.plain)
        drawn.append([colour_name(span.style, "color") == DARK for span in line.spans])
        drawn.append([colour_name(span.style, "bgcolor") == DARK for span in line.spans])
    assert drawn[: len(matrix)] == matrix


async def test_term_1_keys_arriving_together_follow_tab_to_the_password(make_app):
    """Over SSH a burst of keys reaches the app in one read: the password typed after Tab
    must land in the masked field, never in the user name."""
    from textual import events

    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        burst = [*"cory", "tab", *"Secret#1"]
        for key in burst:
            app.post_message(events.Key(key, "\t" if key == "tab" else key))
        await pilot.pause()
        assert app.screen.query_one("#staff-username").value == "cory"
        assert app.screen.query_one("#staff-password").value == "Secret#1"
