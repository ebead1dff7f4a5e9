"""TERM-1, TERM-4: every student page, and the staff QR code, fits 80×24 in every mode: a
widget with content that ends outside the screen must be reachable by a scroll, and the
trainer's outbox panel gives way to a QR code or a password checklist."""

from collections.abc import Callable

import pytest

from openccc_tui.app import Mode
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.applications import MyApplicationsScreen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen, RecoverAccountScreen
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.setup import seed_demo
from openccc_tui.services.student import student_profile
from openccc_tui.services.student.recovery import RecoverAccountFlow, RecoverStep
from openccc_tui.services.student.sign_in import SignInFlow, Step
from openccc_tui.widgets.outbox import OutboxPanel
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit
from tests.screens.fit import cut_widgets

DEMO_PASSWORD = "Student#Demo26"


def _signed_in(runtime: Runtime, email: str) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier(email)
    flow.submit_password(DEMO_PASSWORD)
    return flow


def _at_code(runtime: Runtime) -> SignInFlow:
    flow = _signed_in(runtime, "una.unvalidated@demo.example")
    flow.submit_code("000000")  # a wrong code: its message is on the page too
    return flow


def _at_edit_profile(runtime: Runtime) -> SignInFlow:
    flow = _signed_in(runtime, "una.unvalidated@demo.example")
    flow.submit_code(factories.latest_code(runtime, "una.unvalidated@demo.example"))
    return flow


def _at_alternate(runtime: Runtime) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier("family@demo.example")
    flow.submit_username("jlegacy01")
    flow.submit_password(DEMO_PASSWORD)
    flow.submit_alternate_contact("12")
    return flow


def _at_helpdesk(runtime: Runtime) -> SignInFlow:
    flow = _at_alternate(runtime)
    flow.submit_alternate_contact("val.verde@demo.example")
    return flow


def _at_update_password(runtime: Runtime) -> SignInFlow:
    flow = _signed_in(runtime, "rosa.reclaim@demo.example")
    flow.submit_code(factories.latest_code(runtime, "rosa.reclaim@demo.example"))
    flow.confirm_profile(flow.method)
    flow.submit_new_password("Rosa#Reclaim26", "Rosa#Reclaim26")  # contains her name: refused
    return flow


def _at_username(runtime: Runtime) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier("family@demo.example")
    return flow


def _at_sign_in(runtime: Runtime) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier("not an email")
    return flow


def _at_password(runtime: Runtime) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier("val.verde@demo.example")
    return flow


STEPS: dict[Step, Callable[[Runtime], SignInFlow]] = {
    Step.SIGN_IN: _at_sign_in,
    Step.USERNAME: _at_username,
    Step.PASSWORD: _at_password,
    Step.VALIDATION_CODE: _at_code,
    Step.ALTERNATE_CONTACT: _at_alternate,
    Step.HELPDESK: _at_helpdesk,
    Step.EDIT_PROFILE: _at_edit_profile,
    Step.UPDATE_PASSWORD: _at_update_password,
    Step.DONE: lambda runtime: _signed_in(runtime, "val.verde@demo.example"),
}

MODES = [Mode.FULL, Mode.KIOSK, Mode.TRAINER]


@pytest.fixture
def demo_runtime(sqlite_runtime: Runtime) -> Runtime:
    seed_demo(sqlite_runtime, command_line_actor("trainer"))
    # Another account validated the legacy family address: SIGN-3's ownership conflict.
    factories.stored_student(sqlite_runtime, cccid="OWN0001", email="family@demo.example", email_validated=True)
    return sqlite_runtime


async def _fits(app, pilot, where: str) -> None:
    await app.workers.wait_for_complete()
    await settle(pilot)
    for panel in app.screen.query(OutboxPanel):
        panel.refresh_messages()
        await app.workers.wait_for_complete()
        await settle(pilot)
    assert cut_widgets(app.screen) == [], where


@pytest.mark.parametrize("mode", MODES)
async def test_term_1_every_sign_in_step_fits_80x24(make_app, demo_runtime, mode):
    app = make_app(mode)
    async with app.run_test(size=SIZE) as pilot:
        for step, reach in STEPS.items():
            flow = reach(demo_runtime)
            assert flow.step is step
            await app.show_student_step(flow)
            await _fits(app, pilot, f"{step} in {mode}")
    assert not app.crashes


@pytest.mark.parametrize("mode", MODES)
async def test_term_1_recovery_and_account_pages_fit_80x24(make_app, demo_runtime, mode):
    app = make_app(mode)
    async with app.run_test(size=SIZE) as pilot:
        home = _signed_in(demo_runtime, "val.verde@demo.example")
        await app.show_student_step(home)
        assert home.session is not None
        profile = student_profile.load_profile(demo_runtime, home.session)
        for screen in (EditAccountScreen(home.session, profile), MyApplicationsScreen(home.session)):
            await app.push_screen(screen)
            await _fits(app, pilot, f"{type(screen).__name__} in {mode}")
            await app.pop_screen()
        await app.push_screen(EditAccountScreen(home.session, profile))
        await fill(pilot, {"#p-street1": "", "#new-email": "x@"})
        await pilot.press("ctrl+s")
        await _fits(app, pilot, f"Edit Account with errors in {mode}")
        await app.pop_screen()

        await app.push_screen(ForgotPasswordScreen(_at_password(demo_runtime).forgot_password()))
        await _fits(app, pilot, f"Forgot Password, channel, in {mode}")
        await submit(pilot)
        await _fits(app, pilot, f"Forgot Password, code, in {mode}")

        recover = RecoverAccountFlow(demo_runtime)
        await app.push_screen(RecoverAccountScreen(recover))
        await _fits(app, pilot, f"Recover Account in {mode}")
        recover.choose(RecoverStep.BY_IDENTITY)
        app.screen.show_step()
        await _fits(app, pilot, f"Recover Account by identity in {mode}")
        recover.submit_identity("Val", "Verde", "2001-04-12", cccid="DEM0002")
        recover.reset_password()
        app.screen.show_step()
        await _fits(app, pilot, f"Recover Account, secret question, in {mode}")
    assert not app.crashes


async def test_term_4_staff_qr_code_has_the_screen_in_trainer_mode(make_app, demo_runtime):
    app = make_app(Mode.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(StaffSignInScreen())
        await settle(pilot)
        await fill(pilot, {"#staff-username": "cory.creator", "#staff-password": "Trainer#2026c"})
        app.screen.query_one("#staff-password").focus()
        await submit(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        shown = app.screen.find_widget(app.screen.query_one("QRCode"))
        assert shown.region.height == 21 and shown.clip.intersection(shown.region) == shown.region
        assert not app.screen.query_one(OutboxPanel).display
        assert cut_widgets(app.screen) == []
