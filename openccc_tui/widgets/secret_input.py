"""An input for passwords and codes: masked, and its text cannot be copied or cut."""

from textual.widgets import Input


class SecretInput(Input):
    ALLOW_SELECT = False
    """No mouse selection either, so the screen's copy has nothing of it to take."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["password"] = True
        super().__init__(*args, **kwargs)

    def action_copy(self) -> None:
        """Copying a password would put it on the clipboard of a shared terminal."""

    def action_cut(self) -> None:
        """Cutting would copy; it does nothing, like copy."""
