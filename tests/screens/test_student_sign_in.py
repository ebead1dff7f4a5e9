"""SIGN-1..8 through the real student pages, by keyboard, with an 80×24 snapshot of each."""

import pytest

from openccc_tui.app import Mode
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services import notify
from openccc_tui.services.student.sign_in import SIGN_IN_FAILED
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit

PASSWORD = "Hunny#Pot9"


add = factories.stored_student


def message(app) -> str:
    return str(app.screen.query_one("#page-message").render())


async def test_sign_1_a_malformed_email_is_refused_on_the_sign_in_page(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen) and app.focused.id == "identifier"
        await submit(pilot, "winnie@")
        assert isinstance(app.screen, SignInScreen)
        assert message(app).startswith("Enter a valid email address")


async def test_sign_1_toggle_to_mobile_phone_and_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        field = app.screen.query_one("#identifier")
        assert app.screen.flow.method == "phone" and field.placeholder.startswith("(530)")
        assert str(app.screen.query_one("#toggle").label) == "Use email instead"
        await pilot.press("ctrl+t")
        assert app.screen.flow.method == "email"


async def test_sign_5_6_staff_made_student_validates_changes_password_and_sees_the_cccid(make_app, sqlite_runtime):
    add(sqlite_runtime, cccid="STU1234", email="winnie@test.com", must_change_password=True)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "winnie@test.com")
        assert isinstance(app.screen, pages.PasswordScreen)
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.ValidationCodeScreen)
        help_text = str(app.screen.query_one("#step-help").render())
        assert help_text == (
            "We were able to locate your account. Enter the Validation Code sent to w****e@test.com. "
            "If you didn't get the email, check your junk folder or resend or try again."
        )
        await submit(pilot, factories.latest_code(sqlite_runtime, "winnie@test.com"))
        assert isinstance(app.screen, pages.EditProfileScreen)
        await pilot.press("tab", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, pages.UpdatePasswordScreen)
        await fill(pilot, {"#new-password": "Fresh#Start8"})
        ticks = [str(w.render()) for w in app.screen.query("#checklist Static")]
        assert all(t.startswith("✓") for t in ticks), ticks
        await pilot.press("enter")
        await submit(pilot, "Fresh#Start8")
        assert isinstance(app.screen, pages.StudentHomeScreen)
        assert str(app.screen.query_one("#cccid").render()) == "STU1234"
        await pilot.press("ctrl+o")  # Sign out
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
    assert not app.crashes


async def test_sign_4_unknown_identifier_goes_through_the_password_page_and_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "nobody@test.com")
        assert isinstance(app.screen, pages.PasswordScreen)
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, SignInScreen) and message(app) == SIGN_IN_FAILED


async def test_sign_3_username_page_for_a_shared_email(make_app, sqlite_runtime):
    add(sqlite_runtime, cccid="AAA0001", email="family@test.com", username="mom1965", email_validated=True)
    add(sqlite_runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "family@test.com")
        assert isinstance(app.screen, pages.UsernameScreen)
        await submit(pilot, "mom1965")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.StudentHomeScreen)


async def test_sign_3_ownership_conflict_then_helpdesk(make_app, sqlite_runtime):
    add(sqlite_runtime, cccid="AAA0001", email="family@test.com", username="mom1965", email_validated=True)
    add(sqlite_runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    add(sqlite_runtime, cccid="AAA0003", email="x@test.com", phone="+19164452841")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "family@test.com")
        await submit(pilot, "kid2005")
        await submit(pilot, PASSWORD)
        assert isinstance(app.screen, pages.AlternateContactScreen)
        app.screen.query_one("#alternate").focus()
        await submit(pilot, "9164452841")
        assert isinstance(app.screen, pages.HelpdeskScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


async def test_password_page_text_cannot_be_copied(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "nobody@test.com")
        await pilot.press(*PASSWORD, "ctrl+a", "ctrl+c", "ctrl+x")
        assert app.clipboard != PASSWORD
        assert app.screen.query_one("#password").value == PASSWORD


async def test_code_1_resend_from_the_validation_code_page(make_app, sqlite_runtime):
    add(sqlite_runtime, cccid="AAA0001", email="winnie@test.com")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "winnie@test.com")
        await submit(pilot, PASSWORD)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert message(app) == "A new Validation Code is on its way."
        assert len(notify.recent(sqlite_runtime, to="winnie@test.com")) == 2


@pytest.mark.parametrize(
    ("account", "keys", "page"),
    [
        ({}, [], "sign_in"),
        ({}, ["nobody@test.com"], "password"),
        ({"cccid": "AAA0001", "email": "family@test.com", "username": "kid2005"}, ["family@test.com"], "username"),
        ({"cccid": "AAA0002", "email": "winnie@test.com"}, ["winnie@test.com", PASSWORD], "validation_code"),
        (
            {"cccid": "AAA0002", "email": "winnie@test.com", "email_validated": True, "must_change_password": True},
            ["winnie@test.com", PASSWORD],
            "update_password",
        ),
        (
            {"cccid": "AAA0002", "email": "winnie@test.com", "email_validated": True},
            ["winnie@test.com", PASSWORD],
            "home",
        ),
    ],
    ids=["sign_in", "password", "username", "validation_code", "update_password", "home"],
)
def test_student_page_snapshots_80x24(make_app, sqlite_runtime, snap_compare, account, keys, page):
    if account:
        add(sqlite_runtime, **account)
        if page == "username":
            add(sqlite_runtime, cccid="AAA0009", email="family@test.com", username="mom1965")

    async def walk(pilot):
        for text in keys:
            await submit(pilot, text)
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)


def test_edit_profile_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    add(sqlite_runtime, cccid="AAA0002", email="winnie@test.com")

    async def walk(pilot):
        await submit(pilot, "winnie@test.com")
        await submit(pilot, PASSWORD)
        await submit(pilot, factories.latest_code(sqlite_runtime, "winnie@test.com"))
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)


@pytest.mark.parametrize("page", ["alternate_contact", "helpdesk"])
def test_ownership_conflict_snapshots_80x24(make_app, sqlite_runtime, snap_compare, page):
    add(sqlite_runtime, cccid="AAA0001", email="family@test.com", username="mom1965", email_validated=True)
    add(sqlite_runtime, cccid="AAA0002", email="family@test.com", username="kid2005")
    add(sqlite_runtime, cccid="AAA0003", email="x@test.com", phone="+19164452841")

    async def walk(pilot):
        for text in ("family@test.com", "kid2005", PASSWORD):
            await submit(pilot, text)
        if page == "helpdesk":
            pilot.app.screen.query_one("#alternate").focus()
            await submit(pilot, "9164452841")
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)
