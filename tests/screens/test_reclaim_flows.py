"""The seed 000 user flows end to end through the real screens (issue: reclaim and recovery),
and Pilot tests of Edit Account, My Applications, Forgot Password and Recover Account."""

from sqlmodel import select
from textual.widgets import Button, Select

from openccc_tui.app import Mode
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.applications import MyApplicationsScreen
from openccc_tui.screens.student.recovery import ForgotPasswordScreen, RecoverAccountScreen
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services import notify
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Application, StudentAccount
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit
from tests.screens.staff_helpers import open_console
from tests.screens.test_add_user import fill_directly, save

TEMP_PASSWORD = "Sunny#Day42"


async def settled(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, tries=100):
    """Pause until `condition()` holds: a worker that waits on a dialog never completes."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never got there")


def add_parent(runtime):
    """The college's verified master address, under which "plus one" addresses need no code."""
    with write_session(runtime.engine) as session:
        session.add(
            factories.account(
                cccid="PAR0001",
                email="admissions@college.edu",
                email_validated=True,
                first_name="Admissions",
                last_name="Office",
            )
        )


async def staff_creates_pat(app, pilot):
    await open_console(app, pilot, "cory", "creator", page="add_user")
    fill_directly(app.screen)
    email = app.screen.query_one("#f-email")
    email.value = app.screen.query_one("#f-email-confirm").value = "admissions+pat@college.edu"
    await save(app, pilot)
    cccid = str(app.screen.query(".dialog-line")[2].render()).removeprefix("CCCID: ")
    await pilot.press("enter", "escape")
    await pilot.press("ctrl+o")
    await settled(pilot)
    return cccid


async def sign_in_with_college_credentials(app, pilot):
    await submit(pilot, "admissions+pat@college.edu")
    await submit(pilot, TEMP_PASSWORD)
    assert isinstance(app.screen, pages.UpdatePasswordScreen)  # ACC-8: no code under the validated parent
    await submit(pilot, "Fresh#Start8")
    await submit(pilot, "Fresh#Start8")
    assert isinstance(app.screen, pages.StudentHomeScreen)


async def test_seed_000_flow_a_staff_creates_signs_in_resets_and_submits_an_application(make_app, sqlite_runtime):
    add_parent(sqlite_runtime)
    app = make_app(Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        cccid = await staff_creates_pat(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        await sign_in_with_college_credentials(app, pilot)
        assert str(app.screen.query_one("#cccid").render()) == cccid
        await pilot.press("m")
        assert isinstance(app.screen, MyApplicationsScreen)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#app-college", Select).value = dialog.query_one("#app-college", Select)._options[1][1]
        dialog.query_one("#app-term", Select).value = "Fall 2027"
        dialog.query_one("#submit", Button).press()
        await settled(pilot)
        assert app.screen.id == "application-confirmation"
        number = str(app.screen.query(".dialog-line")[0].render()).removeprefix("Confirmation number: ")
    with read_session(sqlite_runtime.engine) as session:
        application = session.exec(select(Application)).one()
    assert application.confirmation_number == number and application.fraud_status == 7  # APP-2
    assert not app.crashes


async def test_seed_000_flow_b_the_student_reclaims_the_account(make_app, sqlite_runtime):
    add_parent(sqlite_runtime)
    app = make_app(Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await staff_creates_pat(app, pilot)
        await sign_in_with_college_credentials(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, EditAccountScreen)
        await fill(pilot, {"#new-email": "pat.lee@home.org", "#email-confirm": "pat.lee@home.org"})
        await pilot.press("tab", "ctrl+s")
        await until(pilot, lambda: app.screen.query("#email-code"))
        await submit(pilot, factories.latest_code(sqlite_runtime, "pat.lee@home.org"))
        await until(pilot, lambda: isinstance(app.screen, EditAccountScreen))
        await settled(pilot)
        assert "reclaimed" in str(app.screen.query_one("#page-message").render())
        await pilot.press("escape", "ctrl+o")
        await settled(pilot)
        assert isinstance(app.screen, SignInScreen)
        await submit(pilot, "pat.lee@home.org")
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ForgotPasswordScreen)
        await pilot.press("tab", "enter")  # Email (chosen first), then Next
        await settled(pilot)
        await submit(pilot, factories.latest_code(sqlite_runtime, "pat.lee@home.org"))
        await submit(pilot, "Own#Pass2027")
        await submit(pilot, "Own#Pass2027")
        assert "Your password was changed" in str(app.screen.query_one("#page-message").render())
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(app.screen, SignInScreen)
        await submit(pilot, "pat.lee@home.org")
        await submit(pilot, "Own#Pass2027")
        assert isinstance(app.screen, pages.StudentHomeScreen)
    with read_session(sqlite_runtime.engine) as session:
        account = session.exec(
            select(StudentAccount).where(StudentAccount.email_normalized == "pat.lee@home.org")
        ).one()
    assert account.reclaimed_at is not None and account.idme_workflow_status == "not_started"
    assert not app.crashes


async def test_rec_2_recover_account_by_the_email_on_file(make_app, sqlite_runtime):
    with write_session(sqlite_runtime.engine) as session:
        session.add(factories.account(cccid="AAA0001", email="winnie@test.com", username="winnie01"))
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, RecoverAccountScreen)
        await pilot.press("enter")  # by the email on file
        await settled(pilot)
        await submit(pilot, "winnie@test.com")
        assert app.screen.query_one("#one_time_password_sent").display
        assert "winnie01" not in str(app.screen.query_one("#sent-help").render())  # REC-2: not on screen
    body = notify.recent(sqlite_runtime, to="winnie@test.com")[0].body or ""
    assert "One-time password:" in body and "Your user name is: winnie01" in body


async def test_rec_3_recover_account_is_not_offered_under_nist(make_app, sqlite_runtime):
    sqlite_runtime.settings = sqlite_runtime.settings.model_copy(update={"policy_profile": "nist"})
    app = make_app(Mode.KIOSK)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.screen.query("#recover")
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


def test_edit_account_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    with write_session(sqlite_runtime.engine) as session:
        session.add(
            factories.account(
                cccid="AAA0001",
                email="winnie@test.com",
                email_validated=True,
                password_hash=sqlite_runtime.hasher.hash("Hunny#Pot9"),
                street1="1 Main St",
                city="Davis",
                state="CA",
                postal_code="95616",
            )
        )

    async def walk(pilot):
        await submit(pilot, "winnie@test.com")
        await submit(pilot, "Hunny#Pot9")
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)


def test_recover_account_snapshot_80x24(make_app, snap_compare):
    async def walk(pilot):
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)


def test_forgot_password_snapshot_80x24(make_app, snap_compare):
    async def walk(pilot):
        await submit(pilot, "nobody@test.com")
        await pilot.press("f4")
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)


def test_my_applications_snapshot_80x24(make_app, sqlite_runtime, snap_compare):
    with write_session(sqlite_runtime.engine) as session:
        session.add(
            factories.account(
                cccid="AAA0001",
                email="winnie@test.com",
                email_validated=True,
                password_hash=sqlite_runtime.hasher.hash("Hunny#Pot9"),
            )
        )

    async def walk(pilot):
        await submit(pilot, "winnie@test.com")
        await submit(pilot, "Hunny#Pot9")
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(make_app(Mode.KIOSK), terminal_size=SIZE, run_before=walk)
