"""How screens reach the App and how flows are drawn (issue 18): every step of every flow
has its view, one table maps console pages to screens, and a screen's request to the App
is a typed message the App acts on."""

from enum import StrEnum

import pytest

from openccc_tui.app import Mode, student_pages
from openccc_tui.screens.app_access import ConsolePage, OpenConsolePage, StaffSignOut
from openccc_tui.screens.flow_view import Pane, step_views
from openccc_tui.screens.staff import sign_in as staff_sign_in
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.screens.staff.home import ACTIONS, StaffHomeScreen
from openccc_tui.screens.staff.sign_in import StaffSignInScreen
from openccc_tui.screens.staff.tracking import TrackingScreen
from openccc_tui.screens.student import account as edit_account_screen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen, RecoverAccountScreen
from openccc_tui.services.staff.staff_sign_in import StaffStep
from openccc_tui.services.student.edit_account import EditStep
from openccc_tui.services.student.recovery import ForgotStep, RecoverStep
from openccc_tui.services.student.sign_in import Step
from tests.screens.conftest import SIZE
from tests.screens.staff_helpers import open_console


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    OFF = "off"


def test_a_step_without_a_view_is_refused_when_the_screen_loads():
    with pytest.raises(ValueError, match="Light steps green"):
        step_views(Light, {Light.RED: Pane(focus="#stop"), Light.OFF: Pane(focus="#off")})
    views = step_views(Light, {Light.RED: Pane(focus="#stop")}, not_shown=(Light.GREEN, Light.OFF))
    assert views == {Light.RED: Pane(focus="#stop")}


def test_every_step_of_every_flow_has_its_view():
    assert set(student_pages()) == set(Step)
    assert student_pages()[Step.SIGN_IN].__name__ == "SignInScreen"
    assert set(ForgotPasswordScreen.panes) == set(ForgotStep)
    assert set(RecoverAccountScreen.panes) == set(RecoverStep)
    assert set(staff_sign_in.PANES) == set(StaffStep) - {StaffStep.DONE}
    assert set(edit_account_screen.STEP_VIEWS) == set(EditStep) - {EditStep.FORM}


def test_staff_2_one_table_names_each_console_page_once_with_its_screen():
    assert [action.page for action in ACTIONS] == list(ConsolePage)
    assert {action.page: action.screen for action in ACTIONS}[ConsolePage.ADD_USER] is AddUserScreen


async def test_staff_2_the_app_opens_a_console_page_it_is_asked_for_only_when_the_role_allows(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "tess", "director")
        app.post_message(OpenConsolePage(ConsolePage.ADD_USER))
        await pilot.pause()
        assert isinstance(app.screen, StaffHomeScreen)
        app.post_message(OpenConsolePage(ConsolePage.TRACKING))
        await pilot.pause()
        assert isinstance(app.screen, TrackingScreen)


async def test_staff_5_a_staff_sign_out_message_ends_the_session(make_app):
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "tess", "director")
        assert app.staff_session is not None
        app.screen.post_message(StaffSignOut("You are signed out."))
        await pilot.pause()
        assert app.staff_session is None
        assert isinstance(app.screen, StaffSignInScreen)
