"""HubSpot CRM export CSVs (contacts, companies, deals, tasks, notes) -> SyncBatch.

HubSpot's "Export" writes property *labels* as column headers ("First Name", "Deal Stage") and,
unless "internal values" is chosen, labels as values too ("Closed Won", "Sales Pipeline"). Both
labels and internal names are accepted, so an export made either way, or a file a user
assembled by hand with the same headers, imports the same.

Modules, one per seam:

- `parser`: reads the file, checks the header, dispatches rows (`parse_hubspot_csv`, or
  `iter_hubspot_csv` for batches of rows).
- `columns`: header aliases, kind detection, required columns, row access by field.
- `values`: what cells mean: stages, tiers, task statuses, money, due dates, associations.
- `context`: per-file state: the batch, warnings, dates in the operator's zone.
- `contacts`, `companies`, `deals`, `activities` (tasks and notes): one row -> records.
"""

from __future__ import annotations

from connectors.files.hubspot.columns import CsvKind, detect_csv_kind
from connectors.files.hubspot.parser import iter_hubspot_csv, parse_hubspot_csv

__all__ = ["CsvKind", "detect_csv_kind", "iter_hubspot_csv", "parse_hubspot_csv"]
