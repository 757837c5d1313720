-- Assets per status label, counted from the synced assets (not the server's assets_count, computed at read time).
-- One more row, when it counts anything: '(unknown status)' for assets whose label is not in the status_labels
-- table (deleted since, or the stream not synced: then the labels are the ones the assets name).
-- What is counted, and from which streams: snipeit_counts_by_spec('status') in macros/snipeit_counts_by.sql.
{{ snipeit_counts_by('status') }}
