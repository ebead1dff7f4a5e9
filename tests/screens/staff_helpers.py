"""Staff sessions for screen tests, without walking the sign-in every time."""

from openccc_tui.services.staff.staff_sign_in import StaffSession
from tests import factories


def session_for(runtime, username: str, *roles: str) -> StaffSession:
    actor = factories.staff_actor(runtime, username, *roles)
    return StaffSession(actor=actor, full_name=username.title(), college_name="College 861", college_mis="861")


async def open_console(app, pilot, username: str, *roles: str, page: str | None = None) -> StaffSession:
    session = session_for(app.runtime, username, *roles)
    await pilot.pause()  # the first page is on screen, as it is before anyone can sign in
    await app.start_staff_session(session)
    await pilot.pause()
    if page:
        app.open_staff_page(page)
        await pilot.pause()
    return session
