"""What a student's password is checked against besides the rules themselves: their names,
email and user name, the common passwords, and the college's name where it is known."""

from openccc_tui.domain.policy import PasswordContext
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.models import StudentAccount


def student_password_context(runtime: Runtime, account: StudentAccount, college_name: str = "") -> PasswordContext:
    return PasswordContext(
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
        username=account.username or "",
        common_passwords=runtime.common_passwords,
        college_name=college_name,
    )
