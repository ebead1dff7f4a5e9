"""The staff console's home: what the signed-in staff member's roles allow, and nothing else."""

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from openccc_tui.domain.staff import Role
from openccc_tui.screens.app_access import AppAccess, ConsolePage, OpenConsolePage, StaffSignOut
from openccc_tui.screens.staff.add_user import AddUserScreen
from openccc_tui.screens.staff.audit_log import AuditLogScreen
from openccc_tui.screens.staff.multi_account import MultiAccountScreen
from openccc_tui.screens.staff.page import StaffPage
from openccc_tui.screens.staff.staff_access import StaffAccessScreen
from openccc_tui.screens.staff.support import SupportScreen
from openccc_tui.screens.staff.tracking import TrackingScreen
from openccc_tui.services.staff.staff_sign_in import StaffSession
from openccc_tui.widgets.verbatim import Verbatim


@dataclass(frozen=True)
class ConsoleAction:
    key: str
    label: str
    roles: frozenset[Role]
    page: ConsolePage
    screen: Callable[[StaffSession], StaffPage]


ACTIONS = (
    ConsoleAction("a", "Add User", frozenset({Role.CREATOR}), ConsolePage.ADD_USER, AddUserScreen),
    ConsoleAction(
        "m", "Multi Account Creation", frozenset({Role.CREATOR}), ConsolePage.MULTI_ACCOUNT, MultiAccountScreen
    ),
    ConsoleAction("l", "Support look-up", frozenset({Role.SUPPORT}), ConsolePage.SUPPORT, SupportScreen),
    ConsoleAction(
        "t", "Tracking sheet", frozenset({Role.CREATOR, Role.DIRECTOR}), ConsolePage.TRACKING, TrackingScreen
    ),
    ConsoleAction("g", "Audit log", frozenset({Role.DIRECTOR}), ConsolePage.AUDIT_LOG, AuditLogScreen),
    ConsoleAction("s", "Staff access", frozenset({Role.DIRECTOR}), ConsolePage.STAFF_ACCESS, StaffAccessScreen),
)
"""The console's pages: key, label, the roles that may open one (STAFF-2), and its screen."""


def allowed_actions(session: StaffSession) -> list[ConsoleAction]:
    return [action for action in ACTIONS if action.roles & session.actor.roles]


class StaffHomeScreen(AppAccess, Screen[None]):
    BINDINGS = [
        *(Binding(a.key, f"open('{a.page}')", a.label, id=f"home.{a.page}") for a in ACTIONS),
        Binding("ctrl+o", "sign_out", "Sign out", id="home.sign_out"),
    ]

    def __init__(self, session: StaffSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        session = self.session
        roles = ", ".join(sorted(r.value for r in session.actor.roles))
        yield Header()
        with Vertical(classes="page"):
            yield Static("Staff console", classes="page-title")
            who = (
                session.full_name
                if session.full_name == session.actor.name
                else f"{session.full_name} ({session.actor.name})"
            )
            yield Verbatim(f"{who} · {roles}")
            yield Verbatim(f"{session.college_mis} {session.college_name}", classes="page-help")
            for action in allowed_actions(session):
                yield Button(action.label, id=f"open-{action.page}", name=action.page, classes="console-page")
            yield Button("Sign out", id="sign-out", variant="warning")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return any(a.page == parameters[0] for a in allowed_actions(self.session))
        return True

    @on(Button.Pressed, "#sign-out")
    def action_sign_out(self) -> None:
        self.post_to_app(StaffSignOut("You are signed out."))

    @on(Button.Pressed, ".console-page")
    def open_pressed(self, event: Button.Pressed) -> None:
        self.action_open(event.button.name or "")

    def action_open(self, page: str) -> None:
        self.post_to_app(OpenConsolePage(ConsolePage(page)))
