"""Alembic environment: always handed a live connection by `daemon.store.engine`."""

from alembic import context

from daemon.store.models import Base

connection = context.config.attributes["connection"]
# render_as_batch lets later migrations ALTER tables on SQLite by copy-and-swap.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
