"""Student pages for people with little computer experience (issue 17), through the real
pages at 80×24: Enter continues and the footer says so, keys typed during a page change
never reach the page before, plain words, Edit Account and the alternate contact as a
student expects, and idle students signed out on a college's own terminals."""

import gc
from typing import cast

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.screens.dialogs import ConfirmDialog
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.screens.student.step import StudentStep
from openccc_tui.services.student.sign_in import SIGN_IN_FAILED
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit

PASSWORD = factories.STUDENT_PASSWORD
ADDRESS = {"street1": "1 Main St", "city": "Davis", "state": "CA", "postal_code": "95616"}
KEY_NAMES = {"#": "number_sign", "!": "exclamation_mark", "@": "at", "$": "dollar_sign"}


def message(app) -> str:
    return str(app.screen.query_one("#page-message").render())


def footer_keys(app) -> dict[str, str]:
    """The keys the footer shows, with what each says."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


async def answered(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_sign_5_enter_continues_on_edit_profile_and_the_footer_names_it(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="una@test.com", **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "escape" not in footer_keys(app)  # nothing to start over on the first page
        await submit(pilot, "una@test.com")
        await submit(pilot, PASSWORD)
        await submit(pilot, factories.latest_code(sqlite_runtime, "una@test.com"))
        assert isinstance(app.screen, pages.EditProfileScreen)
        assert app.focused is app.screen.query_one("#preferred")
        assert footer_keys(app)["enter"] == "Continue"
        await pilot.press("enter")
        await answered(pilot)
        assert isinstance(app.screen, pages.StudentHomeScreen)
        assert "escape" not in footer_keys(app) and "enter" not in footer_keys(app)
    assert not app.crashes


async def test_term_1_every_step_page_names_enter_in_its_footer(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="una@test.com", **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for text in ("una@test.com", PASSWORD):
            assert isinstance(app.screen, StudentStep) and footer_keys(app)["enter"] == "Continue"
            await submit(pilot, text)
        assert isinstance(app.screen, pages.ValidationCodeScreen)
        assert footer_keys(app) == {"enter": "Continue", "escape": "Start over", "f5": "Resend code"}
        await pilot.press("escape")
        await answered(pilot)
        assert isinstance(app.screen, SignInScreen)


def _burst(app: OpenCCCApp, *parts: str | events.Paste) -> None:
    """Keys as a fast typist or a paste sends them: all posted at once, none waited for."""
    for part in parts:
        if isinstance(part, events.Paste):
            app.post_message(part)
        elif part == "enter":
            app.post_message(events.Key("enter", "\r"))
        else:
            for character in part:
                app.post_message(events.Key(KEY_NAMES.get(character, character), character))


async def test_sign_1_keys_typed_while_the_password_page_comes_go_to_the_password(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="val@test.com", email_validated=True, **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        first_field = app.screen.query_one("#identifier", Input)
        await fill(pilot, {"#identifier": "val@test.com"}, leave=False)
        _burst(app, "enter", PASSWORD, "enter")
        for _ in range(50):
            await answered(pilot)
            if isinstance(app.screen, pages.StudentHomeScreen):
                break
        assert isinstance(app.screen, pages.StudentHomeScreen)
        assert first_field.value == "val@test.com"  # no key of the password landed in the email field
    assert not app.crashes


async def test_sign_6_a_new_password_typed_ahead_reaches_its_confirmation(make_app, sqlite_runtime):
    factories.stored_student(
        sqlite_runtime, email="rosa@test.com", email_validated=True, must_change_password=True, **ADDRESS
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "rosa@test.com")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.UpdatePasswordScreen)
        _burst(app, "Sunny#Field8", "enter", "Sunny#Field8", "enter")
        for _ in range(50):
            await answered(pilot)
            if isinstance(app.screen, pages.StudentHomeScreen):
                break
        assert isinstance(app.screen, pages.StudentHomeScreen)


async def test_sign_1_a_paste_during_a_page_change_reaches_the_new_page_masked(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="val@test.com", email_validated=True, **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        first_field = app.screen.query_one("#identifier", Input)
        await fill(pilot, {"#identifier": "val@test.com"}, leave=False)
        _burst(app, "enter", events.Paste(PASSWORD))
        for _ in range(50):
            await answered(pilot)
            if isinstance(app.screen, pages.PasswordScreen) and app.screen.query_one("#password", Input).value:
                break
        assert isinstance(app.screen, pages.PasswordScreen)
        assert app.screen.query_one("#password", Input).value == PASSWORD
        assert first_field.value == "val@test.com"


async def test_sign_1_keys_typed_after_a_refused_email_are_dropped(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, {"#identifier": "val@"}, leave=False)
        _burst(app, "enter", PASSWORD)
        await answered(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#identifier", Input).value == "val@"
        assert message(app) == "Enter a valid email address, such as name@example.com."
        await pilot.press("x")
        assert app.screen.query_one("#identifier", Input).value == "val@x"  # typing works again


async def test_sign_4_the_failure_message_is_plain(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "nobody@test.com")
        await submit(pilot, PASSWORD)
        assert message(app) == SIGN_IN_FAILED
        assert "sign-in and password" not in SIGN_IN_FAILED and "Recover Account" in SIGN_IN_FAILED


async def test_sign_6_a_refused_password_says_why_in_plain_words(make_app, sqlite_runtime):
    factories.stored_student(
        sqlite_runtime, email="rosa@test.com", email_validated=True, must_change_password=True, **ADDRESS
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "rosa@test.com")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.UpdatePasswordScreen)
        await fill(pilot, {"#new-password": "Winnie#Pooh26", "#confirm-password": "Winnie#Pooh26"})
        await submit(pilot)  # Enter in the new password goes on to its confirmation
        assert app.focused is app.screen.query_one("#confirm-password")
        await submit(pilot)
        assert message(app) == "Choose another password: it contains your first or last name."


async def test_sign_3_one_box_takes_an_email_or_a_phone_for_the_alternate_contact(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, cccid="OWN0001", email="family@test.com", email_validated=True)
    factories.stored_student(sqlite_runtime, cccid="KID0001", email="family@test.com", username="kid01")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "family@test.com")
        await submit(pilot, "kid01")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.AlternateContactScreen)
        assert not app.screen.query("RadioSet")
        await submit(pilot, "12")
        assert message(app).startswith("Enter a valid mobile phone number or email address")
        await fill(pilot, {"#alternate": "kid@home.org"}, leave=False)
        await submit(pilot)
        assert isinstance(app.screen, pages.ValidationCodeScreen)
        assert "k*d@home.org" in str(app.screen.query_one("#step-help").render())


async def _edit_account(app, pilot, email: str) -> None:
    await submit(pilot, email)
    await submit(pilot, PASSWORD)
    if isinstance(app.screen, pages.UpdatePasswordScreen):
        await fill(pilot, {"#new-password": "Fresh#Start8", "#confirm-password": "Fresh#Start8"})
        await submit(pilot)
        await submit(pilot)
    assert isinstance(app.screen, pages.StudentHomeScreen)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, EditAccountScreen)


def _visible(app, selector: str) -> bool:
    shown = app.screen.find_widget(app.screen.query_one(selector))
    return shown.clip.intersection(shown.region) == shown.region


async def until(pilot, condition) -> None:
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")


async def test_acc_9_after_a_reclaim_edit_account_shows_the_new_email_and_the_message_in_view(make_app, sqlite_runtime):
    from tests.factories import staff_actor

    creator = staff_actor(sqlite_runtime, "cory", "creator")
    factories.stored_student(
        sqlite_runtime,
        email="rosa@college.edu",
        email_validated=True,
        created_by_staff_id=creator.staff_id,
        idme_workflow_status="staff_verified",
        **ADDRESS,
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _edit_account(app, pilot, "rosa@college.edu")
        await fill(pilot, {"#new-email": "rosa@home.org", "#email-confirm": "rosa@home.org"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query("#email-code"))
        await submit(pilot, factories.latest_code(sqlite_runtime, "rosa@home.org"))
        await until(pilot, lambda: isinstance(app.screen, EditAccountScreen))
        await answered(pilot)
        assert "reclaimed" in message(app) and _visible(app, "#page-message")
        assert str(app.screen.query_one("#email-on-file").render()).startswith(
            "Email on file: rosa@home.org (validated)"
        )
        await pilot.press("escape")  # nothing left unsaved: no question
        await settle(pilot)
        assert isinstance(app.screen, pages.StudentHomeScreen)
    assert not app.crashes


async def test_acc_8_a_plus_one_address_shows_as_validated_on_edit_account(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, cccid="PAR0001", email="admissions@college.edu", email_validated=True)
    factories.stored_student(sqlite_runtime, cccid="LEE0001", email="admissions+lee@college.edu", **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _edit_account(app, pilot, "admissions+lee@college.edu")
        help_text = str(app.screen.query_one("#email-on-file").render())
        assert "(validated)" in help_text and "not validated" not in help_text


async def test_acc_9_a_field_error_goes_when_the_field_is_filled_and_saved_shows_in_view(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="val@test.com", email_validated=True, **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _edit_account(app, pilot, "val@test.com")
        await fill(pilot, {"#p-city": ""})
        await pilot.press("ctrl+s")
        await answered(pilot)
        error = app.screen.query_one("#p-city-error")
        assert str(error.render()) == "required" and _visible(app, "#page-message")
        await fill(pilot, {"#p-city": "Davis"})
        assert error.has_class("-empty")
        await pilot.press("ctrl+s")
        await answered(pilot)
        assert message(app) == "Your changes are saved." and _visible(app, "#page-message")


async def test_acc_9_escape_asks_before_throwing_edits_away(make_app, sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="val@test.com", email_validated=True, **ADDRESS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _edit_account(app, pilot, "val@test.com")
        await fill(pilot, {"#p-city": "Sacramento"})
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # Stay
        await settle(pilot)
        assert (
            isinstance(app.screen, EditAccountScreen) and app.screen.query_one("#p-city", Input).value == "Sacramento"
        )
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, pages.StudentHomeScreen)


async def test_term_2_an_idle_student_on_a_full_mode_terminal_is_signed_out(sqlite_runtime):
    factories.stored_student(sqlite_runtime, email="val@test.com", email_validated=True, **ADDRESS)
    now = [1000.0]
    app = OpenCCCApp(sqlite_runtime, Mode.FULL, idle_clock=lambda: now[0])
    limit = sqlite_runtime.settings.kiosk_idle_timeout_seconds
    async with app.run_test(size=SIZE) as running:
        pilot = cast(Pilot[object], running)
        await submit(pilot, "val@test.com")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.StudentHomeScreen)
        await pilot.press("e")
        now[0] += limit - 1
        await app.end_idle_session()
        assert isinstance(app.screen, EditAccountScreen)
        now[0] += 1
        await app.end_idle_session()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
        assert app.screen.flow.session is None
        # Nothing of the student stays: the first page they typed on and the pages after it
        # were removed with their stack, not kept under the fresh one.
        gc.collect()
        mounted = [o for o in gc.get_objects() if isinstance(o, (StudentStep, EditAccountScreen)) and o.is_attached]
        assert mounted == [app.screen]
