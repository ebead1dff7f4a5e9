from openccc_tui.app import Mode
from openccc_tui.screens.sign_in import SignInScreen
from openccc_tui.widgets.form_field import FormField
from tests.screens.conftest import SIZE, settle


async def test_sign_1_sign_in_is_the_first_screen_and_takes_an_email(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        assert app.focused.id == "identifier"
        await pilot.press(*"winnie@", "enter")
        error = app.screen.query_one("#identifier-error").render()
        assert "Enter a valid email address" in str(error)
        assert not app.crashes


async def test_sign_1_toggle_to_mobile_phone_and_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        field = app.screen.query_one(FormField)
        assert app.screen.use_phone and field.input.placeholder.startswith("(530)")
        await pilot.press(*"12", "enter")
        assert "Enter a valid mobile phone number" in str(app.screen.query_one("#identifier-error").render())
        await pilot.press("ctrl+t")
        assert not app.screen.use_phone and field.input.value == ""


def test_sign_in_snapshot_80x24(make_app, snap_compare):
    assert snap_compare(make_app(Mode.FULL), terminal_size=SIZE, run_before=settle)


def test_sign_in_snapshot_with_an_error_80x24(make_app, snap_compare):
    assert snap_compare(make_app(Mode.FULL), terminal_size=SIZE, press=[*"nobody", "enter"], run_before=settle)
