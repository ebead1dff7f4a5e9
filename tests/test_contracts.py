"""The layer rules of ARCHITECTURE.md, checked by import-linter's contracts in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.screens.app_access import AppAccess, OpencccApp
from openccc_tui.services.runtime import Runtime

ROOT = Path(__file__).parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


async def test_screens_reach_the_app_through_its_typed_protocol(sqlite_runtime: Runtime) -> None:
    """Screens may not import app.py: they use `openccc_app`, typed by the OpencccApp
    protocol. The annotation below has mypy check that the App meets it."""
    app: OpencccApp = OpenCCCApp(sqlite_runtime, Mode.FULL)
    assert isinstance(app, OpenCCCApp)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AppAccess)
        assert screen.openccc_app is app
        assert screen.openccc_app.runtime is sqlite_runtime
