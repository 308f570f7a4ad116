"""The operator's records as imported: contacts, companies, deals, tasks, meetings, threads.

Reads only (the writes are the importers' in `daemon.domain.ingest`): lists with the filters a
seller uses, one record with what links to it, and search that ignores case and accents.
"""
