"""REC-1..3, CODE-1 and ACC-9 through the real pages: the same pages for known and unknown
identifiers, refusals as messages (never a crash) coloured by the flow's message kind, and
counts that Escape and starting again do not reset."""

from textual.widgets import RadioButton

from openccc_tui.app import Mode
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen, RecoverAccountScreen
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services import notify
from openccc_tui.services.student.recovery import CONTACT_SUPPORT
from tests import factories
from tests.screens.conftest import SIZE, submit

PASSWORD = factories.STUDENT_PASSWORD


def winnie(runtime, **fields) -> int:
    values = {
        "cccid": "AAA0001",
        "email": "winnie@test.com",
        "email_validated": True,
        "phone": "+19164452841",
        "phone_validated": True,
        "street1": "1 Main St",
        "city": "Davis",
        "state": "CA",
        "postal_code": "95616",
    }
    return factories.stored_student(runtime, **(values | fields))


def message(app) -> str:
    return str(app.screen.query_one("#page-message").render())


def is_error(app) -> bool:
    return app.screen.query_one("#page-message").has_class("-error")


async def until(pilot, condition, tries: int = 200) -> None:
    """Pause until `condition()` holds: a worker that waits on a dialog does not complete."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")


async def settled(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_forgot_password(pilot, identifier: str) -> None:
    await submit(pilot, *identifier)
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ForgotPasswordScreen)


async def send_code_by_email(pilot) -> None:
    await pilot.press("tab", "enter")  # Email is chosen first; Tab reaches Next
    await settled(pilot)


async def back_to_sign_in(pilot) -> None:
    await pilot.press("escape")
    await settled(pilot)
    assert isinstance(pilot.app.screen, SignInScreen)


async def test_rec_1_forgot_password_offers_the_same_channels_without_digits(make_app, sqlite_runtime):
    winnie(sqlite_runtime)
    app = make_app(Mode.KIOSK)
    seen = []
    async with app.run_test(size=SIZE) as pilot:
        for identifier in ("winnie@test.com", "nobody@test.com"):
            await open_forgot_password(pilot, identifier)
            labels = [str(button.label) for button in app.screen.query(RadioButton)]
            seen.append(labels)
            await back_to_sign_in(pilot)
    assert seen[0] == seen[1] == ["Email", "Text message to my mobile phone"]
    assert not app.crashes


async def test_code_1_the_fourth_resend_on_forgot_password_is_a_message_not_a_crash(
    make_app, sqlite_runtime, pacific_time
):
    winnie(sqlite_runtime)
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await open_forgot_password(pilot, "winnie@test.com")
        await send_code_by_email(pilot)
        for _ in range(3):
            await pilot.click("#resend")
            await settled(pilot)
            assert message(app) == "A new Validation Code is on its way." and not is_error(app)
        await pilot.click("#resend")
        await settled(pilot)
        assert message(app) == "You have asked for three new codes in 15 minutes. Try again after 7:45 AM."
        assert is_error(app) and isinstance(app.screen, ForgotPasswordScreen)
    assert not app.crashes
    assert len(notify.recent(sqlite_runtime, to="winnie@test.com")) == 4


async def test_code_1_an_empty_code_is_no_guess_and_escape_f4_does_not_reset_the_count(
    make_app, sqlite_runtime, pacific_time
):
    winnie(sqlite_runtime)
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await open_forgot_password(pilot, "winnie@test.com")
        await send_code_by_email(pilot)
        await submit(pilot)
        assert message(app) == "Enter the 6-digit Validation Code." and is_error(app)
        for _ in range(3):
            await submit(pilot, *"000000")
        await back_to_sign_in(pilot)
        await open_forgot_password(pilot, "winnie@test.com")
        await send_code_by_email(pilot)
        await submit(pilot, *"000000")
        await submit(pilot, *"000000")
        assert app.screen.query_one("#ended").display
        assert message(app) == "That is five wrong codes. Try again after 7:45 AM."
        await back_to_sign_in(pilot)
        await open_forgot_password(pilot, "winnie@test.com")
        await send_code_by_email(pilot)
        assert app.screen.query_one("#channel").display
        assert message(app) == "That is five wrong codes. Try again after 7:45 AM." and is_error(app)
    assert not app.crashes


async def request_by_email(pilot, email: str) -> str:
    await pilot.press("f3")
    await pilot.pause()
    assert isinstance(pilot.app.screen, RecoverAccountScreen)
    await pilot.press("enter")  # by the email on file
    await settled(pilot)
    await submit(pilot, *email)
    shown = " ".join(str(widget.render()) for widget in pilot.app.screen.query("#one_time_password_sent Static"))
    await back_to_sign_in(pilot)
    return shown


async def test_rec_2_recover_by_email_reads_the_same_for_known_and_unknown_emails(make_app, sqlite_runtime):
    winnie(sqlite_runtime, username="winnie01")
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        known = await request_by_email(pilot, "winnie@test.com")
        unknown = await request_by_email(pilot, "nobody@test.com")
    assert known == unknown and "winnie01" not in known and "one-time password" in known
    assert [m.to_address for m in notify.recent(sqlite_runtime)] == ["winnie@test.com"]
    assert not app.crashes


async def claim_identity(pilot, birth_date: str) -> None:
    await pilot.press(*"Winnie", "enter", *"Pooh", "enter", *birth_date, "enter", *"AAA0001", "enter")
    await settled(pilot)


async def open_identity_path(pilot) -> None:
    await pilot.press("f3")
    await pilot.pause()
    await pilot.press("tab", "enter")  # by my name and student details
    await settled(pilot)


async def test_rec_3_escape_and_f3_do_not_reset_the_failures(make_app, sqlite_runtime):
    winnie(sqlite_runtime)
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await open_identity_path(pilot)
        for _ in range(3):
            await claim_identity(pilot, "1999-09-09")
        assert app.screen.query_one("#by_identity").display and is_error(app)
        await back_to_sign_in(pilot)
        await open_identity_path(pilot)
        await claim_identity(pilot, "1999-09-09")
        await claim_identity(pilot, "1999-09-09")
        assert app.screen.query_one("#ended").display and message(app) == CONTACT_SUPPORT
        await back_to_sign_in(pilot)
        await open_identity_path(pilot)
        assert app.screen.query_one("#ended").display and message(app) == CONTACT_SUPPORT
    assert not app.crashes


async def test_acc_9_email_code_dialog_hints_at_an_empty_code_and_resends_as_a_notice(make_app, sqlite_runtime):
    winnie(sqlite_runtime)
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, *"winnie@test.com")
        await submit(pilot, *PASSWORD)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditAccountScreen)
        await pilot.press(*"w.pooh@home.org", "tab", *"w.pooh@home.org", "ctrl+s")
        await until(pilot, lambda: app.screen.query("#email-code"))
        dialog = app.screen
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert str(dialog.query_one("#page-message").render()) == "Enter the 6-digit Validation Code."
        assert dialog.query_one("#page-message").has_class("-error")
        await pilot.click("#resend")
        await pilot.pause(0.1)
        assert str(dialog.query_one("#page-message").render()) == "A new Validation Code is on its way."
        assert not dialog.query_one("#page-message").has_class("-error")
        assert dialog.focused is not None and dialog.focused.id == "email-code"
        await pilot.press(*factories.latest_code(sqlite_runtime, "w.pooh@home.org"), "enter")
        await until(pilot, lambda: isinstance(app.screen, EditAccountScreen) and message(app))
        assert message(app) == "Your new email is validated." and not is_error(app)
    assert not app.crashes
