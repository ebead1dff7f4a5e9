"""A signed-in student, as the student's pages and services see them."""

from dataclasses import dataclass
from datetime import datetime


@dataclass
class StudentSession:
    account_id: int
    cccid: str
    name: str
    password_verified_at: datetime
    """When the student last typed the password: Edit Account asks again after 10 minutes."""
