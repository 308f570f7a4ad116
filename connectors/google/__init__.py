"""Live Google connectors: Gmail (v1), Calendar (v3) and Drive (v3).

Each module declares a `SPEC` (see `connectors.live.LiveSpec`). All three talk through one
`Api` rooted at `Endpoints.google`, under which Google's own paths go (`/gmail/v1/...`,
`/calendar/v3/...`, `/drive/v3/...`), with the operator's Google sign-in.
"""
