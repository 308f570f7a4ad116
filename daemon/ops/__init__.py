"""Every operation module; importing this package fills the registry."""

from daemon.ops import (  # noqa: F401
    activity_ops,
    agents_ops,
    auth_ops,
    backup_ops,
    connectors_ops,
    contacts_ops,
    deals_ops,
    jobs_ops,
    outcomes_ops,
    queue_ops,
    reports_ops,
    settings_ops,
    signals_ops,
    system_ops,
    workspace_ops,
)
