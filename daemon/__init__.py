"""The CaseyOS daemon: the one process that owns the database and talks to the outside."""

__version__ = "0.1.0"
