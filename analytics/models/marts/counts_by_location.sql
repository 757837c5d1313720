-- Per location: assets there, assets whose default (ready-to-deploy) location it is, assets checked out to it,
-- people based there, and stock items kept there. Counted from the fact tables, not the server's *_count columns.
-- Two more rows, when they count anything: '(no location)' for rows without a location, and '(unknown location)'
-- for rows pointing at a location that is not in the locations table (deleted since), so every asset and person is
-- counted once. A count is null when its stream was not synced.
-- What is counted, and from which streams: snipeit_counts_by_spec('location') in macros/snipeit_counts_by.sql.
{{ snipeit_counts_by('location') }}
