"""TERM-4: trainer mode shows the outbox on every page, toggled with F9, and resets the
demo on request; other modes have neither."""

import pytest
from sqlmodel import func, select

from openccc_tui.app import Mode
from openccc_tui.domain.local_time import clock_time
from openccc_tui.screens.student import pages
from openccc_tui.screens.student.sign_in import SignInScreen
from openccc_tui.services.audit import command_line_actor
from openccc_tui.services.setup import seed_demo
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from openccc_tui.widgets.outbox import EMPTY, OutboxPanel
from tests import factories
from tests.screens.conftest import SIZE, settle, submit


@pytest.fixture
def demo_app(make_app, sqlite_runtime):
    seed_demo(sqlite_runtime, command_line_actor("trainer"))
    return make_app(Mode.TRAINER)


def panel_text(app) -> str:
    return app.screen.query_one(OutboxPanel).text


async def refreshed(app, pilot) -> None:
    app.screen.query_one(OutboxPanel).refresh_messages()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_term_4_outbox_panel_shows_the_code_as_it_is_sent(demo_app, sqlite_runtime):
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert panel_text(app) == EMPTY
        await submit(pilot, "una.unvalidated@demo.example")
        await submit(pilot, "Student#Demo26")
        assert isinstance(app.screen, pages.ValidationCodeScreen)
        await pilot.pause()
        await refreshed(app, pilot)
        code = factories.latest_code(sqlite_runtime, "una.unvalidated@demo.example")
        assert panel_text(app).startswith(f"Your OpenCCC Validation Code is {code}.")
        sent_at = clock_time(sqlite_runtime.clock())
        assert f"→ una.unvalidated@demo.example at {sent_at}" in panel_text(app)
        await pilot.press("f9")
        assert not app.screen.query(OutboxPanel)
        await pilot.press("f9")
        await pilot.pause()
        await refreshed(app, pilot)
        assert code in panel_text(app)
        await submit(pilot, code)
        assert isinstance(app.screen, pages.EditProfileScreen)
    assert not app.crashes


async def test_term_4_reset_demo_asks_then_brings_back_the_seed(demo_app, sqlite_runtime):
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "val.verde@demo.example")
        await submit(pilot, "Wrong#Pass99")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.query_one("#yes")
        await pilot.press("escape")  # keep the demo as it is
        await pilot.pause()
        assert not app.screen.query("#yes")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("shift+tab", "enter")  # from "Keep" to "Reset demo"
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, SignInScreen) and app.screen.query(OutboxPanel):
                break
        assert isinstance(app.screen, SignInScreen) and len(app.screen_stack) == 1
    with read_session(sqlite_runtime.engine) as session:
        val = session.exec(select(StudentAccount).where(StudentAccount.cccid == "DEM0002")).one()
        assert val.failed_sign_ins == 0
        assert session.exec(select(func.count()).select_from(StudentAccount)).one() == 9
    assert not app.crashes


def test_term_4_trainer_page_snapshot_80x24(demo_app, snap_compare):
    async def ready(pilot):
        await settle(pilot)
        await refreshed(pilot.app, pilot)

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=ready)


async def test_outbox_and_reset_are_trainer_mode_only(make_app):
    app = make_app(Mode.FULL)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9", "ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and not app.screen.query(OutboxPanel)
