"""BULK-9 on the Multi Account Creation screen: the import folder's picker shows only
folders and .csv/.xlsx files of its own, and a link chosen anyway is refused unread."""

import os

from openccc_tui.app import Mode
from openccc_tui.screens.staff.multi_account import MultiAccountScreen, UploadTree
from tests.screens.conftest import SIZE
from tests.screens.staff_helpers import open_console
from tests.services.test_bulk import csv_bytes, row


async def test_bulk_9_the_picker_hides_links_and_fifos_and_a_chosen_link_is_refused(make_app, sqlite_runtime):
    folder = sqlite_runtime.settings.import_dir
    (folder / "fall.csv").write_bytes(csv_bytes([row(1)]))
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "zero.csv").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.csv")
    app = make_app(Mode.STAFF)
    async with app.run_test(size=SIZE) as pilot:
        await open_console(app, pilot, "cory", "creator")
        await pilot.press("m")
        assert isinstance(app.screen, MultiAccountScreen)
        tree = app.screen.query_one(UploadTree)
        for _ in range(50):
            await pilot.pause(0.05)
            if tree.root.children:
                break
        shown = {str(node.label) for node in tree.root.children}
        assert "fall.csv" in shown and not shown & {"passwd.csv", "zero.csv", "pipe.csv"}
        app.screen.chosen = folder / "passwd.csv"
        await pilot.press("f5")
        await pilot.pause()
        message = str(app.screen.query_one("#page-message").render())
        assert message == "Not processed: passwd.csv is a link: put the file itself there"
    assert not app.crashes
