"""TERM-4 for a trainer in front of a room (issue 17): every row of the README's table works
on the demo database as written, the outbox panel shows whole messages (a REC-2 one-time
password included), F1 shows the demo identities, and `make demo` shows them before the
app covers them."""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from openccc_tui.app import Mode
from openccc_tui.domain.readable_password import SEPARATOR
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.account import EditAccountScreen
from openccc_tui.screens.student.recovery import RecoverAccountScreen
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.screens.trainer import DemoIdentitiesScreen
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.setup import demo_identities, seed_demo
from openccc_tui.services.student.edit_account import EditAccountFlow, EditStep
from openccc_tui.services.student.recovery import RecoverAccountFlow, RecoverStep
from openccc_tui.services.student.sign_in import SIGN_IN_FAILED, SignInFlow, Step
from openccc_tui.widgets.outbox import OutboxPanel
from tests import factories
from tests.screens.conftest import SIZE, fill, settle, submit
from tests.terminal import Pane

README = Path(__file__).parents[2] / "README.md"


@pytest.fixture
def demo(sqlite_runtime):
    seed_demo(sqlite_runtime, command_line_actor("trainer"))
    return sqlite_runtime


def readme_rows() -> dict[str, str]:
    """The trainer's table in the README: what to type on Sign In, and the flow it shows."""
    section = README.read_text().split("## A trainer's walk-through")[1].split("The staff walk")[0]
    rows = re.findall(r"^\| `([^`]+)`(?:, then `([^`]+)`)? \| (.+) \|$", section, re.MULTILINE)
    return {(second or first): shows for first, second, shows in rows}


def test_term_4_the_readme_table_and_the_demo_seed_name_the_same_identities():
    typed = {entry.split("then ")[-1] for entry, _ in demo_identities().students}
    assert set(readme_rows()) == typed


def sign_in(runtime, typed: str, *, username: str = "", password: str = "Student#Demo26") -> SignInFlow:
    flow = SignInFlow(runtime)
    if typed.startswith("("):
        flow.toggle_method()
    flow.submit_identifier(typed)
    if username:
        assert flow.step is Step.USERNAME
        flow.submit_username(username)
    assert flow.step is Step.PASSWORD
    flow.submit_password(password)
    return flow


def test_term_4_every_row_of_the_readme_table_shows_its_flow(demo):
    rows = readme_rows()
    assert "SIGN-2" in rows["val.verde@demo.example"]
    assert sign_in(demo, "val.verde@demo.example").step is Step.DONE
    assert sign_in(demo, "family@demo.example", username="klegacy02").step is Step.VALIDATION_CODE
    una = sign_in(demo, "una.unvalidated@demo.example")
    una.submit_code(factories.latest_code(demo, "una.unvalidated@demo.example"))
    assert una.step is Step.EDIT_PROFILE
    assert sign_in(demo, "(916) 445-2841").step is Step.DONE
    assert sign_in(demo, "admissions+lee@democollege.edu").step is Step.DONE
    assert sign_in(demo, "lou.locked@demo.example").message == SIGN_IN_FAILED
    assert sign_in(demo, "nobody@demo.example").message == SIGN_IN_FAILED

    rosa = sign_in(demo, "rosa.reclaim@demo.example")
    rosa.submit_code(factories.latest_code(demo, "rosa.reclaim@demo.example"))
    rosa.confirm_profile(rosa.method)
    assert rosa.step is Step.UPDATE_PASSWORD
    rosa.submit_new_password("Fresh#Start8", "Fresh#Start8")
    assert rosa.session is not None
    edit = EditAccountFlow(demo, rosa.session)
    saved = edit.save({**_stored_form(demo, rosa), "email": "rosa@home.example", "email-confirm": "rosa@home.example"})
    assert saved is EditStep.EMAIL_CODE, edit.field_errors  # no "required" under the address: it is there
    edit.submit_code(factories.latest_code(demo, "rosa@home.example"))
    assert "reclaimed" in edit.message

    recover = RecoverAccountFlow(demo)
    recover.choose(RecoverStep.BY_IDENTITY)
    recover.submit_identity("Val", "Verde", "2001-04-12", cccid="DEM0002")
    recover.reset_password()
    assert recover.step is RecoverStep.SECRET_QUESTION
    assert recover.submit_answer("hilltop") is RecoverStep.NEW_PASSWORD  # REC-3, as the README says


def _stored_form(runtime, flow: SignInFlow) -> dict[str, str]:
    from openccc_tui.services.student.student_profile import load_profile

    assert flow.session is not None
    return load_profile(runtime, flow.session).values


async def test_rec_2_the_outbox_panel_shows_the_whole_one_time_password_message(make_app, demo):
    app = make_app(Mode.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, RecoverAccountScreen)
        await pilot.press("enter")  # By the email on file
        await app.workers.wait_for_complete()
        await settle(pilot)
        await submit(pilot, "val.verde@demo.example")
        panel = app.screen.query_one(OutboxPanel)
        panel.refresh_messages()
        await app.workers.wait_for_complete()
        await settle(pilot)
        one_time = re.search(r"One-time password: (\S+)", panel.text)
        assert one_time is not None, panel.text
        assert SEPARATOR in one_time[1] and not set(one_time[1]) & set("0O1lI")
        assert "Your user name is: val.verde@demo.example" in panel.text
        shown = app.screen.find_widget(app.screen.query_one("#outbox-text"))
        assert shown.region.y >= shown.clip.y  # the password line is in view: second line of the panel


async def test_term_4_f1_shows_the_demo_identities_in_trainer_mode_only(make_app, demo):
    app = make_app(Mode.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, DemoIdentitiesScreen)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "cory.creator" in text and "Trainer#2026c" in text and "code now" in text
        assert "Student#Demo26" in text and "rosa.reclaim@demo.example" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
    full = make_app(Mode.FULL)
    async with full.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(full.screen, SignInScreen)


async def test_acc_9_rosa_reclaims_on_the_demo_through_the_pages(make_app, demo):
    app = make_app(Mode.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "rosa.reclaim@demo.example")
        await submit(pilot, "Student#Demo26")
        await submit(pilot, factories.latest_code(demo, "rosa.reclaim@demo.example"))
        await pilot.press("enter")  # Edit Profile: continue with the email
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, pages.UpdatePasswordScreen)
        await fill(pilot, {"#new-password": "Fresh#Start8", "#confirm-password": "Fresh#Start8"})
        app.screen.query_one("#confirm-password").focus()
        await submit(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditAccountScreen)
        await fill(pilot, {"#new-email": "rosa@home.example", "#email-confirm": "rosa@home.example"})
        await pilot.press("ctrl+s")
        for _ in range(100):
            if app.screen.query("#email-code"):
                break
            await pilot.pause(0.02)
        assert app.screen.query("#email-code"), str(app.screen.query_one("#page-message").render())
        panel = app.screen_stack[-2].query_one(OutboxPanel)
        code = factories.latest_code(demo, "rosa@home.example")
        for _ in range(100):  # the save's worker waits on the dialog: the panel refreshes on its own
            if panel.text.startswith(f"Your OpenCCC Validation Code is {code}."):
                break
            await pilot.pause(0.05)
        assert panel.text.startswith(f"Your OpenCCC Validation Code is {code}.")
        dialog = app.screen.query_one(".dialog")
        assert not dialog.region.overlaps(panel.region)  # the code the dialog asks for stays in view
    assert not app.crashes


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed (Debian: apt-get install tmux)")
def test_term_4_make_demo_shows_the_identities_and_waits_for_enter(tmp_path):
    pane = Pane(f"openccc-demo-{os.getpid()}")
    command = f"{Path(sys.executable).parent / 'openccc-tui'} demo --dir {tmp_path / 'demo'}"
    env = f"OPENCCC_LOG_FILE={tmp_path / 'log'} HOME={tmp_path}"
    try:
        pane.start(f"env {env} {command}")
        shown = pane.wait_for("Press Enter")
        assert "cory.creator" in shown and "Student#Demo26" in shown and "pyotp.TOTP(" in shown
        assert "Sign In" not in shown.split("Press Enter")[0].splitlines()[-1]
        pane.keys("Enter")
        pane.wait_for("Outbox, newest first")
    finally:
        pane.kill()
