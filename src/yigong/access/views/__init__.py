"""Scoped views: what each page and endpoint shows, as plain data, for one `Principal`.

One function per view; the API renders the data as JSON (or CSV/XLSX), the cockpit as HTML
and as its JSON twin. Every view applies the user's scope (rows of institutions in scope,
`Principal.redact` on every value) and writes the audit row of a record-level read, so a new
face cannot forget either.
"""
