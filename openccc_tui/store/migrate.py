"""Schema migrations (Alembic), run from code: `openccc-tui db upgrade` and `init`.

Every command checks the schema first. A database already at the newest revision (the
usual case) is recognised with one query and without loading Alembic, whose import alone
costs more start-up time than the rest of a command's own work (`import` of a file, BULK-8).
"""

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from openccc_tui.store import models  # noqa: F401  (the tables drop_everything drops

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; does nothing when it is there already.

    On SQLite a migration that changes a column rebuilds the table, and dropping a table
    that other rows point at breaks their foreign keys until the new one is in place: the
    keys are off while migrations run (SQLite's own procedure for schema changes), and
    checked whole before the commit."""
    if _stored_revisions(engine) == {_newest_revision()}:
        return
    from alembic import command

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("a migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    # Outside any transaction, where SQLite honours the pragma: on the driver's connection,
    # since a statement through SQLAlchemy would begin one first.
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _stored_revisions(engine: Engine) -> set[str]:
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:  # no schema yet
        return set()


@cache
def _newest_revision() -> str | None:
    """The head revision, read from the migration files as Alembic reads it: the one
    revision that no other names as its down_revision."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                for target in targets:
                    if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
                        values[target.id] = node.value.value
        revision, parent = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            revisions.add(revision)
            if isinstance(parent, str):
                parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def drop_everything(engine: Engine) -> None:
    """Drop every table, data included, so that `upgrade` starts from nothing: for the
    trainer's Reset demo only. Tables go children first, so foreign keys hold throughout;
    dropping a table fires no row trigger, so the append-only audit table goes too."""
    with engine.begin() as connection:
        SQLModel.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only()"))


def current_revision(engine: Engine) -> str | None:
    """The schema's revision; one query when the database has one (every command asks)."""
    stored = _stored_revisions(engine)
    if len(stored) == 1:
        return stored.pop()
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:  # no schema yet, a connection error, or several heads: as Alembic says
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    newest = _newest_revision()
    if newest is not None:
        return newest
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known(revision: str) -> bool:
    """Whether this version's migrations include `revision` (a newer version's do not)."""
    if revision == _newest_revision():
        return True
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
