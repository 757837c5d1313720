-- Per company: assets, people, licenses and stock items, counted from the synced rows (the server's
-- companies.*_count columns are computed at read time and go stale in incremental tables). Two more rows, when
-- they count anything: '(no company)' and '(unknown company)' (a company that is not in the companies table). A
-- count is null when its stream was not synced.
-- What is counted, and from which streams: snipeit_counts_by_spec('company') in macros/snipeit_counts_by.sql.
{{ snipeit_counts_by('company') }}
