"""The staff console's home: what the signed-in staff member's roles allow, and nothing else."""

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from openccc_tui.domain.staff import Role
from openccc_tui.screens.app_access import AppAccess
from openccc_tui.services.staff_sign_in import StaffSession
from openccc_tui.widgets.literal import Literal


@dataclass(frozen=True)
class ConsoleAction:
    key: str
    label: str
    roles: frozenset[Role]
    screen: str


ACTIONS = (
    ConsoleAction("a", "Add User", frozenset({Role.CREATOR}), "add_user"),
    ConsoleAction("m", "Multi Account Creation", frozenset({Role.CREATOR}), "multi_account"),
    ConsoleAction("l", "Support look-up", frozenset({Role.SUPPORT}), "support"),
    ConsoleAction("t", "Tracking sheet", frozenset({Role.CREATOR, Role.DIRECTOR}), "tracking"),
    ConsoleAction("g", "Audit log", frozenset({Role.DIRECTOR}), "audit_log"),
    ConsoleAction("s", "Staff access", frozenset({Role.DIRECTOR}), "staff_access"),
)


def allowed_actions(session: StaffSession) -> list[ConsoleAction]:
    return [action for action in ACTIONS if action.roles & session.actor.roles]


class StaffHomeScreen(AppAccess, Screen[None]):
    BINDINGS = [
        *(Binding(a.key, f"open('{a.screen}')", a.label, id=f"home.{a.screen}") for a in ACTIONS),
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
            yield Literal(f"{who} · {roles}")
            yield Literal(f"{session.college_mis} {session.college_name}", classes="page-help")
            for action in allowed_actions(session):
                yield Button(action.label, id=f"open-{action.screen}")
            yield Button("Sign out", id="sign-out", variant="warning")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return any(a.screen == parameters[0] for a in allowed_actions(self.session))
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "sign-out":
            self.action_sign_out()
        else:
            self.action_open((event.button.id or "").removeprefix("open-"))

    def action_open(self, screen: str) -> None:
        self.openccc_app.open_staff_page(screen)

    def action_sign_out(self) -> None:
        self.app.call_later(self.openccc_app.sign_out_staff, "You are signed out.")
