"""Alembic environment: migrations run on a connection handed in by `store.migrate`.

For `alembic revision --autogenerate` by hand, pass `-x url=DATABASE_URL`.
"""

from alembic import context

from openccc_tui.store import models
from openccc_tui.store.engine import make_engine

target_metadata = models.SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.get_x_argument(as_dictionary=True)["url"]
    with make_engine(url).begin() as new_connection:
        run_migrations(new_connection)
